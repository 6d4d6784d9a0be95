// The friction admin API over real HTTP on loopback: Core::Engine (embedded AS + RS) for
// authentication, state, configuration and events; a standalone Http::Server with a
// FrictionAdmin of small limits for the rate limit, the subscriber bound and slow consumers.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include <netinet/in.h>
#include <sys/socket.h>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/tokenissuer.h"
#include "engine.h"
#include "friction/registry.h"
#include "http/client.h"
#include "http/server.h"
#include "resource/frictionadmin.h"
#include "store/auditrepository.h"
#include "store/database.h"
#include "storebackends.h"

namespace {

struct SseMessage
{
    QByteArray event;
    QByteArray id;
    QByteArray data;

    [[nodiscard]] QJsonObject json() const { return QJsonDocument::fromJson(data).object(); }
};

/// A minimal text/event-stream reader over a QTcpSocket (HTTP/1.1, stream ends with close).
class SseClient final : public QObject
{
public:
    explicit SseClient(QObject *parent = nullptr)
        : QObject(parent)
    {
        connect(&m_socket, &QTcpSocket::readyRead, this, &SseClient::handleReadyRead);
        connect(&m_socket, &QTcpSocket::disconnected, this, [this] { m_closed = true; });
    }

    /// `authorization` lines are sent as given ("Bearer x"); `token` adds one for it.
    static QByteArray request(const QUrl &base, const QByteArray &pathAndQuery,
                              const QByteArray &token, const QByteArray &method = "GET",
                              const QByteArrayList &authorization = {})
    {
        QByteArray request = method + " " + pathAndQuery +
                             " HTTP/1.1\r\nHost: " + base.host().toLatin1() +
                             "\r\nAccept: text/event-stream\r\n";
        if (!token.isEmpty())
            request += "Authorization: Bearer " + token + "\r\n";
        for (const QByteArray &value : authorization)
            request += "Authorization: " + value + "\r\n";
        return request + "\r\n";
    }

    void open(const QUrl &base, const QByteArray &pathAndQuery, const QByteArray &token,
              const QByteArray &method = "GET", const QByteArrayList &authorization = {})
    {
        m_socket.connectToHost(base.host(), quint16(base.port()));
        m_socket.write(request(base, pathAndQuery, token, method, authorization));
    }

    /// The value of response header `name` (lower case), or empty.
    [[nodiscard]] QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : m_head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == name)
                return line.mid(colon + 1).trimmed();
        }
        return {};
    }

    /// Takes over a connected socket on which the request was already written.
    void adopt(qintptr descriptor) { m_socket.setSocketDescriptor(descriptor); }

    void abort() { m_socket.abort(); }

    [[nodiscard]] int status() const { return m_status; }
    [[nodiscard]] bool closed() const { return m_closed; }
    [[nodiscard]] const QList<SseMessage> &messages() const { return m_messages; }
    [[nodiscard]] QList<SseMessage> messages(const QByteArray &event) const
    {
        QList<SseMessage> matching;
        for (const SseMessage &message : m_messages) {
            if (message.event == event)
                matching.append(message);
        }
        return matching;
    }
    [[nodiscard]] int comments() const { return m_comments; }
    [[nodiscard]] QByteArray head() const { return m_head; }
    [[nodiscard]] QByteArray body() const { return m_buffer; }

private:
    void handleReadyRead()
    {
        m_buffer += m_socket.readAll();
        if (m_status == 0) {
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            m_head = m_buffer.left(end);
            m_status = m_head.mid(9, 3).toInt();
            m_buffer.remove(0, end + 4);
        }
        if (!m_head.toLower().contains("content-type: text/event-stream"))
            return;
        qsizetype end;
        while ((end = m_buffer.indexOf("\n\n")) >= 0) {
            const QByteArray block = m_buffer.left(end);
            m_buffer.remove(0, end + 2);
            SseMessage message;
            bool comment = true;
            for (const QByteArray &line : block.split('\n')) {
                if (line.startsWith("event: ")) {
                    message.event = line.mid(7);
                    comment = false;
                } else if (line.startsWith("id: ")) {
                    message.id = line.mid(4);
                } else if (line.startsWith("data: ")) {
                    message.data += (message.data.isEmpty() ? "" : "\n") + line.mid(6);
                    comment = false;
                }
            }
            if (!comment)
                m_messages.append(message);
            else if (block.startsWith(':'))
                ++m_comments;
        }
    }

    QTcpSocket m_socket;
    QByteArray m_buffer;
    QByteArray m_head;
    int m_status = 0;
    bool m_closed = false;
    QList<SseMessage> m_messages;
    int m_comments = 0;
};

QJsonObject rpc(int id, const QString &method, const QJsonObject &params = {})
{
    QJsonObject message{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                        {QStringLiteral("method"), method}};
    if (id >= 0)
        message.insert(QStringLiteral("id"), id);
    if (!params.isEmpty())
        message.insert(QStringLiteral("params"), params);
    return message;
}

QByteArray readTokenFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll().trimmed() : QByteArray();
}

/// echo: blocked after a handful of calls (target 0.02, fast adjustment, no warmup to speak of).
QJsonObject echoFrictionConfig()
{
    return {
        {QStringLiteral("tools"),
         QJsonObject{
             {QStringLiteral("echo"), QJsonObject{{QStringLiteral("target_rate"), 0.02},
                                                  {QStringLiteral("justification_threshold"), 0.3},
                                                  {QStringLiteral("hard_block_threshold"), 0.6}}}}},
        {QStringLiteral("controller"), QJsonObject{{QStringLiteral("warmup_calls"), 2},
                                                   {QStringLiteral("adjustment_rate"), 0.3}}},
    };
}

Friction::Principal principal(const QString &subject)
{
    return {subject, QStringLiteral("client-") + subject, QStringLiteral("https://as.test")};
}

} // namespace

