#include "authserver/config.h"

#include <functional>

#include <QJsonArray>
#include <QJsonValue>
#include <QSet>
#include <QUrl>

#include "crypto/jwsalgorithm.h"

namespace Auth {

namespace {

const QString kPrefix = QStringLiteral("authorization_server.");
constexpr int kOneYear = 365 * 24 * 3600;

Core::Error fieldError(const QString &field, const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_config"),
                           kPrefix + field + QStringLiteral(": ") + message);
}

Core::Result<QString> readString(const QJsonValue &value, const QString &field)
{
    if (!value.isString())
        return fieldError(field, QStringLiteral("must be a string"));
    return value.toString();
}

Core::Result<bool> readBool(const QJsonValue &value, const QString &field)
{
    if (!value.isBool())
        return fieldError(field, QStringLiteral("must be true or false"));
    return value.toBool();
}

Core::Result<int> readInt(const QJsonValue &value, const QString &field)
{
    if (!value.isDouble())
        return fieldError(field, QStringLiteral("must be a number"));
    const double d = value.toDouble();
    if (d < -2147483648.0 || d > 2147483647.0 || d != static_cast<double>(static_cast<qint64>(d)))
        return fieldError(field, QStringLiteral("must be a whole number"));
    return static_cast<int>(d);
}

Core::Result<QStringList> readStringList(const QJsonValue &value, const QString &field)
{
    if (!value.isArray())
        return fieldError(field, QStringLiteral("must be an array of strings"));
    QStringList out;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &item : array) {
        if (!item.isString())
            return fieldError(field, QStringLiteral("must be an array of strings"));
        out.append(item.toString());
    }
    return out;
}

Core::Result<AccessTokenFormat> formatFromName(const QString &name, const QString &field)
{
    if (name == QLatin1String("opaque"))
        return AccessTokenFormat::Opaque;
    if (name == QLatin1String("jwt"))
        return AccessTokenFormat::Jwt;
    return fieldError(field, QStringLiteral("must be \"opaque\" or \"jwt\""));
}

Core::Result<RateLimit> readRateLimit(const QJsonValue &value, const QString &field)
{
    if (!value.isObject())
        return fieldError(field, QStringLiteral("must be an object {limit, window_seconds}"));
    RateLimit limit;
    const QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString sub = field + QLatin1Char('.') + it.key();
        auto n = readInt(it.value(), sub);
        if (!n)
            return n.error();
        if (it.key() == QLatin1String("limit"))
            limit.limit = *n;
        else if (it.key() == QLatin1String("window_seconds"))
            limit.windowSeconds = *n;
        else
            return fieldError(sub, QStringLiteral("unknown setting"));
    }
    return limit;
}

QJsonObject rateLimitJson(const RateLimit &limit)
{
    return QJsonObject{{QStringLiteral("limit"), limit.limit},
                       {QStringLiteral("window_seconds"), limit.windowSeconds}};
}

/// The rate limits by JSON name, for reading, writing and validating in one place.
QList<QPair<QString, RateLimit Config::*>> rateLimitMembers()
{
    return {
        {QStringLiteral("token_per_client"), &Config::tokenPerClient},
        {QStringLiteral("token_per_address"), &Config::tokenPerAddress},
        {QStringLiteral("register_per_address"), &Config::registerPerAddress},
        {QStringLiteral("device_per_address"), &Config::devicePerAddress},
        {QStringLiteral("login_per_address"), &Config::loginPerAddress},
    };
}

struct IntMember
{
    const char *name;
    int Config::*member;
    int min;
    int max;
};

const IntMember kIntMembers[] = {
    {"authorization_code_lifetime", &Config::authorizationCodeLifetime, 1, 600},
    {"access_token_lifetime", &Config::accessTokenLifetime, 1, kOneYear},
    {"refresh_token_lifetime", &Config::refreshTokenLifetime, 1, kOneYear},
    {"device_code_lifetime", &Config::deviceCodeLifetime, 1, kOneYear},
    {"device_poll_interval", &Config::devicePollInterval, 1, 60},
    {"clock_skew", &Config::clockSkew, 0, 600},
};

struct BoolMember
{
    const char *name;
    bool Config::*member;
};

const BoolMember kBoolMembers[] = {
    {"allow_plain_pkce", &Config::allowPlainPkce},
    {"rotate_confidential_refresh_tokens", &Config::rotateConfidentialRefreshTokens},
    {"auto_approve", &Config::autoApprove},
    {"allow_loopback_cimd", &Config::allowLoopbackCimd},
    {"open_registration", &Config::openRegistration},
};

/// An absolute http(s) URI without fragment (issuer, resources).
Core::Status checkHttpUri(const QString &uri, const QString &field, bool allowQuery)
{
    const QUrl url(uri, QUrl::StrictMode);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return fieldError(field, QStringLiteral("'%1' is not an absolute http(s) URL").arg(uri));
    if (url.hasFragment())
        return fieldError(field, QStringLiteral("'%1' must not have a fragment").arg(uri));
    if (!url.userInfo().isEmpty())
        return fieldError(field, QStringLiteral("'%1' must not have user information").arg(uri));
    if (!allowQuery && url.hasQuery())
        return fieldError(field, QStringLiteral("'%1' must not have a query").arg(uri));
    return {};
}

} // namespace

