// Traffic::Driver over real HTTP on loopback: against the embedded MCP server of a real
// Core::Engine (SQLite store, ephemeral ports, tokens issued by its AS and verified by
// introspection, friction control on delete_task), and against a scripted third-party
// MCP server that answers with event streams and no friction _meta.
#include <atomic>
#include <mutex>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QSet>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/tokenissuer.h"
#include "engine.h"
#include "http/body.h"
#include "http/server.h"
#include "store/auditrepository.h"
#include "traffic/driver.h"

namespace {

/// A minimal third-party MCP server: SSE answers, sessions, tools "echo" (works) and
/// "explode" (isError), no friction _meta. Can forget sessions to test re-initialization.
class ScriptedMcp final
{
public:
    ScriptedMcp()
    {
        m_server.router().handle("POST", "/mcp",
                                 [this](const Http::Request &request) { return handle(request); });
    }
    ~ScriptedMcp() { m_server.close(); }
    Q_DISABLE_COPY_MOVE(ScriptedMcp)

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0).ok(); }
    QUrl url() const { return QUrl(m_server.baseUrl().toString() + QStringLiteral("/mcp")); }

    std::atomic<int> forgetEvery{0};     ///< forget the session after every N tool calls
    std::atomic<bool> alwaysLost{false}; ///< every tools/call gets 404
    std::atomic<int> initializations{0};
    std::atomic<int> toolCalls{0};
    std::atomic<int> justificationsReceived{0};

private:
    static Http::Response sse(const QJsonObject &message)
    {
        Http::Response response;
        response.headers.set("Content-Type", "text/event-stream");
        response.body =
            "event: message\ndata: " + QJsonDocument(message).toJson(QJsonDocument::Compact) +
            "\n\n";
        return response;
    }

    static QJsonObject result(const QJsonValue &id, const QJsonObject &value)
    {
        return {{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                {QStringLiteral("id"), id},
                {QStringLiteral("result"), value}};
    }

    static QJsonObject friction(bool isError, const QString &outcome)
    {
        return {{QStringLiteral("content"),
                 QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                        {QStringLiteral("text"), outcome}}}},
                {QStringLiteral("isError"), isError},
                {QStringLiteral("_meta"),
                 QJsonObject{{QStringLiteral("studio.mcpauth/friction"),
                              QJsonObject{{QStringLiteral("outcome"), outcome},
                                          {QStringLiteral("friction"), 0.7},
                                          {QStringLiteral("band"), QStringLiteral("high")},
                                          {QStringLiteral("cost"), 7}}}}}};
    }

    Http::Response handle(const Http::Request &request)
    {
        if (request.headers.value("Authorization") != "Bearer third-party-token")
            return Http::Response::error(401, "invalid_token", QStringLiteral("bad token"));
        const QJsonObject message = QJsonDocument::fromJson(request.body).object();
        const QString method = message.value(QStringLiteral("method")).toString();
        const QJsonValue id = message.value(QStringLiteral("id"));
        if (method == QLatin1String("initialize")) {
            ++initializations;
            const QByteArray session = QByteArray::number(initializations.load()) + "-session";
            {
                std::lock_guard lock(m_mutex);
                m_sessions.insert(session);
            }
            Http::Response response = sse(
                result(id, {{QStringLiteral("protocolVersion"), QStringLiteral("2025-06-18")},
                            {QStringLiteral("capabilities"), QJsonObject{}},
                            {QStringLiteral("serverInfo"),
                             QJsonObject{{QStringLiteral("name"), QStringLiteral("scripted")}}}}));
            response.headers.set("Mcp-Session-Id", session);
            return response;
        }
        const QByteArray session = request.headers.value("Mcp-Session-Id");
        {
            std::lock_guard lock(m_mutex);
            if (!m_sessions.contains(session) ||
                (alwaysLost && method == QLatin1String("tools/call")))
                return Http::Response::error(404, "not_found", QStringLiteral("no session"));
        }
        if (method == QLatin1String("notifications/initialized")) {
            Http::Response accepted;
            accepted.status = 202;
            return accepted;
        }
        const int n = ++toolCalls;
        if (forgetEvery > 0 && n % forgetEvery == 0) {
            std::lock_guard lock(m_mutex);
            m_sessions.remove(session);
        }
        const QJsonObject params = message.value(QStringLiteral("params")).toObject();
        const QString tool = params.value(QStringLiteral("name")).toString();
        const bool justified = !params.value(QStringLiteral("_meta"))
                                    .toObject()
                                    .value(QStringLiteral("justification"))
                                    .toString()
                                    .isEmpty();
        if (justified)
            ++justificationsReceived;
        // "guarded" always wants a justification; "picky" runs once it has one.
        if (tool == QLatin1String("guarded") || (tool == QLatin1String("picky") && !justified))
            return sse(result(id, friction(true, QStringLiteral("justification_missing"))));
        if (tool == QLatin1String("picky"))
            return sse(result(id, friction(false, QStringLiteral("justified"))));
        const bool explode = tool == QLatin1String("explode");
        return sse(
            result(id, {{QStringLiteral("content"),
                         QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("text")},
                                                {QStringLiteral("text"), QStringLiteral("done")}}}},
                        {QStringLiteral("isError"), explode}}));
    }

    Http::Server m_server;
    std::mutex m_mutex;
    QSet<QByteArray> m_sessions;
};

} // namespace

