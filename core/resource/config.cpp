#include "resource/config.h"

#include <QJsonArray>
#include <QSet>

namespace Resource {

namespace {

Core::Error configError(const QString &field, const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_config"), QStringLiteral("resource_server.") +
                                                                 field + QStringLiteral(": ") +
                                                                 message);
}

Core::Result<QStringList> stringList(const QJsonValue &value, const QString &field)
{
    if (!value.isArray())
        return configError(field, QStringLiteral("must be an array of strings"));
    QStringList out;
    for (const QJsonValue &item : value.toArray()) {
        if (!item.isString() || item.toString().isEmpty() ||
            item.toString().contains(QLatin1Char(' ')))
            return configError(field, QStringLiteral("every item must be a non-empty string "
                                                     "without spaces"));
        out.append(item.toString());
    }
    return out;
}

Core::Result<int> positiveInt(const QJsonValue &value, const QString &field, int min)
{
    if (!value.isDouble() || value.toDouble() != double(value.toInt()) || value.toInt() < min)
        return configError(field, QStringLiteral("must be an integer >= ") + QString::number(min));
    return value.toInt();
}

} // namespace

Friction::ControllerConfig demoFrictionConfig()
{
    Friction::ControllerConfig config;
    const auto tool = [](double targetRate) {
        Friction::ToolConfig settings;
        settings.targetRate = targetRate;
        return settings;
    };
    config.tools = {
        {QStringLiteral("list_tasks"), tool(0.35)},  {QStringLiteral("get_task"), tool(0.30)},
        {QStringLiteral("create_task"), tool(0.20)}, {QStringLiteral("update_task"), tool(0.15)},
        {QStringLiteral("delete_task"), tool(0.05)}, {QStringLiteral("echo"), tool(0.30)},
    };
    Friction::GroupConfig writes;
    writes.tools = {QStringLiteral("create_task"), QStringLiteral("update_task"),
                    QStringLiteral("delete_task")};
    writes.aggregateTarget = 0.40;
    config.groups.insert(QStringLiteral("writes"), writes);
    return config;
}

Core::Result<Config> Config::fromJson(const QJsonObject &object)
{
    Config config;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        if (key == QLatin1String("authorization_servers") || key == QLatin1String("base_scopes")) {
            auto list = stringList(it.value(), key);
            if (!list)
                return list.error();
            (key == QLatin1String("base_scopes") ? config.baseScopes
                                                 : config.authorizationServers) = *list;
        } else if (key == QLatin1String("tool_scopes")) {
            if (!it.value().isObject())
                return configError(key, QStringLiteral("must be an object of tool -> scopes"));
            config.toolScopes.clear();
            const QJsonObject tools = it.value().toObject();
            for (auto tool = tools.begin(); tool != tools.end(); ++tool) {
                auto list = stringList(tool.value(), key + QLatin1Char('.') + tool.key());
                if (!list)
                    return list.error();
                config.toolScopes.insert(tool.key(), *list);
            }
        } else if (key == QLatin1String("verification")) {
            config.verification = it.value().toString();
        } else if (key == QLatin1String("cache_size") ||
                   key == QLatin1String("positive_cache_seconds") ||
                   key == QLatin1String("negative_cache_seconds") ||
                   key == QLatin1String("max_sessions") ||
                   key == QLatin1String("session_idle_seconds")) {
            const bool cacheSeconds = key.endsWith(QLatin1String("cache_seconds"));
            auto number = positiveInt(it.value(), key, cacheSeconds ? 0 : 1);
            if (!number)
                return number.error();
            if (key == QLatin1String("cache_size"))
                config.cacheSize = *number;
            else if (key == QLatin1String("positive_cache_seconds"))
                config.positiveCacheSeconds = *number;
            else if (key == QLatin1String("negative_cache_seconds"))
                config.negativeCacheSeconds = *number;
            else if (key == QLatin1String("session_idle_seconds"))
                config.sessionIdleSeconds = *number;
            else
                config.maxSessions = *number;
        } else if (key == QLatin1String("friction")) {
            if (!it.value().isObject())
                return configError(key, QStringLiteral("must be an object"));
            auto friction = Friction::ControllerConfig::fromJson(it.value().toObject());
            if (!friction)
                return Core::makeError(friction.error().code, QStringLiteral("resource_server.") +
                                                                  friction.error().message);
            config.friction = *friction;
        } else {
            return configError(key, QStringLiteral("unknown member"));
        }
    }
    if (auto valid = config.validate(); !valid)
        return valid.error();
    return config;
}

QJsonObject Config::toJson() const
{
    QJsonObject tools;
    for (auto it = toolScopes.begin(); it != toolScopes.end(); ++it)
        tools.insert(it.key(), QJsonArray::fromStringList(it.value()));
    return {
        {QStringLiteral("authorization_servers"), QJsonArray::fromStringList(authorizationServers)},
        {QStringLiteral("base_scopes"), QJsonArray::fromStringList(baseScopes)},
        {QStringLiteral("tool_scopes"), tools},
        {QStringLiteral("verification"), verification},
        {QStringLiteral("cache_size"), cacheSize},
        {QStringLiteral("positive_cache_seconds"), positiveCacheSeconds},
        {QStringLiteral("negative_cache_seconds"), negativeCacheSeconds},
        {QStringLiteral("max_sessions"), maxSessions},
        {QStringLiteral("session_idle_seconds"), sessionIdleSeconds},
        {QStringLiteral("friction"), friction.toJson()},
    };
}

Core::Status Config::validate() const
{
    if (verification != QLatin1String("introspection") && verification != QLatin1String("jwt"))
        return configError(QStringLiteral("verification"),
                           QStringLiteral("must be \"introspection\" or \"jwt\""));
    for (const QString &server : authorizationServers) {
        if (!server.startsWith(QLatin1String("https://")) &&
            !server.startsWith(QLatin1String("http://")))
            return configError(QStringLiteral("authorization_servers"),
                               QStringLiteral("\"") + server +
                                   QStringLiteral("\" is not an http(s) URL"));
    }
    for (auto it = toolScopes.begin(); it != toolScopes.end(); ++it) {
        if (!Friction::isValidToolName(it.key()))
            return configError(QStringLiteral("tool_scopes.") + it.key(),
                               QStringLiteral("is not a valid MCP tool name"));
    }
    if (cacheSize < 1 || maxSessions < 1 || sessionIdleSeconds < 1 || positiveCacheSeconds < 0 ||
        negativeCacheSeconds < 0)
        return configError(QStringLiteral("cache_size"), QStringLiteral("out of range"));
    return friction.validate();
}

QStringList Config::scopesSupported() const
{
    QSet<QString> all(baseScopes.begin(), baseScopes.end());
    for (const QStringList &scopes : toolScopes)
        all.unite(QSet<QString>(scopes.begin(), scopes.end()));
    all.remove(QStringLiteral("offline_access"));
    QStringList out(all.begin(), all.end());
    out.sort();
    return out;
}

QStringList Config::scopesFor(const QString &tool) const
{
    QStringList out = baseScopes;
    for (const QString &scope : toolScopes.value(tool))
        if (!out.contains(scope))
            out.append(scope);
    return out;
}

} // namespace Resource
