// The bad-input matrix: every row of badinput.json is a malformed or hostile request sent
// over a raw loopback socket to a real `mcpauth serve` (SQLite store). Each row asserts the
// status and the error code (the JSON "error" member, the WWW-Authenticate error, a
// JSON-RPC error code or the error in a redirect), that both servers still answer, and that
// the database is unchanged (row count and a SHA-256 over every row of every table; the
// audit log is left out because recording refused attempts is its job).
//
// Row format: "server" is "as" or "rs"; either "raw" (exact bytes) or "method", "path",
// "type" (Content-Type), "headers" and "body" (Host, Connection: close and Content-Length
// are added). In every string {host} is the server's host:port, {cid}/{basic}/{pub}/
// {token}/{admin}/{resource} come from the set-up, {C*N} repeats the character C N times
// and {xHH} is the byte 0xHH. "error" is "name" (JSON "error" member), "www:name",
// "loc:name" or "rpc:code".

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <QUuid>

#include <sys/socket.h>

namespace {

struct Reply
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    QByteArray raw;
};

/// One request over a fresh connection: writes `bytes`, half-closes, reads until the server
/// closes (or 10 s pass).
Reply exchange(quint16 port, const QByteArray &bytes)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    Reply reply;
    if (!socket.waitForConnected(5000))
        return reply;
    socket.write(bytes);
    socket.waitForBytesWritten(5000);
    while (socket.bytesToWrite() > 0 && socket.state() == QAbstractSocket::ConnectedState)
        socket.waitForBytesWritten(1000);
    ::shutdown(int(socket.socketDescriptor()), SHUT_WR);
    QDeadlineTimer deadline(10000);
    while (socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        socket.waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime())));
        reply.raw += socket.readAll();
    }
    reply.raw += socket.readAll();
    const qsizetype end = reply.raw.indexOf("\r\n\r\n");
    if (!reply.raw.startsWith("HTTP/1.1 ") || end < 0)
        return reply;
    reply.head = reply.raw.left(end);
    reply.body = reply.raw.mid(end + 4);
    reply.status = reply.raw.mid(9, 3).toInt();
    return reply;
}

QByteArray headerValue(const QByteArray &head, QByteArrayView name)
{
    for (const QByteArray &line : head.split('\n')) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && QByteArrayView(line).first(colon).compare(name, Qt::CaseInsensitive) == 0)
            return line.mid(colon + 1).trimmed();
    }
    return {};
}

/// The error the row's "error" names, read from the place its prefix says.
QString errorOf(const Reply &reply, const QString &expected)
{
    static const QRegularExpression quotedError(QStringLiteral("error=\"([^\"]*)\""));
    static const QRegularExpression queryError(QStringLiteral("[?&]error=([^&]*)"));
    if (expected.startsWith(QLatin1String("www:"))) {
        const auto match =
            quotedError.match(QString::fromLatin1(headerValue(reply.head, "WWW-Authenticate")));
        return QStringLiteral("www:") +
               (match.hasMatch() ? match.captured(1) : QStringLiteral("-"));
    }
    if (expected.startsWith(QLatin1String("loc:"))) {
        const auto match =
            queryError.match(QString::fromLatin1(headerValue(reply.head, "Location")));
        return QStringLiteral("loc:") +
               (match.hasMatch() ? match.captured(1) : QStringLiteral("-"));
    }
    const QJsonValue error =
        QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("error"));
    if (error.isObject())
        return QStringLiteral("rpc:") +
               QString::number(error.toObject().value(QStringLiteral("code")).toInt());
    return error.toString();
}

