#include "traffic/driver.h"

#include <cmath>
#include <random>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include "crypto/mask.h"
#include "http/client.h"
#include "traffic/mcpanswer.h"
#include "traffic/mcpwire.h"

namespace Traffic {

namespace {

const QByteArray kSessionHeader = QByteArrayLiteral("Mcp-Session-Id");
const QByteArray kVersionHeader = QByteArrayLiteral("MCP-Protocol-Version");
const QString kCreateTask = QStringLiteral("create_task");
const QString kDeleteTask = QStringLiteral("delete_task");
const QString kGetTask = QStringLiteral("get_task");
const QString kUpdateTask = QStringLiteral("update_task");
const QString kEcho = QStringLiteral("echo");
const QString kToolError = QStringLiteral("tool_error");
constexpr qsizetype kMaxTrackedTasks = 10000;

Core::Error optionError(const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_request"), message);
}

bool needsTaskId(const QString &tool)
{
    return tool == kGetTask || tool == kUpdateTask || tool == kDeleteTask;
}

QString snippet(const QByteArray &body)
{
    QString text = QString::fromUtf8(body.left(200)).simplified();
    if (body.size() > 200)
        text += QStringLiteral("...");
    return text.isEmpty() ? QStringLiteral("(empty body)") : text;
}

/// The id of the task in a create_task answer (structuredContent, else the text content).
qint64 createdTaskId(const ToolAnswer &answer)
{
    QJsonObject structured = answer.structured;
    if (structured.isEmpty())
        structured = QJsonDocument::fromJson(answer.text.toUtf8()).object();
    const QJsonValue id =
        structured.value(QStringLiteral("task")).toObject().value(QStringLiteral("id"));
    return id.isDouble() ? qint64(id.toDouble()) : 0;
}

} // namespace

Core::Status Options::validate() const
{
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return optionError(QStringLiteral("url: '%1' is not an http(s) URL")
                               .arg(url.toString(QUrl::RemoveUserInfo)));
    if (token.isEmpty())
        return optionError(QStringLiteral("token: an access token is required"));
    for (const char c : token)
        if (c <= ' ' || c > '~')
            return optionError(QStringLiteral("token: %1 contains characters a bearer token "
                                              "cannot have (RFC 6750 2.1)")
                                   .arg(Crypto::maskSecret(token)));
    if (mix.isEmpty())
        return optionError(QStringLiteral("mix: at least one tool is needed"));
    for (const MixEntry &entry : mix)
        if (!std::isfinite(entry.weight) || entry.weight <= 0)
            return optionError(
                QStringLiteral("mix: the weight of %1 is not a positive number").arg(entry.tool));
    if (!std::isfinite(rate) || rate <= 0 || rate > 1000)
        return optionError(QStringLiteral("rate: must be more than 0 and at most 1000 calls "
                                          "per second"));
    const bool byDuration = durationSeconds != 0;
    const bool byCount = calls != 0;
    if (byDuration == byCount)
        return optionError(QStringLiteral("give either a duration or a number of calls"));
    if (byDuration && (!std::isfinite(durationSeconds) || durationSeconds <= 0 ||
                       durationSeconds > 7 * 24 * 3600))
        return optionError(QStringLiteral("duration: must be more than 0 and at most a week "
                                          "(604800 seconds)"));
    if (byCount && calls < 0)
        return optionError(QStringLiteral("calls: must be a positive number"));
    if (maxInFlight < 1 || maxInFlight > 256)
        return optionError(QStringLiteral("concurrency: must be from 1 to 256"));
    if (protocolVersion.trimmed().isEmpty())
        return optionError(QStringLiteral("protocol version: must not be empty"));
    if (justification.trimmed().isEmpty() || justification.size() > 2000)
        return optionError(QStringLiteral("justification: must be 1 to 2000 characters"));
    if (requestTimeout.count() <= 0)
        return optionError(QStringLiteral("request timeout: must be positive"));
    return {};
}

struct Driver::Call
{
    QString tool;
    QJsonObject arguments;
    qint64 taskId = 0; ///< the task acted on (get/update/delete), 0: none
    qint64 rpcId = 0;
    qint64 startedNs = 0;
    int sessionGeneration = 0;
    bool justificationSent = false;
    bool sessionRetried = false;
};

struct Driver::Random
{
    explicit Random(quint64 seed)
        : engine(seed)
    {}

