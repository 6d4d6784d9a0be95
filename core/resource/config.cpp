#include "resource/config.h"

#include <QFile>
#include <QJsonArray>
#include <QSet>
#include <QUrl>

#include "crypto/jwsalgorithm.h"
#include "http/ssrfguard.h"

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

Core::Error fieldError(const QString &field, const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_config"),
                           field + QStringLiteral(": ") + message);
}

const QStringList &authMethods()
{
    static const QStringList methods = {QStringLiteral("client_secret_basic"),
                                        QStringLiteral("client_secret_post"),
                                        QStringLiteral("bearer"), QStringLiteral("none")};
    return methods;
}

/// The string members of a trusted issuer, by JSON name.
QList<std::pair<QLatin1String, QString TrustedIssuer::*>> issuerStrings()
{
    return {
        {QLatin1String("issuer"), &TrustedIssuer::issuer},
        {QLatin1String("verification"), &TrustedIssuer::verification},
        {QLatin1String("introspection_endpoint"), &TrustedIssuer::introspectionEndpoint},
        {QLatin1String("auth_method"), &TrustedIssuer::authMethod},
        {QLatin1String("client_id"), &TrustedIssuer::clientId},
        {QLatin1String("client_secret"), &TrustedIssuer::clientSecret},
        {QLatin1String("client_secret_file"), &TrustedIssuer::clientSecretFile},
        {QLatin1String("bearer_token"), &TrustedIssuer::bearerToken},
        {QLatin1String("bearer_token_file"), &TrustedIssuer::bearerTokenFile},
        {QLatin1String("jwks_uri"), &TrustedIssuer::jwksUri},
    };
}

/// An outbound URL of a trusted issuer: absolute http(s), and allowed by the SSRF guard.
Core::Status checkOutboundUrl(const QString &text, const QString &field, bool allowPrivate,
                              bool isIssuer)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return fieldError(field, QStringLiteral("\"") + text +
                                     QStringLiteral("\" is not an absolute http(s) URL"));
    if (isIssuer && (url.hasQuery() || url.hasFragment()))
        return fieldError(field, QStringLiteral("an issuer has no query or fragment (RFC 8414 "
                                                "section 2)"));
    Http::SsrfPolicy policy;
    policy.allowPrivateNetworks = allowPrivate;
    if (auto allowed = Http::SsrfGuard(policy).checkUrl(text); !allowed)
        return fieldError(field, allowed.error().message);
    return {};
}

} // namespace

Core::Result<TrustedIssuer> TrustedIssuer::fromJson(const QJsonObject &object, const QString &field)
{
    TrustedIssuer trusted;
    const auto strings = issuerStrings();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        const QString member = field + QLatin1Char('.') + key;
        const auto found = std::find_if(strings.begin(), strings.end(),
                                        [&key](const auto &entry) { return entry.first == key; });
        if (found != strings.end()) {
            if (!it.value().isString())
                return fieldError(member, QStringLiteral("must be a string"));
            trusted.*(found->second) = it.value().toString();
        } else if (key == QLatin1String("algorithms")) {
            if (!it.value().isArray())
                return fieldError(member, QStringLiteral("must be an array of JWS algorithm "
                                                         "names"));
            trusted.algorithms.clear();
            for (const QJsonValue &item : it.value().toArray()) {
                if (!item.isString())
                    return fieldError(member, QStringLiteral("must be an array of JWS algorithm "
                                                             "names"));
                trusted.algorithms.append(item.toString());
            }
        } else if (key == QLatin1String("allow_private_network")) {
            if (!it.value().isBool())
                return fieldError(member, QStringLiteral("must be true or false"));
            trusted.allowPrivateNetwork = it.value().toBool();
        } else {
            return fieldError(member, QStringLiteral("unknown member"));
        }
    }
    if (auto valid = trusted.validate(field); !valid)
        return valid.error();
    return trusted;
}