class TestTrafficDriver final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void invalidOptions_data();
    void invalidOptions();
    void echoOnlyAllAllowed();
    void heavyDeletesAreJustifiedThenBlocked();
    void badTokenIsFatal();
    void missingScopeIsNamed();
    void stopMidRun();
    void stopDuringInitialize();
    void destroyedMidRun();
    void unreachableServer();
    void ssrfGuardApplies();
    void statelessRevision();
    void unknownToolCountsAsJsonRpcError();
    void durationRun_data();
    void durationRun();
    void justificationRetriedOnce();
    void thirdPartyServerWithEventStreams();
    void lostSessionReinitializes();
    void sessionLostAgainIsFatal();

private:
    QByteArray issue(const QString &subject, const QString &scope);
    Traffic::Options options(const QByteArray &token, const QString &mix, qint64 calls,
                             double rate);
    Traffic::Summary run(Traffic::Driver &driver, int *callSignals = nullptr);

    QTemporaryDir m_dir;
    Core::Engine m_engine;
    QUrl m_mcpUrl;
};

void TestTrafficDriver::initTestCase()
{
    qRegisterMetaType<Traffic::Summary>();
    // One JSON line per friction decision would bury the test output.
    QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.friction.info=false"));
    QVERIFY(m_dir.isValid());
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("traffic.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    const QJsonObject frictionJson{
        {QStringLiteral("tools"),
         QJsonObject{{QStringLiteral("delete_task"),
                      QJsonObject{{QStringLiteral("target_rate"), 0.02},
                                  {QStringLiteral("justification_threshold"), 0.3},
                                  {QStringLiteral("hard_block_threshold"), 0.9}}}}},
        {QStringLiteral("controller"), QJsonObject{{QStringLiteral("warmup_calls"), 2},
                                                   {QStringLiteral("adjustment_rate"), 0.15}}}};
    auto friction = Friction::ControllerConfig::fromJson(frictionJson);
    QVERIFY2(friction.ok(), friction.ok() ? "" : qPrintable(friction.error().toString()));
    config.resourceServer.friction = *friction;
    const Core::Status started = m_engine.start(config);
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    m_mcpUrl = QUrl(m_engine.mcpResourceUri());
}

void TestTrafficDriver::cleanupTestCase()
{
    m_engine.stop();
}

