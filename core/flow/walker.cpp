#include "flow/walker.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QRegularExpression>
#include <QTimer>

#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/mask.h"
#include "crypto/pkce.h"
#include "crypto/random.h"
#include "flow/browser.h"
#include "flow/credentialstore.h"
#include "flow/dpop.h"
#include "flow/wwwauthenticate.h"
#include "http/body.h"
#include "http/client.h"
#include "http/exchangelog.h"
#include "http/masking.h"
#include "http/message.h"
#include "traffic/mcpwire.h"

namespace Flow {

namespace {

using Http::originOf;

enum class StepKind {
    Probe,
    ResourceMetadata,
    AuthServerMetadata,
    Registration,
    Authorization,
    Token,
    McpCall,
    Refresh,
    Revocation,
    DeviceAuthorization,
    DeviceToken,
};

struct StepInfo
{
    const char *id;
    const char *title;
};

StepInfo stepInfo(StepKind kind)
{
    switch (kind) {
    case StepKind::Probe:
        return {"probe", "Probe the MCP server without a token"};
    case StepKind::ResourceMetadata:
        return {"prm", "Protected Resource Metadata discovery"};
    case StepKind::AuthServerMetadata:
        return {"as_metadata", "Authorization server metadata discovery"};
    case StepKind::Registration:
        return {"registration", "Client registration"};
    case StepKind::Authorization:
        return {"authorization", "Authorization request (PKCE)"};
    case StepKind::Token:
        return {"token", "Token request"};
    case StepKind::McpCall:
        return {"mcp", "Authenticated MCP calls"};
    case StepKind::Refresh:
        return {"refresh", "Refresh token grant"};
    case StepKind::Revocation:
        return {"revocation", "Token revocation"};
    case StepKind::DeviceAuthorization:
        return {"device_authorization", "Device authorization request"};
    case StepKind::DeviceToken:
        return {"device_token", "Device code: user approval and polling"};
    }
    return {"", ""};
}

constexpr int kMaxBrowserHops = 12;
const QByteArray kJson = QByteArrayLiteral("application/json");
const QByteArray kForm = QByteArrayLiteral("application/x-www-form-urlencoded");
const QString kDeviceGrant = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");
const QString kIdJagType = QStringLiteral("urn:ietf:params:oauth:token-type:id-jag");

std::optional<QJsonObject> jsonObject(const QByteArray &body)
{
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject())
        return std::nullopt;
    return document.object();
}

/// The JSON-RPC message of an MCP response: a JSON body, or the last "data:" event of
/// an SSE stream.
std::optional<QJsonObject> rpcMessage(const Http::ClientResponse &response)
{
    if (response.contentType() != "text/event-stream")
        return jsonObject(response.body);
    std::optional<QJsonObject> last;
    QByteArray data;
    const auto flush = [&] {
        if (!data.isEmpty())
            if (auto object = jsonObject(data))
                last = object;
        data.clear();
    };
    for (const QByteArray &raw : response.body.split('\n')) {
        const QByteArray line = raw.endsWith('\r') ? raw.chopped(1) : raw;
        if (line.isEmpty())
            flush();
        else if (line.startsWith("data:"))
            data += (data.isEmpty() ? QByteArray() : QByteArray("\n")) + line.mid(5).trimmed();
    }
    flush();
    return last;
}

QString pathWithoutTrailingSlash(const QUrl &url)
{
    QString path = url.path(QUrl::FullyEncoded);
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    return path;
}

QStringList splitScope(const QString &scope)
{
    return scope.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

QStringList unite(QStringList a, const QStringList &b)
{
    for (const QString &s : b)
        if (!a.contains(s))
            a.append(s);
    return a;
}

/// An OAuth error response as "error: description", for summaries.
QString oauthError(const Http::ClientResponse &response)
{
    const auto body = jsonObject(response.body);
    if (!body)
        return QStringLiteral("HTTP %1").arg(response.status);
    QString text = QStringLiteral("HTTP %1 %2")
                       .arg(response.status)
                       .arg(body->value(QStringLiteral("error")).toString());
    const QString description = body->value(QStringLiteral("error_description")).toString();
    if (!description.isEmpty())
        text += QStringLiteral(": ") + description.left(300);
    return text;
}

QString masked(const QString &secret)
{
    return Crypto::maskSecret(secret.toUtf8());
}

/// The `error` of a response's challenge in `scheme` (Bearer or DPoP), empty when none.
QString challengeError(const Http::ClientResponse &response, QLatin1String scheme)
{
    const auto challenges = parseWwwAuthenticate(response.headers.values("WWW-Authenticate"));
    if (!challenges)
        return {};
    for (const AuthChallenge &c : *challenges)
        if (c.scheme.compare(scheme, Qt::CaseInsensitive) == 0 &&
            !c.param(QStringLiteral("error")).isEmpty())
            return c.param(QStringLiteral("error"));
    return {};
}

} // namespace

class Walker::Private
{
public:
    using Callback = std::function<void(const Http::ClientResponse &)>;

    explicit Private(Walker *q)
        : q(q)
        , client(new Http::Client(q))
        , log(new Http::ExchangeLog(4000, 64 * 1024, q))
        , receiver(new LoopbackReceiver(q))
    {}

    Walker *q;
    Http::Client *client;
    Http::ExchangeLog *log;
    LoopbackReceiver *receiver;
    QPointer<Http::ClientReply> reply;
    CookieJar cookies;

    bool started = false;
    bool autoRun = false;
    bool ended = false;
    std::optional<StepKind> current;
    std::optional<StepKind> upcoming;

    // What the walk learned so far.
    QUrl serverUrl;
    QString resourceUri;
    QString challengeScope;
    QUrl challengeMetadataUrl;
    QJsonObject prm;
    QString issuer;
    QJsonObject as;
    QString clientId;
    QString clientSecret;
    QString registeredAuthMethod; ///< token_endpoint_auth_method of the DCR response
    Crypto::Key privateKey;
    QUrl redirectUri;
    QByteArray verifier;
    QString state;
    QStringList requestedScope;
    bool awaitingRedirect = false;
    int browserHops = 0;
    bool loginSubmitted = false;
    QString accessToken;
    QString refreshToken;
    bool accessTokenNotRevoked = false; ///< the AS answered unsupported_token_type
    std::optional<DpopProver> dpop;     ///< set when DPoP is used (Options::dpop, AS support)
    bool dpopBound = false;             ///< the access token is DPoP-bound (token_type DPoP)
    bool dpopResourceChecked = false;
    QStringList stepUpScope; ///< set when the MCP step met insufficient_scope
    int stepUps = 0;
    int rpcId = 1;
    QByteArray mcpSession;
    QString negotiatedVersion;
    bool probedPastInitialize = false; ///< the probe's initialize was answered without a token
    bool tokenWorked = false;          ///< the MCP server accepted the current access token
    bool rediscovered = false;         ///< discovery ran again after a refusal (once per walk)
    QString registeredIssuer;          ///< the authorization server the client is registered with
    // Options::credentialStore: clients kept per issuer between walks.
    bool storeNoted = false;   ///< the store's description was recorded (once per run)
    bool storeBroken = false;  ///< the store failed: register without it for this run
    bool forgotten = false;    ///< Options::forgetCredentials done
    bool reusedStored = false; ///< the client in use came from the store
    bool reregistered = false; ///< the AS refused a stored client and we registered anew
    bool skipLookup = false;   ///< the next registration registers anew (stored one refused)

    // --- plumbing -------------------------------------------------------------------------

    Step &step() { return q->m_run.steps.last(); }

    void send(Http::ClientRequest request, Callback done)
    {
        request.timeout = q->m_options.requestTimeout;
        request.tag = step().id;
        const QString target = Http::maskUrl(request.url.toString(QUrl::RemoveQuery));
        Http::ClientReply *r = client->send(std::move(request));
        reply = r;
        QObject::connect(r, &Http::ClientReply::finished, q,
                         [this, r, target, done = std::move(done)] {
                             r->deleteLater();
                             if (reply == r)
                                 reply = nullptr;
                             if (ended)
                                 return;
                             const auto &result = r->result();
                             if (!result) {
                                 failStep(QStringLiteral("the request to %1 failed: %2")
                                              .arg(target, result.error().toString()));
                                 return;
                             }
                             emit q->responseReceived(*result);
                             done(*result);
                         });
    }

    void sendJson(const QByteArray &method, const QUrl &url, const QJsonObject &body,
                  Http::Headers headers, Callback done)
    {
        Http::ClientRequest request;
        request.method = method;
        request.url = url;
        headers.set("Content-Type", kJson);
        if (!headers.contains("Accept"))
            headers.set("Accept", kJson);
        request.headers = std::move(headers);
        request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
        send(std::move(request), std::move(done));
    }

    void get(const QUrl &url, Callback done, Http::Headers headers = {})
    {
        Http::ClientRequest request;
        request.url = url;
        request.headers = std::move(headers);
        send(std::move(request), std::move(done));
    }

    void postForm(const QUrl &url, const Http::FormData &form, Callback done,
                  Http::Headers headers = {})
    {
        Http::ClientRequest request;
        request.method = "POST";
        request.url = url;
        headers.set("Content-Type", kForm);
        if (!headers.contains("Accept"))
            headers.set("Accept", kJson);
        request.headers = std::move(headers);
        request.body = Http::encodeForm(form);
        send(std::move(request), std::move(done));
    }

    void check(const QString &rule, Level level, Verdict verdict, const QString &explanation)
    {
        Check c{rule, level, verdict, explanation};
        step().checks.append(c);
        emit q->checkAdded(step().index, c);
    }

    /// A check that passes when `ok`; a failing MUST fails, a failing SHOULD/MAY warns.
    bool expect(bool ok, const QString &rule, Level level, const QString &explanation)
    {
        check(rule, level,
              ok ? Verdict::Pass : (level == Level::Must ? Verdict::Fail : Verdict::Warn),
              explanation);
        return ok;
    }

    // --- sequencing -----------------------------------------------------------------------

    void begin(StepKind kind, const QString &title = {})
    {
        current = kind;
        upcoming.reset();
        const StepInfo info = stepInfo(kind);
        Step s;
        s.index = int(q->m_run.steps.size());
        s.id = QLatin1String(info.id);
        s.title = title.isEmpty() ? QLatin1String(info.title) : title;
        s.status = StepStatus::Running;
        s.startedAt = QDateTime::currentDateTimeUtc();
        q->m_run.steps.append(s);
        q->m_stepRunning = true;
        emit q->stepStarted(s);
        switch (kind) {
        case StepKind::Probe:
            return runProbe();
        case StepKind::ResourceMetadata:
            return runResourceMetadata(0);
        case StepKind::AuthServerMetadata:
            return runAuthServerMetadata(0);
        case StepKind::Registration:
            return runRegistration();
        case StepKind::Authorization:
            return runAuthorization();
        case StepKind::Token:
            return runToken();
        case StepKind::McpCall:
            return runMcp();
        case StepKind::Refresh:
            return runRefresh();
        case StepKind::Revocation:
            return runRevocation();
        case StepKind::DeviceAuthorization:
            return runDeviceAuthorization();
        case StepKind::DeviceToken:
            return runDeviceToken();
        }
    }

    /// Ends the current step; `next` is the step to run after it (none: the walk succeeded).
    void endStep(const QString &summary, std::optional<StepKind> next)
    {
        Step &s = step();
        s.summary = summary;
        s.finishedAt = QDateTime::currentDateTimeUtc();
        bool warned = false;
        for (const Check &c : std::as_const(s.checks))
            warned = warned || c.verdict == Verdict::Warn;
        if (s.hasFailure()) {
            s.status = StepStatus::Failed;
            q->m_stepRunning = false;
            emit q->stepFinished(s);
            finishRun(Outcome::Failed, s.title + QStringLiteral(": ") + summary);
            return;
        }
        s.status = warned ? StepStatus::Warning : StepStatus::Passed;
        q->m_stepRunning = false;
        emit q->stepFinished(s);
        if (!next) {
            finishRun(Outcome::Succeeded, {});
            return;
        }
        upcoming = next;
        if (autoRun)
            QTimer::singleShot(0, q, [this] { advance(); });
    }

    void failStep(const QString &reason)
    {
        if (ended || q->m_run.steps.isEmpty())
            return;
        step().status = StepStatus::Failed;
        endStep(reason, std::nullopt);
    }

    void advance()
    {
        if (ended || q->m_stepRunning || !upcoming)
            return;
        const StepKind kind = *upcoming;
        if (kind == StepKind::Authorization && !stepUpScope.isEmpty())
            begin(kind, QStringLiteral("Authorization request (step-up %1)").arg(stepUps));
        else if (kind == StepKind::Registration && reregistered)
            begin(kind, QStringLiteral("Client registration (anew)"));
        else if (kind == StepKind::Token && !stepUpScope.isEmpty())
            begin(kind, QStringLiteral("Token request (step-up %1)").arg(stepUps));
        else
            begin(kind);
    }

    void finishRun(Outcome outcome, const QString &error)
    {
        if (ended)
            return;
        ended = true;
        receiver->close();
        if (reply)
            reply->abort();
        q->m_run.outcome = outcome;
        q->m_run.error = error;
        q->m_run.finishedAt = QDateTime::currentDateTimeUtc();
        q->m_stepRunning = false;
        emit q->finished(q->m_run);
    }

