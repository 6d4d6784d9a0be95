#include "flow/types.h"

#include <array>
#include <optional>

#include <QJsonArray>

#include "crypto/mask.h"
#include "flow/credentialstore.h"

namespace Flow {

namespace {

template <typename Enum, size_t N>
QString nameOf(Enum value, const std::array<const char *, N> &names)
{
    const auto i = static_cast<size_t>(value);
    return i < N ? QString::fromLatin1(names[i]) : QString();
}

template <typename Enum, size_t N>
std::optional<Enum> valueOf(const QString &name, const std::array<const char *, N> &names)
{
    for (size_t i = 0; i < N; ++i)
        if (name == QLatin1String(names[i]))
            return static_cast<Enum>(i);
    return std::nullopt;
}

constexpr std::array<const char *, 3> kLevels{"MUST", "SHOULD", "MAY"};
constexpr std::array<const char *, 4> kVerdicts{"pass", "warn", "fail", "skip"};
constexpr std::array<const char *, 6> kStepStatuses{"pending", "running", "passed",
                                                    "warning", "failed",  "skipped"};
constexpr std::array<const char *, 5> kOutcomes{"not_started", "running", "succeeded", "failed",
                                                "cancelled"};
constexpr std::array<const char *, 3> kBrowserModes{"system", "manual", "headless"};
constexpr std::array<const char *, 4> kGrants{"pkce", "client-credentials", "device", "jwt-bearer"};

Core::Error formatError(const QString &what)
{
    return Core::makeError(QStringLiteral("invalid_run"),
                           QStringLiteral("not a flow run export: %1").arg(what));
}

QString timeText(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QDateTime timeFrom(const QJsonValue &value)
{
    return QDateTime::fromString(value.toString(), Qt::ISODateWithMs);
}

QJsonArray headersToJson(const Http::Headers &headers)
{
    QJsonArray out;
    for (const auto &[name, value] : headers.entries())
        out.append(QJsonArray{QString::fromLatin1(name), QString::fromUtf8(value)});
    return out;
}

Http::Headers headersFromJson(const QJsonArray &array)
{
    Http::Headers headers;
    for (const QJsonValue &entry : array) {
        const QJsonArray pair = entry.toArray();
        if (pair.size() == 2)
            headers.add(pair.at(0).toString().toLatin1(), pair.at(1).toString().toUtf8());
    }
    return headers;
}

} // namespace

QString levelName(Level level)
{
    return nameOf(level, kLevels);
}
QString verdictName(Verdict verdict)
{
    return nameOf(verdict, kVerdicts);
}
QString stepStatusName(StepStatus status)
{
    return nameOf(status, kStepStatuses);
}
QString outcomeName(Outcome outcome)
{
    return nameOf(outcome, kOutcomes);
}
QString browserModeName(BrowserMode mode)
{
    return nameOf(mode, kBrowserModes);
}

QString grantName(Grant grant)
{
    return nameOf(grant, kGrants);
}

Core::Result<Grant> parseGrant(const QString &name)
{
    if (auto grant = valueOf<Grant>(name, kGrants))
        return *grant;
    return Core::makeError(
        QStringLiteral("invalid_option"),
        QStringLiteral("unknown grant '%1' (pkce, client-credentials, device or jwt-bearer)")
            .arg(name));
}

Core::Result<BrowserMode> parseBrowserMode(const QString &name)
{
    if (auto mode = valueOf<BrowserMode>(name, kBrowserModes))
        return *mode;
    return Core::makeError(
        QStringLiteral("invalid_option"),
        QStringLiteral("unknown browser mode '%1' (system, manual or headless)").arg(name));
}

QJsonObject Check::toJson() const
{
    return {{QStringLiteral("rule"), rule},
            {QStringLiteral("level"), levelName(level)},
            {QStringLiteral("verdict"), verdictName(verdict)},
            {QStringLiteral("explanation"), explanation}};
}

Core::Result<Check> Check::fromJson(const QJsonObject &object)
{
    Check check;
    check.rule = object.value(QStringLiteral("rule")).toString();
    const auto level = valueOf<Level>(object.value(QStringLiteral("level")).toString(), kLevels);
    const auto verdict =
        valueOf<Verdict>(object.value(QStringLiteral("verdict")).toString(), kVerdicts);
    if (check.rule.isEmpty() || !level || !verdict)
        return formatError(QStringLiteral("a check needs rule, level and verdict"));
    check.level = *level;
    check.verdict = *verdict;
    check.explanation = object.value(QStringLiteral("explanation")).toString();
    return check;
}

bool Step::hasFailure() const
{
    for (const Check &check : checks)
        if (check.verdict == Verdict::Fail)
            return true;
    return status == StepStatus::Failed;
}

QJsonObject exchangeToJson(const Http::Exchange &exchange)
{
    QJsonObject out{
        {QStringLiteral("id"), QString::number(exchange.id)},
        {QStringLiteral("started_at"), timeText(exchange.startedAt)},
        {QStringLiteral("duration_us"), exchange.durationMicros},
        {QStringLiteral("method"), QString::fromLatin1(exchange.method)},
        {QStringLiteral("url"), exchange.url},
        {QStringLiteral("request_headers"), headersToJson(exchange.requestHeaders)},
        {QStringLiteral("request_body"), QString::fromUtf8(exchange.requestBody)},
        {QStringLiteral("status"), exchange.status},
        {QStringLiteral("response_headers"), headersToJson(exchange.responseHeaders)},
        {QStringLiteral("response_body"), QString::fromUtf8(exchange.responseBody)},
    };
    if (exchange.requestBodyTruncated)
        out.insert(QStringLiteral("request_body_truncated"), true);
    if (exchange.responseBodyTruncated)
        out.insert(QStringLiteral("response_body_truncated"), true);
    if (!exchange.error.isEmpty())
        out.insert(QStringLiteral("error"), exchange.error);
    if (!exchange.peer.isEmpty())
        out.insert(QStringLiteral("peer"), exchange.peer);
    return out;
}

Http::Exchange exchangeFromJson(const QJsonObject &object)
{
    Http::Exchange exchange;
    exchange.side = Http::Exchange::Side::Client;
    exchange.id = object.value(QStringLiteral("id")).toString().toULongLong();
    exchange.startedAt = timeFrom(object.value(QStringLiteral("started_at")));
    exchange.durationMicros = object.value(QStringLiteral("duration_us")).toInteger();
    exchange.method = object.value(QStringLiteral("method")).toString().toLatin1();
    exchange.url = object.value(QStringLiteral("url")).toString();
    exchange.requestHeaders =
        headersFromJson(object.value(QStringLiteral("request_headers")).toArray());
    exchange.requestBody = object.value(QStringLiteral("request_body")).toString().toUtf8();
    exchange.requestBodyTruncated = object.value(QStringLiteral("request_body_truncated")).toBool();
    exchange.status = object.value(QStringLiteral("status")).toInt();
    exchange.responseHeaders =
        headersFromJson(object.value(QStringLiteral("response_headers")).toArray());
    exchange.responseBody = object.value(QStringLiteral("response_body")).toString().toUtf8();
    exchange.responseBodyTruncated =
        object.value(QStringLiteral("response_body_truncated")).toBool();
    exchange.error = object.value(QStringLiteral("error")).toString();
    exchange.peer = object.value(QStringLiteral("peer")).toString();
    return exchange;
}

QJsonObject Step::toJson() const
{
    QJsonArray checkArray;
    for (const Check &check : checks)
        checkArray.append(check.toJson());
    QJsonArray exchangeArray;
    for (const Http::Exchange &exchange : exchanges)
        exchangeArray.append(exchangeToJson(exchange));
    return {{QStringLiteral("index"), index},
            {QStringLiteral("id"), id},
            {QStringLiteral("title"), title},
            {QStringLiteral("status"), stepStatusName(status)},
            {QStringLiteral("summary"), summary},
            {QStringLiteral("checks"), checkArray},
            {QStringLiteral("exchanges"), exchangeArray},
            {QStringLiteral("started_at"), timeText(startedAt)},
            {QStringLiteral("finished_at"), timeText(finishedAt)}};
}

Core::Result<Step> Step::fromJson(const QJsonObject &object)
{
    Step step;
    step.index = object.value(QStringLiteral("index")).toInt();
    step.id = object.value(QStringLiteral("id")).toString();
    step.title = object.value(QStringLiteral("title")).toString();
    const auto status =
        valueOf<StepStatus>(object.value(QStringLiteral("status")).toString(), kStepStatuses);
    if (step.id.isEmpty() || !status)
        return formatError(QStringLiteral("a step needs id and status"));
    step.status = *status;
    step.summary = object.value(QStringLiteral("summary")).toString();
    for (const QJsonValue &value : object.value(QStringLiteral("checks")).toArray()) {
        auto check = Check::fromJson(value.toObject());
        if (!check)
            return check.error();
        step.checks.append(*check);
    }
    for (const QJsonValue &value : object.value(QStringLiteral("exchanges")).toArray())
        step.exchanges.append(exchangeFromJson(value.toObject()));
    step.startedAt = timeFrom(object.value(QStringLiteral("started_at")));
    step.finishedAt = timeFrom(object.value(QStringLiteral("finished_at")));
    return step;
}

QStringList stringList(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &entry : value.toArray())
        if (entry.isString())
            out.append(entry.toString());
    return out;
}

QJsonObject Options::toJson() const
{
    QJsonObject out{
        {QStringLiteral("server_url"), serverUrl.toString()},
        {QStringLiteral("grant"), grantName(grant)},
        {QStringLiteral("browser"), browserModeName(browser)},
        {QStringLiteral("protocol_version"), protocolVersion},
        {QStringLiteral("tool_name"), toolName},
        {QStringLiteral("max_step_up_attempts"), maxStepUpAttempts},
    };
    if (!scope.isEmpty())
        out.insert(QStringLiteral("scope"), scope);
    if (!clientId.isEmpty())
        out.insert(QStringLiteral("client_id"), clientId);
    if (!clientSecret.isEmpty())
        out.insert(QStringLiteral("client_secret"), Crypto::maskSecret(clientSecret.toUtf8()));
    if (!privateKeyPem.isEmpty())
        out.insert(QStringLiteral("client_authentication"), QStringLiteral("private_key_jwt"));
    if (!clientMetadataUrl.isEmpty())
        out.insert(QStringLiteral("client_metadata_url"), clientMetadataUrl.toString());
    if (dpop)
        out.insert(QStringLiteral("dpop"), true);
    if (credentialStore)
        out.insert(QStringLiteral("credential_store"), credentialStore->backendName());
    if (forgetCredentials)
        out.insert(QStringLiteral("forget_credentials"), true);
    if (browser == BrowserMode::Headless) {
        out.insert(QStringLiteral("username"), username);
        out.insert(QStringLiteral("consent"),
                   approveConsent ? QStringLiteral("approve") : QStringLiteral("deny"));
    }
    return out;
}

QJsonObject TokenSummary::toJson() const
{
    QJsonObject out;
    const auto put = [&out](const char *name, const QString &value) {
        if (!value.isEmpty())
            out.insert(QLatin1String(name), value);
    };
    put("client_id", clientId);
    put("access_token", accessToken);
    put("refresh_token", refreshToken);
    put("token_type", tokenType);
    put("scope", scope);
    if (expiresIn > 0)
        out.insert(QStringLiteral("expires_in"), expiresIn);
    out.insert(QStringLiteral("refresh_rotated"), refreshRotated);
    out.insert(QStringLiteral("revoked"), revoked);
    return out;
}

TokenSummary TokenSummary::fromJson(const QJsonObject &object)
{
    TokenSummary out;
    out.clientId = object.value(QStringLiteral("client_id")).toString();
    out.accessToken = object.value(QStringLiteral("access_token")).toString();
    out.refreshToken = object.value(QStringLiteral("refresh_token")).toString();
    out.tokenType = object.value(QStringLiteral("token_type")).toString();
    out.scope = object.value(QStringLiteral("scope")).toString();
    out.expiresIn = object.value(QStringLiteral("expires_in")).toInteger();
    out.refreshRotated = object.value(QStringLiteral("refresh_rotated")).toBool();
    out.revoked = object.value(QStringLiteral("revoked")).toBool();
    return out;
}

int Run::checkCount(Verdict verdict) const
{
    int count = 0;
    for (const Step &step : steps)
        for (const Check &check : step.checks)
            count += check.verdict == verdict ? 1 : 0;
    return count;
}

QJsonObject Run::toJson() const
{
    QJsonArray stepArray;
    for (const Step &step : steps)
        stepArray.append(step.toJson());
    QJsonObject out{
        {QStringLiteral("format"), QStringLiteral("mcpauth-flow-run/1")},
        {QStringLiteral("options"), options},
        {QStringLiteral("outcome"), outcomeName(outcome)},
        {QStringLiteral("steps"), stepArray},
        {QStringLiteral("tokens"), tokens.toJson()},
        {QStringLiteral("started_at"), timeText(startedAt)},
        {QStringLiteral("finished_at"), timeText(finishedAt)},
        {QStringLiteral("summary"),
         QJsonObject{{QStringLiteral("pass"), checkCount(Verdict::Pass)},
                     {QStringLiteral("warn"), checkCount(Verdict::Warn)},
                     {QStringLiteral("fail"), checkCount(Verdict::Fail)},
                     {QStringLiteral("skip"), checkCount(Verdict::Skip)}}},
    };
    if (!error.isEmpty())
        out.insert(QStringLiteral("error"), error);
    return out;
}

Core::Result<Run> Run::fromJson(const QJsonObject &object)
{
    if (object.value(QStringLiteral("format")).toString() != QLatin1String("mcpauth-flow-run/1"))
        return formatError(QStringLiteral("format is not mcpauth-flow-run/1"));
    Run run;
    run.options = object.value(QStringLiteral("options")).toObject();
    const auto outcome =
        valueOf<Outcome>(object.value(QStringLiteral("outcome")).toString(), kOutcomes);
    if (!outcome)
        return formatError(QStringLiteral("unknown outcome"));
    run.outcome = *outcome;
    run.error = object.value(QStringLiteral("error")).toString();
    for (const QJsonValue &value : object.value(QStringLiteral("steps")).toArray()) {
        auto step = Step::fromJson(value.toObject());
        if (!step)
            return step.error();
        run.steps.append(*step);
    }
    run.tokens = TokenSummary::fromJson(object.value(QStringLiteral("tokens")).toObject());
    run.startedAt = timeFrom(object.value(QStringLiteral("started_at")));
    run.finishedAt = timeFrom(object.value(QStringLiteral("finished_at")));
    return run;
}

} // namespace Flow