QByteArray TestTrafficDriver::issue(const QString &subject, const QString &scope)
{
    Auth::Grant grant;
    grant.clientId = m_engine.demoClientId();
    grant.subject = subject;
    grant.scope = scope;
    grant.resource = m_engine.mcpResourceUri();
    auto issued = m_engine.authorizationServer()->context().tokens().issue(grant);
    if (!issued) {
        qWarning() << issued.error().toString();
        return {};
    }
    return issued->accessToken;
}

Traffic::Options TestTrafficDriver::options(const QByteArray &token, const QString &mix,
                                            qint64 calls, double rate)
{
    Traffic::Options options;
    options.url = m_mcpUrl;
    options.token = token;
    options.mix = Traffic::parseMix(mix).valueOr({});
    options.calls = calls;
    options.rate = rate;
    options.seed = 42;
    return options;
}

Traffic::Summary TestTrafficDriver::run(Traffic::Driver &driver, int *callSignals)
{
    QSignalSpy finished(&driver, &Traffic::Driver::finished);
    QSignalSpy calls(&driver, &Traffic::Driver::callFinished);
    const Core::Status started = driver.start();
    if (!started) {
        qWarning() << started.error().toString();
        return {};
    }
    if (!finished.wait(25000))
        qWarning("the driver did not finish within 25 s");
    if (finished.size() != 1)
        return {};
    if (callSignals)
        *callSignals = int(calls.size());
    return finished.first().first().value<Traffic::Summary>();
}

void TestTrafficDriver::invalidOptions_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("message");
    QTest::newRow("url scheme") << QStringLiteral("url")
                                << QStringLiteral("url: 'ftp://127.0.0.1/mcp' is not an http(s) "
                                                  "URL");
    QTest::newRow("no token") << QStringLiteral("token")
                              << QStringLiteral("token: an access token is required");
    QTest::newRow("token with newline")
        << QStringLiteral("token newline")
        << QStringLiteral("contains characters a bearer token cannot have (RFC 6750 2.1)");
    QTest::newRow("no mix") << QStringLiteral("mix")
                            << QStringLiteral("mix: at least one tool is needed");
    QTest::newRow("zero weight") << QStringLiteral("weight")
                                 << QStringLiteral("mix: the weight of echo is not a positive "
                                                   "number");
    QTest::newRow("rate zero") << QStringLiteral("rate 0")
                               << QStringLiteral("rate: must be more than 0 and at most 1000 "
                                                 "calls per second");
    QTest::newRow("rate too high") << QStringLiteral("rate 1001")
                                   << QStringLiteral("rate: must be more than 0 and at most 1000 "
                                                     "calls per second");
    QTest::newRow("neither duration nor calls")
        << QStringLiteral("no length")
        << QStringLiteral("give either a duration or a number of calls");
    QTest::newRow("both duration and calls")
        << QStringLiteral("both lengths")
        << QStringLiteral("give either a duration or a number of calls");
    QTest::newRow("negative duration") << QStringLiteral("duration")
                                       << QStringLiteral("duration: must be more than 0 and at "
                                                         "most a week (604800 seconds)");
    QTest::newRow("concurrency zero")
        << QStringLiteral("concurrency") << QStringLiteral("concurrency: must be from 1 to 256");
    QTest::newRow("empty justification")
        << QStringLiteral("justification")
        << QStringLiteral("justification: must be 1 to 2000 characters");
}

