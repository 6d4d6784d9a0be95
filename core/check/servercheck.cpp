#include "check/servercheck.h"

#include <functional>

#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QRegularExpression>
#include <QUrlQuery>

#include "authserver/endpoints.h"
#include "check/tokenminter.h"
#include "flow/wwwauthenticate.h"
#include "http/client.h"
#include "http/exchangelog.h"
#include "http/masking.h"
#include "traffic/mcpanswer.h"
#include "traffic/mcpwire.h"

namespace Flow {

namespace {

using Auth::AccessTokenFormat;

/// Where a case puts its token.
enum class Placement { None, Header, Query };

/// What the server must answer.
enum class Expect {
    NoToken,           ///< 401, resource_metadata, scope, no error
    InvalidToken,      ///< 401, error="invalid_token", resource_metadata
    InsufficientScope, ///< 403, error="insufficient_scope", scope naming what is needed
    QueryRefused,      ///< 400 invalid_request (or 401): never accepted from the query string
};

const QString kOtherResource = QStringLiteral("https://other-resource.example/mcp");

QString formatName(AccessTokenFormat format)
{
    return Auth::accessTokenFormatName(format);
}

QString formatTitle(AccessTokenFormat format)
{
    return format == AccessTokenFormat::Jwt ? QStringLiteral("JWT") : QStringLiteral("opaque");
}

/// "a JWT", "an opaque": for explanations.
QString withArticle(AccessTokenFormat format)
{
    return format == AccessTokenFormat::Jwt ? QStringLiteral("a JWT") : QStringLiteral("an opaque");
}

QString withoutTrailingSlash(QString text)
{
    while (text.endsWith(QLatin1Char('/')))
        text.chop(1);
    return text;
}

QStringList splitScope(const QString &scope)
{
    return scope.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

/// RFC 9728 section 3.1: the well-known URL with the resource's path appended.
QString wellKnownMetadataUrl(const QUrl &resource)
{
    const QUrl origin = resource.adjusted(QUrl::RemovePath | QUrl::RemoveQuery |
                                          QUrl::RemoveFragment | QUrl::RemoveUserInfo);
    QString path = resource.path(QUrl::FullyEncoded);
    if (path == QLatin1String("/"))
        path.clear();
    return origin.toString(QUrl::StripTrailingSlash) +
           QStringLiteral("/.well-known/oauth-protected-resource") + path;
}

/// The Bearer challenge of a response, if any (other schemes skipped).
std::optional<AuthChallenge> bearerChallenge(const Http::ClientResponse &response, QString *problem)
{
    const QList<QByteArray> values = response.headers.values("WWW-Authenticate");
    if (values.isEmpty()) {
        *problem = QStringLiteral("no WWW-Authenticate header");
        return std::nullopt;
    }
    auto parsed = parseWwwAuthenticate(values);
    if (!parsed) {
        *problem = QStringLiteral("the WWW-Authenticate header is malformed (%1)")
                       .arg(parsed.error().message);
        return std::nullopt;
    }
    for (const AuthChallenge &challenge : *parsed)
        if (challenge.isBearer())
            return challenge;
    *problem = QStringLiteral("WWW-Authenticate has no Bearer challenge");
    return std::nullopt;
}

QString statusText(const Http::ClientResponse &response)
{
    return QStringLiteral("HTTP %1").arg(response.status);
}

bool succeeded(const Http::ClientResponse &response)
{
    return response.status >= 200 && response.status < 300;
}

/// One case: a token the server must accept or refuse, and the rule it is held to.
struct Case
{
    QString id;    ///< step id, e.g. "expired.jwt"
    QString title; ///< for people
    QString what;  ///< the token, as in "the server accepted <what>"
    QString cite;  ///< the rule, citing the RFC or spec section
    Expect expect = Expect::InvalidToken;
    Level level = Level::Must; ///< of the status check
    Placement placement = Placement::Header;
    /// Makes the token; null for Placement::None.
    std::function<Core::Result<QByteArray>()> token;
    QString method = QStringLiteral("tools/list");
    QJsonObject params;
    /// Sends the token once (it must be accepted), then runs this before sending it again.
    std::function<Core::Status()> between;
};

} // namespace

QJsonObject ServerCheckOptions::toJson() const
{
    QJsonArray formatList;
    for (AccessTokenFormat format : formats)
        formatList.append(formatName(format));
    QJsonObject object{
        {QStringLiteral("mode"), QStringLiteral("check-server")},
        {QStringLiteral("server_url"), serverUrl.toString()},
        {QStringLiteral("issuer"), authorizationServer.issuer},
        {QStringLiteral("client_id"), clientId},
        {QStringLiteral("subject"), subject},
        {QStringLiteral("assume_trusted"), assumeTrusted},
        {QStringLiteral("formats"), formatList},
        {QStringLiteral("protocol_version"), protocolVersion},
    };
    if (!tool.isEmpty())
        object.insert(QStringLiteral("tool"), tool);
    if (!scope.isEmpty())
        object.insert(QStringLiteral("scope"), scope);
    return object;
}

class ServerCheck::Private
{
public:
    using Done = std::function<void(const Http::ClientResponse &)>;

    explicit Private(ServerCheck *owner)
        : q(owner)
        , client(new Http::Client(owner))
        , log(new Http::ExchangeLog(200, 64 * 1024, owner))
        , minter(owner->m_options.authorizationServer, owner->m_options.store,
                 owner->m_options.clientId, owner->m_options.subject)
    {}