class TestRsFrictionAdmin final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void authentication_data();
    void authentication();
    void stateLimit_data();
    void stateLimit();
    void invalidConfig_data();
    void invalidConfig();
    void putConfigTakesEffect_data();
    void putConfigTakesEffect();
    void eventsFromBurstOfCalls();
    void eventFilters_data();
    void eventFilters();
    void disconnectCleansUp();
    void slowConsumerDropsBounded();
    void subscriberBound();
    void keepAliveOnIdleStream();
    void configUnchangedWhenAuditFails();
    void failedAuthenticationsRateLimited();
    void tokenFile_data();
    void tokenFile();
    void tokenFileCreatedAndReused();
    void engineStopClosesStreams();

private:
    Core::ServerConfig engineConfig(const QString &storeUrl, const QString &tokenFile) const;
    Http::ClientResponse send(const QString &base, QByteArray method, const QString &path,
                              const QByteArray &token, const QByteArray &body = {},
                              Http::Headers headers = {});
    Http::ClientResponse admin(QByteArray method, const QString &path, const QByteArray &body = {})
    {
        return send(m_rsBase, std::move(method), path, m_token, body);
    }
    QByteArray issue(Core::Engine &engine, const QString &subject);
    QByteArray initialize(const QString &base, const QByteArray &token);
    QJsonObject callTool(const QString &base, const QByteArray &token, const QByteArray &session,
                         const QString &tool, const QJsonObject &arguments,
                         const QJsonObject &meta = {});

    QTemporaryDir m_dir;
    TestSupport::StoreBackends m_backends;
    Core::Engine m_engine;
    Http::Client m_client;
    QString m_rsBase;
    QByteArray m_token;
    int m_nextId = 1;
};

Core::ServerConfig TestRsFrictionAdmin::engineConfig(const QString &storeUrl,
                                                     const QString &tokenFile) const
{
    Core::ServerConfig config;
    config.storeUrl = storeUrl;
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    config.adminTokenFile = tokenFile;
    auto friction = Friction::ControllerConfig::fromJson(echoFrictionConfig());
    if (friction)
        config.resourceServer.friction = *friction;
    return config;
}

void TestRsFrictionAdmin::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    const Core::Status backends = m_backends.start();
    QVERIFY2(backends.ok(), backends.ok() ? "" : qPrintable(backends.error().toString()));
    const Core::Status started = m_engine.start(
        engineConfig(QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("rs.db")),
                     m_dir.filePath(QStringLiteral("admin/token"))));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    m_rsBase = m_engine.resourceServerUrl().toString();
    QCOMPARE(m_engine.adminTokenFile(), m_dir.filePath(QStringLiteral("admin/token")));
    m_token = readTokenFile(m_engine.adminTokenFile());
    QCOMPARE(m_token.size(), 43);
}

void TestRsFrictionAdmin::cleanupTestCase()
{
    m_engine.stop();
    m_backends.stop();
}

Http::ClientResponse TestRsFrictionAdmin::send(const QString &base, QByteArray method,
                                               const QString &path, const QByteArray &token,
                                               const QByteArray &body, Http::Headers headers)
{
    Http::ClientRequest request;
    request.method = std::move(method);
    request.url = QUrl(base + path);
    request.headers = std::move(headers);
    if (!token.isEmpty())
        request.headers.set("Authorization", "Bearer " + token);
    if (!body.isEmpty() && !request.headers.contains("Content-Type"))
        request.headers.set("Content-Type", "application/json");
    if (!body.isEmpty())
        request.headers.set("Accept", "application/json, text/event-stream");
    request.body = body;
    auto response = m_client.sendAndWait(request);
    if (!response) {
        qWarning() << response.error().toString();
        return {};
    }
    return *response;
}

QByteArray TestRsFrictionAdmin::issue(Core::Engine &engine, const QString &subject)
{
    Auth::Grant grant;
    grant.clientId = engine.demoClientId();
    grant.subject = subject;
    grant.scope = QStringLiteral("tasks:read tasks:write tasks:delete");
    grant.resource = engine.mcpResourceUri();
    auto issued = engine.authorizationServer()->context().tokens().issue(grant);
    return issued ? issued->accessToken : QByteArray();
}

QByteArray TestRsFrictionAdmin::initialize(const QString &base, const QByteArray &token)
{
    const auto response =
        send(base, "POST", QStringLiteral("/mcp"), token,
             QJsonDocument(rpc(m_nextId++, QStringLiteral("initialize"),
                               {{QStringLiteral("protocolVersion"), QStringLiteral("2025-06-18")},
                                {QStringLiteral("capabilities"), QJsonObject{}},
                                {QStringLiteral("clientInfo"),
                                 QJsonObject{{QStringLiteral("name"), QStringLiteral("admin-test")},
                                             {QStringLiteral("version"), QStringLiteral("1")}}}}))
                 .toJson());
    if (response.status != 200)
        return {};
    const QByteArray session = response.headers.value("Mcp-Session-Id");
    Http::Headers headers;
    headers.set("Mcp-Session-Id", session);
    const auto initialized =
        send(base, "POST", QStringLiteral("/mcp"), token,
             QJsonDocument(rpc(-1, QStringLiteral("notifications/initialized"))).toJson(), headers);
    return initialized.status == 202 ? session : QByteArray();
}

QJsonObject TestRsFrictionAdmin::callTool(const QString &base, const QByteArray &token,
                                          const QByteArray &session, const QString &tool,
                                          const QJsonObject &arguments, const QJsonObject &meta)
{
    QJsonObject params{{QStringLiteral("name"), tool}, {QStringLiteral("arguments"), arguments}};
    if (!meta.isEmpty())
        params.insert(QStringLiteral("_meta"), meta);
    Http::Headers headers;
    headers.set("Mcp-Session-Id", session);
    const auto response = send(
        base, "POST", QStringLiteral("/mcp"), token,
        QJsonDocument(rpc(m_nextId++, QStringLiteral("tools/call"), params)).toJson(), headers);
    if (response.status != 200)
        return {{QStringLiteral("httpStatus"), response.status}};
    return QJsonDocument::fromJson(response.body)
        .object()
        .value(QStringLiteral("result"))
        .toObject();
}