void TestTrafficDriver::invalidOptions()
{
    QFETCH(QString, field);
    QFETCH(QString, message);
    Traffic::Options o = options("tok-abc-123456789", QStringLiteral("echo=1"), 10, 10);
    if (field == QLatin1String("url"))
        o.url = QUrl(QStringLiteral("ftp://127.0.0.1/mcp"));
    else if (field == QLatin1String("token"))
        o.token.clear();
    else if (field == QLatin1String("token newline"))
        o.token = "abc\r\nX-Injected: 1";
    else if (field == QLatin1String("mix"))
        o.mix.clear();
    else if (field == QLatin1String("weight"))
        o.mix.first().weight = 0;
    else if (field == QLatin1String("rate 0"))
        o.rate = 0;
    else if (field == QLatin1String("rate 1001"))
        o.rate = 1001;
    else if (field == QLatin1String("no length"))
        o.calls = 0;
    else if (field == QLatin1String("both lengths"))
        o.durationSeconds = 5;
    else if (field == QLatin1String("duration"))
        o.calls = 0, o.durationSeconds = -1;
    else if (field == QLatin1String("concurrency"))
        o.maxInFlight = 0;
    else if (field == QLatin1String("justification"))
        o.justification = QStringLiteral("  ");
    Traffic::Driver driver(o);
    QSignalSpy finished(&driver, &Traffic::Driver::finished);
    const Core::Status started = driver.start();
    QVERIFY(!started.ok());
    QCOMPARE(started.error().code, QStringLiteral("invalid_request"));
    QVERIFY2(started.error().message.contains(message), qPrintable(started.error().message));
    QVERIFY(!started.error().message.contains(QStringLiteral("X-Injected")));
    QVERIFY(!driver.isRunning());
    QCOMPARE(finished.size(), 0);
}

void TestTrafficDriver::echoOnlyAllAllowed()
{
    const QByteArray token = issue(QStringLiteral("echoer"), QStringLiteral("tasks:read"));
    QVERIFY(!token.isEmpty());
    Traffic::Driver driver(options(token, QStringLiteral("echo=1"), 120, 600));
    int callCount = 0;
    const Traffic::Summary summary = run(driver, &callCount);
    QVERIFY2(summary.completed(),
             qPrintable(summary.error ? summary.error->toString() : QStringLiteral("stopped")));
    QCOMPARE(summary.tools.size(), 1);
    const Traffic::ToolStats *echo = summary.tool(QStringLiteral("echo"));
    QVERIFY(echo);
    QCOMPARE(echo->allowed, 120);
    QCOMPARE(echo->calls(), 120);
    QCOMPARE(summary.totals.calls(), 120);
    QCOMPARE(callCount, 120);
    QCOMPARE(echo->latency.count, 120);
    QVERIFY(echo->latency.minMs > 0);
    QVERIFY(echo->latency.minMs <= echo->latency.p50Ms);
    QVERIFY(echo->latency.p50Ms <= echo->latency.p99Ms);
    QVERIFY(echo->latency.p99Ms <= echo->latency.maxMs);
    QCOMPARE(summary.protocolVersion, QStringLiteral("2025-11-25"));
    QCOMPARE(summary.sessionReinitializations, 0);
    QVERIFY(!driver.isRunning());
}

