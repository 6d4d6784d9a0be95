#include "serverconfig.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonValue>
#include <QSet>
#include <QUrl>

namespace Core {

namespace {

Error fieldError(const QString &field, const QString &message)
{
    return makeError(QStringLiteral("invalid_config"), field + QStringLiteral(": ") + message);
}

Result<quint16> readPort(const QJsonValue &value, const QString &field)
{
    if (!value.isDouble())
        return fieldError(field, QStringLiteral("must be a number"));
    const double d = value.toDouble();
    if (d < 0 || d > 65535 || d != static_cast<double>(static_cast<int>(d)))
        return fieldError(field, QStringLiteral("must be a whole number from 0 to 65535"));
    return static_cast<quint16>(d);
}

Result<QString> readString(const QJsonValue &value, const QString &field)
{
    if (!value.isString())
        return fieldError(field, QStringLiteral("must be a string"));
    return value.toString();
}

} // namespace

Result<ServerConfig> ServerConfig::fromJson(const QJsonObject &object)
{
    static const QSet<QString> known = {
        QStringLiteral("store"),
        QStringLiteral("bind"),
        QStringLiteral("as_port"),
        QStringLiteral("rs_port"),
        QStringLiteral("issuer"),
        QStringLiteral("workers"),
        QStringLiteral("tls"),
        QStringLiteral("tls_cert"),
        QStringLiteral("tls_key"),
        QStringLiteral("admin_token_file"),
        QStringLiteral("authorization_server"),
        QStringLiteral("resource_server"),
    };
    ServerConfig config;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString &key = it.key();
        const QJsonValue value = it.value();
        if (!known.contains(key))
            return fieldError(key, QStringLiteral("unknown setting"));
        if (key == QLatin1String("store")) {
            auto s = readString(value, key);
            if (!s)
                return s.error();
            config.storeUrl = *s;
        } else if (key == QLatin1String("bind")) {
            auto s = readString(value, key);
            if (!s)
                return s.error();
            QHostAddress address;
            if (!address.setAddress(*s))
                return fieldError(key, QStringLiteral("'%1' is not an IP address").arg(*s));
            config.bindAddress = address;
        } else if (key == QLatin1String("as_port") || key == QLatin1String("rs_port")) {
            auto port = readPort(value, key);
            if (!port)
                return port.error();
            (key == QLatin1String("as_port") ? config.asPort : config.rsPort) = *port;
        } else if (key == QLatin1String("issuer")) {
            auto s = readString(value, key);
            if (!s)
                return s.error();
            config.issuer = *s;
        } else if (key == QLatin1String("workers")) {
            if (!value.isDouble() || value.toDouble() < 0 || value.toDouble() > 256 ||
                value.toDouble() != static_cast<double>(value.toInt()))
                return fieldError(key, QStringLiteral("must be a whole number from 0 to 256"));
            config.workerThreads = value.toInt();
        } else if (key == QLatin1String("tls")) {
            if (!value.isBool())
                return fieldError(key, QStringLiteral("must be true or false"));
            config.tls = value.toBool();
        } else if (key == QLatin1String("authorization_server")) {
            if (!value.isObject())
                return fieldError(key, QStringLiteral("must be an object"));
            // Its errors already name the field as "authorization_server.<member>".
            auto as = Auth::Config::fromJson(value.toObject());
            if (!as)
                return as.error();
            config.authorizationServer = *as;
        } else if (key == QLatin1String("resource_server")) {
            if (!value.isObject())
                return fieldError(key, QStringLiteral("must be an object"));
            // Its errors already name the field as "resource_server.<member>".
            auto rs = Resource::Config::fromJson(value.toObject());
            if (!rs)
                return rs.error();
            config.resourceServer = *rs;
        } else if (key == QLatin1String("admin_token_file")) {
            auto s = readString(value, key);
            if (!s)
                return s.error();
            config.adminTokenFile = *s;
        } else {
            auto s = readString(value, key);
            if (!s)
                return s.error();
            (key == QLatin1String("tls_cert") ? config.tlsCertificateFile : config.tlsKeyFile) = *s;
        }
    }
    if (auto status = config.validate(); !status)
        return status.error();
    return config;
}

Result<ServerConfig> ServerConfig::fromFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("invalid_config"),
                         QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    if (file.size() > 1024 * 1024)
        return makeError(QStringLiteral("invalid_config"),
                         QStringLiteral("%1 is larger than 1 MiB").arg(path));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return makeError(QStringLiteral("invalid_config"), QStringLiteral("%1: %2 at offset %3")
                                                               .arg(path, parseError.errorString())
                                                               .arg(parseError.offset));
    if (!document.isObject())
        return makeError(QStringLiteral("invalid_config"),
                         QStringLiteral("%1: the top level must be a JSON object").arg(path));
    return fromJson(document.object());
}

QJsonObject ServerConfig::toJson() const
{
    QJsonObject object{
        {QStringLiteral("bind"), bindAddress.toString()},
        {QStringLiteral("as_port"), asPort},
        {QStringLiteral("rs_port"), rsPort},
        {QStringLiteral("workers"), workerThreads},
        {QStringLiteral("tls"), tls},
        {QStringLiteral("authorization_server"), authorizationServer.toJson()},
        {QStringLiteral("resource_server"), resourceServer.toJson()},
    };
    if (!storeUrl.isEmpty())
        object.insert(QStringLiteral("store"), storeUrl);
    if (!issuer.isEmpty())
        object.insert(QStringLiteral("issuer"), issuer);
    if (!tlsCertificateFile.isEmpty())
        object.insert(QStringLiteral("tls_cert"), tlsCertificateFile);
    if (!tlsKeyFile.isEmpty())
        object.insert(QStringLiteral("tls_key"), tlsKeyFile);
    if (!adminTokenFile.isEmpty())
        object.insert(QStringLiteral("admin_token_file"), adminTokenFile);
    return object;
}

Status ServerConfig::validate() const
{
    if (asPort != 0 && asPort == rsPort)
        return fieldError(QStringLiteral("rs_port"),
                          QStringLiteral("must differ from as_port (%1)").arg(asPort));
    if (tlsCertificateFile.isEmpty() != tlsKeyFile.isEmpty())
        return fieldError(tlsCertificateFile.isEmpty() ? QStringLiteral("tls_cert")
                                                       : QStringLiteral("tls_key"),
                          QStringLiteral("tls_cert and tls_key go together"));
    if (!tlsCertificateFile.isEmpty() && !tls)
        return fieldError(QStringLiteral("tls"),
                          QStringLiteral("must be true when tls_cert is given"));
    if (!issuer.isEmpty()) {
        const QUrl url(issuer, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty() ||
            (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
            return fieldError(QStringLiteral("issuer"),
                              QStringLiteral("must be an absolute http(s) URL"));
        if (url.hasQuery() || url.hasFragment() || issuer.endsWith(QLatin1Char('/')))
            return fieldError(QStringLiteral("issuer"),
                              QStringLiteral("must have no query, fragment or trailing slash "
                                             "(RFC 8414 section 2)"));
    }
    if (auto rs = resourceServer.validate(); !rs)
        return rs;
    return authorizationServer.validate();
}

} // namespace Core