void TestRsFrictionAdmin::authentication_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("authorization"); // "TOKEN" is replaced by the admin token
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("error");
    QTest::addColumn<QByteArray>("challenge"); // expected WWW-Authenticate; empty: none

    const QByteArray realm = "Bearer realm=\"mcpauth-admin\"";
    const QByteArray invalid = realm + ", error=\"invalid_token\"";
    const QString state = QStringLiteral("/admin/friction/state");
    QTest::newRow("no token") << QByteArray("GET") << state << QByteArray() << 401
                              << QByteArray("invalid_token") << realm;
    QTest::newRow("basic scheme") << QByteArray("GET") << state << QByteArray("Basic YTpi") << 401
                                  << QByteArray("invalid_token") << realm;
    QTest::newRow("bearer, empty") << QByteArray("GET") << state << QByteArray("Bearer ") << 401
                                   << QByteArray("invalid_token") << realm;
    QTest::newRow("wrong token") << QByteArray("GET") << state
                                 << QByteArray("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                                 << 401 << QByteArray("invalid_token") << invalid;
    QTest::newRow("token with a character more")
        << QByteArray("GET") << state << QByteArray("Bearer TOKENx") << 401
        << QByteArray("invalid_token") << invalid;
    QTest::newRow("wrong token, events")
        << QByteArray("GET") << QStringLiteral("/admin/friction/events")
        << QByteArray("Bearer nope") << 401 << QByteArray("invalid_token") << invalid;
    QTest::newRow("wrong token, unknown path")
        << QByteArray("GET") << QStringLiteral("/admin/secret/thing") << QByteArray("Bearer nope")
        << 401 << QByteArray("invalid_token") << invalid;
    QTest::newRow("token in query")
        << QByteArray("GET") << state + QStringLiteral("?access_token=TOKEN") << QByteArray() << 400
        << QByteArray("invalid_request") << QByteArray();
    QTest::newRow("right token, also in query")
        << QByteArray("GET") << state + QStringLiteral("?access_token=x")
        << QByteArray("Bearer TOKEN") << 400 << QByteArray("invalid_request") << QByteArray();
    QTest::newRow("right token") << QByteArray("GET") << state << QByteArray("Bearer TOKEN") << 200
                                 << QByteArray() << QByteArray();
    QTest::newRow("right token, lower-case scheme")
        << QByteArray("GET") << QStringLiteral("/admin/friction/config")
        << QByteArray("bearer TOKEN") << 200 << QByteArray() << QByteArray();
    QTest::newRow("right token, unknown path")
        << QByteArray("GET") << QStringLiteral("/admin/friction/nothing")
        << QByteArray("Bearer TOKEN") << 404 << QByteArray("not_found") << QByteArray();
    QTest::newRow("right token, /admin")
        << QByteArray("DELETE") << QStringLiteral("/admin") << QByteArray("Bearer TOKEN") << 404
        << QByteArray("not_found") << QByteArray();
    QTest::newRow("right token, wrong method")
        << QByteArray("POST") << state << QByteArray("Bearer TOKEN") << 405
        << QByteArray("invalid_request") << QByteArray();
    QTest::newRow("right token, PUT events")
        << QByteArray("PUT") << QStringLiteral("/admin/friction/events")
        << QByteArray("Bearer TOKEN") << 405 << QByteArray("invalid_request") << QByteArray();
    QTest::newRow("right token, HEAD events")
        << QByteArray("HEAD") << QStringLiteral("/admin/friction/events")
        << QByteArray("Bearer TOKEN") << 405 << QByteArray() << QByteArray();
    QTest::newRow("right token, HEAD state")
        << QByteArray("HEAD") << state << QByteArray("Bearer TOKEN") << 200 << QByteArray()
        << QByteArray();
    QTest::newRow("two Authorization headers")
        << QByteArray("GET") << state << QByteArray("Bearer TOKEN\nBearer TOKEN") << 400
        << QByteArray("invalid_request") << QByteArray();
}

void TestRsFrictionAdmin::authentication()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, authorization);
    QFETCH(int, status);
    QFETCH(QByteArray, error);
    QFETCH(QByteArray, challenge);
    path.replace(QStringLiteral("TOKEN"), QString::fromLatin1(m_token));
    authorization.replace("TOKEN", m_token);
    // A raw client: it sends HEAD and repeated headers exactly as written.
    QByteArrayList lines = authorization.split('\n');
    lines.removeAll(QByteArray());
    SseClient client;
    client.open(m_engine.resourceServerUrl(), path.toUtf8(), {}, method, lines);
    QTRY_VERIFY(client.status() != 0);
    QCOMPARE(client.status(), status);
    QVERIFY(client.header("content-type").startsWith("application/json"));
    QCOMPARE(client.header("www-authenticate"), challenge);
    if (status == 405)
        QCOMPARE(client.header("allow"),
                 QByteArray(path.endsWith(QLatin1String("events")) ? "GET" : "GET, HEAD"));
    if (method == "HEAD") {
        QVERIFY(client.body().isEmpty());
        return;
    }
    const qsizetype length = client.header("content-length").toLongLong();
    QTRY_COMPARE(client.body().size(), length);
    QVERIFY(!client.body().contains(m_token));
    const QJsonObject body = QJsonDocument::fromJson(client.body()).object();
    QCOMPARE(body.value(QStringLiteral("error")).toString().toLatin1(), error);
}

void TestRsFrictionAdmin::stateLimit_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("listed"); // principals listed; -1: not checked
    QTest::newRow("default") << QString() << 200 << 3;
    QTest::newRow("1") << QStringLiteral("?limit=1") << 200 << 1;
    QTest::newRow("2") << QStringLiteral("?limit=2") << 200 << 2;
    QTest::newRow("10000") << QStringLiteral("?limit=10000") << 200 << 3;
    QTest::newRow("0") << QStringLiteral("?limit=0") << 400 << -1;
    QTest::newRow("10001") << QStringLiteral("?limit=10001") << 400 << -1;
    QTest::newRow("negative") << QStringLiteral("?limit=-1") << 400 << -1;
    QTest::newRow("fraction") << QStringLiteral("?limit=1.5") << 400 << -1;
    QTest::newRow("word") << QStringLiteral("?limit=ten") << 400 << -1;
    QTest::newRow("empty") << QStringLiteral("?limit=") << 400 << -1;
    QTest::newRow("huge") << QStringLiteral("?limit=99999999999999999999") << 400 << -1;
    QTest::newRow("plus sign") << QStringLiteral("?limit=%2B5") << 400 << -1;
}

