// The app's own clients of the embedded servers over TLS (a generated self-signed
// certificate, real loopback TLS): each trusts exactly the engine's certificate, with
// verification on. The agent simulator drives MCP calls, the friction admin client reads
// the configuration (and without the certificate fails the TLS check), and the Flows panel
// of the main window walks a PKCE flow to the end.

#include <QComboBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSslCertificate>
#include <QStandardPaths>
#include <QtTest>

#include "agentsimulator.h"
#include "flowspanel.h"
#include "frictionadminclient.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "traffic/mix.h"

class TestEmbeddedTls final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    Core::Engine m_engine;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        GuiTest::isolateSettings(m_dir, QStringLiteral("tst_embeddedtls"));
        QSettings().setValue(QStringLiteral("Tour/shown"), true);
        Core::ServerConfig config;
        config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("store.db"));
        config.adminTokenFile = m_dir.filePath(QStringLiteral("admin-token"));
        config.asPort = 0;
        config.rsPort = 0;
        config.workerThreads = 2;
        config.tls = true;
        const Core::Status started = m_engine.start(config);
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        QCOMPARE(m_engine.resourceServerUrl().scheme(), QStringLiteral("https"));
        QVERIFY(!m_engine.tlsCertificate().isNull());
        QCOMPARE(m_engine.trustedCertificates(), QList<QSslCertificate>{m_engine.tlsCertificate()});
        QCOMPARE(QString::fromLatin1(
                     m_engine.tlsCertificate().digest(QCryptographicHash::Sha256).toHex(':')),
                 m_engine.tlsFingerprint().toLower());
    }

    void cleanupTestCase() { m_engine.stop(); }

    void simulatorDrivesCalls()
    {
        Core::AgentSimulator simulator(&m_engine);
        QSignalSpy finished(&simulator, &Core::AgentSimulator::finished);
        Traffic::Mix mix{{QStringLiteral("list_tasks"), 1}};
        const Core::Status started = simulator.start(mix, 50);
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        QTRY_VERIFY_WITH_TIMEOUT(simulator.totals().allowed >= 5 || !finished.isEmpty(), 15000);
        QVERIFY2(finished.isEmpty(),
                 qPrintable(finished.isEmpty() ? QString()
                                               : finished.first()
                                                     .first()
                                                     .value<std::optional<Core::Error>>()
                                                     .value_or(Core::Error{})
                                                     .toString()));
        QCOMPARE(simulator.totals().errors, 0);
        simulator.stop();
        QTRY_COMPARE(finished.size(), 1);
    }

    void frictionAdminClientTrustsTheEngineCertificate_data()
    {
        QTest::addColumn<bool>("trust");
        QTest::newRow("pinned") << true;
        QTest::newRow("system CAs only") << false;
    }

    void frictionAdminClientTrustsTheEngineCertificate()
    {
        QFETCH(bool, trust);
        auto token = Core::readAdminTokenFile(m_engine.adminTokenFile());
        QVERIFY(token);
        Core::FrictionAdminClient client;
        QVERIFY(
            client.setTarget(m_engine.resourceServerUrl(), *token,
                             trust ? m_engine.trustedCertificates() : QList<QSslCertificate>{}));
        QSignalSpy fetched(&client, &Core::FrictionAdminClient::configFetched);
        QSignalSpy failed(&client, &Core::FrictionAdminClient::requestFailed);
        client.fetchConfig();
        QTRY_VERIFY_WITH_TIMEOUT(!fetched.isEmpty() || !failed.isEmpty(), 10000);
        if (trust) {
            QVERIFY2(failed.isEmpty(),
                     qPrintable(failed.value(0).value(1).value<Core::Error>().toString()));
        } else {
            QVERIFY(fetched.isEmpty());
            const auto error = failed.first().at(1).value<Core::Error>();
            QVERIFY2(error.message.contains(QStringLiteral("certificate"), Qt::CaseInsensitive) ||
                         error.message.contains(QStringLiteral("SSL"), Qt::CaseInsensitive) ||
                         error.message.contains(QStringLiteral("TLS"), Qt::CaseInsensitive),
                     qPrintable(error.toString()));
        }
    }

    void flowsPanelWalksPkce()
    {
        Ui::MainWindow window(&m_engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showPanel(Ui::MainWindow::FlowsPanelIndex);
        auto *panel = window.findChild<Ui::FlowsPanel *>(QStringLiteral("flowsPanel"));
        QVERIFY(panel);
        panel->findChild<QComboBox *>(QStringLiteral("flowTarget"))->setCurrentIndex(0);
        panel->findChild<QComboBox *>(QStringLiteral("flowGrant"))->setCurrentIndex(0);
        panel->findChild<QComboBox *>(QStringLiteral("flowBrowser"))->setCurrentIndex(2);
        QSignalSpy finished(panel, &Ui::FlowsPanel::flowFinished);
        QTest::mouseClick(panel->findChild<QPushButton *>(QStringLiteral("flowRun")),
                          Qt::LeftButton);
        QVERIFY(finished.wait(25000));
        const auto run = finished.first().first().value<Flow::Run>();
        QCOMPARE(run.outcome, Flow::Outcome::Succeeded);
        QVERIFY(run.steps.size() >= 7);
        QVERIFY(!run.tokens.accessToken.isEmpty());
    }
};

QTEST_MAIN(TestEmbeddedTls)
#include "tst_embeddedtls.moc"
