// Core::AuditTableModel, AuditQuery and the CSV export over a real SQLite store through a
// real AdminWorker.

#include <atomic>

#include <QAbstractItemModelTester>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "admin/service.h"
#include "adminworker.h"
#include "auditfollower.h"
#include "auditmodel.h"
#include "store/auditrepository.h"
#include "store/database.h"

namespace {

constexpr qint64 kStart = 1735689600000; // 2025-01-01T00:00:00Z

Store::AuditEvent makeEvent(const QString &type, const QString &client, const QString &subject,
                            const QJsonObject &detail = {})
{
    Store::AuditEvent e;
    e.type = type;
    e.actor = QStringLiteral("system");
    e.clientId = client;
    e.subject = subject;
    e.detail = detail;
    return e;
}

} // namespace

class TestAuditModel final : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<Store::Database> open(const QString &name)
    {
        Store::OpenOptions options;
        options.clock = [this] { return m_now.fetch_add(1000); };
        options.synchronous = Store::Synchronous::Normal;
        auto db =
            Store::Database::open(QStringLiteral("sqlite://") + m_dir.filePath(name), options);
        if (!db) {
            qWarning("%s", qPrintable(db.error().toString()));
            return {};
        }
        return *db;
    }

    static bool append(const std::shared_ptr<Store::Database> &db, const Store::AuditEvent &e)
    {
        return Store::AuditRepository(db).append(e).ok();
    }

    QTemporaryDir m_dir;
    std::atomic<qint64> m_now{kStart};

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void csvFields_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << "token.issued"
                               << "token.issued";
        QTest::newRow("empty") << ""
                               << "";
        QTest::newRow("comma") << "a,b"
                               << "\"a,b\"";
        QTest::newRow("quote") << "say \"hi\""
                               << "\"say \"\"hi\"\"\"";
        QTest::newRow("newline") << "line1\nline2"
                                 << "\"line1\nline2\"";
        QTest::newRow("carriage return") << "a\rb"
                                         << "\"a\rb\"";
        QTest::newRow("formula") << "=HYPERLINK(\"x\")"
                                 << "\"'=HYPERLINK(\"\"x\"\")\"";
        QTest::newRow("plus") << "+1"
                              << "'+1";
        QTest::newRow("minus") << "-1"
                               << "'-1";
        QTest::newRow("at") << "@sum"
                            << "'@sum";
        QTest::newRow("unicode") << "Zoë"
                                 << "Zoë";
    }

    void csvFields()
    {
        QFETCH(QString, value);
        QFETCH(QString, expected);
        QCOMPARE(Core::csvField(value), expected);
    }

    void queryAccepts_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("no filter") << ""
                                   << ""
                                   << "" << true;
        QTest::newRow("type match") << "token.issued"
                                    << ""
                                    << "" << true;
        QTest::newRow("type other") << "login.failed"
                                    << ""
                                    << "" << false;
        QTest::newRow("client match") << ""
                                      << "app"
                                      << "" << true;
        QTest::newRow("client other") << ""
                                      << "other"
                                      << "" << false;
        QTest::newRow("text in detail") << ""
                                        << ""
                                        << "TASKS:READ" << true;
        QTest::newRow("text in subject") << ""
                                         << ""
                                         << "alic" << true;
        QTest::newRow("text in address") << ""
                                         << ""
                                         << "127.0.0" << true;
        QTest::newRow("text nowhere") << ""
                                      << ""
                                      << "nothing-like-this" << false;
    }

    void queryAccepts()
    {
        QFETCH(QString, type);
        QFETCH(QString, client);
        QFETCH(QString, text);
        QFETCH(bool, accepted);
        Store::AuditEvent e = makeEvent(QStringLiteral("token.issued"), QStringLiteral("app"),
                                        QStringLiteral("alice"),
                                        {{QStringLiteral("scope"), QStringLiteral("tasks:read")}});
        e.remoteAddress = QStringLiteral("127.0.0.1");
        Core::AuditQuery query;
        query.filter.type = type;
        query.filter.clientId = client;
        query.text = text;
        QCOMPARE(query.accepts(e), accepted);
    }

    void newestFirstLiveAndOlderPages()
    {
        auto db = open(QStringLiteral("model.db"));
        QVERIFY(db);
        for (int i = 0; i < 25; ++i)
            QVERIFY(append(db, makeEvent(i % 2 ? QStringLiteral("login.failed")
                                               : QStringLiteral("token.issued"),
                                         QStringLiteral("app"), QStringLiteral("user%1").arg(i))));
        Core::AdminWorker worker(db, {});
        Core::AuditTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setPageSize(10);
        model.setPollInterval(20);
        model.setWorker(&worker);
        // The tester fetches older pages itself; every event ends up shown, newest first.
        QTRY_COMPARE(model.rowCount(), 25);
        QTRY_VERIFY(!model.isLoading() && !model.canFetchMore());
        QCOMPARE(model.eventAt(0).subject, QStringLiteral("user24"));
        QCOMPARE(model.eventAt(24).subject, QStringLiteral("user0"));
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.eventAt(row - 1).id > model.eventAt(row).id);

        // New events arrive at the top.
        QVERIFY(append(db, makeEvent(QStringLiteral("token.revoked"), QStringLiteral("app"),
                                     QStringLiteral("late"))));
        QTRY_COMPARE(model.rowCount(), 26);
        QCOMPARE(model.eventAt(0).subject, QStringLiteral("late"));

        // A filter applies to the pages and to the live events.
        Core::AuditQuery query;
        query.filter.type = QStringLiteral("login.failed");
        model.setQuery(query);
        QTRY_COMPARE(model.rowCount(), 12);
        QTRY_VERIFY(!model.isLoading() && !model.canFetchMore());
        QVERIFY(append(db, makeEvent(QStringLiteral("token.issued"), QStringLiteral("app"),
                                     QStringLiteral("ignored"))));
        QVERIFY(append(db, makeEvent(QStringLiteral("login.failed"), QStringLiteral("app"),
                                     QStringLiteral("shown"))));
        QTRY_COMPARE(model.rowCount(), 13);
        QCOMPARE(model.eventAt(0).subject, QStringLiteral("shown"));

        // Free text.
        query = {};
        query.text = QStringLiteral("USER1");
        model.setQuery(query);
        QTRY_VERIFY(!model.isLoading() && !model.canFetchMore());
        QCOMPARE(model.rowCount(), 11); // user1, user10..user19
    }

    void olderPagesWithoutTester()
    {
        auto db = open(QStringLiteral("older.db"));
        QVERIFY(db);
        for (int i = 0; i < 30; ++i)
            QVERIFY(append(db, makeEvent(QStringLiteral("token.issued"), QStringLiteral("app"),
                                         QString::number(i))));
        Core::AdminWorker worker(db, {});
        Core::AuditTableModel model;
        model.setPageSize(12);
        model.setWorker(&worker);
        QTRY_COMPARE(model.rowCount(), 12);
        QTRY_VERIFY(model.canFetchMore());
        model.fetchMore();
        QTRY_COMPARE(model.rowCount(), 24);
        QTRY_VERIFY(model.canFetchMore());
        model.fetchMore();
        QTRY_COMPARE(model.rowCount(), 30);
        QTRY_VERIFY(!model.isLoading());
        QVERIFY(!model.canFetchMore());
        QCOMPARE(model.eventAt(29).subject, QStringLiteral("0"));
    }

    void exportWritesQuotedCsv()
    {
        auto db = open(QStringLiteral("export.db"));
        QVERIFY(db);
        QVERIFY(append(db, makeEvent(QStringLiteral("client.registered"), QStringLiteral("app"), {},
                                     {{QStringLiteral("client_name"),
                                       QStringLiteral("Acme, \"Best\"\nApp")}})));
        QVERIFY(append(db, makeEvent(QStringLiteral("login.failed"), {}, QStringLiteral("=cmd"))));
        QVERIFY(append(db, makeEvent(QStringLiteral("token.issued"), QStringLiteral("app"),
                                     QStringLiteral("bob"))));
        Admin::Service admin(db);
        Core::AuditQuery query;
        query.filter.clientId = QStringLiteral("app");
        const QString path = m_dir.filePath(QStringLiteral("audit.csv"));
        auto written = Core::exportAuditCsv(admin, query, path);
        QVERIFY2(written.ok(), written.ok() ? "" : qPrintable(written.error().toString()));
        QCOMPARE(*written, 2);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray csv = file.readAll();
        QVERIFY(csv.startsWith(
            "id,time,type,actor,client_id,subject,remote_address,detail\r\n1,2025-01-01T"));
        QVERIFY2(csv.contains(",client.registered,system,app,,,\"{\"\"client_name\"\":\"\"Acme, "
                              "\\\"\"Best\\\"\"\\nApp\"\"}\"\r\n"),
                 csv.constData());
        QVERIFY(csv.contains(",token.issued,system,app,bob,,\r\n"));
        QVERIFY(!csv.contains("=cmd"));
        QVERIFY(csv.endsWith("\r\n"));

        // Everything, formula guarded.
        written = Core::exportAuditCsv(admin, {}, path);
        QVERIFY(written.ok());
        QCOMPARE(*written, 3);
        QFile again(path);
        QVERIFY(again.open(QIODevice::ReadOnly));
        QVERIFY(again.readAll().contains(",login.failed,system,,'=cmd,,\r\n"));

        // An unwritable path is an error that names it.
        const QString bad = m_dir.filePath(QStringLiteral("no/such/dir/audit.csv"));
        auto refused = Core::exportAuditCsv(admin, {}, bad);
        QVERIFY(!refused.ok());
        QVERIFY(refused.error().message.contains(bad));
    }

    void followerSeesOtherWriters()
    {
        auto db = open(QStringLiteral("follow.db"));
        QVERIFY(db);
        QVERIFY(append(db, makeEvent(QStringLiteral("old"), {}, {})));
        Core::AdminWorker worker(db, {});
        Core::AuditFollower follower;
        follower.setWorker(&worker);
        follower.setInterval(20);
        QSignalSpy arrived(&follower, &Core::AuditFollower::eventsArrived);
        follower.start();
        // Written on another connection (this thread's), as another process would.
        QTRY_VERIFY(follower.lastId() > 0);
        QVERIFY(append(db, makeEvent(QStringLiteral("new"), {}, {})));
        QTRY_COMPARE(arrived.size(), 1);
        const auto events = arrived.first().first().value<QList<Store::AuditEvent>>();
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().type, QStringLiteral("new"));
        follower.stop();
        QVERIFY(!follower.isFollowing());
    }
};

QTEST_GUILESS_MAIN(TestAuditModel)
#include "tst_auditmodel.moc"