    ServerCheck *q;
    Http::Client *client;
    Http::ExchangeLog *log;
    TokenMinter minter;
    QPointer<Http::ClientReply> reply;
    bool started = false;
    bool ended = false;
    bool stepRunning = false;
    QList<std::function<void()>> queue;
    int rpcId = 1;

    QString issuer;
    QString prmUrl;
    QString resource;
    QStringList validScope;
    QList<AccessTokenFormat> accepted;
    QByteArray queryToken; ///< a valid token for the query-string case
    QJsonArray tools;

    // --- steps --------------------------------------------------------------------------

    Step &step() { return q->m_run.steps.last(); }

    void beginStep(const QString &id, const QString &title)
    {
        Step s;
        s.index = int(q->m_run.steps.size());
        s.id = id;
        s.title = title;
        s.status = StepStatus::Running;
        s.startedAt = QDateTime::currentDateTimeUtc();
        q->m_run.steps.append(s);
        stepRunning = true;
        emit q->caseStarted(step());
    }

    void endStep(const QString &summary)
    {
        if (ended || !stepRunning)
            return;
        Step &s = step();
        s.summary = summary;
        bool failed = false;
        bool warned = false;
        bool allSkipped = !s.checks.isEmpty();
        for (const Check &c : s.checks) {
            failed = failed || c.verdict == Verdict::Fail;
            warned = warned || c.verdict == Verdict::Warn;
            allSkipped = allSkipped && c.verdict == Verdict::Skip;
        }
        s.status = failed       ? StepStatus::Failed
                   : warned     ? StepStatus::Warning
                   : allSkipped ? StepStatus::Skipped
                                : StepStatus::Passed;
        s.finishedAt = QDateTime::currentDateTimeUtc();
        stepRunning = false;
        emit q->caseFinished(s);
        QMetaObject::invokeMethod(
            q, [this] { runNext(); }, Qt::QueuedConnection);
    }

    void check(const QString &rule, Level level, Verdict verdict, const QString &explanation)
    {
        step().checks.append(Check{rule, level, verdict, explanation});
    }

    /// Passes when `ok`; a failing MUST fails, a failing SHOULD/MAY warns.
    bool expect(bool ok, const QString &rule, Level level, const QString &explanation)
    {
        check(rule, level,
              ok ? Verdict::Pass : (level == Level::Must ? Verdict::Fail : Verdict::Warn),
              explanation);
        return ok;
    }

    void runNext()
    {
        if (ended)
            return;
        if (queue.isEmpty())
            return finishRun(std::nullopt);
        const auto next = queue.takeFirst();
        next();
    }

    /// Ends the run; `stopReason` set when it could not go on.
    void finishRun(const std::optional<QString> &stopReason)
    {
        if (ended)
            return;
        if (stepRunning) {
            step().status = StepStatus::Failed;
            step().finishedAt = QDateTime::currentDateTimeUtc();
            stepRunning = false;
            emit q->caseFinished(step());
        }
        ended = true;
        queue.clear();
        if (reply)
            reply->abort();
        Run &run = q->m_run;
        QStringList failedRules;
        for (const Step &s : std::as_const(run.steps))
            for (const Check &c : s.checks)
                if (c.verdict == Verdict::Fail)
                    failedRules.append(c.rule);
        if (stopReason) {
            run.outcome = Outcome::Failed;
            run.error = *stopReason;
        } else if (!failedRules.isEmpty()) {
            run.outcome = Outcome::Failed;
            run.error = QStringLiteral("%1 MUST check(s) failed: %2")
                            .arg(failedRules.size())
                            .arg(failedRules.join(QStringLiteral(", ")));
        } else {
            run.outcome = Outcome::Succeeded;
        }
        run.finishedAt = QDateTime::currentDateTimeUtc();
        emit q->finished(run);
    }

    // --- HTTP and MCP -------------------------------------------------------------------

    void send(Http::ClientRequest request, Done done)
    {
        request.timeout = q->m_options.requestTimeout;
        request.tag = QStringLiteral("check-server");
        const QString target = Http::maskUrl(request.url.toString(QUrl::RemoveQuery));
        Http::ClientReply *r = client->send(std::move(request));
        reply = r;
        QObject::connect(
            r, &Http::ClientReply::finished, q, [this, r, target, done = std::move(done)] {
                r->deleteLater();
                if (ended)
                    return;
                const auto &result = r->result();
                if (!result) {
                    check(step().id + QStringLiteral(".answered"), Level::Must, Verdict::Fail,
                          QStringLiteral("no HTTP answer from %1: %2")
                              .arg(target, result.error().toString()));
                    // Without the metadata nothing else can be checked.
                    if (step().id == QLatin1String("discovery"))
                        return finishRun(QStringLiteral("the server did not "
                                                        "answer: ") +
                                         result.error().toString());
                    return endStep(QStringLiteral("the request failed"));
                }
                done(*result);
            });
    }

    QJsonObject message(const QString &method, const QJsonObject &params, bool withId)
    {
        QJsonObject object{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                           {QStringLiteral("method"), method},
                           {QStringLiteral("params"), params}};
        if (withId)
            object.insert(QStringLiteral("id"), rpcId++);
        return object;
    }

