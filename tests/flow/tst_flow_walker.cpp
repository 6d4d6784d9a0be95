// Walks against our own embedded servers (Core::Engine: AS + RS on ephemeral loopback
// ports, a temporary SQLite store): the whole PKCE walk in headless mode, single-step
// mode, a pre-registered client, denied consent, step-up on insufficient_scope, and the
// system-browser mode with its loopback redirect listener.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include "admin/service.h"
#include "crypto/key.h"
#include "engine.h"
#include "flow/walker.h"
#include "flowtest.h"
#include "http/client.h"

using FlowTest::failures;
using FlowTest::findCheck;

namespace {

struct EngineSetup
{
    QStringList baseScopes;
    QMap<QString, QStringList> extraToolScopes;
    bool autoApprove = false;
};

} // namespace

class TestFlowWalker final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void fullPkceWalk();
    void singleStepMode();
    void preRegisteredClient();
    void deniedConsent();
    void wrongPassword();
    void stepUpOnInsufficientScope();
    void systemBrowserWithLoopbackListener();
    void manualModeCancelled();
    void manualPaste_data();
    void manualPaste();
    void clientCredentials_data();
    void clientCredentials();
    void deviceGrant_data();
    void deviceGrant();
    void dpopWithoutAsSupport();

private:
    std::unique_ptr<Core::Engine> startEngine(const EngineSetup &setup, const QString &name);
    Flow::Options headless(const Core::Engine &engine) const;
    static Flow::Run walk(Flow::Walker &walker);
    static void verifySucceeded(const Flow::Run &run);

    QTemporaryDir m_dir;
    std::unique_ptr<Core::Engine> m_engine;
    std::unique_ptr<Core::Engine> m_autoEngine; ///< auto-approve, step-up needed for echo
};

