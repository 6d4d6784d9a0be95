#include "resource/mcpserver.h"

#include <cmath>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

#include "crypto/mask.h"
#include "crypto/random.h"
#include "friction/registry.h"
#include "http/body.h"
#include "http/message.h"
#include "http/router.h"
#include "resource/taskrepository.h"
#include "store/auditrepository.h"
#include "store/errors.h"

namespace Resource {

namespace JsonRpc {
constexpr int ParseError = -32700;
constexpr int InvalidRequest = -32600;
constexpr int MethodNotFound = -32601;
constexpr int InvalidParams = -32602;
constexpr int InternalError = -32603;
constexpr int SessionNotFound = -32001;
constexpr int HeaderMismatch = -32020;             // MCP 2026-07-28 (SEP-2243, SEP-2575)
constexpr int UnsupportedProtocolVersion = -32022; // MCP 2026-07-28 (SEP-2575)
} // namespace JsonRpc

namespace {

using Http::originOf;

const QByteArray kSessionHeader = QByteArrayLiteral("Mcp-Session-Id");
const QByteArray kVersionHeader = QByteArrayLiteral("MCP-Protocol-Version");
const QByteArray kMethodHeader = QByteArrayLiteral("Mcp-Method");
const QByteArray kNameHeader = QByteArrayLiteral("Mcp-Name");
/// The stateless revision: no initialize, no sessions, everything in each request.
const QString kStatelessVersion = QStringLiteral("2026-07-28");
const QString kMetaVersion = QStringLiteral("io.modelcontextprotocol/protocolVersion");
const QString kMetaCapabilities = QStringLiteral("io.modelcontextprotocol/clientCapabilities");
const QString kMetaServerInfo = QStringLiteral("io.modelcontextprotocol/serverInfo");
/// Our own result _meta key: what friction control decided about a tools/call.
const QString kMetaFriction = QStringLiteral("studio.mcpauth/friction");

Http::Response rpcResponse(int status, const QJsonObject &body, const QByteArray &sessionId = {})
{
    Http::Response response = Http::Response::json(status, QJsonDocument(body));
    if (!sessionId.isEmpty())
        response.headers.set(kSessionHeader, sessionId);
    return response;
}

Http::Response rpcError(int httpStatus, const QJsonValue &id, int code, const QString &message,
                        const QJsonObject &data = {})
{
    QJsonObject error{{QStringLiteral("code"), code}, {QStringLiteral("message"), message}};
    if (!data.isEmpty())
        error.insert(QStringLiteral("data"), data);
    return rpcResponse(httpStatus, {{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                                    {QStringLiteral("id"), id},
                                    {QStringLiteral("error"), error}});
}

Http::Response unsupportedVersion(const QJsonValue &id, const QString &requested)
{
    return rpcError(
        400, id, JsonRpc::UnsupportedProtocolVersion,
        QStringLiteral("unsupported protocol version \"%1\"; supported: %2")
            .arg(requested, supportedProtocolVersions().join(QStringLiteral(", "))),
        {{QStringLiteral("supported"), QJsonArray::fromStringList(supportedProtocolVersions())},
         {QStringLiteral("requested"), requested}});
}

/// An HTTP field value without the optional whitespace around it (RFC 9110 section 5.5).
QString fieldValue(const Http::Request &request, const QByteArray &name)
{
    return QString::fromLatin1(request.headers.value(name).trimmed());
}

Http::Response rpcResult(const QJsonValue &id, const QJsonObject &result,
                         const QByteArray &sessionId = {})
{
    return rpcResponse(200,
                       {{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                        {QStringLiteral("id"), id},
                        {QStringLiteral("result"), result}},
                       sessionId);
}

Http::Response accepted()
{
    Http::Response response;
    response.status = 202;
    return response;
}

bool validId(const QJsonValue &id)
{
    if (id.isString())
        return true;
    return id.isDouble() && id.toDouble() == double(qint64(id.toDouble()));
}

QJsonObject toolResult(const QJsonObject &structured)
{
    return {{QStringLiteral("content"),
             QJsonArray{QJsonObject{
                 {QStringLiteral("type"), QStringLiteral("text")},
                 {QStringLiteral("text"),
                  QString::fromUtf8(QJsonDocument(structured).toJson(QJsonDocument::Compact))}}}},
            {QStringLiteral("structuredContent"), structured},
            {QStringLiteral("isError"), false}};
}

QJsonObject toolError(const QString &message)
{
    return {{QStringLiteral("content"),
             QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                    {QStringLiteral("text"), message}}}},
            {QStringLiteral("isError"), true}};
}

QJsonObject schema(const QJsonObject &properties, const QStringList &required)
{
    QJsonObject all = properties;
    all.insert(QStringLiteral("justification"),
               QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                           {QStringLiteral("description"),
                            QStringLiteral("why this call is needed (required when the tool's "
                                           "friction is high)")}});
    return {{QStringLiteral("type"), QStringLiteral("object")},
            {QStringLiteral("properties"), all},
            {QStringLiteral("required"), QJsonArray::fromStringList(required)}};
}

QJsonObject typed(const char *type, const char *description)
{
    return {{QStringLiteral("type"), QLatin1String(type)},
            {QStringLiteral("description"), QLatin1String(description)}};
}

struct ToolSpec
{
    const char *name;
    const char *description;
    QJsonObject inputSchema;
};

const QList<ToolSpec> &toolSpecs()
{
    static const QList<ToolSpec> specs = {
        {"list_tasks", "List your tasks.", schema({}, {})},
        {"get_task", "Get one of your tasks by id.",
         schema({{QStringLiteral("id"), typed("integer", "task id")}}, {QStringLiteral("id")})},
        {"create_task", "Create a task.",
         schema({{QStringLiteral("title"), typed("string", "what to do")}},
                {QStringLiteral("title")})},
        {"update_task", "Change a task's title or done flag.",
         schema({{QStringLiteral("id"), typed("integer", "task id")},
                 {QStringLiteral("title"), typed("string", "new title")},
                 {QStringLiteral("done"), typed("boolean", "whether it is done")}},
                {QStringLiteral("id")})},
        {"delete_task", "Delete a task.",
         schema({{QStringLiteral("id"), typed("integer", "task id")}}, {QStringLiteral("id")})},
        {"echo", "Return the text given.",
         schema({{QStringLiteral("text"), typed("string", "text to echo")}},
                {QStringLiteral("text")})},
    };
    return specs;
}

QJsonArray toolList()
{
    QJsonArray tools;
    for (const ToolSpec &spec : toolSpecs())
        tools.append(QJsonObject{{QStringLiteral("name"), QLatin1String(spec.name)},
                                 {QStringLiteral("description"), QLatin1String(spec.description)},
                                 {QStringLiteral("inputSchema"), spec.inputSchema}});
    return tools;
}

QJsonObject capabilities()
{
    return {{QStringLiteral("tools"), QJsonObject{{QStringLiteral("listChanged"), false}}}};
}

QJsonObject serverInfo()
{
    return {{QStringLiteral("name"), QStringLiteral("mcpauth-studio-demo")},
            {QStringLiteral("version"), QStringLiteral(MCPAUTH_VERSION)}};
}

/// The result _meta entry that tells a client (and `mcpauth traffic`) what friction
/// control decided, so refusals can be told apart from tool failures.
QJsonObject frictionOutcome(const Friction::Decision &decision)
{
    const Friction::CheckResult &check = decision.check;
    QJsonObject outcome{{QStringLiteral("outcome"), Friction::outcomeName(decision.outcome)},
                        {QStringLiteral("friction"), check.friction},
                        {QStringLiteral("band"), Friction::bandName(check.band)},
                        {QStringLiteral("cost"), check.cost}};
    if (decision.outcome == Friction::Outcome::Blocked &&
        std::isfinite(check.secondsUntilUnblocked))
        outcome.insert(QStringLiteral("retry_after_seconds"),
                       std::ceil(check.secondsUntilUnblocked));
    return outcome;
}

QJsonObject withFriction(QJsonObject result, const QJsonObject &friction)
{
    if (!friction.isEmpty())
        result.insert(QStringLiteral("_meta"), QJsonObject{{kMetaFriction, friction}});
    return result;
}

bool isTool(const QString &name)
{
    for (const ToolSpec &spec : toolSpecs())
        if (name == QLatin1String(spec.name))
            return true;
    return false;
}

Core::Error argumentError(const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_arguments"), message);
}

Core::Result<qint64> idArgument(const QJsonObject &arguments)
{
    const QJsonValue id = arguments.value(QStringLiteral("id"));
    if (!validId(id) || id.isString() || id.toDouble() < 1)
        return argumentError(QStringLiteral("\"id\" must be a positive integer"));
    return qint64(id.toDouble());
}

Core::Result<QString> titleArgument(const QJsonObject &arguments, bool required)
{
    const QJsonValue title = arguments.value(QStringLiteral("title"));
    if (title.isUndefined() && !required)
        return QString();
    if (!title.isString() || title.toString().trimmed().isEmpty() || title.toString().size() > 500)
        return argumentError(QStringLiteral("\"title\" must be a string of 1 to 500 characters"));
    return title.toString();
}

QString ownerOf(const Principal &principal)
{
    return principal.subject.isEmpty() ? principal.clientId : principal.subject;
}

QStringList missingScopes(const Principal &principal, const QStringList &needed)
{
    QStringList missing;
    for (const QString &scope : needed)
        if (!principal.scopes.contains(scope))
            missing.append(scope);
    return missing;
}

} // namespace