    void post(const QByteArray &token, Placement placement, const QJsonObject &body,
              Http::Headers headers, Done done)
    {
        Http::ClientRequest request;
        request.method = QByteArrayLiteral("POST");
        request.url = q->m_options.serverUrl;
        headers.set("Content-Type", "application/json");
        headers.set("Accept", "application/json, text/event-stream");
        if (placement == Placement::Header)
            headers.set("Authorization", QByteArrayLiteral("Bearer ") + token);
        if (placement == Placement::Query) {
            QUrlQuery query(request.url);
            query.addQueryItem(QStringLiteral("access_token"), QString::fromLatin1(token));
            request.url.setQuery(query);
        }
        request.headers = std::move(headers);
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        if (!token.isEmpty() && placement != Placement::None)
            emit q->tokenSent(token);
        send(std::move(request), std::move(done));
    }

    bool stateless() const { return Traffic::isStatelessProtocol(q->m_options.protocolVersion); }

    /// One MCP operation with `token`: in the stateless revision a single request with the
    /// version and routing headers; before it, initialize (+ initialized) and the request
    /// in the session. `done` gets the first refusal or the operation's answer.
    void mcp(const QByteArray &token, Placement placement, const QString &method,
             QJsonObject params, Done done)
    {
        const QString version = q->m_options.protocolVersion;
        if (stateless()) {
            QJsonObject meta = params.value(QStringLiteral("_meta")).toObject();
            meta.insert(QStringLiteral("io.modelcontextprotocol/clientInfo"), clientInfo());
            params.insert(QStringLiteral("_meta"), meta);
            Http::Headers headers;
            Traffic::stampStatelessRequest(method, params, headers, version);
            return post(token, placement, message(method, params, true), headers, std::move(done));
        }
        const QJsonObject initialize = message(QStringLiteral("initialize"),
                                               {{QStringLiteral("protocolVersion"), version},
                                                {QStringLiteral("capabilities"), QJsonObject{}},
                                                {QStringLiteral("clientInfo"), clientInfo()}},
                                               true);
        post(token, placement, initialize, {},
             [this, token, placement, method, params, version,
              done](const Http::ClientResponse &answer) mutable {
                 if (!succeeded(answer))
                     return done(answer);
                 Http::Headers headers;
                 headers.set("MCP-Protocol-Version", version.toUtf8());
                 const QByteArray session = answer.headers.value("Mcp-Session-Id");
                 if (!session.isEmpty())
                     headers.set("Mcp-Session-Id", session);
                 post(token, placement,
                      message(QStringLiteral("notifications/initialized"), {}, false), headers,
                      [this, token, placement, method, params, headers,
                       done](const Http::ClientResponse &) mutable {
                          post(token, placement, message(method, params, true), headers,
                               std::move(done));
                      });
             });
    }

    static QJsonObject clientInfo()
    {
        return {{QStringLiteral("name"), QStringLiteral("mcpauth-check-server")},
                {QStringLiteral("version"), QStringLiteral(MCPAUTH_VERSION)}};
    }

    /// The JSON-RPC result of an accepted answer (nullopt: no result in it).
    static std::optional<QJsonObject> rpcResult(const Http::ClientResponse &response)
    {
        if (response.status != 200)
            return std::nullopt;
        auto message = Traffic::jsonRpcResponse(response, QJsonValue());
        if (!message || !message->value(QStringLiteral("result")).isObject())
            return std::nullopt;
        return message->value(QStringLiteral("result")).toObject();
    }

    // --- discovery ----------------------------------------------------------------------

    void runDiscovery()
    {
        beginStep(QStringLiteral("discovery"),
                  QStringLiteral("Discovery: the server's Protected Resource Metadata"));
        mcp({}, Placement::None, QStringLiteral("tools/list"), {},
            [this](const Http::ClientResponse &response) {
                QString problem;
                const auto challenge = bearerChallenge(response, &problem);
                QUrl metadata;
                if (challenge && !challenge->param(QStringLiteral("resource_metadata")).isEmpty())
                    metadata = QUrl(challenge->param(QStringLiteral("resource_metadata")));
                else
                    metadata = QUrl(wellKnownMetadataUrl(q->m_options.serverUrl));
                if (!expect(metadata.isValid() && !metadata.isRelative(),
                            QStringLiteral("discovery.metadata_url"), Level::Must,
                            QStringLiteral("RFC 9728 §5.1: resource_metadata must be an absolute "
                                           "URL; got '%1'")
                                .arg(metadata.toString())))
                    return finishRun(QStringLiteral("the Protected Resource Metadata URL is "
                                                    "invalid"));
                prmUrl = metadata.toString();
                fetchMetadata(metadata);
            });
    }