    // --- steps ----------------------------------------------------------------------------

    QJsonObject initializeMessage()
    {
        return {{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                {QStringLiteral("id"), rpcId++},
                {QStringLiteral("method"), QStringLiteral("initialize")},
                {QStringLiteral("params"),
                 QJsonObject{
                     {QStringLiteral("protocolVersion"), q->m_options.protocolVersion},
                     {QStringLiteral("capabilities"), QJsonObject{}},
                     {QStringLiteral("clientInfo"),
                      QJsonObject{{QStringLiteral("name"), QStringLiteral("mcpauth-flow")},
                                  {QStringLiteral("version"), QStringLiteral(MCPAUTH_VERSION)}}}}}};
    }

    bool stateless() const { return Traffic::isStatelessProtocol(q->m_options.protocolVersion); }

    /// The first request of a conversation: initialize, or server/discover statelessly.
    QJsonObject openingMessage()
    {
        if (!stateless())
            return initializeMessage();
        return {{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                {QStringLiteral("id"), rpcId++},
                {QStringLiteral("method"), QStringLiteral("server/discover")}};
    }

    /// Stamps a request of the stateless revision (per-request _meta and headers).
    void frame(QJsonObject &message, Http::Headers &headers) const
    {
        const QString method = message.value(QStringLiteral("method")).toString();
        if (!stateless() || method.isEmpty())
            return;
        QJsonObject params = message.value(QStringLiteral("params")).toObject();
        Traffic::stampStatelessRequest(method, params, headers, q->m_options.protocolVersion);
        message.insert(QStringLiteral("params"), params);
    }

    Http::Headers mcpHeaders(bool withToken)
    {
        Http::Headers headers;
        headers.set("Accept", "application/json, text/event-stream");
        if (withToken)
            headers.set("Authorization", (dpopBound ? QByteArray("DPoP ") : QByteArray("Bearer ")) +
                                             accessToken.toUtf8());
        if (!mcpSession.isEmpty())
            headers.set("Mcp-Session-Id", mcpSession);
        if (!negotiatedVersion.isEmpty())
            headers.set("MCP-Protocol-Version", negotiatedVersion.toUtf8());
        return headers;
    }

    void runProbe()
    {
        serverUrl = q->m_options.serverUrl.adjusted(QUrl::RemoveFragment);
        if (auto valid = client->guard().checkUrl(serverUrl); !valid)
            return failStep(QStringLiteral("the server URL is refused: ") + valid.error().message);
        // RFC 8707 section 2: the canonical URI, without fragment; scheme and host lower case.
        QUrl canonical = serverUrl;
        canonical.setScheme(canonical.scheme().toLower());
        canonical.setHost(canonical.host().toLower());
        resourceUri = canonical.toString(QUrl::StripTrailingSlash);
        QJsonObject message = openingMessage();
        Http::Headers headers = mcpHeaders(false);
        frame(message, headers);
        sendJson("POST", serverUrl, message, headers,
                 [this](const Http::ClientResponse &response) { probed(response); });
    }

    void probed(const Http::ClientResponse &response)
    {
        // 2025-11-25: a server may let initialize through and protect only what follows
        // (MCP authorization applies to the requests after it); the probe goes on to
        // tools/list in the session without a token.
        if (response.status == 200 && !stateless() && !probedPastInitialize) {
            probedPastInitialize = true;
            const auto message = rpcMessage(response);
            negotiatedVersion = message ? message->value(QStringLiteral("result"))
                                              .toObject()
                                              .value(QStringLiteral("protocolVersion"))
                                              .toString()
                                        : QString();
            mcpSession = response.headers.value("Mcp-Session-Id");
            check(QStringLiteral("probe.initialize_open"), Level::May, Verdict::Pass,
                  QStringLiteral("MCP authorization: initialize is answered without a token; "
                                 "the probe continues with tools/list"));
            const QJsonObject note{
                {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                {QStringLiteral("method"), QStringLiteral("notifications/initialized")}};
            sendJson("POST", serverUrl, note, mcpHeaders(false),
                     [this](const Http::ClientResponse &) {
                         const QJsonObject list{
                             {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                             {QStringLiteral("id"), rpcId++},
                             {QStringLiteral("method"), QStringLiteral("tools/list")}};
                         sendJson("POST", serverUrl, list, mcpHeaders(false),
                                  [this](const Http::ClientResponse &r) { probed(r); });
                     });
            return;
        }
        if (response.status != 401) {
            expect(false, QStringLiteral("probe.unauthorized"), Level::Must,
                   QStringLiteral("MCP authorization (2025-11-25) §Authorization Flow Steps: a "
                                  "protected MCP server answers a request without a token with "
                                  "401 Unauthorized; got HTTP %1")
                       .arg(response.status));
            return endStep(response.status >= 200 && response.status < 300
                               ? QStringLiteral("the server answered without asking for "
                                                "authorization; there is nothing to walk")
                               : QStringLiteral("unexpected HTTP %1 to an unauthenticated "
                                                "initialize")
                                     .arg(response.status),
                           std::nullopt);
        }
        check(
            QStringLiteral("probe.unauthorized"), Level::Must, Verdict::Pass,
            QStringLiteral("RFC 6750 §3 / MCP authorization: a request without a token gets 401"));
        const QList<QByteArray> values = response.headers.values("WWW-Authenticate");
        if (values.isEmpty()) {
            check(QStringLiteral("probe.www_authenticate"), Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 9110 §15.5.2 / RFC 6750 §3: a 401 response must carry a "
                                 "WWW-Authenticate header; discovery falls back to the "
                                 "well-known URLs"));
            return endStep(QStringLiteral("401 without WWW-Authenticate"),
                           StepKind::ResourceMetadata);
        }
        auto challenges = parseWwwAuthenticate(values);
        if (!challenges) {
            check(QStringLiteral("probe.challenge_syntax"), Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 9110 §11.6.1: the challenge must be well formed: ") +
                      challenges.error().message);
            return endStep(QStringLiteral("the challenge cannot be parsed"),
                           StepKind::ResourceMetadata);
        }
        const AuthChallenge *bearer = nullptr;
        // A server that sender-constrains its tokens challenges with the DPoP scheme
        // (RFC 9449 §7.1) and the same parameters.
        for (const AuthChallenge &c : std::as_const(*challenges))
            if ((c.isBearer() ||
                 c.scheme.compare(QLatin1String("dpop"), Qt::CaseInsensitive) == 0) &&
                !bearer)
                bearer = &c;
        if (!expect(bearer != nullptr, QStringLiteral("probe.bearer_challenge"), Level::Must,
                    QStringLiteral("RFC 6750 §3: the 401 names the Bearer scheme")))
            return endStep(QStringLiteral("no Bearer challenge"), StepKind::ResourceMetadata);
        const QString metadata = bearer->param(QStringLiteral("resource_metadata"));
        if (expect(!metadata.isEmpty(), QStringLiteral("probe.resource_metadata"), Level::Should,
                   metadata.isEmpty()
                       ? QStringLiteral("RFC 9728 §5.1: the challenge should name the Protected "
                                        "Resource Metadata URL (resource_metadata); the "
                                        "well-known URLs are tried instead")
                       : QStringLiteral("RFC 9728 §5.1: resource_metadata=") + metadata)) {
            challengeMetadataUrl = QUrl(metadata, QUrl::StrictMode);
            if (!challengeMetadataUrl.isValid() || challengeMetadataUrl.isRelative()) {
                check(QStringLiteral("probe.resource_metadata_url"), Level::Must, Verdict::Fail,
                      QStringLiteral("RFC 9728 §5.1: resource_metadata must be an absolute URL"));
                challengeMetadataUrl.clear();
            }
        }
        challengeScope = bearer->param(QStringLiteral("scope"));
        check(QStringLiteral("probe.scope"), Level::May,
              challengeScope.isEmpty() ? Verdict::Skip : Verdict::Pass,
              challengeScope.isEmpty()
                  ? QStringLiteral("MCP authorization §Scope Selection: the challenge names no "
                                   "scope; PRM scopes_supported is used")
                  : QStringLiteral("MCP authorization §Scope Selection: the challenge asks for "
                                   "scope \"%1\"")
                        .arg(challengeScope));
        endStep(QStringLiteral("401 with a Bearer challenge"), StepKind::ResourceMetadata);
    }

    QList<QUrl> prmCandidates() const
    {
        QList<QUrl> out;
        if (challengeMetadataUrl.isValid() && !challengeMetadataUrl.isEmpty())
            out.append(challengeMetadataUrl);
        const QString origin = originOf(serverUrl);
        const QString path = pathWithoutTrailingSlash(serverUrl);
        if (!path.isEmpty())
            out.append(
                QUrl(origin + QStringLiteral("/.well-known/oauth-protected-resource") + path));
        out.append(QUrl(origin + QStringLiteral("/.well-known/oauth-protected-resource")));
        return out;
    }

    void runResourceMetadata(int attempt)
    {
        const QList<QUrl> candidates = prmCandidates();
        if (attempt >= candidates.size()) {
            // A server of the 2025-03-26 revision has no PRM: its origin is the
            // authorization server. Reported, then the walk goes on that way.
            QStringList urls;
            for (const QUrl &u : candidates)
                urls.append(u.toString());
            issuer = originOf(serverUrl);
            check(QStringLiteral("prm.fetch"), Level::Must, Verdict::Warn,
                  QStringLiteral("MCP authorization (2025-06-18 and later) / RFC 9728: an MCP "
                                 "server must publish Protected Resource Metadata; none at %1. "
                                 "Falling back to MCP 2025-03-26: the authorization server is "
                                 "the server's origin %2")
                      .arg(urls.join(QStringLiteral(", ")), issuer));
            return endStep(QStringLiteral("no metadata; authorization server assumed at ") + issuer,
                           StepKind::AuthServerMetadata);
        }
        const QUrl url = candidates.at(attempt);
        get(
            url,
            [this, attempt, url](const Http::ClientResponse &response) {
                const auto body = response.status == 200 ? jsonObject(response.body) : std::nullopt;
                if (!body) {
                    check(QStringLiteral("prm.fetch"), Level::May, Verdict::Skip,
                          QStringLiteral("RFC 9728 §3.1: %1 gave HTTP %2%3; trying the next URL")
                              .arg(url.toString())
                              .arg(response.status)
                              .arg(response.status == 200 ? QStringLiteral(" but no JSON object")
                                                          : QString()));
                    return runResourceMetadata(attempt + 1);
                }
                prm = *body;
                checkResourceMetadata(url);
            },
            Http::Headers());
    }

    void checkResourceMetadata(const QUrl &fetchedFrom)
    {
        check(QStringLiteral("prm.fetch"), Level::Must, Verdict::Pass,
              QStringLiteral("RFC 9728 §3: metadata found at ") + fetchedFrom.toString());
        const QString resource = prm.value(QStringLiteral("resource")).toString();
        const QUrl resourceUrl(resource);
        const QString resourcePath = pathWithoutTrailingSlash(resourceUrl);
        const QString serverPath = pathWithoutTrailingSlash(serverUrl);
        const bool sameOrigin =
            !resource.isEmpty() &&
            originOf(resourceUrl).compare(originOf(serverUrl), Qt::CaseInsensitive) == 0;
        const bool prefix = serverPath == resourcePath || resourcePath.isEmpty() ||
                            serverPath.startsWith(resourcePath + QLatin1Char('/'));
        const bool matches =
            sameOrigin && prefix && resourceUrl.query().isEmpty() && !resourceUrl.hasFragment();
        expect(matches, QStringLiteral("prm.resource_matches"), Level::Must,
               matches ? QStringLiteral("RFC 9728 §3.3: resource \"%1\" matches the server URL")
                             .arg(resource)
                       : QStringLiteral("RFC 9728 §3.3: resource must equal the URL the metadata "
                                        "was fetched for (same origin, a path prefix of %1); got "
                                        "\"%2\" — the metadata must not be used")
                             .arg(serverUrl.toString(), resource));
        const QStringList servers = stringList(prm.value(QStringLiteral("authorization_servers")));
        expect(!servers.isEmpty(), QStringLiteral("prm.authorization_servers"), Level::Must,
               QStringLiteral("MCP authorization §Authorization Server Location / RFC 9728 §2: "
                              "authorization_servers must name at least one issuer%1")
                   .arg(servers.isEmpty()
                            ? QStringLiteral("; it is missing or empty")
                            : QStringLiteral(": ") + servers.join(QStringLiteral(", "))));
        if (prm.contains(QStringLiteral("bearer_methods_supported"))) {
            const QStringList methods =
                stringList(prm.value(QStringLiteral("bearer_methods_supported")));
            expect(methods.contains(QStringLiteral("header")), QStringLiteral("prm.bearer_methods"),
                   Level::Should,
                   QStringLiteral("MCP authorization §Token Requirements / RFC 9728 §2: tokens go "
                                  "in the Authorization header, so bearer_methods_supported "
                                  "should list \"header\" (got: %1)")
                       .arg(methods.join(QStringLiteral(", "))));
        } else {
            check(QStringLiteral("prm.bearer_methods"), Level::May, Verdict::Pass,
                  QStringLiteral("RFC 9728 §2: bearer_methods_supported absent; the header method "
                                 "is assumed"));
        }
        const QStringList scopes = stringList(prm.value(QStringLiteral("scopes_supported")));
        if (scopes.contains(QStringLiteral("offline_access")))
            check(QStringLiteral("prm.offline_access"), Level::Should, Verdict::Warn,
                  QStringLiteral("MCP authorization §Scope Selection: offline_access should not "
                                 "be listed in scopes_supported of the resource"));
        if (step().hasFailure())
            return endStep(QStringLiteral("the metadata cannot be trusted"), std::nullopt);
        issuer = servers.first();
        if (!registeredIssuer.isEmpty() && registeredIssuer != issuer) {
            // SEP-2352: credentials belong to the AS that issued them.
            check(QStringLiteral("registration.as_changed"), Level::Must, Verdict::Pass,
                  QStringLiteral("MCP authorization §Authorization Server Migration: the "
                                 "authorization server changed from %1 to %2; the client "
                                 "registered there is not reused")
                      .arg(registeredIssuer, issuer));
            clientId.clear();
            clientSecret.clear();
            registeredAuthMethod.clear();
            accessToken.clear();
            refreshToken.clear();
        }
        // RFC 8707 / MCP authorization: the resource parameter is the identifier exactly as
        // the metadata publishes it (it may be a prefix of the server URL).
        resourceUri = prm.value(QStringLiteral("resource")).toString();
        endStep(QStringLiteral("authorization server: ") + issuer, StepKind::AuthServerMetadata);
    }

    QList<QUrl> asCandidates() const
    {
        const QUrl url(issuer);
        const QString origin = originOf(url);
        const QString path = pathWithoutTrailingSlash(url);
        if (path.isEmpty())
            return {QUrl(origin + QStringLiteral("/.well-known/oauth-authorization-server")),
                    QUrl(origin + QStringLiteral("/.well-known/openid-configuration"))};
        return {QUrl(origin + QStringLiteral("/.well-known/oauth-authorization-server") + path),
                QUrl(origin + QStringLiteral("/.well-known/openid-configuration") + path),
                QUrl(origin + path + QStringLiteral("/.well-known/openid-configuration"))};
    }

    void runAuthServerMetadata(int attempt)
    {
        const QUrl issuerUrl(issuer, QUrl::StrictMode);
        if (attempt == 0 && (!issuerUrl.isValid() || issuerUrl.isRelative() ||
                             issuerUrl.hasQuery() || issuerUrl.hasFragment())) {
            check(QStringLiteral("as.issuer_url"), Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 8414 §2: the issuer must be an https URL without query or "
                                 "fragment; got \"%1\"")
                      .arg(issuer));
            return endStep(QStringLiteral("the issuer is not a usable URL"), std::nullopt);
        }
        const QList<QUrl> candidates = asCandidates();
        if (attempt >= candidates.size()) {
            if (!prm.isEmpty())
                return failStep(
                    QStringLiteral("no authorization server metadata found for %1").arg(issuer));
            // MCP 2025-03-26 §2.3.3: without metadata, the default endpoints at the
            // authorization server's base URL apply (only when no PRM named the issuer).
            as = QJsonObject{
                {QStringLiteral("issuer"), issuer},
                {QStringLiteral("authorization_endpoint"),
                 QString(issuer + QStringLiteral("/authorize"))},
                {QStringLiteral("token_endpoint"), QString(issuer + QStringLiteral("/token"))},
                {QStringLiteral("registration_endpoint"),
                 QString(issuer + QStringLiteral("/register"))}};
            check(QStringLiteral("as.fetch"), Level::Must, Verdict::Warn,
                  QStringLiteral("RFC 8414 / MCP authorization: no authorization server metadata "
                                 "for %1; falling back to the MCP 2025-03-26 default endpoints "
                                 "/authorize, /token and /register")
                      .arg(issuer));
            return endStep(QStringLiteral("default endpoints at ") + issuer,
                           StepKind::Registration);
        }
        const QUrl url = candidates.at(attempt);
        get(url, [this, attempt, url](const Http::ClientResponse &response) {
            const auto body = response.status == 200 ? jsonObject(response.body) : std::nullopt;
            if (!body) {
                check(QStringLiteral("as.fetch"), Level::May, Verdict::Skip,
                      QStringLiteral("RFC 8414 §3.1: %1 gave HTTP %2; trying the next URL")
                          .arg(url.toString())
                          .arg(response.status));
                return runAuthServerMetadata(attempt + 1);
            }
            as = *body;
            checkAuthServerMetadata(url);
        });
    }

    void checkAuthServerMetadata(const QUrl &fetchedFrom)
    {
        check(QStringLiteral("as.fetch"), Level::Must, Verdict::Pass,
              QStringLiteral("RFC 8414 §3: metadata found at ") + fetchedFrom.toString());
        const QString advertised = as.value(QStringLiteral("issuer")).toString();
        expect(advertised == issuer, QStringLiteral("as.issuer_matches"), Level::Must,
               advertised == issuer
                   ? QStringLiteral("RFC 8414 §3.3: issuer equals %1").arg(issuer)
                   : QStringLiteral("RFC 8414 §3.3: issuer must be identical to the issuer the "
                                    "metadata was fetched for (%1); got \"%2\" — the metadata "
                                    "must not be used")
                         .arg(issuer, advertised));
        const QStringList methods =
            stringList(as.value(QStringLiteral("code_challenge_methods_supported")));
        expect(methods.contains(QStringLiteral("S256")), QStringLiteral("as.pkce_s256"),
               Level::Must,
               methods.contains(QStringLiteral("S256"))
                   ? QStringLiteral("MCP authorization §Authorization Code Protection / RFC 7636: "
                                    "S256 is supported")
                   : QStringLiteral("MCP authorization §Authorization Code Protection: clients "
                                    "must refuse to proceed when code_challenge_methods_supported "
                                    "is missing or lacks S256 (got: %1)")
                         .arg(methods.isEmpty() ? QStringLiteral("nothing")
                                                : methods.join(QStringLiteral(", "))));
        for (const char *member : {"authorization_endpoint", "token_endpoint"}) {
            const QString value = as.value(QLatin1String(member)).toString();
            expect(!value.isEmpty() && !QUrl(value).isRelative(),
                   QStringLiteral("as.") + QLatin1String(member), Level::Must,
                   QStringLiteral("RFC 8414 §2: %1 is required for the authorization code grant%2")
                       .arg(QLatin1String(member),
                            value.isEmpty() ? QStringLiteral(" and missing") : QString()));
        }
        const QStringList responseTypes =
            stringList(as.value(QStringLiteral("response_types_supported")));
        expect(responseTypes.contains(QStringLiteral("code")), QStringLiteral("as.response_types"),
               Level::Must,
               QStringLiteral("RFC 8414 §2: response_types_supported is required and must "
                              "include \"code\" here"));
        expect(as.value(QStringLiteral("authorization_response_iss_parameter_supported")).toBool(),
               QStringLiteral("as.iss_parameter"), Level::Should,
               QStringLiteral("RFC 9207 §3: an AS that sends iss in authorization responses "
                              "advertises authorization_response_iss_parameter_supported; "
                              "without it mix-up attacks cannot be detected"));
        if (step().hasFailure())
            return endStep(QStringLiteral("the authorization server cannot be used safely"),
                           std::nullopt);
        if (q->m_options.dpop)
            setUpDpop();
        endStep(QStringLiteral("issuer ") + issuer, StepKind::Registration);
    }

    /// DPoP only when the AS advertises it (RFC 9449 §5.1); a per-run key.
    void setUpDpop()
    {
        const QStringList algs =
            stringList(as.value(QStringLiteral("dpop_signing_alg_values_supported")));
        if (algs.isEmpty()) {
            check(QStringLiteral("dpop.supported"), Level::May, Verdict::Warn,
                  QStringLiteral("RFC 9449 §5.1: the AS does not advertise "
                                 "dpop_signing_alg_values_supported; DPoP is skipped and the "
                                 "tokens are bearer tokens"));
            return;
        }
        auto prover = DpopProver::generate();
        if (!prover) {
            check(QStringLiteral("dpop.key"), Level::Must, Verdict::Fail, prover.error().message);
            return;
        }
        if (!algs.contains(prover->algorithm())) {
            check(QStringLiteral("dpop.supported"), Level::May, Verdict::Warn,
                  QStringLiteral("RFC 9449 §5.1: the AS accepts DPoP proofs signed with %1, not "
                                 "%2; DPoP is skipped")
                      .arg(algs.join(QStringLiteral(", ")), prover->algorithm()));
            return;
        }
        dpop = std::move(*prover);
        check(QStringLiteral("dpop.supported"), Level::Must, Verdict::Pass,
              QStringLiteral("RFC 9449 §5.1: the AS accepts %1 DPoP proofs; this run's key has "
                             "thumbprint (jkt) %2")
                  .arg(dpop->algorithm(), dpop->thumbprint()));
    }

    void runRegistration()
    {
        const Options &o = q->m_options;
        if (o.grant == Grant::JwtBearer && o.clientId.isEmpty()) {
            check(QStringLiteral("registration.jwt_bearer_client"), Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 7523 §2.1: the JWT bearer grant is for a client the "
                                 "authorization server knows; give its client id"));
            return endStep(QStringLiteral("no client id for the JWT bearer grant"), std::nullopt);
        }
        if (o.grant == Grant::AuthorizationCode || o.grant == Grant::Device) {
            if (auto listening = receiver->listen(); !listening)
                return failStep(listening.error().message);
            redirectUri = receiver->redirectUri();
        }
        if (o.grant == Grant::ClientCredentials &&
            (o.clientId.isEmpty() || (o.clientSecret.isEmpty() && o.privateKeyPem.isEmpty()))) {
            check(QStringLiteral("registration.confidential"), Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 6749 §4.4: the client credentials grant is for confidential "
                                 "clients; give a client id with its secret or private key"));
            return endStep(QStringLiteral("no confidential client"), std::nullopt);
        }
        if (!o.privateKeyPem.isEmpty()) {
            auto key = Crypto::Key::fromPem(o.privateKeyPem);
            if (!key || !key->isPrivate())
                return failStep(
                    QStringLiteral("the private key cannot be used: %1")
                        .arg(key ? QStringLiteral("it is a public key") : key.error().message));
            privateKey = *key;
        }
        if (!o.clientId.isEmpty()) {
            clientId = o.clientId;
            clientSecret = o.clientSecret;
            check(QStringLiteral("registration.pre_registered"), Level::May, Verdict::Pass,
                  QStringLiteral("MCP authorization §Client Registration: a pre-registered "
                                 "client is used first (%1)")
                      .arg(!privateKey.isNull()     ? QStringLiteral("private_key_jwt")
                           : clientSecret.isEmpty() ? QStringLiteral("public client")
                                                    : QStringLiteral("client secret")));
            return registered(QStringLiteral("pre-registered client ") + clientId);
        }
        const bool cimd =
            as.value(QStringLiteral("client_id_metadata_document_supported")).toBool();
        if (!o.clientMetadataUrl.isEmpty()) {
            if (cimd) {
                clientId = o.clientMetadataUrl.toString();
                expect(o.clientMetadataUrl.scheme() == QLatin1String("https"),
                       QStringLiteral("registration.cimd_https"), Level::Should,
                       QStringLiteral("Client ID Metadata Documents: the client_id is an https "
                                      "URL (http is accepted only by test servers on loopback)"));
                return registered(QStringLiteral("Client ID Metadata Document ") + clientId);
            }
            check(QStringLiteral("registration.cimd_supported"), Level::May, Verdict::Warn,
                  QStringLiteral("MCP authorization §Client Registration: the AS does not "
                                 "advertise client_id_metadata_document_supported; using "
                                 "dynamic registration instead"));
        }
        const QString endpoint = as.value(QStringLiteral("registration_endpoint")).toString();
        if (endpoint.isEmpty()) {
            check(QStringLiteral("registration.available"), Level::Must, Verdict::Fail,
                  QStringLiteral("MCP authorization §Client Registration: no pre-registered "
                                 "client, no Client ID Metadata Document and no "
                                 "registration_endpoint; give a client id (--client-id)"));
            return endStep(QStringLiteral("no way to register a client"), std::nullopt);
        }
        if (o.credentialStore && !storeBroken)
            return lookUpStoredClient(endpoint);
        dynamicRegistration(endpoint);
    }