QStringList supportedProtocolVersions()
{
    return {QStringLiteral("2026-07-28"), QStringLiteral("2025-11-25"),
            QStringLiteral("2025-06-18")};
}

QStringList legacyProtocolVersions()
{
    return {QStringLiteral("2025-11-25"), QStringLiteral("2025-06-18")};
}

struct McpServer::Call
{
    QJsonValue id; ///< the request's id, or null
    bool hasId = false;
    QString method;
    QJsonObject params;
};

Http::Response McpServer::reply(const QJsonValue &id, const ToolReply &reply)
{
    if (const auto *result = std::get_if<QJsonObject>(&reply))
        return rpcResult(id, *result);
    return std::get<Http::Response>(reply);
}

struct McpServer::Session
{
    QString clientId;
    QString issuer;
    QString subject;
    QString protocolVersion;
    qint64 lastUsed = 0;
};

McpServer::McpServer(Options options, std::shared_ptr<BearerVerifier> verifier,
                     std::shared_ptr<Store::Database> db,
                     std::shared_ptr<Friction::Registry> friction)
    : m_options(std::move(options))
    , m_verifier(std::move(verifier))
    , m_db(std::move(db))
    , m_friction(std::move(friction))
    , m_challenge(metadataUrl(), m_options.config.baseScopes.isEmpty()
                                     ? m_options.config.scopesSupported()
                                     : m_options.config.baseScopes)
{}

