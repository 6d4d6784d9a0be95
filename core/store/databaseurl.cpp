#include "store/databaseurl.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QUrl>
#include <QUrlQuery>

#include "store/errors.h"

namespace Store {

namespace {

const QString kMasked = QStringLiteral("****");

Core::Error urlError(const QString &url, const QString &what)
{
    return Core::makeError(
        ErrorCode::InvalidUrl,
        QStringLiteral("invalid database URL '%1': %2").arg(maskDatabaseUrl(url), what));
}

bool isHex(QChar c)
{
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

bool validPercentEncoding(QStringView s)
{
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i] != u'%')
            continue;
        if (i + 2 >= s.size() || !isHex(s[i + 1]) || !isHex(s[i + 2]))
            return false;
        i += 2;
    }
    return true;
}

QString percentDecode(QStringView s)
{
    return QUrl::fromPercentEncoding(s.toUtf8());
}

/// Splits "a=b&c=d" into pairs; duplicate or empty keys are errors.
Core::Result<QList<std::pair<QString, QString>>> parseQuery(const QString &url, QStringView query)
{
    QList<std::pair<QString, QString>> out;
    if (query.isEmpty())
        return out;
    for (QStringView item : query.split(u'&')) {
        const qsizetype eq = item.indexOf(u'=');
        if (eq <= 0)
            return urlError(url, QStringLiteral("malformed query parameter (expected key=value)"));
        if (!validPercentEncoding(item))
            return urlError(url, QStringLiteral("invalid percent-encoding in the query"));
        const QString key = percentDecode(item.left(eq));
        const QString value = percentDecode(item.mid(eq + 1));
        for (const auto &p : out) {
            if (p.first == key)
                return urlError(url, QStringLiteral("query parameter '%1' given twice").arg(key));
        }
        out.append({key, value});
    }
    return out;
}

Core::Result<DatabaseUrl> parseSqlite(const QString &url, QStringView rest)
{
    DatabaseUrl result;
    result.backend = Backend::Sqlite;
    if (rest == u":memory:" || rest.startsWith(u":memory:"))
        return urlError(url, QStringLiteral("in-memory SQLite databases are not supported (each "
                                            "thread has its own connection and would see its own "
                                            "database); use sqlite:///absolute/path/file.db"));
    if (!rest.startsWith(u"//"))
        return urlError(url, QStringLiteral("a relative SQLite path is ambiguous; use "
                                            "sqlite:///absolute/path/file.db (three slashes)"));
    rest = rest.mid(2);
    if (!rest.startsWith(u'/'))
        return urlError(
            url, QStringLiteral("a SQLite URL has no host; use sqlite:///absolute/path/file.db "
                                "(three slashes)"));
    if (rest.contains(u'#'))
        return urlError(url, QStringLiteral("a fragment (#) is not allowed"));
    const qsizetype q = rest.indexOf(u'?');
    QStringView pathPart = q < 0 ? rest : rest.left(q);
    const QStringView query = q < 0 ? QStringView() : rest.mid(q + 1);
    if (!validPercentEncoding(pathPart))
        return urlError(url, QStringLiteral("invalid percent-encoding in the path"));
    QString path = percentDecode(pathPart);
#ifdef Q_OS_WIN
    // sqlite:///C:/dir/file.db
    if (path.size() >= 3 && path[0] == u'/' && path[2] == u':')
        path = path.mid(1);
#endif
    if (path.contains(QChar(0)))
        return urlError(url, QStringLiteral("the path contains a NUL character"));
    if (path.endsWith(u'/') || QDir::cleanPath(path) == QStringLiteral("/"))
        return urlError(url, QStringLiteral("the path names a directory, not a database file"));
    result.path = QDir::cleanPath(path);
    auto params = parseQuery(url, query);
    if (!params)
        return params.error();
    for (const auto &[key, value] : *params) {
        if (key == u"synchronous") {
            const QString v = value.toLower();
            if (v == u"full")
                result.synchronous = Synchronous::Full;
            else if (v == u"normal")
                result.synchronous = Synchronous::Normal;
            else
                return urlError(
                    url,
                    QStringLiteral("synchronous must be 'full' or 'normal', not '%1'").arg(value));
            result.synchronousGiven = true;
        } else {
            return urlError(url, QStringLiteral("unknown SQLite URL parameter '%1' (known: "
                                                "synchronous)")
                                     .arg(key));
        }
    }
    return result;
}

