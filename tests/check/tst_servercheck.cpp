// Flow::ServerCheck over real HTTP: tokens minted by a Core::Engine's embedded AS (SQLite
// temp store, ephemeral loopback ports) sent to our own resource server (introspection and
// local JWT verification, both MCP revisions), where every case must pass, and to small
// deliberately lax servers (laxserver.h, on Http::Server + Resource::McpServer: one skips the
// audience check, one takes tokens from the query string, one names another AS), where
// exactly those cases must fail.
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/keymanager.h"
#include "check/servercheck.h"
#include "check/tokenminter.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "engine.h"
#include "laxserver.h"
#include "store/tokenrepository.h"

class TestServerCheck final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void ownResourceServerPasses_data();
    void ownResourceServerPasses();
    void laxServersAreCaught_data();
    void laxServersAreCaught();
    void namedToolAndScope();
    void minterForgeries();
    void unreachableServerFails();
    void cancelStopsTheRun();

private:
    Core::Status startEngine(Core::Engine &engine, const QString &name,
                             const QString &verification);
    Flow::ServerCheckOptions optionsFor(const Core::Engine &engine, const QString &url) const;
    Flow::Run runCheck(Flow::ServerCheck &check);

    QTemporaryDir m_dir;
};

void TestServerCheck::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
}

Core::Status TestServerCheck::startEngine(Core::Engine &engine, const QString &name,
                                          const QString &verification)
{
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(name + QStringLiteral(".db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    config.adminTokenFile = m_dir.filePath(name + QStringLiteral(".admin-token"));
    config.resourceServer.verification = verification;
    return engine.start(config);
}

Flow::ServerCheckOptions TestServerCheck::optionsFor(const Core::Engine &engine,
                                                     const QString &url) const
{
    Flow::ServerCheckOptions options;
    options.serverUrl = QUrl(url);
    options.authorizationServer = engine.authorizationServer()->context().config();
    options.store = engine.store();
    options.clientId = engine.demoClientId();
    options.subject = engine.demoUsername();
    return options;
}

Flow::Run TestServerCheck::runCheck(Flow::ServerCheck &check)
{
    QSignalSpy finished(&check, &Flow::ServerCheck::finished);
    check.start();
    if (!check.isFinished() && !finished.wait(60000))
        return {};
    return check.run();
}

void TestServerCheck::ownResourceServerPasses_data()
{
    QTest::addColumn<QString>("verification");
    QTest::addColumn<QString>("protocolVersion");
    QTest::addColumn<QStringList>("cases");

    const QStringList common = {QStringLiteral("discovery"), QStringLiteral("no_token"),
                                QStringLiteral("valid")};
    const QStringList jwt = {QStringLiteral("other_resource.jwt"),
                             QStringLiteral("expired.jwt"),
                             QStringLiteral("revoked.jwt"),
                             QStringLiteral("revoked_after_use.jwt"),
                             QStringLiteral("insufficient_scope.jwt"),
                             QStringLiteral("unknown_key.jwt"),
                             QStringLiteral("alg_none.jwt"),
                             QStringLiteral("tampered.jwt")};
    const QStringList opaque = {QStringLiteral("other_resource.opaque"),
                                QStringLiteral("expired.opaque"),
                                QStringLiteral("revoked.opaque"),
                                QStringLiteral("revoked_after_use.opaque"),
                                QStringLiteral("insufficient_scope.opaque"),
                                QStringLiteral("unknown_token.opaque")};
    const QStringList query = {QStringLiteral("query_string")};
    for (const QString &version : {QStringLiteral("2025-11-25"), QStringLiteral("2026-07-28")}) {
        QTest::addRow("introspection %s", qPrintable(version))
            << QStringLiteral("introspection") << version << common + jwt + opaque + query;
        // A local JWT verifier cannot read opaque tokens: that format is skipped.
        QTest::addRow("jwt %s", qPrintable(version))
            << QStringLiteral("jwt") << version << common + jwt + query;
    }
}

void TestServerCheck::ownResourceServerPasses()
{
    QFETCH(QString, verification);
    QFETCH(QString, protocolVersion);
    QFETCH(QStringList, cases);

    Core::Engine engine;
    const QString name = QStringLiteral("own-%1-%2").arg(verification, protocolVersion);
    const Core::Status started = startEngine(engine, name, verification);
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    Flow::ServerCheckOptions options = optionsFor(engine, engine.mcpResourceUri());
    options.protocolVersion = protocolVersion;
    Flow::ServerCheck check(options);
    QSignalSpy caseFinished(&check, &Flow::ServerCheck::caseFinished);
    const Flow::Run run = runCheck(check);

    QStringList ids;
    QStringList problems;
    for (const Flow::Step &step : run.steps) {
        ids.append(step.id);
        for (const Flow::Check &c : step.checks)
            if (c.verdict == Flow::Verdict::Fail || c.verdict == Flow::Verdict::Warn)
                problems.append(c.rule + QStringLiteral(": ") + c.explanation);
    }
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join(QLatin1Char('\n'))));
    QCOMPARE(ids, cases);
    QCOMPARE(run.outcome, Flow::Outcome::Succeeded);
    QCOMPARE(caseFinished.size(), cases.size());
    QVERIFY(run.checkCount(Flow::Verdict::Pass) > 3 * cases.size());
    const int skipped = run.checkCount(Flow::Verdict::Skip);
    QCOMPARE(skipped, verification == QLatin1String("jwt") ? 1 : 0);

    // The audit asked the right things: a 401 challenge naming the PRM and the scope.
    const Flow::Step &expired = run.steps.at(cases.indexOf(QStringLiteral("expired.jwt")));
    QVERIFY(!expired.exchanges.isEmpty());
    QCOMPARE(expired.exchanges.last().status, 401);
    QVERIFY(expired.exchanges.last()
                .responseHeaders.value("WWW-Authenticate")
                .contains("error=\"invalid_token\""));
    const Flow::Step &scope = run.steps.at(cases.indexOf(QStringLiteral("insufficient_scope.jwt")));
    QCOMPARE(scope.exchanges.last().status, 403);
    const Flow::Step &query = run.steps.last();
    QCOMPARE(query.exchanges.last().status, 400);
    // Tokens appear masked only, in the URL too.
    const QByteArray json = QJsonDocument(run.toJson()).toJson();
    static const QRegularExpression wholeJwt(QStringLiteral("ey[A-Za-z0-9_-]{8,}\\.ey"));
    static const QRegularExpression wholeOpaque(QStringLiteral("mat_[A-Za-z0-9_-]{16,}"));
    QVERIFY(!wholeJwt.match(QString::fromUtf8(json)).hasMatch());
    QVERIFY(!wholeOpaque.match(QString::fromUtf8(json)).hasMatch());
    QVERIFY(json.contains("access_token="));
    QVERIFY(json.contains("\"mode\": \"check-server\""));
    auto reparsed = Flow::Run::fromJson(run.toJson());
    QVERIFY(reparsed.ok());
    QCOMPARE(reparsed->steps.size(), run.steps.size());
    QVERIFY(run.toHtmlReport().contains(QStringLiteral("other_resource.jwt.status")));
    engine.stop();
}