/// Every table but the audit log: name -> "rows:sha256".
QMap<QString, QString> snapshot(const QString &path)
{
    QMap<QString, QString> result;
    const QString connection = QUuid::createUuid().toString();
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
        if (!db.open()) {
            result.insert(QStringLiteral("!"), db.lastError().text());
        } else {
            QStringList tables;
            QSqlQuery list(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%' ORDER BY name"),
                           db);
            while (list.next())
                tables << list.value(0).toString();
            for (const QString &table : tables) {
                if (table == QLatin1String("audit_events"))
                    continue;
                QSqlQuery rows(db);
                rows.exec(QStringLiteral("SELECT * FROM \"%1\" ORDER BY rowid").arg(table));
                QCryptographicHash hash(QCryptographicHash::Sha256);
                int count = 0;
                while (rows.next()) {
                    ++count;
                    for (int i = 0; i < rows.record().count(); ++i) {
                        hash.addData(rows.value(i).toString().toUtf8());
                        hash.addData(QByteArrayView("\x1f", 1));
                    }
                    hash.addData(QByteArrayView("\x1e", 1));
                }
                result.insert(table, QString::number(count) + QLatin1Char(':') +
                                         QString::fromLatin1(hash.result().toHex()));
            }
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return result;
}

} // namespace

class TestBadInput final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void matrix_data();
    void matrix();

private:
    [[nodiscard]] quint16 portOf(const QString &server) const
    {
        return server == QLatin1String("rs") ? m_rsPort : m_asPort;
    }
    [[nodiscard]] QByteArray expand(const QString &text, const QString &server) const;
    [[nodiscard]] QByteArray build(const QJsonObject &row) const;
    [[nodiscard]] QJsonObject postJson(quint16 port, const QByteArray &path, const QByteArray &type,
                                       const QByteArray &body, const QByteArray &extra = {});

    QTemporaryDir m_dir;
    QProcess m_serve;
    quint16 m_asPort = 0;
    quint16 m_rsPort = 0;
    QHash<QString, QString> m_values;
    QString m_store;
    QMap<QString, QString> m_baseline;
};

QByteArray TestBadInput::expand(const QString &text, const QString &server) const
{
    QString s = text;
    s.replace(QStringLiteral("{host}"),
              QStringLiteral("127.0.0.1:") + QString::number(portOf(server)));
    for (auto it = m_values.begin(); it != m_values.end(); ++it)
        s.replace(QLatin1Char('{') + it.key() + QLatin1Char('}'), it.value());
    static const QRegularExpression repeat(QStringLiteral("\\{(.)\\*(\\d+)\\}"));
    for (auto match = repeat.match(s); match.hasMatch(); match = repeat.match(s))
        s.replace(match.capturedStart(), match.capturedLength(),
                  match.captured(1).repeated(match.captured(2).toInt()));
    QByteArray bytes = s.toUtf8();
    static const QRegularExpression byte(QStringLiteral("\\{x([0-9A-Fa-f]{2})\\}"));
    for (auto match = byte.match(QString::fromLatin1(bytes)); match.hasMatch();
         match = byte.match(QString::fromLatin1(bytes)))
        bytes.replace(match.capturedStart(), match.capturedLength(),
                      QByteArray(1, char(match.captured(1).toInt(nullptr, 16))));
    return bytes;
}

