// The walker against small, deliberately broken servers (core/http/server.h on loopback):
// each breaks one client-side rule, and the walk must stop with the expected verdict.
// Also the exact discovery URL order, and the HTML report of a hostile server.
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QSignalSpy>
#include <QtTest>

#include "flow/walker.h"
#include "flowtest.h"
#include "http/server.h"

using FlowTest::findCheck;

namespace {

struct Scenario
{
    bool challenge = true;
    bool challengeNamesMetadata = true;
    bool servePathPrm = true;
    bool serveRootPrm = true;
    std::optional<QString> prmResource; ///< relative to base when it starts with '/'
    QJsonArray authorizationServers{QStringLiteral("/as")};
    QStringList asPaths{QStringLiteral("/.well-known/oauth-authorization-server/as")};
    std::optional<QString> issuer;
    std::optional<QJsonArray> pkceMethods = QJsonArray{QStringLiteral("S256")};
    QString registrationError; ///< error_description of a refused registration
    /// Token endpoint answers to the device grant's polls in order: an error code, or
    /// "token" for success; the last one repeats.
    QStringList devicePolls;
    int deviceExpiresIn = 600;
};

/// An MCP server and its AS on one loopback port, misbehaving as the scenario says.
class BrokenServer
{
public:
    explicit BrokenServer(Scenario scenario)
        : m_scenario(std::move(scenario))
    {
        Http::ServerOptions options;
        options.workerThreads = 1;
        m_server = std::make_unique<Http::Server>(options);
    }

