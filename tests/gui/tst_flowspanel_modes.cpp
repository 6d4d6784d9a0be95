// The Flows panel's audit mode and grant controls, driven by object name over a running
// engine: auditing the embedded MCP server passes every minted-token case (exchanges masked
// with a working reveal, the run exported), auditing deliberately lax servers (the server
// audit's own fixtures, tests/check/laxserver.h) shows exactly their failures; a JWT bearer
// walk with DPoP against a test AS that takes assertions succeeds with the DPoP proofs
// labelled in the sequence diagram; a DPoP PKCE walk against the embedded AS (which does
// not offer DPoP) succeeds with bearer tokens and says so; incomplete grant settings are
// refused next to the fields; an audit cancels cleanly and refuses to start without the
// embedded AS; the splitter comes back as it was left.

#include <QCheckBox>
#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QMutex>
#include <QPushButton>
#include <QSplitter>
#include <QStandardPaths>
#include <QTreeWidget>

#include "authserver/config.h"
#include "check/tokenminter.h"
#include "crypto/mask.h"
#include "exchangedetailview.h"
#include "flowspanel.h"
#include "flowstestsupport.h"
#include "guitestsupport.h"
#include "http/body.h"
#include "http/server.h"
#include "jwtview.h"
#include "laxserver.h"
#include "mainwindow.h"
#include "sequencediagram.h"

namespace {

constexpr char kJwtBearerGrant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A minimal authorization server for the JWT bearer grant (RFC 7523 §2.1) with DPoP
/// (RFC 9449): it takes one known assertion and issues, through the engine's own token
/// minter, a JWT access token for `resource` (token_type DPoP when a proof came with the
/// request). The embedded AS offers neither, so the walk needs this stand-in.
struct AssertionAs
{
    Http::Server http;
    QString issuer;
    QString resource;
    QByteArray assertion;
    std::unique_ptr<Flow::TokenMinter> minter;
    QMutex mutex; ///< the handlers run on the server's worker threads
    QAtomicInt proofs = 0;
};

std::unique_ptr<AssertionAs> startAssertionAs(Core::Engine &engine, const QString &resource,
                                              const QByteArray &assertion)
{
    auto as = std::make_unique<AssertionAs>();
    if (!as->http.listen(QHostAddress::LocalHost, 0, Http::Server::ListenMode::Paused))
        return nullptr;
    as->issuer = as->http.baseUrl().toString();
    as->resource = resource;
    as->assertion = assertion;
    as->minter = std::make_unique<Flow::TokenMinter>(
        engine.authorizationServer()->context().config(), engine.store(), engine.demoClientId(),
        engine.demoUsername());
    AssertionAs *self = as.get();
    const QJsonObject metadata{
        {QStringLiteral("issuer"), as->issuer},
        {QStringLiteral("authorization_endpoint"),
         QString(as->issuer + QStringLiteral("/authorize"))},
        {QStringLiteral("token_endpoint"), QString(as->issuer + QStringLiteral("/token"))},
        {QStringLiteral("response_types_supported"), QJsonArray{QStringLiteral("code")}},
        {QStringLiteral("grant_types_supported"), QJsonArray{QLatin1String(kJwtBearerGrant)}},
        {QStringLiteral("code_challenge_methods_supported"), QJsonArray{QStringLiteral("S256")}},
        {QStringLiteral("token_endpoint_auth_methods_supported"),
         QJsonArray{QStringLiteral("none")}},
        {QStringLiteral("authorization_response_iss_parameter_supported"), true},
        {QStringLiteral("dpop_signing_alg_values_supported"), QJsonArray{QStringLiteral("ES256")}},
    };
    as->http.router().handle("GET", "/.well-known/oauth-authorization-server",
                             [metadata](const Http::Request &) {
                                 return Http::Response::json(200, QJsonDocument(metadata));
                             });
    as->http.router().handle("POST", "/token", [self](const Http::Request &request) {
        const auto form = Http::parseForm(request.body);
        const auto error = [](const char *code) {
            return Http::Response::json(
                400, QJsonDocument(QJsonObject{{QStringLiteral("error"), QLatin1String(code)}}));
        };
        if (!form || form->value(QStringLiteral("grant_type")) != QLatin1String(kJwtBearerGrant))
            return error("unsupported_grant_type");
        if (form->value(QStringLiteral("assertion")).value_or(QString()).toUtf8() !=
            self->assertion)
            return error("invalid_grant");
        const bool dpop = request.headers.contains("DPoP");
        self->proofs += dpop ? 1 : 0;
        Flow::MintRequest mint;
        mint.resource = self->resource;
        mint.scope = QStringLiteral("tasks:read tasks:write");
        QMutexLocker lock(&self->mutex);
        const auto minted = self->minter->mint(mint);
        if (!minted)
            return error("server_error");
        return Http::Response::json(
            200, QJsonDocument(QJsonObject{
                     {QStringLiteral("access_token"), QString::fromLatin1(minted->token)},
                     {QStringLiteral("token_type"),
                      dpop ? QStringLiteral("DPoP") : QStringLiteral("Bearer")},
                     {QStringLiteral("expires_in"), 3600},
                     {QStringLiteral("scope"), mint.scope}}));
    });
    as->http.resumeAccepting();
    return as;
}

} // namespace

