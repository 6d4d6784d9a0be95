#include "authserver/clientrequest.h"

#include <QUrl>

#include "authserver/auditlog.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "authserver/ratelimiter.h"
#include "store/clientrepository.h"
#include "store/errors.h"

namespace Auth {

Core::Result<Http::FormData> readClientForm(const Http::Request &request)
{
    if (request.headers.count("Content-Type") != 1)
        return Core::makeError(OAuthError::InvalidRequest,
                               QStringLiteral("the request needs exactly one Content-Type header "
                                              "(application/x-www-form-urlencoded)"));
    if (auto type = Http::checkFormContentType(request.headers.value("Content-Type")); !type)
        return Core::makeError(OAuthError::InvalidRequest, type.error().message);
    Http::FormLimits limits;
    limits.repeatableNames = {QStringLiteral("resource")};
    auto form = Http::parseForm(request.body, limits);
    if (!form)
        return Core::makeError(OAuthError::InvalidRequest, form.error().message);
    return form;
}

Core::Result<QString> requiredParameter(const Http::FormData &form, const QString &name)
{
    const std::optional<QString> value = form.value(name);
    if (!value || value->isEmpty())
        return Core::makeError(OAuthError::InvalidRequest,
                               QStringLiteral("the parameter %1 is missing").arg(name));
    return *value;
}

std::optional<Http::Response> checkRateLimit(Context &context, const QString &key,
                                             const RateLimit &limit)
{
    const RateLimiter::Decision decision = context.rateLimiter().hit(key, limit);
    if (decision.allowed)
        return std::nullopt;
    return tooManyRequests(decision.retryAfterSeconds);
}

QString clientAddress(const Http::Request &request)
{
    QHostAddress address = request.peerAddress;
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        address = QHostAddress(v4); // ::ffff:a.b.c.d and a.b.c.d are one caller
    return address.toString();
}

Core::Result<AuthenticatedClient> authenticateClient(Context &context, const Http::Request &request,
                                                     const Http::FormData &form, const char *path)
{
    return context.clientAuthenticator().authenticate(request, form,
                                                      context.endpointUrl(QLatin1String(path)));
}

std::variant<ClientCall, Http::Response> acceptClientCall(Context &context,
                                                          const Http::Request &request,
                                                          const char *path,
                                                          const QString &refusalEvent)
{
    auto form = readClientForm(request);
    if (!form) {
        auditRefusal(context, request, refusalEvent, {}, {}, form.error());
        return clientErrorResponse(request, form.error());
    }
    auto client = authenticateClient(context, request, *form, path);
    if (!client) {
        QJsonObject detail;
        if (auto grantType = form->value(QStringLiteral("grant_type")))
            detail.insert(QStringLiteral("grant_type"), *grantType);
        auditRefusal(context, request, refusalEvent,
                     form->value(QStringLiteral("client_id")).value_or(QString()), {},
                     client.error(), detail);
        return clientErrorResponse(request, client.error());
    }
    return ClientCall{std::move(*form), std::move(*client)};
}

Http::Response clientErrorResponse(const Http::Request &request, const Core::Error &error)
{
    Http::Response response = errorResponse(error, ClientAuthenticator::attemptedBasic(request));
    if (error.code == OAuthError::AccessDenied)
        response.status = 400;
    return response;
}

Core::Result<QStringList> resolveScope(const Config &config, const Store::Client &client,
                                       const std::optional<QString> &requested)
{
    const bool useDefault = !requested || requested->trimmed().isEmpty();
    auto scopes = parseScope(useDefault ? config.defaultScope : *requested);
    if (!scopes)
        return scopes;
    if (scopes->isEmpty())
        return Core::makeError(OAuthError::InvalidScope,
                               QStringLiteral("no scope was requested and no default is set"));
    auto registered = parseScope(client.scope);
    for (const QString &scope : std::as_const(*scopes)) {
        if (!config.scopesSupported.contains(scope))
            return Core::makeError(
                OAuthError::InvalidScope,
                QStringLiteral("the scope \"%1\" is not supported by this server").arg(scope));
        if (registered && !registered->isEmpty() && !registered->contains(scope))
            return Core::makeError(
                OAuthError::InvalidScope,
                QStringLiteral("%1 scope \"%2\" is not registered for the "
                               "client %3")
                    .arg(useDefault ? QStringLiteral("the default") : QStringLiteral("the"), scope,
                         client.clientId));
    }
    return scopes;
}

Core::Status validateResource(const Config &config, const QString &resource)
{
    const QUrl url(resource, QUrl::StrictMode);
    const QString scheme = url.scheme();
    if (!url.isValid() || url.isRelative() || url.host().isEmpty() ||
        (scheme != QLatin1String("https") && scheme != QLatin1String("http")))
        return Core::makeError(OAuthError::InvalidTarget,
                               QStringLiteral("the resource must be an absolute http or https "
                                              "URI (RFC 8707 section 2)"));
    if (url.hasFragment() || resource.contains(QLatin1Char('#')))
        return Core::makeError(OAuthError::InvalidTarget,
                               QStringLiteral("the resource must not contain a fragment"));
    if (!config.allowedResources.isEmpty() && !config.allowedResources.contains(resource))
        return Core::makeError(OAuthError::InvalidTarget,
                               QStringLiteral("the resource %1 is not served by this "
                                              "authorization server")
                                   .arg(resource));
    return {};
}

Core::Result<QString> resolveResource(const Config &config, const QStringList &requested)
{
    if (requested.size() > 1)
        return Core::makeError(OAuthError::InvalidTarget,
                               QStringLiteral("ask for one resource per token request"));
    const QString resource = requested.isEmpty() ? config.defaultResource : requested.first();
    if (requested.isEmpty() && resource.isEmpty())
        return Core::makeError(OAuthError::InvalidTarget,
                               QStringLiteral("no resource was requested and no default is set"));
    if (auto valid = validateResource(config, resource); !valid)
        return valid.error();
    return resource;
}

void auditRefusal(Context &context, const Http::Request &request, const QString &type,
                  const QString &clientId, const QString &subject, const Core::Error &error,
                  QJsonObject detail)
{
    detail.insert(QStringLiteral("error"), error.code);
    detail.insert(QStringLiteral("error_description"), error.message);
    context.audit().record(type, clientId.isEmpty() ? clientAddress(request) : clientId, clientId,
                           subject, detail, &request);
}

Core::Error internalError(const Core::Error &storeError, const QString &what)
{
    qCWarning(lcAuthServer, "%s: %s", qUtf8Printable(what), qUtf8Printable(storeError.toString()));
    if (storeError.code == Store::ErrorCode::Busy ||
        storeError.code == Store::ErrorCode::ConnectionFailed)
        return Core::makeError(OAuthError::TemporarilyUnavailable,
                               what + QStringLiteral(": the store is busy, try again"));
    // An OAuth error (e.g. from the token issuer) already says what happened.
    if (storeError.code == OAuthError::ServerError)
        return storeError;
    return Core::makeError(OAuthError::ServerError, what);
}

bool clientHasGrant(const Store::Client &client, const QString &grantType)
{
    return client.grantTypes.contains(grantType);
}

} // namespace Auth
