#pragma once

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "common/result.h"

namespace Auth {

enum class AccessTokenFormat { Opaque, Jwt };

/// One sliding-window limit: at most `limit` hits per `windowSeconds`. limit 0 = off.
struct RateLimit
{
    int limit = 0;
    int windowSeconds = 60;
};

/// Settings of the embedded authorization server. Read from the "authorization_server"
/// object of the JSON config file (the same file as Core::ServerConfig), edited by the
/// Servers panel. Every duration is in seconds.
struct Config
{
    /// The issuer identifier; empty = derived from the listening address by the engine.
    QString issuer;
    /// The resource (RFC 8707) tokens are bound to when a request names none: the embedded
    /// MCP server's canonical URI. Empty = derived by the engine.
    QString defaultResource;
    /// Resources a client may ask tokens for (exact canonical URIs). Empty = any http(s)
    /// URI without fragment is accepted.
    QStringList allowedResources;

    QStringList scopesSupported = {QStringLiteral("tasks:read"), QStringLiteral("tasks:write"),
                                   QStringLiteral("tasks:delete"),
                                   QStringLiteral("offline_access")};
    /// Scope granted when a request names none (must be a subset of scopesSupported).
    QString defaultScope = QStringLiteral("tasks:read");

    int authorizationCodeLifetime = 60;
    int accessTokenLifetime = 3600;
    int refreshTokenLifetime = 30 * 24 * 3600;
    int deviceCodeLifetime = 600;
    int devicePollInterval = 5;
    /// Allowed clock difference for JWT client assertions (exp/iat/nbf).
    int clockSkew = 60;

    AccessTokenFormat defaultTokenFormat = AccessTokenFormat::Opaque;
    /// Per-resource overrides of the access token format (canonical URI -> format).
    QHash<QString, AccessTokenFormat> tokenFormatByResource;
    /// JWS algorithm of new signing keys and JWT access tokens.
    QString signingAlgorithm = QStringLiteral("ES256");

    bool allowPlainPkce = false;
    /// Rotate refresh tokens of confidential clients too (public clients always rotate).
    bool rotateConfidentialRefreshTokens = false;
    /// Approve every authorization request as the demo user without a login or consent
    /// page. For scripted tests only; the server warns loudly when it is on.
    bool autoApprove = false;
    /// Allow Client ID Metadata Document URLs on loopback over http (for tests).
    bool allowLoopbackCimd = false;
    /// Open dynamic client registration (RFC 7591) without an initial access token.
    bool openRegistration = true;

    /// Origins allowed by CORS on metadata, token, register and revoke ("*" = any).
    QStringList corsOrigins;

    RateLimit tokenPerClient{120, 60};
    RateLimit tokenPerAddress{300, 60};
    RateLimit registerPerAddress{20, 60};
    RateLimit devicePerAddress{30, 60};
    RateLimit loginPerAddress{20, 60};

    /// Reads the "authorization_server" object; unknown members, wrong types and values
    /// out of range are errors naming the field ("authorization_server.access_token_lifetime").
    [[nodiscard]] static Core::Result<Config> fromJson(const QJsonObject &object);
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] Core::Status validate() const;

    [[nodiscard]] AccessTokenFormat tokenFormatFor(const QString &resource) const;
};

[[nodiscard]] QString accessTokenFormatName(AccessTokenFormat format);

} // namespace Auth
