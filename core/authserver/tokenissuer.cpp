#include "authserver/tokenissuer.h"

#include "authserver/context.h"
#include "authserver/keymanager.h"
#include "authserver/oauth.h"
#include "crypto/random.h"
#include "store/secrethash.h"

namespace Auth {

namespace {

QByteArray opaqueToken(const char *prefix)
{
    return QByteArray(prefix) + Crypto::randomToken(32);
}

} // namespace

QJsonObject IssuedTokens::toJson() const
{
    QJsonObject object{
        {QStringLiteral("access_token"), QString::fromLatin1(accessToken)},
        {QStringLiteral("token_type"), QStringLiteral("Bearer")},
        {QStringLiteral("expires_in"), expiresIn},
    };
    if (!scope.isEmpty())
        object.insert(QStringLiteral("scope"), scope);
    if (!refreshToken.isEmpty())
        object.insert(QStringLiteral("refresh_token"), QString::fromLatin1(refreshToken));
    return object;
}

TokenIssuer::TokenIssuer(Context &context)
    : m_context(context)
{}

QJsonObject accessTokenClaims(const QString &issuer, const Store::Token &token)
{
    QJsonObject claims{
        {QStringLiteral("iss"), issuer},
        {QStringLiteral("sub"), token.subject},
        {QStringLiteral("aud"), token.resource},
        {QStringLiteral("exp"), token.expiresAt / 1000},
        {QStringLiteral("iat"), token.issuedAt / 1000},
        {QStringLiteral("jti"), token.jti},
        {QStringLiteral("client_id"), token.clientId},
    };
    if (!token.scope.isEmpty())
        claims.insert(QStringLiteral("scope"), token.scope);
    return claims;
}

Core::Result<IssuedTokens> TokenIssuer::issue(const Grant &grant)
{
    const Config &config = m_context.config();
    if (grant.clientId.isEmpty() || grant.subject.isEmpty())
        return Core::makeError(OAuthError::ServerError,
                               QStringLiteral("a token needs a client and a subject"));
    const QString resource = grant.resource.isEmpty() ? config.defaultResource : grant.resource;
    const qint64 now = m_context.now();
    const QString familyId =
        grant.familyId.isEmpty() ? QString::fromLatin1(Crypto::randomToken(16)) : grant.familyId;

    IssuedTokens out;
    out.expiresIn = config.accessTokenLifetime;
    out.scope = grant.scope;

    Store::Token access;
    access.kind = Store::TokenKind::Access;
    access.clientId = grant.clientId;
    access.subject = grant.subject;
    access.scope = grant.scope;
    access.resource = resource;
    access.issuedAt = now;
    access.expiresAt = now + qint64(config.accessTokenLifetime) * 1000;
    access.familyId = familyId;
    access.authorizationCodeId = grant.authorizationCodeId;

    if (config.tokenFormatFor(resource) == AccessTokenFormat::Jwt) {
        if (resource.isEmpty())
            return Core::makeError(OAuthError::ServerError,
                                   QStringLiteral("a JWT access token needs an audience, and no "
                                                  "resource was named or configured"));
        access.format = Store::TokenFormat::Jwt;
        access.jti = QString::fromLatin1(Crypto::randomToken(16));
        auto jwt = m_context.keys().signJwt(accessTokenClaims(m_context.issuer(), access),
                                            QStringLiteral("at+jwt"));
        if (!jwt)
            return Core::makeError(
                OAuthError::ServerError,
                QStringLiteral("signing the access token failed: %1").arg(jwt.error().message));
        out.accessToken = *jwt;
    } else {
        access.format = Store::TokenFormat::Opaque;
        out.accessToken = opaqueToken("mat_");
    }
    access.token = Store::SecretHash::fromSecret(out.accessToken);

    QList<Store::Token> rows{access};
    if (grant.issueRefreshToken) {
        out.refreshToken = opaqueToken("mrt_");
        Store::Token refresh;
        refresh.kind = Store::TokenKind::Refresh;
        refresh.format = Store::TokenFormat::Opaque;
        refresh.token = Store::SecretHash::fromSecret(out.refreshToken);
        refresh.clientId = grant.clientId;
        refresh.subject = grant.subject;
        refresh.scope = grant.refreshScope.isEmpty() ? grant.scope : grant.refreshScope;
        refresh.resource = grant.refreshResource.isEmpty() ? resource : grant.refreshResource;
        refresh.issuedAt = now;
        refresh.expiresAt = grant.refreshExpiresAt > 0
                                ? grant.refreshExpiresAt
                                : now + qint64(config.refreshTokenLifetime) * 1000;
        refresh.familyId = familyId;
        refresh.parentId = grant.parentId;
        refresh.authorizationCodeId = grant.authorizationCodeId;
        rows.append(refresh);
    }

    auto stored = Store::TokenRepository(m_context.db()).insertAll(rows);
    if (!stored)
        return Core::makeError(
            OAuthError::ServerError,
            QStringLiteral("storing the issued tokens failed: %1").arg(stored.error().toString()));
    out.accessRow = stored->at(0);
    if (stored->size() > 1)
        out.refreshRow = stored->at(1);
    return out;
}

} // namespace Auth