void TestRsFrictionAdmin::stateLimit()
{
    QFETCH(QString, query);
    QFETCH(int, status);
    QFETCH(int, listed);
    const auto registry = m_engine.frictionRegistry();
    for (const QString &subject :
         {QStringLiteral("limit-a"), QStringLiteral("limit-b"), QStringLiteral("limit-c")})
        QVERIFY(registry->evaluate(principal(subject), QStringLiteral("echo"), {},
                                   Friction::Registry::monotonicNow()));
    const auto response = admin("GET", QStringLiteral("/admin/friction/state") + query);
    QCOMPARE(response.status, status);
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    if (status != 200) {
        QCOMPARE(body.value(QStringLiteral("error")).toString(), QStringLiteral("invalid_request"));
        QVERIFY(body.value(QStringLiteral("error_description"))
                    .toString()
                    .startsWith(QStringLiteral("limit:")));
        return;
    }
    QCOMPARE(body.value(QStringLiteral("enabled")).toBool(), true);
    QCOMPARE(body.value(QStringLiteral("config")).toObject(), registry->config().toJson());
    QVERIFY(body.value(QStringLiteral("time")).toDouble() > 0);
    QVERIFY(
        QDateTime::fromString(body.value(QStringLiteral("timestamp")).toString(), Qt::ISODateWithMs)
            .isValid());
    const QJsonObject principals = body.value(QStringLiteral("principals")).toObject();
    const QJsonArray list = principals.value(QStringLiteral("principals")).toArray();
    // The most recently used first.
    QCOMPARE(list.size(), listed);
    QStringList keys;
    for (const QJsonValue &entry : list)
        keys.append(entry.toObject().value(QStringLiteral("principal")).toString());
    QVERIFY2(keys.first().contains(QStringLiteral("limit-c")), qPrintable(keys.join(u',')));
}

void TestRsFrictionAdmin::invalidConfig_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("field"); // must appear in error_description
    const QByteArray json = "application/json";
    QTest::newRow("min above max")
        << QByteArray("{\"tools\":{\"echo\":{\"min_cost\":5,\"max_cost\":1}}}") << json << 400
        << QStringLiteral("invalid_config") << QStringLiteral("friction.tools.echo.max_cost");
    QTest::newRow("alpha out of range")
        << QByteArray("{\"controller\":{\"ema_alpha\":2}}") << json << 400
        << QStringLiteral("invalid_config") << QStringLiteral("ema_alpha");
    QTest::newRow("unknown member") << QByteArray("{\"bogus\":1}") << json << 400
                                    << QStringLiteral("invalid_config") << QStringLiteral("bogus");
    QTest::newRow("wrong type") << QByteArray("{\"tools\":{\"echo\":{\"target_rate\":\"high\"}}}")
                                << json << 400 << QStringLiteral("invalid_config")
                                << QStringLiteral("target_rate");
    QTest::newRow("group of unknown tool")
        << QByteArray("{\"groups\":{\"g\":{\"tools\":[\"nope\"]}}}") << json << 400
        << QStringLiteral("invalid_config") << QStringLiteral("friction.groups.g");
    QTest::newRow("thresholds out of order")
        << QByteArray("{\"tools\":{\"echo\":{\"justification_threshold\":0.9,"
                      "\"hard_block_threshold\":0.5}}}")
        << json << 400 << QStringLiteral("invalid_config") << QStringLiteral("threshold");
    QTest::newRow("principal mode")
        << QByteArray("{\"principal\":\"everyone\"}") << json << 400
        << QStringLiteral("invalid_config") << QStringLiteral("principal");
    QTest::newRow("not json") << QByteArray("{tools:") << json << 400
                              << QStringLiteral("invalid_request") << QStringLiteral("JSON");
    QTest::newRow("array") << QByteArray("[1,2]") << json << 400
                           << QStringLiteral("invalid_request") << QStringLiteral("object");
    QTest::newRow("form body") << QByteArray("tools=1")
                               << QByteArray("application/x-www-form-urlencoded") << 415
                               << QStringLiteral("invalid_request")
                               << QStringLiteral("application/json");
}

void TestRsFrictionAdmin::invalidConfig()
{
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, error);
    QFETCH(QString, field);
    const QJsonObject before = m_engine.frictionRegistry()->config().toJson();
    Http::Headers headers;
    headers.set("Content-Type", contentType);
    const auto response =
        send(m_rsBase, "PUT", QStringLiteral("/admin/friction/config"), m_token, body, headers);
    QCOMPARE(response.status, status);
    const QJsonObject answer = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(answer.value(QStringLiteral("error")).toString(), error);
    const QString description = answer.value(QStringLiteral("error_description")).toString();
    QVERIFY2(description.contains(field), qPrintable(description));
    QCOMPARE(m_engine.frictionRegistry()->config().toJson(), before);
    const auto current = admin("GET", QStringLiteral("/admin/friction/config"));
    QCOMPARE(current.status, 200);
    QCOMPARE(QJsonDocument::fromJson(current.body).object(), before);
}

void TestRsFrictionAdmin::putConfigTakesEffect_data()
{
    TestSupport::StoreBackends::addBackendRows();
}

