// Database on both engines: migrations, schema version checks, transactions, connections
// per thread.
#include <latch>
#include <thread>

#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

#include "store/database.h"
#include "store/errors.h"
#include "store/settingsrepository.h"
#include "store/sqlutil.h"
#include "storebackends.h"

using namespace Store;

class TestStoreDatabase final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase_data() { TestSupport::StoreBackends::addBackendRows(); }
    void initTestCase()
    {
        const auto s = m_backends.start();
        QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
    }
    void cleanupTestCase() { m_backends.stop(); }

    void freshDatabaseIsMigrated();
    void pendingWithoutMigrate();
    void reopenIsIdempotent();
    void newerSchemaIsRefused();
    void transactionCommits();
    void transactionRollsBackOnError_data();
    void transactionRollsBackOnError();
    void nestedTransactionJoinsOuter();
    void connectionPerThread();
    void connectionsRemovedWithDatabase();
    void concurrentWritersAllCommit();

private:
    std::shared_ptr<Database> fresh(OpenOptions options = {})
    {
        QFETCH_GLOBAL(QString, backend);
        auto db = m_backends.freshDatabase(backend, std::move(options));
        if (!db)
            qWarning("%s", qPrintable(db.error().toString()));
        return db ? *db : nullptr;
    }
    static qint64 settingsCount(const std::shared_ptr<Database> &db)
    {
        auto all = SettingsRepository(db).all();
        return all ? all->size() : -1;
    }

    TestSupport::StoreBackends m_backends;
};

void TestStoreDatabase::freshDatabaseIsMigrated()
{
    auto db = fresh();
    QVERIFY(db);
    auto status = db->migrationStatus();
    QVERIFY(status.ok());
    QCOMPARE(status->currentVersion, status->latestVersion);
    QVERIFY(status->latestVersion >= 1);
    QVERIFY(status->pending.isEmpty());
    QCOMPARE(status->applied.size(), status->latestVersion);
    QCOMPARE(status->applied.first().version, 1);
    QCOMPARE(status->applied.first().name, QStringLiteral("initial schema"));
    QVERIFY(status->applied.first().appliedAt.value_or(0) > 0);

    QSqlDatabase conn = db->connection();
    QVERIFY(conn.isOpen());
    QStringList tables;
    for (const QString &t : conn.tables())
        tables.append(t.section(u'.', -1)); // PostgreSQL names tables outside public schema.table
    for (const char *table : {"schema_migrations", "clients", "users", "consents",
                              "authorization_codes", "tokens", "device_codes", "jti_replay",
                              "signing_keys", "audit_events", "rate_limit_windows", "settings"})
        QVERIFY2(tables.contains(QLatin1String(table)), table);
}

void TestStoreDatabase::pendingWithoutMigrate()
{
    OpenOptions options;
    options.migrate = false;
    auto db = fresh(options);
    QVERIFY(db);
    auto before = db->migrationStatus();
    QVERIFY(before.ok());
    QCOMPARE(before->currentVersion, 0);
    QVERIFY(before->applied.isEmpty());
    QCOMPARE(before->pending.size(), before->latestVersion);
    QCOMPARE(before->pending.first().name, QStringLiteral("initial schema"));
    QVERIFY(!before->pending.first().appliedAt);

    QVERIFY(db->migrate().ok());
    auto after = db->migrationStatus();
    QVERIFY(after.ok());
    QVERIFY(after->pending.isEmpty());
    QCOMPARE(after->currentVersion, after->latestVersion);
}

void TestStoreDatabase::reopenIsIdempotent()
{
    QFETCH_GLOBAL(QString, backend);
    auto url = m_backends.freshUrl(backend);
    QVERIFY(url.ok());
    auto first = Database::open(*url);
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
    auto status1 = (*first)->migrationStatus();
    QVERIFY(SettingsRepository(*first).setValue(QStringLiteral("k"), QStringLiteral("v")).ok());
    first->reset();

    auto second = Database::open(*url);
    QVERIFY(second.ok());
    QVERIFY((*second)->migrate().ok());
    auto status2 = (*second)->migrationStatus();
    QVERIFY(status1.ok() && status2.ok());
    QCOMPARE(status2->applied.size(), status1->applied.size());
    QCOMPARE(status2->applied.first().appliedAt, status1->applied.first().appliedAt);
    auto value = SettingsRepository(*second).value(QStringLiteral("k"));
    QVERIFY(value.ok());
    QCOMPARE(value->value_or(QString()), QStringLiteral("v"));
}

void TestStoreDatabase::newerSchemaIsRefused()
{
    QFETCH_GLOBAL(QString, backend);
    auto url = m_backends.freshUrl(backend);
    QVERIFY(url.ok());
    {
        auto db = Database::open(*url);
        QVERIFY(db.ok());
        QVERIFY((*db)
                    ->transaction([](QSqlDatabase &c) {
                        return Sql::run(c,
                                        QStringLiteral("INSERT INTO schema_migrations (version, "
                                                       "name, applied_at) VALUES (?, ?, ?)"),
                                        {999, QStringLiteral("from the future"), 1},
                                        QStringLiteral("test"));
                    })
                    .ok());
    }
    for (bool migrate : {true, false}) {
        OpenOptions options;
        options.migrate = migrate;
        auto db = Database::open(*url, options);
        QVERIFY(!db.ok());
        QCOMPARE(db.error().code, ErrorCode::SchemaTooNew);
        QVERIFY2(db.error().message.contains(QLatin1String("999")), qPrintable(db.error().message));
    }
}