McpServer::~McpServer() = default;

qint64 McpServer::now() const
{
    return m_options.clock ? m_options.clock() : QDateTime::currentMSecsSinceEpoch();
}

QString McpServer::metadataUrl() const
{
    const QUrl resource(m_options.resourceUri);
    return originOf(resource) + QStringLiteral("/.well-known/oauth-protected-resource") +
           resource.path(QUrl::FullyEncoded);
}

QJsonObject McpServer::metadata() const
{
    return {
        {QStringLiteral("resource"), m_options.resourceUri},
        {QStringLiteral("authorization_servers"),
         QJsonArray::fromStringList(m_options.authorizationServers)},
        {QStringLiteral("scopes_supported"),
         QJsonArray::fromStringList(m_options.config.scopesSupported())},
        {QStringLiteral("bearer_methods_supported"), QJsonArray{QStringLiteral("header")}},
        {QStringLiteral("resource_name"), QStringLiteral("MCP Auth Studio demo MCP server")},
    };
}

qsizetype McpServer::sessionCount() const
{
    std::lock_guard lock(m_sessionMutex);
    return m_sessions.size();
}

void McpServer::install(Http::Router &router)
{
    const auto prm = [this](const Http::Request &) {
        Http::Response response = Http::Response::json(200, QJsonDocument(metadata()));
        response.headers.set(QByteArrayLiteral("Access-Control-Allow-Origin"),
                             QByteArrayLiteral("*"));
        response.headers.set(QByteArrayLiteral("Cache-Control"),
                             QByteArrayLiteral("public, max-age=300"));
        return response;
    };
    const QByteArray path = QUrl(m_options.resourceUri).path(QUrl::FullyEncoded).toUtf8();
    router.handle(QByteArrayLiteral("GET"),
                  QByteArrayLiteral("/.well-known/oauth-protected-resource"), prm);
    if (!path.isEmpty() && path != "/")
        router.handle(QByteArrayLiteral("GET"),
                      QByteArrayLiteral("/.well-known/oauth-protected-resource") + path, prm);
    router.handle(QByteArrayLiteral("POST"), path,
                  [this](const Http::Request &request) { return handlePost(request); });
    router.handle(QByteArrayLiteral("GET"), path,
                  [this](const Http::Request &request) { return handleGet(request); });
    router.handle(QByteArrayLiteral("DELETE"), path,
                  [this](const Http::Request &request) { return handleDelete(request); });
}