    void fetchMetadata(const QUrl &url)
    {
        Http::ClientRequest request;
        request.url = url;
        request.headers.set("Accept", "application/json");
        send(std::move(request), [this, url](const Http::ClientResponse &response) {
            QJsonParseError error{};
            const QJsonDocument document = QJsonDocument::fromJson(response.body, &error);
            const QJsonObject prm = document.object();
            resource = prm.value(QStringLiteral("resource")).toString();
            const bool ok = response.status == 200 && document.isObject() && !resource.isEmpty();
            check(QStringLiteral("discovery.prm"), Level::Must, ok ? Verdict::Pass : Verdict::Fail,
                  ok ? QStringLiteral("RFC 9728 §3.2: the metadata at %1 names the resource %2")
                           .arg(url.toString(), resource)
                     : QStringLiteral("RFC 9728 §3.2: the metadata at %1 must be a JSON object "
                                      "with `resource`; got %2")
                           .arg(url.toString(), statusText(response)));
            if (!ok)
                return finishRun(QStringLiteral("no Protected Resource Metadata: without it the "
                                                "resource (the audience) is unknown"));
            QStringList servers;
            for (const QJsonValue &v : prm.value(QStringLiteral("authorization_servers")).toArray())
                servers.append(withoutTrailingSlash(v.toString()));
            const bool named = servers.contains(issuer);
            if (named) {
                check(QStringLiteral("discovery.trust"), Level::Must, Verdict::Pass,
                      QStringLiteral("RFC 9728 §2: authorization_servers names the embedded "
                                     "authorization server %1")
                          .arg(issuer));
            } else if (q->m_options.assumeTrusted) {
                check(QStringLiteral("discovery.trust"), Level::Should, Verdict::Warn,
                      QStringLiteral("RFC 9728 §2: authorization_servers (%1) does not name the "
                                     "embedded authorization server %2; auditing anyway because "
                                     "you said the server trusts it")
                          .arg(servers.join(QStringLiteral(", ")), issuer));
            } else {
                check(QStringLiteral("discovery.trust"), Level::Must, Verdict::Fail,
                      QStringLiteral("RFC 9728 §2: authorization_servers (%1) does not name the "
                                     "embedded authorization server %2, so the server would "
                                     "refuse every token minted here. %3")
                          .arg(servers.join(QStringLiteral(", ")), issuer, q->trustInstructions()));
                endStep(QStringLiteral("the server does not trust the embedded AS"));
                return finishRun(QStringLiteral("the server does not name the embedded "
                                                "authorization server %1")
                                     .arg(issuer));
            }
            QStringList scopes;
            for (const QJsonValue &v : prm.value(QStringLiteral("scopes_supported")).toArray())
                if (v.toString() != QLatin1String("offline_access"))
                    scopes.append(v.toString());
            if (scopes.isEmpty())
                for (const QString &s : q->m_options.authorizationServer.scopesSupported)
                    if (s != QLatin1String("offline_access"))
                        scopes.append(s);
            validScope = scopes;
            endStep(QStringLiteral("resource %1, metadata %2, valid tokens get scope \"%3\"")
                        .arg(resource, prmUrl, validScope.join(QLatin1Char(' '))));
        });
    }

    // --- the valid tokens ----------------------------------------------------------------

    void runValid()
    {
        beginStep(QStringLiteral("valid"),
                  QStringLiteral("A valid token is accepted (each format)"));
        sendValid(0);
    }

    void sendValid(int index)
    {
        const QList<AccessTokenFormat> &formats = q->m_options.formats;
        if (index >= formats.size())
            return validDone();
        const AccessTokenFormat format = formats.at(index);
        auto minted = minter.mint({format, resource, validScope.join(QLatin1Char(' ')), 0});
        if (!minted) {
            check(QStringLiteral("valid.%1").arg(formatName(format)), Level::Must, Verdict::Skip,
                  QStringLiteral("could not mint a %1 token: %2")
                      .arg(formatTitle(format), minted.error().toString()));
            return sendValid(index + 1);
        }
        const QByteArray token = minted->token;
        mcp(token, Placement::Header, QStringLiteral("tools/list"), {},
            [this, index, format, token](const Http::ClientResponse &response) {
                const auto result = rpcResult(response);
                if (result) {
                    accepted.append(format);
                    if (queryToken.isEmpty())
                        queryToken = token;
                    if (tools.isEmpty())
                        tools = result->value(QStringLiteral("tools")).toArray();
                }
                step().checks.append(Check{
                    QStringLiteral("valid.%1").arg(formatName(format)), Level::Must,
                    result ? Verdict::Pass : Verdict::Fail,
                    result
                        ? QStringLiteral("%1 access token for %2 with scope \"%3\" was "
                                         "accepted (tools/list answered)")
                              .arg(withArticle(format), resource, validScope.join(QLatin1Char(' ')))
                        : QStringLiteral("a valid %1 access token for %2 was refused: %3")
                              .arg(formatTitle(format), resource, statusText(response))});
                sendValid(index + 1);
            });
    }

    void validDone()
    {
        if (accepted.isEmpty()) {
            endStep(QStringLiteral("no token minted here was accepted"));
            return finishRun(QStringLiteral("the server accepts no token of the embedded "
                                            "authorization server, so its checks cannot be "
                                            "audited. ") +
                             q->trustInstructions());
        }
        // A format the server cannot read at all is not a fault (an RS that verifies JWTs
        // locally has nothing to verify an opaque token with): its cases are skipped.
        for (Check &c : step().checks)
            if (c.verdict == Verdict::Fail) {
                c.verdict = Verdict::Skip;
                c.level = Level::May;
                c.explanation += QStringLiteral(
                    "; the server takes the other format, so it likely does not support this "
                    "one (e.g. it verifies JWTs locally, RFC 9068, or only introspects): its "
                    "cases are skipped");
            }
        QStringList names;
        for (AccessTokenFormat f : std::as_const(accepted))
            names.append(formatTitle(f));
        endStep(QStringLiteral("accepted formats: ") + names.join(QStringLiteral(", ")));
        for (AccessTokenFormat format : std::as_const(accepted))
            for (const Case &c : casesFor(format))
                queue.append([this, c] { runCase(c); });
        queue.append([this] { runCase(queryCase()); });
    }

    // --- the cases ------------------------------------------------------------------------