void TestTrafficDriver::heavyDeletesAreJustifiedThenBlocked()
{
    const QString subject = QStringLiteral("deleter");
    const QByteArray token = issue(subject, QStringLiteral("tasks:read tasks:write tasks:delete"));
    QVERIFY(!token.isEmpty());
    Traffic::Options o = options(token, QStringLiteral("create_task=1,delete_task=3"), 300, 500);
    o.justification = QStringLiteral("traffic test cleanup");
    Traffic::Driver driver(o);
    QStringList bandsSeen;
    connect(&driver, &Traffic::Driver::callFinished, this,
            [&bandsSeen](const QString &tool, const QString &, double, const QString &band) {
                if (tool == QLatin1String("delete_task") && !bandsSeen.contains(band))
                    bandsSeen.append(band);
            });
    int callCount = 0;
    const Traffic::Summary summary = run(driver, &callCount);
    QVERIFY2(summary.completed(),
             qPrintable(summary.error ? summary.error->toString() : QStringLiteral("stopped")));
    const Traffic::ToolStats *deletes = summary.tool(QStringLiteral("delete_task"));
    const Traffic::ToolStats *creates = summary.tool(QStringLiteral("create_task"));
    QVERIFY(deletes && creates);
    QVERIFY2(deletes->justified > 0, QJsonDocument(summary.toJson()).toJson().constData());
    QVERIFY2(deletes->blocked > 0, QJsonDocument(summary.toJson()).toJson().constData());
    QVERIFY(deletes->allowed > 0);
    QCOMPARE(deletes->errors, 0);
    QCOMPARE(creates->errors, 0);
    QCOMPARE(creates->allowed, creates->calls());
    // Every call made is counted exactly once.
    QCOMPARE(summary.totals.calls(), 300);
    QCOMPARE(deletes->calls() + creates->calls(), 300);
    QCOMPARE(callCount, 300);
    QCOMPARE(summary.totals.blocked, deletes->blocked);
    QCOMPARE(summary.totals.justified, deletes->justified);
    QVERIFY(bandsSeen.contains(QStringLiteral("high")) ||
            bandsSeen.contains(QStringLiteral("blocked")));
    QCOMPARE(deletes->lastBand.isEmpty(), false);
    // The server recorded the justifications it accepted, with our text.
    Store::AuditFilter filter;
    filter.type = QStringLiteral("tool.justified");
    filter.subject = subject;
    auto events = Store::AuditRepository(m_engine.store()).list(filter);
    QVERIFY(events.ok());
    QVERIFY(!events->isEmpty());
    QVERIFY(events->size() <= deletes->justified);
    QCOMPARE(events->first().detail.value(QStringLiteral("justification")).toString(),
             QStringLiteral("traffic test cleanup"));
}

void TestTrafficDriver::badTokenIsFatal()
{
    const QByteArray token = "not-a-token-this-server-issued-7f3a9c";
    Traffic::Driver driver(options(token, QStringLiteral("echo=1"), 50, 100));
    const Traffic::Summary summary = run(driver);
    QVERIFY(summary.error.has_value());
    QCOMPARE(summary.error->code, QStringLiteral("invalid_token"));
    QVERIFY2(summary.error->message.contains(QStringLiteral("HTTP 401 invalid_token")),
             qPrintable(summary.error->message));
    QVERIFY2(!summary.error->message.contains(QString::fromLatin1(token)),
             qPrintable(summary.error->message));
    QCOMPARE(summary.totals.calls(), 0);
    QVERIFY(!summary.completed());
}

void TestTrafficDriver::missingScopeIsNamed()
{
    const QByteArray token = issue(QStringLiteral("no-delete"), QStringLiteral("tasks:read "
                                                                               "tasks:write"));
    QVERIFY(!token.isEmpty());
    Traffic::Driver driver(options(token, QStringLiteral("delete_task=1"), 100, 200));
    const Traffic::Summary summary = run(driver);
    QVERIFY(summary.error.has_value());
    QCOMPARE(summary.error->code, QStringLiteral("insufficient_scope"));
    QVERIFY2(summary.error->message.contains(QStringLiteral("lacks the scope tasks:delete that "
                                                            "the tool delete_task needs")),
             qPrintable(summary.error->message));
    QVERIFY(!summary.error->message.contains(QString::fromLatin1(token)));
    // The tasks it needed were created first, and counted.
    const Traffic::ToolStats *creates = summary.tool(QStringLiteral("create_task"));
    QVERIFY(creates);
    QVERIFY(creates->allowed > 0);
    QVERIFY(summary.totals.calls() < 100);
}

