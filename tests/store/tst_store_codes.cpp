// Authorization codes and device codes on SQLite and PostgreSQL: single use under
// concurrency, expiry, the device polling state machine.
#include <latch>
#include <thread>

#include <QTest>

#include "store/authorizationcoderepository.h"
#include "store/devicecoderepository.h"
#include "store/errors.h"
#include "storetestcase.h"

using namespace Store;

class TestStoreCodes final : public TestSupport::StoreTestCase
{
    Q_OBJECT

private slots:
    void codeInsertAndConsume();
    void codeConsumeErrors_data();
    void codeConsumeErrors();
    void codeSingleUseUnderConcurrency();
    void codePurge();
    void deviceFlowApproved();
    void deviceDecisions_data();
    void deviceDecisions();
    void devicePollOutcomes_data();
    void devicePollOutcomes();
    void deviceUserCodeUnique();

private:
    AuthorizationCode makeCode(const QByteArray &clear, qint64 lifetimeMs) const
    {
        AuthorizationCode c;
        c.code = SecretHash::fromSecret(clear);
        c.clientId = QStringLiteral("c1");
        c.subject = QStringLiteral("alice");
        c.redirectUri = QStringLiteral("http://127.0.0.1:5000/cb");
        c.scope = QStringLiteral("read write");
        c.resource = QStringLiteral("https://rs.example/mcp");
        c.codeChallenge = QStringLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        c.codeChallengeMethod = QStringLiteral("S256");
        c.expiresAt = now() + lifetimeMs;
        return c;
    }
    DeviceCode makeDevice(const QByteArray &clear, const QString &userCode) const
    {
        DeviceCode d;
        d.deviceCode = SecretHash::fromSecret(clear);
        d.userCode = userCode;
        d.clientId = QStringLiteral("c1");
        d.scope = QStringLiteral("read");
        d.intervalSeconds = 5;
        d.expiresAt = now() + 600000;
        return d;
    }
};

void TestStoreCodes::codeInsertAndConsume()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    AuthorizationCodeRepository repo(db);
    auto stored = repo.insert(makeCode("code-1", 60000));
    QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error().toString()));
    QVERIFY(stored->id > 0);
    QCOMPARE(stored->createdAt, now());
    QVERIFY(!stored->usedAt);
    advance(1000);
    auto consumed = repo.consume(SecretHash::fromSecret("code-1"));
    QVERIFY(consumed.ok());
    QCOMPARE(consumed->id, stored->id);
    QCOMPARE(consumed->usedAt.value_or(0), now());
    QCOMPARE(consumed->resource, QStringLiteral("https://rs.example/mcp"));
    QCOMPARE(consumed->codeChallengeMethod, QStringLiteral("S256"));
    auto again = repo.consume(SecretHash::fromSecret("code-1"));
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code, ErrorCode::Reused);
    QVERIFY(!again.error().message.contains(QLatin1String("code-1")));
    // The caller can still find the code to revoke what it issued.
    QCOMPARE(repo.findByHash(SecretHash::fromSecret("code-1"))->id, stored->id);
}

void TestStoreCodes::codeConsumeErrors_data()
{
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("code");
    QTest::newRow("unknown code") << "unknown" << ErrorCode::NotFound;
    QTest::newRow("expired code") << "expired" << ErrorCode::Expired;
    QTest::newRow("used code") << "used" << ErrorCode::Reused;
}

void TestStoreCodes::codeConsumeErrors()
{
    QFETCH(QString, which);
    QFETCH(QString, code);
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    AuthorizationCodeRepository repo(db);
    QVERIFY(repo.insert(makeCode("expired", 1000)).ok());
    QVERIFY(repo.insert(makeCode("used", 60000)).ok());
    QVERIFY(repo.consume(SecretHash::fromSecret("used")).ok());
    advance(1000); // "expired" expires exactly now
    auto result = repo.consume(SecretHash::fromSecret(which.toLatin1()));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, code);
    if (which == u"expired") // an expired code is not marked used
        QVERIFY(!repo.findByHash(SecretHash::fromSecret("expired"))->usedAt);
}

void TestStoreCodes::codeSingleUseUnderConcurrency()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    AuthorizationCodeRepository repo(db);
    constexpr int kRounds = 10;
    constexpr int kThreads = 3;
    for (int round = 0; round < kRounds; ++round) {
        const QByteArray clear = QByteArray("race-").append(QByteArray::number(round));
        QVERIFY(repo.insert(makeCode(clear, 60000)).ok());
        std::latch go(kThreads);
        std::vector<QString> outcomes(kThreads);
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&, i] {
                AuthorizationCodeRepository mine(db);
                go.arrive_and_wait();
                auto r = mine.consume(SecretHash::fromSecret(clear));
                outcomes[i] = r.ok() ? QStringLiteral("won") : r.error().code;
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(std::count(outcomes.begin(), outcomes.end(), QStringLiteral("won")), 1);
        QCOMPARE(std::count(outcomes.begin(), outcomes.end(), ErrorCode::Reused), kThreads - 1);
    }
}

void TestStoreCodes::codePurge()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    AuthorizationCodeRepository repo(db);
    QVERIFY(repo.insert(makeCode("old", 1000)).ok());
    QVERIFY(repo.insert(makeCode("new", 600000)).ok());
    advance(5000);
    auto purged = repo.purgeExpired(now());
    QVERIFY(purged.ok());
    QCOMPARE(*purged, 1);
    QCOMPARE(repo.findByHash(SecretHash::fromSecret("old")).error().code, ErrorCode::NotFound);
    QVERIFY(repo.findByHash(SecretHash::fromSecret("new")).ok());
}