    QStringList registrationGrants() const
    {
        return q->m_options.grant == Grant::Device
                   ? QStringList{QStringLiteral("authorization_code"), kDeviceGrant,
                                 QStringLiteral("refresh_token")}
                   : QStringList{QStringLiteral("authorization_code"),
                                 QStringLiteral("refresh_token")};
    }

    void dynamicRegistration(const QString &endpoint)
    {
        const Options &o = q->m_options;
        const QJsonObject body{
            {QStringLiteral("client_name"), o.clientName},
            {QStringLiteral("redirect_uris"), QJsonArray{redirectUri.toString()}},
            {QStringLiteral("grant_types"), QJsonArray::fromStringList(registrationGrants())},
            {QStringLiteral("response_types"), QJsonArray{QStringLiteral("code")}},
            {QStringLiteral("token_endpoint_auth_method"), QStringLiteral("none")},
            {QStringLiteral("application_type"), QStringLiteral("native")},
        };
        sendJson(
            "POST", QUrl(endpoint), body, {},
            [this, endpoint](const Http::ClientResponse &response) {
                const auto answer = jsonObject(response.body);
                if (response.status != 201 && response.status != 200) {
                    check(QStringLiteral("registration.dcr"), Level::Must, Verdict::Fail,
                          QStringLiteral("RFC 7591 §3.2: registration failed: ") +
                              oauthError(response));
                    return endStep(QStringLiteral("dynamic registration refused"), std::nullopt);
                }
                expect(response.status == 201, QStringLiteral("registration.dcr_status"),
                       Level::Must,
                       QStringLiteral("RFC 7591 §3.2.1: a successful registration answers 201 "
                                      "Created (got %1)")
                           .arg(response.status));
                clientId =
                    answer ? answer->value(QStringLiteral("client_id")).toString() : QString();
                if (!expect(!clientId.isEmpty(), QStringLiteral("registration.client_id"),
                            Level::Must,
                            QStringLiteral("RFC 7591 §3.2.1: the response carries client_id")))
                    return endStep(QStringLiteral("no client_id in the registration response"),
                                   std::nullopt);
                clientSecret = answer->value(QStringLiteral("client_secret")).toString();
                registeredAuthMethod =
                    answer->value(QStringLiteral("token_endpoint_auth_method")).toString();
                const QString summary = QStringLiteral("registered client ") + clientId +
                                        QStringLiteral(" (application_type native, redirect ") +
                                        redirectUri.toString() + QLatin1Char(')');
                if (!q->m_options.credentialStore || storeBroken)
                    return registered(summary);
                storeClient(*answer, endpoint, summary);
            });
    }