void TestTrafficDriver::stopMidRun()
{
    const QByteArray token = issue(QStringLiteral("stopper"), QStringLiteral("tasks:read"));
    Traffic::Options o = options(token, QStringLiteral("echo=1"), 0, 100);
    o.durationSeconds = 20;
    Traffic::Driver driver(o);
    QSignalSpy finished(&driver, &Traffic::Driver::finished);
    QSignalSpy calls(&driver, &Traffic::Driver::callFinished);
    QVERIFY(driver.start().ok());
    QTRY_VERIFY_WITH_TIMEOUT(calls.size() >= 20, 10000);
    QVERIFY(driver.isRunning());
    driver.stop();
    QVERIFY(!driver.isRunning());
    QCOMPARE(finished.size(), 1);
    const auto summary = finished.first().first().value<Traffic::Summary>();
    QVERIFY(summary.stopped);
    QVERIFY(!summary.completed());
    QVERIFY(!summary.error);
    QCOMPARE(summary.totals.calls(), qint64(calls.size()));
    QVERIFY(summary.totals.calls() >= 20 && summary.totals.calls() < 2000);
    QVERIFY(summary.elapsedSeconds < 15);
    // Nothing more happens after stop(): no late call, no second finished().
    const qsizetype counted = calls.size();
    QVERIFY(!finished.wait(300));
    QCOMPARE(calls.size(), counted);
    driver.stop(); // idempotent
    QCOMPARE(finished.size(), 1);
}

void TestTrafficDriver::stopDuringInitialize()
{
    const QByteArray token = issue(QStringLiteral("early"), QStringLiteral("tasks:read"));
    Traffic::Driver driver(options(token, QStringLiteral("echo=1"), 50, 100));
    QSignalSpy finished(&driver, &Traffic::Driver::finished);
    QSignalSpy sessions(&driver, &Traffic::Driver::sessionStarted);
    QVERIFY(driver.start().ok());
    QVERIFY(driver.isRunning());
    driver.stop();
    QCOMPARE(finished.size(), 1);
    const auto summary = finished.first().first().value<Traffic::Summary>();
    QVERIFY(summary.stopped);
    QCOMPARE(summary.totals.calls(), 0);
    // The aborted initialize never comes back to start the calls.
    QVERIFY(!sessions.wait(300));
    QCOMPARE(finished.size(), 1);
    QVERIFY(!driver.start().ok()); // a driver runs once
}

void TestTrafficDriver::destroyedMidRun()
{
    const QByteArray token = issue(QStringLiteral("closer"), QStringLiteral("tasks:read"));
    Traffic::Options o = options(token, QStringLiteral("echo=1"), 0, 200);
    o.durationSeconds = 20;
    auto *driver = new Traffic::Driver(o);
    QSignalSpy calls(driver, &Traffic::Driver::callFinished);
    QVERIFY(driver->start().ok());
    QTRY_VERIFY_WITH_TIMEOUT(calls.size() >= 10, 10000);
    delete driver; // requests in flight are dropped; nothing fires into freed memory
    QTest::qWait(200);
    QVERIFY(m_engine.isRunning());
}

void TestTrafficDriver::unreachableServer()
{
    QTcpServer probe;
    QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 port = probe.serverPort();
    probe.close();
    Traffic::Options o = options("some-token-0123456789", QStringLiteral("echo=1"), 10, 10);
    o.url = QUrl(QStringLiteral("http://127.0.0.1:%1/mcp").arg(port));
    Traffic::Driver driver(o);
    const Traffic::Summary summary = run(driver);
    QVERIFY(summary.error.has_value());
    QVERIFY2(
        summary.error->message.startsWith(
            QStringLiteral("cannot reach the MCP server at http://127.0.0.1:%1/mcp").arg(port)),
        qPrintable(summary.error->toString()));
    QCOMPARE(summary.totals.calls(), 0);
}

void TestTrafficDriver::ssrfGuardApplies()
{
    Traffic::Options o = options("some-token-0123456789", QStringLiteral("echo=1"), 10, 10);
    o.url = QUrl(QStringLiteral("https://10.1.2.3/mcp"));
    Traffic::Driver driver(o);
    const Core::Status started = driver.start();
    QVERIFY(!started.ok());
    QCOMPARE(started.error().code, QStringLiteral("ssrf_blocked"));
    o.ssrfPolicy.allowPrivateNetworks = true;
    Traffic::Driver allowed(o);
    QVERIFY(allowed.start().ok());
    allowed.stop();
}

