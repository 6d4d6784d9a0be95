// JTI replay, signing keys, audit log, settings and rate-limit windows on SQLite and
// PostgreSQL.
#include <latch>
#include <thread>

#include <QJsonObject>
#include <QTest>

#include "store/auditrepository.h"
#include "store/errors.h"
#include "store/jtirepository.h"
#include "store/ratelimitrepository.h"
#include "store/settingsrepository.h"
#include "store/signingkeyrepository.h"
#include "storetestcase.h"

using namespace Store;

class TestStoreMisc final : public TestSupport::StoreTestCase
{
    Q_OBJECT

private slots:
    void jtiReplay_data();
    void jtiReplay();
    void jtiConcurrent();
    void jtiPrune();
    void signingKeyRotation();
    void auditAppendAndFilter_data();
    void auditAppendAndFilter();
    void auditTail();
    void settings();
    void rateLimitCounts();
    void rateLimitConcurrent();
};

void TestStoreMisc::jtiReplay_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("jti");
    QTest::addColumn<qint64>("wait");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("same key and jti, still valid") << "client-a"
                                                   << "j1" << qint64(0) << false;
    QTest::newRow("one ms before expiry") << "client-a"
                                          << "j1" << qint64(59999) << false;
    QTest::newRow("at expiry the entry is gone") << "client-a"
                                                 << "j1" << qint64(60000) << true;
    QTest::newRow("same jti, other key") << "client-b"
                                         << "j1" << qint64(0) << true;
    QTest::newRow("other jti") << "client-a"
                               << "j2" << qint64(0) << true;
}

void TestStoreMisc::jtiReplay()
{
    QFETCH(QString, key);
    QFETCH(QString, jti);
    QFETCH(qint64, wait);
    QFETCH(bool, accepted);
    auto db = freshDatabase();
    QVERIFY(db);
    JtiRepository repo(db);
    QVERIFY(repo.remember(QStringLiteral("client-a"), QStringLiteral("j1"), now() + 60000).ok());
    advance(wait);
    const auto second = repo.remember(key, jti, now() + 60000);
    QCOMPARE(second.ok(), accepted);
    if (!accepted) {
        QCOMPARE(second.error().code, ErrorCode::Replay);
    } else {
        // Once accepted again, it is remembered again.
        QCOMPARE(repo.remember(key, jti, now() + 60000).error().code, ErrorCode::Replay);
    }
    QCOMPARE(repo.remember(QString(), jti, now()).error().code, ErrorCode::InvalidArgument);
}

void TestStoreMisc::jtiConcurrent()
{
    auto db = freshDatabase();
    QVERIFY(db);
    constexpr int kThreads = 4;
    for (int round = 0; round < 5; ++round) {
        std::latch go(kThreads);
        std::atomic<int> accepted{0};
        std::atomic<int> replays{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i) {
            threads.emplace_back([&] {
                JtiRepository repo(db);
                go.arrive_and_wait();
                const auto s = repo.remember(QStringLiteral("k"), QStringLiteral("j%1").arg(round),
                                             now() + 1000);
                if (s)
                    ++accepted;
                else if (s.error().code == ErrorCode::Replay)
                    ++replays;
            });
        }
        for (auto &t : threads)
            t.join();
        QCOMPARE(accepted.load(), 1);
        QCOMPARE(replays.load(), kThreads - 1);
    }
}

void TestStoreMisc::jtiPrune()
{
    auto db = freshDatabase();
    QVERIFY(db);
    JtiRepository repo(db);
    QVERIFY(repo.remember(QStringLiteral("k"), QStringLiteral("short"), now() + 1000).ok());
    QVERIFY(repo.remember(QStringLiteral("k"), QStringLiteral("long"), now() + 100000).ok());
    advance(1000);
    auto pruned = repo.prune();
    QVERIFY(pruned.ok());
    QCOMPARE(*pruned, 1);
    QCOMPARE(repo.remember(QStringLiteral("k"), QStringLiteral("long"), now()).error().code,
             ErrorCode::Replay);
}

