// The Audit panel in the real main window over a running engine: newest first, live tail,
// filters, and the CSV export with its quoting.

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>

#include "auditmodel.h"
#include "auditpanel.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "store/auditrepository.h"

class TestAuditPanel final : public QObject
{
    Q_OBJECT

private:
    bool append(const QString &type, const QString &client, const QString &subject,
                const QJsonObject &detail = {})
    {
        Store::AuditEvent e;
        e.type = type;
        e.actor = QStringLiteral("gui-test");
        e.clientId = client;
        e.subject = subject;
        e.detail = detail;
        return Store::AuditRepository(m_engine.store()).append(e).ok();
    }

    /// Waits until the model shows what the filter widgets say.
    bool settled() const
    {
        return QTest::qWaitFor([this] {
            const Core::AuditQuery shown = m_panel->model()->query();
            const Core::AuditQuery wanted = m_panel->query();
            return !m_panel->model()->isLoading() && shown.text == wanted.text &&
                   shown.filter.type == wanted.filter.type &&
                   shown.filter.clientId == wanted.filter.clientId &&
                   shown.filter.until == wanted.filter.until;
        });
    }

    QString cell(int row, int column) const
    {
        return m_table->model()->index(row, column).data().toString();
    }

    QTemporaryDir m_dir;
    Core::Engine m_engine;
    GuiTest::RecordingPrompts m_prompts;
    std::unique_ptr<Ui::MainWindow> m_window;
    Ui::AuditPanel *m_panel = nullptr;
    QTableView *m_table = nullptr;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        GuiTest::isolateSettings(m_dir, QStringLiteral("tst_auditpanel"));
        const Core::Status started = GuiTest::startEngine(m_engine, m_dir);
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        m_window = std::make_unique<Ui::MainWindow>(&m_engine);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->showPanel(Ui::MainWindow::AuditPanelIndex);
        m_panel = m_window->findChild<Ui::AuditPanel *>(QStringLiteral("auditPanel"));
        QVERIFY(m_panel);
        m_panel->setPrompts(m_prompts.prompts());
        m_table = m_panel->findChild<QTableView *>(QStringLiteral("auditTable"));
        QVERIFY(m_table);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine.stop();
    }

    void newestFirstAndLive()
    {
        QAbstractItemModelTester tester(m_table->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        // The engine's first start wrote the demo user and client.
        QTRY_VERIFY(m_table->model()->rowCount() >= 2);
        const int before = m_table->model()->rowCount();
        QVERIFY(append(QStringLiteral("login.failed"), {}, QStringLiteral("mallory")));
        QTRY_COMPARE(m_table->model()->rowCount(), before + 1);
        QCOMPARE(cell(0, Core::AuditTableModel::TypeColumn), QStringLiteral("login.failed"));
        QCOMPARE(cell(0, Core::AuditTableModel::SubjectColumn), QStringLiteral("mallory"));
        m_table->selectRow(0);
        auto *detail = m_panel->findChild<QPlainTextEdit *>(QStringLiteral("auditDetail"));
        QVERIFY(detail->toPlainText().contains(QStringLiteral("mallory")));
    }

    void filters()
    {
        QVERIFY(append(QStringLiteral("client.registered"), QStringLiteral("acme"), {},
                       {{QStringLiteral("client_name"), QStringLiteral("Acme, \"Best\"\nApp")}}));
        QVERIFY(append(QStringLiteral("token.issued"), QStringLiteral("acme"),
                       QStringLiteral("alice")));
        auto *client = m_panel->findChild<QLineEdit *>(QStringLiteral("auditFilterClient"));
        QTest::keyClicks(client, QStringLiteral("acme"));
        QVERIFY(settled());
        QCOMPARE(m_table->model()->rowCount(), 2);
        auto *type = m_panel->findChild<QComboBox *>(QStringLiteral("auditFilterType"));
        type->setCurrentText(QStringLiteral("token.issued"));
        QVERIFY(settled());
        QCOMPARE(m_table->model()->rowCount(), 1);
        QCOMPARE(cell(0, Core::AuditTableModel::SubjectColumn), QStringLiteral("alice"));
        type->setCurrentText(QString());
        auto *search = m_panel->findChild<QLineEdit *>(QStringLiteral("auditSearch"));
        QTest::keyClicks(search, QStringLiteral("best"));
        QVERIFY(settled());
        QCOMPARE(m_table->model()->rowCount(), 1);
        QCOMPARE(cell(0, Core::AuditTableModel::TypeColumn), QStringLiteral("client.registered"));

        // A time range that ended before everything shows nothing.
        auto *useUntil = m_panel->findChild<QCheckBox *>(QStringLiteral("auditUseUntil"));
        auto *until = m_panel->findChild<QDateTimeEdit *>(QStringLiteral("auditFilterUntil"));
        until->setDateTime(QDateTime::currentDateTime().addDays(-1));
        useUntil->setChecked(true);
        QVERIFY(settled());
        QCOMPARE(m_table->model()->rowCount(), 0);
        useUntil->setChecked(false);
        QVERIFY(settled());
        QCOMPARE(m_table->model()->rowCount(), 1);
        search->clear();
        QVERIFY(settled());
        QCOMPARE(m_table->model()->rowCount(), 2);
    }

    void exportCsvQuotes()
    {
        // Filter "acme" still applies: the export writes what the filters match.
        m_prompts.file = m_dir.filePath(QStringLiteral("export.csv"));
        QSignalSpy finished(m_panel, &Ui::AuditPanel::exportFinished);
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("exportAuditButton")),
                          Qt::LeftButton);
        QVERIFY(finished.wait());
        QCOMPARE(finished.first().at(1).toLongLong(), 2);
        QVERIFY(finished.first().at(2).toString().isEmpty());
        QFile file(m_prompts.file);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray csv = file.readAll();
        const QList<QByteArray> records = csv.split('\n');
        QVERIFY(csv.startsWith("id,time,type,actor,client_id,subject,remote_address,detail\r\n"));
        // The detail's comma, quotes and newline stay inside one quoted field.
        QVERIFY2(csv.contains(",client.registered,gui-test,acme,,,\"{\"\"client_name\"\":"
                              "\"\"Acme, \\\"\"Best\\\"\"\\nApp\"\"}\"\r\n"),
                 csv.constData());
        QVERIFY(csv.contains(",token.issued,gui-test,acme,alice,,\r\n"));
        QCOMPARE(csv.count("\r\n"), 3);
        QVERIFY(m_panel->findChild<QLabel *>(QStringLiteral("auditStatus"))
                    ->text()
                    .contains(QStringLiteral("Exported 2")));

        // Cancelling the file dialog writes nothing.
        m_prompts.file.clear();
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("exportAuditButton")),
                          Qt::LeftButton);
        QCOMPARE(finished.size(), 1);

        // An unwritable place is reported in the banner.
        m_prompts.file = m_dir.filePath(QStringLiteral("missing/dir/export.csv"));
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("exportAuditButton")),
                          Qt::LeftButton);
        QVERIFY(finished.wait());
        auto *error = m_panel->findChild<QLabel *>(QStringLiteral("auditError"));
        QTRY_VERIFY(error->isVisible());
        QVERIFY(error->text().contains(QStringLiteral("missing/dir")));
    }
};

QTEST_MAIN(TestAuditPanel)
#include "tst_auditpanel.moc"