    Core::Status start()
    {
        if (auto listening =
                m_server->listen(QHostAddress::LocalHost, 0, Http::Server::ListenMode::Paused);
            !listening)
            return listening;
        m_base = m_server->baseUrl().toString();
        const auto absolute = [this](const QString &value) {
            return value.startsWith(QLatin1Char('/')) ? QString(m_base + value) : value;
        };
        Http::Router &router = m_server->router();
        router.handle("POST", "/mcp", [this](const Http::Request &) {
            Http::Response response =
                Http::Response::error(401, "invalid_token", QStringLiteral("no token"));
            if (m_scenario.challenge) {
                QByteArray challenge = "Bearer scope=\"read\"";
                if (m_scenario.challengeNamesMetadata)
                    challenge += ", resource_metadata=\"" + m_base.toUtf8() +
                                 "/.well-known/oauth-protected-resource/mcp\"";
                response.headers.set("WWW-Authenticate", challenge);
            }
            return response;
        });
        const auto prm = [this, absolute](const Http::Request &) {
            QJsonArray servers;
            for (const QJsonValue &server : std::as_const(m_scenario.authorizationServers))
                servers.append(absolute(server.toString()));
            return Http::Response::json(
                200, QJsonDocument(QJsonObject{
                         {QStringLiteral("resource"),
                          absolute(m_scenario.prmResource.value_or(QStringLiteral("/mcp")))},
                         {QStringLiteral("authorization_servers"), servers},
                         {QStringLiteral("bearer_methods_supported"),
                          QJsonArray{QStringLiteral("header")}}}));
        };
        if (m_scenario.servePathPrm)
            router.handle("GET", "/.well-known/oauth-protected-resource/mcp", prm);
        if (m_scenario.serveRootPrm)
            router.handle("GET", "/.well-known/oauth-protected-resource", prm);
        const auto metadata = [this, absolute](const Http::Request &) {
            QJsonObject doc{
                {QStringLiteral("issuer"),
                 absolute(m_scenario.issuer.value_or(QStringLiteral("/as")))},
                {QStringLiteral("authorization_endpoint"),
                 QString(m_base + QStringLiteral("/as/authorize"))},
                {QStringLiteral("token_endpoint"), QString(m_base + QStringLiteral("/as/token"))},
                {QStringLiteral("registration_endpoint"),
                 QString(m_base + QStringLiteral("/as/register"))},
                {QStringLiteral("response_types_supported"), QJsonArray{QStringLiteral("code")}},
                {QStringLiteral("device_authorization_endpoint"),
                 QString(m_base + QStringLiteral("/as/device_authorization"))},
            };
            if (m_scenario.pkceMethods)
                doc.insert(QStringLiteral("code_challenge_methods_supported"),
                           *m_scenario.pkceMethods);
            return Http::Response::json(200, QJsonDocument(doc));
        };
        for (const QString &path : std::as_const(m_scenario.asPaths))
            router.handle("GET", path.toUtf8(), metadata);
        router.handle("POST", "/as/register", [this](const Http::Request &) {
            if (!m_scenario.registrationError.isEmpty())
                return Http::Response::error(400, "invalid_client_metadata",
                                             m_scenario.registrationError);
            return Http::Response::json(201, QJsonDocument(QJsonObject{{QStringLiteral("client_id"),
                                                                        QStringLiteral("c1")}}));
        });
        router.handle("POST", "/as/device_authorization", [this](const Http::Request &) {
            return Http::Response::json(
                200, QJsonDocument(QJsonObject{
                         {QStringLiteral("device_code"), QStringLiteral("dc-0123456789")},
                         {QStringLiteral("user_code"), QStringLiteral("BCDF-GHJK")},
                         {QStringLiteral("verification_uri"),
                          QString(m_base + QStringLiteral("/device"))},
                         {QStringLiteral("expires_in"), m_scenario.deviceExpiresIn},
                         {QStringLiteral("interval"), 1}}));
        });
        router.handle("POST", "/as/token", [this](const Http::Request &) {
            QMutexLocker lock(&m_mutex);
            const QString answer = m_scenario.devicePolls.value(
                qMin(m_polls++, int(m_scenario.devicePolls.size()) - 1), QStringLiteral("token"));
            if (answer != QLatin1String("token"))
                return Http::Response::error(400, answer.toUtf8(), QStringLiteral("scripted"));
            Http::Response response = Http::Response::json(
                200, QJsonDocument(QJsonObject{
                         {QStringLiteral("access_token"), QStringLiteral("at-0123456789abcdef")},
                         {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                         {QStringLiteral("expires_in"), 60}}));
            response.headers.set("Cache-Control", "no-store");
            return response;
        });
        m_server->resumeAccepting();
        return {};
    }

    [[nodiscard]] QString base() const { return m_base; }

private:
    Scenario m_scenario;
    QMutex m_mutex;
    int m_polls = 0;
    std::unique_ptr<Http::Server> m_server;
    QString m_base;
};

Flow::Run walk(const QString &url, Flow::Grant grant = Flow::Grant::AuthorizationCode)
{
    Flow::Options options;
    options.serverUrl = QUrl(url);
    options.grant = grant;
    options.deviceSecond = std::chrono::milliseconds(10);
    // The device grant's user step is left to nobody: the scripted AS decides.
    options.browser =
        grant == Flow::Grant::Device ? Flow::BrowserMode::System : Flow::BrowserMode::Headless;
    options.username = QStringLiteral("u");
    options.password = QStringLiteral("p");
    Flow::Walker walker(options);
    QSignalSpy finished(&walker, &Flow::Walker::finished);
    walker.runToEnd();
    if (!walker.isFinished() && !finished.wait(20000))
        qWarning() << "the walk did not finish";
    return walker.run();
}

QStringList urls(const Flow::Step &step)
{
    QStringList out;
    for (const Http::Exchange &exchange : step.exchanges)
        out.append(exchange.url);
    return out;
}

} // namespace

Q_DECLARE_METATYPE(Scenario)

class TestFlowBroken final : public QObject
{
    Q_OBJECT

private slots:
    void failures_data();
    void failures();
    void discoveryOrder();
    void legacyFallbacks();
    void hostileErrorInReport();
    void devicePolling_data();
    void devicePolling();
    void deviceSlowDownWidensTheInterval();
};

void TestFlowBroken::failures_data()
{
    QTest::addColumn<Scenario>("scenario");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("lastStep");

    Scenario s;
    s.prmResource = QStringLiteral("http://other.example/mcp");
    QTest::newRow("prm resource of another origin")
        << s << QStringLiteral("prm.resource_matches") << QStringLiteral("prm");
    s = {};
    s.prmResource = QStringLiteral("/other");
    QTest::newRow("prm resource of another path")
        << s << QStringLiteral("prm.resource_matches") << QStringLiteral("prm");
    s = {};
    s.prmResource = QStringLiteral("/mc");
    QTest::newRow("prm resource a string prefix only")
        << s << QStringLiteral("prm.resource_matches") << QStringLiteral("prm");
    s = {};
    s.authorizationServers = {};
    QTest::newRow("no authorization servers")
        << s << QStringLiteral("prm.authorization_servers") << QStringLiteral("prm");
    s = {};
    s.issuer = QStringLiteral("/evil");
    QTest::newRow("wrong issuer") << s << QStringLiteral("as.issuer_matches")
                                  << QStringLiteral("as_metadata");
    s = {};
    s.issuer = QStringLiteral("/as/");
    QTest::newRow("issuer with a trailing slash")
        << s << QStringLiteral("as.issuer_matches") << QStringLiteral("as_metadata");
    s = {};
    s.pkceMethods = QJsonArray{QStringLiteral("plain")};
    QTest::newRow("plain only") << s << QStringLiteral("as.pkce_s256")
                                << QStringLiteral("as_metadata");
    s = {};
    s.pkceMethods.reset();
    QTest::newRow("no code_challenge_methods_supported")
        << s << QStringLiteral("as.pkce_s256") << QStringLiteral("as_metadata");
    s = {};
    s.challenge = false;
    QTest::newRow("401 without WWW-Authenticate")
        << s << QStringLiteral("probe.www_authenticate") << QStringLiteral("probe");
    s = {};
    s.registrationError = QStringLiteral("redirect URIs refused");
    QTest::newRow("registration refused")
        << s << QStringLiteral("registration.dcr") << QStringLiteral("registration");
}

void TestFlowBroken::failures()
{
    QFETCH(Scenario, scenario);
    QFETCH(QString, rule);
    QFETCH(QString, lastStep);
    BrokenServer server(scenario);
    QVERIFY(server.start().ok());
    const Flow::Run run = walk(server.base() + QStringLiteral("/mcp"));
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    const auto check = findCheck(run, rule);
    QVERIFY2(check, qPrintable(rule));
    QCOMPARE(check->verdict, Flow::Verdict::Fail);
    QCOMPARE(check->level, Flow::Level::Must);
    QVERIFY2(check->explanation.contains(QLatin1String("RFC")) ||
                 check->explanation.contains(QLatin1String("MCP")),
             qPrintable(check->explanation));
    QCOMPARE(run.steps.last().id, lastStep);
    QCOMPARE(run.steps.last().status, Flow::StepStatus::Failed);
    QVERIFY(!run.error.isEmpty());
}

void TestFlowBroken::discoveryOrder()
{
    Scenario s;
    s.challengeNamesMetadata = false;
    s.servePathPrm = false;
    s.prmResource = QStringLiteral("/"); // the origin: a prefix of the server URL
    s.asPaths = {QStringLiteral("/as/.well-known/openid-configuration")};
    BrokenServer server(s);
    QVERIFY(server.start().ok());
    const QString base = server.base();
    const Flow::Run run = walk(base + QStringLiteral("/mcp"));
    QCOMPARE(findCheck(run, QStringLiteral("probe.resource_metadata"))->verdict,
             Flow::Verdict::Warn);
    QCOMPARE(urls(run.steps.at(1)),
             (QStringList{base + QStringLiteral("/.well-known/oauth-protected-resource/mcp"),
                          base + QStringLiteral("/.well-known/oauth-protected-resource")}));
    QCOMPARE(findCheck(run, QStringLiteral("prm.resource_matches"))->verdict, Flow::Verdict::Pass);
    QCOMPARE(urls(run.steps.at(2)),
             (QStringList{base + QStringLiteral("/.well-known/oauth-authorization-server/as"),
                          base + QStringLiteral("/.well-known/openid-configuration/as"),
                          base + QStringLiteral("/as/.well-known/openid-configuration")}));
    QCOMPARE(run.steps.at(2).status, Flow::StepStatus::Warning); // no iss parameter support
    QCOMPARE(run.steps.at(3).id, QStringLiteral("registration"));
    QCOMPARE(run.steps.at(3).status, Flow::StepStatus::Passed);
    // The scripted AS has no authorize endpoint: the headless browser stops there.
    QCOMPARE(run.steps.last().id, QStringLiteral("authorization"));
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    QVERIFY2(run.error.contains(QLatin1String("404")), qPrintable(run.error));
    // The scope came from the challenge.
    QVERIFY(run.steps.last().exchanges.first().url.contains(QLatin1String("scope=read")));
}

// A server of MCP 2025-03-26: no PRM, no AS metadata. The walker warns and falls back to
// the server's origin as the AS and its default endpoints (here /register is missing).
void TestFlowBroken::legacyFallbacks()
{
    Scenario s;
    s.challengeNamesMetadata = false;
    s.servePathPrm = false;
    s.serveRootPrm = false;
    s.asPaths = {};
    BrokenServer server(s);
    QVERIFY(server.start().ok());
    const QString base = server.base();
    const Flow::Run run = walk(base + QStringLiteral("/mcp"));
    QCOMPARE(run.steps.at(1).id, QStringLiteral("prm"));
    QCOMPARE(run.steps.at(1).status, Flow::StepStatus::Warning);
    const auto prm = findCheck(run, QStringLiteral("prm.fetch"));
    QVERIFY(prm);
    QCOMPARE(run.steps.at(2).id, QStringLiteral("as_metadata"));
    QCOMPARE(urls(run.steps.at(2)),
             (QStringList{base + QStringLiteral("/.well-known/oauth-authorization-server"),
                          base + QStringLiteral("/.well-known/openid-configuration")}));
    QCOMPARE(run.steps.at(2).status, Flow::StepStatus::Warning);
    QCOMPARE(run.steps.at(2).checks.last().rule, QStringLiteral("as.fetch"));
    QCOMPARE(run.steps.at(2).checks.last().verdict, Flow::Verdict::Warn);
    QCOMPARE(run.steps.at(3).id, QStringLiteral("registration"));
    QCOMPARE(urls(run.steps.at(3)), QStringList{base + QStringLiteral("/register")});
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    QCOMPARE(findCheck(run, QStringLiteral("registration.dcr"))->verdict, Flow::Verdict::Fail);
}

void TestFlowBroken::hostileErrorInReport()
{
    Scenario s;
    s.registrationError = QStringLiteral("<script>alert(\"x\")</script>");
    BrokenServer server(s);
    QVERIFY(server.start().ok());
    const Flow::Run run = walk(server.base() + QStringLiteral("/mcp"));
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    const QString html = run.toHtmlReport();
    QVERIFY(!html.contains(QLatin1String("<script"), Qt::CaseInsensitive));
    QVERIFY(html.contains(QLatin1String("&lt;script&gt;")));
    QVERIFY(!html.contains(QLatin1String("password=p")));
}

void TestFlowBroken::devicePolling_data()
{
    QTest::addColumn<QStringList>("polls");
    QTest::addColumn<int>("expiresIn");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("verdict");
    QTest::addColumn<QString>("error");
    QTest::newRow("pending then token")
        << QStringList{QStringLiteral("authorization_pending"),
                       QStringLiteral("authorization_pending"), QStringLiteral("token")}
        << 600 << QStringLiteral("token.access_token") << QStringLiteral("pass")
        << QStringLiteral("refused"); // the scripted MCP server refuses every token
    QTest::newRow("denied") << QStringList{QStringLiteral("authorization_pending"),
                                           QStringLiteral("access_denied")}
                            << 600 << QStringLiteral("device.granted") << QStringLiteral("fail")
                            << QStringLiteral("access_denied");
    QTest::newRow("expired_token")
        << QStringList{QStringLiteral("expired_token")} << 600 << QStringLiteral("device.granted")
        << QStringLiteral("fail") << QStringLiteral("expired");
    QTest::newRow("expiry while pending")
        << QStringList{QStringLiteral("authorization_pending")} << 3
        << QStringLiteral("device.expiry") << QStringLiteral("pass") << QStringLiteral("expired");
}

void TestFlowBroken::devicePolling()
{
    QFETCH(QStringList, polls);
    QFETCH(int, expiresIn);
    QFETCH(QString, rule);
    QFETCH(QString, verdict);
    QFETCH(QString, error);
    Scenario s;
    s.devicePolls = polls;
    s.deviceExpiresIn = expiresIn;
    BrokenServer server(s);
    QVERIFY(server.start().ok());
    const Flow::Run run = walk(server.base() + QStringLiteral("/mcp"), Flow::Grant::Device);
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    const auto check = findCheck(run, rule);
    QVERIFY2(check, qPrintable(rule));
    QCOMPARE(Flow::verdictName(check->verdict), verdict);
    QVERIFY2(run.error.contains(error), qPrintable(run.error));
    QCOMPARE(findCheck(run, QStringLiteral("device.response"))->verdict, Flow::Verdict::Pass);
}

void TestFlowBroken::deviceSlowDownWidensTheInterval()
{
    Scenario s;
    s.devicePolls = {QStringLiteral("authorization_pending"), QStringLiteral("slow_down"),
                     QStringLiteral("authorization_pending"), QStringLiteral("token")};
    BrokenServer server(s);
    QVERIFY(server.start().ok());
    const Flow::Run run = walk(server.base() + QStringLiteral("/mcp"), Flow::Grant::Device);
    const auto slowDown = findCheck(run, QStringLiteral("device.slow_down"));
    QVERIFY(slowDown);
    QCOMPARE(slowDown->verdict, Flow::Verdict::Pass);
    QVERIFY(slowDown->explanation.contains(QLatin1String("every 6 s")));
    const Flow::Step &polling = run.steps.at(5);
    QCOMPARE(polling.id, QStringLiteral("device_token"));
    QCOMPARE(polling.exchanges.size(), 4);
    // 1 "second" (10 ms) between the first polls, 6 after slow_down.
    const qint64 before =
        polling.exchanges.at(0).startedAt.msecsTo(polling.exchanges.at(1).startedAt);
    const qint64 after =
        polling.exchanges.at(1).startedAt.msecsTo(polling.exchanges.at(2).startedAt);
    QVERIFY2(after >= 60, qPrintable(QString::number(after)));
    QVERIFY2(after > before, qPrintable(QStringLiteral("%1 then %2").arg(before).arg(after)));
    QCOMPARE(polling.status, Flow::StepStatus::Passed);
}

QTEST_MAIN(TestFlowBroken)
#include "tst_flow_broken.moc"