    // --- credentials kept per issuer (Options::credentialStore) ----------------------------

    CredentialStore &store() const { return *q->m_options.credentialStore; }

    QString storedClientKey() const
    {
        return ClientKey{issuer, QStringLiteral("dcr"), redirectShape(redirectUri.toString()),
                         q->m_options.clientName, registrationGrants()}
            .toString();
    }

    /// Records once per run where credentials are kept (and why, after a fallback).
    void noteStore()
    {
        if (storeNoted)
            return;
        storeNoted = true;
        const QString notice = store().notice();
        check(QStringLiteral("registration.credential_store"), Level::May, Verdict::Pass,
              QStringLiteral("Client credentials are kept per issuer in %1%2")
                  .arg(store().description(),
                       notice.isEmpty() ? QString() : QStringLiteral(". Note: ") + notice));
    }

    /// The store cannot be used: said once, then the walk registers without it.
    void storeFailed(const Core::Error &error, const QString &endpoint)
    {
        storeBroken = true;
        check(QStringLiteral("registration.credential_store"), Level::Should, Verdict::Warn,
              QStringLiteral("The stored client credentials cannot be used: %1. This walk "
                             "registers a client without storing it")
                  .arg(error.message));
        dynamicRegistration(endpoint);
    }

    void lookUpStoredClient(const QString &endpoint)
    {
        if (skipLookup) {
            skipLookup = false;
            return dynamicRegistration(endpoint);
        }
        store().load(
            serverKey(serverUrl.toString()), q,
            [this, endpoint](const Core::Result<std::optional<QJsonObject>> &binding) {
                if (ended)
                    return;
                noteStore();
                if (!binding)
                    return storeFailed(binding.error(), endpoint);
                const QString previous =
                    binding->has_value() ? (**binding).value(QStringLiteral("issuer")).toString()
                                         : QString();
                if (!previous.isEmpty() && previous != issuer)
                    check(QStringLiteral("registration.as_changed"), Level::Must, Verdict::Pass,
                          QStringLiteral("MCP authorization §Authorization Server Migration: %1 "
                                         "used the authorization server %2 when its client was "
                                         "stored and now names %3; the client of %2 is not used "
                                         "there")
                              .arg(serverUrl.toString(), previous, issuer));
                if (q->m_options.forgetCredentials && !forgotten)
                    return forgetStoredClient(endpoint);
                loadStoredClient(endpoint);
            });
    }

    void forgetStoredClient(const QString &endpoint)
    {
        forgotten = true;
        store().remove(storedClientKey(), q, [this, endpoint](const Core::Status &removed) {
            if (ended)
                return;
            if (!removed)
                return storeFailed(removed.error(), endpoint);
            check(QStringLiteral("registration.forgotten"), Level::May, Verdict::Pass,
                  QStringLiteral("The stored client of %1 was forgotten as asked; a client is "
                                 "registered anew")
                      .arg(issuer));
            dynamicRegistration(endpoint);
        });
    }

    void loadStoredClient(const QString &endpoint)
    {
        store().load(
            storedClientKey(), q,
            [this, endpoint](const Core::Result<std::optional<QJsonObject>> &entry) {
                if (ended)
                    return;
                if (!entry)
                    return storeFailed(entry.error(), endpoint);
                if (!entry->has_value())
                    return dynamicRegistration(endpoint);
                auto stored = StoredClient::fromJson(**entry);
                if (!stored) {
                    check(QStringLiteral("registration.stored_client"), Level::Should,
                          Verdict::Warn,
                          QStringLiteral("The stored client of %1 cannot be read (%2); a client "
                                         "is registered anew")
                              .arg(issuer, stored.error().message));
                    return dynamicRegistration(endpoint);
                }
                if (stored->secretExpired(QDateTime::currentDateTimeUtc())) {
                    check(QStringLiteral("registration.stored_expired"), Level::Must, Verdict::Pass,
                          QStringLiteral("RFC 7591 §3.2.1: the stored client's secret expired at "
                                         "%1 (client_secret_expires_at); a client is registered "
                                         "anew")
                              .arg(stored->secretExpiresAt.toString(Qt::ISODate)));
                    return dynamicRegistration(endpoint);
                }
                if (!stored->registrationEndpoint.isEmpty() &&
                    stored->registrationEndpoint != endpoint) {
                    check(QStringLiteral("registration.stored_endpoint"), Level::May, Verdict::Pass,
                          QStringLiteral("The stored client was registered at %1; the "
                                         "authorization server now registers at %2, so a client "
                                         "is registered anew")
                              .arg(stored->registrationEndpoint, endpoint));
                    return dynamicRegistration(endpoint);
                }
                clientId = stored->clientId;
                clientSecret = stored->clientSecret;
                registeredAuthMethod = stored->tokenEndpointAuthMethod;
                reusedStored = true;
                const QString date = stored->issuedAt.toString(Qt::ISODate);
                check(QStringLiteral("registration.reused"), Level::May, Verdict::Pass,
                      QStringLiteral("MCP authorization §Client Registration: reused the client "
                                     "%1 registered on %2 at %3 instead of registering again")
                          .arg(clientId, date, stored->registrationEndpoint));
                rememberServer([this, date] {
                    registered(QStringLiteral("reused client ") + clientId +
                               QStringLiteral(" registered on ") + date);
                });
            });
    }

    void storeClient(const QJsonObject &answer, const QString &endpoint, const QString &summary)
    {
        auto stored = StoredClient::fromRegistrationResponse(answer, endpoint,
                                                             QDateTime::currentDateTimeUtc());
        if (!stored)
            return registered(summary);
        if (stored->redirectUris.isEmpty())
            stored->redirectUris = {redirectUri.toString()};
        if (stored->grantTypes.isEmpty())
            stored->grantTypes = registrationGrants();
        store().save(storedClientKey(), stored->toJson(), q,
                     [this, summary](const Core::Status &saved) {
                         if (ended)
                             return;
                         expect(bool(saved), QStringLiteral("registration.stored"), Level::May,
                                saved ? QStringLiteral("The client is stored for the next walks "
                                                       "against %1")
                                            .arg(issuer)
                                      : QStringLiteral("The client cannot be stored (%1); the "
                                                       "next walk registers again")
                                            .arg(saved.error().message));
                         rememberServer([this, summary] { registered(summary); });
                     });
    }

    /// Stores which issuer the server uses, then `then` (a failure is only reported).
    void rememberServer(std::function<void()> then)
    {
        const QJsonObject binding{
            {QStringLiteral("issuer"), issuer},
            {QStringLiteral("updated_at"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate)}};
        store().save(serverKey(serverUrl.toString()), binding, q,
                     [this, then = std::move(then)](const Core::Status &saved) {
                         if (ended)
                             return;
                         if (!saved)
                             check(QStringLiteral("registration.credential_store"), Level::May,
                                   Verdict::Warn,
                                   QStringLiteral("Which authorization server %1 uses cannot be "
                                                  "stored: %2")
                                       .arg(serverUrl.toString(), saved.error().message));
                         then();
                     });
    }

    /// The AS refused the stored client: forget it and register anew, once per walk.
    /// False (nothing done) when the client did not come from the store or this happened
    /// already.
    bool registerAnew(const QString &refusal)
    {
        if (!reusedStored || reregistered || !q->m_options.credentialStore)
            return false;
        reregistered = true;
        reusedStored = false;
        awaitingRedirect = false;
        receiver->cancelWait();
        check(QStringLiteral("registration.stored_refused"), Level::May, Verdict::Warn,
              QStringLiteral("The authorization server refused the stored client %1 (%2), as "
                             "it does when it no longer knows it: the stored client is "
                             "forgotten and a client is registered anew (once)")
                  .arg(clientId, refusal));
        store().remove(storedClientKey(), q, [this](const Core::Status &removed) {
            if (ended)
                return;
            if (!removed)
                check(QStringLiteral("registration.credential_store"), Level::May, Verdict::Warn,
                      QStringLiteral("The refused client cannot be removed from the store: ") +
                          removed.error().message);
            clientId.clear();
            clientSecret.clear();
            registeredAuthMethod.clear();
            skipLookup = true;
            endStep(QStringLiteral("the stored client was refused; registering anew"),
                    StepKind::Registration);
        });
        return true;
    }

    /// An OAuth error response naming the client unknown or unauthenticated.
    static bool refusesClient(const Http::ClientResponse &response)
    {
        const auto body = jsonObject(response.body);
        return (response.status == 400 || response.status == 401) && body &&
               body->value(QStringLiteral("error")).toString() == QLatin1String("invalid_client");
    }

    void registered(const QString &summary)
    {
        registeredIssuer = issuer;
        q->m_run.tokens.clientId = clientId;
        endStep(summary, firstGrantStep());
    }

    /// Where a grant starts once the client is known (again on step-up).
    StepKind firstGrantStep() const
    {
        switch (q->m_options.grant) {
        case Grant::ClientCredentials:
        case Grant::JwtBearer:
            return StepKind::Token;
        case Grant::Device:
            return StepKind::DeviceAuthorization;
        case Grant::AuthorizationCode:
            break;
        }
        return StepKind::Authorization;
    }