class TestFlowsPanelModes final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    Core::Engine m_engine;
    GuiTest::RecordingPrompts m_prompts;
    std::unique_ptr<Ui::MainWindow> m_window;
    Ui::FlowsPanel *m_panel = nullptr;
    QTreeWidget *m_steps = nullptr;

    template <typename T>
    T *child(const char *name)
    {
        return m_panel->findChild<T *>(QString::fromLatin1(name));
    }

    Flow::Run run()
    {
        QSignalSpy finished(m_panel, &Ui::FlowsPanel::flowFinished);
        QTest::mouseClick(child<QPushButton>("flowRun"), Qt::LeftButton);
        if (finished.isEmpty() && !finished.wait(20000))
            return {};
        return finished.first().first().value<Flow::Run>();
    }

    void setTarget(const QString &url)
    {
        child<QComboBox>("flowTarget")->setCurrentIndex(url.isEmpty() ? 0 : 1);
        if (!url.isEmpty())
            child<QLineEdit>("flowServerUrl")->setText(url);
    }

    /// The step list's item of the step with `id` (its tooltip).
    QTreeWidgetItem *stepItem(const QString &id)
    {
        for (int i = 0; i < m_steps->topLevelItemCount(); ++i)
            if (m_steps->topLevelItem(i)->toolTip(0) == id)
                return m_steps->topLevelItem(i);
        return nullptr;
    }

    static QStringList rulesWith(const Flow::Run &run, Flow::Verdict verdict)
    {
        QStringList rules;
        for (const Flow::Step &step : run.steps)
            for (const Flow::Check &check : step.checks)
                if (check.verdict == verdict)
                    rules.append(check.rule);
        return rules;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        GuiTest::isolateSettings(m_dir, QStringLiteral("tst_flowspanel_modes"));
        const Core::Status started = m_engine.start(FlowsTest::engineConfig(m_dir));
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        m_window = std::make_unique<Ui::MainWindow>(&m_engine);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_panel = FlowsTest::openPanel(*m_window, m_prompts.prompts());
        QVERIFY(m_panel);
        QVERIFY(!child<QCheckBox>("flowKeepClient")->isChecked());
        m_steps = child<QTreeWidget>("flowSteps");
        QVERIFY(m_steps);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine.stop();
    }

    void auditEmbeddedServer()
    {
        child<QComboBox>("flowMode")->setCurrentIndex(1);
        QCOMPARE(m_panel->mode(), Ui::FlowsPanel::Mode::Audit);
        // The walk's grant controls give way to the audit's.
        QVERIFY(!child<QComboBox>("flowGrant")->isVisible());
        QVERIFY(child<QCheckBox>("flowAssumeTrusted")->isVisible());
        QVERIFY(!child<QPushButton>("flowStep")->isEnabled());
        setTarget({});
        const Flow::Run audit = run();
        QVERIFY2(audit.outcome == Flow::Outcome::Succeeded,
                 qPrintable(audit.error + rulesWith(audit, Flow::Verdict::Fail).join(u' ')));
        QVERIFY(m_panel->serverCheck());
        QVERIFY(!m_panel->walker());
        QCOMPARE(audit.options.value(QStringLiteral("mode")).toString(),
                 QStringLiteral("check-server"));
        // Every minted token is a step that passed, with its checks and exchanges under it.
        QCOMPARE(m_steps->topLevelItemCount(), audit.steps.size());
        QVERIFY(audit.steps.size() >= 10);
        for (int i = 0; i < audit.steps.size(); ++i) {
            const Flow::Step &step = audit.steps.at(i);
            QTreeWidgetItem *item = m_steps->topLevelItem(i);
            QCOMPARE(item->toolTip(0), step.id);
            QVERIFY2(item->text(1).contains(QLatin1String("pass")),
                     qPrintable(step.id + QLatin1Char(' ') + item->text(1)));
            QCOMPARE(item->childCount(), step.checks.size() + step.exchanges.size());
        }
        QVERIFY(stepItem(QStringLiteral("expired.jwt")));
        QVERIFY(stepItem(QStringLiteral("alg_none.jwt")));
        QVERIFY2(child<QLabel>("flowStatus")->text().contains(QLatin1String("refused every")),
                 qPrintable(child<QLabel>("flowStatus")->text()));
        // The cited rules are listed with the step.
        m_steps->setCurrentItem(stepItem(QStringLiteral("expired.jwt")));
        auto *checks = child<QTreeWidget>("flowChecks");
        QVERIFY(checks->topLevelItemCount() > 0);
        QCOMPARE(checks->topLevelItem(0)->text(0).section(u'.', 0, 1),
                 QStringLiteral("expired.jwt"));
        // The arrows go to the MCP server.
        QVERIFY(m_panel->sequenceDiagram()->arrowCount() >= audit.steps.size());
        // The token the server had to accept is decoded, its signature the embedded AS's.
        Ui::JwtView *jwt = m_panel->jwtView();
        QTRY_VERIFY_WITH_TIMEOUT(jwt->inspection() && jwt->inspection()->signature ==
                                                          Core::JwtInspection::Signature::Valid,
                                 10000);
        QCOMPARE(jwt->inspection()->payload.value(QStringLiteral("aud")).toString(),
                 m_engine.mcpResourceUri());
    }

    void auditExchangeRevealed()
    {
        QTreeWidgetItem *valid = stepItem(QStringLiteral("valid"));
        QVERIFY(valid);
        QTreeWidgetItem *exchange = nullptr;
        for (int i = 0; i < valid->childCount() && !exchange; ++i)
            if (valid->child(i)->text(0).startsWith(QLatin1String("POST ")))
                exchange = valid->child(i);
        QVERIFY(exchange);
        m_steps->setCurrentItem(exchange);
        const FlowsTest::RevealedBearer bearer =
            FlowsTest::revealBearer(m_panel->exchangeView(), child<QCheckBox>("flowRevealSecrets"));
        QVERIFY2(bearer.error.isEmpty(), qPrintable(bearer.error));
    }

    void auditExported_data()
    {
        QTest::addColumn<bool>("html");
        QTest::newRow("json") << false;
        QTest::newRow("html") << true;
    }

    void auditExported()
    {
        QFETCH(bool, html);
        m_prompts.file =
            m_dir.filePath(html ? QStringLiteral("audit.html") : QStringLiteral("audit.json"));
        QTest::mouseClick(child<QPushButton>(html ? "flowExportHtml" : "flowExportJson"),
                          Qt::LeftButton);
        QFile file(m_prompts.file);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray content = file.readAll();
        QVERIFY(content.contains(html ? "expired.jwt.status" : "\"mode\": \"check-server\""));
        static const QRegularExpression wholeJwt(QStringLiteral("ey[A-Za-z0-9_-]{8,}\\.ey"));
        QVERIFY(!wholeJwt.match(QString::fromUtf8(content)).hasMatch());
    }

    void auditLaxServer_data()
    {
        QTest::addColumn<bool>("checkAudience");
        QTest::addColumn<bool>("acceptQuery");
        QTest::addColumn<bool>("nameIssuer");
        QTest::addColumn<bool>("assumeTrusted");
        QTest::addColumn<QStringList>("failures");

        QTest::newRow("skips the audience check")
            << false << false << true << false
            << QStringList{QStringLiteral("other_resource.jwt.status")};
        QTest::newRow("takes query-string tokens")
            << true << true << true << false << QStringList{QStringLiteral("query_string.status")};
        QTest::newRow("names another AS")
            << true << false << false << false << QStringList{QStringLiteral("discovery.trust")};
        QTest::newRow("names another AS, trusted by the user")
            << true << false << false << true << QStringList();
    }

    void auditLaxServer()
    {
        QFETCH(bool, checkAudience);
        QFETCH(bool, acceptQuery);
        QFETCH(bool, nameIssuer);
        QFETCH(bool, assumeTrusted);
        QFETCH(QStringList, failures);
        CheckTest::LaxServerOptions options;
        options.checkAudience = checkAudience;
        options.acceptQuery = acceptQuery;
        options.nameIssuer = nameIssuer;
        auto lax = CheckTest::startLaxServer(m_engine, options);
        QVERIFY(lax);
        m_panel->setMode(Ui::FlowsPanel::Mode::Audit);
        setTarget(lax->url);
        child<QComboBox>("flowTokenFormats")->setCurrentIndex(1); // JWT only
        child<QCheckBox>("flowAssumeTrusted")->setChecked(assumeTrusted);
        auto *banner = child<QLabel>("flowBanner");
        const Flow::Run audit = run();
        child<QCheckBox>("flowAssumeTrusted")->setChecked(false);
        child<QComboBox>("flowTokenFormats")->setCurrentIndex(0);
        lax->http.close();
        QCOMPARE(rulesWith(audit, Flow::Verdict::Fail), failures);
        QCOMPARE(banner->isVisible(), !nameIssuer && !assumeTrusted);
        if (failures.isEmpty()) {
            QCOMPARE(audit.outcome, Flow::Outcome::Succeeded);
            QCOMPARE(audit.options.value(QStringLiteral("assume_trusted")).toBool(), true);
            return;
        }
        QCOMPARE(audit.outcome, Flow::Outcome::Failed);
        // The failing case is marked in the list, its failed check under it.
        const QString failedId = failures.first().section(u'.', 0, -2);
        QTreeWidgetItem *item = stepItem(failedId);
        QVERIFY2(item, qPrintable(failedId));
        QVERIFY2(item->text(1).contains(QLatin1String("fail")), qPrintable(item->text(1)));
        bool shown = false;
        for (int i = 0; i < item->childCount(); ++i)
            shown = shown || (item->child(i)->text(0) == failures.first() &&
                              item->child(i)->text(1).contains(QLatin1String("fail")));
        QVERIFY(shown);
        QVERIFY(child<QLabel>("flowStatus")->text().contains(QLatin1String("problems")));
        // An untrusting server: the banner says how to make it trust the embedded AS.
        if (!nameIssuer)
            QVERIFY2(banner->text().contains(m_engine.issuer() + QStringLiteral("/jwks")),
                     qPrintable(banner->text()));
    }

    void jwtBearerDpopWalk()
    {
        // The RS names the assertion AS and the AS issues tokens for the RS: the AS first.
        const QByteArray assertion =
            "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2lnbmF0dXJl";
        auto as = startAssertionAs(m_engine, QString(), assertion);
        QVERIFY(as);
        CheckTest::LaxServerOptions options;
        options.dpopAsBearer = true;
        options.authorizationServers = {as->issuer};
        auto rs = CheckTest::startLaxServer(m_engine, options);
        QVERIFY(rs);
        as->resource = rs->url;

        m_panel->setMode(Ui::FlowsPanel::Mode::Walk);
        setTarget(rs->url);
        child<QComboBox>("flowGrant")->setCurrentIndex(3);
        QVERIFY(child<QComboBox>("flowAssertionSource")->isVisible());
        QVERIFY(!child<QComboBox>("flowBrowser")->isEnabled()); // no browser in this grant
        // The IdP fields show for the IdP source only.
        child<QComboBox>("flowAssertionSource")->setCurrentIndex(2);
        QVERIFY(child<QLineEdit>("flowIdpTokenEndpoint")->isVisible());
        m_panel->setMode(Ui::FlowsPanel::Mode::Audit); // the whole assertion row goes
        QVERIFY(!child<QLineEdit>("flowIdpTokenEndpoint")->isVisible());
        m_panel->setMode(Ui::FlowsPanel::Mode::Walk);
        QVERIFY(child<QLineEdit>("flowIdpTokenEndpoint")->isVisible());
        child<QComboBox>("flowAssertionSource")->setCurrentIndex(0);
        QVERIFY(!child<QLineEdit>("flowIdpTokenEndpoint")->isVisible());
        child<QLineEdit>("flowAssertion")->setText(QString::fromLatin1(assertion));
        child<QLineEdit>("flowClientId")->setText(m_engine.demoClientId());
        child<QCheckBox>("flowDpop")->setChecked(true);
        const Flow::Run walk = run();
        QVERIFY2(walk.outcome == Flow::Outcome::Succeeded,
                 qPrintable(walk.error + QLatin1Char(' ') +
                            rulesWith(walk, Flow::Verdict::Fail).join(u' ')));
        const QStringList passed = rulesWith(walk, Flow::Verdict::Pass);
        for (const char *rule : {"dpop.supported", "dpop.token_type", "dpop.resource"})
            QVERIFY2(passed.contains(QLatin1String(rule)), rule);
        QVERIFY(as->proofs.loadRelaxed() >= 1);
        // The proofs are labelled: at the token endpoint and at the MCP server.
        int toAs = 0;
        int toMcp = 0;
        for (const Core::SequenceArrow &arrow : m_panel->sequenceDiagram()->arrows()) {
            if (!arrow.request.contains(QLatin1String("DPoP proof")))
                continue;
            toAs += arrow.to == Core::SequenceLane::AuthorizationServer;
            toMcp += arrow.to == Core::SequenceLane::McpServer;
        }
        QVERIFY(toAs >= 1);
        QVERIFY(toMcp >= 1);
        // The assertion is a secret of the run: revealed only on request, never exported.
        m_prompts.file = m_dir.filePath(QStringLiteral("jwt-bearer.json"));
        QTest::mouseClick(child<QPushButton>("flowExportJson"), Qt::LeftButton);
        QFile file(m_prompts.file);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains(assertion));
        child<QCheckBox>("flowDpop")->setChecked(false);
        child<QLineEdit>("flowClientId")->clear();
        child<QLineEdit>("flowAssertion")->clear();
        rs->http.close();
        as->http.close();
    }

    void dpopPkceWalk()
    {
        m_panel->setMode(Ui::FlowsPanel::Mode::Walk);
        setTarget({});
        child<QComboBox>("flowGrant")->setCurrentIndex(0);
        child<QComboBox>("flowBrowser")->setCurrentIndex(2); // headless
        child<QCheckBox>("flowDpop")->setChecked(true);
        const Flow::Run walk = run();
        child<QCheckBox>("flowDpop")->setChecked(false);
        QVERIFY2(walk.outcome == Flow::Outcome::Succeeded, qPrintable(walk.error));
        QVERIFY(walk.options.value(QStringLiteral("dpop")).toBool());
        // The embedded AS does not offer DPoP: the walk says so and goes on with bearer
        // tokens, and no arrow claims a proof.
        QVERIFY(rulesWith(walk, Flow::Verdict::Warn).contains(QStringLiteral("dpop.supported")));
        for (const Core::SequenceArrow &arrow : m_panel->sequenceDiagram()->arrows())
            QVERIFY(!arrow.request.contains(QLatin1String("DPoP")));
    }

    void grantRefused_data()
    {
        QTest::addColumn<int>("grant");
        QTest::addColumn<int>("source");
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("idpEndpoint");
        QTest::addColumn<QString>("keyFile");
        QTest::addColumn<QString>("message");

        const QString jwt = QStringLiteral("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln");
        QTest::newRow("jwt bearer without client")
            << 3 << 0 << QString() << jwt << QString() << QString() << QStringLiteral("client ID");
        QTest::newRow("jwt bearer, no assertion")
            << 3 << 0 << QStringLiteral("c") << QString() << QString() << QString()
            << QStringLiteral("signed JWT");
        QTest::newRow("jwt bearer, assertion not a JWT")
            << 3 << 0 << QStringLiteral("c") << QStringLiteral("not a jwt") << QString()
            << QString() << QStringLiteral("signed JWT");
        QTest::newRow("assertion file missing")
            << 3 << 1 << QStringLiteral("c") << QStringLiteral("/nonexistent/token") << QString()
            << QString() << QStringLiteral("/nonexistent/token");
        QTest::newRow("assertion file empty name")
            << 3 << 1 << QStringLiteral("c") << QString() << QString() << QString()
            << QStringLiteral("file holding");
        QTest::newRow("idp endpoint not http")
            << 3 << 2 << QStringLiteral("c") << QStringLiteral("id-token")
            << QStringLiteral("ftp://idp.example/token") << QString()
            << QStringLiteral("token endpoint");
        QTest::newRow("idp without id token") << 3 << 2 << QStringLiteral("c") << QString()
                                              << QStringLiteral("https://idp.example/token")
                                              << QString() << QStringLiteral("ID token");
        QTest::newRow("client credentials without secret")
            << 2 << 0 << QStringLiteral("c") << QString() << QString() << QString()
            << QStringLiteral("confidential");
        QTest::newRow("private key file missing")
            << 2 << 0 << QStringLiteral("c") << QString() << QString()
            << QStringLiteral("/nonexistent/key.pem") << QStringLiteral("/nonexistent/key.pem");
        QTest::newRow("private key file not PEM")
            << 2 << 0 << QStringLiteral("c") << QString() << QString() << QStringLiteral("<notpem>")
            << QStringLiteral("no PEM private key");
    }

    void grantRefused()
    {
        QFETCH(int, grant);
        QFETCH(int, source);
        QFETCH(QString, clientId);
        QFETCH(QString, value);
        QFETCH(QString, idpEndpoint);
        QFETCH(QString, keyFile);
        QFETCH(QString, message);
        if (keyFile == QLatin1String("<notpem>")) {
            keyFile = m_dir.filePath(QStringLiteral("not-a-key.pem"));
            QFile file(keyFile);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write("just text\n");
        }
        m_panel->setMode(Ui::FlowsPanel::Mode::Walk);
        setTarget({});
        child<QComboBox>("flowGrant")->setCurrentIndex(grant);
        child<QComboBox>("flowAssertionSource")->setCurrentIndex(source);
        child<QLineEdit>("flowClientId")->setText(clientId);
        child<QLineEdit>("flowClientSecret")->clear();
        child<QLineEdit>("flowAssertion")->setText(value);
        child<QLineEdit>("flowIdpTokenEndpoint")->setText(idpEndpoint);
        child<QLineEdit>("flowPrivateKeyFile")->setText(keyFile);
        const Flow::Walker *before = m_panel->walker();
        QTest::mouseClick(child<QPushButton>("flowRun"), Qt::LeftButton);
        auto *error = child<QLabel>("flowGrantError");
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(message), qPrintable(error->text()));
        QCOMPARE(m_panel->walker(), before); // nothing started
        child<QLineEdit>("flowPrivateKeyFile")->clear();
        child<QLineEdit>("flowClientId")->clear();
        child<QLineEdit>("flowAssertion")->clear();
        child<QLineEdit>("flowIdpTokenEndpoint")->clear();
        child<QComboBox>("flowGrant")->setCurrentIndex(0);
        QVERIFY(!error->isVisible()); // another grant: the message goes
    }

    void auditCancelled()
    {
        m_panel->setMode(Ui::FlowsPanel::Mode::Audit);
        setTarget({});
        QSignalSpy finished(m_panel, &Ui::FlowsPanel::flowFinished);
        QTest::mouseClick(child<QPushButton>("flowRun"), Qt::LeftButton);
        QVERIFY(m_panel->serverCheck());
        QVERIFY(!child<QComboBox>("flowMode")->isEnabled()); // settings locked while running
        QVERIFY(child<QPushButton>("flowCancel")->isEnabled());
        QTest::mouseClick(child<QPushButton>("flowCancel"), Qt::LeftButton);
        QCOMPARE(finished.size(), 1);
        QCOMPARE(finished.first().first().value<Flow::Run>().outcome, Flow::Outcome::Cancelled);
        QVERIFY(child<QLabel>("flowStatus")->text().contains(QLatin1String("cancelled")));
        QVERIFY(child<QComboBox>("flowMode")->isEnabled());
        QVERIFY(!child<QPushButton>("flowCancel")->isEnabled());
    }

    void splitterRestored()
    {
        QList<int> left;
        {
            Ui::FlowsPanel panel(&m_engine);
            panel.resize(900, 600);
            panel.show();
            QVERIFY(QTest::qWaitForWindowExposed(&panel));
            auto *splitter = panel.findChild<QSplitter *>(QStringLiteral("flowSplitter"));
            splitter->setSizes({150, 700});
            left = splitter->sizes();
        }
        Ui::FlowsPanel again(&m_engine);
        again.resize(900, 600);
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        auto *splitter = again.findChild<QSplitter *>(QStringLiteral("flowSplitter"));
        QTRY_COMPARE(splitter->sizes(), left);
    }

    void auditNeedsTheEmbeddedAs()
    {
        // Last: it stops the servers.
        m_engine.stop();
        m_panel->setMode(Ui::FlowsPanel::Mode::Audit);
        setTarget(QStringLiteral("http://127.0.0.1:1/mcp"));
        const Flow::ServerCheck *before = m_panel->serverCheck();
        QTest::mouseClick(child<QPushButton>("flowRun"), Qt::LeftButton);
        auto *banner = child<QLabel>("flowBanner");
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(QLatin1String("start the servers")),
                 qPrintable(banner->text()));
        QCOMPARE(m_panel->serverCheck(), before); // nothing started
    }
};

QTEST_MAIN(TestFlowsPanelModes)
#include "tst_flowspanel_modes.moc"
