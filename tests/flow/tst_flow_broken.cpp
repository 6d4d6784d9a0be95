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
    std::optional<QString> prmResource; ///< relative to base when it starts with '/'
    QJsonArray authorizationServers{QStringLiteral("/as")};
    QStringList asPaths{QStringLiteral("/.well-known/oauth-authorization-server/as")};
    std::optional<QString> issuer;
    std::optional<QJsonArray> pkceMethods = QJsonArray{QStringLiteral("S256")};
    QString registrationError; ///< error_description of a refused registration
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
        m_server->resumeAccepting();
        return {};
    }

    [[nodiscard]] QString base() const { return m_base; }

private:
    Scenario m_scenario;
    std::unique_ptr<Http::Server> m_server;
    QString m_base;
};

Flow::Run walk(const QString &url)
{
    Flow::Options options;
    options.serverUrl = QUrl(url);
    options.browser = Flow::BrowserMode::Headless;
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
    void hostileErrorInReport();
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

QTEST_MAIN(TestFlowBroken)
#include "tst_flow_broken.moc"