void TestStoreDatabase::transactionCommits()
{
    auto db = fresh();
    QVERIFY(db);
    const auto s = db->transaction([](QSqlDatabase &c) {
        return Sql::run(c,
                        QStringLiteral("INSERT INTO settings (name, value, updated_at) VALUES "
                                       "('a', '1', 0)"),
                        {}, QStringLiteral("test"));
    });
    QVERIFY(s.ok());
    QCOMPARE(settingsCount(db), 1);
}

void TestStoreDatabase::transactionRollsBackOnError_data()
{
    QTest::addColumn<QString>("failure");
    QTest::newRow("work returns an error") << QStringLiteral("error");
    QTest::newRow("a statement fails") << QStringLiteral("sql");
    QTest::newRow("constraint violation") << QStringLiteral("duplicate");
}

void TestStoreDatabase::transactionRollsBackOnError()
{
    QFETCH(QString, failure);
    auto db = fresh();
    QVERIFY(db);
    QVERIFY(SettingsRepository(db).setValue(QStringLiteral("keep"), QStringLiteral("1")).ok());
    const auto s = db->transaction([&](QSqlDatabase &c) -> Core::Status {
        if (auto r = Sql::run(c,
                              QStringLiteral("INSERT INTO settings (name, value, updated_at) "
                                             "VALUES ('new', '1', 0)"),
                              {}, QStringLiteral("test"));
            !r)
            return r;
        if (auto r =
                Sql::run(c, QStringLiteral("UPDATE settings SET value = '2' WHERE name = 'keep'"),
                         {}, QStringLiteral("test"));
            !r)
            return r;
        if (failure == u"error")
            return Core::makeError(QStringLiteral("test"), QStringLiteral("changed my mind"));
        if (failure == u"sql")
            return Sql::run(c, QStringLiteral("SELECT no_such_column FROM settings"), {},
                            QStringLiteral("test"));
        return Sql::run(c,
                        QStringLiteral("INSERT INTO settings (name, value, updated_at) VALUES "
                                       "('keep', '3', 0)"),
                        {}, QStringLiteral("test"));
    });
    QVERIFY(!s.ok());
    if (failure == u"duplicate")
        QCOMPARE(s.error().code, ErrorCode::AlreadyExists);
    SettingsRepository settings(db);
    auto all = settings.all();
    QVERIFY(all.ok());
    QCOMPARE(all->size(), 1);
    QCOMPARE(all->value(QStringLiteral("keep")), QStringLiteral("1"));
    // The connection is usable after the rollback.
    QVERIFY(settings.setValue(QStringLiteral("after"), QStringLiteral("x")).ok());
}

void TestStoreDatabase::nestedTransactionJoinsOuter()
{
    auto db = fresh();
    QVERIFY(db);
    SettingsRepository settings(db);
    const auto s = db->transaction([&](QSqlDatabase &) -> Core::Status {
        if (auto r = settings.setValue(QStringLiteral("inner"), QStringLiteral("1")); !r)
            return r;
        return Core::makeError(QStringLiteral("test"), QStringLiteral("outer fails"));
    });
    QVERIFY(!s.ok());
    auto value = settings.value(QStringLiteral("inner"));
    QVERIFY(value.ok());
    QVERIFY(!value->has_value());
}

void TestStoreDatabase::connectionPerThread()
{
    auto db = fresh();
    QVERIFY(db);
    const QString mainName = db->connection().connectionName();
    constexpr int kThreads = 4;
    QStringList names(kThreads);
    QList<bool> ok(kThreads, false);
    {
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                QSqlDatabase conn = db->connection();
                names[i] = conn.connectionName();
                ok[i] = conn.isOpen() && db->connection().connectionName() == names[i] &&
                        SettingsRepository(db)
                            .setValue(QStringLiteral("t%1").arg(i), QString::number(i))
                            .ok();
            });
        }
        for (auto &t : threads)
            t.join();
    }
    QSet<QString> distinct(names.begin(), names.end());
    distinct.insert(mainName);
    QCOMPARE(distinct.size(), kThreads + 1);
    for (int i = 0; i < kThreads; ++i) {
        QVERIFY(ok[i]);
        // Removed when its thread finished.
        QVERIFY2(!QSqlDatabase::contains(names[i]), qPrintable(names[i]));
    }
    QVERIFY(QSqlDatabase::contains(mainName));
    QCOMPARE(settingsCount(db), kThreads);
}

void TestStoreDatabase::connectionsRemovedWithDatabase()
{
    auto db = fresh();
    QVERIFY(db);
    const QString name = db->connection().connectionName();
    QVERIFY(QSqlDatabase::contains(name));
    std::latch opened(1);
    std::latch release(1);
    QString threadName;
    std::thread worker([&] {
        threadName = db->connection().connectionName();
        opened.count_down();
        release.wait();
    });
    opened.wait();
    QVERIFY(QSqlDatabase::contains(threadName));
    db.reset();
    QVERIFY(!QSqlDatabase::contains(name));
    QVERIFY(!QSqlDatabase::contains(threadName));
    release.count_down();
    worker.join();
}

void TestStoreDatabase::concurrentWritersAllCommit()
{
    OpenOptions options;
    options.busyTimeoutMs = 20;
    options.maxAttempts = 50;
    auto db = fresh(options);
    QVERIFY(db);
    constexpr int kThreads = 4;
    constexpr int kWrites = 25;
    std::atomic<int> failures{0};
    std::latch go(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            SettingsRepository settings(db);
            go.arrive_and_wait();
            for (int i = 0; i < kWrites; ++i) {
                if (!settings.setValue(QStringLiteral("w%1-%2").arg(t).arg(i), QStringLiteral("x")))
                    ++failures;
            }
        });
    }
    for (auto &t : threads)
        t.join();
    QCOMPARE(failures.load(), 0);
    QCOMPARE(settingsCount(db), kThreads * kWrites);
}

QTEST_GUILESS_MAIN(TestStoreDatabase)
#include "tst_store_database.moc"