void TestServerCheck::laxServersAreCaught_data()
{
    QTest::addColumn<bool>("checkAudience");
    QTest::addColumn<bool>("acceptQuery");
    QTest::addColumn<bool>("nameIssuer");
    QTest::addColumn<bool>("assumeTrusted");
    QTest::addColumn<QStringList>("failures");
    QTest::addColumn<QString>("explanation");

    QTest::newRow("strict control") << true << false << true << false << QStringList() << QString();
    QTest::newRow("skips the audience check")
        << false << false << true << false
        << QStringList{QStringLiteral("other_resource.jwt.status")} << QStringLiteral("RFC 8707");
    QTest::newRow("takes query-string tokens")
        << true << true << true << false << QStringList{QStringLiteral("query_string.status")}
        << QStringLiteral("query string");
    QTest::newRow("both bugs") << false << true << true << false
                               << QStringList{QStringLiteral("other_resource.jwt.status"),
                                              QStringLiteral("query_string.status")}
                               << QStringLiteral("accepted");
    QTest::newRow("names another AS")
        << true << false << false << false << QStringList{QStringLiteral("discovery.trust")}
        << QStringLiteral("/jwks");
    QTest::newRow("names another AS, trusted by the user")
        << true << false << false << true << QStringList() << QString();
}

