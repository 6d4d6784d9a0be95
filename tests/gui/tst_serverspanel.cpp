// The Servers panel in the real main window: validation messages next to the field they
// concern (and then nothing starts), the CLI's JSON config file exported and imported, the
// store connection test off the UI thread, a start against an unreachable PostgreSQL store
// that keeps the event loop running and ends in the error banner, the "connect your own MCP client"
// snippets with the running MCP URL, auto-start on launch, and the guided tour.

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "connectbox.h"
#include "engine.h"
#include "mainwindow.h"
#include "serverconfig.h"
#include "serverspanel.h"
#include "tour.h"

class TestServersPanel final : public QObject
{
    Q_OBJECT

private:
    /// The config a fresh panel loads: a temporary store and admin token, free ports.
    Core::ServerConfig testConfig(const QString &storeName) const
    {
        Core::ServerConfig config;
        config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(storeName);
        config.adminTokenFile = m_dir.filePath(QStringLiteral("admin-token"));
        config.asPort = 0;
        config.rsPort = 0;
        config.workerThreads = 2;
        return config;
    }

    void saveLastConfig(const Core::ServerConfig &config)
    {
        QSettings().setValue(QStringLiteral("Servers/config"),
                             QJsonDocument(config.toJson()).toJson(QJsonDocument::Compact));
    }

