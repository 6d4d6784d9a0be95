// The demo tools' task table (store migration 2) on SQLite and PostgreSQL: the same SQL
// on both, and tasks private to their owner.
#include <QtTest>

#include "resource/taskrepository.h"
#include "store/errors.h"
#include "storebackends.h"

using Resource::TaskRepository;

class TestRsTasks final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void crud_data();
    void crud();

private:
    TestSupport::StoreBackends m_backends;
};

void TestRsTasks::initTestCase()
{
    const Core::Status started = m_backends.start();
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
}

void TestRsTasks::cleanupTestCase()
{
    m_backends.stop();
}

void TestRsTasks::crud_data()
{
    TestSupport::StoreBackends::addBackendRows();
}

void TestRsTasks::crud()
{
    QFETCH(QString, backend);
    auto db = m_backends.freshDatabase(backend);
    QVERIFY2(db.ok(), db.ok() ? "" : qPrintable(db.error().toString()));
    TaskRepository tasks(*db);
    auto first = tasks.create(QStringLiteral("alice"), QStringLiteral("one"));
    auto second = tasks.create(QStringLiteral("alice"), QStringLiteral("two"));
    auto foreign = tasks.create(QStringLiteral("bob"), QStringLiteral("bob's"));
    QVERIFY(first.ok() && second.ok() && foreign.ok());
    QVERIFY(second->id > first->id);

    auto list = tasks.list(QStringLiteral("alice"));
    QVERIFY(list.ok());
    QCOMPARE(list->size(), 2);
    QCOMPARE(list->at(0).title, QStringLiteral("one"));

    auto updated = tasks.update(QStringLiteral("alice"), first->id, QString(), true);
    QVERIFY(updated.ok());
    QCOMPARE(updated->title, QStringLiteral("one"));
    QVERIFY(updated->done);
    auto reread = tasks.get(QStringLiteral("alice"), first->id);
    QVERIFY(reread.ok() && reread->done);

    // Another owner's task does not exist for alice, in every operation.
    QCOMPARE(tasks.get(QStringLiteral("alice"), foreign->id).error().code,
             Store::ErrorCode::NotFound);
    QCOMPARE(
        tasks.update(QStringLiteral("alice"), foreign->id, QStringLiteral("x"), {}).error().code,
        Store::ErrorCode::NotFound);
    QCOMPARE(tasks.remove(QStringLiteral("alice"), foreign->id).error().code,
             Store::ErrorCode::NotFound);
    QVERIFY(tasks.get(QStringLiteral("bob"), foreign->id).ok());

    QVERIFY(tasks.remove(QStringLiteral("alice"), first->id).ok());
    QCOMPARE(tasks.remove(QStringLiteral("alice"), first->id).error().code,
             Store::ErrorCode::NotFound);
    QCOMPARE(tasks.list(QStringLiteral("alice"))->size(), 1);
}

QTEST_GUILESS_MAIN(TestRsTasks)
#include "tst_rs_tasks.moc"
