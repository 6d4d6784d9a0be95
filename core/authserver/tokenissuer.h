#pragma once

#include <QJsonObject>
#include <QString>

#include "authserver/config.h"
#include "common/result.h"
#include "store/tokenrepository.h"

namespace Auth {

class Context;

/// The claims of the JWT access token (RFC 9068) the issuer signs for `token`, rebuilt from
/// its stored row: iss, sub, aud, exp, iat, jti, client_id and scope. The issuer signs
/// exactly this object, so a stored JWT's claims can be shown without keeping the token.
[[nodiscard]] QJsonObject accessTokenClaims(const QString &issuer, const Store::Token &token);

/// What a grant asks the issuer for.
struct Grant
{
    QString clientId;
    QString subject;  ///< the user, or the client id for client_credentials
    QString scope;    ///< space-separated, already validated
    QString resource; ///< canonical resource URI (audience), already validated
    bool issueRefreshToken = false;
    /// Refresh rotation: the family to continue and the refresh token it replaces.
    QString familyId;
    std::optional<qint64> parentId;
    std::optional<qint64> authorizationCodeId;
    /// Keep the refresh token's original expiry when rotating (0 = a fresh lifetime).
    qint64 refreshExpiresAt = 0;
    /// Scope and resource of the new refresh token when they differ from the access
    /// token's (a refresh that narrows the access token keeps the refresh token's scope,
    /// RFC 6749 section 6). Empty = the same as `scope` / `resource`.
    QString refreshScope;
    QString refreshResource;
};

/// A successful token response (RFC 6749 section 5.1) and the stored rows.
struct IssuedTokens
{
    QByteArray accessToken; ///< the clear value: only ever in the HTTP response
    QByteArray refreshToken;
    qint64 expiresIn = 0;
    QString scope;
    Store::Token accessRow;
    std::optional<Store::Token> refreshRow;

    /// {access_token, token_type: "Bearer", expires_in, scope, refresh_token?}
    [[nodiscard]] QJsonObject toJson() const;
};

/// Mints access tokens (opaque: "mat_" + 256 random bits; or RFC 9068 JWT signed by the
/// KeyManager, typ "at+jwt", claims iss, sub, aud, exp, iat, nbf?, jti, client_id, scope)
/// and refresh tokens ("mrt_" + 256 bits), and stores them (hash only) in one transaction
/// before returning, so every issued token is a committed row before the response leaves.
class TokenIssuer final
{
    Q_DISABLE_COPY_MOVE(TokenIssuer)

public:
    explicit TokenIssuer(Context &context);

    Core::Result<IssuedTokens> issue(const Grant &grant);

private:
    Context &m_context;
};

} // namespace Auth