void TestStoreMisc::signingKeyRotation()
{
    auto db = freshDatabase();
    QVERIFY(db);
    SigningKeyRepository repo(db);
    QCOMPARE(repo.current().error().code, ErrorCode::NotFound);
    SigningKey k1{QStringLiteral("k1"),
                  QStringLiteral("ES256"),
                  QStringLiteral("-----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY-----\n"),
                  QStringLiteral("{\"kty\":\"EC\",\"kid\":\"k1\"}"),
                  0,
                  {},
                  {},
                  {}};
    QVERIFY(repo.insert(k1).ok());
    QVERIFY(repo.activate(QStringLiteral("k1"), 0).ok());
    QCOMPARE(repo.current()->kid, QStringLiteral("k1"));
    QCOMPARE(repo.current()->privateKeyPem, k1.privateKeyPem);

    advance(1000);
    SigningKey k2 = k1;
    k2.kid = QStringLiteral("k2");
    QVERIFY(repo.insert(k2).ok());
    QCOMPARE(repo.insert(k2).error().code, ErrorCode::AlreadyExists);
    auto active = repo.activate(QStringLiteral("k2"), now() + 3600000);
    QVERIFY(active.ok());
    QCOMPARE(active->activatedAt.value_or(0), now());
    QCOMPARE(repo.current()->kid, QStringLiteral("k2"));
    auto old = repo.get(QStringLiteral("k1"));
    QCOMPARE(old->retiredAt.value_or(0), now());
    QCOMPARE(old->expiresAt.value_or(0), now() + 3600000);

    auto published = repo.published();
    QCOMPARE(published->size(), 2);
    advance(3600000);
    published = repo.published();
    QCOMPARE(published->size(), 1);
    QCOMPARE(published->first().kid, QStringLiteral("k2"));
    QCOMPARE(repo.list()->size(), 2);
    QCOMPARE(repo.activate(QStringLiteral("nope"), 0).error().code, ErrorCode::NotFound);
    QVERIFY(repo.remove(QStringLiteral("k1")).ok());
    QCOMPARE(repo.remove(QStringLiteral("k1")).error().code, ErrorCode::NotFound);
    SigningKey incomplete;
    incomplete.kid = QStringLiteral("k3");
    QCOMPARE(repo.insert(incomplete).error().code, ErrorCode::InvalidArgument);
}

void TestStoreMisc::auditAppendAndFilter_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("client");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<qint64>("since");
    QTest::addColumn<int>("expected");
    QTest::newRow("all") << ""
                         << ""
                         << "" << qint64(-1) << 4;
    QTest::newRow("type") << "token.issued"
                          << ""
                          << "" << qint64(-1) << 2;
    QTest::newRow("client") << ""
                            << "c2"
                            << "" << qint64(-1) << 1;
    QTest::newRow("subject") << ""
                             << ""
                             << "alice" << qint64(-1) << 2;
    QTest::newRow("since") << ""
                           << ""
                           << "" << qint64(2000) << 2;
    QTest::newRow("type and client") << "token.issued"
                                     << "c1"
                                     << "" << qint64(-1) << 1;
}

void TestStoreMisc::auditAppendAndFilter()
{
    QFETCH(QString, type);
    QFETCH(QString, client);
    QFETCH(QString, subject);
    QFETCH(qint64, since);
    QFETCH(int, expected);
    auto db = freshDatabase();
    QVERIFY(db);
    AuditRepository repo(db);
    const struct
    {
        const char *type, *client, *subject;
    } events[] = {{"token.issued", "c1", "alice"},
                  {"token.issued", "c2", "bob"},
                  {"login.failed", "", "alice"},
                  {"token.revoked", "c1", ""}};
    for (const auto &e : events) {
        AuditEvent ev;
        ev.type = QString::fromLatin1(e.type);
        ev.actor = QStringLiteral("test");
        ev.clientId = QString::fromLatin1(e.client);
        ev.subject = QString::fromLatin1(e.subject);
        ev.detail = QJsonObject{{QStringLiteral("token"), QStringLiteral("mcp_…#12345678")}};
        ev.remoteAddress = QStringLiteral("127.0.0.1");
        auto stored = repo.append(ev);
        QVERIFY(stored.ok());
        QVERIFY(stored->id > 0);
        QCOMPARE(stored->occurredAt, now());
        advance(1000);
    }
    AuditFilter f;
    f.type = type;
    f.clientId = client;
    f.subject = subject;
    if (since >= 0)
        f.since = kStart + since;
    auto listed = repo.list(f);
    QVERIFY(listed.ok());
    QCOMPARE(listed->size(), expected);
    for (int i = 1; i < listed->size(); ++i)
        QVERIFY(listed->at(i - 1).id < listed->at(i).id);
    QCOMPARE(listed->first().detail.value(QStringLiteral("token")).toString(),
             QStringLiteral("mcp_…#12345678"));
}

