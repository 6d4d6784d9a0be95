// POST /introspect (RFC 7662) and POST /revoke (RFC 7009).
//
// Who may introspect: the caller must authenticate as a confidential client. It may
// introspect the tokens issued to itself; a static client (registered by the operator or
// the engine, never through /register or a metadata document) whose registered scope
// contains "introspect" may introspect every token — that is how a resource server is
// set up. For anything else the answer is {"active": false}, exactly as for an unknown
// token, so a caller learns nothing about tokens it may not see.
#include <variant>

#include <QJsonArray>

#include "authserver/auditlog.h"
#include "authserver/clientrequest.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "authserver/oauth.h"
#include "http/router.h"
#include "store/errors.h"
#include "store/tokenrepository.h"
#include "store/userrepository.h"

namespace Auth {

namespace {

const QString kIntrospectScope = QStringLiteral("introspect");

bool mayIntrospectAny(const Store::Client &client)
{
    return client.source == QLatin1String("static") &&
           client.scope.split(QLatin1Char(' '), Qt::SkipEmptyParts).contains(kIntrospectScope);
}

/// The stored token `value` names, or nullopt when there is none. Store failures are errors.
Core::Result<std::optional<Store::Token>> findToken(Context &context, const QString &value)
{
    auto row = Store::TokenRepository(context.db())
                   .findByHash(Store::SecretHash::fromSecret(value.toUtf8()));
    if (row)
        return std::optional<Store::Token>(*row);
    if (row.error().code == Store::ErrorCode::NotFound)
        return std::optional<Store::Token>();
    return internalError(row.error(), QStringLiteral("looking up the token failed"));
}

/// A token request of an authenticated client, read: the caller and the token it names
/// (when found), or the answer to send instead.
struct TokenQuery
{
    AuthenticatedClient caller;
    std::optional<Store::Token> token;
};

/// Reads the form, authenticates the client (confidential only for introspection) and
/// looks up the `token` parameter. Refusals are audited as `event`; the hint
/// (token_type_hint) only speeds up a search elsewhere: one lookup by hash finds either
/// kind, so every hint, known or not, is accepted and ignored (RFC 7662 and RFC 7009
/// section 2.1 allow that, and as both kinds are supported unsupported_token_type never
/// applies).
std::variant<TokenQuery, Http::Response> readTokenQuery(Context &context,
                                                        const Http::Request &request,
                                                        const char *path, const QString &event,
                                                        bool confidentialOnly)
{
    auto accepted = acceptClientCall(context, request, path, event);
    if (auto *answer = std::get_if<Http::Response>(&accepted))
        return *answer;
    auto &[form, client] = std::get<ClientCall>(accepted);
    if (confidentialOnly && !client.isConfidential()) {
        const Core::Error error =
            Core::makeError(OAuthError::InvalidClient,
                            QStringLiteral("introspection needs an authenticated confidential "
                                           "client (RFC 7662 section 2.1)"));
        auditRefusal(context, request, event, client.client.clientId, {}, error);
        return clientErrorResponse(request, error);
    }
    auto value = requiredParameter(form, QStringLiteral("token"));
    if (!value) {
        auditRefusal(context, request, event, client.client.clientId, {}, value.error());
        return clientErrorResponse(request, value.error());
    }
    auto token = findToken(context, *value);
    if (!token)
        return clientErrorResponse(request, token.error());
    return TokenQuery{client, *token};
}

/// Audits a request about a token of another client, which is answered as if unknown.
void auditForeignToken(Context &context, const Http::Request &request, const QString &event,
                       const QString &callerId, const Store::Token &token)
{
    auditRefusal(context, request, event, callerId, token.subject,
                 Core::makeError(OAuthError::AccessDenied,
                                 QStringLiteral("the token belongs to another client")),
                 {{QStringLiteral("token"), token.token.display()},
                  {QStringLiteral("token_client_id"), token.clientId}});
}

Http::Response handleIntrospect(Context &context, const Http::Request &request)
{
    const QString event = QStringLiteral("token.introspection_refused");
    auto query = readTokenQuery(context, request, Paths::Introspect, event, true);
    if (auto *answer = std::get_if<Http::Response>(&query))
        return *answer;
    const auto &[caller, token] = std::get<TokenQuery>(query);
    const QJsonObject inactive{{QStringLiteral("active"), false}};
    if (!token || token->state(context.now()) != Store::TokenState::Active)
        return jsonNoStore(inactive);
    if (token->clientId != caller.client.clientId && !mayIntrospectAny(caller.client)) {
        auditForeignToken(context, request, event, caller.client.clientId, *token);
        return jsonNoStore(inactive);
    }
    return jsonNoStore(
        introspectionResponse(context.issuer(), context.db(), *token, context.now()));
}

Http::Response revoked()
{
    // RFC 7009 section 2.2: 200 whether or not there was anything to revoke.
    Http::Response response;
    response.status = 200;
    response.headers.set(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    response.headers.set(QByteArrayLiteral("Pragma"), QByteArrayLiteral("no-cache"));
    return response;
}

Http::Response handleRevoke(Context &context, const Http::Request &request)
{
    const QString event = QStringLiteral("token.revocation_refused");
    auto query = readTokenQuery(context, request, Paths::Revoke, event, false);
    if (auto *answer = std::get_if<Http::Response>(&query))
        return *answer;
    const auto &[client, token] = std::get<TokenQuery>(query);
    const Store::Client &caller = client.client;
    if (!token)
        return revoked();
    const Store::Token &row = *token;
    if (row.clientId != caller.clientId) {
        // RFC 7009 section 2.1: a client may only revoke its own tokens. Answer as for an
        // unknown token, so the caller learns nothing about someone else's token.
        auditForeignToken(context, request, event, caller.clientId, row);
        return revoked();
    }
    Store::TokenRepository tokens(context.db());
    const bool refresh = row.kind == Store::TokenKind::Refresh;
    // Revoking a refresh token ends the whole grant (section 2.1: "SHOULD also invalidate
    // all access tokens based on the same authorization grant").
    auto count = refresh ? tokens.revokeFamily(row.familyId, QStringLiteral("revoked by client"))
                         : tokens.revoke(row.id, QStringLiteral("revoked by client"));
    if (!count)
        return clientErrorResponse(
            request, internalError(count.error(), QStringLiteral("revoking the token failed")));
    context.audit().record(QStringLiteral("token.revoked"), caller.clientId, caller.clientId,
                           row.subject,
                           {{QStringLiteral("token"), row.token.display()},
                            {QStringLiteral("kind"), Store::tokenKindName(row.kind)},
                            {QStringLiteral("family"), row.familyId},
                            {QStringLiteral("revoked"), *count}},
                           &request);
    return revoked();
}

} // namespace

void installIntrospectionAndRevocation(Context &context, Http::Router &router)
{
    router.handle(
        QByteArrayLiteral("POST"), QByteArray(Paths::Introspect),
        [&context](const Http::Request &request) { return handleIntrospect(context, request); });
    router.handle(QByteArrayLiteral("POST"), QByteArray(Paths::Revoke),
                  [&context](const Http::Request &request) {
                      Http::Response response = handleRevoke(context, request);
                      addCorsHeaders(context.config(), request, response);
                      return response;
                  });
    router.handle(QByteArrayLiteral("OPTIONS"), QByteArray(Paths::Revoke),
                  [&context](const Http::Request &request) {
                      return corsPreflight(context.config(), request,
                                           QByteArrayLiteral("POST, OPTIONS"));
                  });
}

QJsonObject introspectionResponse(const QString &issuer, const std::shared_ptr<Store::Database> &db,
                                  const Store::Token &token, qint64 now)
{
    if (token.state(now) != Store::TokenState::Active)
        return QJsonObject{{QStringLiteral("active"), false}};
    const bool access = token.kind == Store::TokenKind::Access;
    QJsonObject out{
        {QStringLiteral("active"), true},
        {QStringLiteral("client_id"), token.clientId},
        {QStringLiteral("sub"), token.subject},
        {QStringLiteral("iss"), issuer},
        {QStringLiteral("exp"), token.expiresAt / 1000},
        {QStringLiteral("iat"), token.issuedAt / 1000},
        // RFC 7662 section 2.2: the OAuth token type. A refresh token is not a bearer
        // access token, and a resource server checking token_type must not take it for one.
        {QStringLiteral("token_type"),
         access ? QStringLiteral("Bearer") : QStringLiteral("refresh_token")},
    };
    if (!token.scope.isEmpty())
        out.insert(QStringLiteral("scope"), token.scope);
    const QStringList audience = token.resource.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (audience.size() == 1)
        out.insert(QStringLiteral("aud"), audience.first());
    else if (!audience.isEmpty())
        out.insert(QStringLiteral("aud"), QJsonArray::fromStringList(audience));
    if (!token.jti.isEmpty())
        out.insert(QStringLiteral("jti"), token.jti);
    // client_credentials tokens have the client as subject; everything else a local user.
    if (token.subject != token.clientId) {
        auto user = Store::UserRepository(db).get(token.subject);
        if (user)
            out.insert(QStringLiteral("username"), user->username);
    }
    return out;
}

} // namespace Auth