    QString chooseTool() const
    {
        if (!q->m_options.tool.isEmpty())
            return q->m_options.tool;
        static const QRegularExpression readLike(
            QStringLiteral("^(list|get|read|search|find|describe)"),
            QRegularExpression::CaseInsensitiveOption);
        QString byName;
        QString first;
        for (const QJsonValue &value : tools) {
            const QJsonObject tool = value.toObject();
            const QString name = tool.value(QStringLiteral("name")).toString();
            if (name.isEmpty())
                continue;
            if (tool.value(QStringLiteral("annotations"))
                    .toObject()
                    .value(QStringLiteral("readOnlyHint"))
                    .toBool())
                return name;
            if (byName.isEmpty() && readLike.match(name).hasMatch())
                byName = name;
            if (first.isEmpty())
                first = name;
        }
        return byName.isEmpty() ? first : byName;
    }

    /// A JWT of `format` for the target with the valid scope, decoded.
    Core::Result<QJsonObject> validClaims()
    {
        auto minted =
            minter.mint({AccessTokenFormat::Jwt, resource, validScope.join(QLatin1Char(' ')), 0});
        if (!minted)
            return minted.error();
        return TokenMinter::claimsOf(minted->token);
    }

    QList<Case> casesFor(AccessTokenFormat format)
    {
        const QString suffix = QLatin1Char('.') + formatName(format);
        const QString kind = formatTitle(format);
        const QString a = withArticle(format);
        const QString scope = validScope.join(QLatin1Char(' '));
        const auto mint = [this, format](QString audience, QString tokenScope, qint64 ago) {
            return [this, format, audience, tokenScope, ago]() -> Core::Result<QByteArray> {
                auto minted = minter.mint({format, audience, tokenScope, ago});
                if (!minted)
                    return minted.error();
                return minted->token;
            };
        };
        QList<Case> cases;
        {
            Case c;
            c.id = QStringLiteral("other_resource") + suffix;
            c.title = QStringLiteral("Token for another resource (%1)").arg(kind);
            c.what = QStringLiteral("%1 token issued for %2 (aud), not for this server")
                         .arg(a, kOtherResource);
            c.cite = QStringLiteral("RFC 8707 §2 and MCP authorization §Token Audience Binding "
                                    "and Validation: a server MUST validate that a token was "
                                    "issued for it and refuse tokens for other resources") +
                     (format == AccessTokenFormat::Jwt
                          ? QStringLiteral("; RFC 9068 §4: aud MUST name the resource")
                          : QStringLiteral("; RFC 7662 §2.2: the introspected aud names it"));
            c.token = mint(kOtherResource, scope, 0);
            cases.append(c);
        }
        {
            Case c;
            c.id = QStringLiteral("expired") + suffix;
            c.title = QStringLiteral("Expired token (%1)").arg(kind);
            const qint64 ago = qint64(q->m_options.authorizationServer.accessTokenLifetime) + 3600;
            c.what = QStringLiteral("%1 token that expired an hour ago").arg(a);
            c.cite = QStringLiteral("MCP authorization §Error Handling: invalid or expired "
                                    "tokens MUST receive 401; ") +
                     (format == AccessTokenFormat::Jwt
                          ? QStringLiteral("RFC 9068 §4: the current time MUST be before exp")
                          : QStringLiteral("RFC 7662 §2.2: an expired token is not active"));
            c.token = mint(resource, scope, ago);
            cases.append(c);
        }
        {
            Case c;
            c.id = QStringLiteral("revoked") + suffix;
            c.title = QStringLiteral("Revoked token (%1)").arg(kind);
            c.what = QStringLiteral("%1 token revoked before it was first used").arg(a);
            c.cite = QStringLiteral("RFC 7009 §2 and RFC 7662 §2.2: a revoked token is no "
                                    "longer active and MUST be refused");
            c.token = [this, format, scope]() -> Core::Result<QByteArray> {
                auto minted = minter.mint({format, resource, scope, 0});
                if (!minted)
                    return minted.error();
                if (auto revoked = minter.revoke(*minted); !revoked)
                    return revoked.error();
                return minted->token;
            };
            cases.append(c);
        }
        {
            Case c;
            c.id = QStringLiteral("revoked_after_use") + suffix;
            c.title = QStringLiteral("Token revoked after it was accepted (%1)").arg(kind);
            c.what =
                QStringLiteral("%1 token it had accepted once and that was revoked since").arg(a);
            c.cite = QStringLiteral("RFC 7662 §4 and the MCP authorization checklist: a cache "
                                    "of verification results must not outlive a revocation "
                                    "(a bounded cache that revocation invalidates)");
            c.level = Level::Should;
            auto token = std::make_shared<std::optional<MintedToken>>();
            c.token = [this, format, scope, token]() -> Core::Result<QByteArray> {
                auto minted = minter.mint({format, resource, scope, 0});
                if (!minted)
                    return minted.error();
                *token = *minted;
                return minted->token;
            };
            c.between = [this, token]() -> Core::Status {
                if (!*token)
                    return Core::makeError(QStringLiteral("internal"),
                                           QStringLiteral("no token was minted"));
                return minter.revoke(**token);
            };
            cases.append(c);
        }
        cases.append(scopeCase(format, suffix));
        if (format == AccessTokenFormat::Jwt) {
            Case c;
            c.id = QStringLiteral("unknown_key") + suffix;
            c.title = QStringLiteral("JWT signed by an unknown key");
            c.what = QStringLiteral("a JWT signed by a key the issuer never published (a fresh "
                                    "key, kid its thumbprint)");
            c.cite = QStringLiteral("RFC 9068 §4: the signature MUST be validated with the "
                                    "issuer's keys (its JWKS)");
            c.token = [this]() -> Core::Result<QByteArray> {
                auto claims = validClaims();
                if (!claims)
                    return claims.error();
                return minter.signWithUnknownKey(*claims);
            };
            cases.append(c);
            c.id = QStringLiteral("alg_none") + suffix;
            c.title = QStringLiteral("Unsecured JWT (alg: none)");
            c.what = QStringLiteral("an unsigned JWT (alg \"none\") with valid claims");
            c.cite = QStringLiteral("RFC 9068 §4 (the token MUST be signed; alg none MUST be "
                                    "refused) and RFC 8725 §3.1");
            c.token = [this]() -> Core::Result<QByteArray> {
                auto claims = validClaims();
                if (!claims)
                    return claims.error();
                return TokenMinter::unsecured(*claims);
            };
            cases.append(c);
            c.id = QStringLiteral("tampered") + suffix;
            c.title = QStringLiteral("JWT with a tampered payload");
            c.what = QStringLiteral("a JWT whose payload was changed after signing (sub and "
                                    "scope rewritten, signature of the original kept)");
            c.cite = QStringLiteral("RFC 7515 §5.2 and RFC 9068 §4: a JWS whose signature does "
                                    "not verify over its payload MUST be refused");
            c.token = [this]() -> Core::Result<QByteArray> {
                auto minted = minter.mint(
                    {AccessTokenFormat::Jwt, resource, validScope.join(QLatin1Char(' ')), 0});
                if (!minted)
                    return minted.error();
                auto claims = TokenMinter::claimsOf(minted->token);
                if (!claims)
                    return claims.error();
                claims->insert(QStringLiteral("sub"), QStringLiteral("admin"));
                claims->insert(
                    QStringLiteral("scope"),
                    (validScope + QStringList{QStringLiteral("admin")}).join(QLatin1Char(' ')));
                return TokenMinter::withPayload(minted->token, *claims);
            };
            cases.append(c);
        } else {
            Case c;
            c.id = QStringLiteral("unknown_token") + suffix;
            c.title = QStringLiteral("Opaque token the AS never issued");
            c.what = QStringLiteral("an opaque token in the AS's format that it never issued");
            c.cite = QStringLiteral("RFC 7662 §2.2: a token the authorization server does not "
                                    "know is not active");
            c.token = [] { return Core::Result<QByteArray>(TokenMinter::neverIssued()); };
            cases.append(c);
        }
        return cases;
    }