    template <typename T>
    T *field(const QString &name) const
    {
        T *widget = m_window->serversPanel()->findChild<T *>(name);
        if (!widget)
            qWarning("no %s", qPrintable(name));
        return widget;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<Core::Engine> m_engine;
    std::unique_ptr<Ui::MainWindow> m_window;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("mcpauth-gui-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_serverspanel"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
    }

    void init()
    {
        QSettings().clear();
        saveLastConfig(testConfig(QStringLiteral("store.db")));
        QSettings().setValue(QStringLiteral("Tour/shown"), true);
        m_engine = std::make_unique<Core::Engine>();
        m_window = std::make_unique<Ui::MainWindow>(m_engine.get());
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->showPanel(Ui::MainWindow::ServersPanelIndex);
    }

    void cleanup()
    {
        m_window.reset();
        m_engine->stop();
        m_engine.reset();
    }

    void invalidFieldShowsMessageAndNothingStarts_data()
    {
        QTest::addColumn<QString>("fieldName");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("errorLabel");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bind not an address")
            << QStringLiteral("bindAddress") << QStringLiteral("localhost:80")
            << QStringLiteral("bindAddressError") << QStringLiteral("not an IP address");
        QTest::newRow("same ports")
            << QStringLiteral("rsPort") << QStringLiteral("9444") << QStringLiteral("rsPortError")
            << QStringLiteral("must differ from as_port");
        QTest::newRow("issuer not http")
            << QStringLiteral("issuer") << QStringLiteral("ftp://auth.example")
            << QStringLiteral("issuerError") << QStringLiteral("absolute http(s) URL");
        QTest::newRow("issuer trailing slash")
            << QStringLiteral("issuer") << QStringLiteral("https://auth.example/")
            << QStringLiteral("issuerError") << QStringLiteral("trailing slash");
        QTest::newRow("store scheme")
            << QStringLiteral("storeUrl") << QStringLiteral("mysql://root@localhost/db")
            << QStringLiteral("storeUrlError") << QString();
        QTest::newRow("store garbage")
            << QStringLiteral("storeUrl") << QStringLiteral("postgresql://[::1/x")
            << QStringLiteral("storeUrlError") << QString();
        QTest::newRow("access lifetime zero")
            << QStringLiteral("accessTokenLifetime") << QStringLiteral("0")
            << QStringLiteral("accessTokenLifetimeError") << QString();
        QTest::newRow("code lifetime too long")
            << QStringLiteral("authorizationCodeLifetime") << QStringLiteral("3600")
            << QStringLiteral("authorizationCodeLifetimeError") << QString();
        QTest::newRow("cors with path")
            << QStringLiteral("corsOrigins") << QStringLiteral("http://localhost:6274/app")
            << QStringLiteral("corsOriginsError") << QStringLiteral("not an origin");
    }

    void invalidFieldShowsMessageAndNothingStarts()
    {
        QFETCH(QString, fieldName);
        QFETCH(QString, value);
        QFETCH(QString, errorLabel);
        QFETCH(QString, expected);
        if (auto *spin = m_window->serversPanel()->findChild<QSpinBox *>(fieldName)) {
            if (fieldName == QLatin1String("rsPort"))
                field<QSpinBox>(QStringLiteral("asPort"))->setValue(value.toInt());
            spin->setValue(value.toInt());
        } else {
            auto *line = field<QLineEdit>(fieldName);
            QVERIFY(line);
            line->clear();
            QTest::keyClicks(line, value);
        }
        QTest::mouseClick(field<QPushButton>(QStringLiteral("startStopButton")), Qt::LeftButton);
        auto *error = field<QLabel>(errorLabel);
        QVERIFY(error);
        QVERIFY(error->isVisible());
        QVERIFY2(error->text().contains(expected), qPrintable(error->text()));
        QVERIFY(!error->text().isEmpty());
        // Only that field is marked.
        const auto labels = m_window->serversPanel()->findChildren<QLabel *>(
            QRegularExpression(QStringLiteral("Error$")));
        for (QLabel *label : labels)
            if (label->objectName() != QLatin1String("serverError"))
                QCOMPARE(label->isVisible(), label == error);
        QVERIFY(field<QLabel>(QStringLiteral("serverError"))->isVisible());
        QVERIFY(!m_engine->isRunning());
        QCOMPARE(field<QLabel>(QStringLiteral("serverState"))->text(), QStringLiteral("Stopped"));
    }

    void fixingTheFieldStarts()
    {
        auto *issuer = field<QLineEdit>(QStringLiteral("issuer"));
        issuer->setText(QStringLiteral("ftp://x"));
        auto *button = field<QPushButton>(QStringLiteral("startStopButton"));
        QTest::mouseClick(button, Qt::LeftButton);
        QVERIFY(field<QLabel>(QStringLiteral("issuerError"))->isVisible());
        issuer->clear();
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(m_engine->isRunning());
        QVERIFY(!field<QLabel>(QStringLiteral("issuerError"))->isVisible());
        QVERIFY(!field<QLabel>(QStringLiteral("serverError"))->isVisible());
        // Settings are locked while running and the panel says when changes apply.
        QVERIFY(!issuer->isEnabled());
        QVERIFY(field<QLabel>(QStringLiteral("settingsPending"))->isVisible());
        // The config that started is remembered for the next launch.
        const auto saved = Core::ServerConfig::fromJson(
            QJsonDocument::fromJson(
                QSettings().value(QStringLiteral("Servers/config")).toByteArray())
                .object());
        QVERIFY(saved.ok());
        QCOMPARE(saved->storeUrl, m_engine->config().storeUrl);
    }

    void exportThenImportRoundTrips()
    {
        field<QLineEdit>(QStringLiteral("bindAddress"))->setText(QStringLiteral("::1"));
        field<QSpinBox>(QStringLiteral("asPort"))->setValue(19400);
        field<QSpinBox>(QStringLiteral("rsPort"))->setValue(19401);
        field<QLineEdit>(QStringLiteral("issuer"))
            ->setText(QStringLiteral("https://auth.example/t1"));
        auto *format = field<QComboBox>(QStringLiteral("tokenFormat"));
        format->setCurrentIndex(format->findData(QStringLiteral("jwt")));
        field<QSpinBox>(QStringLiteral("accessTokenLifetime"))->setValue(900);
        field<QSpinBox>(QStringLiteral("tokenPerClient"))->setValue(7);
        field<QLineEdit>(QStringLiteral("corsOrigins"))
            ->setText(QStringLiteral("http://localhost:6274, https://app.example"));
        field<QCheckBox>(QStringLiteral("autoApprove"))->setChecked(true);
        QVERIFY(field<QLabel>(QStringLiteral("autoApproveWarning"))->isVisible());

        const QString path = m_dir.filePath(QStringLiteral("exported.json"));
        QVERIFY(m_window->serversPanel()->exportConfig(path).ok());
        // The file is the CLI's config format.
        const auto fromFile = Core::ServerConfig::fromFile(path);
        QVERIFY2(fromFile.ok(), qPrintable(fromFile.ok() ? QString() : fromFile.error().message));
        QCOMPARE(fromFile->bindAddress, QHostAddress(QStringLiteral("::1")));
        QCOMPARE(fromFile->asPort, quint16(19400));
        QCOMPARE(fromFile->issuer, QStringLiteral("https://auth.example/t1"));
        QCOMPARE(fromFile->authorizationServer.defaultTokenFormat, Auth::AccessTokenFormat::Jwt);
        QCOMPARE(fromFile->authorizationServer.accessTokenLifetime, 900);
        QCOMPARE(fromFile->authorizationServer.tokenPerClient.limit, 7);
        QCOMPARE(fromFile->authorizationServer.corsOrigins,
                 (QStringList{QStringLiteral("http://localhost:6274"),
                              QStringLiteral("https://app.example")}));
        QVERIFY(fromFile->authorizationServer.autoApprove);
        QCOMPARE(fromFile->adminTokenFile, m_dir.filePath(QStringLiteral("admin-token")));

        // A fresh window (the saved config is a different one) imports it field for field.
        saveLastConfig(testConfig(QStringLiteral("other.db")));
        m_window = std::make_unique<Ui::MainWindow>(m_engine.get());
        m_window->show();
        QCOMPARE(field<QSpinBox>(QStringLiteral("asPort"))->value(), 0);
        QVERIFY(m_window->serversPanel()->importConfig(path).ok());
        QCOMPARE(field<QLineEdit>(QStringLiteral("bindAddress"))->text(), QStringLiteral("::1"));
        QCOMPARE(field<QSpinBox>(QStringLiteral("asPort"))->value(), 19400);
        QCOMPARE(field<QSpinBox>(QStringLiteral("rsPort"))->value(), 19401);
        QCOMPARE(field<QComboBox>(QStringLiteral("tokenFormat"))->currentData().toString(),
                 QStringLiteral("jwt"));
        QCOMPARE(field<QSpinBox>(QStringLiteral("accessTokenLifetime"))->value(), 900);
        QVERIFY(field<QCheckBox>(QStringLiteral("autoApprove"))->isChecked());
        const auto again = m_window->serversPanel()->formConfig();
        QVERIFY(again.ok());
        QCOMPARE(again->toJson(), fromFile->toJson());
    }

    void importRefusesABadFile_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expected");
        QTest::newRow("not json") << QByteArray("{ nope") << QStringLiteral("offset");
        QTest::newRow("array") << QByteArray("[]") << QStringLiteral("JSON object");
        QTest::newRow("unknown") << QByteArray("{\"colour\": 1}") << QStringLiteral("colour");
        QTest::newRow("bad port") << QByteArray("{\"as_port\": 70000}")
                                  << QStringLiteral("as_port");
    }

