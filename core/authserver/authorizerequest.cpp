#include "authserver/authorizerequest.h"

#include <QJsonObject>
#include <QUrl>

#include "authserver/auditlog.h"
#include "authserver/clientrequest.h"
#include "authserver/clientresolver.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "crypto/base64url.h"
#include "crypto/mask.h"
#include "crypto/pkce.h"
#include "crypto/random.h"
#include "store/authorizationcoderepository.h"
#include "store/secrethash.h"

namespace Auth {

namespace {

const QString kClientId = QStringLiteral("client_id");
const QString kRedirectUri = QStringLiteral("redirect_uri");
const QString kResponseType = QStringLiteral("response_type");
const QString kResponseMode = QStringLiteral("response_mode");
const QString kScope = QStringLiteral("scope");
const QString kState = QStringLiteral("state");
const QString kCodeChallenge = QStringLiteral("code_challenge");
const QString kCodeChallengeMethod = QStringLiteral("code_challenge_method");
const QString kResource = QStringLiteral("resource");
const QString kRequestObject = QStringLiteral("request");
const QString kRequestUri = QStringLiteral("request_uri");

AuthorizationRefusal pageRefusal(QString code, QString message, QString clientId = {})
{
    return AuthorizationRefusal{Core::makeError(std::move(code), std::move(message)),
                                {},
                                std::nullopt,
                                std::move(clientId)};
}

/// S256: BASE64URL(SHA-256(verifier)) is exactly 43 characters encoding 32 bytes.
/// plain: the verifier itself (RFC 7636 section 4.1 syntax).
Core::Status checkChallenge(const QString &method, const QString &challenge)
{
    if (method == QLatin1String("S256")) {
        const QByteArray bytes = challenge.toLatin1();
        auto decoded = Crypto::base64UrlDecode(bytes);
        if (challenge.size() != 43 || !decoded || decoded->size() != 32)
            return Core::makeError(OAuthError::InvalidRequest,
                                   QStringLiteral("code_challenge must be the 43-character "
                                                  "base64url SHA-256 of the code verifier "
                                                  "(RFC 7636 section 4.2); got %1 characters")
                                       .arg(challenge.size()));
        return {};
    }
    if (auto valid = Crypto::Pkce::validateVerifier(challenge.toLatin1());
        !valid || challenge.toLatin1() != challenge.toUtf8())
        return Core::makeError(OAuthError::InvalidRequest,
                               QStringLiteral("a plain code_challenge must be 43 to 128 "
                                              "characters of [A-Za-z0-9._~-] (RFC 7636 section "
                                              "4.1)"));
    return {};
}

} // namespace

const QStringList &authorizationParameterNames()
{
    static const QStringList names = {kClientId,
                                      kRedirectUri,
                                      kResponseType,
                                      kResponseMode,
                                      kScope,
                                      kState,
                                      kCodeChallenge,
                                      kCodeChallengeMethod,
                                      kResource,
                                      kRequestObject,
                                      kRequestUri,
                                      QStringLiteral("nonce"),
                                      QStringLiteral("prompt"),
                                      QStringLiteral("login_hint")};
    return names;
}

std::variant<AuthorizationRequest, AuthorizationRefusal>
validateAuthorizationRequest(Context &context, const Http::FormData &parameters)
{
    QStringList repeated;
    for (const QString &name : authorizationParameterNames()) {
        if (parameters.values(name).size() > 1)
            repeated.append(name);
    }

    // Until the client and its redirect URI are established, nothing may redirect.
    if (repeated.contains(kClientId) || repeated.contains(kRedirectUri))
        return pageRefusal(OAuthError::InvalidRequest,
                           QStringLiteral("The parameter %1 appears more than once.")
                               .arg(repeated.contains(kClientId) ? kClientId : kRedirectUri));
    const QString clientId = parameters.value(kClientId).value_or(QString());
    if (clientId.isEmpty())
        return pageRefusal(OAuthError::InvalidRequest,
                           QStringLiteral("The request does not name a client (client_id is "
                                          "missing)."));
    auto client = context.clients().resolve(clientId);
    if (!client)
        return pageRefusal(OAuthError::InvalidClient,
                           QStringLiteral("The client \"%1\" is not known to this server: %2")
                               .arg(clientId.left(200), client.error().message),
                           QString());

    AuthorizationRequest request;
    request.clientId = client->clientId;
    request.clientName = client->name;
    request.metadataDocumentClient = client->source == QLatin1String("cimd");
    const std::optional<QString> redirect = parameters.value(kRedirectUri);
    if (!redirect) {
        if (client->redirectUris.size() != 1)
            return pageRefusal(OAuthError::InvalidRequest,
                               QStringLiteral("redirect_uri is required: the client registered "
                                              "%1 redirect URIs.")
                                   .arg(client->redirectUris.size()),
                               request.clientId);
        request.redirectUri = client->redirectUris.first();
    } else {
        if (auto valid = validateRedirectUri(*redirect); !valid)
            return pageRefusal(
                OAuthError::InvalidRequest,
                QStringLiteral("The redirect_uri is not acceptable: %1").arg(valid.error().message),
                request.clientId);
        const bool registered =
            std::any_of(client->redirectUris.cbegin(), client->redirectUris.cend(),
                        [&](const QString &uri) { return redirectUriMatches(uri, *redirect); });
        if (!registered)
            return pageRefusal(OAuthError::InvalidRequest,
                               QStringLiteral("The redirect_uri is not registered for the "
                                              "client \"%1\".")
                                   .arg(request.clientId),
                               request.clientId);
        request.redirectUri = *redirect;
    }

    // From here on the client gets the error at its redirect URI.
    if (!repeated.contains(kState))
        request.state = parameters.value(kState);
    auto refuse = [&](const QString &code, const QString &message) {
        return AuthorizationRefusal{Core::makeError(code, message), request.redirectUri,
                                    request.state, request.clientId};
    };
    repeated.removeAll(kResource); // RFC 8707 allows it; more than one is invalid_target below
    if (!repeated.isEmpty())
        return refuse(
            OAuthError::InvalidRequest,
            QStringLiteral("the parameter %1 appears more than once").arg(repeated.first()));
    if (parameters.contains(kRequestObject))
        return refuse(QStringLiteral("request_not_supported"),
                      QStringLiteral("request objects (RFC 9101) are not supported"));
    if (parameters.contains(kRequestUri))
        return refuse(QStringLiteral("request_uri_not_supported"),
                      QStringLiteral("request_uri (RFC 9101, RFC 9126) is not supported"));

    const std::optional<QString> responseType = parameters.value(kResponseType);
    if (!responseType || responseType->isEmpty())
        return refuse(OAuthError::InvalidRequest, QStringLiteral("response_type is missing"));
    if (*responseType != QLatin1String("code"))
        return refuse(OAuthError::UnsupportedResponseType,
                      QStringLiteral("only response_type=code is supported"));
    if ((!client->responseTypes.isEmpty() &&
         !client->responseTypes.contains(QLatin1String("code"))) ||
        (!client->grantTypes.isEmpty() && !clientHasGrant(*client, GrantType::AuthorizationCode)))
        return refuse(OAuthError::UnauthorizedClient,
                      QStringLiteral("the client is not registered for the authorization_code "
                                     "grant"));
    if (const auto mode = parameters.value(kResponseMode); mode && *mode != QLatin1String("query"))
        return refuse(OAuthError::InvalidRequest,
                      QStringLiteral("only response_mode=query is supported"));

    const QString challenge = parameters.value(kCodeChallenge).value_or(QString());
    if (challenge.isEmpty())
        return refuse(OAuthError::InvalidRequest,
                      QStringLiteral("code_challenge is required (PKCE, RFC 7636)"));
    // RFC 7636 section 4.3: a missing method means plain.
    const QString method = parameters.value(kCodeChallengeMethod).value_or(QStringLiteral("plain"));
    if (method != QLatin1String("S256") && method != QLatin1String("plain"))
        return refuse(OAuthError::InvalidRequest,
                      QStringLiteral("code_challenge_method must be S256"));
    if (method == QLatin1String("plain") && !context.config().allowPlainPkce)
        return refuse(OAuthError::InvalidRequest,
                      QStringLiteral("code_challenge_method S256 is required"));
    if (auto valid = checkChallenge(method, challenge); !valid)
        return refuse(valid.error().code, valid.error().message);
    request.codeChallenge = challenge;
    request.codeChallengeMethod = method;

    auto scopes = resolveScope(context.config(), *client, parameters.value(kScope));
    if (!scopes)
        return refuse(OAuthError::InvalidScope, scopes.error().message);
    request.scopes = *scopes;
    auto resource = resolveResource(context.config(), parameters.values(kResource));
    if (!resource)
        return refuse(OAuthError::InvalidTarget, resource.error().message);
    request.resource = *resource;
    return request;
}

Http::Response redirectToClient(const Context &context, const QString &redirectUri,
                                const std::optional<QString> &state,
                                const QList<QPair<QString, QString>> &parameters, int status)
{
    QList<QPair<QString, QString>> all = parameters;
    if (state)
        all.append({kState, *state});
    all.append({QStringLiteral("iss"), context.issuer()});
    // Appended by hand so that the registered URI's own query stays byte for byte.
    QByteArray location = redirectUri.toUtf8();
    char separator = location.contains('?') ? '&' : '?';
    if (location.endsWith('?') || location.endsWith('&'))
        separator = 0;
    for (const auto &[name, value] : std::as_const(all)) {
        if (separator)
            location += separator;
        separator = '&';
        location += QUrl::toPercentEncoding(name) + '=' + QUrl::toPercentEncoding(value);
    }
    Http::Response response;
    response.status = status;
    response.headers.set(QByteArrayLiteral("Location"), location);
    response.headers.set(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    response.headers.set(QByteArrayLiteral("Pragma"), QByteArrayLiteral("no-cache"));
    response.headers.set(QByteArrayLiteral("Referrer-Policy"), QByteArrayLiteral("no-referrer"));
    return response;
}

Http::Response refusalRedirect(const Context &context, const AuthorizationRefusal &refusal,
                               int status)
{
    return redirectToClient(context, refusal.redirectUri, refusal.state,
                            {{QStringLiteral("error"), refusal.error.code},
                             {QStringLiteral("error_description"), refusal.error.message}},
                            status);
}

Http::Response issueCodeRedirect(Context &context, const AuthorizationRequest &request,
                                 const QString &username, int status,
                                 const Http::Request *httpRequest)
{
    const QByteArray code = QByteArrayLiteral("mac_") + Crypto::randomToken(32);
    Store::AuthorizationCode row;
    row.code = Store::SecretHash::fromSecret(code);
    row.clientId = request.clientId;
    row.subject = username;
    row.redirectUri = request.redirectUri;
    row.scope = joinScope(request.scopes);
    row.resource = request.resource;
    row.codeChallenge = request.codeChallenge;
    row.codeChallengeMethod = request.codeChallengeMethod;
    row.expiresAt = context.now() + qint64(context.config().authorizationCodeLifetime) * 1000;
    auto stored = Store::AuthorizationCodeRepository(context.db()).insert(row);
    if (!stored) {
        qCWarning(lcAuthServer) << "authorize: cannot store the authorization code:"
                                << stored.error().toString();
        return redirectToClient(context, request.redirectUri, request.state,
                                {{QStringLiteral("error"), OAuthError::ServerError},
                                 {QStringLiteral("error_description"),
                                  QStringLiteral("the authorization code could not be stored")}},
                                status);
    }
    context.audit().record(QStringLiteral("authorization_code.issued"), username, request.clientId,
                           username,
                           {{QStringLiteral("code"), Crypto::maskSecret(code)},
                            {QStringLiteral("scope"), row.scope},
                            {QStringLiteral("resource"), row.resource},
                            {QStringLiteral("redirect_uri"), row.redirectUri},
                            {QStringLiteral("code_challenge_method"), row.codeChallengeMethod}},
                           httpRequest);
    return redirectToClient(context, request.redirectUri, request.state,
                            {{QStringLiteral("code"), QString::fromLatin1(code)}}, status);
}

} // namespace Auth