void TestTrafficDriver::statelessRevision()
{
    const QByteArray token =
        issue(QStringLiteral("stateless"), QStringLiteral("tasks:read tasks:write tasks:delete"));
    QVERIFY(!token.isEmpty());
    Traffic::Options o =
        options(token, QStringLiteral("echo=2,create_task=2,get_task=1,update_task=1"), 120, 600);
    o.protocolVersion = QStringLiteral("2026-07-28");
    Traffic::Driver driver(o);
    QSignalSpy sessions(&driver, &Traffic::Driver::sessionStarted);
    const Traffic::Summary summary = run(driver);
    QVERIFY2(summary.completed(),
             qPrintable(summary.error ? summary.error->toString() : QStringLiteral("stopped")));
    QCOMPARE(summary.protocolVersion, QStringLiteral("2026-07-28"));
    QCOMPARE(sessions.size(), 1);
    QCOMPARE(summary.totals.calls(), 120);
    QVERIFY2(summary.totals.errors == 0, QJsonDocument(summary.toJson()).toJson().constData());
    QCOMPARE(summary.totals.allowed, 120);
    QVERIFY(summary.tool(QStringLiteral("update_task"))->calls() > 0);
    QVERIFY(summary.tool(QStringLiteral("get_task"))->calls() > 0);

    o.protocolVersion = QStringLiteral("2027-01-01");
    Traffic::Driver unsupported(o);
    const Traffic::Summary refused = run(unsupported);
    QVERIFY(refused.error.has_value());
    QVERIFY2(refused.error->message.contains(
                 QStringLiteral("failed (HTTP 400): JSON-RPC error -32022: unsupported protocol "
                                "version \"2027-01-01\"")),
             qPrintable(refused.error->message));
}

void TestTrafficDriver::unknownToolCountsAsJsonRpcError()
{
    const QByteArray token = issue(QStringLiteral("typo"), QStringLiteral("tasks:read"));
    Traffic::Driver driver(options(token, QStringLiteral("echo=1,no_such_tool=1"), 60, 600));
    const Traffic::Summary summary = run(driver);
    QVERIFY(summary.completed());
    const Traffic::ToolStats *unknown = summary.tool(QStringLiteral("no_such_tool"));
    QVERIFY(unknown && unknown->calls() > 0);
    QCOMPARE(unknown->errors, unknown->calls());
    QCOMPARE(unknown->errorKinds.value(QStringLiteral("jsonrpc_-32602")), unknown->errors);
    QCOMPARE(summary.tool(QStringLiteral("echo"))->errors, 0);
    QCOMPARE(summary.totals.calls(), 60);
}

void TestTrafficDriver::durationRun_data()
{
    QTest::addColumn<bool>("poisson");
    QTest::newRow("evenly spaced") << false;
    QTest::newRow("poisson") << true;
}

void TestTrafficDriver::durationRun()
{
    QFETCH(bool, poisson);
    const QByteArray token = issue(QStringLiteral("timed"), QStringLiteral("tasks:read"));
    Traffic::Options o = options(token, QStringLiteral("echo=1"), 0, 200);
    o.durationSeconds = 0.5;
    o.poisson = poisson;
    Traffic::Driver driver(o);
    const Traffic::Summary summary = run(driver);
    QVERIFY(summary.completed());
    QVERIFY2(summary.elapsedSeconds >= 0.5 && summary.elapsedSeconds < 3,
             qPrintable(QString::number(summary.elapsedSeconds)));
    // 100 calls fall due in 0.5 s at 200/s (a Poisson count varies around it).
    const qint64 calls = summary.totals.calls() + summary.notSent;
    QVERIFY2(poisson ? calls >= 60 && calls <= 140 : calls >= 99 && calls <= 101,
             qPrintable(QString::number(calls)));
    QCOMPARE(summary.totals.allowed, summary.totals.calls());
}