    Case scopeCase(AccessTokenFormat format, const QString &suffix)
    {
        const QString needed = q->m_options.scope;
        QStringList granted;
        if (!needed.isEmpty())
            for (const QString &s : std::as_const(validScope))
                if (!splitScope(needed).contains(s))
                    granted.append(s);
        const QString tool = chooseTool();
        Case c;
        c.id = QStringLiteral("insufficient_scope") + suffix;
        c.title = QStringLiteral("Token lacking a needed scope (%1)").arg(formatTitle(format));
        c.what = granted.isEmpty()
                     ? QStringLiteral("%1 token without any scope").arg(withArticle(format))
                     : QStringLiteral("%1 token with scope \"%2\" (no \"%3\")")
                           .arg(withArticle(format), granted.join(QLatin1Char(' ')), needed);
        c.cite = QStringLiteral("RFC 6750 §3.1 (insufficient_scope, 403) and MCP authorization "
                                "§Scope Challenge Handling: the challenge names the scopes the "
                                "operation needs");
        c.expect = Expect::InsufficientScope;
        c.token = [this, format, granted]() -> Core::Result<QByteArray> {
            auto minted = minter.mint({format, resource, granted.join(QLatin1Char(' ')), 0});
            if (!minted)
                return minted.error();
            return minted->token;
        };
        if (!tool.isEmpty()) {
            c.method = QStringLiteral("tools/call");
            c.params = {{QStringLiteral("name"), tool},
                        {QStringLiteral("arguments"), QJsonObject{}}};
            c.what += QStringLiteral(", calling the tool %1").arg(tool);
        }
        return c;
    }

    Case queryCase()
    {
        Case c;
        c.id = QStringLiteral("query_string");
        c.title = QStringLiteral("Valid token in the query string");
        c.what = QStringLiteral("a valid token sent as the access_token query parameter");
        c.cite = QStringLiteral("MCP authorization §Access Token Usage: tokens only in the "
                                "Authorization header, never in the query string (OAuth 2.1 "
                                "§5.1; RFC 6750 §2.3 is not allowed)");
        c.expect = Expect::QueryRefused;
        c.placement = Placement::Query;
        const QByteArray token = queryToken;
        c.token = [token] { return Core::Result<QByteArray>(token); };
        return c;
    }

    Case noTokenCase()
    {
        Case c;
        c.id = QStringLiteral("no_token");
        c.title = QStringLiteral("No token");
        c.what = QStringLiteral("a request without any token");
        c.cite = QStringLiteral("MCP authorization §Authorization Server Location and RFC 9728 "
                                "§5.1: a request without a token gets 401 with a "
                                "WWW-Authenticate challenge naming the resource metadata");
        c.expect = Expect::NoToken;
        c.placement = Placement::None;
        return c;
    }