std::variant<Principal, Http::Response> McpServer::authenticate(const Http::Request &request)
{
    // DNS rebinding (MCP transport spec): a browser page of another origin must not reach us.
    const QByteArray origin = request.headers.value("Origin");
    if (!origin.isEmpty()) {
        const QUrl url(QString::fromLatin1(origin));
        const bool loopback =
            url.host() == QLatin1String("localhost") || url.host() == QLatin1String("127.0.0.1") ||
            url.host() == QLatin1String("[::1]") || url.host() == QLatin1String("::1");
        if (!loopback && originOf(url) != originOf(QUrl(m_options.resourceUri)))
            return Http::Response::error(403, "forbidden",
                                         QStringLiteral("requests from origin ") +
                                             QString::fromLatin1(origin) +
                                             QStringLiteral(" are not accepted"));
    }
    auto extracted = m_challenge.extractToken(request);
    if (auto *refusal = std::get_if<Http::Response>(&extracted))
        return *refusal;
    const auto &token = std::get<std::optional<QByteArray>>(extracted);
    if (!token)
        return m_challenge.unauthorized(false);
    auto principal = m_verifier->verify(*token);
    if (!principal) {
        if (principal.error().code == VerifyError::Unavailable)
            return m_challenge.unavailable(principal.error().message);
        return m_challenge.unauthorized(true, principal.error().message);
    }
    if (const QStringList missing = missingScopes(*principal, m_options.config.baseScopes);
        !missing.isEmpty())
        return m_challenge.insufficientScope(
            m_options.config.baseScopes, QStringLiteral("this server needs the scopes ") +
                                             m_options.config.baseScopes.join(QLatin1Char(' ')));
    return *principal;
}

Http::Response McpServer::handleGet(const Http::Request &request)
{
    auto principal = authenticate(request);
    if (auto *refusal = std::get_if<Http::Response>(&principal))
        return *refusal;
    // No server-initiated stream is offered (MCP Streamable HTTP: 405 then).
    Http::Response response = Http::Response::error(
        405, "method_not_allowed",
        QStringLiteral("this server offers no server-initiated event stream; use POST"));
    response.headers.set(QByteArrayLiteral("Allow"), QByteArrayLiteral("POST, DELETE"));
    return response;
}

Http::Response McpServer::handleDelete(const Http::Request &request)
{
    auto principal = authenticate(request);
    if (auto *refusal = std::get_if<Http::Response>(&principal))
        return *refusal;
    const QString id = QString::fromLatin1(request.headers.value(kSessionHeader));
    if (id.isEmpty())
        return rpcError(400, QJsonValue::Null, JsonRpc::InvalidRequest,
                        QStringLiteral("DELETE needs the Mcp-Session-Id header"));
    if (!sessionVersion(id, std::get<Principal>(principal)))
        return rpcError(404, QJsonValue::Null, JsonRpc::SessionNotFound,
                        QStringLiteral("no such session"));
    {
        std::lock_guard lock(m_sessionMutex);
        m_sessions.remove(id);
    }
    Http::Response response;
    response.status = 204;
    return response;
}