std::unique_ptr<Core::Engine> TestFlowWalker::startEngine(const EngineSetup &setup,
                                                          const QString &name)
{
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(name + QStringLiteral(".db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    config.resourceServer.baseScopes = setup.baseScopes;
    for (auto it = setup.extraToolScopes.begin(); it != setup.extraToolScopes.end(); ++it)
        config.resourceServer.toolScopes.insert(it.key(), it.value());
    config.authorizationServer.autoApprove = setup.autoApprove;
    config.authorizationServer.devicePollInterval = 1;
    auto engine = std::make_unique<Core::Engine>();
    const Core::Status started = engine->start(config);
    if (!started) {
        qWarning() << started.error().toString();
        return nullptr;
    }
    return engine;
}

Flow::Options TestFlowWalker::headless(const Core::Engine &engine) const
{
    Flow::Options options;
    options.serverUrl = QUrl(engine.mcpResourceUri());
    options.browser = Flow::BrowserMode::Headless;
    options.username = engine.demoUsername();
    options.password = engine.demoPassword();
    return options;
}

Flow::Run TestFlowWalker::walk(Flow::Walker &walker)
{
    QSignalSpy finished(&walker, &Flow::Walker::finished);
    walker.runToEnd();
    if (!walker.isFinished() && !finished.wait(30000))
        qWarning() << "the walk did not finish";
    return walker.run();
}

/// Succeeded with no failed check and no secret left whole in the exports.
void TestFlowWalker::verifySucceeded(const Flow::Run &run)
{
    QVERIFY2(FlowTest::failures(run).isEmpty(),
             qPrintable(FlowTest::failures(run).join(QLatin1Char('\n'))));
    QVERIFY2(run.outcome == Flow::Outcome::Succeeded, qPrintable(run.error));
    QVERIFY2(FlowTest::unmaskedSecrets(run).isEmpty(),
             qPrintable(FlowTest::unmaskedSecrets(run).join(QLatin1Char(' '))));
}

void TestFlowWalker::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_engine = startEngine({}, QStringLiteral("main"));
    QVERIFY(m_engine);
    EngineSetup setup;
    setup.autoApprove = true;
    setup.baseScopes = {QStringLiteral("tasks:read")};
    setup.extraToolScopes.insert(QStringLiteral("echo"), {QStringLiteral("tasks:write")});
    m_autoEngine = startEngine(setup, QStringLiteral("auto"));
    QVERIFY(m_autoEngine);
}

void TestFlowWalker::cleanupTestCase()
{
    m_engine.reset();
    m_autoEngine.reset();
}

void TestFlowWalker::fullPkceWalk()
{
    Flow::Walker walker(headless(*m_engine));
    QSignalSpy started(&walker, &Flow::Walker::stepStarted);
    QSignalSpy stepFinished(&walker, &Flow::Walker::stepFinished);
    QSignalSpy checks(&walker, &Flow::Walker::checkAdded);
    QSignalSpy exchanges(&walker, &Flow::Walker::exchangeRecorded);
    QSignalSpy needsUser(&walker, &Flow::Walker::needsUser);
    const Flow::Run run = walk(walker);

    verifySucceeded(run);
    QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
    QCOMPARE(
        FlowTest::stepIds(run),
        (QStringList{QStringLiteral("probe"), QStringLiteral("prm"), QStringLiteral("as_metadata"),
                     QStringLiteral("registration"), QStringLiteral("authorization"),
                     QStringLiteral("token"), QStringLiteral("mcp"), QStringLiteral("refresh"),
                     QStringLiteral("revocation")}));
    QCOMPARE(started.count(), run.steps.size());
    QCOMPARE(stepFinished.count(), run.steps.size());
    QCOMPARE(needsUser.count(), 0);
    int checkTotal = 0;
    int exchangeTotal = 0;
    for (const Flow::Step &step : run.steps) {
        QVERIFY2(step.status == Flow::StepStatus::Passed, qPrintable(step.id));
        checkTotal += int(step.checks.size());
        exchangeTotal += int(step.exchanges.size());
        for (const Http::Exchange &exchange : step.exchanges)
            QCOMPARE(exchange.tag, step.id);
    }
    QCOMPARE(checks.count(), checkTotal);
    QCOMPARE(exchanges.count(), exchangeTotal);

    // Every MUST of the client side was checked and passed.
    for (const char *rule :
         {"probe.unauthorized", "probe.bearer_challenge", "prm.resource_matches",
          "prm.authorization_servers", "as.issuer_matches", "as.pkce_s256", "authorization.state",
          "authorization.iss", "authorization.code", "token.access_token", "token.no_store",
          "mcp.tools_list", "refresh.rotation", "revocation.access_token",
          "revocation.refresh_token"}) {
        const auto check = findCheck(run, QLatin1String(rule));
        QVERIFY2(check, rule);
        QCOMPARE(check->verdict, Flow::Verdict::Pass);
    }
    QCOMPARE(findCheck(run, QStringLiteral("mcp.tools_call"))->verdict, Flow::Verdict::Pass);
    QCOMPARE(findCheck(run, QStringLiteral("revocation.effective"))->verdict, Flow::Verdict::Pass);
    QVERIFY(run.tokens.refreshRotated);
    QVERIFY(run.tokens.revoked);
    QVERIFY(run.tokens.accessToken.contains(QChar(0x2026))); // masked: "prefix…#hash"

    // The DCR request named application_type native and a loopback redirect URI; the
    // authorization request carried S256, state and resource; the token request resource.
    const Flow::Step &registration = run.steps.at(3);
    QVERIFY(registration.exchanges.first().requestBody.contains("\"application_type\":\"native\""));
    QVERIFY(registration.exchanges.first().requestBody.contains("http://127.0.0.1:"));
    const QString authorizeUrl = run.steps.at(4).exchanges.first().url;
    QVERIFY(authorizeUrl.contains(QLatin1String("code_challenge_method=S256")));
    QVERIFY(authorizeUrl.contains(QLatin1String("state=")));
    QVERIFY(authorizeUrl.contains(QLatin1String("resource=")));
    QVERIFY(run.steps.at(5).exchanges.first().requestBody.contains("resource="));
    QVERIFY(run.steps.at(7).exchanges.first().requestBody.contains("resource="));

    // The login POST is in the exchanges, with the password masked.
    bool sawLogin = false;
    for (const Http::Exchange &exchange : run.steps.at(4).exchanges) {
        QVERIFY(!exchange.requestBody.contains(m_engine->demoPassword().toUtf8()));
        sawLogin = sawLogin || exchange.requestBody.contains("username=");
    }
    QVERIFY(sawLogin);
}

void TestFlowWalker::singleStepMode()
{
    Flow::Walker walker(headless(*m_engine));
    QSignalSpy stepFinished(&walker, &Flow::Walker::stepFinished);
    QSignalSpy finished(&walker, &Flow::Walker::finished);
    walker.start();
    QVERIFY(stepFinished.wait(10000));
    QCOMPARE(walker.run().steps.size(), 1);
    QVERIFY(!walker.isStepRunning());
    // Nothing happens until next().
    QVERIFY(!stepFinished.wait(200));
    QCOMPARE(walker.run().steps.size(), 1);
    walker.next();
    QVERIFY(stepFinished.wait(10000));
    QCOMPARE(walker.run().steps.size(), 2);
    QCOMPARE(walker.run().steps.at(1).id, QStringLiteral("prm"));
    walker.runToEnd();
    QTRY_VERIFY_WITH_TIMEOUT(walker.isFinished(), 30000);
    QCOMPARE(finished.count(), 1);
    QCOMPARE(walker.run().outcome, Flow::Outcome::Succeeded);
}

void TestFlowWalker::preRegisteredClient()
{
    Flow::Options options = headless(*m_engine);
    options.clientId = m_engine->demoClientId();
    options.scope = QStringLiteral("tasks:read");
    Flow::Walker walker(options);
    const Flow::Run run = walk(walker);
    QVERIFY2(run.outcome == Flow::Outcome::Succeeded, qPrintable(run.error));
    QCOMPARE(findCheck(run, QStringLiteral("registration.pre_registered"))->verdict,
             Flow::Verdict::Pass);
    QCOMPARE(run.tokens.clientId, m_engine->demoClientId());
    QCOMPARE(run.tokens.scope, QStringLiteral("tasks:read"));
    QVERIFY(!findCheck(run, QStringLiteral("registration.client_id")));
}

void TestFlowWalker::deniedConsent()
{
    Flow::Options options = headless(*m_engine);
    options.approveConsent = false;
    Flow::Walker walker(options);
    const Flow::Run run = walk(walker);
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    QCOMPARE(run.steps.last().id, QStringLiteral("authorization"));
    QCOMPARE(run.steps.last().status, Flow::StepStatus::Failed);
    const auto granted = findCheck(run, QStringLiteral("authorization.granted"));
    QVERIFY(granted);
    QCOMPARE(granted->verdict, Flow::Verdict::Fail);
    QVERIFY2(granted->explanation.contains(QLatin1String("access_denied")),
             qPrintable(granted->explanation));
    // state and iss are checked on error responses too (RFC 9207 section 2.4).
    QCOMPARE(findCheck(run, QStringLiteral("authorization.state"))->verdict, Flow::Verdict::Pass);
    QCOMPARE(findCheck(run, QStringLiteral("authorization.iss"))->verdict, Flow::Verdict::Pass);
    QVERIFY(run.error.contains(QLatin1String("access_denied")));
}

void TestFlowWalker::wrongPassword()
{
    Flow::Options options = headless(*m_engine);
    options.password = QStringLiteral("not-the-password");
    Flow::Walker walker(options);
    const Flow::Run run = walk(walker);
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    QCOMPARE(run.steps.last().id, QStringLiteral("authorization"));
    QVERIFY2(run.error.contains(QLatin1String("refused")), qPrintable(run.error));
    QVERIFY(!run.error.contains(options.password));
}

void TestFlowWalker::stepUpOnInsufficientScope()
{
    // tasks:read is enough to connect; echo also needs tasks:write, which the challenge
    // does not name: the first tools/call meets 403 insufficient_scope.
    EngineSetup setup;
    setup.baseScopes = {QStringLiteral("tasks:read")};
    setup.extraToolScopes.insert(QStringLiteral("echo"), {QStringLiteral("tasks:write")});
    auto engine = startEngine(setup, QStringLiteral("stepup"));
    QVERIFY(engine);
    Flow::Walker walker(headless(*engine));
    const Flow::Run run = walk(walker);
    verifySucceeded(run);
    QCOMPARE(FlowTest::stepIds(run),
             (QStringList{QStringLiteral("probe"), QStringLiteral("prm"),
                          QStringLiteral("as_metadata"), QStringLiteral("registration"),
                          QStringLiteral("authorization"), QStringLiteral("token"),
                          QStringLiteral("mcp"), QStringLiteral("authorization"),
                          QStringLiteral("token"), QStringLiteral("mcp"), QStringLiteral("refresh"),
                          QStringLiteral("revocation")}));
    QCOMPARE(findCheck(run, QStringLiteral("mcp.insufficient_scope"))->verdict,
             Flow::Verdict::Pass);
    QVERIFY(run.steps.at(7).title.contains(QLatin1String("step-up 1")));
    // The second authorization asked for the union of the scopes.
    const QString second = run.steps.at(7).exchanges.first().url;
    QVERIFY2(second.contains(QLatin1String("tasks%3Aread+tasks%3Awrite")) ||
                 second.contains(QLatin1String("tasks:read+tasks:write")),
             qPrintable(second));
    QCOMPARE(run.tokens.scope, QStringLiteral("tasks:read tasks:write"));
}

void TestFlowWalker::systemBrowserWithLoopbackListener()
{
    // With step-up, so the second authorization returns to the same registered port.
    Core::Engine *engine = m_autoEngine.get();
    Flow::Options options;
    options.serverUrl = QUrl(engine->mcpResourceUri());
    options.browser = Flow::BrowserMode::System;
    Flow::Walker walker(options);
    Http::Client browser;
    std::optional<QUrl> redirectTo;
    QList<int> ports;
    QList<int> listenerStatus;
    connect(&walker, &Flow::Walker::needsUser, this, [&](const Flow::UserAction &action) {
        QCOMPARE(action.kind, Flow::UserAction::Kind::OpenBrowser);
        // Plays the browser: the AS redirects at once (auto-approve), then the redirect
        // reaches the walker's loopback listener.
        Http::ClientRequest authorize;
        authorize.url = action.url;
        auto answer = browser.sendAndWait(authorize);
        QVERIFY(answer);
        QCOMPARE(answer->status, 302);
        redirectTo = QUrl(QString::fromUtf8(answer->headers.value("Location")));
        QCOMPARE(redirectTo->host(), QStringLiteral("127.0.0.1"));
        ports.append(redirectTo->port());
        Http::ClientRequest favicon;
        favicon.url = redirectTo->resolved(QUrl(QStringLiteral("/favicon.ico")));
        browser.send(favicon, this, [&](const Core::Result<Http::ClientResponse> &r) {
            listenerStatus.append(r ? r->status : -1);
            Http::ClientRequest callback;
            callback.url = *redirectTo;
            browser.send(callback, this, [&](const Core::Result<Http::ClientResponse> &r2) {
                listenerStatus.append(r2 ? r2->status : -1);
            });
        });
    });
    const Flow::Run run = walk(walker);
    QVERIFY2(run.outcome == Flow::Outcome::Succeeded, qPrintable(run.error));
    QVERIFY(redirectTo);
    QCOMPARE(ports.size(), 2);
    QCOMPARE(ports.at(0), ports.at(1));
    QTRY_COMPARE(listenerStatus, (QList<int>{404, 200, 404, 200}));
    QCOMPARE(FlowTest::findCheck(run, QStringLiteral("mcp.insufficient_scope"))->verdict,
             Flow::Verdict::Pass);
}

void TestFlowWalker::manualModeCancelled()
{
    Flow::Options options = headless(*m_engine);
    options.browser = Flow::BrowserMode::Manual;
    Flow::Walker walker(options);
    QSignalSpy finished(&walker, &Flow::Walker::finished);
    connect(&walker, &Flow::Walker::needsUser, &walker, [&](const Flow::UserAction &action) {
        QCOMPARE(action.kind, Flow::UserAction::Kind::PasteRedirect);
        QVERIFY(action.url.toString().contains(QLatin1String("code_challenge=")));
        walker.cancel();
    });
    walker.runToEnd();
    QVERIFY(finished.wait(20000));
    QCOMPARE(walker.run().outcome, Flow::Outcome::Cancelled);
    QCOMPARE(walker.run().steps.last().id, QStringLiteral("authorization"));
    // A late redirect after cancel changes nothing.
    walker.provideRedirectUrl(QUrl(QStringLiteral("http://127.0.0.1:1/callback?code=x")));
    QCOMPARE(finished.count(), 1);
}

void TestFlowWalker::manualPaste_data()
{
    QTest::addColumn<QString>("tamper");
    QTest::addColumn<QString>("failedRule");
    QTest::newRow("as received") << QString() << QString();
    QTest::newRow("state changed")
        << QStringLiteral("state") << QStringLiteral("authorization.state");
    QTest::newRow("state missing")
        << QStringLiteral("-state") << QStringLiteral("authorization.state");
    QTest::newRow("iss of another issuer")
        << QStringLiteral("iss") << QStringLiteral("authorization.iss");
    QTest::newRow("iss missing") << QStringLiteral("-iss") << QStringLiteral("authorization.iss");
    QTest::newRow("code missing") << QStringLiteral("-code")
                                  << QStringLiteral("authorization.code");
}

void TestFlowWalker::manualPaste()
{
    QFETCH(QString, tamper);
    QFETCH(QString, failedRule);
    Flow::Options options;
    options.serverUrl = QUrl(m_autoEngine->mcpResourceUri());
    options.browser = Flow::BrowserMode::Manual;
    Flow::Walker walker(options);
    Http::Client browser;
    connect(&walker, &Flow::Walker::needsUser, this, [&](const Flow::UserAction &action) {
        QCOMPARE(action.kind, Flow::UserAction::Kind::PasteRedirect);
        Http::ClientRequest authorize;
        authorize.url = action.url;
        auto answer = browser.sendAndWait(authorize);
        QVERIFY(answer);
        QUrl pasted(QString::fromUtf8(answer->headers.value("Location")));
        QUrlQuery query(pasted);
        if (tamper.startsWith(QLatin1Char('-'))) {
            query.removeAllQueryItems(tamper.mid(1));
        } else if (!tamper.isEmpty()) {
            query.removeAllQueryItems(tamper);
            query.addQueryItem(tamper, QStringLiteral("http://evil.example"));
        }
        pasted.setQuery(query);
        walker.provideRedirectUrl(pasted);
    });
    const Flow::Run run = walk(walker);
    if (failedRule.isEmpty()) {
        QVERIFY2(run.outcome == Flow::Outcome::Succeeded, qPrintable(run.error));
        return;
    }
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    QCOMPARE(run.steps.last().id, QStringLiteral("authorization"));
    const auto check = FlowTest::findCheck(run, failedRule);
    QVERIFY(check);
    QCOMPARE(check->verdict, Flow::Verdict::Fail);
}

void TestFlowWalker::clientCredentials_data()
{
    QTest::addColumn<QString>("method");
    QTest::addColumn<bool>("rightCredentials");
    QTest::newRow("client_secret_basic") << QStringLiteral("client_secret_basic") << true;
    QTest::newRow("private_key_jwt") << QStringLiteral("private_key_jwt") << true;
    QTest::newRow("wrong secret") << QStringLiteral("client_secret_basic") << false;
    QTest::newRow("another key") << QStringLiteral("private_key_jwt") << false;
}

void TestFlowWalker::clientCredentials()
{
    QFETCH(QString, method);
    QFETCH(bool, rightCredentials);
    Admin::Service admin(m_engine->store());
    Admin::NewClient client;
    client.name = QStringLiteral("flow walker service");
    client.grantTypes = {QStringLiteral("client_credentials")};
    client.authMethod = method;
    client.scope = QStringLiteral("tasks:read tasks:write tasks:delete");
    const auto key = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    QVERIFY(key.ok());
    if (method == QLatin1String("private_key_jwt"))
        client.jwks = QString::fromUtf8(
            QJsonDocument(QJsonObject{{QStringLiteral("keys"), QJsonArray{key->toJwk(false)}}})
                .toJson(QJsonDocument::Compact));
    const auto added = admin.addClient(client);
    QVERIFY2(added.ok(), added.ok() ? "" : qPrintable(added.error().toString()));

    Flow::Options options;
    options.serverUrl = QUrl(m_engine->mcpResourceUri());
    options.grant = Flow::Grant::ClientCredentials;
    options.clientId = added->client.clientId;
    if (method == QLatin1String("private_key_jwt")) {
        const auto other = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
        QVERIFY(other.ok());
        options.privateKeyPem = *(rightCredentials ? key : other)->toPrivatePem();
    } else {
        options.clientSecret = rightCredentials ? added->secret : QStringLiteral("wrong-secret");
    }
    Flow::Walker walker(options);
    const Flow::Run run = walk(walker);
    if (!rightCredentials) {
        QCOMPARE(run.outcome, Flow::Outcome::Failed);
        QCOMPARE(run.steps.last().id, QStringLiteral("token"));
        QVERIFY2(run.error.contains(QLatin1String("invalid_client")), qPrintable(run.error));
        return;
    }
    verifySucceeded(run);
    QCOMPARE(
        FlowTest::stepIds(run),
        (QStringList{QStringLiteral("probe"), QStringLiteral("prm"), QStringLiteral("as_metadata"),
                     QStringLiteral("registration"), QStringLiteral("token"), QStringLiteral("mcp"),
                     QStringLiteral("revocation")}));
    const QByteArray tokenRequest = run.steps.at(4).exchanges.first().requestBody;
    QVERIFY(tokenRequest.contains("grant_type=client_credentials"));
    QVERIFY(tokenRequest.contains("resource="));
    if (method == QLatin1String("private_key_jwt"))
        QVERIFY(tokenRequest.contains("client_assertion_type="));
    else
        QVERIFY(!added->secret.isEmpty() && !run.steps.at(4)
                                                 .exchanges.first()
                                                 .requestHeaders.value("Authorization")
                                                 .contains(added->secret.toUtf8()));
}

void TestFlowWalker::deviceGrant_data()
{
    QTest::addColumn<bool>("approve");
    QTest::newRow("approved") << true;
    QTest::newRow("denied") << false;
}

void TestFlowWalker::deviceGrant()
{
    QFETCH(bool, approve);
    Flow::Options options = headless(*m_engine);
    options.grant = Flow::Grant::Device;
    options.approveConsent = approve;
    // Real seconds: our AS answers slow_down to polls faster than its interval (1 s here).
    Flow::Walker walker(options);
    const Flow::Run run = walk(walker);
    if (!approve) {
        QCOMPARE(run.outcome, Flow::Outcome::Failed);
        QCOMPARE(run.steps.last().id, QStringLiteral("device_token"));
        QCOMPARE(FlowTest::findCheck(run, QStringLiteral("device.granted"))->verdict,
                 Flow::Verdict::Fail);
        QVERIFY2(run.error.contains(QLatin1String("access_denied")), qPrintable(run.error));
        return;
    }
    verifySucceeded(run);
    QCOMPARE(
        FlowTest::stepIds(run),
        (QStringList{QStringLiteral("probe"), QStringLiteral("prm"), QStringLiteral("as_metadata"),
                     QStringLiteral("registration"), QStringLiteral("device_authorization"),
                     QStringLiteral("device_token"), QStringLiteral("mcp"),
                     QStringLiteral("refresh"), QStringLiteral("revocation")}));
    QVERIFY(run.steps.at(3).exchanges.first().requestBody.contains("device_code"));
    QVERIFY(run.steps.at(4).exchanges.first().requestBody.contains("resource="));
    QCOMPARE(FlowTest::findCheck(run, QStringLiteral("device.interval"))->verdict,
             Flow::Verdict::Pass);
    QVERIFY(!FlowTest::findCheck(run, QStringLiteral("device.slow_down"))); // never too early
}

// Options::dpop against an AS that does not advertise dpop_signing_alg_values_supported
// (ours): a warning, no DPoP header anywhere, Bearer tokens, and the walk still succeeds.
void TestFlowWalker::dpopWithoutAsSupport()
{
    Flow::Options options = headless(*m_engine);
    options.dpop = true;
    Flow::Walker walker(options);
    const Flow::Run run = walk(walker);
    verifySucceeded(run);
    bool warned = false;
    for (const Flow::Step &step : run.steps) {
        for (const Flow::Check &check : step.checks) {
            if (check.rule == QLatin1String("dpop.supported"))
                warned = check.verdict == Flow::Verdict::Warn;
            QVERIFY2(check.rule == QLatin1String("dpop.supported") ||
                         !check.rule.startsWith(QLatin1String("dpop.")),
                     qPrintable(check.rule));
        }
        for (const Http::Exchange &exchange : step.exchanges) {
            QVERIFY(!exchange.requestHeaders.contains("DPoP"));
            QVERIFY(!exchange.requestHeaders.value("Authorization").startsWith("DPoP "));
        }
    }
    QVERIFY(warned);
    QCOMPARE(run.tokens.tokenType.toLower(), QStringLiteral("bearer"));
    QCOMPARE(run.options.value(QStringLiteral("dpop")).toBool(), true);
}

QTEST_MAIN(TestFlowWalker)
#include "tst_flow_walker.moc"
