#include <QAbstractItemModelTester>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableView>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QToolButton>
#include <QtTest>

#include "aboutdialog.h"
#include "engine.h"
#include "mainwindow.h"

class TestMainWindow final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QCoreApplication::setOrganizationName(QStringLiteral("mcpauth-gui-test"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_mainwindow"));
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
        QSettings().clear();
    }

    void navigationShowsEveryPanel()
    {
        Core::Engine engine;
        Ui::MainWindow window(&engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto *navigation = window.findChild<QListWidget *>(QStringLiteral("navigation"));
        auto *panels = window.findChild<QStackedWidget *>(QStringLiteral("panels"));
        QVERIFY(navigation && panels);
        const QStringList expected = {
            QStringLiteral("Servers"), QStringLiteral("Flows"),    QStringLiteral("Tokens"),
            QStringLiteral("Clients"), QStringLiteral("Friction"), QStringLiteral("Traffic"),
            QStringLiteral("Audit"),
        };
        QCOMPARE(navigation->count(), expected.size());
        for (int i = 0; i < expected.size(); ++i) {
            QCOMPARE(navigation->item(i)->text(), expected[i]);
            QVERIFY(!navigation->item(i)->icon().isNull());
            const QRect rect = navigation->visualItemRect(navigation->item(i));
            QTest::mouseClick(navigation->viewport(), Qt::LeftButton, {}, rect.center());
            QCOMPARE(panels->currentIndex(), i);
        }
        // Every entry opens its own panel.
        const QStringList panelNames = {
            QStringLiteral("serversPanel"),  QStringLiteral("flowsPanel"),
            QStringLiteral("tokensPanel"),   QStringLiteral("clientsPanel"),
            QStringLiteral("frictionPanel"), QStringLiteral("trafficPanel"),
            QStringLiteral("auditPanel")};
        QCOMPARE(panels->count(), panelNames.size());
        for (int i = 0; i < panels->count(); ++i)
            QCOMPARE(panels->widget(i)->objectName(), panelNames.at(i));
        // Keyboard shortcut Ctrl+6 goes to Traffic.
        QTest::keyClick(&window, Qt::Key_6, Qt::ControlModifier);
        QCOMPARE(window.currentPanel(), Ui::MainWindow::TrafficPanelIndex);
    }

    void startServersShowTrafficAndStop()
    {
        Core::Engine engine;
        Ui::MainWindow window(&engine);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showPanel(Ui::MainWindow::ServersPanelIndex);
        auto *servers = window.findChild<QWidget *>(QStringLiteral("serversPanel"));
        QVERIFY(servers);
        servers->findChild<QSpinBox *>(QStringLiteral("asPort"))->setValue(0);
        servers->findChild<QSpinBox *>(QStringLiteral("rsPort"))->setValue(0);
        auto *store = servers->findChild<QLineEdit *>(QStringLiteral("storeUrl"));
        store->clear();
        QTest::keyClicks(store,
                         QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("gui.db")));
        auto *button = servers->findChild<QPushButton *>(QStringLiteral("startStopButton"));
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(engine.isRunning());
        auto *state = servers->findChild<QLabel *>(QStringLiteral("serverState"));
        QCOMPARE(state->text(), QStringLiteral("Running"));
        const QString asUrl = servers->findChild<QLineEdit *>(QStringLiteral("asUrl"))->text();
        QVERIFY(asUrl.startsWith(QStringLiteral("http://127.0.0.1:")));
        QVERIFY(!store->isEnabled());

        // The demo account is shown so a new user can log in; the password only on request.
        QCOMPARE(servers->findChild<QLineEdit *>(QStringLiteral("demoUser"))->text(),
                 QStringLiteral("demo"));
        QCOMPARE(servers->findChild<QLineEdit *>(QStringLiteral("demoClient"))->text(),
                 QStringLiteral("mcpauth-demo"));
        auto *password = servers->findChild<QLineEdit *>(QStringLiteral("demoPassword"));
        QCOMPARE(password->text(), engine.demoPassword());
        QVERIFY(password->text().size() >= 12);
        QCOMPARE(password->echoMode(), QLineEdit::Password);
        QTest::mouseClick(servers->findChild<QToolButton *>(QStringLiteral("revealDemoPassword")),
                          Qt::LeftButton);
        QCOMPARE(password->echoMode(), QLineEdit::Normal);
        QVERIFY(servers->findChild<QLineEdit *>(QStringLiteral("mcpUrl"))
                    ->text()
                    .endsWith(QStringLiteral("/mcp")));
        QVERIFY(!servers->findChild<QLabel *>(QStringLiteral("autoApproveWarning"))->isVisible());

        // A real request to the running server shows up in the Traffic panel.
        QNetworkAccessManager network;
        QNetworkReply *reply =
            network.get(QNetworkRequest(QUrl(asUrl + QStringLiteral("/healthz"))));
        QTRY_VERIFY(reply->isFinished());
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        reply->deleteLater();

        window.showPanel(Ui::MainWindow::TrafficPanelIndex);
        auto *table = window.findChild<QTableView *>(QStringLiteral("trafficTable"));
        QVERIFY(table);
        QAbstractItemModelTester tester(table->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY(table->model()->rowCount() >= 1);
        table->selectRow(table->model()->rowCount() - 1);
        auto *detail = window.findChild<QPlainTextEdit *>(QStringLiteral("trafficDetail"));
        QTRY_VERIFY(detail->toPlainText().contains(QStringLiteral("/healthz")));
        QVERIFY(detail->toPlainText().contains(QStringLiteral("HTTP 200")));

        // The filter hides what does not match and shows it again.
        auto *search = window.findChild<QLineEdit *>(QStringLiteral("trafficSearch"));
        QTest::keyClicks(search, QStringLiteral("no-such-endpoint"));
        QTRY_COMPARE(table->model()->rowCount(), 0);
        search->clear();
        QTRY_VERIFY(table->model()->rowCount() >= 1);

        window.showPanel(Ui::MainWindow::ServersPanelIndex);
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(!engine.isRunning());
        QCOMPARE(state->text(), QStringLiteral("Stopped"));
        QVERIFY(store->isEnabled());
    }

    void startFailureShowsBanner()
    {
        QTcpServer blocker;
        QVERIFY(blocker.listen(QHostAddress::LocalHost, 0));
        Core::Engine engine;
        Ui::MainWindow window(&engine);
        window.show();
        auto *servers = window.findChild<QWidget *>(QStringLiteral("serversPanel"));
        servers->findChild<QSpinBox *>(QStringLiteral("asPort"))->setValue(blocker.serverPort());
        servers->findChild<QSpinBox *>(QStringLiteral("rsPort"))->setValue(0);
        servers->findChild<QLineEdit *>(QStringLiteral("storeUrl"))
            ->setText(QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("gui2.db")));
        QTest::mouseClick(servers->findChild<QPushButton *>(QStringLiteral("startStopButton")),
                          Qt::LeftButton);
        auto *error = servers->findChild<QLabel *>(QStringLiteral("serverError"));
        QTRY_VERIFY(error->isVisible());
        QVERIFY2(error->text().contains(QStringLiteral("authorization server")),
                 qPrintable(error->text()));
        QVERIFY(!engine.isRunning());
    }

    void settingsPersist()
    {
        Core::Engine engine;
        {
            Ui::MainWindow window(&engine);
            window.show();
            window.resize(900, 640);
            window.showPanel(Ui::MainWindow::AuditPanelIndex);
            window.close();
        }
        Ui::MainWindow again(&engine);
        QCOMPARE(again.currentPanel(), Ui::MainWindow::AuditPanelIndex);
        QCOMPARE(again.size(), QSize(900, 640));
    }

    void panelLayoutsPersist_data()
    {
        QTest::addColumn<QString>("panel");
        QTest::addColumn<QString>("splitter");
        QTest::addColumn<QString>("table");
        QTest::newRow("tokens") << QStringLiteral("tokensPanel") << QStringLiteral("tokensSplitter")
                                << QStringLiteral("tokensTable");
        QTest::newRow("audit") << QStringLiteral("auditPanel") << QStringLiteral("auditSplitter")
                               << QStringLiteral("auditTable");
        QTest::newRow("traffic") << QStringLiteral("trafficPanel")
                                 << QStringLiteral("trafficSplitter")
                                 << QStringLiteral("trafficTable");
        QTest::newRow("friction") << QStringLiteral("frictionPanel")
                                  << QStringLiteral("frictionSplitter")
                                  << QStringLiteral("frictionTable");
        QTest::newRow("clients") << QStringLiteral("clientsPanel") << QString()
                                 << QStringLiteral("clientsTable");
    }

    void panelLayoutsPersist()
    {
        QFETCH(QString, panel);
        QFETCH(QString, splitter);
        QFETCH(QString, table);
        Core::Engine engine;
        QList<int> sizes;
        int width = 0;
        {
            Ui::MainWindow window(&engine);
            window.resize(1200, 800);
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            auto *root = window.findChild<QWidget *>(panel);
            QVERIFY(root);
            window.findChild<QStackedWidget *>(QStringLiteral("panels"))->setCurrentWidget(root);
            if (!splitter.isEmpty()) {
                auto *split = root->findChild<QSplitter *>(splitter);
                QVERIFY(split);
                QTRY_VERIFY(split->sizes().value(0) > 0 && split->sizes().value(1) > 0);
                const int total = split->sizes().value(0) + split->sizes().value(1);
                split->setSizes({total / 4, total - total / 4});
                sizes = split->sizes();
            }
            auto *view = root->findChild<QTableView *>(table);
            QVERIFY2(view, qPrintable(table));
            view->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
            view->horizontalHeader()->resizeSection(0, 173);
            width = view->horizontalHeader()->sectionSize(0);
            window.close();
        }
        Ui::MainWindow again(&engine);
        again.resize(1200, 800);
        again.show();
        QVERIFY(QTest::qWaitForWindowExposed(&again));
        auto *root = again.findChild<QWidget *>(panel);
        again.findChild<QStackedWidget *>(QStringLiteral("panels"))->setCurrentWidget(root);
        QTest::qWait(50);
        if (!splitter.isEmpty())
            QCOMPARE(root->findChild<QSplitter *>(splitter)->sizes(), sizes);
        QCOMPARE(root->findChild<QTableView *>(table)->horizontalHeader()->sectionSize(0), width);
    }

    void aboutDialogNamesVersions()
    {
        Ui::AboutDialog dialog;
        const auto labels = dialog.findChildren<QLabel *>();
        const bool hasVersion = std::any_of(labels.begin(), labels.end(), [](QLabel *l) {
            return l->text() == QStringLiteral(MCPAUTH_VERSION);
        });
        QVERIFY(hasVersion);
        const bool hasOpenSsl = std::any_of(labels.begin(), labels.end(), [](QLabel *l) {
            return l->text().contains(QStringLiteral("OpenSSL"));
        });
        QVERIFY(hasOpenSsl);
    }

private:
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