Core::Result<TrustedIssuer> TrustedIssuer::fromSpec(const QString &spec)
{
    const QString field = QStringLiteral("--trust-issuer");
    QStringList parts = spec.split(QLatin1Char(','));
    QJsonObject object{{QStringLiteral("issuer"), parts.takeFirst().trimmed()}};
    for (const QString &part : std::as_const(parts)) {
        const qsizetype equals = part.indexOf(QLatin1Char('='));
        if (equals <= 0)
            return fieldError(field, QStringLiteral("\"") + part.left(40) +
                                         QStringLiteral("\" is not key=value"));
        const QString key = part.left(equals).trimmed();
        const QString value = part.mid(equals + 1).trimmed();
        if (key == QLatin1String("client_secret") || key == QLatin1String("bearer_token"))
            return fieldError(field + QLatin1Char(' ') + key,
                              QStringLiteral("a secret on the command line is visible to other "
                                             "users; use ") +
                                  key + QStringLiteral("_file=PATH"));
        if (key == QLatin1String("algorithms"))
            object.insert(key, QJsonArray::fromStringList(value.split(QLatin1Char('+'))));
        else if (key == QLatin1String("allow_private_network"))
            object.insert(key, value == QLatin1String("true"));
        else
            object.insert(key, value);
    }
    return fromJson(object, field);
}

QJsonObject TrustedIssuer::toJson() const
{
    QJsonObject object;
    for (const auto &[name, member] : issuerStrings())
        if (!(this->*member).isEmpty())
            object.insert(name, this->*member);
    object.insert(QStringLiteral("algorithms"), QJsonArray::fromStringList(algorithms));
    if (allowPrivateNetwork)
        object.insert(QStringLiteral("allow_private_network"), true);
    return object;
}

Core::Status TrustedIssuer::validate(const QString &field) const
{
    const auto member = [&field](const char *name) -> QString {
        return field + QLatin1Char('.') + QLatin1String(name);
    };
    if (issuer.isEmpty())
        return fieldError(member("issuer"), QStringLiteral("is required"));
    if (auto ok = checkOutboundUrl(issuer, member("issuer"), allowPrivateNetwork, true); !ok)
        return ok;
    if (verification != QLatin1String("jwt") && verification != QLatin1String("introspection"))
        return fieldError(member("verification"),
                          QStringLiteral("must be \"jwt\" or \"introspection\""));
    if (!jwksUri.isEmpty())
        if (auto ok = checkOutboundUrl(jwksUri, member("jwks_uri"), allowPrivateNetwork, false);
            !ok)
            return ok;
    if (!introspectionEndpoint.isEmpty())
        if (auto ok = checkOutboundUrl(introspectionEndpoint, member("introspection_endpoint"),
                                       allowPrivateNetwork, false);
            !ok)
            return ok;
    if (algorithms.isEmpty())
        return fieldError(member("algorithms"), QStringLiteral("names no algorithm"));
    for (const QString &name : algorithms)
        if (!Crypto::jwsAlgorithmFromName(name))
            return fieldError(
                member("algorithms"),
                QStringLiteral("\"") + name.left(20) + QStringLiteral("\" is not one of ") + [] {
                    QStringList names;
                    for (auto algorithm : Crypto::allJwsAlgorithms())
                        names.append(Crypto::jwsAlgorithmName(algorithm));
                    return names.join(QStringLiteral(", "));
                }());
    if (!authMethods().contains(authMethod))
        return fieldError(member("auth_method"), QStringLiteral("must be one of ") +
                                                     authMethods().join(QStringLiteral(", ")));
    const bool secretMethod = authMethod == QLatin1String("client_secret_basic") ||
                              authMethod == QLatin1String("client_secret_post");
    const bool bearer = authMethod == QLatin1String("bearer");
    if (!clientSecret.isEmpty() && !clientSecretFile.isEmpty())
        return fieldError(member("client_secret_file"),
                          QStringLiteral("give client_secret or client_secret_file, not both"));
    if (!bearerToken.isEmpty() && !bearerTokenFile.isEmpty())
        return fieldError(member("bearer_token_file"),
                          QStringLiteral("give bearer_token or bearer_token_file, not both"));
    if (verification == QLatin1String("introspection")) {
        if (secretMethod && clientId.isEmpty())
            return fieldError(member("client_id"),
                              QStringLiteral("is required for auth_method ") + authMethod);
        if (secretMethod && clientSecret.isEmpty() && clientSecretFile.isEmpty())
            return fieldError(member("client_secret"),
                              QStringLiteral("client_secret or client_secret_file is required "
                                             "for auth_method ") +
                                  authMethod);
        if (bearer && bearerToken.isEmpty() && bearerTokenFile.isEmpty())
            return fieldError(member("bearer_token"),
                              QStringLiteral("bearer_token or bearer_token_file is required for "
                                             "auth_method bearer"));
    }
    if (!secretMethod && (!clientSecret.isEmpty() || !clientSecretFile.isEmpty()))
        return fieldError(member("client_secret"),
                          QStringLiteral("is only used with auth_method client_secret_basic or "
                                         "client_secret_post"));
    if (!bearer && (!bearerToken.isEmpty() || !bearerTokenFile.isEmpty()))
        return fieldError(member("bearer_token"),
                          QStringLiteral("is only used with auth_method bearer"));
    return {};
}