void TestServerCheck::laxServersAreCaught()
{
    QFETCH(bool, checkAudience);
    QFETCH(bool, acceptQuery);
    QFETCH(bool, nameIssuer);
    QFETCH(bool, assumeTrusted);
    QFETCH(QStringList, failures);
    QFETCH(QString, explanation);

    Core::Engine engine;
    const Core::Status started = startEngine(engine,
                                             QStringLiteral("lax-%1")
                                                 .arg(QString::fromLatin1(QTest::currentDataTag()))
                                                 .replace(QLatin1Char(' '), QLatin1Char('-'))
                                                 .replace(QLatin1Char(','), QLatin1Char('-')),
                                             QStringLiteral("introspection"));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    CheckTest::LaxServerOptions laxOptions;
    laxOptions.checkAudience = checkAudience;
    laxOptions.acceptQuery = acceptQuery;
    laxOptions.nameIssuer = nameIssuer;
    auto lax = CheckTest::startLaxServer(engine, laxOptions);
    QVERIFY(lax);
    Flow::ServerCheckOptions options = optionsFor(engine, lax->url);
    options.formats = {Auth::AccessTokenFormat::Jwt};
    options.assumeTrusted = assumeTrusted;
    Flow::ServerCheck check(options);
    const Flow::Run run = runCheck(check);

    QStringList failed;
    QStringList explanations;
    for (const Flow::Step &step : run.steps)
        for (const Flow::Check &c : step.checks)
            if (c.verdict == Flow::Verdict::Fail) {
                failed.append(c.rule);
                explanations.append(c.explanation);
            }
    QCOMPARE(failed, failures);
    QCOMPARE(run.outcome, failures.isEmpty() ? Flow::Outcome::Succeeded : Flow::Outcome::Failed);
    for (const QString &text : std::as_const(explanations))
        QVERIFY2(text.contains(explanation), qPrintable(text));
    if (!nameIssuer && !assumeTrusted) {
        QCOMPARE(run.steps.size(), 1); // stops after discovery, saying how to fix it
        QVERIFY(run.error.contains(engine.issuer()));
        QVERIFY(check.trustInstructions().contains(engine.issuer() + QStringLiteral("/jwks")));
    }
    lax->http.close();
    engine.stop();
}

void TestServerCheck::namedToolAndScope()
{
    Core::Engine engine;
    const Core::Status started =
        startEngine(engine, QStringLiteral("named"), QStringLiteral("introspection"));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    Flow::ServerCheckOptions options = optionsFor(engine, engine.mcpResourceUri());
    options.formats = {Auth::AccessTokenFormat::Opaque};
    options.tool = QStringLiteral("delete_task");
    options.scope = QStringLiteral("tasks:delete");
    Flow::ServerCheck check(options);
    const Flow::Run run = runCheck(check);
    QCOMPARE(run.outcome, Flow::Outcome::Succeeded);
    const auto step = std::find_if(run.steps.begin(), run.steps.end(), [](const Flow::Step &s) {
        return s.id == QLatin1String("insufficient_scope.opaque");
    });
    QVERIFY(step != run.steps.end());
    QStringList rules;
    for (const Flow::Check &c : step->checks) {
        rules.append(c.rule);
        QCOMPARE(c.verdict, Flow::Verdict::Pass);
    }
    QVERIFY(rules.contains(QStringLiteral("insufficient_scope.opaque.scope_named")));
    // The token had every other scope and called the named tool.
    QVERIFY(step->exchanges.last().requestBody.contains("delete_task"));
    QVERIFY(step->exchanges.last()
                .responseHeaders.value("WWW-Authenticate")
                .contains("scope=\"tasks:delete\""));
    engine.stop();
}

