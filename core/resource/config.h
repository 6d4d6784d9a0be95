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
    /// baseScopes plus the tool's scopes, without repeats.
    [[nodiscard]] QStringList scopesFor(const QString &tool) const;
};

} // namespace Resource