Http::Response McpServer::handlePost(const Http::Request &request)
{
    auto authenticated = authenticate(request);
    if (auto *refusal = std::get_if<Http::Response>(&authenticated))
        return *refusal;
    const Principal &principal = std::get<Principal>(authenticated);

    // MCP Streamable HTTP: the client POSTs one JSON-RPC message as application/json and
    // must accept a JSON answer.
    const QByteArray contentType = request.contentType();
    if (!request.body.isEmpty() && contentType != "application/json")
        return rpcError(415, QJsonValue::Null, JsonRpc::InvalidRequest,
                        QStringLiteral("the body must be one JSON-RPC message sent as "
                                       "application/json, not '%1'")
                            .arg(QString::fromLatin1(contentType.left(100))));
    if (const QByteArray accept = request.headers.value(QByteArrayLiteral("Accept")).toLower();
        !accept.isEmpty() && !accept.contains("application/json") &&
        !accept.contains("application/*") && !accept.contains("*/*"))
        return rpcError(406, QJsonValue::Null, JsonRpc::InvalidRequest,
                        QStringLiteral("the Accept header must allow application/json (MCP "
                                       "Streamable HTTP: list application/json and "
                                       "text/event-stream)"));
    const QByteArray trimmed = request.body.trimmed();
    if (trimmed.startsWith('['))
        return rpcError(400, QJsonValue::Null, JsonRpc::InvalidRequest,
                        QStringLiteral("JSON-RPC batches are not supported (MCP 2025-06-18 and "
                                       "later)"));
    auto document = Http::parseJson(request.body);
    if (!document) {
        // A JSON scalar ("x", 42, null) is valid JSON but not a request object. Scalars
        // do not nest, so QJsonDocument may judge them directly.
        QJsonParseError scalarError{};
        if (!trimmed.isEmpty() && !trimmed.startsWith('{') &&
            !QJsonDocument::fromJson(QByteArray("[" + trimmed + "]"), &scalarError).isNull())
            return rpcError(400, QJsonValue::Null, JsonRpc::InvalidRequest,
                            QStringLiteral("the body must be a JSON-RPC request object"));
        return rpcError(400, QJsonValue::Null, JsonRpc::ParseError,
                        QStringLiteral("parse error: ") + document.error().message);
    }
    return dispatch(request, principal, document->object());
}

Http::Response McpServer::dispatch(const Http::Request &request, const Principal &principal,
                                   const QJsonObject &message)
{
    const QJsonValue id = message.value(QStringLiteral("id"));
    const bool hasId = message.contains(QStringLiteral("id"));
    if (hasId && !validId(id))
        return rpcError(400, QJsonValue::Null, JsonRpc::InvalidRequest,
                        QStringLiteral("\"id\" must be a string or an integer"));
    const QJsonValue replyId = hasId ? id : QJsonValue(QJsonValue::Null);
    if (message.value(QStringLiteral("jsonrpc")) != QJsonValue(QStringLiteral("2.0")))
        return rpcError(400, replyId, JsonRpc::InvalidRequest,
                        QStringLiteral("\"jsonrpc\" must be \"2.0\""));
    const QJsonValue methodValue = message.value(QStringLiteral("method"));
    if (methodValue.isUndefined() && hasId &&
        (message.contains(QStringLiteral("result")) || message.contains(QStringLiteral("error"))))
        return accepted(); // a response to a server request: nothing to answer
    if (!methodValue.isString() || methodValue.toString().isEmpty())
        return rpcError(400, replyId, JsonRpc::InvalidRequest,
                        QStringLiteral("\"method\" must be a non-empty string"));
    const QString method = methodValue.toString();
    const QJsonValue paramsValue = message.value(QStringLiteral("params"));
    if (!paramsValue.isUndefined() && !paramsValue.isObject())
        return rpcError(400, replyId, JsonRpc::InvalidRequest,
                        QStringLiteral("\"params\" must be an object"));
    const QJsonObject params = paramsValue.toObject();

    const QString versionHeader = fieldValue(request, kVersionHeader);
    const QJsonObject meta = params.value(QStringLiteral("_meta")).toObject();
    if (legacyProtocolVersions().contains(versionHeader) ||
        (versionHeader.isEmpty() && !meta.contains(kMetaVersion)))
        return dispatchLegacy(request, principal, {replyId, hasId, method, params});
    if (versionHeader != kStatelessVersion && !meta.contains(kMetaVersion))
        return unsupportedVersion(replyId, versionHeader);
    return dispatchStateless(request, principal, {replyId, hasId, method, params});
}