Core::Result<DatabaseUrl> parsePostgres(const QString &url, QStringView rest)
{
    DatabaseUrl result;
    result.backend = Backend::PostgreSql;
    if (rest.contains(u'#'))
        return urlError(url, QStringLiteral("a fragment (#) is not allowed"));
    const qsizetype q = rest.indexOf(u'?');
    const QStringView query = q < 0 ? QStringView() : rest.mid(q + 1);
    if (q >= 0)
        rest = rest.left(q);
    // The authority ends at the first '/' after the last '@' (a password may hold '/' only
    // percent-encoded, but be lenient about where the userinfo ends).
    const qsizetype at = rest.lastIndexOf(u'@');
    const qsizetype slash = rest.indexOf(u'/', at < 0 ? 0 : at);
    if (slash < 0)
        return urlError(url, QStringLiteral("missing database name (…/database)"));
    const QStringView authority = rest.left(slash);
    const QStringView dbPart = rest.mid(slash + 1);
    const qsizetype userAt = authority.lastIndexOf(u'@');
    if (userAt < 0)
        return urlError(url, QStringLiteral("missing user name (postgresql://user@host/database)"));
    const QStringView userInfo = authority.left(userAt);
    QStringView hostPort = authority.mid(userAt + 1);

    const qsizetype colon = userInfo.indexOf(u':');
    const QStringView userPart = colon < 0 ? userInfo : userInfo.left(colon);
    if (userPart.isEmpty())
        return urlError(url, QStringLiteral("missing user name (postgresql://user@host/database)"));
    if (!validPercentEncoding(userPart))
        return urlError(url, QStringLiteral("invalid percent-encoding in the user name"));
    result.user = percentDecode(userPart);
    if (colon >= 0) {
        const QStringView pw = userInfo.mid(colon + 1);
        if (!validPercentEncoding(pw))
            return urlError(url, QStringLiteral("invalid percent-encoding in the password "
                                                "(encode reserved characters such as @ : / %% ?)"));
        result.password = percentDecode(pw);
    }

    if (hostPort.startsWith(u'[')) {
        const qsizetype close = hostPort.indexOf(u']');
        if (close < 0)
            return urlError(url, QStringLiteral("unterminated IPv6 address (missing ']')"));
        result.host = hostPort.mid(1, close - 1).toString();
        hostPort = hostPort.mid(close + 1);
        if (!hostPort.isEmpty() && !hostPort.startsWith(u':'))
            return urlError(url, QStringLiteral("unexpected characters after the IPv6 address"));
    } else {
        const qsizetype pc = hostPort.indexOf(u':');
        result.host = (pc < 0 ? hostPort : hostPort.left(pc)).toString();
        hostPort = pc < 0 ? QStringView() : hostPort.mid(pc);
    }
    if (result.host.isEmpty())
        return urlError(url, QStringLiteral("missing host name"));
    for (QChar c : std::as_const(result.host)) {
        if (!(c.isLetterOrNumber() || c == u'.' || c == u'-' || c == u'_' || c == u':'))
            return urlError(url, QStringLiteral("invalid character in the host name"));
    }
    if (hostPort.startsWith(u':')) {
        bool ok = false;
        const QStringView portText = hostPort.mid(1);
        const int port = portText.toInt(&ok);
        if (!ok || port < 1 || port > 65535 || portText.startsWith(u'+'))
            return urlError(url, QStringLiteral("the port must be a number from 1 to 65535"));
        result.port = port;
    }

    if (dbPart.isEmpty())
        return urlError(url, QStringLiteral("missing database name (…/database)"));
    if (dbPart.contains(u'/'))
        return urlError(url, QStringLiteral("the database name must not contain '/'"));
    if (!validPercentEncoding(dbPart))
        return urlError(url, QStringLiteral("invalid percent-encoding in the database name"));
    result.database = percentDecode(dbPart);

    static const QStringList sslModes = {
        QStringLiteral("disable"), QStringLiteral("allow"),     QStringLiteral("prefer"),
        QStringLiteral("require"), QStringLiteral("verify-ca"), QStringLiteral("verify-full")};
    auto params = parseQuery(url, query);
    if (!params)
        return params.error();
    for (const auto &[key, value] : *params) {
        if (key == u"sslmode") {
            if (!sslModes.contains(value))
                return urlError(url, QStringLiteral("sslmode must be one of %1, not '%2'")
                                         .arg(sslModes.join(QStringLiteral(", ")), value));
            result.sslMode = value;
        } else if (key == u"connect_timeout") {
            bool ok = false;
            const int t = value.toInt(&ok);
            if (!ok || t < 1 || t > 3600)
                return urlError(url, QStringLiteral("connect_timeout must be 1 to 3600 seconds"));
            result.connectTimeoutSeconds = t;
        } else if (key == u"schema") {
            static const QRegularExpression identifier(
                QStringLiteral("^[A-Za-z_][A-Za-z0-9_]{0,62}$"));
            if (!identifier.match(value).hasMatch())
                return urlError(url, QStringLiteral("schema must be a plain identifier (letters, "
                                                    "digits, _; at most 63)"));
            result.schema = value;
        } else {
            return urlError(url, QStringLiteral("unknown PostgreSQL URL parameter '%1' (known: "
                                                "sslmode, connect_timeout, schema)")
                                     .arg(key));
        }
    }
    return result;
}

} // namespace

