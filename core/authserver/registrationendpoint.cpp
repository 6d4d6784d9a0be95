// POST /register: OAuth 2.0 Dynamic Client Registration (RFC 7591), JSON in and out.

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

#include "authserver/auditlog.h"
#include "authserver/clientmetadata.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "authserver/oauth.h"
#include "authserver/ratelimiter.h"
#include "http/body.h"
#include "http/router.h"
#include "store/clientrepository.h"
#include "store/errors.h"

namespace Auth {

namespace {

constexpr qint64 kMaxRequestBytes = 64 * 1024;

/// Redirect hosts for the audit trail (never whole URIs with their query).
QJsonArray redirectHosts(const QStringList &uris)
{
    QJsonArray hosts;
    for (const QString &uri : uris) {
        const QUrl url(uri);
        const QString host = url.host().isEmpty() ? url.scheme() + QLatin1Char(':') : url.host();
        if (!hosts.contains(host))
            hosts.append(host);
    }
    return hosts;
}

Http::Response registrationError(Context &context, const Http::Request &request,
                                 const Core::Error &error)
{
    context.audit().record(
        QStringLiteral("client.registration_refused"), QStringLiteral("anonymous"), QString(),
        QString(),
        {{QStringLiteral("error"), error.code}, {QStringLiteral("reason"), error.message}},
        &request);
    Http::Response response = errorResponse(error);
    addCorsHeaders(context.config(), request, response);
    return response;
}

Http::Response handleRegister(Context &context, const Http::Request &request)
{
    const Config &config = context.config();
    if (!config.openRegistration) {
        Http::Response response = errorResponse(Core::makeError(
            OAuthError::AccessDenied,
            QStringLiteral("dynamic client registration is closed on this server "
                           "(open_registration is off) and initial access tokens (RFC 7591 "
                           "section 3) are not supported; ask the operator to register the "
                           "client")));
        addCorsHeaders(config, request, response);
        return response;
    }
    const auto decision =
        context.rateLimiter().hit(QStringLiteral("register:addr:") + request.peerAddress.toString(),
                                  config.registerPerAddress);
    if (!decision.allowed) {
        Http::Response response = tooManyRequests(decision.retryAfterSeconds);
        addCorsHeaders(config, request, response);
        return response;
    }
    if (request.contentType() != "application/json")
        return registrationError(
            context, request,
            Core::makeError(OAuthError::InvalidClientMetadata,
                            QStringLiteral("the registration request must be a JSON object "
                                           "with Content-Type application/json")));
    Http::JsonLimits limits;
    limits.maxBytes = kMaxRequestBytes;
    limits.maxDepth = 8;
    auto json = Http::parseJson(request.body, limits);
    if (!json)
        return registrationError(context, request,
                                 Core::makeError(OAuthError::InvalidClientMetadata,
                                                 QStringLiteral("the request body is not a JSON "
                                                                "object: ") +
                                                     json.error().message));
    auto parsed =
        ClientMetadata::parse(json->object(), ClientMetadata::Origin::Registration, config);
    if (!parsed)
        return registrationError(context, request, parsed.error());

    Store::Client client = *parsed;
    client.source = QStringLiteral("dynamic");
    const QByteArray secret = ClientMetadata::issueSecret(client);
    Store::ClientRepository repository(context.db());
    Core::Result<Store::Client> created = Core::makeError(QString(), QString());
    // 128 random bits collide practically never; one retry covers the impossible case.
    for (int attempt = 0; attempt < 2; ++attempt) {
        client.clientId = ClientMetadata::newClientId();
        created = repository.create(client);
        if (created || created.error().code != Store::ErrorCode::AlreadyExists)
            break;
    }
    if (!created) {
        Http::Response response = errorResponse(Core::makeError(
            OAuthError::ServerError,
            QStringLiteral("the client could not be stored: ") + created.error().message));
        addCorsHeaders(config, request, response);
        return response;
    }

    QJsonObject body = ClientMetadata::describe(*created);
    body.insert(QStringLiteral("client_id_issued_at"), created->createdAt / 1000);
    if (!secret.isEmpty()) {
        // The only time the clear secret exists outside the client: this response.
        body.insert(QStringLiteral("client_secret"), QString::fromLatin1(secret));
        body.insert(QStringLiteral("client_secret_expires_at"), 0);
    }
    context.audit().record(
        QStringLiteral("client.registered"), QStringLiteral("anonymous"), created->clientId,
        QString(),
        {{QStringLiteral("token_endpoint_auth_method"), created->authMethod},
         {QStringLiteral("grant_types"), QJsonArray::fromStringList(created->grantTypes)},
         {QStringLiteral("redirect_hosts"), redirectHosts(created->redirectUris)},
         {QStringLiteral("client_name"), created->name.left(200)}},
        &request);
    Http::Response response = jsonNoStore(body, 201);
    addCorsHeaders(config, request, response);
    return response;
}

} // namespace

void installRegistrationEndpoint(Context &context, Http::Router &router)
{
    Http::RouteOptions options;
    options.bodyLimit = kMaxRequestBytes;
    router.handle(
        "POST", Paths::Register,
        [&context](const Http::Request &request) { return handleRegister(context, request); },
        options);
    router.handle("OPTIONS", Paths::Register, [&context](const Http::Request &request) {
        return corsPreflight(context.config(), request, QByteArrayLiteral("POST, OPTIONS"));
    });
}

} // namespace Auth