Core::Result<QByteArray> TrustedIssuer::credential() const
{
    const bool bearer = authMethod == QLatin1String("bearer");
    const QString inlineValue = bearer ? bearerToken : clientSecret;
    const QString path = bearer ? bearerTokenFile : clientSecretFile;
    if (path.isEmpty())
        return inlineValue.toUtf8();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Core::makeError(QStringLiteral("invalid_config"),
                               QStringLiteral("cannot read the credential file %1 of trusted "
                                              "issuer %2: %3")
                                   .arg(path, issuer, file.errorString()));
    const QByteArray value = file.read(64 * 1024).split('\n').value(0).trimmed();
    if (value.isEmpty())
        return Core::makeError(QStringLiteral("invalid_config"),
                               QStringLiteral("the credential file %1 of trusted issuer %2 is "
                                              "empty")
                                   .arg(path, issuer));
    return value;
}

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
        } else if (key == QLatin1String("trusted_issuers")) {
            if (!it.value().isArray())
                return configError(key, QStringLiteral("must be an array of objects"));
            const QJsonArray items = it.value().toArray();
            for (qsizetype i = 0; i < items.size(); ++i) {
                const QString field = QStringLiteral("resource_server.trusted_issuers[%1]").arg(i);
                if (!items.at(i).isObject())
                    return fieldError(field, QStringLiteral("must be an object"));
                auto trusted = TrustedIssuer::fromJson(items.at(i).toObject(), field);
                if (!trusted)
                    return trusted.error();
                config.trustedIssuers.append(*trusted);
            }
        } else if (key == QLatin1String("trust_embedded_issuer")) {
            if (!it.value().isBool())
                return configError(key, QStringLiteral("must be true or false"));
            config.trustEmbeddedIssuer = it.value().toBool();
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
    QJsonArray trusted;
    for (const TrustedIssuer &item : trustedIssuers)
        trusted.append(item.toJson());
    return {
        {QStringLiteral("authorization_servers"), QJsonArray::fromStringList(authorizationServers)},
        {QStringLiteral("trusted_issuers"), trusted},
        {QStringLiteral("trust_embedded_issuer"), trustEmbeddedIssuer},
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
    QSet<QString> issuers;
    for (qsizetype i = 0; i < trustedIssuers.size(); ++i) {
        const QString field = QStringLiteral("resource_server.trusted_issuers[%1]").arg(i);
        if (auto valid = trustedIssuers.at(i).validate(field); !valid)
            return valid;
        if (issuers.contains(trustedIssuers.at(i).issuer))
            return fieldError(field + QStringLiteral(".issuer"), QStringLiteral("is listed twice"));
        issuers.insert(trustedIssuers.at(i).issuer);
    }
    if (!trustEmbeddedIssuer && trustedIssuers.isEmpty())
        return configError(QStringLiteral("trust_embedded_issuer"),
                           QStringLiteral("false needs at least one item in trusted_issuers (no "
                                          "token could be accepted)"));
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

QStringList Config::metadataAuthorizationServers(const QString &embeddedIssuer) const
{
    QStringList out;
    if (trustEmbeddedIssuer)
        out.append(embeddedIssuer);
    const auto add = [&out](const QString &issuer) {
        if (!out.contains(issuer))
            out.append(issuer);
    };
    for (const QString &issuer : authorizationServers)
        add(issuer);
    for (const TrustedIssuer &trusted : trustedIssuers)
        add(trusted.issuer);
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