    /// Authenticates the client on a token or revocation request: private_key_jwt (RFC
    /// 7523), client_secret_basic, or client_id alone for a public client.
    Http::Headers clientAuthentication(Http::FormData &form)
    {
        Http::Headers headers;
        if (!privateKey.isNull()) {
            const qint64 now = QDateTime::currentSecsSinceEpoch();
            const QJsonObject claims{
                {QStringLiteral("iss"), clientId},
                {QStringLiteral("sub"), clientId},
                // RFC 7523 §3 names the token endpoint; RFC 7523bis and SEP-1046 the issuer.
                {QStringLiteral("aud"),
                 QJsonArray{issuer, as.value(QStringLiteral("token_endpoint")).toString()}},
                {QStringLiteral("iat"), now},
                {QStringLiteral("exp"), now + 60},
                {QStringLiteral("jti"), QString::fromLatin1(Crypto::randomToken(16))}};
            auto assertion =
                Crypto::Jws::sign({{QStringLiteral("typ"), QStringLiteral("JWT")}},
                                  QJsonDocument(claims).toJson(QJsonDocument::Compact), privateKey,
                                  Crypto::Jws::defaultAlgorithm(privateKey));
            if (assertion) {
                form.append(QStringLiteral("client_id"), clientId);
                form.append(
                    QStringLiteral("client_assertion_type"),
                    QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer"));
                form.append(QStringLiteral("client_assertion"), QString::fromLatin1(*assertion));
                return headers;
            }
            qWarning("flow: cannot sign the client assertion: %s",
                     qUtf8Printable(assertion.error().toString()));
        }
        if (clientSecret.isEmpty()) {
            form.append(QStringLiteral("client_id"), clientId);
            return headers;
        }
        if (tokenAuthMethod() == QLatin1String("client_secret_post")) {
            form.append(QStringLiteral("client_id"), clientId);
            form.append(QStringLiteral("client_secret"), clientSecret);
            return headers;
        }
        // RFC 6749 section 2.3.1: both parts form-encoded before base64.
        const QByteArray user = QUrl::toPercentEncoding(clientId);
        const QByteArray password = QUrl::toPercentEncoding(clientSecret);
        headers.set("Authorization", "Basic " + QByteArray(user + ':' + password).toBase64());
        return headers;
    }

    /// How a client with a secret authenticates: what registration answered, else
    /// client_secret_basic unless the AS supports only client_secret_post (RFC 8414 §2).
    QString tokenAuthMethod() const
    {
        if (!registeredAuthMethod.isEmpty())
            return registeredAuthMethod;
        const QStringList methods =
            stringList(as.value(QStringLiteral("token_endpoint_auth_methods_supported")));
        if (methods.contains(QStringLiteral("client_secret_post")) &&
            !methods.contains(QStringLiteral("client_secret_basic")))
            return QStringLiteral("client_secret_post");
        return QStringLiteral("client_secret_basic");
    }

    /// The scope to ask for and where it came from (MCP authorization, Scope Selection).
    std::pair<QStringList, QString> chooseScope() const
    {
        if (!stepUpScope.isEmpty())
            return {stepUpScope, QStringLiteral("the union of the granted and the challenged "
                                                "scopes")};
        if (!q->m_options.scope.isEmpty())
            return {splitScope(q->m_options.scope),
                    QStringLiteral("the scope given in the options")};
        if (!challengeScope.isEmpty())
            return {splitScope(challengeScope), QStringLiteral("the challenge's scope")};
        if (const QStringList s = stringList(prm.value(QStringLiteral("scopes_supported")));
            !s.isEmpty())
            return {s, QStringLiteral("PRM scopes_supported")};
        return {{}, QStringLiteral("nothing (no scope parameter sent)")};
    }

    void runAuthorization()
    {
        const Options &o = q->m_options;
        QString source;
        std::tie(requestedScope, source) = chooseScope();
        check(QStringLiteral("authorization.scope_selection"), Level::Should, Verdict::Pass,
              QStringLiteral("MCP authorization §Scope Selection: scope \"%1\" from %2")
                  .arg(requestedScope.join(QLatin1Char(' ')), source));

        auto generated = Crypto::Pkce::generateVerifier(64);
        if (!generated)
            return failStep(generated.error().message);
        verifier = *generated;
        state = QString::fromLatin1(Crypto::randomToken(16));
        Http::FormData query{{QStringLiteral("response_type"), QStringLiteral("code")},
                             {QStringLiteral("client_id"), clientId},
                             {QStringLiteral("redirect_uri"), redirectUri.toString()},
                             {QStringLiteral("code_challenge"),
                              QString::fromLatin1(Crypto::Pkce::s256Challenge(verifier))},
                             {QStringLiteral("code_challenge_method"), QStringLiteral("S256")},
                             {QStringLiteral("state"), state},
                             {QStringLiteral("resource"), resourceUri}};
        if (!requestedScope.isEmpty())
            query.append(QStringLiteral("scope"), requestedScope.join(QLatin1Char(' ')));
        if (dpop) {
            query.append(QStringLiteral("dpop_jkt"), dpop->thumbprint());
            check(QStringLiteral("authorization.dpop_jkt"), Level::May, Verdict::Pass,
                  QStringLiteral("RFC 9449 §10: dpop_jkt binds the authorization code to this "
                                 "run's DPoP key"));
        }
        QUrl url(as.value(QStringLiteral("authorization_endpoint")).toString());
        const QString existing = url.query(QUrl::FullyEncoded);
        url.setQuery((existing.isEmpty() ? QString() : existing + QLatin1Char('&')) +
                         QString::fromLatin1(Http::encodeForm(query)),
                     QUrl::StrictMode);
        check(QStringLiteral("authorization.pkce"), Level::Must, Verdict::Pass,
              QStringLiteral("OAuth 2.1 §4.1.1 / RFC 7636 §4.2: code_challenge_method S256, a "
                             "fresh 64-character verifier"));
        check(QStringLiteral("authorization.resource"), Level::Must, Verdict::Pass,
              QStringLiteral("RFC 8707 §2 / MCP authorization §Resource Parameter: resource=%1")
                  .arg(resourceUri));
        awaitingRedirect = true;
        if (o.browser != BrowserMode::Headless)
            receiver->expectRedirect(o.browserTimeout);
        browserHops = 0;
        loginSubmitted = false;
        switch (o.browser) {
        case BrowserMode::Headless:
            return browse(url, "GET", {});
        case BrowserMode::Manual:
            emit q->needsUser({UserAction::Kind::PasteRedirect, url,
                               QStringLiteral("Open this URL in a browser, sign in and approve, "
                                              "then paste the URL the browser was sent to.")});
            return;
        case BrowserMode::System:
            emit q->needsUser({UserAction::Kind::OpenBrowser, url,
                               QStringLiteral("Sign in and approve in the browser; the walk "
                                              "continues when it returns to %1.")
                                   .arg(redirectUri.toString())});
            return;
        }
    }

    bool isRedirectUri(const QUrl &url) const
    {
        return url.scheme() == redirectUri.scheme() && url.host() == redirectUri.host() &&
               url.port() == redirectUri.port() && url.path() == redirectUri.path();
    }

    /// Headless mode: fetches the authorization pages like a browser would and submits the
    /// AS's login and consent forms, until a redirect to our redirect URI.
    void browse(const QUrl &url, const QByteArray &method, const QByteArray &body)
    {
        if (++browserHops > kMaxBrowserHops)
            return failStep(QStringLiteral("headless browser: more than %1 pages without reaching "
                                           "the redirect URI")
                                .arg(kMaxBrowserHops));
        Http::ClientRequest request;
        request.method = method;
        request.url = url;
        request.headers.set("Accept", "text/html");
        if (const QByteArray cookie = cookies.header(url); !cookie.isEmpty())
            request.headers.set("Cookie", cookie);
        if (!body.isEmpty()) {
            request.headers.set("Content-Type", kForm);
            request.body = body;
        }
        send(std::move(request), [this, url](const Http::ClientResponse &response) {
            cookies.store(url, response.headers);
            if (response.status >= 300 && response.status < 400) {
                const QUrl location =
                    url.resolved(QUrl(QString::fromUtf8(response.headers.value("Location"))));
                if (isRedirectUri(location))
                    return handleRedirect(location);
                return browse(location, "GET", {});
            }
            // A refused sign-in shows the login form again with 401 (or 429 when limited).
            const bool loginAgain = (response.status == 401 || response.status == 429) &&
                                    response.contentType() == "text/html";
            // An AS that no longer knows the client shows an error page at once (it must
            // not redirect to an unverified redirect URI).
            if (browserHops == 1 && response.status == 400 && !deviceBrowsing &&
                registerAnew(QStringLiteral("the authorization endpoint answered HTTP 400")))
                return;
            if (response.status != 200 && !loginAgain)
                return failStep(QStringLiteral("headless browser: %1 answered HTTP %2")
                                    .arg(url.toString(QUrl::RemoveQuery))
                                    .arg(response.status));
            auto form = parseFirstForm(response.body, url);
            // The device flow's browser part ends on a page without a form (after the
            // sign-in, or at once when the AS approves by itself or the user is signed in
            // already); polling goes on and tells whether the code was approved.
            if (!form && deviceBrowsing && response.status == 200)
                return;
            if (!form)
                return failStep(QStringLiteral("headless browser: ") + form.error().message);
            submitForm(*form);
        });
    }

    /// Fills and submits an AS page's form like a person would, for any AS: a sign-in form
    /// (a password input; the login name goes into its "username" input, else its first
    /// text input), a consent form with approve/deny buttons ("decision"), or a form with
    /// nothing to fill (a consent or confirmation "Continue" form, or a page that submits
    /// itself by script). Denying needs a deny control on the page ("decision", "deny",
    /// "abort", "cancel" buttons).
    void submitForm(const HtmlForm &form)
    {
        const Options &o = q->m_options;
        Http::FormData data;
        const auto denyButton = [&form]() -> std::optional<std::pair<QString, QString>> {
            for (const char *name : {"deny", "abort", "cancel", "reject"})
                if (form.buttons.contains(QLatin1String(name)))
                    return std::pair(QString::fromLatin1(name),
                                     form.buttons.value(QLatin1String(name)).value(0));
            return std::nullopt;
        };
        if (!form.passwordInputs.isEmpty()) {
            if (loginSubmitted)
                return failStep(QStringLiteral("headless browser: the sign-in as \"%1\" was "
                                               "refused")
                                    .arg(o.username));
            if (o.username.isEmpty() || o.password.isEmpty())
                return failStep(QStringLiteral("headless browser: the AS asks for a sign-in; "
                                               "give a username and password"));
            const QString loginField = form.textInputs.contains(QStringLiteral("username"))
                                           ? QStringLiteral("username")
                                           : form.textInputs.value(0);
            if (loginField.isEmpty())
                return failStep(QStringLiteral("headless browser: the sign-in form at %1 has no "
                                               "field for the login name")
                                    .arg(form.action.toString(QUrl::RemoveQuery)));
            for (const auto &[name, value] : form.fields)
                if (name != loginField)
                    data.append(name, value);
            data.append(loginField, o.username);
            for (const QString &name : form.passwordInputs)
                data.append(name, o.password);
            if (form.buttons.contains(QStringLiteral("decision"))) // our AS's device page
                data.append(QStringLiteral("decision"),
                            o.approveConsent ? QStringLiteral("approve") : QStringLiteral("deny"));
            loginSubmitted = true;
        } else if (form.buttons.contains(QStringLiteral("decision"))) {
            for (const auto &[name, value] : form.fields)
                data.append(name, value);
            data.append(QStringLiteral("decision"),
                        o.approveConsent ? QStringLiteral("approve") : QStringLiteral("deny"));
        } else if (form.textInputs.isEmpty()) {
            for (const auto &[name, value] : form.fields)
                data.append(name, value);
            if (!o.approveConsent && !form.autoSubmit) {
                const auto deny = denyButton();
                if (!deny)
                    return failStep(QStringLiteral("headless browser: the page at %1 offers no "
                                                   "control to deny")
                                        .arg(form.action.toString(QUrl::RemoveQuery)));
                data.append(deny->first, deny->second);
            }
        } else if (form.textInputs == QStringList{QStringLiteral("user_code")} &&
                   !userCode.isEmpty()) {
            // A device verification page that asks for the user code (RFC 8628 §3.3).
            for (const auto &[name, value] : form.fields)
                if (name != QLatin1String("user_code"))
                    data.append(name, value);
            data.append(QStringLiteral("user_code"), userCode);
        } else {
            return failStep(QStringLiteral("headless browser: the page at %1 asks for %2, which "
                                           "the headless browser cannot fill")
                                .arg(form.action.toString(QUrl::RemoveQuery),
                                     form.textInputs.join(QStringLiteral(", "))));
        }
        browse(form.action, form.method == "GET" ? QByteArray("GET") : QByteArray("POST"),
               Http::encodeForm(data));
    }

    void handleRedirect(const QUrl &url)
    {
        if (!awaitingRedirect || ended)
            return;
        awaitingRedirect = false;
        receiver->cancelWait();
        auto parameters = Http::parseQuery(url.query(QUrl::FullyEncoded).toUtf8());
        if (!parameters)
            return failStep(QStringLiteral("the redirect's query cannot be read: ") +
                            parameters.error().message);
        const auto value = [&](const char *name) {
            return parameters->value(QString::fromLatin1(name)).value_or(QString());
        };
        const QString returnedState = value("state");
        expect(returnedState == state, QStringLiteral("authorization.state"), Level::Must,
               returnedState == state
                   ? QStringLiteral("RFC 6749 §4.1.2 / §10.12: state returned unchanged")
                   : QStringLiteral("RFC 6749 §4.1.2 / §10.12: the redirect must return the state "
                                    "sent (CSRF protection); it %1")
                         .arg(returnedState.isEmpty() ? QStringLiteral("is missing")
                                                      : QStringLiteral("differs")));
        const bool issAdvertised =
            as.value(QStringLiteral("authorization_response_iss_parameter_supported")).toBool();
        const std::optional<QString> iss = parameters->value(QStringLiteral("iss"));
        if (iss || issAdvertised)
            expect(iss && *iss == issuer, QStringLiteral("authorization.iss"), Level::Must,
                   iss && *iss == issuer
                       ? QStringLiteral("RFC 9207 §2.4: iss equals the issuer")
                       : QStringLiteral("RFC 9207 §2.4: the response must carry iss equal to %1 "
                                        "(got %2); the response must be rejected")
                             .arg(issuer, iss ? QLatin1Char('"') + *iss + QLatin1Char('"')
                                              : QStringLiteral("none")));
        else
            check(QStringLiteral("authorization.iss"), Level::May, Verdict::Skip,
                  QStringLiteral("RFC 9207: the AS neither advertises nor sends iss"));
        const QString error = value("error");
        if ((error == QLatin1String("invalid_client") ||
             error == QLatin1String("unauthorized_client")) &&
            registerAnew(QStringLiteral("error=") + error))
            return;
        if (!error.isEmpty()) {
            check(QStringLiteral("authorization.granted"), Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 6749 §4.1.2.1: the authorization server answered error=%1%2")
                      .arg(error, value("error_description").isEmpty()
                                      ? QString()
                                      : QStringLiteral(" (") +
                                            value("error_description").left(300) +
                                            QLatin1Char(')')));
            return endStep(QStringLiteral("authorization refused: ") + error, std::nullopt);
        }
        const QString code = value("code");
        if (!expect(!code.isEmpty(), QStringLiteral("authorization.code"), Level::Must,
                    QStringLiteral("RFC 6749 §4.1.2: the redirect carries a code")))
            return endStep(QStringLiteral("no authorization code"), std::nullopt);
        if (step().hasFailure())
            return endStep(QStringLiteral("the authorization response is refused"), std::nullopt);
        m_code = code;
        endStep(QStringLiteral("authorization code received (") + masked(code) + QLatin1Char(')'),
                StepKind::Token);
    }

    QString m_code;
    QString deviceCode;
    QString userCode;
    QUrl verificationUri;
    QUrl verificationUriComplete;
    qint64 pollInterval = 5;
    QElapsedTimer deviceDeadline;
    std::chrono::milliseconds deviceLifetime{0};
    bool deviceBrowsing = false;

    /// Sends a token request (the client authenticated, resource added) and, once the
    /// response is usable, calls `then`.
    void requestToken(Http::FormData form, const QString &what, std::function<void()> then)
    {
        form.append(QStringLiteral("resource"), resourceUri);
        postToken(form, [this, what, then = std::move(then)](const Http::ClientResponse &response) {
            if (refusesClient(response) && registerAnew(oauthError(response)))
                return;
            if (!tokenResponse(response, what == QLatin1String("refresh")))
                return;
            reusedStored = false; // the AS accepted the client; later refusals are not staleness
            check(what + QStringLiteral(".resource"), Level::Must, Verdict::Pass,
                  QStringLiteral("RFC 8707 §2.2 / MCP authorization: resource sent in the %1 "
                                 "request")
                      .arg(what));
            then();
        });
    }

    /// POSTs `form` to the token endpoint with the client authenticated and, with DPoP, a
    /// proof; a use_dpop_nonce answer is repeated once with the AS's nonce (RFC 9449 §8).
    void postToken(const Http::FormData &form, Callback done, bool retried = false)
    {
        const QUrl url(as.value(QStringLiteral("token_endpoint")).toString());
        Http::FormData authenticated = form;
        Http::Headers headers = clientAuthentication(authenticated);
        if (dpop) {
            auto proof = dpop->proof("POST", url, {}, QDateTime::currentSecsSinceEpoch());
            if (!proof)
                return failStep(QStringLiteral("cannot make a DPoP proof: ") +
                                proof.error().message);
            headers.set("DPoP", *proof);
        }
        postForm(
            url, authenticated,
            [this, form, url, retried,
             done = std::move(done)](const Http::ClientResponse &response) mutable {
                if (!dpop)
                    return done(response);
                const QString nonce = QString::fromLatin1(response.headers.value("DPoP-Nonce"));
                dpop->setNonce(url, nonce);
                const auto body = jsonObject(response.body);
                if (response.status != 400 || !body ||
                    body->value(QStringLiteral("error")).toString() !=
                        QLatin1String("use_dpop_nonce"))
                    return done(response);
                if (retried || nonce.isEmpty()) {
                    check(QStringLiteral("dpop.as_nonce"), Level::Must, Verdict::Fail,
                          QStringLiteral("RFC 9449 §8: an AS answering use_dpop_nonce sends a "
                                         "DPoP-Nonce header, and a proof with it is accepted "
                                         "(%1)")
                              .arg(retried ? QStringLiteral("the retry was refused again")
                                           : QStringLiteral("no DPoP-Nonce header")));
                    return endStep(QStringLiteral("the AS refuses every DPoP proof"), std::nullopt);
                }
                check(QStringLiteral("dpop.as_nonce"), Level::Must, Verdict::Pass,
                      QStringLiteral("RFC 9449 §8: the AS asked for a nonce (use_dpop_nonce with "
                                     "DPoP-Nonce); the request is repeated once with it"));
                postToken(form, std::move(done), true);
            },
            headers);
    }

    void runToken()
    {
        if (q->m_options.grant == Grant::ClientCredentials)
            return runClientCredentials();
        if (q->m_options.grant == Grant::JwtBearer)
            return runJwtBearer();
        Http::FormData form{{QStringLiteral("grant_type"), QStringLiteral("authorization_code")},
                            {QStringLiteral("code"), m_code},
                            {QStringLiteral("redirect_uri"), redirectUri.toString()},
                            {QStringLiteral("code_verifier"), QString::fromLatin1(verifier)}};
        m_code.clear();
        requestToken(form, QStringLiteral("token"), [this] {
            endStep(QStringLiteral("access token ") + masked(accessToken) +
                        (refreshToken.isEmpty()
                             ? QString()
                             : QStringLiteral(", refresh token ") + masked(refreshToken)),
                    StepKind::McpCall);
        });
    }

    void runClientCredentials()
    {
        requestedScope = chooseScope().first;
        Http::FormData form{{QStringLiteral("grant_type"), QStringLiteral("client_credentials")}};
        if (!requestedScope.isEmpty())
            form.append(QStringLiteral("scope"), requestedScope.join(QLatin1Char(' ')));
        const QStringList grants = stringList(as.value(QStringLiteral("grant_types_supported")));
        if (as.contains(QStringLiteral("grant_types_supported")))
            expect(grants.contains(QStringLiteral("client_credentials")),
                   QStringLiteral("as.client_credentials"), Level::Should,
                   QStringLiteral("RFC 8414 §2: grant_types_supported should list "
                                  "client_credentials when the AS offers it"));
        requestToken(form, QStringLiteral("token"), [this] {
            expect(refreshToken.isEmpty(), QStringLiteral("token.no_refresh_token"), Level::Should,
                   QStringLiteral("RFC 6749 §4.4.3: a refresh token should not be included for "
                                  "client credentials"));
            endStep(QStringLiteral("access token ") + masked(accessToken) +
                        QStringLiteral(" for the client itself"),
                    StepKind::McpCall);
        });
    }

    /// RFC 7523 §2.1, after an RFC 8693 token exchange at the IdP when the assertion is an
    /// identity assertion grant still to be obtained (SEP-990).
    void runJwtBearer()
    {
        const Options &o = q->m_options;
        requestedScope = chooseScope().first;
        if (!o.assertion.isEmpty() || o.idpTokenEndpoint.isEmpty())
            return jwtBearerGrant(o.assertion);
        Http::FormData form{{QStringLiteral("grant_type"),
                             QStringLiteral("urn:ietf:params:oauth:grant-type:token-exchange")},
                            {QStringLiteral("subject_token"), o.idpIdToken},
                            {QStringLiteral("subject_token_type"),
                             QStringLiteral("urn:ietf:params:oauth:token-type:id_token")},
                            {QStringLiteral("requested_token_type"), kIdJagType},
                            {QStringLiteral("audience"), issuer},
                            {QStringLiteral("resource"), resourceUri}};
        if (!o.idpClientId.isEmpty())
            form.append(QStringLiteral("client_id"), o.idpClientId);
        if (!requestedScope.isEmpty())
            form.append(QStringLiteral("scope"), requestedScope.join(QLatin1Char(' ')));
        postForm(o.idpTokenEndpoint, form, [this](const Http::ClientResponse &response) {
            const auto body = jsonObject(response.body);
            const QString grant =
                body ? body->value(QStringLiteral("access_token")).toString() : QString();
            if (!expect(response.status == 200 && !grant.isEmpty(),
                        QStringLiteral("token.idp_exchange"), Level::Must,
                        response.status == 200 && !grant.isEmpty()
                            ? QStringLiteral("RFC 8693 §2.2 / SEP-990: the IdP exchanged the ID "
                                             "token for an identity assertion grant (%1)")
                                  .arg(masked(grant))
                            : QStringLiteral("RFC 8693 §2.2: the token exchange at the IdP "
                                             "failed: ") +
                                  oauthError(response)))
                return endStep(QStringLiteral("no identity assertion grant from the IdP"),
                               std::nullopt);
            expect(body->value(QStringLiteral("issued_token_type")).toString() == kIdJagType,
                   QStringLiteral("token.idp_issued_token_type"), Level::Must,
                   QStringLiteral("RFC 8693 §2.2.1 / SEP-990: issued_token_type is %1")
                       .arg(kIdJagType));
            jwtBearerGrant(grant);
        });
    }

    void jwtBearerGrant(const QString &assertion)
    {
        if (!expect(!assertion.isEmpty(), QStringLiteral("token.assertion"), Level::Must,
                    QStringLiteral("RFC 7523 §2.1: the grant carries an assertion")))
            return endStep(QStringLiteral("no assertion to present"), std::nullopt);
        Http::FormData form{{QStringLiteral("grant_type"),
                             QStringLiteral("urn:ietf:params:oauth:grant-type:jwt-bearer")},
                            {QStringLiteral("assertion"), assertion}};
        if (!requestedScope.isEmpty())
            form.append(QStringLiteral("scope"), requestedScope.join(QLatin1Char(' ')));
        requestToken(form, QStringLiteral("token"), [this] {
            endStep(QStringLiteral("access token ") + masked(accessToken) +
                        QStringLiteral(" for the asserted identity"),
                    StepKind::McpCall);
        });
    }

    /// Reads a token response into the walk; false (step ended) when it is unusable.
    bool tokenResponse(const Http::ClientResponse &response, bool refreshing)
    {
        const auto body = jsonObject(response.body);
        if (response.status != 200 || !body) {
            check(refreshing ? QStringLiteral("refresh.ok") : QStringLiteral("token.ok"),
                  Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 6749 §5: the token request failed: ") + oauthError(response));
            endStep(QStringLiteral("no token: ") + oauthError(response), std::nullopt);
            return false;
        }
        const QString token = body->value(QStringLiteral("access_token")).toString();
        if (!expect(!token.isEmpty(), QStringLiteral("token.access_token"), Level::Must,
                    QStringLiteral("RFC 6749 §5.1: the response carries access_token"))) {
            endStep(QStringLiteral("no access_token"), std::nullopt);
            return false;
        }
        const QString type = body->value(QStringLiteral("token_type")).toString();
        const bool dpopType = type.compare(QLatin1String("dpop"), Qt::CaseInsensitive) == 0;
        if (dpop) {
            expect(dpopType, QStringLiteral("dpop.token_type"), Level::Should,
                   dpopType ? QStringLiteral("RFC 9449 §5: token_type DPoP: the token is bound to "
                                             "this run's key")
                            : QStringLiteral("RFC 9449 §5: a token bound to the proof's key has "
                                             "token_type DPoP; got \"%1\", so the AS did not "
                                             "bind it and it is sent as a bearer token")
                                  .arg(type));
        } else {
            expect(type.compare(QLatin1String("bearer"), Qt::CaseInsensitive) == 0,
                   QStringLiteral("token.token_type"), Level::Must,
                   QStringLiteral("RFC 6749 §5.1 / RFC 6750: token_type is Bearer (got \"%1\")")
                       .arg(type));
        }
        dpopBound = dpop && dpopType;
        // The AS's own duty: reported, but the client can still use the token, so the walk
        // goes on (a warning, not a failure that would stop it).
        const bool noStore = response.headers.value("Cache-Control").toLower().contains("no-store");
        check(QStringLiteral("token.no_store"), Level::Must,
              noStore ? Verdict::Pass : Verdict::Warn,
              noStore ? QStringLiteral("RFC 6749 §5.1: a token response carries Cache-Control: "
                                       "no-store")
                      : QStringLiteral("RFC 6749 §5.1: a token response must carry "
                                       "Cache-Control: no-store; this one does not (the token "
                                       "is still used)"));
        const qint64 expiresIn = body->value(QStringLiteral("expires_in")).toInteger();
        expect(expiresIn > 0, QStringLiteral("token.expires_in"), Level::Should,
               QStringLiteral("RFC 6749 §5.1: expires_in is recommended"));
        const QString scope = body->value(QStringLiteral("scope")).toString();
        accessToken = token;
        tokenWorked = false;
        const QString newRefresh = body->value(QStringLiteral("refresh_token")).toString();
        if (refreshing) {
            const bool rotated = !newRefresh.isEmpty() && newRefresh != refreshToken;
            q->m_run.tokens.refreshRotated = rotated;
            const bool constrained = !clientSecret.isEmpty() || !privateKey.isNull() || dpopBound;
            expect(rotated || constrained, QStringLiteral("refresh.rotation"), Level::Must,
                   rotated     ? QStringLiteral("OAuth 2.1 §4.3.1 / RFC 9700 §2.2.2: the refresh "
                                                    "token was rotated")
                   : dpopBound ? QStringLiteral("OAuth 2.1 §4.3.1 / RFC 9449 §5: the refresh "
                                                "token is sender-constrained by DPoP, so it "
                                                "need not rotate")
                   : constrained ? QStringLiteral("OAuth 2.1 §4.3.1: a confidential client's "
                                                  "refresh token need not rotate")
                                 : QStringLiteral("OAuth 2.1 §4.3.1 / RFC 9700 §2.2.2: refresh "
                                                  "tokens of public clients must be "
                                                  "sender-constrained or rotated; this one was "
                                                  "not rotated"));
            if (!newRefresh.isEmpty())
                refreshToken = newRefresh;
        } else {
            refreshToken = newRefresh;
        }
        TokenSummary &summary = q->m_run.tokens;
        summary.accessToken = masked(accessToken);
        summary.refreshToken = refreshToken.isEmpty() ? QString() : masked(refreshToken);
        summary.tokenType = type;
        summary.scope = scope.isEmpty() ? requestedScope.join(QLatin1Char(' ')) : scope;
        summary.expiresIn = expiresIn;
        return true;
    }

    void runMcp()
    {
        mcpSession.clear();
        negotiatedVersion.clear();
        if (stateless()) {
            negotiatedVersion = q->m_options.protocolVersion;
            sendMcp(openingMessage(), [this](const Http::ClientResponse &response) {
                if (!mcpAccepted(response, QStringLiteral("server/discover")))
                    return;
                const auto message = rpcMessage(response);
                const QJsonObject result =
                    message ? message->value(QStringLiteral("result")).toObject() : QJsonObject();
                const QStringList versions =
                    stringList(result.value(QStringLiteral("supportedVersions")));
                if (!expect(versions.contains(q->m_options.protocolVersion),
                            QStringLiteral("mcp.discover"), Level::Must,
                            QStringLiteral("MCP lifecycle (2026-07-28): server/discover lists the "
                                           "protocol version %1 in supportedVersions (got %2)")
                                .arg(q->m_options.protocolVersion,
                                     versions.join(QStringLiteral(", ")))))
                    return endStep(QStringLiteral("server/discover failed"), std::nullopt);
                listTools();
            });
            return;
        }
        sendMcp(initializeMessage(), [this](const Http::ClientResponse &response) {
            if (!mcpAccepted(response, QStringLiteral("initialize")))
                return;
            const auto message = rpcMessage(response);
            const QJsonObject result =
                message ? message->value(QStringLiteral("result")).toObject() : QJsonObject();
            if (!expect(!result.isEmpty(), QStringLiteral("mcp.initialize"), Level::Must,
                        QStringLiteral("MCP lifecycle: initialize returns a result")))
                return endStep(QStringLiteral("initialize failed"), std::nullopt);
            negotiatedVersion = result.value(QStringLiteral("protocolVersion")).toString();
            mcpSession = response.headers.value("Mcp-Session-Id");
            const QJsonObject note{
                {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                {QStringLiteral("method"), QStringLiteral("notifications/initialized")}};
            sendMcp(note, [this](const Http::ClientResponse &r) {
                if (!mcpAccepted(r, QStringLiteral("notifications/initialized")))
                    return;
                listTools();
            });
        });
    }

    /// POSTs a JSON-RPC message to the MCP server with the access token: a DPoP-bound token
    /// goes as "Authorization: DPoP" with a proof carrying ath (RFC 9449 §7.1); a
    /// use_dpop_nonce challenge is answered once with the server's nonce (RFC 9449 §9).
    void sendMcp(const QJsonObject &message, Callback done, bool retried = false)
    {
        Http::Headers headers = mcpHeaders(true);
        QJsonObject framed = message;
        frame(framed, headers);
        if (dpopBound) {
            auto proof =
                dpop->proof("POST", serverUrl, accessToken, QDateTime::currentSecsSinceEpoch());
            if (!proof)
                return failStep(QStringLiteral("cannot make a DPoP proof: ") +
                                proof.error().message);
            headers.set("DPoP", *proof);
        }
        sendJson("POST", serverUrl, framed, headers,
                 [this, message, retried,
                  done = std::move(done)](const Http::ClientResponse &response) mutable {
                     if (!dpopBound)
                         return done(response);
                     const QString nonce =
                         QString::fromLatin1(response.headers.value("DPoP-Nonce"));
                     dpop->setNonce(serverUrl, nonce);
                     if (response.status == 401 && !retried && !nonce.isEmpty() &&
                         challengeError(response, QLatin1String("DPoP")) ==
                             QLatin1String("use_dpop_nonce")) {
                         check(QStringLiteral("dpop.rs_nonce"), Level::Must, Verdict::Pass,
                               QStringLiteral("RFC 9449 §9: the MCP server asked for a nonce "
                                              "(use_dpop_nonce with DPoP-Nonce); the request is "
                                              "repeated once with it"));
                         return sendMcp(message, std::move(done), true);
                     }
                     if (response.status == 200 && !dpopResourceChecked) {
                         dpopResourceChecked = true;
                         check(QStringLiteral("dpop.resource"), Level::Must, Verdict::Pass,
                               QStringLiteral("RFC 9449 §7.1: the MCP server accepted the token "
                                              "as \"Authorization: DPoP\" with a proof bound "
                                              "to it by ath"));
                     }
                     done(response);
                 });
    }

    /// Status handling common to every MCP request; false when the step ended.
    bool mcpAccepted(const Http::ClientResponse &response, const QString &what)
    {
        if (response.status == 403) {
            auto challenges = parseWwwAuthenticate(response.headers.values("WWW-Authenticate"));
            QString error;
            QString scope;
            if (challenges)
                for (const AuthChallenge &c : std::as_const(*challenges))
                    if (c.isBearer() ||
                        c.scheme.compare(QLatin1String("dpop"), Qt::CaseInsensitive) == 0) {
                        error = c.param(QStringLiteral("error"));
                        scope = c.param(QStringLiteral("scope"));
                    }
            if (error == QLatin1String("insufficient_scope")) {
                check(QStringLiteral("mcp.insufficient_scope"), Level::Must, Verdict::Pass,
                      QStringLiteral("MCP authorization §Step-Up Authorization: %1 answered 403 "
                                     "insufficient_scope asking for \"%2\"")
                          .arg(what, scope));
                const QStringList granted = splitScope(q->m_run.tokens.scope);
                stepUpScope = unite(unite(requestedScope, granted), splitScope(scope));
                // maxStepUpAttempts counts every authorization, the first one included.
                if (stepUps + 1 >= q->m_options.maxStepUpAttempts) {
                    check(QStringLiteral("mcp.step_up_limit"), Level::Must, Verdict::Fail,
                          QStringLiteral("MCP authorization §Step-Up Authorization: still "
                                         "insufficient_scope after %1 authorizations; clients "
                                         "limit retries")
                              .arg(stepUps + 1));
                    endStep(QStringLiteral("step-up limit reached"), std::nullopt);
                    return false;
                }
                ++stepUps;
                endStep(QStringLiteral("step-up needed for scope \"%1\"")
                            .arg(stepUpScope.join(QLatin1Char(' '))),
                        firstGrantStep());
                return false;
            }
        }
        if (response.status == 401 && tokenWorked && !rediscovered) {
            // The server took this token before and refuses it now: its authorization
            // server may have changed (SEP-2352). Discovery runs again, once.
            rediscovered = true;
            tokenWorked = false;
            check(QStringLiteral("mcp.token_refused_later"), Level::May, Verdict::Pass,
                  QStringLiteral("MCP authorization §Authorization Server Migration: %1 refused "
                                 "a token the server accepted before (401); discovery is "
                                 "repeated")
                      .arg(what));
            const auto challenges =
                parseWwwAuthenticate(response.headers.values("WWW-Authenticate"));
            if (challenges)
                for (const AuthChallenge &c : std::as_const(*challenges)) {
                    const QUrl url(c.param(QStringLiteral("resource_metadata")), QUrl::StrictMode);
                    if (url.isValid() && !url.isRelative())
                        challengeMetadataUrl = url;
                    if (!c.param(QStringLiteral("scope")).isEmpty())
                        challengeScope = c.param(QStringLiteral("scope"));
                }
            endStep(QStringLiteral("the token is refused now; discovering again"),
                    StepKind::ResourceMetadata);
            return false;
        }
        if (response.status == 401) {
            check(QStringLiteral("mcp.token_accepted"), Level::Must, Verdict::Fail,
                  QStringLiteral("RFC 6750 §3.1: the server refused the fresh access token for %1 "
                                 "(401): the token's audience or scope may not match")
                      .arg(what));
            endStep(QStringLiteral("the access token was refused"), std::nullopt);
            return false;
        }
        const bool notification = what.startsWith(QLatin1String("notifications/"));
        const bool ok = notification ? (response.status == 202 || response.status == 200)
                                     : response.status == 200;
        tokenWorked = tokenWorked || ok;
        if (!expect(
                ok,
                QStringLiteral("mcp.") + QString(what).replace(QLatin1Char('/'), QLatin1Char('_')),
                Level::Must,
                QStringLiteral("MCP Streamable HTTP: %1 answered HTTP %2%3")
                    .arg(what)
                    .arg(response.status)
                    .arg(notification ? QStringLiteral(" (202 Accepted expected)") : QString()))) {
            endStep(QStringLiteral("%1 failed with HTTP %2").arg(what).arg(response.status),
                    std::nullopt);
            return false;
        }
        return true;
    }

    void listTools()
    {
        const QJsonObject message{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                                  {QStringLiteral("id"), rpcId++},
                                  {QStringLiteral("method"), QStringLiteral("tools/list")}};
        sendMcp(message, [this](const Http::ClientResponse &response) {
            if (!mcpAccepted(response, QStringLiteral("tools/list")))
                return;
            const auto reply = rpcMessage(response);
            const QJsonArray tools = reply ? reply->value(QStringLiteral("result"))
                                                 .toObject()
                                                 .value(QStringLiteral("tools"))
                                                 .toArray()
                                           : QJsonArray();
            QStringList names;
            for (const QJsonValue &tool : tools)
                names.append(tool.toObject().value(QStringLiteral("name")).toString());
            check(
                QStringLiteral("mcp.tools_list"), Level::Must, Verdict::Pass,
                QStringLiteral("MCP tools: tools/list answered with %1 tool(s)").arg(names.size()));
            const QString &wanted = q->m_options.toolName;
            const QString tool = wanted == QLatin1String("*") ? names.value(0) : wanted;
            if (tool.isEmpty() || !names.contains(tool))
                return endMcp(names);
            callTool(tool, names);
        });
    }

    void callTool(const QString &tool, const QStringList &names)
    {
        const QJsonObject arguments =
            tool == QLatin1String("echo")
                ? QJsonObject{{QStringLiteral("text"),
                               QStringLiteral("hello from the flow walker")}}
                : QJsonObject{};
        const QJsonObject message{
            {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
            {QStringLiteral("id"), rpcId++},
            {QStringLiteral("method"), QStringLiteral("tools/call")},
            {QStringLiteral("params"), QJsonObject{{QStringLiteral("name"), tool},
                                                   {QStringLiteral("arguments"), arguments}}}};
        sendMcp(message, [this, tool, names](const Http::ClientResponse &response) {
            if (!mcpAccepted(response, QStringLiteral("tools/call")))
                return;
            const auto reply = rpcMessage(response);
            const bool ok = reply && reply->contains(QStringLiteral("result")) &&
                            !reply->value(QStringLiteral("result"))
                                 .toObject()
                                 .value(QStringLiteral("isError"))
                                 .toBool();
            expect(ok, QStringLiteral("mcp.tools_call"), Level::Should,
                   QStringLiteral("MCP tools: tools/call %1 %2")
                       .arg(tool, ok ? QStringLiteral("succeeded")
                                     : QStringLiteral("returned an error")));
            endMcp(names);
        });
    }

    void endMcp(const QStringList &names)
    {
        stepUpScope.clear();
        std::optional<StepKind> next;
        if (q->m_options.refresh && !refreshToken.isEmpty())
            next = StepKind::Refresh;
        else if (q->m_options.revoke && as.contains(QStringLiteral("revocation_endpoint")))
            next = StepKind::Revocation;
        endStep(QStringLiteral("MCP session %1 with %2 tool(s)")
                    .arg(negotiatedVersion)
                    .arg(names.size()),
                next);
    }

    void runRefresh()
    {
        Http::FormData form{{QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
                            {QStringLiteral("refresh_token"), refreshToken}};
        requestToken(form, QStringLiteral("refresh"), [this] {
            const bool revoke =
                q->m_options.revoke && as.contains(QStringLiteral("revocation_endpoint"));
            endStep(QStringLiteral("new access token ") + masked(accessToken),
                    revoke ? std::optional(StepKind::Revocation) : std::nullopt);
        });
    }

    // --- device authorization grant (RFC 8628) ---------------------------------------------

    void runDeviceAuthorization()
    {
        const QString endpoint =
            as.value(QStringLiteral("device_authorization_endpoint")).toString();
        if (!expect(!endpoint.isEmpty(), QStringLiteral("as.device_authorization_endpoint"),
                    Level::Must,
                    QStringLiteral("RFC 8628 §4: the AS metadata names "
                                   "device_authorization_endpoint for the device grant")))
            return endStep(QStringLiteral("the AS offers no device authorization"), std::nullopt);
        QString source;
        std::tie(requestedScope, source) = chooseScope();
        Http::FormData form{{QStringLiteral("resource"), resourceUri}};
        if (!requestedScope.isEmpty())
            form.append(QStringLiteral("scope"), requestedScope.join(QLatin1Char(' ')));
        const Http::Headers headers = clientAuthentication(form);
        postForm(
            QUrl(endpoint), form,
            [this, source](const Http::ClientResponse &response) {
                const auto body = jsonObject(response.body);
                if (refusesClient(response) && registerAnew(oauthError(response)))
                    return;
                if (response.status != 200 || !body) {
                    check(QStringLiteral("device.authorization"), Level::Must, Verdict::Fail,
                          QStringLiteral("RFC 8628 §3.2: the device authorization request "
                                         "failed: ") +
                              oauthError(response));
                    return endStep(QStringLiteral("no device code"), std::nullopt);
                }
                deviceCode = body->value(QStringLiteral("device_code")).toString();
                userCode = body->value(QStringLiteral("user_code")).toString();
                verificationUri = QUrl(body->value(QStringLiteral("verification_uri")).toString());
                verificationUriComplete =
                    QUrl(body->value(QStringLiteral("verification_uri_complete")).toString());
                const qint64 expiresIn = body->value(QStringLiteral("expires_in")).toInteger();
                const bool complete = !deviceCode.isEmpty() && !userCode.isEmpty() &&
                                      verificationUri.isValid() && !verificationUri.isEmpty() &&
                                      expiresIn > 0;
                if (!expect(complete, QStringLiteral("device.response"), Level::Must,
                            QStringLiteral("RFC 8628 §3.2: the response carries device_code, "
                                           "user_code, verification_uri and expires_in")))
                    return endStep(QStringLiteral("incomplete device authorization response"),
                                   std::nullopt);
                // RFC 8628 section 3.2: without an interval the client waits 5 seconds.
                pollInterval = body->contains(QStringLiteral("interval"))
                                   ? body->value(QStringLiteral("interval")).toInteger()
                                   : 5;
                check(QStringLiteral("device.interval"), Level::May,
                      body->contains(QStringLiteral("interval")) ? Verdict::Pass : Verdict::Skip,
                      QStringLiteral("RFC 8628 §3.2: polling every %1 s").arg(pollInterval));
                if (pollInterval < 1)
                    pollInterval = 5;
                deviceDeadline.start();
                deviceLifetime = q->m_options.deviceSecond * expiresIn;
                endStep(QStringLiteral("user code %1 at %2 (scope from %3)")
                            .arg(userCode, verificationUri.toString(), source),
                        StepKind::DeviceToken);
            },
            headers);
    }

    void runDeviceToken()
    {
        const Options &o = q->m_options;
        const QUrl open =
            verificationUriComplete.isEmpty() ? verificationUri : verificationUriComplete;
        check(QStringLiteral("device.verification_uri_complete"), Level::May,
              verificationUriComplete.isEmpty() ? Verdict::Skip : Verdict::Pass,
              QStringLiteral("RFC 8628 §3.3.1: verification_uri_complete lets the user skip "
                             "typing the code"));
        switch (o.browser) {
        case BrowserMode::Headless:
            deviceBrowsing = true;
            browserHops = 0;
            loginSubmitted = false;
            if (verificationUriComplete.isEmpty())
                return failStep(QStringLiteral("headless mode needs verification_uri_complete"));
            browse(verificationUriComplete, "GET", {});
            break;
        case BrowserMode::Manual:
        case BrowserMode::System:
            emit q->needsUser({UserAction::Kind::OpenBrowser, open,
                               QStringLiteral("Open %1 and enter the code %2, then approve; the "
                                              "walk continues by itself.")
                                   .arg(verificationUri.toString(), userCode)});
            break;
        }
        schedulePoll();
    }

    void schedulePoll()
    {
        const int step = int(q->m_run.steps.size());
        // Precise: a coarse timer may fire early, and polling early earns slow_down.
        QTimer::singleShot(
            q->m_options.deviceSecond * pollInterval, Qt::PreciseTimer, q, [this, step] {
                if (ended || int(q->m_run.steps.size()) != step)
                    return;
                if (std::chrono::milliseconds(deviceDeadline.elapsed()) >= deviceLifetime) {
                    check(QStringLiteral("device.expiry"), Level::Must, Verdict::Pass,
                          QStringLiteral("RFC 8628 §3.5: the device code expired; polling stops"));
                    return failStep(QStringLiteral("the device code expired before the user "
                                                   "approved"));
                }
                poll();
            });
    }

    void poll()
    {
        Http::FormData form{{QStringLiteral("grant_type"), kDeviceGrant},
                            {QStringLiteral("device_code"), deviceCode}};
        form.append(QStringLiteral("resource"), resourceUri);
        postToken(form, [this](const Http::ClientResponse &response) {
            const auto body = jsonObject(response.body);
            const QString error =
                body ? body->value(QStringLiteral("error")).toString() : QString();
            if (response.status == 400 && error == QLatin1String("authorization_pending"))
                return schedulePoll();
            if (response.status == 400 && error == QLatin1String("slow_down")) {
                pollInterval += 5;
                check(QStringLiteral("device.slow_down"), Level::Must, Verdict::Pass,
                      QStringLiteral("RFC 8628 §3.5: slow_down adds 5 s: polling every %1 s "
                                     "now")
                          .arg(pollInterval));
                return schedulePoll();
            }
            if (error == QLatin1String("access_denied") ||
                error == QLatin1String("expired_token")) {
                check(QStringLiteral("device.granted"), Level::Must, Verdict::Fail,
                      QStringLiteral("RFC 8628 §3.5: the authorization server answered %1; "
                                     "polling stops")
                          .arg(oauthError(response)));
                return endStep(error == QLatin1String("access_denied")
                                   ? QStringLiteral("the user denied the device (%1)").arg(error)
                                   : QStringLiteral("the device code expired (%1)").arg(error),
                               std::nullopt);
            }
            if (!tokenResponse(response, false))
                return;
            check(QStringLiteral("token.resource"), Level::Must, Verdict::Pass,
                  QStringLiteral("RFC 8707 §2.2 / MCP authorization: resource sent in the "
                                 "token request"));
            deviceCode.clear();
            endStep(QStringLiteral("access token ") + masked(accessToken), StepKind::McpCall);
        });
    }

    void runRevocation()
    {
        introspect(true, [this] {
            revoke(QStringLiteral("access_token"), accessToken, [this] {
                if (refreshToken.isEmpty())
                    return verifyRevoked();
                revoke(QStringLiteral("refresh_token"), refreshToken, [this] { verifyRevoked(); });
            });
        });
    }

    /// RFC 7662 introspection of the access token, when the AS has an endpoint and the
    /// client has credentials to call it with (a public client has none): active before
    /// revocation, inactive after. An AS whose policy refuses this client is noted, not failed.
    void introspect(bool beforeRevocation, std::function<void()> then)
    {
        const QString endpoint = as.value(QStringLiteral("introspection_endpoint")).toString();
        if (endpoint.isEmpty() || (clientSecret.isEmpty() && privateKey.isNull()))
            return then();
        Http::FormData form{{QStringLiteral("token"), accessToken},
                            {QStringLiteral("token_type_hint"), QStringLiteral("access_token")}};
        const Http::Headers headers = clientAuthentication(form);
        postForm(
            QUrl(endpoint), form,
            [this, beforeRevocation, then = std::move(then)](const Http::ClientResponse &response) {
                const auto body = jsonObject(response.body);
                if (response.status != 200 || !body) {
                    check(QStringLiteral("introspection.allowed"), Level::May, Verdict::Skip,
                          QStringLiteral("RFC 7662 §2.1: the AS did not let this client "
                                         "introspect (%1); who may is the AS's policy")
                              .arg(oauthError(response)));
                    return then();
                }
                const bool active = body->value(QStringLiteral("active")).toBool();
                if (!beforeRevocation) {
                    expect(!active, QStringLiteral("introspection.revoked"), Level::Must,
                           QStringLiteral("RFC 7009 §2 / RFC 7662 §2.2: a revoked access token "
                                          "introspects as inactive (got active: %1)")
                               .arg(active ? QStringLiteral("true") : QStringLiteral("false")));
                    return then();
                }
                expect(active, QStringLiteral("introspection.active"), Level::Must,
                       QStringLiteral("RFC 7662 §2.2: the access token just issued introspects "
                                      "as active"));
                if (active) {
                    const QJsonValue aud = body->value(QStringLiteral("aud"));
                    const QStringList audiences =
                        aud.isArray() ? stringList(aud) : QStringList{aud.toString()};
                    expect(audiences.contains(resourceUri), QStringLiteral("introspection.aud"),
                           Level::Should,
                           QStringLiteral("RFC 8707 §2 / RFC 7662 §2.2: the token's audience "
                                          "names the MCP server %1 (got %2)")
                               .arg(resourceUri, audiences.join(QStringLiteral(", "))));
                    if (dpopBound) {
                        const QString jkt = body->value(QStringLiteral("cnf"))
                                                .toObject()
                                                .value(QStringLiteral("jkt"))
                                                .toString();
                        expect(jkt == dpop->thumbprint(), QStringLiteral("introspection.cnf_jkt"),
                               Level::Must,
                               QStringLiteral("RFC 9449 §6.2: the introspection of a DPoP-bound "
                                              "token carries cnf.jkt, the thumbprint of this "
                                              "run's key (got \"%1\")")
                                   .arg(jkt));
                    }
                }
                then();
            },
            headers);
    }

    void revoke(const QString &hint, const QString &token, std::function<void()> then)
    {
        Http::FormData form{{QStringLiteral("token"), token},
                            {QStringLiteral("token_type_hint"), hint}};
        const Http::Headers headers = clientAuthentication(form);
        postForm(
            QUrl(as.value(QStringLiteral("revocation_endpoint")).toString()), form,
            [this, hint, then = std::move(then)](const Http::ClientResponse &response) {
                const auto body = jsonObject(response.body);
                if (response.status == 400 && body &&
                    body->value(QStringLiteral("error")).toString() ==
                        QLatin1String("unsupported_token_type")) {
                    // RFC 7009 §2.2.1 lets an AS refuse to revoke a token type (typically
                    // self-contained JWT access tokens): the token stays valid until it expires.
                    check(QStringLiteral("revocation.") + hint, Level::May, Verdict::Warn,
                          QStringLiteral("RFC 7009 §2.2.1: the authorization server does not "
                                         "revoke %1s (unsupported_token_type); it stays valid "
                                         "until it expires")
                              .arg(hint));
                    if (hint == QLatin1String("access_token"))
                        accessTokenNotRevoked = true;
                    return then();
                }
                if (!expect(response.status == 200, QStringLiteral("revocation.") + hint,
                            Level::Must,
                            QStringLiteral("RFC 7009 §2.2: revoking the %1 answers 200 (got "
                                           "%2)")
                                .arg(hint, response.status == 200 ? QStringLiteral("200")
                                                                  : oauthError(response))))
                    return endStep(QStringLiteral("revocation failed"), std::nullopt);
                then();
            },
            headers);
    }

    void verifyRevoked()
    {
        q->m_run.tokens.revoked = true;
        mcpSession.clear();
        negotiatedVersion.clear();
        sendMcp(openingMessage(), [this](const Http::ClientResponse &response) {
            if (accessTokenNotRevoked) {
                check(QStringLiteral("revocation.effective"), Level::Should, Verdict::Skip,
                      QStringLiteral("the authorization server kept the access token (RFC 7009 "
                                     "§2.2.1), so the MCP server may still accept it (HTTP %1)")
                          .arg(response.status));
                return endStep(QStringLiteral("refresh token revoked; the access token is not "
                                              "revocable at this server"),
                               std::nullopt);
            }
            expect(response.status == 401, QStringLiteral("revocation.effective"), Level::Should,
                   QStringLiteral("RFC 7009 §2 / RFC 7662: after revocation the MCP "
                                  "server should refuse the token (got HTTP %1; a "
                                  "server caching introspection may accept it until "
                                  "the cache expires)")
                       .arg(response.status));
            introspect(false, [this] { endStep(QStringLiteral("tokens revoked"), std::nullopt); });
        });
    }
};

Walker::Walker(Options options, QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(this))
    , m_options(std::move(options))
{
    qRegisterMetaType<Flow::Step>();
    qRegisterMetaType<Flow::Check>();
    qRegisterMetaType<Flow::Run>();
    qRegisterMetaType<Flow::UserAction>();
    d->client->setPolicy(m_options.ssrfPolicy);
    if (!m_options.trustedCertificates.isEmpty())
        d->client->addTrustedCaCertificates(m_options.trustedCertificates);
    d->client->setExchangeLog(d->log);
    m_run.options = m_options.toJson();
    connect(d->log, &Http::ExchangeLog::exchangeCaptured, this,
            [this](const Http::Exchange &exchange) {
                if (m_run.steps.isEmpty() || !m_stepRunning)
                    return;
                m_run.steps.last().exchanges.append(exchange);
                emit exchangeRecorded(m_run.steps.last().index, exchange);
            });
    connect(d->receiver, &LoopbackReceiver::redirectReceived, this,
            [this](const QUrl &url) { d->handleRedirect(url); });
    connect(d->receiver, &LoopbackReceiver::timedOut, this, [this] {
        if (d->awaitingRedirect)
            d->failStep(QStringLiteral("no redirect arrived at %1 within %2 s")
                            .arg(d->redirectUri.toString())
                            .arg(m_options.browserTimeout.count() / 1000));
    });
}

Walker::~Walker()
{
    d->ended = true;
    if (d->reply)
        d->reply->abort();
}

bool Walker::isFinished() const
{
    return d->ended;
}

void Walker::start()
{
    if (d->started)
        return;
    d->started = true;
    m_run.outcome = Outcome::Running;
    m_run.startedAt = QDateTime::currentDateTimeUtc();
    d->begin(StepKind::Probe);
}

void Walker::next()
{
    if (!d->started)
        return start();
    d->advance();
}

void Walker::runToEnd()
{
    d->autoRun = true;
    if (!d->started)
        return start();
    d->advance();
}

void Walker::cancel()
{
    if (d->ended)
        return;
    if (m_stepRunning && !m_run.steps.isEmpty()) {
        Step &s = m_run.steps.last();
        s.status = StepStatus::Failed;
        s.summary = QStringLiteral("cancelled");
        s.finishedAt = QDateTime::currentDateTimeUtc();
        m_stepRunning = false;
        emit stepFinished(s);
    }
    d->finishRun(Outcome::Cancelled, QStringLiteral("cancelled"));
}

void Walker::provideRedirectUrl(const QUrl &url)
{
    d->handleRedirect(url);
}

} // namespace Flow