QString accessTokenFormatName(AccessTokenFormat format)
{
    return format == AccessTokenFormat::Jwt ? QStringLiteral("jwt") : QStringLiteral("opaque");
}

AccessTokenFormat Config::tokenFormatFor(const QString &resource) const
{
    return tokenFormatByResource.value(resource, defaultTokenFormat);
}

Core::Result<Config> Config::fromJson(const QJsonObject &object)
{
    Config config;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString &key = it.key();
        const QJsonValue value = it.value();
        bool handled = false;
        for (const IntMember &m : kIntMembers) {
            if (key == QLatin1String(m.name)) {
                auto n = readInt(value, key);
                if (!n)
                    return n.error();
                config.*m.member = *n;
                handled = true;
            }
        }
        for (const BoolMember &m : kBoolMembers) {
            if (key == QLatin1String(m.name)) {
                auto b = readBool(value, key);
                if (!b)
                    return b.error();
                config.*m.member = *b;
                handled = true;
            }
        }
        if (handled)
            continue;
        if (key == QLatin1String("issuer") || key == QLatin1String("default_resource") ||
            key == QLatin1String("default_scope") || key == QLatin1String("signing_algorithm")) {
            auto s = readString(value, key);
            if (!s)
                return s.error();
            QString &target = key == QLatin1String("issuer")             ? config.issuer
                              : key == QLatin1String("default_resource") ? config.defaultResource
                              : key == QLatin1String("default_scope")    ? config.defaultScope
                                                                         : config.signingAlgorithm;
            target = *s;
        } else if (key == QLatin1String("allowed_resources") ||
                   key == QLatin1String("scopes_supported") ||
                   key == QLatin1String("cors_origins")) {
            auto list = readStringList(value, key);
            if (!list)
                return list.error();
            QStringList &target =
                key == QLatin1String("allowed_resources")  ? config.allowedResources
                : key == QLatin1String("scopes_supported") ? config.scopesSupported
                                                           : config.corsOrigins;
            target = *list;
        } else if (key == QLatin1String("default_token_format")) {
            auto s = readString(value, key);
            if (!s)
                return s.error();
            auto format = formatFromName(*s, key);
            if (!format)
                return format.error();
            config.defaultTokenFormat = *format;
        } else if (key == QLatin1String("token_format_by_resource")) {
            if (!value.isObject())
                return fieldError(key, QStringLiteral("must be an object {resource: format}"));
            const QJsonObject map = value.toObject();
            for (auto f = map.begin(); f != map.end(); ++f) {
                const QString field = key + QLatin1Char('.') + f.key();
                auto s = readString(f.value(), field);
                if (!s)
                    return s.error();
                auto format = formatFromName(*s, field);
                if (!format)
                    return format.error();
                config.tokenFormatByResource.insert(f.key(), *format);
            }
        } else if (key == QLatin1String("rate_limits")) {
            if (!value.isObject())
                return fieldError(key, QStringLiteral("must be an object"));
            const QJsonObject limits = value.toObject();
            const auto members = rateLimitMembers();
            for (auto l = limits.begin(); l != limits.end(); ++l) {
                const QString field = key + QLatin1Char('.') + l.key();
                auto found = std::find_if(members.begin(), members.end(),
                                          [&](const auto &m) { return m.first == l.key(); });
                if (found == members.end())
                    return fieldError(field, QStringLiteral("unknown setting"));
                auto limit = readRateLimit(l.value(), field);
                if (!limit)
                    return limit.error();
                config.*(found->second) = *limit;
            }
        } else {
            return fieldError(key, QStringLiteral("unknown setting"));
        }
    }
    if (auto status = config.validate(); !status)
        return status.error();
    return config;
}

QJsonObject Config::toJson() const
{
    QJsonObject object;
    if (!issuer.isEmpty())
        object.insert(QStringLiteral("issuer"), issuer);
    if (!defaultResource.isEmpty())
        object.insert(QStringLiteral("default_resource"), defaultResource);
    object.insert(QStringLiteral("allowed_resources"),
                  QJsonArray::fromStringList(allowedResources));
    object.insert(QStringLiteral("scopes_supported"), QJsonArray::fromStringList(scopesSupported));
    object.insert(QStringLiteral("default_scope"), defaultScope);
    for (const IntMember &m : kIntMembers)
        object.insert(QLatin1String(m.name), this->*m.member);
    for (const BoolMember &m : kBoolMembers)
        object.insert(QLatin1String(m.name), this->*m.member);
    object.insert(QStringLiteral("default_token_format"),
                  accessTokenFormatName(defaultTokenFormat));
    QJsonObject formats;
    for (auto it = tokenFormatByResource.begin(); it != tokenFormatByResource.end(); ++it)
        formats.insert(it.key(), accessTokenFormatName(it.value()));
    object.insert(QStringLiteral("token_format_by_resource"), formats);
    object.insert(QStringLiteral("signing_algorithm"), signingAlgorithm);
    object.insert(QStringLiteral("cors_origins"), QJsonArray::fromStringList(corsOrigins));
    QJsonObject limits;
    for (const auto &[name, member] : rateLimitMembers())
        limits.insert(name, rateLimitJson(this->*member));
    object.insert(QStringLiteral("rate_limits"), limits);
    return object;
}