void TestStoreMisc::auditTail()
{
    auto db = freshDatabase();
    QVERIFY(db);
    AuditRepository repo(db);
    for (int i = 0; i < 10; ++i) {
        AuditEvent ev;
        ev.type = QStringLiteral("e%1").arg(i);
        QVERIFY(repo.append(ev).ok());
        advance(10);
    }
    auto tail = repo.tail(3);
    QVERIFY(tail.ok());
    QCOMPARE(tail->size(), 3);
    QCOMPARE(tail->at(0).type, QStringLiteral("e7"));
    QCOMPARE(tail->at(2).type, QStringLiteral("e9"));
    AuditFilter follow;
    follow.afterId = tail->at(1).id;
    QCOMPARE(repo.list(follow)->size(), 1);
    auto purged = repo.purgeBefore(kStart + 50);
    QVERIFY(purged.ok());
    QCOMPARE(*purged, 5);
    QCOMPARE(repo.append(AuditEvent{}).error().code, ErrorCode::InvalidArgument);
}

void TestStoreMisc::settings()
{
    auto db = freshDatabase();
    QVERIFY(db);
    SettingsRepository repo(db);
    auto missing = repo.value(QStringLiteral("issuer"));
    QVERIFY(missing.ok());
    QVERIFY(!missing->has_value());
    QVERIFY(repo.setValue(QStringLiteral("issuer"), QStringLiteral("http://127.0.0.1:9000")).ok());
    QVERIFY(repo.setValue(QStringLiteral("issuer"), QStringLiteral("http://127.0.0.1:9001")).ok());
    QVERIFY(repo.setValue(QStringLiteral("empty"), QString()).ok());
    QCOMPARE(repo.value(QStringLiteral("issuer"))->value_or(QString()),
             QStringLiteral("http://127.0.0.1:9001"));
    QCOMPARE(repo.value(QStringLiteral("empty"))->value_or(QStringLiteral("x")), QString());
    QCOMPARE(repo.all()->size(), 2);
    QVERIFY(repo.remove(QStringLiteral("issuer")).ok());
    QCOMPARE(repo.remove(QStringLiteral("issuer")).error().code, ErrorCode::NotFound);
    QCOMPARE(repo.setValue(QString(), QStringLiteral("v")).error().code,
             ErrorCode::InvalidArgument);
}

void TestStoreMisc::rateLimitCounts()
{
    auto db = freshDatabase();
    QVERIFY(db);
    RateLimitRepository repo(db);
    QCOMPARE(*repo.count(QStringLiteral("token:1.2.3.4"), 0), 0);
    QCOMPARE(*repo.increment(QStringLiteral("token:1.2.3.4"), 0), 1);
    QCOMPARE(*repo.increment(QStringLiteral("token:1.2.3.4"), 0), 2);
    QCOMPARE(*repo.increment(QStringLiteral("token:1.2.3.4"), 0, 5), 7);
    QCOMPARE(*repo.increment(QStringLiteral("token:1.2.3.4"), 60000), 1);
    QCOMPARE(*repo.increment(QStringLiteral("token:5.6.7.8"), 0), 1);
    QCOMPARE(*repo.count(QStringLiteral("token:1.2.3.4"), 0), 7);
    QCOMPARE(*repo.prune(60000), 2);
    QCOMPARE(*repo.count(QStringLiteral("token:1.2.3.4"), 0), 0);
    QCOMPARE(*repo.count(QStringLiteral("token:1.2.3.4"), 60000), 1);
}

void TestStoreMisc::rateLimitConcurrent()
{
    auto db = freshDatabase();
    QVERIFY(db);
    constexpr int kThreads = 4;
    constexpr int kHits = 20;
    std::latch go(kThreads);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&] {
            RateLimitRepository repo(db);
            go.arrive_and_wait();
            for (int h = 0; h < kHits; ++h) {
                if (!repo.increment(QStringLiteral("shared"), 0))
                    ++failures;
            }
        });
    }
    for (auto &t : threads)
        t.join();
    QCOMPARE(failures.load(), 0);
    QCOMPARE(*RateLimitRepository(db).count(QStringLiteral("shared"), 0), kThreads * kHits);
}

QTEST_GUILESS_MAIN(TestStoreMisc)
#include "tst_store_misc.moc"
