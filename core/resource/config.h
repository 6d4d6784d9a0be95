#pragma once

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "friction/config.h"

namespace Resource {

/// The friction settings of the demo tools used when the config file has no
/// "resource_server.friction": reads are cheap, writes are limited as a group, and
/// delete_task is meant to be rare, so an agent deleting in bulk meets friction quickly.
[[nodiscard]] Friction::ControllerConfig demoFrictionConfig();

/// An external authorization server whose access tokens this resource server accepts (one
/// item of "resource_server.trusted_issuers"). A value object. It holds the introspection
/// credential when given inline: never log it whole (Crypto::maskSecret()).
struct TrustedIssuer
{
    QString issuer;                               ///< the AS's issuer identifier (`iss`)
    QString verification = QStringLiteral("jwt"); ///< "jwt" (RFC 9068) or "introspection"
    /// RFC 7662 endpoint; empty: the introspection_endpoint of the issuer's metadata.
    QString introspectionEndpoint;
    /// "client_secret_basic", "client_secret_post", "bearer" or "none".
    QString authMethod = QStringLiteral("client_secret_basic");
    QString clientId;
    QString clientSecret;     ///< inline secret (config file only)
    QString clientSecretFile; ///< or a file holding it (first line)
    QString bearerToken;      ///< for auth_method "bearer"
    QString bearerTokenFile;
    QString jwksUri; ///< empty: the jwks_uri of the issuer's RFC 8414 / OIDC metadata
    /// Accepted JWS algorithms of JWT access tokens (names as in RFC 7518).
    QStringList algorithms = {QStringLiteral("RS256"), QStringLiteral("PS256"),
                              QStringLiteral("ES256")};
    /// Lets the JWKS, metadata and introspection URLs resolve to private addresses.
    bool allowPrivateNetwork = false;

    /// Reads one item; `field` prefixes the errors, e.g. "resource_server.trusted_issuers[0]".
    [[nodiscard]] static Core::Result<TrustedIssuer> fromJson(const QJsonObject &object,
                                                              const QString &field);
    /// Reads the CLI form "ISSUER[,key=value]..." (keys as in the JSON, algorithms joined by
    /// '+'). Inline secrets are refused there (a command line is visible to other users):
    /// client_secret_file / bearer_token_file only.
    [[nodiscard]] static Core::Result<TrustedIssuer> fromSpec(const QString &spec);
    [[nodiscard]] QJsonObject toJson() const;
    /// Every rule on the item; errors name "<field>.<member>".
    [[nodiscard]] Core::Status validate(const QString &field) const;
    /// The introspection credential (client secret or bearer token), read from its file
    /// when one is named. Errors say which file and why, never the secret.
    [[nodiscard]] Core::Result<QByteArray> credential() const;
};

/// The "resource_server" object of the JSON config file. A value object; copy freely.
struct Config
{
    /// Extra authorization servers named in the Protected Resource Metadata besides the
    /// embedded one (issuer URLs).
    QStringList authorizationServers;
    /// Scopes every MCP request needs (empty: a valid token is enough).
    QStringList baseScopes;
    /// Scopes a tools/call of each tool needs, by MCP tool name. A tool not listed needs
    /// only baseScopes.
    QMap<QString, QStringList> toolScopes = {
        {QStringLiteral("list_tasks"), {QStringLiteral("tasks:read")}},
        {QStringLiteral("get_task"), {QStringLiteral("tasks:read")}},
        {QStringLiteral("create_task"), {QStringLiteral("tasks:write")}},
        {QStringLiteral("update_task"), {QStringLiteral("tasks:write")}},
        {QStringLiteral("delete_task"), {QStringLiteral("tasks:delete")}},
    };
    /// External authorization servers whose tokens are accepted too; each is named in the
    /// Protected Resource Metadata. Tokens of any other issuer are refused (invalid_token).
    QList<TrustedIssuer> trustedIssuers;
    /// False: the embedded AS's tokens are refused and the PRM names only trustedIssuers
    /// (an RS protected by external authorization servers alone). Needs a trusted issuer.
    bool trustEmbeddedIssuer = true;
    /// "introspection" (RFC 7662 at the embedded AS) or "jwt" (RFC 9068 via its JWKS).
    QString verification = QStringLiteral("introspection");
    int cacheSize = 10000;          ///< verified tokens kept
    int positiveCacheSeconds = 300; ///< never beyond the token's exp
    int negativeCacheSeconds = 10;  ///< refused tokens
    int maxSessions = 10000;        ///< MCP sessions kept; the least recently used go first
    int sessionIdleSeconds = 3600;  ///< a session unused this long is ended
    Friction::ControllerConfig friction = demoFrictionConfig();

    /// Reads the object; errors (code "invalid_config") name the field as
    /// "resource_server.<member>".
    [[nodiscard]] static Core::Result<Config> fromJson(const QJsonObject &object);
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] Core::Status validate() const;

    /// Every scope the server knows of (base and per tool), sorted, without offline_access.
    [[nodiscard]] QStringList scopesSupported() const;
    /// The PRM's authorization_servers: `embeddedIssuer` (unless !trustEmbeddedIssuer),
    /// authorizationServers and each trusted issuer, without repeats.
    [[nodiscard]] QStringList metadataAuthorizationServers(const QString &embeddedIssuer) const;
    /// baseScopes plus the tool's scopes, without repeats.
    [[nodiscard]] QStringList scopesFor(const QString &tool) const;
};

} // namespace Resource