Core::Status Config::validate() const
{
    if (!issuer.isEmpty()) {
        if (auto s = checkHttpUri(issuer, QStringLiteral("issuer"), false); !s)
            return s;
        if (issuer.endsWith(QLatin1Char('/')))
            return fieldError(QStringLiteral("issuer"),
                              QStringLiteral("must not end with a slash (RFC 8414 compares it "
                                             "character by character)"));
    }
    if (!defaultResource.isEmpty())
        if (auto s = checkHttpUri(defaultResource, QStringLiteral("default_resource"), true); !s)
            return s;
    for (const QString &resource : allowedResources)
        if (auto s = checkHttpUri(resource, QStringLiteral("allowed_resources"), true); !s)
            return s;
    for (auto it = tokenFormatByResource.begin(); it != tokenFormatByResource.end(); ++it)
        if (auto s = checkHttpUri(it.key(), QStringLiteral("token_format_by_resource"), true); !s)
            return s;
    if (scopesSupported.isEmpty())
        return fieldError(QStringLiteral("scopes_supported"), QStringLiteral("must not be empty"));
    QSet<QString> seen;
    for (const QString &scope : scopesSupported) {
        if (scope.isEmpty())
            return fieldError(QStringLiteral("scopes_supported"),
                              QStringLiteral("must not contain an empty scope"));
        for (const QChar c : scope) {
            const ushort u = c.unicode();
            if (u < 0x21 || u == 0x22 || u == 0x5C || u > 0x7E)
                return fieldError(QStringLiteral("scopes_supported"),
                                  QStringLiteral("'%1' has a character RFC 6749 section 3.3 does "
                                                 "not allow in a scope")
                                      .arg(scope));
        }
        if (seen.contains(scope))
            return fieldError(QStringLiteral("scopes_supported"),
                              QStringLiteral("'%1' is listed twice").arg(scope));
        seen.insert(scope);
    }
    const QStringList defaults = defaultScope.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (defaults.isEmpty())
        return fieldError(QStringLiteral("default_scope"), QStringLiteral("must not be empty"));
    for (const QString &scope : defaults) {
        if (!seen.contains(scope))
            return fieldError(QStringLiteral("default_scope"),
                              QStringLiteral("'%1' is not in scopes_supported").arg(scope));
        if (scope == QLatin1String("offline_access"))
            return fieldError(QStringLiteral("default_scope"),
                              QStringLiteral("must not include offline_access: a refresh token "
                                             "is only issued when a client asks for one"));
    }
    for (const IntMember &m : kIntMembers) {
        const int v = this->*m.member;
        if (v < m.min || v > m.max)
            return fieldError(QLatin1String(m.name),
                              QStringLiteral("must be from %1 to %2 seconds (is %3)")
                                  .arg(m.min)
                                  .arg(m.max)
                                  .arg(v));
    }
    if (!Crypto::jwsAlgorithmFromName(signingAlgorithm))
        return fieldError(QStringLiteral("signing_algorithm"),
                          QStringLiteral("'%1' is not one of RS256, RS384, RS512, PS256, PS384, "
                                         "PS512, ES256, ES384, ES512")
                              .arg(signingAlgorithm));
    for (const QString &origin : corsOrigins) {
        if (origin == QLatin1String("*"))
            continue;
        const QUrl url(origin, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() ||
            (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")) ||
            !url.path().isEmpty() || url.hasQuery() || url.hasFragment() ||
            !url.userInfo().isEmpty())
            return fieldError(
                QStringLiteral("cors_origins"),
                QStringLiteral("'%1' is not an origin (scheme://host[:port]) or \"*\"")
                    .arg(origin));
    }
    for (const auto &[name, member] : rateLimitMembers()) {
        const RateLimit &limit = this->*member;
        if (limit.limit < 0 || limit.limit > 1000000)
            return fieldError(QStringLiteral("rate_limits.") + name + QStringLiteral(".limit"),
                              QStringLiteral("must be from 0 (off) to 1000000"));
        if (limit.windowSeconds < 1 || limit.windowSeconds > 86400)
            return fieldError(QStringLiteral("rate_limits.") + name +
                                  QStringLiteral(".window_seconds"),
                              QStringLiteral("must be from 1 to 86400"));
    }
    return {};
}

} // namespace Auth