Http::Response McpServer::dispatchLegacy(const Http::Request &request, const Principal &principal,
                                         const Call &call)
{
    const QJsonValue &id = call.id;
    if (call.method == QLatin1String("initialize")) {
        if (!call.hasId)
            return rpcError(400, QJsonValue::Null, JsonRpc::InvalidRequest,
                            QStringLiteral("initialize is a request and needs an id"));
        const QJsonValue requested = call.params.value(QStringLiteral("protocolVersion"));
        if (!requested.isString())
            return rpcError(200, id, JsonRpc::InvalidParams,
                            QStringLiteral("params.protocolVersion must be a string"));
        // A client asking for the stateless revision through initialize gets the newest
        // revision that has an initialize (MCP version negotiation).
        const QString version = legacyProtocolVersions().contains(requested.toString())
                                    ? requested.toString()
                                    : legacyProtocolVersions().first();
        const QString session = createSession(principal, version);
        return rpcResult(id,
                         {{QStringLiteral("protocolVersion"), version},
                          {QStringLiteral("capabilities"), capabilities()},
                          {QStringLiteral("serverInfo"), serverInfo()}},
                         session.toLatin1());
    }

    const QString sessionId = QString::fromLatin1(request.headers.value(kSessionHeader));
    if (sessionId.isEmpty())
        return rpcError(400, id, JsonRpc::InvalidRequest,
                        QStringLiteral("missing Mcp-Session-Id header; send initialize first"));
    // Unknown, ended and other principals' sessions look the same: 404, so the client
    // starts a new session and a stolen session id reveals nothing.
    if (!sessionVersion(sessionId, principal))
        return rpcError(404, id, JsonRpc::SessionNotFound,
                        QStringLiteral("session not found; send initialize to start a new one"));

    if (!call.hasId)
        return accepted(); // notifications/initialized, notifications/cancelled, ...
    if (call.method == QLatin1String("ping"))
        return rpcResult(id, {});
    if (call.method == QLatin1String("tools/list"))
        return rpcResult(id, {{QStringLiteral("tools"), toolList()}});
    if (call.method == QLatin1String("tools/call"))
        return reply(id, callTool(principal, id, call.params));
    return rpcError(200, id, JsonRpc::MethodNotFound,
                    QStringLiteral("method not found: ") + call.method);
}

Http::Response McpServer::dispatchStateless(const Http::Request &request,
                                            const Principal &principal, const Call &call)
{
    const QJsonValue &id = call.id;
    const QString header = fieldValue(request, kVersionHeader);
    const QJsonObject meta = call.params.value(QStringLiteral("_meta")).toObject();
    if (header.isEmpty())
        return rpcError(400, id, JsonRpc::HeaderMismatch,
                        QStringLiteral("the MCP-Protocol-Version header is required with "
                                       "_meta[\"") +
                            kMetaVersion + QStringLiteral("\"]"));
    QStringList missing;
    for (const QString &key : {kMetaVersion, kMetaCapabilities})
        if (!meta.contains(key))
            missing.append(key);
    if (!missing.isEmpty())
        return rpcError(400, id, JsonRpc::InvalidParams,
                        QStringLiteral("params._meta lacks ") + missing.join(QStringLiteral(", ")) +
                            QStringLiteral(" (required on every request since MCP 2026-07-28)"));
    if (!meta.value(kMetaCapabilities).isObject())
        return rpcError(400, id, JsonRpc::InvalidParams,
                        QStringLiteral("params._meta[\"") + kMetaCapabilities +
                            QStringLiteral("\"] must be an object"));
    const QJsonValue metaVersion = meta.value(kMetaVersion);
    if (!metaVersion.isString() || metaVersion.toString() != header)
        return rpcError(400, id, JsonRpc::HeaderMismatch,
                        QStringLiteral("the MCP-Protocol-Version header (%1) does not match "
                                       "params._meta[\"%2\"]")
                            .arg(header, kMetaVersion));
    if (header != kStatelessVersion)
        return unsupportedVersion(id, header);

    // SEP-2243: the routing headers mirror the body and must agree with it exactly.
    const QString methodHeader = fieldValue(request, kMethodHeader);
    if (methodHeader != call.method)
        return rpcError(400, id, JsonRpc::HeaderMismatch,
                        methodHeader.isEmpty()
                            ? QStringLiteral("the Mcp-Method header is required")
                            : QStringLiteral("the Mcp-Method header (%1) does not match the "
                                             "method %2")
                                  .arg(methodHeader, call.method));
    if (call.method == QLatin1String("tools/call")) {
        const QString name = call.params.value(QStringLiteral("name")).toString();
        const QString nameHeader = fieldValue(request, kNameHeader);
        if (nameHeader != name)
            return rpcError(400, id, JsonRpc::HeaderMismatch,
                            nameHeader.isEmpty()
                                ? QStringLiteral("the Mcp-Name header is required on tools/call")
                                : QStringLiteral("the Mcp-Name header (%1) does not match "
                                                 "params.name")
                                      .arg(nameHeader));
    }

    if (!call.hasId)
        return accepted();
    const auto complete = [](QJsonObject result, bool cacheable) {
        result.insert(QStringLiteral("resultType"), QStringLiteral("complete"));
        if (cacheable) {
            result.insert(QStringLiteral("ttlMs"), 0);
            result.insert(QStringLiteral("cacheScope"), QStringLiteral("private"));
        }
        QJsonObject resultMeta = result.value(QStringLiteral("_meta")).toObject();
        resultMeta.insert(kMetaServerInfo, serverInfo());
        result.insert(QStringLiteral("_meta"), resultMeta);
        return result;
    };
    if (call.method == QLatin1String("server/discover"))
        return rpcResult(id, complete({{QStringLiteral("supportedVersions"),
                                        QJsonArray::fromStringList(supportedProtocolVersions())},
                                       {QStringLiteral("capabilities"), capabilities()}},
                                      true));
    if (call.method == QLatin1String("tools/list"))
        return rpcResult(id, complete({{QStringLiteral("tools"), toolList()}}, true));
    if (call.method == QLatin1String("tools/call")) {
        auto result = callTool(principal, id, call.params);
        if (auto *object = std::get_if<QJsonObject>(&result))
            *object = complete(*object, false);
        return reply(id, result);
    }
    // initialize, ping and the rest of the stateful protocol are gone in this revision.
    return rpcError(404, id, JsonRpc::MethodNotFound,
                    QStringLiteral("method not found: ") + call.method);
}