void TestTrafficDriver::justificationRetriedOnce()
{
    ScriptedMcp server;
    QVERIFY(server.listen());
    Traffic::Options o = options("third-party-token", QStringLiteral("guarded=1,picky=1"), 60, 600);
    o.url = server.url();
    Traffic::Driver driver(o);
    const Traffic::Summary summary = run(driver);
    QVERIFY(summary.completed());
    const Traffic::ToolStats *guarded = summary.tool(QStringLiteral("guarded"));
    const Traffic::ToolStats *picky = summary.tool(QStringLiteral("picky"));
    QVERIFY(guarded && picky && guarded->calls() > 0 && picky->calls() > 0);
    QCOMPARE(guarded->justificationMissing, guarded->calls());
    QCOMPARE(picky->justified, picky->calls());
    QCOMPARE(picky->lastBand, QStringLiteral("high"));
    QCOMPARE(picky->lastFriction, 0.7);
    // Each call was sent twice: without, then once with a justification.
    QCOMPARE(server.toolCalls.load(), 120);
    QCOMPARE(server.justificationsReceived.load(), 60);
}

void TestTrafficDriver::thirdPartyServerWithEventStreams()
{
    ScriptedMcp server;
    QVERIFY(server.listen());
    Traffic::Options o = options("third-party-token", QStringLiteral("echo=2,explode=1"), 90, 600);
    o.url = server.url();
    Traffic::Driver driver(o);
    const Traffic::Summary summary = run(driver);
    QVERIFY2(summary.completed(),
             qPrintable(summary.error ? summary.error->toString() : QStringLiteral("stopped")));
    const Traffic::ToolStats *echo = summary.tool(QStringLiteral("echo"));
    const Traffic::ToolStats *explode = summary.tool(QStringLiteral("explode"));
    QVERIFY(echo && explode);
    QCOMPARE(echo->allowed, echo->calls());
    QVERIFY(echo->calls() > 30);
    QCOMPARE(explode->errors, explode->calls());
    QCOMPARE(explode->errorKinds.value(QStringLiteral("tool_error")), explode->errors);
    QVERIFY(explode->calls() > 10);
    QCOMPARE(summary.totals.calls(), 90);
    QCOMPARE(echo->lastFriction, -1.0);
    QCOMPARE(summary.protocolVersion, QStringLiteral("2025-06-18"));
    QCOMPARE(server.toolCalls.load(), 90);
}

void TestTrafficDriver::lostSessionReinitializes()
{
    ScriptedMcp server;
    QVERIFY(server.listen());
    server.forgetEvery = 25;
    Traffic::Options o = options("third-party-token", QStringLiteral("echo=1"), 80, 400);
    o.url = server.url();
    o.maxInFlight = 1; // so that exactly the calls after a forgotten session see the 404
    Traffic::Driver driver(o);
    QSignalSpy sessions(&driver, &Traffic::Driver::sessionStarted);
    const Traffic::Summary summary = run(driver);
    QVERIFY2(summary.completed(),
             qPrintable(summary.error ? summary.error->toString() : QStringLiteral("stopped")));
    QCOMPARE(summary.totals.allowed, 80);
    QCOMPARE(summary.sessionReinitializations, 3);
    QCOMPARE(server.initializations.load(), 4);
    QCOMPARE(sessions.size(), 4);
}

void TestTrafficDriver::sessionLostAgainIsFatal()
{
    ScriptedMcp server;
    QVERIFY(server.listen());
    server.alwaysLost = true;
    Traffic::Options o = options("third-party-token", QStringLiteral("echo=1"), 20, 100);
    o.url = server.url();
    Traffic::Driver driver(o);
    const Traffic::Summary summary = run(driver);
    QVERIFY(summary.error.has_value());
    QCOMPARE(summary.error->code, QStringLiteral("session_lost"));
    QCOMPARE(summary.totals.calls(), 0);
}

QTEST_GUILESS_MAIN(TestTrafficDriver)
#include "tst_traffic_driver.moc"