void TestRsFrictionAdmin::putConfigTakesEffect()
{
    QFETCH(QString, backend);
    auto url = m_backends.freshUrl(backend);
    QVERIFY2(url.ok(), url.ok() ? "" : qPrintable(url.error().toString()));
    Core::Engine engine;
    const Core::Status started =
        engine.start(engineConfig(*url, m_dir.filePath(QStringLiteral("put-") + backend)));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    const QString base = engine.resourceServerUrl().toString();
    const QByteArray adminToken = readTokenFile(engine.adminTokenFile());

    const QByteArray token = issue(engine, QStringLiteral("putter"));
    const QByteArray session = initialize(base, token);
    QVERIFY(!session.isEmpty());

    QJsonObject config = echoFrictionConfig();
    QJsonObject tools = config.value(QStringLiteral("tools")).toObject();
    tools.insert(QStringLiteral("list_tasks"), QJsonObject{{QStringLiteral("target_rate"), 0.375}});
    config.insert(QStringLiteral("tools"), tools);
    const auto put = send(base, "PUT", QStringLiteral("/admin/friction/config"), adminToken,
                          QJsonDocument(config).toJson());
    QCOMPARE(put.status, 200);
    const QJsonObject applied = QJsonDocument::fromJson(put.body).object();
    QCOMPARE(applied, engine.frictionRegistry()->config().toJson());
    QCOMPARE(applied.value(QStringLiteral("tools"))
                 .toObject()
                 .value(QStringLiteral("list_tasks"))
                 .toObject()
                 .value(QStringLiteral("target_rate"))
                 .toDouble(),
             0.375);

    const QJsonObject result = callTool(base, token, session, QStringLiteral("list_tasks"), {});
    QVERIFY2(!result.value(QStringLiteral("isError")).toBool(),
             QJsonDocument(result).toJson().constData());
    const auto state = send(base, "GET", QStringLiteral("/admin/friction/state"), adminToken);
    QCOMPARE(state.status, 200);
    const QJsonArray principals = QJsonDocument::fromJson(state.body)
                                      .object()
                                      .value(QStringLiteral("principals"))
                                      .toObject()
                                      .value(QStringLiteral("principals"))
                                      .toArray();
    QCOMPARE(principals.size(), 1);
    const QByteArray principalJson = QJsonDocument(principals.first().toObject()).toJson();
    QVERIFY2(principalJson.contains("putter"), principalJson.constData());
    QVERIFY2(principalJson.contains("list_tasks") && principalJson.contains("0.375"),
             principalJson.constData());

    Store::AuditFilter filter;
    filter.type = QStringLiteral("friction.config_changed");
    auto audit = Store::AuditRepository(engine.store()).list(filter);
    QVERIFY(audit.ok());
    QCOMPARE(audit->size(), 1);
    QCOMPARE(audit->first().actor, QStringLiteral("admin"));
    QCOMPARE(audit->first().detail.value(QStringLiteral("config")).toObject(), applied);
    QVERIFY(!audit->first()
                 .detail.value(QStringLiteral("previous"))
                 .toObject()
                 .value(QStringLiteral("tools"))
                 .toObject()
                 .contains(QStringLiteral("list_tasks")));
    engine.stop();
}

void TestRsFrictionAdmin::eventsFromBurstOfCalls()
{
    SseClient events;
    events.open(m_engine.resourceServerUrl(), "/admin/friction/events", m_token);
    QTRY_COMPARE(events.messages(QByteArrayLiteral("hello")).size(), 1);
    QCOMPARE(events.status(), 200);
    const QJsonObject hello = events.messages().first().json();
    QCOMPARE(hello.value(QStringLiteral("enabled")).toBool(), true);
    QVERIFY(hello.value(QStringLiteral("tools")).toArray().contains(QStringLiteral("echo")));

    const QByteArray token = issue(m_engine, QStringLiteral("burster"));
    const QByteArray session = initialize(m_rsBase, token);
    QVERIFY(!session.isEmpty());
    bool blocked = false;
    for (int i = 0; i < 30 && !blocked; ++i) {
        const QJsonObject result =
            callTool(m_rsBase, token, session, QStringLiteral("echo"),
                     {{QStringLiteral("text"), QStringLiteral("hi")}},
                     {{QStringLiteral("justification"), QStringLiteral("demo %1").arg(i)}});
        QVERIFY(!result.contains(QStringLiteral("httpStatus")));
        blocked = result.value(QStringLiteral("isError")).toBool();
    }
    QVERIFY(blocked);
    QTRY_COMPARE(events.messages(QByteArrayLiteral("friction_block")).size(), 1);
    const QJsonObject block = events.messages(QByteArrayLiteral("friction_block")).first().json();
    QCOMPARE(block.value(QStringLiteral("type")).toString(), QStringLiteral("friction_block"));
    QCOMPARE(block.value(QStringLiteral("tool")).toString(), QStringLiteral("echo"));
    QCOMPARE(block.value(QStringLiteral("allowed")).toBool(), false);
    QCOMPARE(block.value(QStringLiteral("band")).toString(), QStringLiteral("blocked"));
    QVERIFY(block.value(QStringLiteral("friction")).toDouble() >= 0.6);
    QVERIFY(
        block.value(QStringLiteral("principal")).toString().contains(QStringLiteral("burster")));
    QCOMPARE(block.value(QStringLiteral("client_id")).toString(), m_engine.demoClientId());

    QList<SseMessage> checks;
    for (const SseMessage &message : events.messages(QByteArrayLiteral("friction_check"))) {
        if (message.json()
                .value(QStringLiteral("principal"))
                .toString()
                .contains(QStringLiteral("burster")))
            checks.append(message);
    }
    QVERIFY(checks.size() >= 2);
    const QJsonObject check = checks.first().json();
    QCOMPARE(check.value(QStringLiteral("tool")).toString(), QStringLiteral("echo"));
    QCOMPARE(check.value(QStringLiteral("allowed")).toBool(), true);
    QCOMPARE(check.value(QStringLiteral("target")).toDouble(), 0.02);
    for (const char *member : {"time", "timestamp", "friction", "band", "ema", "effective_target",
                               "cost", "justification_required", "saturated"})
        QVERIFY2(check.contains(QLatin1String(member)), member);
    QVERIFY(!events.messages(QByteArrayLiteral("friction_justification")).isEmpty());
    // Ids rise by message order.
    qint64 last = 0;
    for (const SseMessage &message : events.messages()) {
        if (message.event == "hello")
            continue;
        QVERIFY2(message.id.toLongLong() > last, message.id.constData());
        last = message.id.toLongLong();
    }
}