McpServer::ToolReply McpServer::callTool(const Principal &principal, const QJsonValue &id,
                                         const QJsonObject &params)
{
    const QJsonValue nameValue = params.value(QStringLiteral("name"));
    if (!nameValue.isString())
        return rpcError(200, id, JsonRpc::InvalidParams,
                        QStringLiteral("params.name must be a string"));
    const QString tool = nameValue.toString();
    if (!isTool(tool))
        return rpcError(200, id, JsonRpc::InvalidParams, QStringLiteral("unknown tool: ") + tool);
    const QJsonValue argumentsValue = params.value(QStringLiteral("arguments"));
    if (!argumentsValue.isUndefined() && !argumentsValue.isObject())
        return rpcError(200, id, JsonRpc::InvalidParams,
                        QStringLiteral("params.arguments must be an object"));
    const QJsonObject arguments = argumentsValue.toObject();

    const QStringList needed = m_options.config.scopesFor(tool);
    if (!missingScopes(principal, needed).isEmpty())
        return m_challenge.insufficientScope(needed, QStringLiteral("the tool ") + tool +
                                                         QStringLiteral(" needs the scopes ") +
                                                         needed.join(QLatin1Char(' ')));

    QString justification = params.value(QStringLiteral("_meta"))
                                .toObject()
                                .value(QStringLiteral("justification"))
                                .toString();
    if (justification.trimmed().isEmpty())
        justification = arguments.value(QStringLiteral("justification")).toString();
    justification = justification.trimmed().left(2000);

    QJsonObject frictionMeta;
    if (m_friction) {
        const Friction::Principal who{principal.subject, principal.clientId, principal.issuer};
        auto decision =
            m_friction->evaluate(who, tool, justification, Friction::Registry::monotonicNow());
        if (!decision)
            return toolError(QStringLiteral("the call was refused: ") + decision.error().message);
        frictionMeta = frictionOutcome(*decision);
        if (!decision->allowed())
            return withFriction(toolError(decision->message), frictionMeta);
        if (decision->outcome == Friction::Outcome::Justified) {
            Store::AuditEvent event;
            event.type = QStringLiteral("tool.justified");
            event.actor = principal.clientId;
            event.clientId = principal.clientId;
            event.subject = principal.subject;
            event.detail = {{QStringLiteral("tool"), tool},
                            {QStringLiteral("justification"), justification},
                            {QStringLiteral("friction"), decision->check.friction}};
            if (auto stored = Store::AuditRepository(m_db).append(event); !stored)
                return toolError(QStringLiteral("the justification could not be recorded: ") +
                                 stored.error().message);
        }
    }
    auto result = runTool(principal, tool, arguments);
    if (!result) {
        if (result.error().code == QLatin1String("invalid_arguments") ||
            result.error().code == Store::ErrorCode::NotFound)
            return withFriction(toolError(result.error().message), frictionMeta);
        return rpcError(200, id, JsonRpc::InternalError,
                        QStringLiteral("the tool failed: ") + result.error().message);
    }
    return withFriction(toolResult(*result), frictionMeta);
}