void TestStoreCodes::deviceFlowApproved()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    DeviceCodeRepository repo(db);
    const auto device = SecretHash::fromSecret("device-1");
    auto stored = repo.insert(makeDevice("device-1", QStringLiteral("BCDFGHJK")));
    QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error().toString()));
    QCOMPARE(stored->status, DeviceCodeStatus::Pending);

    auto first = repo.poll(device);
    QVERIFY(first.ok());
    QCOMPARE(first->outcome, DevicePollOutcome::Pending);
    QCOMPARE(first->code.lastPollAt.value_or(0), now());

    advance(5000);
    auto approved = repo.approve(QStringLiteral("BCDFGHJK"), QStringLiteral("alice"));
    QVERIFY(approved.ok());
    QCOMPARE(approved->status, DeviceCodeStatus::Approved);
    QCOMPARE(approved->subject, QStringLiteral("alice"));

    auto granted = repo.poll(device);
    QVERIFY(granted.ok());
    QCOMPARE(granted->outcome, DevicePollOutcome::Approved);
    QCOMPARE(granted->code.status, DeviceCodeStatus::Consumed);
    QCOMPARE(granted->code.subject, QStringLiteral("alice"));

    advance(5000);
    auto replay = repo.poll(device);
    QVERIFY(replay.ok());
    QCOMPARE(replay->outcome, DevicePollOutcome::AlreadyConsumed);

    auto unknown = repo.poll(SecretHash::fromSecret("nope"));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, ErrorCode::NotFound);
}

void TestStoreCodes::deviceDecisions_data()
{
    QTest::addColumn<QString>("setup");
    QTest::addColumn<QString>("code");
    QTest::newRow("unknown user code") << "unknown" << ErrorCode::NotFound;
    QTest::newRow("already approved") << "approved" << ErrorCode::InvalidState;
    QTest::newRow("already denied") << "denied" << ErrorCode::InvalidState;
    QTest::newRow("expired") << "expired" << ErrorCode::Expired;
}

void TestStoreCodes::deviceDecisions()
{
    QFETCH(QString, setup);
    QFETCH(QString, code);
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    DeviceCodeRepository repo(db);
    QVERIFY(repo.insert(makeDevice("d", QStringLiteral("WXYZWXYZ"))).ok());
    const QString userCode =
        setup == u"unknown" ? QStringLiteral("NOPENOPE") : QStringLiteral("WXYZWXYZ");
    if (setup == u"approved")
        QVERIFY(repo.approve(userCode, QStringLiteral("alice")).ok());
    if (setup == u"denied")
        QVERIFY(repo.deny(userCode, QStringLiteral("alice")).ok());
    if (setup == u"expired")
        advance(600000);
    auto result = repo.approve(userCode, QStringLiteral("bob"));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, code);
    if (setup != u"unknown")
        QVERIFY(repo.findByUserCode(userCode)->subject != u"bob");
}

void TestStoreCodes::devicePollOutcomes_data()
{
    QTest::addColumn<QString>("setup");
    QTest::addColumn<qint64>("wait");
    QTest::addColumn<int>("outcome");
    QTest::addColumn<int>("interval");
    QTest::newRow("pending after the interval")
        << "" << qint64(5000) << int(DevicePollOutcome::Pending) << 5;
    QTest::newRow("too fast: slow_down, +5 s")
        << "" << qint64(4999) << int(DevicePollOutcome::SlowDown) << 10;
    QTest::newRow("denied") << "deny" << qint64(5000) << int(DevicePollOutcome::Denied) << 5;
    QTest::newRow("expired") << "" << qint64(600000) << int(DevicePollOutcome::Expired) << 5;
    QTest::newRow("approved but polled too fast")
        << "approve" << qint64(1000) << int(DevicePollOutcome::SlowDown) << 10;
}

void TestStoreCodes::devicePollOutcomes()
{
    QFETCH(QString, setup);
    QFETCH(qint64, wait);
    QFETCH(int, outcome);
    QFETCH(int, interval);
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    DeviceCodeRepository repo(db);
    QVERIFY(repo.insert(makeDevice("d", QStringLiteral("QRSTQRST"))).ok());
    QCOMPARE(repo.poll(SecretHash::fromSecret("d"))->outcome, DevicePollOutcome::Pending);
    if (setup == u"deny")
        QVERIFY(repo.deny(QStringLiteral("QRSTQRST"), QStringLiteral("alice")).ok());
    if (setup == u"approve")
        QVERIFY(repo.approve(QStringLiteral("QRSTQRST"), QStringLiteral("alice")).ok());
    advance(wait);
    auto polled = repo.poll(SecretHash::fromSecret("d"));
    QVERIFY(polled.ok());
    QCOMPARE(int(polled->outcome), outcome);
    QCOMPARE(polled->code.intervalSeconds, interval);
    QCOMPARE(polled->code.lastPollAt.value_or(0), now());
    if (setup == u"approve") // slow_down did not consume the approval
        QCOMPARE(polled->code.status, DeviceCodeStatus::Approved);
}

void TestStoreCodes::deviceUserCodeUnique()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    DeviceCodeRepository repo(db);
    QVERIFY(repo.insert(makeDevice("d1", QStringLiteral("AAAABBBB"))).ok());
    auto clash = repo.insert(makeDevice("d2", QStringLiteral("AAAABBBB")));
    QVERIFY(!clash.ok());
    QCOMPARE(clash.error().code, ErrorCode::AlreadyExists);
    auto bad = repo.insert(makeDevice("d3", QString()));
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
    QVERIFY(repo.purgeExpired(now() + 600001).ok());
    QCOMPARE(repo.findByUserCode(QStringLiteral("AAAABBBB")).error().code, ErrorCode::NotFound);
}

QTEST_GUILESS_MAIN(TestStoreCodes)
#include "tst_store_codes.moc"