void TestRsFrictionAdmin::eventFilters_data()
{
    QTest::addColumn<QByteArray>("types");
    QTest::addColumn<bool>("ownPrincipal"); // else the filter names another principal
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArrayList>("allowed"); // event types that may arrive
    QTest::addColumn<QByteArray>("last");        // the event that must arrive last
    QTest::newRow("blocks only") << QByteArray("friction_block") << true << 200
                                 << QByteArrayList{"friction_block"}
                                 << QByteArray("friction_block");
    QTest::newRow("checks and blocks")
        << QByteArray("friction_check,friction_block") << true << 200
        << QByteArrayList{"friction_check", "friction_block"} << QByteArray("friction_block");
    QTest::newRow("justifications")
        << QByteArray("friction_justification,friction_block") << true << 200
        << QByteArrayList{"friction_justification", "friction_block"}
        << QByteArray("friction_block");
    QTest::newRow("every type") << QByteArray() << true << 200
                                << QByteArrayList{"friction_check", "friction_justification",
                                                  "friction_block"}
                                << QByteArray("friction_block");
    // Only the other principal's one call (the sentinel) arrives.
    QTest::newRow("other principal")
        << QByteArray() << false << 200 << QByteArrayList{"friction_check"}
        << QByteArray("friction_check");
    QTest::newRow("unknown type") << QByteArray("friction_block,friction_party") << true << 400
                                  << QByteArrayList{} << QByteArray();
    QTest::newRow("empty type") << QByteArray("friction_block,") << true << 400 << QByteArrayList{}
                                << QByteArray();
}

void TestRsFrictionAdmin::eventFilters()
{
    QFETCH(QByteArray, types);
    QFETCH(bool, ownPrincipal);
    QFETCH(int, status);
    QFETCH(QByteArrayList, allowed);
    QFETCH(QByteArray, last);
    const QString tag = QString::fromLatin1(QTest::currentDataTag()).replace(u' ', u'-');
    const Friction::Principal burster = principal(QStringLiteral("filter-") + tag);
    const Friction::Principal other = principal(QStringLiteral("other-") + tag);
    const auto registry = m_engine.frictionRegistry();
    const auto mode = registry->config().principalMode;
    auto key = Friction::Registry::principalKey(ownPrincipal ? burster : other, mode);
    QVERIFY(key.ok());

    QByteArray query = "/admin/friction/events?principal=" + QUrl::toPercentEncoding(*key);
    if (!types.isEmpty())
        query += "&types=" + types;
    SseClient events;
    events.open(m_engine.resourceServerUrl(), query, m_token);
    QTRY_VERIFY(events.status() != 0);
    QCOMPARE(events.status(), status);
    if (status != 200) {
        QTRY_VERIFY(events.body().endsWith("}"));
        const QJsonObject error = QJsonDocument::fromJson(events.body()).object();
        QCOMPARE(error.value(QStringLiteral("error")).toString(),
                 QStringLiteral("invalid_request"));
        QVERIFY(error.value(QStringLiteral("error_description"))
                    .toString()
                    .startsWith(QStringLiteral("types:")));
        return;
    }
    QTRY_COMPARE(events.messages(QByteArrayLiteral("hello")).size(), 1);

    // Justified echo calls until one is blocked (allowed, justified, then blocked); the other
    // principal's single call comes last. Messages of one stream keep their order, so once
    // the last expected one is in, everything before it is too.
    const double now = Friction::Registry::monotonicNow();
    bool blocked = false;
    for (int i = 0; i < 20 && !blocked; ++i) {
        auto decision = registry->evaluate(burster, QStringLiteral("echo"),
                                           QStringLiteral("why %1").arg(i), now + i * 0.001);
        QVERIFY(decision.ok());
        blocked = decision->outcome == Friction::Outcome::Blocked;
    }
    QVERIFY(blocked);
    if (!ownPrincipal)
        QVERIFY(registry->evaluate(other, QStringLiteral("echo"), {}, now + 1));
    const auto received = [&events] {
        QByteArrayList list;
        for (const SseMessage &message : events.messages()) {
            if (message.event != "hello")
                list.append(message.event);
        }
        return list;
    };
    QTRY_VERIFY(!received().isEmpty() && received().last() == last);
    const QByteArrayList got = received();
    for (const QByteArray &type : got)
        QVERIFY2(allowed.contains(type), type.constData());
    for (const QByteArray &type : allowed)
        QVERIFY2(got.contains(type), type.constData());
    QCOMPARE(got.count(last), 1);
    for (const SseMessage &message : events.messages()) {
        if (message.event != "hello")
            QCOMPARE(message.json().value(QStringLiteral("principal")).toString(), *key);
    }
}

void TestRsFrictionAdmin::disconnectCleansUp()
{
    Resource::FrictionAdmin *frictionAdmin = m_engine.frictionAdmin();
    QVERIFY(frictionAdmin);
    QTRY_COMPARE(frictionAdmin->subscriberCount(), 0);
    auto events = std::make_unique<SseClient>();
    events->open(m_engine.resourceServerUrl(), "/admin/friction/events", m_token);
    QTRY_COMPARE(events->messages(QByteArrayLiteral("hello")).size(), 1);
    QCOMPARE(frictionAdmin->subscriberCount(), 1);
    events->abort();
    events.reset();
    QTRY_COMPARE(frictionAdmin->subscriberCount(), 0);
    // An event after the disconnect finds nobody to queue for.
    QVERIFY(m_engine.frictionRegistry()->evaluate(principal(QStringLiteral("after")),
                                                  QStringLiteral("echo"), {},
                                                  Friction::Registry::monotonicNow()));
    QCOMPARE(frictionAdmin->queuedEventCount(), 0);
}