Core::Result<QJsonObject> McpServer::runTool(const Principal &principal, const QString &tool,
                                             const QJsonObject &arguments)
{
    TaskRepository tasks(m_db);
    const QString owner = ownerOf(principal);
    if (tool == QLatin1String("echo")) {
        const QJsonValue text = arguments.value(QStringLiteral("text"));
        if (!text.isString())
            return argumentError(QStringLiteral("\"text\" must be a string"));
        return QJsonObject{{QStringLiteral("text"), text}};
    }
    if (tool == QLatin1String("list_tasks")) {
        auto list = tasks.list(owner);
        if (!list)
            return list.error();
        QJsonArray out;
        for (const Task &task : *list)
            out.append(task.toJson());
        return QJsonObject{{QStringLiteral("tasks"), out}};
    }
    if (tool == QLatin1String("create_task")) {
        auto title = titleArgument(arguments, true);
        if (!title)
            return title.error();
        auto task = tasks.create(owner, *title);
        if (!task)
            return task.error();
        return QJsonObject{{QStringLiteral("task"), task->toJson()}};
    }
    auto taskId = idArgument(arguments);
    if (!taskId)
        return taskId.error();
    if (tool == QLatin1String("get_task") || tool == QLatin1String("update_task")) {
        Core::Result<Task> task = Core::makeError(QString(), QString());
        if (tool == QLatin1String("get_task")) {
            task = tasks.get(owner, *taskId);
        } else {
            auto title = titleArgument(arguments, false);
            if (!title)
                return title.error();
            const QJsonValue done = arguments.value(QStringLiteral("done"));
            if (!done.isUndefined() && !done.isBool())
                return argumentError(QStringLiteral("\"done\" must be a boolean"));
            task = tasks.update(owner, *taskId, *title,
                                done.isBool() ? std::optional<bool>(done.toBool()) : std::nullopt);
        }
        if (!task)
            return task.error();
        return QJsonObject{{QStringLiteral("task"), task->toJson()}};
    }
    if (auto removed = tasks.remove(owner, *taskId); !removed)
        return removed.error();
    return QJsonObject{{QStringLiteral("deleted"), *taskId}};
}

QString McpServer::createSession(const Principal &principal, const QString &version)
{
    auto session = std::make_shared<Session>();
    session->clientId = principal.clientId;
    session->issuer = principal.issuer;
    session->subject = principal.subject;
    session->protocolVersion = version;
    session->lastUsed = now();
    const QString id = QString::fromLatin1(Crypto::randomToken(32));
    std::lock_guard lock(m_sessionMutex);
    if (m_sessions.size() >= m_options.config.maxSessions) {
        auto oldest = m_sessions.begin();
        for (auto it = m_sessions.begin(); it != m_sessions.end(); ++it)
            if ((*it)->lastUsed < (*oldest)->lastUsed)
                oldest = it;
        m_sessions.erase(oldest);
    }
    m_sessions.insert(id, session);
    return id;
}

std::optional<QString> McpServer::sessionVersion(const QString &id, const Principal &principal)
{
    Session owner;
    {
        std::lock_guard lock(m_sessionMutex);
        auto it = m_sessions.find(id);
        if (it == m_sessions.end())
            return std::nullopt;
        Session &session = **it;
        const qint64 time = now();
        if (time - session.lastUsed >= qint64(m_options.config.sessionIdleSeconds) * 1000) {
            m_sessions.erase(it);
            return std::nullopt;
        }
        if (session.clientId == principal.clientId && session.issuer == principal.issuer &&
            session.subject == principal.subject) {
            session.lastUsed = time;
            return session.protocolVersion;
        }
        owner = session;
    }
    // Someone else's session id: refused like an unknown one, and recorded, since it
    // means a session id leaked or is being guessed.
    Store::AuditEvent event;
    event.type = QStringLiteral("mcp.session_refused");
    event.actor = principal.clientId;
    event.clientId = principal.clientId;
    event.subject = principal.subject;
    event.detail = {{QStringLiteral("session"), Crypto::maskSecret(id.toLatin1())},
                    {QStringLiteral("session_client_id"), owner.clientId},
                    {QStringLiteral("session_subject"), owner.subject},
                    {QStringLiteral("session_issuer"), owner.issuer}};
    if (auto stored = Store::AuditRepository(m_db).append(event); !stored)
        qWarning("mcp: recording a refused session failed: %s",
                 qPrintable(stored.error().toString()));
    return std::nullopt;
}

} // namespace Resource
