#include "authserver/oauth.h"

#include <QJsonDocument>

#include "authserver/config.h"

namespace Auth {

Q_LOGGING_CATEGORY(lcAuthServer, "mcpauth.authserver")

namespace {

void addNoStore(Http::Response &response)
{
    response.headers.set(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    response.headers.set(QByteArrayLiteral("Pragma"), QByteArrayLiteral("no-cache"));
}

bool isScopeChar(QChar c)
{
    const ushort u = c.unicode();
    return u == 0x21 || (u >= 0x23 && u <= 0x5B) || (u >= 0x5D && u <= 0x7E);
}

} // namespace

int errorStatus(const QString &code)
{
    if (code == OAuthError::InvalidClient)
        return 401;
    if (code == OAuthError::ServerError)
        return 500;
    if (code == OAuthError::TemporarilyUnavailable)
        return 503;
    if (code == OAuthError::AccessDenied)
        return 403;
    return 400;
}

Http::Response errorResponse(const Core::Error &error, bool basicAttempted)
{
    // Anything that is not an OAuth code (a store or crypto error that escaped) must not
    // leak its internal code to the client: it becomes server_error.
    static const QStringList known = {
        OAuthError::InvalidRequest,
        OAuthError::InvalidClient,
        OAuthError::InvalidGrant,
        OAuthError::UnauthorizedClient,
        OAuthError::UnsupportedGrantType,
        OAuthError::UnsupportedResponseType,
        OAuthError::InvalidScope,
        OAuthError::InvalidTarget,
        OAuthError::AccessDenied,
        OAuthError::ServerError,
        OAuthError::TemporarilyUnavailable,
        OAuthError::AuthorizationPending,
        OAuthError::SlowDown,
        OAuthError::ExpiredToken,
        OAuthError::InvalidRedirectUri,
        OAuthError::InvalidClientMetadata,
        OAuthError::UnsupportedTokenType,
        OAuthError::InvalidDpopProof,
    };
    const bool isOAuth = known.contains(error.code);
    const QString code = isOAuth ? error.code : OAuthError::ServerError;
    const QString description =
        isOAuth ? error.message : QStringLiteral("internal error (%1)").arg(error.code);
    int status = errorStatus(code);
    // RFC 6749 section 5.2: 401, with the challenge of the scheme the client tried.
    Http::Response response = Http::Response::error(status, code.toUtf8(), description);
    if (code == OAuthError::InvalidClient && basicAttempted)
        response.headers.set(QByteArrayLiteral("WWW-Authenticate"),
                             QByteArrayLiteral("Basic realm=\"mcpauth\", charset=\"UTF-8\""));
    addNoStore(response);
    return response;
}

Http::Response jsonNoStore(const QJsonObject &body, int status)
{
    Http::Response response = Http::Response::json(status, QJsonDocument(body));
    addNoStore(response);
    return response;
}

Http::Response tooManyRequests(int retryAfterSeconds)
{
    const int wait = qMax(1, retryAfterSeconds);
    Http::Response response = Http::Response::error(
        429, "temporarily_unavailable",
        QStringLiteral("too many requests; retry after %1 seconds").arg(wait));
    response.headers.set(QByteArrayLiteral("Retry-After"), QByteArray::number(wait));
    addNoStore(response);
    return response;
}

void addCorsHeaders(const Config &config, const Http::Request &request, Http::Response &response)
{
    if (config.corsOrigins.isEmpty())
        return;
    response.headers.add(QByteArrayLiteral("Vary"), QByteArrayLiteral("Origin"));
    const QByteArray origin = request.headers.value("Origin");
    if (origin.isEmpty())
        return;
    if (config.corsOrigins.contains(QLatin1String("*"))) {
        response.headers.set(QByteArrayLiteral("Access-Control-Allow-Origin"),
                             QByteArrayLiteral("*"));
    } else if (config.corsOrigins.contains(QString::fromUtf8(origin))) {
        response.headers.set(QByteArrayLiteral("Access-Control-Allow-Origin"), origin);
    } else {
        return;
    }
    response.headers.set(QByteArrayLiteral("Access-Control-Expose-Headers"),
                         QByteArrayLiteral("WWW-Authenticate, Retry-After"));
}

Http::Response corsPreflight(const Config &config, const Http::Request &request,
                             const QByteArray &methods)
{
    Http::Response response;
    response.status = 204;
    addCorsHeaders(config, request, response);
    if (response.headers.contains("Access-Control-Allow-Origin")) {
        response.headers.set(QByteArrayLiteral("Access-Control-Allow-Methods"), methods);
        response.headers.set(
            QByteArrayLiteral("Access-Control-Allow-Headers"),
            QByteArrayLiteral("Authorization, Content-Type, MCP-Protocol-Version"));
        response.headers.set(QByteArrayLiteral("Access-Control-Max-Age"), QByteArrayLiteral("600"));
    }
    return response;
}

Core::Result<QStringList> parseScope(const QString &scope)
{
    QStringList out;
    for (const QString &part : scope.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
        for (const QChar c : part) {
            if (!isScopeChar(c))
                return Core::makeError(OAuthError::InvalidScope,
                                       QStringLiteral("the scope contains a character that RFC "
                                                      "6749 section 3.3 does not allow (U+%1)")
                                           .arg(c.unicode(), 4, 16, QLatin1Char('0')));
        }
        if (!out.contains(part))
            out.append(part);
    }
    return out;
}

QString joinScope(const QStringList &scopes)
{
    return scopes.join(QLatin1Char(' '));
}

bool scopeSubset(const QStringList &requested, const QStringList &allowed)
{
    for (const QString &scope : requested)
        if (!allowed.contains(scope))
            return false;
    return true;
}

} // namespace Auth