void TestRsFrictionAdmin::slowConsumerDropsBounded()
{
    auto db = m_backends.freshDatabase(QStringLiteral("sqlite"));
    QVERIFY(db.ok());
    auto registry = std::make_shared<Friction::Registry>();
    auto token = Resource::AdminToken::fromSecret(m_token);
    QVERIFY(token.ok());
    Resource::FrictionAdmin::Options options;
    options.maxQueuedEvents = 50;
    options.maxBacklogBytes = 16 * 1024;
    options.resumeIntervalMs = 20;
    Resource::FrictionAdmin frictionAdmin(options, *token, registry, *db);
    Http::ServerOptions serverOptions;
    serverOptions.workerThreads = 1;
    Http::Server server(serverOptions);
    frictionAdmin.install(server.router());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0).ok());

    // A client that stops reading: small kernel receive buffer, nothing read until later.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    const int small = 4096;
    QCOMPARE(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server.port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    QCOMPARE(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
    const QByteArray request =
        SseClient::request(server.baseUrl(), "/admin/friction/events", m_token);
    QCOMPARE(::send(fd, request.constData(), size_t(request.size()), 0), ssize_t(request.size()));
    QTRY_COMPARE(frictionAdmin.subscriberCount(), 1);

    // Far more than the kernel buffers hold (4 MiB send buffer at most here).
    constexpr int total = 20000;
    qsizetype maxQueued = 0;
    for (int i = 0; i < total; ++i) {
        QVERIFY(registry->evaluate(principal(QStringLiteral("p%1").arg(i % 7)),
                                   QStringLiteral("echo"), {}, i * 0.0001));
        if (i % 500 == 0)
            maxQueued = std::max(maxQueued, frictionAdmin.queuedEventCount());
    }
    maxQueued = std::max(maxQueued, frictionAdmin.queuedEventCount());
    QVERIFY2(maxQueued <= options.maxQueuedEvents, QByteArray::number(maxQueued).constData());
    QCOMPARE(frictionAdmin.queuedEventCount(), qsizetype(options.maxQueuedEvents));

    // Now read: every event arrives or is counted as dropped, and the stream goes on.
    SseClient events;
    events.adopt(fd);
    const auto accounted = [&events] {
        qint64 n = 0;
        for (const SseMessage &message : events.messages()) {
            if (message.event.startsWith("friction_"))
                ++n;
            else if (message.event == "dropped")
                n += message.json().value(QStringLiteral("count")).toInteger();
        }
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(accounted(), qint64(total), 20000);
    QVERIFY(!events.messages(QByteArrayLiteral("dropped")).isEmpty());
    QCOMPARE(events.messages().first().event, QByteArray("hello"));
    QCOMPARE(frictionAdmin.queuedEventCount(), 0);
    QVERIFY(registry->evaluate(principal(QStringLiteral("late")), QStringLiteral("echo"), {}, 10));
    QTRY_COMPARE(accounted(), qint64(total + 1));
    frictionAdmin.closeStreams();
    QTRY_VERIFY(events.closed());
    server.close();
}

void TestRsFrictionAdmin::subscriberBound()
{
    auto registry = std::make_shared<Friction::Registry>();
    auto token = Resource::AdminToken::fromSecret(m_token);
    QVERIFY(token.ok());
    Resource::FrictionAdmin::Options options;
    options.maxSubscribers = 2;
    Resource::FrictionAdmin frictionAdmin(options, *token, registry, nullptr);
    Http::Server server;
    frictionAdmin.install(server.router());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0).ok());
    SseClient first;
    SseClient second;
    SseClient third;
    first.open(server.baseUrl(), "/admin/friction/events", m_token);
    second.open(server.baseUrl(), "/admin/friction/events", m_token);
    QTRY_COMPARE(frictionAdmin.subscriberCount(), 2);
    third.open(server.baseUrl(), "/admin/friction/events", m_token);
    QTRY_COMPARE(third.status(), 503);
    first.abort();
    QTRY_COMPARE(frictionAdmin.subscriberCount(), 1);
    SseClient fourth;
    fourth.open(server.baseUrl(), "/admin/friction/events", m_token);
    QTRY_COMPARE(fourth.messages(QByteArrayLiteral("hello")).size(), 1);
    QCOMPARE(frictionAdmin.subscriberCount(), 2);
    server.close();
    QTRY_COMPARE(frictionAdmin.subscriberCount(), 0);
}

void TestRsFrictionAdmin::keepAliveOnIdleStream()
{
    auto registry = std::make_shared<Friction::Registry>();
    auto token = Resource::AdminToken::fromSecret(m_token);
    QVERIFY(token.ok());
    Resource::FrictionAdmin frictionAdmin({}, *token, registry, nullptr);
    Http::ServerOptions serverOptions;
    serverOptions.eventStreamKeepAliveMs = 100;
    Http::Server server(serverOptions);
    frictionAdmin.install(server.router());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0).ok());
    SseClient events;
    events.open(server.baseUrl(), "/admin/friction/events", m_token);
    QTRY_COMPARE(events.messages(QByteArrayLiteral("hello")).size(), 1);
    QTRY_VERIFY(events.comments() >= 2);
    QVERIFY(!events.closed());
    QCOMPARE(frictionAdmin.subscriberCount(), 1);
    server.close();
}

void TestRsFrictionAdmin::configUnchangedWhenAuditFails()
{
    auto db = m_backends.freshDatabase(QStringLiteral("sqlite"));
    QVERIFY(db.ok());
    auto registry = std::make_shared<Friction::Registry>();
    auto token = Resource::AdminToken::fromSecret(m_token);
    QVERIFY(token.ok());
    Resource::FrictionAdmin frictionAdmin({}, *token, registry, *db);
    Http::Server server;
    frictionAdmin.install(server.router());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0).ok());
    const QString base = server.baseUrl().toString();
    const QByteArray config = QJsonDocument(echoFrictionConfig()).toJson();
    QCOMPARE(send(base, "PUT", QStringLiteral("/admin/friction/config"), m_token, config).status,
             200);
    const QJsonObject applied = registry->config().toJson();

    // The audit log becomes unwritable: the change must not happen without its record.
    const Core::Status dropped = (*db)->transaction([](QSqlDatabase &connection) -> Core::Status {
        QSqlQuery query(connection);
        if (!query.exec(QStringLiteral("DROP TABLE audit_events")))
            return Core::makeError(QStringLiteral("sql"), query.lastError().text());
        return {};
    });
    QVERIFY2(dropped.ok(), dropped.ok() ? "" : qPrintable(dropped.error().toString()));
    const auto refused = send(base, "PUT", QStringLiteral("/admin/friction/config"), m_token,
                              QByteArray("{\"enabled\":false}"));
    QCOMPARE(refused.status, 500);
    QVERIFY(QJsonDocument::fromJson(refused.body)
                .object()
                .value(QStringLiteral("error_description"))
                .toString()
                .contains(QStringLiteral("audit")));
    QCOMPARE(registry->config().toJson(), applied);
    server.close();
}

