// POST /token (RFC 6749 sections 4.1.3, 4.4, 6; RFC 7636; RFC 8628 section 3.4; RFC 8707).
// Each grant runs its single-use step (consuming the code, rotating the refresh token,
// consuming the approved device code) and the issuance in ONE store transaction: a request
// that fails after the step leaves the database as it was, and a response with tokens
// always means the step is committed.
#include <QJsonArray>
#include <QSqlDatabase>

#include "authserver/auditlog.h"
#include "authserver/clientrequest.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "authserver/oauth.h"
#include "authserver/tokenissuer.h"
#include "crypto/mask.h"
#include "crypto/pkce.h"
#include "http/router.h"
#include "store/authorizationcoderepository.h"
#include "store/database.h"
#include "store/devicecoderepository.h"
#include "store/errors.h"
#include "store/tokenrepository.h"

namespace Auth {

namespace {

/// One token request after the client authenticated.
struct TokenCall
{
    Context &context;
    const Http::Request &request;
    const Http::FormData &form;
    const AuthenticatedClient &client;
    /// Filled by the grant as soon as it knows whose tokens these are (for the audit).
    QString subject;
    /// Audit details the grant adds (masked values only).
    QJsonObject detail;
};

Core::Error invalidGrant(const QString &message)
{
    return Core::makeError(OAuthError::InvalidGrant, message);
}

/// Errors the grant code made itself (as opposed to store errors passed through).
bool isOAuthError(const Core::Error &error)
{
    static const QStringList codes = {
        OAuthError::InvalidRequest, OAuthError::InvalidGrant,       OAuthError::InvalidScope,
        OAuthError::InvalidTarget,  OAuthError::UnauthorizedClient, OAuthError::ServerError,
    };
    return codes.contains(error.code);
}

/// Requested resources must all be among the bound ones (RFC 8707 section 2.2: a token
/// request may narrow the audience, never widen it). Returns the token's resource.
Core::Result<QString> boundResource(const Config &config, const QString &bound,
                                    const QStringList &requested)
{
    if (bound.isEmpty())
        return resolveResource(config, requested);
    if (requested.isEmpty())
        return bound;
    const QStringList allowed = bound.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString &resource : requested)
        if (!allowed.contains(resource))
            return Core::makeError(OAuthError::InvalidTarget,
                                   QStringLiteral("the resource %1 is not the one this grant "
                                                  "was authorized for (%2)")
                                       .arg(resource, bound));
    return resolveResource(config, requested);
}

// --- authorization_code -----------------------------------------------------------------

Core::Status checkRedirectUri(const Store::AuthorizationCode &code, const Store::Client &client,
                              const std::optional<QString> &sent)
{
    // RFC 6749 section 4.1.3: identical to the authorization request's redirect_uri. The
    // code records the URI the response went to, which /authorize fills in with the only
    // registered one when none was sent; then the token request may omit it too.
    if (!sent) {
        if (code.redirectUri.isEmpty() ||
            (client.redirectUris.size() == 1 && client.redirectUris.first() == code.redirectUri))
            return {};
        return invalidGrant(QStringLiteral("redirect_uri is required: the authorization "
                                           "request named one"));
    }
    if (*sent != code.redirectUri)
        return invalidGrant(QStringLiteral("redirect_uri does not match the one of the "
                                           "authorization request"));
    return {};
}

Core::Status checkPkce(const Store::AuthorizationCode &code, const QString &verifier)
{
    if (code.codeChallenge.isEmpty())
        return invalidGrant(QStringLiteral("the authorization request had no code_challenge, "
                                           "so no code_verifier can be accepted"));
    auto verified = Crypto::Pkce::verifyChallenge(code.codeChallengeMethod.toLatin1(),
                                                  verifier.toUtf8(), code.codeChallenge.toLatin1());
    if (!verified)
        return invalidGrant(
            QStringLiteral("PKCE verification failed: %1").arg(verified.error().message));
    return {};
}

/// A second use of a code: RFC 6749 section 4.1.2 — deny, and revoke what it issued.
void revokeReusedCode(TokenCall &call, const Store::SecretHash &hash)
{
    auto code = Store::AuthorizationCodeRepository(call.context.db()).findByHash(hash);
    if (!code)
        return;
    call.subject = code->subject;
    auto revoked =
        Store::TokenRepository(call.context.db())
            .revokeByAuthorizationCode(code->id, QStringLiteral("authorization code reused"));
    QJsonObject detail{{QStringLiteral("code"), hash.display()},
                       {QStringLiteral("code_client_id"), code->clientId},
                       {QStringLiteral("revoked"), revoked ? *revoked : -1}};
    if (!revoked)
        detail.insert(QStringLiteral("revocation_error"), revoked.error().toString());
    call.context.audit().record(QStringLiteral("authorization_code.reused"),
                                call.client.client.clientId, code->clientId, code->subject, detail,
                                &call.request);
}

Core::Result<IssuedTokens> authorizationCodeGrant(TokenCall &call)
{
    auto value = requiredParameter(call.form, QStringLiteral("code"));
    if (!value)
        return value.error();
    auto verifier = requiredParameter(call.form, QStringLiteral("code_verifier"));
    if (!verifier)
        return verifier.error();
    const Store::SecretHash hash = Store::SecretHash::fromSecret(value->toUtf8());
    call.detail.insert(QStringLiteral("code"), hash.display());
    const std::optional<QString> redirectUri = call.form.value(QStringLiteral("redirect_uri"));
    const QStringList resources = call.form.values(QStringLiteral("resource"));
    const Store::Client &client = call.client.client;
    const auto &db = call.context.db();

    auto issued =
        db->transactionResult<IssuedTokens>([&](QSqlDatabase &) -> Core::Result<IssuedTokens> {
            auto code = Store::AuthorizationCodeRepository(db).consume(hash);
            if (!code)
                return code.error();
            call.subject = code->subject;
            if (code->clientId != client.clientId)
                return invalidGrant(
                    QStringLiteral("the authorization code was issued to another client"));
            if (auto ok = checkRedirectUri(*code, client, redirectUri); !ok)
                return ok.error();
            if (auto ok = checkPkce(*code, *verifier); !ok)
                return ok.error();
            auto resource = boundResource(call.context.config(), code->resource, resources);
            if (!resource)
                return resource.error();
            Grant grant;
            grant.clientId = client.clientId;
            grant.subject = code->subject;
            grant.scope = code->scope;
            grant.resource = *resource;
            grant.issueRefreshToken = clientHasGrant(client, GrantType::RefreshToken);
            grant.authorizationCodeId = code->id;
            return call.context.tokens().issue(grant);
        });
    if (issued)
        return issued;
    const QString &code = issued.error().code;
    if (code == Store::ErrorCode::Reused) {
        revokeReusedCode(call, hash);
        return invalidGrant(QStringLiteral("the authorization code was already used; the tokens "
                                           "it issued are revoked"));
    }
    if (code == Store::ErrorCode::NotFound)
        return invalidGrant(QStringLiteral("unknown authorization code"));
    if (code == Store::ErrorCode::Expired)
        return invalidGrant(QStringLiteral("the authorization code has expired"));
    if (isOAuthError(issued.error()))
        return issued.error();
    return internalError(issued.error(), QStringLiteral("redeeming the authorization code failed"));
}

// --- refresh_token ----------------------------------------------------------------------

Core::Result<QString> narrowedScope(const Store::Token &refresh,
                                    const std::optional<QString> &requested)
{
    if (!requested || requested->trimmed().isEmpty())
        return refresh.scope;
    auto scopes = parseScope(*requested);
    if (!scopes)
        return scopes.error();
    auto granted = parseScope(refresh.scope);
    if (!granted || !scopeSubset(*scopes, *granted))
        return Core::makeError(OAuthError::InvalidScope,
                               QStringLiteral("a refresh may only narrow the scope (granted: "
                                              "\"%1\")")
                                   .arg(refresh.scope));
    return joinScope(*scopes);
}

void revokeReusedFamily(TokenCall &call, const Store::Token &presented)
{
    auto revoked =
        Store::TokenRepository(call.context.db())
            .revokeFamily(presented.familyId, QStringLiteral("rotated refresh token reused"));
    QJsonObject detail{{QStringLiteral("refresh_token"), presented.token.display()},
                       {QStringLiteral("family"), presented.familyId},
                       {QStringLiteral("revoked"), revoked ? *revoked : -1}};
    if (!revoked)
        detail.insert(QStringLiteral("revocation_error"), revoked.error().toString());
    call.context.audit().record(QStringLiteral("refresh_token.reused"), call.client.client.clientId,
                                presented.clientId, presented.subject, detail, &call.request);
}

Core::Result<IssuedTokens> refreshTokenGrant(TokenCall &call)
{
    auto value = requiredParameter(call.form, QStringLiteral("refresh_token"));
    if (!value)
        return value.error();
    const Store::SecretHash hash = Store::SecretHash::fromSecret(value->toUtf8());
    call.detail.insert(QStringLiteral("refresh_token"), hash.display());
    const std::optional<QString> scope = call.form.value(QStringLiteral("scope"));
    const QStringList resources = call.form.values(QStringLiteral("resource"));
    const Store::Client &client = call.client.client;
    const Config &config = call.context.config();
    // Public clients always rotate (OAuth 2.1 section 4.3.1); confidential ones by choice.
    const bool rotate = !call.client.isConfidential() || config.rotateConfidentialRefreshTokens;
    const auto &db = call.context.db();
    std::optional<Store::Token> presented;

    auto issued =
        db->transactionResult<IssuedTokens>([&](QSqlDatabase &) -> Core::Result<IssuedTokens> {
            Store::TokenRepository tokens(db);
            auto row = tokens.findByHash(hash);
            if (!row)
                return row.error();
            presented = *row;
            call.subject = row->subject;
            if (row->kind != Store::TokenKind::Refresh)
                return invalidGrant(QStringLiteral("the token is not a refresh token"));
            if (row->clientId != client.clientId)
                return invalidGrant(
                    QStringLiteral("the refresh token was issued to another client"));
            if (rotate) {
                auto rotated = tokens.markRotated(hash);
                if (!rotated)
                    return rotated.error();
            } else if (row->rotatedAt) {
                return Core::makeError(Store::ErrorCode::Reused, QString());
            } else if (row->state(call.context.now()) == Store::TokenState::Revoked) {
                return Core::makeError(Store::ErrorCode::Revoked, QString());
            } else if (row->state(call.context.now()) == Store::TokenState::Expired) {
                return Core::makeError(Store::ErrorCode::Expired, QString());
            }
            auto narrowed = narrowedScope(*row, scope);
            if (!narrowed)
                return narrowed.error();
            auto resource = boundResource(config, row->resource, resources);
            if (!resource)
                return resource.error();
            Grant grant;
            grant.clientId = client.clientId;
            grant.subject = row->subject;
            grant.scope = *narrowed;
            grant.refreshScope = row->scope;
            grant.resource = *resource;
            grant.refreshResource = row->resource;
            grant.issueRefreshToken = rotate;
            grant.familyId = row->familyId;
            grant.parentId = row->id;
            grant.authorizationCodeId = row->authorizationCodeId;
            // The family ends when the first refresh token would have: rotation does not
            // extend a grant forever.
            grant.refreshExpiresAt = row->expiresAt;
            return call.context.tokens().issue(grant);
        });
    if (issued)
        return issued;
    const QString &code = issued.error().code;
    if (code == Store::ErrorCode::Reused && presented) {
        revokeReusedFamily(call, *presented);
        return invalidGrant(QStringLiteral("the refresh token was already used; every token of "
                                           "its grant is revoked"));
    }
    if (code == Store::ErrorCode::NotFound)
        return invalidGrant(QStringLiteral("unknown refresh token"));
    if (code == Store::ErrorCode::Revoked)
        return invalidGrant(QStringLiteral("the refresh token is revoked"));
    if (code == Store::ErrorCode::Expired)
        return invalidGrant(QStringLiteral("the refresh token has expired"));
    if (code == Store::ErrorCode::InvalidArgument)
        return invalidGrant(QStringLiteral("the token is not a refresh token"));
    if (isOAuthError(issued.error()))
        return issued.error();
    return internalError(issued.error(), QStringLiteral("refreshing the token failed"));
}

// --- client_credentials -----------------------------------------------------------------

Core::Result<IssuedTokens> clientCredentialsGrant(TokenCall &call)
{
    const Store::Client &client = call.client.client;
    // RFC 6749 section 4.4: confidential clients only.
    if (!call.client.isConfidential())
        return Core::makeError(OAuthError::UnauthorizedClient,
                               QStringLiteral("client_credentials needs a confidential client "
                                              "that authenticates"));
    call.subject = client.clientId;
    const Config &config = call.context.config();
    auto scopes = resolveScope(config, client, call.form.value(QStringLiteral("scope")));
    if (!scopes)
        return scopes.error();
    auto resource = resolveResource(config, call.form.values(QStringLiteral("resource")));
    if (!resource)
        return resource.error();
    Grant grant;
    grant.clientId = client.clientId;
    grant.subject = client.clientId;
    grant.scope = joinScope(*scopes);
    grant.resource = *resource;
    auto issued = call.context.tokens().issue(grant);
    if (!issued)
        return internalError(issued.error(), QStringLiteral("issuing the token failed"));
    return issued;
}

// --- device_code ------------------------------------------------------------------------

struct DeviceExchange
{
    Store::DevicePoll poll;
    std::optional<IssuedTokens> tokens;
};

Core::Result<IssuedTokens> deviceCodeGrant(TokenCall &call)
{
    auto value = requiredParameter(call.form, QStringLiteral("device_code"));
    if (!value)
        return value.error();
    const Store::SecretHash hash = Store::SecretHash::fromSecret(value->toUtf8());
    call.detail.insert(QStringLiteral("device_code"), hash.display());
    const Store::Client &client = call.client.client;
    const auto &db = call.context.db();

    // The poll's bookkeeping (last poll time, a slower interval) is committed whatever it
    // found; only a client mismatch or a failed issuance rolls it back.
    auto exchange =
        db->transactionResult<DeviceExchange>([&](QSqlDatabase &) -> Core::Result<DeviceExchange> {
            auto poll = Store::DeviceCodeRepository(db).poll(hash);
            if (!poll)
                return poll.error();
            if (poll->code.clientId != client.clientId)
                return invalidGrant(QStringLiteral("the device code was issued to another client"));
            DeviceExchange out{*poll, std::nullopt};
            if (poll->outcome != Store::DevicePollOutcome::Approved)
                return out;
            Grant grant;
            grant.clientId = client.clientId;
            grant.subject = poll->code.subject;
            grant.scope = poll->code.scope;
            grant.resource = poll->code.resource;
            grant.issueRefreshToken = clientHasGrant(client, GrantType::RefreshToken);
            auto issued = call.context.tokens().issue(grant);
            if (!issued)
                return issued.error();
            out.tokens = std::move(*issued);
            return out;
        });
    if (!exchange) {
        if (exchange.error().code == Store::ErrorCode::NotFound)
            return invalidGrant(QStringLiteral("unknown device code"));
        if (isOAuthError(exchange.error()))
            return exchange.error();
        return internalError(exchange.error(), QStringLiteral("polling the device code failed"));
    }
    call.subject = exchange->poll.code.subject;
    switch (exchange->poll.outcome) {
    case Store::DevicePollOutcome::Approved:
        return std::move(*exchange->tokens);
    case Store::DevicePollOutcome::Pending:
        return Core::makeError(OAuthError::AuthorizationPending,
                               QStringLiteral("the user has not approved the request yet"));
    case Store::DevicePollOutcome::SlowDown:
        return Core::makeError(OAuthError::SlowDown,
                               QStringLiteral("polling too fast; poll every %1 seconds")
                                   .arg(exchange->poll.code.intervalSeconds));
    case Store::DevicePollOutcome::Denied:
        return Core::makeError(OAuthError::AccessDenied,
                               QStringLiteral("the user denied the request"));
    case Store::DevicePollOutcome::Expired:
        return Core::makeError(OAuthError::ExpiredToken,
                               QStringLiteral("the device code has expired; start again"));
    case Store::DevicePollOutcome::AlreadyConsumed:
        break;
    }
    return invalidGrant(QStringLiteral("the device code was already exchanged"));
}

// --- the endpoint -----------------------------------------------------------------------

using GrantHandler = Core::Result<IssuedTokens> (*)(TokenCall &);

GrantHandler grantHandler(const QString &grantType)
{
    if (grantType == GrantType::AuthorizationCode)
        return &authorizationCodeGrant;
    if (grantType == GrantType::RefreshToken)
        return &refreshTokenGrant;
    if (grantType == GrantType::ClientCredentials)
        return &clientCredentialsGrant;
    if (grantType == GrantType::DeviceCode)
        return &deviceCodeGrant;
    return nullptr;
}

/// Polling answers are not refusals worth an audit row every five seconds.
bool isPollingAnswer(const Core::Error &error)
{
    return error.code == OAuthError::AuthorizationPending || error.code == OAuthError::SlowDown;
}

Http::Response handleToken(Context &context, const Http::Request &request)
{
    const Config &config = context.config();
    if (auto limited =
            checkRateLimit(context, QStringLiteral("token:addr:") + clientAddress(request),
                           config.tokenPerAddress))
        return *limited;
    auto accepted =
        acceptClientCall(context, request, Paths::Token, QStringLiteral("token.refused"));
    if (auto *answer = std::get_if<Http::Response>(&accepted))
        return *answer;
    const auto &[form, client] = std::get<ClientCall>(accepted);
    const QString grantType = form.value(QStringLiteral("grant_type")).value_or(QString());
    const QString &clientId = client.client.clientId;
    if (auto limited = checkRateLimit(context, QStringLiteral("token:client:") + clientId,
                                      config.tokenPerClient))
        return *limited;

    TokenCall call{context, request, form, client, {}, {{QStringLiteral("grant_type"), grantType}}};
    Core::Result<IssuedTokens> issued = [&]() -> Core::Result<IssuedTokens> {
        if (grantType.isEmpty())
            return Core::makeError(OAuthError::InvalidRequest,
                                   QStringLiteral("the parameter grant_type is missing"));
        const GrantHandler handler = grantHandler(grantType);
        if (!handler)
            return Core::makeError(
                OAuthError::UnsupportedGrantType,
                QStringLiteral("the grant type \"%1\" is not supported").arg(grantType.left(100)));
        // call.client, not the structured binding: clang before 16 cannot capture those.
        if (!clientHasGrant(call.client.client, grantType))
            return Core::makeError(OAuthError::UnauthorizedClient,
                                   QStringLiteral("the client %1 is not registered for the grant "
                                                  "type %2")
                                       .arg(clientId, grantType));
        return handler(call);
    }();
    if (!issued) {
        if (!isPollingAnswer(issued.error()))
            auditRefusal(context, request, QStringLiteral("token.refused"), clientId, call.subject,
                         issued.error(), call.detail);
        return clientErrorResponse(request, issued.error());
    }
    call.detail.insert(QStringLiteral("access_token"), issued->accessRow.token.display());
    call.detail.insert(QStringLiteral("scope"), issued->scope);
    call.detail.insert(QStringLiteral("resource"), issued->accessRow.resource);
    call.detail.insert(QStringLiteral("family"), issued->accessRow.familyId);
    if (issued->refreshRow)
        call.detail.insert(QStringLiteral("refresh_token"), issued->refreshRow->token.display());
    context.audit().record(QStringLiteral("token.issued"), clientId, clientId, call.subject,
                           call.detail, &request);
    return jsonNoStore(issued->toJson());
}

} // namespace

void installTokenEndpoint(Context &context, Http::Router &router)
{
    router.handle(QByteArrayLiteral("POST"), QByteArray(Paths::Token),
                  [&context](const Http::Request &request) {
                      Http::Response response = handleToken(context, request);
                      addCorsHeaders(context.config(), request, response);
                      return response;
                  });
    router.handle(QByteArrayLiteral("OPTIONS"), QByteArray(Paths::Token),
                  [&context](const Http::Request &request) {
                      return corsPreflight(context.config(), request,
                                           QByteArrayLiteral("POST, OPTIONS"));
                  });
}

} // namespace Auth
