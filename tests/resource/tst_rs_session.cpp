// McpServer sessions without a network: idle expiry and the session bound, with an
// injected clock and a stub verifier (the token names the subject).
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include "resource/mcpserver.h"
#include "store/database.h"

using namespace Resource;

namespace {

class StubVerifier final : public BearerVerifier
{
public:
    Core::Result<Principal> verify(const QByteArray &token) override
    {
        Principal principal;
        principal.subject = QString::fromLatin1(token);
        principal.clientId = QStringLiteral("client");
        principal.issuer = QStringLiteral("http://as");
        principal.expiresAt = 4'000'000'000;
        return principal;
    }
};

Http::Request post(const QByteArray &token, const QByteArray &session, const QString &method)
{
    Http::Request request;
    request.method = "POST";
    request.path = "/mcp";
    request.headers.set("Authorization", "Bearer " + token);
    request.headers.set("Content-Type", "application/json");
    if (!session.isEmpty())
        request.headers.set("Mcp-Session-Id", session);
    QJsonObject message{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                        {QStringLiteral("id"), 1},
                        {QStringLiteral("method"), method}};
    if (method == QLatin1String("initialize"))
        message.insert(QStringLiteral("params"), QJsonObject{{QStringLiteral("protocolVersion"),
                                                              QStringLiteral("2025-06-18")}});
    request.body = QJsonDocument(message).toJson();
    return request;
}

} // namespace

class TestRsSession final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void idleSessionEnds();
    void oldestSessionEvictedAtTheBound();

private:
    std::unique_ptr<McpServer> server(int maxSessions, int idleSeconds);
    QByteArray initialize(McpServer &server, const QByteArray &token);

    QTemporaryDir m_dir;
    std::shared_ptr<Store::Database> m_db;
    qint64 m_now = 1'000'000;
};

void TestRsSession::initTestCase()
{
    auto db =
        Store::Database::open(QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("s.db")));
    QVERIFY(db.ok());
    m_db = *db;
}

std::unique_ptr<McpServer> TestRsSession::server(int maxSessions, int idleSeconds)
{
    McpServer::Options options;
    options.resourceUri = QStringLiteral("http://127.0.0.1:1/mcp");
    options.config.maxSessions = maxSessions;
    options.config.sessionIdleSeconds = idleSeconds;
    options.clock = [this] { return m_now; };
    return std::make_unique<McpServer>(options, std::make_shared<StubVerifier>(), m_db, nullptr);
}

QByteArray TestRsSession::initialize(McpServer &server, const QByteArray &token)
{
    const Http::Response response =
        server.handlePost(post(token, {}, QStringLiteral("initialize")));
    return response.status == 200 ? response.headers.value("Mcp-Session-Id") : QByteArray();
}

void TestRsSession::idleSessionEnds()
{
    auto mcp = server(10, 60);
    const QByteArray session = initialize(*mcp, "alice");
    QVERIFY(!session.isEmpty());
    m_now += 59'000;
    QCOMPARE(mcp->handlePost(post("alice", session, QStringLiteral("ping"))).status, 200);
    m_now += 59'000; // idle time counts from the last use
    QCOMPARE(mcp->handlePost(post("alice", session, QStringLiteral("ping"))).status, 200);
    m_now += 60'000;
    QCOMPARE(mcp->handlePost(post("alice", session, QStringLiteral("ping"))).status, 404);
    QCOMPARE(mcp->sessionCount(), 0);
}

void TestRsSession::oldestSessionEvictedAtTheBound()
{
    auto mcp = server(2, 3600);
    const QByteArray first = initialize(*mcp, "alice");
    m_now += 1000;
    const QByteArray second = initialize(*mcp, "alice");
    m_now += 1000;
    QCOMPARE(mcp->handlePost(post("alice", first, QStringLiteral("ping"))).status, 200);
    m_now += 1000;
    const QByteArray third = initialize(*mcp, "alice"); // evicts `second`, least recently used
    QCOMPARE(mcp->sessionCount(), 2);
    QCOMPARE(mcp->handlePost(post("alice", second, QStringLiteral("ping"))).status, 404);
    QCOMPARE(mcp->handlePost(post("alice", first, QStringLiteral("ping"))).status, 200);
    QCOMPARE(mcp->handlePost(post("alice", third, QStringLiteral("ping"))).status, 200);
}

QTEST_GUILESS_MAIN(TestRsSession)
#include "tst_rs_session.moc"