void TestRsFrictionAdmin::failedAuthenticationsRateLimited()
{
    auto registry = std::make_shared<Friction::Registry>();
    auto token = Resource::AdminToken::fromSecret(m_token);
    QVERIFY(token.ok());
    qint64 nowMs = 1'000'000;
    Resource::FrictionAdmin::Options options;
    options.failureLimit = 3;
    options.failureWindowSeconds = 60;
    options.maxTrackedAddresses = 2;
    options.clockMs = [&nowMs] { return nowMs; };
    Resource::FrictionAdmin frictionAdmin(options, *token, registry, nullptr);
    Http::Server server;
    frictionAdmin.install(server.router());
    QVERIFY(server.listen(QHostAddress::LocalHost, 0).ok());
    const QString base = server.baseUrl().toString();
    const QString path = QStringLiteral("/admin/friction/config");

    // A missing token is a challenge, not a failure.
    for (int i = 0; i < 5; ++i)
        QCOMPARE(send(base, "GET", path, {}).status, 401);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(send(base, "GET", path, "wrong-token").status, 401);
    for (const QByteArray &presented : {QByteArray("wrong-token"), m_token}) {
        const auto limited = send(base, "GET", path, presented);
        QCOMPARE(limited.status, 429);
        QCOMPARE(limited.headers.value("Retry-After"), QByteArray("60"));
        QCOMPARE(QJsonDocument::fromJson(limited.body).object().value(QStringLiteral("error")),
                 QStringLiteral("too_many_requests"));
    }
    nowMs += 30'000;
    QCOMPARE(send(base, "GET", path, m_token).headers.value("Retry-After"), QByteArray("30"));
    nowMs += 30'000;
    QCOMPARE(send(base, "GET", path, m_token).status, 200);
    server.close();
}

void TestRsFrictionAdmin::tokenFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("43 characters")
        << QByteArray("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123-_Q") << true;
    QTest::newRow("exactly 32, trailing newline")
        << QByteArray("abcdefghijklmnopqrstuvwxyz012345\n") << true;
    QTest::newRow("surrounding spaces")
        << QByteArray("  abcdefghijklmnopqrstuvwxyz012345  \r\n") << true;
    QTest::newRow("31 characters") << QByteArray("abcdefghijklmnopqrstuvwxyz01234") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("padding") << QByteArray("abcdefghijklmnopqrstuvwxyz012345==") << false;
    QTest::newRow("plus and slash") << QByteArray("abcdefghijklmnopqrstuvwxyz01+/2345") << false;
    QTest::newRow("two lines") << QByteArray("abcdefghijklmnopqrstuvwxyz012345\nsecond") << false;
    QTest::newRow("too large") << QByteArray(5000, 'a') << false;
}

void TestRsFrictionAdmin::tokenFile()
{
    QFETCH(QByteArray, content);
    QFETCH(bool, accepted);
    const QString path = m_dir.filePath(
        QStringLiteral("tokenfile-%1").arg(QString::fromLatin1(QTest::currentDataTag())));
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(content);
    }
    auto token = Resource::AdminToken::loadOrCreate(path);
    QCOMPARE(token.ok(), accepted);
    if (accepted) {
        QVERIFY(token->matches(content.trimmed()));
        QVERIFY(!token->matches(QByteArray(content.trimmed() + "x")));
        return;
    }
    QCOMPARE(token.error().code, QStringLiteral("invalid_admin_token"));
    QVERIFY2(token.error().message.contains(path), qPrintable(token.error().message));
    if (content.size() > 8)
        QVERIFY(!token.error().message.contains(QString::fromLatin1(content.left(20))));

    // The engine refuses to start with it, naming the file.
    Core::Engine engine;
    const Core::Status started = engine.start(engineConfig(
        QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("refused.db")), path));
    QVERIFY(!started.ok());
    QVERIFY2(started.error().message.contains(path), qPrintable(started.error().message));
    QVERIFY(!engine.isRunning());
}

void TestRsFrictionAdmin::tokenFileCreatedAndReused()
{
    const QString path = m_dir.filePath(QStringLiteral("fresh/dir/admin-token"));
    QVERIFY(!QFile::exists(path));
    const QString store = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("reuse.db"));
    QByteArray first;
    {
        Core::Engine engine;
        const Core::Status started = engine.start(engineConfig(store, path));
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        QCOMPARE(engine.adminTokenFile(), path);
        QVERIFY(QFile::exists(path));
        QCOMPARE(QFile::permissions(path), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                               QFileDevice::ReadUser | QFileDevice::WriteUser);
        first = readTokenFile(path);
        QCOMPARE(first.size(), 43);
        QCOMPARE(send(engine.resourceServerUrl().toString(), "GET",
                      QStringLiteral("/admin/friction/config"), first)
                     .status,
                 200);
        engine.stop();
        QVERIFY(engine.adminTokenFile() == path);
    }
    Core::Engine engine;
    const Core::Status started = engine.start(engineConfig(store, path));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    QCOMPARE(readTokenFile(path), first);
    QCOMPARE(send(engine.resourceServerUrl().toString(), "GET",
                  QStringLiteral("/admin/friction/config"), first)
                 .status,
             200);
    engine.stop();
}

void TestRsFrictionAdmin::engineStopClosesStreams()
{
    Core::Engine engine;
    const Core::Status started = engine.start(
        engineConfig(QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("stop.db")),
                     m_dir.filePath(QStringLiteral("stop-token"))));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    const QByteArray token = readTokenFile(engine.adminTokenFile());
    SseClient events;
    events.open(engine.resourceServerUrl(), "/admin/friction/events", token);
    QTRY_COMPARE(events.messages(QByteArrayLiteral("hello")).size(), 1);
    QCOMPARE(engine.frictionAdmin()->subscriberCount(), 1);
    engine.stop();
    QVERIFY(!engine.frictionAdmin());
    QTRY_VERIFY(events.closed());
}

QTEST_GUILESS_MAIN(TestRsFrictionAdmin)
#include "tst_rs_frictionadmin.moc"