void TestServerCheck::minterForgeries()
{
    Core::Engine engine;
    const Core::Status started =
        startEngine(engine, QStringLiteral("minter"), QStringLiteral("introspection"));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    Flow::TokenMinter minter(engine.authorizationServer()->context().config(), engine.store(),
                             engine.demoClientId(), engine.demoUsername());
    auto jwt = minter.mint({Auth::AccessTokenFormat::Jwt, engine.mcpResourceUri(),
                            QStringLiteral("tasks:read"), 7200});
    QVERIFY(jwt.ok());
    auto claims = Flow::TokenMinter::claimsOf(jwt->token);
    QVERIFY(claims.ok());
    QCOMPARE(claims->value(QStringLiteral("iss")).toString(), engine.issuer());
    QCOMPARE(claims->value(QStringLiteral("aud")).toString(), engine.mcpResourceUri());
    QVERIFY(claims->value(QStringLiteral("exp")).toInteger() <
            QDateTime::currentSecsSinceEpoch() - 3000);
    QCOMPARE(jwt->row.state(QDateTime::currentMSecsSinceEpoch()), Store::TokenState::Expired);

    auto opaque = minter.mint({Auth::AccessTokenFormat::Opaque, engine.mcpResourceUri(), {}, 0});
    QVERIFY(opaque.ok());
    QVERIFY(opaque->token.startsWith("mat_"));
    QVERIFY(minter.revoke(*opaque).ok());
    auto row = Store::TokenRepository(engine.store())
                   .findByHash(Store::SecretHash::fromSecret(opaque->token));
    QVERIFY(row.ok());
    QCOMPARE(row->state(QDateTime::currentMSecsSinceEpoch()), Store::TokenState::Revoked);

    auto jwks = Crypto::Jwks::fromJson(
        QJsonDocument(*engine.authorizationServer()->context().keys().jwks()).toJson());
    QVERIFY(jwks.ok());
    const QList<Crypto::JwsAlgorithm> algorithms = Crypto::allJwsAlgorithms();
    QVERIFY(Crypto::Jws::verifyWithJwks(jwt->token, *jwks, algorithms).ok());
    auto stranger = minter.signWithUnknownKey(*claims);
    QVERIFY(stranger.ok());
    QVERIFY(!Crypto::Jws::verifyWithJwks(*stranger, *jwks, algorithms).ok());
    QVERIFY(!Crypto::Jws::verifyWithJwks(Flow::TokenMinter::unsecured(*claims), *jwks, algorithms)
                 .ok());
    QJsonObject changed = *claims;
    changed.insert(QStringLiteral("sub"), QStringLiteral("admin"));
    auto tampered = Flow::TokenMinter::withPayload(jwt->token, changed);
    QVERIFY(tampered.ok());
    QCOMPARE(tampered->split('.').at(2), jwt->token.split('.').at(2));
    QVERIFY(!Crypto::Jws::verifyWithJwks(*tampered, *jwks, algorithms).ok());
    QVERIFY(!Flow::TokenMinter::withPayload("not-a-jws", changed).ok());
    engine.stop();
}

void TestServerCheck::unreachableServerFails()
{
    Core::Engine engine;
    const Core::Status started =
        startEngine(engine, QStringLiteral("unreachable"), QStringLiteral("introspection"));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    // A port that was just free: connection refused, never a hang.
    Http::Server closed;
    QVERIFY(closed.listen(QHostAddress::LocalHost, 0).ok());
    const QString url = closed.baseUrl().toString() + QStringLiteral("/mcp");
    closed.close();
    Flow::ServerCheck check(optionsFor(engine, url));
    const Flow::Run run = runCheck(check);
    QCOMPARE(run.outcome, Flow::Outcome::Failed);
    QCOMPARE(run.steps.size(), 1);
    QCOMPARE(run.steps.first().status, Flow::StepStatus::Failed);
    QVERIFY(run.checkCount(Flow::Verdict::Fail) >= 1);

    // Without an authorization server to mint with, a clear error at once.
    Flow::ServerCheckOptions none;
    none.serverUrl = QUrl(url);
    Flow::ServerCheck nothing(none);
    const Flow::Run empty = runCheck(nothing);
    QCOMPARE(empty.outcome, Flow::Outcome::Failed);
    QVERIFY(empty.error.contains(QStringLiteral("authorization server")));
    engine.stop();
}

void TestServerCheck::cancelStopsTheRun()
{
    Core::Engine engine;
    const Core::Status started =
        startEngine(engine, QStringLiteral("cancel"), QStringLiteral("introspection"));
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    Flow::ServerCheck check(optionsFor(engine, engine.mcpResourceUri()));
    QSignalSpy finished(&check, &Flow::ServerCheck::finished);
    connect(&check, &Flow::ServerCheck::caseFinished, &check, [&check](const Flow::Step &step) {
        if (step.id == QLatin1String("no_token"))
            check.cancel();
    });
    check.start();
    QVERIFY(finished.wait(30000));
    QCOMPARE(finished.size(), 1);
    QCOMPARE(check.run().outcome, Flow::Outcome::Cancelled);
    QCOMPARE(check.run().steps.size(), 2);
    QVERIFY(check.isFinished());
    engine.stop();
}

QTEST_GUILESS_MAIN(TestServerCheck)
#include "tst_servercheck.moc"