    void runCase(const Case &c)
    {
        beginStep(c.id, c.title);
        QByteArray token;
        if (c.token) {
            auto made = c.token();
            if (!made) {
                check(c.id + QStringLiteral(".token"), Level::Must, Verdict::Skip,
                      QStringLiteral("could not make the token: ") + made.error().toString());
                return endStep(QStringLiteral("skipped: the token could not be made"));
            }
            token = *made;
        }
        if (!c.between)
            return mcp(token, c.placement, c.method, c.params,
                       [this, c](const Http::ClientResponse &response) { evaluate(c, response); });
        mcp(token, c.placement, c.method, c.params,
            [this, c, token](const Http::ClientResponse &first) {
                if (!rpcResult(first)) {
                    check(c.id + QStringLiteral(".status"), c.level, Verdict::Skip,
                          QStringLiteral("the fresh token was not accepted (%1), so revoking it "
                                         "proves nothing")
                              .arg(statusText(first)));
                    return endStep(QStringLiteral("skipped"));
                }
                if (auto done = c.between(); !done) {
                    check(c.id + QStringLiteral(".status"), c.level, Verdict::Skip,
                          done.error().toString());
                    return endStep(QStringLiteral("skipped"));
                }
                mcp(token, c.placement, c.method, c.params,
                    [this, c](const Http::ClientResponse &response) { evaluate(c, response); });
            });
    }

    // --- verdicts --------------------------------------------------------------------------

    void evaluate(const Case &c, const Http::ClientResponse &response)
    {
        const QString got = statusText(response);
        const QString status = c.id + QStringLiteral(".status");
        switch (c.expect) {
        case Expect::NoToken:
            if (expect(response.status == 401, status, Level::Must,
                       QStringLiteral("%1: expected 401, got %2. %3").arg(c.what, got, c.cite)))
                checkChallenge(c, response, {}, Level::Should);
            break;
        case Expect::InvalidToken:
            if (succeeded(response)) {
                expect(false, status, c.level,
                       QStringLiteral("the server accepted %1 (%2). %3").arg(c.what, got, c.cite));
                break;
            }
            if (expect(response.status == 401, status, c.level,
                       QStringLiteral("%1: expected 401, got %2. %3").arg(c.what, got, c.cite)))
                checkChallenge(c, response, QStringLiteral("invalid_token"), Level::Should);
            break;
        case Expect::InsufficientScope:
            evaluateScope(c, response);
            break;
        case Expect::QueryRefused:
            if (succeeded(response)) {
                expect(false, status, Level::Must,
                       QStringLiteral("the server accepted %1 (%2). %3").arg(c.what, got, c.cite));
                break;
            }
            if (expect(response.status == 400 || response.status == 401, status, Level::Must,
                       QStringLiteral("%1: expected 400 invalid_request (or 401), got %2. %3")
                           .arg(c.what, got, c.cite)))
                checkChallenge(c, response,
                               response.status == 400 ? QStringLiteral("invalid_request")
                                                      : QString(),
                               Level::Should);
            break;
        }
        endStep(QStringLiteral("%1 → %2").arg(c.what, got));
    }

    void evaluateScope(const Case &c, const Http::ClientResponse &response)
    {
        const QString got = statusText(response);
        const QString status = c.id + QStringLiteral(".status");
        const bool named = !q->m_options.scope.isEmpty() || !q->m_options.tool.isEmpty();
        if (succeeded(response)) {
            if (named)
                expect(false, status, Level::Must,
                       QStringLiteral("the server accepted %1 (%2). %3").arg(c.what, got, c.cite));
            else
                check(status, Level::Should, Verdict::Warn,
                      QStringLiteral("the server answered %1 with %2: either that needs no "
                                     "scope or the server does not check scopes; name a tool "
                                     "and the scope it needs (--tool, --scope) to be sure")
                          .arg(c.what, got));
            return;
        }
        if (!expect(response.status == 403, status, Level::Should,
                    QStringLiteral("%1: expected 403 insufficient_scope, got %2. %3")
                        .arg(c.what, got, c.cite)))
            return;
        checkChallenge(c, response, QStringLiteral("insufficient_scope"), Level::Should);
        if (!q->m_options.scope.isEmpty()) {
            QString problem;
            const auto challenge = bearerChallenge(response, &problem);
            const QStringList asked =
                challenge ? splitScope(challenge->param(QStringLiteral("scope"))) : QStringList();
            bool all = true;
            for (const QString &s : splitScope(q->m_options.scope))
                all = all && asked.contains(s);
            expect(all, c.id + QStringLiteral(".scope_named"), Level::Should,
                   QStringLiteral("RFC 6750 §3.1 / MCP §Scope Challenge Handling: the challenge's "
                                  "scope (\"%1\") must name the needed \"%2\"")
                       .arg(asked.join(QLatin1Char(' ')), q->m_options.scope));
        }
    }