    qsizetype index(qsizetype size)
    {
        return std::uniform_int_distribution<qsizetype>(0, size - 1)(engine);
    }
    template <typename T>
    const T &pick(const QList<T> &list)
    {
        return list.at(index(list.size()));
    }

    std::mt19937_64 engine;
};

Driver::Driver(Options options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{}

Driver::~Driver()
{
    abortRequests();
}

bool Driver::isRunning() const
{
    return m_state == State::Initializing || m_state == State::Running;
}

double Driver::elapsedSeconds() const
{
    if (m_finalElapsed >= 0)
        return m_finalElapsed;
    return m_clock.isValid() ? double(m_clock.nsecsElapsed()) / 1e9 : 0.0;
}

Summary Driver::summary() const
{
    Summary summary;
    summary.url = m_options.url.toString(QUrl::RemoveUserInfo);
    if (m_stats)
        m_stats->fill(summary);
    summary.elapsedSeconds = elapsedSeconds();
    summary.requestedRate = m_options.rate;
    summary.notSent = m_notSent;
    summary.sessionReinitializations = m_reinitializations;
    summary.protocolVersion = m_protocolVersion;
    summary.stopped = m_stopped;
    summary.error = m_error;
    return summary;
}

Core::Status Driver::start()
{
    if (m_state != State::Idle)
        return Core::makeError(QStringLiteral("invalid_request"),
                               QStringLiteral("a driver runs once; create a new one"));
    if (auto valid = m_options.validate(); !valid)
        return valid;
    // Refused here already so that a caller learns it at once; the client checks every
    // request (and the resolved addresses) again.
    if (auto allowed = Http::SsrfGuard(m_options.ssrfPolicy).checkUrl(m_options.url); !allowed)
        return allowed;
    m_client = new Http::Client(this);
    m_client->setPolicy(m_options.ssrfPolicy);
    m_client->setExchangeLog(m_options.exchangeLog);
    if (!m_options.trustedCertificates.isEmpty())
        m_client->addTrustedCaCertificates(m_options.trustedCertificates);

    const quint64 seed = m_options.seed ? *m_options.seed : std::random_device{}();
    m_random = std::make_unique<Random>(seed);
    QStringList tools;
    for (const MixEntry &entry : m_options.mix)
        tools.append(entry.tool);
    m_stats = std::make_unique<StatsRecorder>(tools, seed);
    m_tick = new QTimer(this);
    m_tick->setTimerType(Qt::PreciseTimer);
    m_tick->setInterval(int(std::clamp(1000.0 / m_options.rate, 1.0, 50.0)));
    connect(m_tick, &QTimer::timeout, this, &Driver::handleTick);
    m_stateless = isStatelessProtocol(m_options.protocolVersion);
    m_state = State::Initializing;
    initialize();
    return {};
}

void Driver::stop()
{
    if (!isRunning())
        return;
    m_stopped = true;
    endRun();
}

void Driver::post(const QString &method, QJsonObject params, qint64 id,
                  std::function<void(const Core::Result<Http::ClientResponse> &)> handler)
{
    Http::ClientRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = m_options.url;
    request.timeout = m_options.requestTimeout;
    request.tag = QStringLiteral("traffic");
    request.headers.set(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json"));
    request.headers.set(QByteArrayLiteral("Accept"),
                        QByteArrayLiteral("application/json, text/event-stream"));
    request.headers.set(QByteArrayLiteral("Authorization"),
                        QByteArrayLiteral("Bearer ") + m_options.token);
    if (m_stateless) {
        stampStatelessRequest(method, params, request.headers, m_options.protocolVersion);
    } else if (method != QLatin1String("initialize")) {
        if (!m_sessionId.isEmpty())
            request.headers.set(kSessionHeader, m_sessionId);
        request.headers.set(kVersionHeader, m_protocolVersion.toUtf8());
    }
    QJsonObject message{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                        {QStringLiteral("method"), method},
                        {QStringLiteral("params"), params}};
    if (id > 0)
        message.insert(QStringLiteral("id"), id);
    request.body = QJsonDocument(message).toJson(QJsonDocument::Compact);
    Http::ClientReply *reply = m_client->send(std::move(request));
    m_replies.insert(reply);
    connect(reply, &Http::ClientReply::finished, this, [this, reply, handler = std::move(handler)] {
        m_replies.remove(reply);
        const Core::Result<Http::ClientResponse> result = reply->result();
        reply->deleteLater();
        handler(result);
    });
}

void Driver::abortRequests()
{
    const QSet<Http::ClientReply *> replies = std::exchange(m_replies, {});
    for (Http::ClientReply *reply : replies) {
        disconnect(reply, nullptr, this, nullptr);
        reply->abort();
        reply->deleteLater();
    }
}

std::optional<Core::Error> Driver::authorizationFailure(const Http::ClientResponse &response,
                                                        const QString &what) const
{
    if (response.status != 401 && response.status != 403)
        return std::nullopt;
    const BearerChallenge challenge =
        parseBearerChallenge(response.headers.value(QByteArrayLiteral("WWW-Authenticate")));
    const QString token = Crypto::maskSecret(m_options.token);
    const QString detail =
        challenge.description.isEmpty() ? QString() : QStringLiteral(": ") + challenge.description;
    if (response.status == 401) {
        const QString code =
            challenge.error.isEmpty() ? QStringLiteral("invalid_token") : challenge.error;
        return Core::makeError(code, QStringLiteral("the server refused the token %1 for %2 "
                                                    "(HTTP 401 %3%4); get a new token")
                                         .arg(token, what, code, detail));
    }
    const QString code =
        challenge.error.isEmpty() ? QStringLiteral("insufficient_scope") : challenge.error;
    if (challenge.scope.isEmpty())
        return Core::makeError(code, QStringLiteral("the token %1 is not allowed %2 (HTTP 403 "
                                                    "%3%4)")
                                         .arg(token, what, code, detail));
    return Core::makeError(code, QStringLiteral("the token %1 lacks the scope %2 that %3 needs "
                                                "(HTTP 403 %4%5); get a token with that scope")
                                     .arg(token, challenge.scope, what, code, detail));
}

void Driver::initialize()
{
    const qint64 id = m_nextRpcId++;
    const auto handler = [this, id](const Core::Result<Http::ClientResponse> &result) {
        handleInitialized(result, id);
    };
    if (m_stateless) {
        post(QStringLiteral("server/discover"), {}, id, handler);
        return;
    }
    const QJsonObject params{
        {QStringLiteral("protocolVersion"), m_options.protocolVersion},
        {QStringLiteral("capabilities"), QJsonObject{}},
        {QStringLiteral("clientInfo"),
         QJsonObject{{QStringLiteral("name"), QStringLiteral("mcpauth-traffic")},
                     {QStringLiteral("version"), QStringLiteral(MCPAUTH_VERSION)}}}};
    post(QStringLiteral("initialize"), params, id, handler);
}

void Driver::handleInitialized(const Core::Result<Http::ClientResponse> &result, qint64 rpcId)
{
    const QString url = m_options.url.toString(QUrl::RemoveUserInfo);
    if (!result) {
        fail(Core::makeError(result.error().code,
                             QStringLiteral("cannot reach the MCP server at %1: %2")
                                 .arg(url, result.error().message)));
        return;
    }
    const Http::ClientResponse &response = *result;
    const QString step =
        m_stateless ? QStringLiteral("server/discover") : QStringLiteral("initialize");
    if (auto refused = authorizationFailure(response, step)) {
        fail(*refused);
        return;
    }
    const QString failed = QStringLiteral("initialize_failed");
    // A JSON-RPC error says more than the status it came with (e.g. 400 and -32022).
    auto message = jsonRpcResponse(response, rpcId);
    if (message && message->contains(QStringLiteral("error"))) {
        const QJsonObject error = message->value(QStringLiteral("error")).toObject();
        fail(Core::makeError(failed, QStringLiteral("%1 at %2 failed (HTTP %3): JSON-RPC error "
                                                    "%4: %5")
                                         .arg(step, url)
                                         .arg(response.status)
                                         .arg(error.value(QStringLiteral("code")).toInt())
                                         .arg(error.value(QStringLiteral("message")).toString())));
        return;
    }
    if (response.status != 200) {
        fail(Core::makeError(failed, QStringLiteral("%1 at %2 answered HTTP %3: %4")
                                         .arg(step, url)
                                         .arg(response.status)
                                         .arg(snippet(response.body))));
        return;
    }
    if (!message) {
        fail(Core::makeError(
            failed, QStringLiteral("%1 at %2: %3").arg(step, url, message.error().message)));
        return;
    }
    const QJsonObject answer = message->value(QStringLiteral("result")).toObject();
    if (m_stateless) {
        const QJsonArray versions = answer.value(QStringLiteral("supportedVersions")).toArray();
        if (!versions.contains(QJsonValue(m_options.protocolVersion))) {
            QStringList names;
            for (const QJsonValue &version : versions)
                names.append(version.toString());
            fail(Core::makeError(failed, QStringLiteral("the MCP server at %1 does not speak "
                                                        "protocol %2 (it offers: %3)")
                                             .arg(url, m_options.protocolVersion,
                                                  names.join(QStringLiteral(", ")))));
            return;
        }
        m_protocolVersion = m_options.protocolVersion;
        sessionReady();
        return;
    }
    const QJsonValue version = answer.value(QStringLiteral("protocolVersion"));
    if (!version.isString() || version.toString().isEmpty()) {
        fail(Core::makeError(failed, QStringLiteral("initialize at %1: the result has no "
                                                    "protocolVersion")
                                         .arg(url)));
        return;
    }
    m_protocolVersion = version.toString();
    m_sessionId = response.headers.value(kSessionHeader);
    sendNotificationInitialized();
}

void Driver::sendNotificationInitialized()
{
    post(QStringLiteral("notifications/initialized"), {}, 0,
         [this](const Core::Result<Http::ClientResponse> &result) {
             if (!result) {
                 fail(Core::makeError(result.error().code,
                                      QStringLiteral("notifications/initialized: ") +
                                          result.error().message));
                 return;
             }
             if (auto refused = authorizationFailure(*result, QStringLiteral("initialize"))) {
                 fail(*refused);
                 return;
             }
             if (result->status < 200 || result->status > 299) {
                 fail(Core::makeError(QStringLiteral("initialize_failed"),
                                      QStringLiteral("notifications/initialized answered HTTP "
                                                     "%1: %2")
                                          .arg(result->status)
                                          .arg(snippet(result->body))));
                 return;
             }
             sessionReady();
         });
}

void Driver::sessionReady()
{
    ++m_sessionGeneration;
    emit sessionStarted(m_protocolVersion);
    if (m_state != State::Running) {
        beginCalls();
        return;
    }
    m_reinitializing = false;
    const auto waiting = std::exchange(m_waitingForSession, {});
    for (const auto &call : waiting)
        sendCall(call);
    pump();
}

void Driver::beginCalls()
{
    m_state = State::Running;
    m_clock.start();
    m_tick->start();
    handleTick();
}

double Driver::nextGap()
{
    if (!m_options.poisson)
        return 1.0 / m_options.rate;
    return std::exponential_distribution<double>(m_options.rate)(m_random->engine);
}

void Driver::handleTick()
{
    if (m_state != State::Running || m_scheduleDone)
        return;
    const double now = elapsedSeconds();
    const double duration = m_options.durationSeconds;
    while (m_nextDue <= now) {
        if (m_options.calls > 0 && m_scheduled >= m_options.calls)
            break;
        if (duration > 0 && m_nextDue >= duration)
            break;
        ++m_scheduled;
        ++m_backlog;
        m_nextDue += nextGap();
    }
    if ((m_options.calls > 0 && m_scheduled >= m_options.calls) ||
        (duration > 0 && now >= duration)) {
        m_scheduleDone = true;
        m_tick->stop();
        if (duration > 0) {
            m_notSent += m_backlog;
            m_backlog = 0;
        }
    }
    pump();
}

void Driver::pump()
{
    while (m_state == State::Running && !m_reinitializing && m_backlog > 0 &&
           m_inFlight < m_options.maxInFlight) {
        --m_backlog;
        launchCall();
    }
    if (m_state == State::Running && m_scheduleDone && m_backlog == 0 && m_inFlight == 0 &&
        !m_reinitializing)
        endRun();
}

QString Driver::pickTool()
{
    double total = 0;
    for (const MixEntry &entry : m_options.mix)
        total += entry.weight;
    double point = std::uniform_real_distribution<double>(0, total)(m_random->engine);
    for (const MixEntry &entry : m_options.mix) {
        if (point < entry.weight)
            return entry.tool;
        point -= entry.weight;
    }
    return m_options.mix.last().tool;
}

void Driver::buildArguments(Call &call)
{
    static const QList<QString> verbs = {
        QStringLiteral("Review"),   QStringLiteral("Write"),    QStringLiteral("Fix"),
        QStringLiteral("Plan"),     QStringLiteral("Update"),   QStringLiteral("Test"),
        QStringLiteral("Refactor"), QStringLiteral("Document"), QStringLiteral("Triage")};
    static const QList<QString> objects = {
        QStringLiteral("the login page"),   QStringLiteral("the release notes"),
        QStringLiteral("a flaky test"),     QStringLiteral("the quarterly report"),
        QStringLiteral("the API docs"),     QStringLiteral("the database backup"),
        QStringLiteral("the CI pipeline"),  QStringLiteral("a customer ticket"),
        QStringLiteral("the search index"), QStringLiteral("the onboarding guide")};
    const auto title = [&]() -> QString {
        return m_random->pick(verbs) + QLatin1Char(' ') + m_random->pick(objects) +
               QStringLiteral(" #") + QString::number(m_random->index(10000));
    };

    if (needsTaskId(call.tool)) {
        if (m_freeTaskIds.isEmpty()) {
            // Nothing of ours to act on yet: an agent would create a task first.
            call.tool = kCreateTask;
        } else {
            const qsizetype index = m_random->index(m_freeTaskIds.size());
            call.taskId = m_freeTaskIds.at(index);
            if (call.tool == kDeleteTask)
                m_freeTaskIds.removeAt(index); // no other call picks a task being deleted
            call.arguments.insert(QStringLiteral("id"), call.taskId);
            if (call.tool == kUpdateTask) {
                if (m_random->index(2) == 0)
                    call.arguments.insert(QStringLiteral("done"), m_random->index(2) == 0);
                else
                    call.arguments.insert(QStringLiteral("title"), title());
            }
            return;
        }
    }
    if (call.tool == kCreateTask)
        call.arguments.insert(QStringLiteral("title"), title());
    else if (call.tool == kEcho)
        call.arguments.insert(
            QStringLiteral("text"),
            QString(QStringLiteral("status check ") + QString::number(m_random->index(1000000))));
}

void Driver::launchCall()
{
    auto call = std::make_shared<Call>();
    call->tool = pickTool();
    buildArguments(*call);
    call->startedNs = m_clock.nsecsElapsed();
    ++m_inFlight;
    sendCall(call);
}

void Driver::sendCall(const std::shared_ptr<Call> &call)
{
    call->rpcId = m_nextRpcId++;
    call->sessionGeneration = m_sessionGeneration;
    QJsonObject params{{QStringLiteral("name"), call->tool},
                       {QStringLiteral("arguments"), call->arguments}};
    if (call->justificationSent)
        params.insert(QStringLiteral("_meta"),
                      QJsonObject{{QStringLiteral("justification"), m_options.justification}});
    post(QStringLiteral("tools/call"), params, call->rpcId,
         [this, call](const Core::Result<Http::ClientResponse> &result) {
             handleCallReply(call, result);
         });
}

void Driver::handleCallReply(const std::shared_ptr<Call> &call,
                             const Core::Result<Http::ClientResponse> &result)
{
    if (!result) {
        if (result.error().code == QLatin1String("ssrf_blocked")) {
            fail(result.error());
            return;
        }
        finishCall(call, Outcome::Error, result.error().code);
        return;
    }
    const Http::ClientResponse &response = *result;
    if (auto refused = authorizationFailure(response, QStringLiteral("the tool ") + call->tool)) {
        fail(*refused);
        return;
    }
    if (response.status == 404 && !m_sessionId.isEmpty()) {
        handleSessionLost(call);
        return;
    }
    if (response.status != 200) {
        finishCall(call, Outcome::Error, QStringLiteral("http_%1").arg(response.status));
        return;
    }
    auto message = jsonRpcResponse(response, QJsonValue(call->rpcId));
    if (!message) {
        finishCall(call, Outcome::Error, message.error().code);
        return;
    }
    if (message->contains(QStringLiteral("error"))) {
        const int code = message->value(QStringLiteral("error"))
                             .toObject()
                             .value(QStringLiteral("code"))
                             .toInt();
        finishCall(call, Outcome::Error, QStringLiteral("jsonrpc_%1").arg(code));
        return;
    }
    const ToolAnswer answer = readToolAnswer(message->value(QStringLiteral("result")).toObject());
    switch (answer.kind) {
    case ToolAnswer::Kind::JustificationMissing:
        if (!call->justificationSent) {
            call->justificationSent = true;
            sendCall(call);
            return;
        }
        finishCall(call, Outcome::JustificationMissing, {}, answer.friction, answer.band);
        return;
    case ToolAnswer::Kind::Blocked:
        finishCall(call, Outcome::Blocked, {}, answer.friction, answer.band);
        return;
    case ToolAnswer::Kind::ToolError:
        finishCall(call, Outcome::Error, kToolError, answer.friction, answer.band);
        return;
    case ToolAnswer::Kind::Allowed:
    case ToolAnswer::Kind::Justified:
        break;
    }
    if (call->tool == kCreateTask) {
        if (const qint64 id = createdTaskId(answer); id > 0)
            m_freeTaskIds.append(id);
        // Bounded however long the run: the oldest tasks are simply left alone.
        if (m_freeTaskIds.size() > kMaxTrackedTasks)
            m_freeTaskIds.removeFirst();
    }
    const bool justified = call->justificationSent || answer.kind == ToolAnswer::Kind::Justified;
    finishCall(call, justified ? Outcome::Justified : Outcome::Allowed, {}, answer.friction,
               answer.band);
}

void Driver::handleSessionLost(const std::shared_ptr<Call> &call)
{
    if (call->sessionRetried) {
        fail(Core::makeError(QStringLiteral("session_lost"),
                             QStringLiteral("the server refused the MCP session (HTTP 404) again "
                                            "right after a new one was started for the tool %1")
                                 .arg(call->tool)));
        return;
    }
    call->sessionRetried = true;
    if (!m_reinitializing && call->sessionGeneration < m_sessionGeneration) {
        sendCall(call); // sent before the session was already replaced
        return;
    }
    m_waitingForSession.append(call);
    if (m_reinitializing)
        return;
    m_reinitializing = true;
    ++m_reinitializations;
    m_sessionId.clear();
    initialize();
}

void Driver::finishCall(const std::shared_ptr<Call> &call, Outcome outcome,
                        const QString &errorKind, double friction, const QString &band)
{
    if (call->taskId > 0) {
        const bool ran = outcome == Outcome::Allowed || outcome == Outcome::Justified;
        const bool toolFailed = errorKind == kToolError; // most likely: the task is gone
        if (call->tool == kDeleteTask && !ran && !toolFailed)
            m_freeTaskIds.append(call->taskId);
        else if (call->tool != kDeleteTask && toolFailed)
            m_freeTaskIds.removeOne(call->taskId);
    }
    --m_inFlight;
    const double latencyMs = double(m_clock.nsecsElapsed() - call->startedNs) / 1e6;
    m_stats->record(call->tool, outcome, latencyMs, errorKind, friction, band);
    emit callFinished(call->tool, outcomeName(outcome), friction, band);
    pump();
}

void Driver::fail(Core::Error error)
{
    if (!isRunning())
        return;
    m_error = std::move(error);
    endRun();
}

void Driver::endRun()
{
    m_finalElapsed = elapsedSeconds();
    m_state = State::Finished;
    if (m_tick)
        m_tick->stop();
    abortRequests();
    m_waitingForSession.clear();
    if (!m_error && !m_sessionId.isEmpty()) {
        // Ends the session on the server; nobody waits for the answer.
        Http::ClientRequest request;
        request.method = QByteArrayLiteral("DELETE");
        request.url = m_options.url;
        request.timeout = std::chrono::seconds(2);
        request.tag = QStringLiteral("traffic");
        request.headers.set(QByteArrayLiteral("Authorization"),
                            QByteArrayLiteral("Bearer ") + m_options.token);
        request.headers.set(kSessionHeader, m_sessionId);
        request.headers.set(kVersionHeader, m_protocolVersion.toLatin1());
        m_client->send(std::move(request), this, [](const Core::Result<Http::ClientResponse> &) {});
    }
    emit finished(summary());
}

} // namespace Traffic