    void importRefusesABadFile()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, expected);
        const QString path = m_dir.filePath(QStringLiteral("bad.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(content);
        file.close();
        const int before = field<QSpinBox>(QStringLiteral("asPort"))->value();
        const Core::Status status = m_window->serversPanel()->importConfig(path);
        QVERIFY(!status.ok());
        auto *banner = field<QLabel>(QStringLiteral("serverError"));
        QVERIFY(banner->isVisible());
        QVERIFY2(banner->text().contains(expected), qPrintable(banner->text()));
        QCOMPARE(field<QSpinBox>(QStringLiteral("asPort"))->value(), before);
    }

    void storeConnectionTest_data()
    {
        QTest::addColumn<QString>("url");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("expected");
        QTest::newRow("postgres refused")
            << QStringLiteral("postgresql://nobody:hunter2hunter2@127.0.0.1:1/none") << false
            << QStringLiteral("Connection failed");
        QTest::newRow("sqlite") << QStringLiteral("sqlite://") +
                                       m_dir.filePath(QStringLiteral("t.db"))
                                << true << QStringLiteral("Connected to");
    }

    void storeConnectionTest()
    {
        QFETCH(QString, url);
        QFETCH(bool, ok);
        QFETCH(QString, expected);
        field<QLineEdit>(QStringLiteral("storeUrl"))->setText(url);
        auto *button = field<QPushButton>(QStringLiteral("testStoreButton"));
        auto *result = field<QLabel>(QStringLiteral("storeTestResult"));
        QSignalSpy finished(m_window->serversPanel(), &Ui::ServersPanel::storeTestFinished);
        QTest::mouseClick(button, Qt::LeftButton);
        // The click returned before the store answered: the UI thread never waits for it.
        QCOMPARE(finished.count(), 0);
        QVERIFY(result->text().startsWith(QStringLiteral("Connecting")));
        QVERIFY(!button->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 15000);
        QCOMPARE(finished.at(0).at(0).toBool(), ok);
        QVERIFY2(result->text().startsWith(expected), qPrintable(result->text()));
        QVERIFY(!result->text().contains(QStringLiteral("hunter2")));
        QVERIFY(button->isEnabled());
    }

    void snippetsCarryTheRunningMcpUrl()
    {
        auto *view = field<QPlainTextEdit>(QStringLiteral("snippetView"));
        auto *choice = field<QComboBox>(QStringLiteral("snippetChoice"));
        QVERIFY(view && choice);
        QCOMPARE(choice->count(), 0);
        QVERIFY(!field<QPushButton>(QStringLiteral("copySnippet"))->isEnabled());
        m_window->serversPanel()->startServers();
        QTRY_VERIFY(m_engine->isRunning());
        const QString mcpUrl = m_engine->mcpResourceUri();
        QVERIFY(!mcpUrl.isEmpty());
        QCOMPARE(field<QLineEdit>(QStringLiteral("mcpUrl"))->text(), mcpUrl);
        QCOMPARE(field<QLineEdit>(QStringLiteral("connectIssuer"))->text(), m_engine->issuer());
        QVERIFY(field<QLineEdit>(QStringLiteral("connectPrmUrl"))
                    ->text()
                    .contains(QStringLiteral("/.well-known/oauth-protected-resource")));
        QVERIFY(choice->count() >= 4);
        for (int i = 0; i < choice->count(); ++i) {
            choice->setCurrentIndex(i);
            QVERIFY2(view->toPlainText().contains(mcpUrl), qPrintable(choice->currentText()));
        }
        QVERIFY(view->isReadOnly());
        QTest::mouseClick(field<QPushButton>(QStringLiteral("copySnippet")), Qt::LeftButton);
        QCOMPARE(QApplication::clipboard()->text(), view->toPlainText());
        QVERIFY(field<QLineEdit>(QStringLiteral("tlsFingerprint"))->text().isEmpty());

        m_engine->stop();
        QCOMPARE(choice->count(), 0);
        QVERIFY(field<QLineEdit>(QStringLiteral("mcpUrl"))->text().isEmpty());
    }

    void tlsShowsTheFingerprint()
    {
        field<QCheckBox>(QStringLiteral("tls"))->setChecked(true);
        m_window->serversPanel()->startServers();
        QTRY_VERIFY2(m_engine->isRunning(),
                     qPrintable(field<QLabel>(QStringLiteral("serverError"))->text()));
        const QString fingerprint = field<QLineEdit>(QStringLiteral("tlsFingerprint"))->text();
        QVERIFY(!fingerprint.isEmpty());
        QCOMPARE(fingerprint, m_engine->tlsFingerprint());
        QVERIFY(field<QLineEdit>(QStringLiteral("mcpUrl"))
                    ->text()
                    .startsWith(QStringLiteral("https://")));
    }

    void unreachableStoreKeepsTheUiResponsive()
    {
        // A "PostgreSQL server" that accepts connections and never answers: the client
        // waits for its connect_timeout, on the engine's worker thread.
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        field<QLineEdit>(QStringLiteral("storeUrl"))
            ->setText(QStringLiteral("postgresql://mcpauth:hunter2@127.0.0.1:%1/mcpauth?"
                                     "connect_timeout=2")
                          .arg(silent.serverPort()));
        int ticks = 0;
        QTimer ticker;
        ticker.setInterval(20);
        connect(&ticker, &QTimer::timeout, this, [&ticks] { ++ticks; });
        ticker.start();
        QElapsedTimer clock;
        clock.start();
        auto *button = field<QPushButton>(QStringLiteral("startStopButton"));
        QTest::mouseClick(button, Qt::LeftButton);
        // Back from the click at once, with the start under way and shown as such.
        QVERIFY2(clock.elapsed() < 1000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(m_engine->isStarting());
        QVERIFY(!button->isEnabled());
        QCOMPARE(field<QLabel>(QStringLiteral("serverState"))->text(), QStringLiteral("Starting…"));
        QVERIFY(field<QProgressBar>(QStringLiteral("serverStarting"))->isVisible());
        QVERIFY(m_window->findChild<QProgressBar *>(QStringLiteral("statusStarting"))->isVisible());
        QVERIFY(!field<QLineEdit>(QStringLiteral("storeUrl"))->isEnabled());

        auto *banner = field<QLabel>(QStringLiteral("serverError"));
        QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 15000);
        // The event loop ran all along: about 100 ticks in 2 s; a blocked loop gives 1.
        QVERIFY2(ticks >= 30, qPrintable(QString::number(ticks)));
        QVERIFY2(clock.elapsed() >= 1500, qPrintable(QString::number(clock.elapsed())));
        QVERIFY2(banner->text().contains(QStringLiteral("could not start")) &&
                     banner->text().contains(QStringLiteral("127.0.0.1")),
                 qPrintable(banner->text()));
        QVERIFY(!banner->text().contains(QStringLiteral("hunter2")));
        QVERIFY(!m_engine->isRunning());
        QVERIFY(!m_engine->isStarting());
        QVERIFY(button->isEnabled());
        QCOMPARE(button->text(), QStringLiteral("&Start servers"));
        QCOMPARE(field<QLabel>(QStringLiteral("serverState"))->text(), QStringLiteral("Stopped"));
        QVERIFY(!field<QProgressBar>(QStringLiteral("serverStarting"))->isVisible());
        QVERIFY(field<QLineEdit>(QStringLiteral("storeUrl"))->isEnabled());

        // Fixed, it starts.
        field<QLineEdit>(QStringLiteral("storeUrl"))
            ->setText(QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("fixed.db")));
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(m_engine->isRunning());
        QVERIFY(!banner->isVisible());
    }

    void warningFollowsThePalette()
    {
        auto *warning = field<QLabel>(QStringLiteral("autoApproveWarning"));
        const QString light = warning->styleSheet();
        QPalette dark = m_window->serversPanel()->palette();
        dark.setColor(QPalette::Window, QColor(0x20, 0x20, 0x20));
        dark.setColor(QPalette::WindowText, QColor(0xee, 0xee, 0xee));
        m_window->serversPanel()->setPalette(dark);
        QVERIFY(warning->styleSheet() != light);
        m_window->serversPanel()->setPalette(QPalette(QColor(0xf0, 0xf0, 0xf0)));
        QCOMPARE(warning->styleSheet(), light);
    }

    void autoStartOnFirstRun()
    {
        // No "start on launch" setting yet: the servers start.
        QVERIFY(Ui::ServersPanel::autoStartEnabled());
        QVERIFY(field<QCheckBox>(QStringLiteral("autoStart"))->isChecked());
        QVERIFY(m_window->serversPanel()->autoStart());
        QTRY_VERIFY(m_engine->isRunning());
        QVERIFY(!m_engine->demoClientId().isEmpty());
        QVERIFY(!m_engine->demoUsername().isEmpty());
        m_engine->stop();

        // Turned off in the panel: remembered, and nothing starts.
        field<QCheckBox>(QStringLiteral("autoStart"))->setChecked(false);
        QVERIFY(!Ui::ServersPanel::autoStartEnabled());
        m_window = std::make_unique<Ui::MainWindow>(m_engine.get());
        QVERIFY(!field<QCheckBox>(QStringLiteral("autoStart"))->isChecked());
        QVERIFY(!m_window->serversPanel()->autoStart());
        QVERIFY(!m_engine->isRunning());
    }

    void tourWalksThroughEveryPanel()
    {
        QVERIFY(!m_window->showTourIfFirstRun()); // shown before (init sets the flag)
        QSettings().remove(QStringLiteral("Tour/shown"));
        QPointer<Ui::Tour> tour = m_window->showTourIfFirstRun();
        QVERIFY(tour);
        QVERIFY(QSettings().value(QStringLiteral("Tour/shown")).toBool());
        QCOMPARE(tour->stepCount(), int(Ui::MainWindow::PanelCount));
        auto *next = tour->findChild<QPushButton *>(QStringLiteral("tourNext"));
        auto *back = tour->findChild<QPushButton *>(QStringLiteral("tourBack"));
        auto *text = tour->findChild<QLabel *>(QStringLiteral("tourText"));
        QVERIFY(next && back && text);
        QVERIFY(tour->isVisible());
        QCOMPARE(tour->geometry(), m_window->rect());
        QStringList sentences;
        for (int i = 0; i < tour->stepCount(); ++i) {
            QCOMPARE(tour->currentStep(), i);
            QCOMPARE(int(m_window->currentPanel()), i);
            QVERIFY(!text->text().isEmpty());
            QVERIFY(!sentences.contains(text->text()));
            sentences.append(text->text());
            QCOMPARE(back->isEnabled(), i > 0);
            if (i == 1) { // Back returns to the previous panel
                QTest::mouseClick(back, Qt::LeftButton);
                QCOMPARE(int(m_window->currentPanel()), 0);
                QTest::mouseClick(next, Qt::LeftButton);
                QCOMPARE(tour->currentStep(), 1);
            }
            QTest::mouseClick(next, Qt::LeftButton);
        }
        QTRY_VERIFY(tour.isNull());
        QCOMPARE(sentences.size(), int(Ui::MainWindow::PanelCount));
    }

    void skipHidesTheTour()
    {
        auto *action = m_window->findChild<QAction *>(QStringLiteral("tourAction"));
        QVERIFY(action);
        m_window->showPanel(Ui::MainWindow::AuditPanelIndex);
        action->trigger();
        QPointer<Ui::Tour> tour = m_window->findChild<Ui::Tour *>(QStringLiteral("tour"));
        QVERIFY(tour);
        QSignalSpy finished(tour.data(), &Ui::Tour::finished);
        QTest::mouseClick(tour->findChild<QPushButton *>(QStringLiteral("tourNext")),
                          Qt::LeftButton);
        QTest::mouseClick(tour->findChild<QPushButton *>(QStringLiteral("tourSkip")),
                          Qt::LeftButton);
        QCOMPARE(finished.count(), 1);
        QCOMPARE(finished.at(0).at(0).toBool(), false);
        tour->skip(); // a second Skip (or Escape) before it is gone says nothing more
        QCOMPARE(finished.count(), 1);
        QVERIFY(!tour->isVisible());
        QTRY_VERIFY(tour.isNull());
        QVERIFY(QSettings().value(QStringLiteral("Tour/shown")).toBool());
        QVERIFY(!m_window->showTourIfFirstRun());
        // Skipping returns to where the user was.
        QCOMPARE(m_window->currentPanel(), Ui::MainWindow::AuditPanelIndex);
        // Escape skips too.
        auto *again = m_window->startTour();
        QPointer<Ui::Tour> guard = again;
        QTest::keyClick(again, Qt::Key_Escape);
        QTRY_VERIFY(guard.isNull());
    }
};

QTEST_MAIN(TestServersPanel)
#include "tst_serverspanel.moc"