QByteArray TestBadInput::build(const QJsonObject &row) const
{
    const QString server = row.value(QStringLiteral("server")).toString();
    if (row.contains(QStringLiteral("raw")))
        return expand(row.value(QStringLiteral("raw")).toString(), server);
    const QString method = row.value(QStringLiteral("method")).toString(QStringLiteral("POST"));
    const QByteArray body = expand(row.value(QStringLiteral("body")).toString(), server);
    QString head = method + QLatin1Char(' ') + row.value(QStringLiteral("path")).toString() +
                   QStringLiteral(" HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if (const QString type = row.value(QStringLiteral("type")).toString(); !type.isEmpty())
        head += QStringLiteral("Content-Type: ") + type + QStringLiteral("\r\n");
    for (const QJsonValue &header : row.value(QStringLiteral("headers")).toArray())
        head += header.toString() + QStringLiteral("\r\n");
    if (!body.isEmpty() || method == QLatin1String("POST") || method == QLatin1String("PUT"))
        head += QStringLiteral("Content-Length: ") + QString::number(body.size()) +
                QStringLiteral("\r\n");
    return expand(head + QStringLiteral("\r\n"), server) + body;
}

QJsonObject TestBadInput::postJson(quint16 port, const QByteArray &path, const QByteArray &type,
                                   const QByteArray &body, const QByteArray &extra)
{
    const Reply reply =
        exchange(port, "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                           "Content-Type: " + type + "\r\n" + extra + "Content-Length: " +
                           QByteArray::number(body.size()) + "\r\n\r\n" + body);
    if (reply.status / 100 != 2)
        qWarning("set-up request %s answered %d: %s", path.constData(), reply.status,
                 reply.body.left(300).constData());
    return QJsonDocument::fromJson(reply.body).object();
}

void TestBadInput::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QJsonObject limits;
    for (const char *name : {"token_per_client", "token_per_address", "register_per_address",
                             "device_per_address", "login_per_address"})
        limits.insert(QLatin1String(name), QJsonObject{{QStringLiteral("limit"), 0}});
    // Hundreds of requests from one address: rate limits off, so every row meets the check
    // it is about.
    const QJsonObject settings{{QStringLiteral("as_port"), 0},
                               {QStringLiteral("rs_port"), 0},
                               {QStringLiteral("workers"), 2},
                               {QStringLiteral("authorization_server"),
                                QJsonObject{{QStringLiteral("rate_limits"), limits}}}};
    const QString config = m_dir.filePath(QStringLiteral("server.json"));
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(settings).toJson());
    file.close();

    m_store = m_dir.filePath(QStringLiteral("store.db"));
    const QString ready = m_dir.filePath(QStringLiteral("ready.json"));
    const QString adminToken = m_dir.filePath(QStringLiteral("admin-token"));
    m_serve.setStandardOutputFile(m_dir.filePath(QStringLiteral("serve.log")));
    m_serve.setStandardErrorFile(m_dir.filePath(QStringLiteral("serve.err")));
    m_serve.start(QStringLiteral(MCPAUTH_CLI),
                  {QStringLiteral("serve"), QStringLiteral("--config"), config,
                   QStringLiteral("--store"), QStringLiteral("sqlite://") + m_store,
                   QStringLiteral("--admin-token-file"), adminToken, QStringLiteral("--ready-file"),
                   ready});
    QVERIFY(m_serve.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(ready).size() > 0, 30000);
    QFile readyFile(ready);
    QVERIFY(readyFile.open(QIODevice::ReadOnly));
    const QJsonObject info = QJsonDocument::fromJson(readyFile.readAll()).object();
    m_asPort = quint16(QUrl(info.value(QStringLiteral("authorization_server")).toString()).port());
    m_rsPort = quint16(QUrl(info.value(QStringLiteral("resource_server")).toString()).port());
    QVERIFY(m_asPort != 0 && m_rsPort != 0);

    const QJsonObject confidential =
        postJson(m_asPort, "/register", "application/json",
                 QJsonDocument(QJsonObject{{QStringLiteral("client_name"),
                                            QStringLiteral("bad-input confidential")},
                                           {QStringLiteral("grant_types"),
                                            QJsonArray{QStringLiteral("client_credentials")}},
                                           {QStringLiteral("token_endpoint_auth_method"),
                                            QStringLiteral("client_secret_basic")},
                                           {QStringLiteral("scope"), QStringLiteral("tasks:read")}})
                     .toJson(QJsonDocument::Compact));
    const QJsonObject pub = postJson(
        m_asPort, "/register", "application/json",
        QJsonDocument(
            QJsonObject{
                {QStringLiteral("client_name"), QStringLiteral("bad-input public")},
                {QStringLiteral("redirect_uris"),
                 QJsonArray{QStringLiteral("http://127.0.0.1:9/cb")}},
                {QStringLiteral("grant_types"),
                 QJsonArray{QStringLiteral("authorization_code"), QStringLiteral("refresh_token")}},
                {QStringLiteral("response_types"), QJsonArray{QStringLiteral("code")}},
                {QStringLiteral("token_endpoint_auth_method"), QStringLiteral("none")}})
            .toJson(QJsonDocument::Compact));
    const QString clientId = confidential.value(QStringLiteral("client_id")).toString();
    const QString secret = confidential.value(QStringLiteral("client_secret")).toString();
    QVERIFY(!clientId.isEmpty() && !secret.isEmpty());
    QVERIFY(pub.contains(QStringLiteral("client_id")));
    const QByteArray basic = (clientId + QLatin1Char(':') + secret).toUtf8().toBase64();
    const QString resource = info.value(QStringLiteral("mcp_resource")).toString();
    const QJsonObject token = postJson(m_asPort, "/token", "application/x-www-form-urlencoded",
                                       "grant_type=client_credentials&scope=tasks:read&resource=" +
                                           QUrl::toPercentEncoding(resource),
                                       "Authorization: Basic " + basic + "\r\n");
    QVERIFY(token.contains(QStringLiteral("access_token")));
    QFile admin(adminToken);
    QVERIFY(admin.open(QIODevice::ReadOnly));

    m_values = {
        {QStringLiteral("cid"), clientId},
        {QStringLiteral("basic"), QString::fromLatin1(basic)},
        {QStringLiteral("pub"), pub.value(QStringLiteral("client_id")).toString()},
        {QStringLiteral("token"), token.value(QStringLiteral("access_token")).toString()},
        {QStringLiteral("admin"), QString::fromUtf8(admin.readAll().trimmed())},
        {QStringLiteral("resource"), QString::fromLatin1(QUrl::toPercentEncoding(resource))}};
    m_baseline = snapshot(m_store);
    QVERIFY2(!m_baseline.contains(QStringLiteral("!")),
             qPrintable(m_baseline.value(QStringLiteral("!"))));
    QVERIFY(m_baseline.contains(QStringLiteral("tokens")));
}