    /// The Bearer challenge of a refusal: resource_metadata (MUST on 401), error, scope.
    void checkChallenge(const Case &c, const Http::ClientResponse &response,
                        const QString &wantedError, Level scopeLevel)
    {
        QString problem;
        const auto challenge = bearerChallenge(response, &problem);
        const Level metadataLevel = response.status == 401 ? Level::Must : Level::Should;
        if (!expect(challenge.has_value(), c.id + QStringLiteral(".challenge"), metadataLevel,
                    QStringLiteral("RFC 6750 §3 and RFC 9110 §11.6.1: a %1 refusal carries a "
                                   "WWW-Authenticate Bearer challenge; %2")
                        .arg(response.status)
                        .arg(problem)))
            return;
        const QString metadata = challenge->param(QStringLiteral("resource_metadata"));
        expect(metadata == prmUrl, c.id + QStringLiteral(".resource_metadata"), metadataLevel,
               metadata.isEmpty()
                   ? QStringLiteral("RFC 9728 §5.1 and MCP authorization §Authorization Server "
                                    "Location: the challenge must carry resource_metadata=\"%1\"; "
                                    "it has none")
                         .arg(prmUrl)
                   : QStringLiteral("RFC 9728 §5.1: resource_metadata is \"%1\"%2")
                         .arg(metadata,
                              metadata == prmUrl
                                  ? QString()
                                  : QStringLiteral(", not the metadata URL %1").arg(prmUrl)));
        const QString error = challenge->param(QStringLiteral("error"));
        if (wantedError.isEmpty() && c.expect == Expect::NoToken)
            expect(error.isEmpty(), c.id + QStringLiteral(".error"), Level::Should,
                   error.isEmpty()
                       ? QStringLiteral("RFC 6750 §3.1: no error code for a request without "
                                        "authentication")
                       : QStringLiteral("RFC 6750 §3.1: a request without authentication should "
                                        "get no error code; got error=\"%1\"")
                             .arg(error));
        else if (!wantedError.isEmpty())
            expect(error == wantedError, c.id + QStringLiteral(".error"), Level::Should,
                   QStringLiteral("RFC 6750 §3.1: error=\"%1\" expected; got %2")
                       .arg(wantedError, error.isEmpty()
                                             ? QStringLiteral("none")
                                             : QLatin1Char('"') + error + QLatin1Char('"')));
        const QString scope = challenge->param(QStringLiteral("scope"));
        expect(!scope.isEmpty(), c.id + QStringLiteral(".scope"), scopeLevel,
               scope.isEmpty()
                   ? QStringLiteral("RFC 6750 §3 and MCP authorization §Scope Selection Strategy: "
                                    "the challenge should name the scopes needed; it has none")
                   : QStringLiteral("the challenge names scope \"%1\"").arg(scope));
    }
};

ServerCheck::ServerCheck(ServerCheckOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
{
    qRegisterMetaType<Flow::Step>();
    qRegisterMetaType<Flow::Run>();
    d = std::make_unique<Private>(this);
    d->issuer = withoutTrailingSlash(m_options.authorizationServer.issuer);
    d->client->setPolicy(m_options.ssrfPolicy);
    if (!m_options.trustedCertificates.isEmpty())
        d->client->addTrustedCaCertificates(m_options.trustedCertificates);
    d->client->setExchangeLog(d->log);
    m_run.options = m_options.toJson();
    connect(d->log, &Http::ExchangeLog::exchangeCaptured, this,
            [this](const Http::Exchange &exchange) {
                if (m_run.steps.isEmpty() || !d->stepRunning)
                    return;
                m_run.steps.last().exchanges.append(exchange);
                emit exchangeRecorded(m_run.steps.last().index, exchange);
            });
}

ServerCheck::~ServerCheck()
{
    d->ended = true;
    if (d->reply)
        d->reply->abort();
}

bool ServerCheck::isFinished() const
{
    return d->ended;
}

void ServerCheck::start()
{
    if (d->started)
        return;
    d->started = true;
    m_run.outcome = Outcome::Running;
    m_run.startedAt = QDateTime::currentDateTimeUtc();
    if (!m_options.store || m_options.clientId.isEmpty() || m_options.subject.isEmpty() ||
        d->issuer.isEmpty()) {
        QMetaObject::invokeMethod(
            this,
            [this] {
                d->finishRun(QStringLiteral("no embedded authorization server to mint tokens "
                                            "with (store, issuer, client and subject are "
                                            "needed)"));
            },
            Qt::QueuedConnection);
        return;
    }
    if (auto valid = d->client->guard().checkUrl(m_options.serverUrl); !valid) {
        const QString message =
            QStringLiteral("the server URL is refused: ") + valid.error().message;
        QMetaObject::invokeMethod(
            this, [this, message] { d->finishRun(message); }, Qt::QueuedConnection);
        return;
    }
    d->queue = {
        [this] { d->runDiscovery(); },
        [this] { d->runCase(d->noTokenCase()); },
        [this] { d->runValid(); },
    };
    QMetaObject::invokeMethod(
        this, [this] { d->runNext(); }, Qt::QueuedConnection);
}

void ServerCheck::cancel()
{
    if (d->ended)
        return;
    d->ended = true;
    d->queue.clear();
    if (d->reply)
        d->reply->abort();
    if (d->stepRunning) {
        m_run.steps.last().status = StepStatus::Skipped;
        m_run.steps.last().finishedAt = QDateTime::currentDateTimeUtc();
        d->stepRunning = false;
    }
    m_run.outcome = Outcome::Cancelled;
    m_run.error = QStringLiteral("cancelled");
    m_run.finishedAt = QDateTime::currentDateTimeUtc();
    emit finished(m_run);
}

QString ServerCheck::trustInstructions() const
{
    const QString issuer = d->issuer;
    return QStringLiteral(
               "To make the server trust the embedded authorization server, name its issuer %1 "
               "in the server's authorization_servers and have it accept that issuer's tokens: "
               "verify JWT access tokens (RFC 9068) with the JWKS at %2, or introspect tokens "
               "(RFC 7662) at %3. An `mcpauth serve` target trusts it when check-server uses "
               "the same --store and --issuer (one signing key, one token table).")
        .arg(issuer, issuer + QLatin1String(Auth::Paths::Jwks),
             issuer + QLatin1String(Auth::Paths::Introspect));
}

} // namespace Flow