QString sqliteUrlForPath(const QString &absolutePath)
{
    const QString encoded =
        QString::fromLatin1(QUrl::toPercentEncoding(absolutePath, QByteArrayLiteral("/:")));
    return QStringLiteral("sqlite://") + (encoded.startsWith(u'/') ? encoded : u'/' + encoded);
}

Core::Result<DatabaseUrl> DatabaseUrl::parse(const QString &url)
{
    const QString trimmed = url.trimmed();
    if (trimmed.isEmpty())
        return urlError(url, QStringLiteral("the URL is empty"));
    const qsizetype colon = trimmed.indexOf(u':');
    if (colon <= 0)
        return urlError(url, QStringLiteral("missing scheme (expected sqlite:///path or "
                                            "postgresql://user@host/database)"));
    const QString scheme = trimmed.left(colon).toLower();
    const QStringView rest = QStringView(trimmed).mid(colon + 1);
    if (scheme == u"sqlite")
        return parseSqlite(url, rest);
    if (scheme == u"postgresql" || scheme == u"postgres") {
        if (!rest.startsWith(u"//"))
            return urlError(url, QStringLiteral("expected postgresql://user@host/database"));
        return parsePostgres(url, rest.mid(2));
    }
    return urlError(url, QStringLiteral("unsupported scheme '%1' (expected sqlite or postgresql)")
                             .arg(scheme.left(32)));
}

QString DatabaseUrl::display() const
{
    if (backend == Backend::Sqlite) {
        QString s = sqliteUrlForPath(path);
        if (synchronousGiven)
            s += synchronous == Synchronous::Full ? QStringLiteral("?synchronous=full")
                                                  : QStringLiteral("?synchronous=normal");
        return s;
    }
    const auto enc = [](const QString &s) {
        return QString::fromLatin1(QUrl::toPercentEncoding(s));
    };
    QString s = QStringLiteral("postgresql://") + enc(user);
    if (!password.isEmpty())
        s += QStringLiteral(":") + kMasked;
    s += QStringLiteral("@") + (host.contains(u':') ? u'[' + host + u']' : host) +
         QStringLiteral(":") + QString::number(port) + QStringLiteral("/") + enc(database);
    QStringList query;
    if (!sslMode.isEmpty())
        query.append(QStringLiteral("sslmode=") + sslMode);
    if (!schema.isEmpty())
        query.append(QStringLiteral("schema=") + schema);
    if (!query.isEmpty())
        s += u'?' + query.join(u'&');
    return s;
}

QString maskDatabaseUrl(const QString &url)
{
    // Whatever sits between "scheme://user:" and the last '@' is a password.
    const qsizetype schemeEnd = url.indexOf(QStringLiteral("://"));
    if (schemeEnd < 0)
        return url.left(200);
    const qsizetype start = schemeEnd + 3;
    const qsizetype at = url.lastIndexOf(u'@');
    if (at < start)
        return url.left(200);
    const qsizetype colon = url.indexOf(u':', start);
    if (colon < 0 || colon > at)
        return url.left(200);
    return QString(url.left(colon + 1) + kMasked + url.mid(at)).left(200);
}

QString defaultUrl()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.local/share/mcpauth");
    if (!QDir().exists(dir) && QDir().mkpath(dir))
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    return sqliteUrlForPath(QDir::cleanPath(dir + QStringLiteral("/mcpauth.db")));
}

} // namespace Store