void TestBadInput::cleanupTestCase()
{
    if (m_serve.state() == QProcess::NotRunning)
        return;
    m_serve.terminate();
    QVERIFY(m_serve.waitForFinished(15000));
    // Still able to shut down cleanly after all of it.
    QCOMPARE(m_serve.exitStatus(), QProcess::NormalExit);
    QCOMPARE(m_serve.exitCode(), 0);
}

void TestBadInput::matrix_data()
{
    QTest::addColumn<QJsonObject>("row");
    QFile file(QDir(QString::fromLocal8Bit(qgetenv("MCPAUTH_TEST_DATA")))
                   .filePath(QStringLiteral("badinput.json")));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    QJsonParseError error{};
    const QJsonArray rows = QJsonDocument::fromJson(file.readAll(), &error).array();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QVERIFY2(rows.size() >= 200, "the matrix must keep at least 200 rows");
    for (const QJsonValue &row : rows) {
        const QByteArray name = row[QStringLiteral("name")].toString().toUtf8();
        QTest::newRow(name.constData()) << row.toObject();
    }
}

void TestBadInput::matrix()
{
    QFETCH(QJsonObject, row);
    const QString server = row.value(QStringLiteral("server")).toString();
    QVERIFY(server == QLatin1String("as") || server == QLatin1String("rs"));
    const Reply reply = exchange(portOf(server), build(row));
    QVERIFY2(reply.status != 0, reply.raw.left(200).constData());
    const QString context = QString::fromUtf8(reply.head.left(600) + "\n\n" + reply.body.left(400));
    QVERIFY2(reply.status == row.value(QStringLiteral("status")).toInt(), qPrintable(context));
    if (const QString expected = row.value(QStringLiteral("error")).toString(); !expected.isEmpty())
        QVERIFY2(errorOf(reply, expected) == expected,
                 qPrintable(QStringLiteral("error %1, expected %2\n%3")
                                .arg(errorOf(reply, expected), expected, context)));

    QVERIFY2(m_serve.state() == QProcess::Running, "the server died");
    for (const quint16 port : {m_asPort, m_rsPort})
        QCOMPARE(
            exchange(port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .status,
            200);
    const QMap<QString, QString> now = snapshot(m_store);
    for (auto it = m_baseline.begin(); it != m_baseline.end(); ++it)
        QVERIFY2(now.value(it.key()) == it.value(),
                 qPrintable(QStringLiteral("table %1 changed: %2 -> %3")
                                .arg(it.key(), it.value(), now.value(it.key()))));
    QCOMPARE(now.size(), m_baseline.size());
}

QTEST_GUILESS_MAIN(TestBadInput)
#include "tst_badinput.moc"
