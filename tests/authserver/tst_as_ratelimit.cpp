#include <QSqlQuery>
#include <QtTest>

#include "asfixture.h"
#include "authserver/oauth.h"
#include "authserver/ratelimiter.h"
#include "basetestsupport.h"

using namespace TestSupport;
using Auth::RateLimit;
using Auth::RateLimiter;

class TestAsRateLimit final : public BaseTestCase
{
    Q_OBJECT

private:
    /// Moves the clock to the start of a window of `windowSeconds`, plus `offsetMs`.
    void alignTo(int windowSeconds, qint64 offsetMs = 0)
    {
        const qint64 window = qint64(windowSeconds) * 1000;
        m_env->advance(window - m_env->now() % window + offsetMs);
    }

    RateLimiter::Decision hit(const QString &key, const RateLimit &limit)
    {
        return m_env->context().rateLimiter().hit(key, limit);
    }

private slots:
    void limitWithinWindow()
    {
        QVERIFY(startEnvironment());
        const RateLimit limit{3, 60};
        alignTo(60);
        for (int i = 0; i < 3; ++i)
            QVERIFY(hit(QStringLiteral("k"), limit).allowed);
        const RateLimiter::Decision refused = hit(QStringLiteral("k"), limit);
        QVERIFY(!refused.allowed);
        // The window is full: the next one must start, and the previous window's weight
        // (3 hits) must fall to 2 so one more fits: 60 s + 20 s.
        QCOMPARE(refused.retryAfterSeconds, 80);
        // Other keys are counted separately.
        QVERIFY(hit(QStringLiteral("other"), limit).allowed);
        // Refused hits are not counted: retrying while refused does not extend the wait.
        for (int i = 0; i < 5; ++i)
            QCOMPARE(hit(QStringLiteral("k"), limit).retryAfterSeconds, 80);
        m_env->advance(79000);
        QVERIFY(!hit(QStringLiteral("k"), limit).allowed);
        m_env->advance(1000);
        QVERIFY(hit(QStringLiteral("k"), limit).allowed);
    }

    void retryAfterIsExact_data()
    {
        QTest::addColumn<int>("limit");
        QTest::addColumn<int>("window");
        QTest::addColumn<int>("previousHits");
        QTest::addColumn<int>("offsetMs"); ///< into the current window
        QTest::newRow("full window, start") << 3 << 60 << 0 << 0;
        QTest::newRow("full window, middle") << 3 << 60 << 0 << 30000;
        QTest::newRow("previous weighs, middle") << 3 << 60 << 3 << 30000;
        QTest::newRow("previous weighs, early") << 10 << 10 << 10 << 1000;
        QTest::newRow("previous weighs, late") << 5 << 100 << 5 << 90000;
        QTest::newRow("limit one") << 1 << 1 << 1 << 0;
        QTest::newRow("long window") << 2 << 3600 << 2 << 1800000;
        QTest::newRow("uneven thirds") << 3 << 7 << 2 << 1234;
        QTest::newRow("big limit") << 100 << 60 << 77 << 45678;
    }

    void retryAfterIsExact()
    {
        QFETCH(int, limit);
        QFETCH(int, window);
        QFETCH(int, previousHits);
        QFETCH(int, offsetMs);
        QVERIFY(startEnvironment());
        const RateLimit rate{limit, window};
        const QString key = QStringLiteral("exact");
        alignTo(window);
        QVERIFY(previousHits <= limit);
        for (int i = 0; i < previousHits; ++i)
            QVERIFY(hit(key, rate).allowed);
        m_env->advance(qint64(window) * 1000 + offsetMs);
        RateLimiter::Decision decision;
        int passed = 0;
        while ((decision = hit(key, rate)).allowed && passed <= limit)
            ++passed;
        QVERIFY(passed <= limit);
        QVERIFY(decision.retryAfterSeconds >= 1);
        // One second earlier than promised is still refused; at the promise a hit passes.
        if (decision.retryAfterSeconds > 1) {
            m_env->advance(qint64(decision.retryAfterSeconds - 1) * 1000);
            QVERIFY(!hit(key, rate).allowed);
            m_env->advance(1000);
        } else {
            m_env->advance(1000);
        }
        QVERIFY(hit(key, rate).allowed);
    }

    void slidingWindowWeighsPreviousWindow()
    {
        QVERIFY(startEnvironment());
        const RateLimit limit{4, 60};
        alignTo(60);
        for (int i = 0; i < 4; ++i)
            QVERIFY(hit(QStringLiteral("s"), limit).allowed);
        // Half-way through the next window, half of the previous hits still count.
        m_env->advance(90000);
        QVERIFY(hit(QStringLiteral("s"), limit).allowed); // 2 + 1
        QVERIFY(hit(QStringLiteral("s"), limit).allowed); // 2 + 2
        QVERIFY(!hit(QStringLiteral("s"), limit).allowed);
        // Two windows later nothing counts.
        m_env->advance(120000);
        for (int i = 0; i < 4; ++i)
            QVERIFY(hit(QStringLiteral("s"), limit).allowed);
    }

    void zeroLimitIsOff()
    {
        QVERIFY(startEnvironment());
        for (int i = 0; i < 50; ++i)
            QVERIFY(hit(QStringLiteral("off"), RateLimit{0, 60}).allowed);
    }

    void sharedAcrossServers()
    {
        QVERIFY(startEnvironment());
        const RateLimit limit{2, 60};
        alignTo(60);
        auto other = m_env->makeContext(m_env->context().config());
        QVERIFY(hit(QStringLiteral("shared"), limit).allowed);
        QVERIFY(other->rateLimiter().hit(QStringLiteral("shared"), limit).allowed);
        QVERIFY(!hit(QStringLiteral("shared"), limit).allowed);
        QVERIFY(!other->rateLimiter().hit(QStringLiteral("shared"), limit).allowed);
    }

    void failsOpenOnStoreError()
    {
        QVERIFY(startEnvironment());
        {
            QSqlDatabase connection = m_env->db()->connection();
            QSqlQuery query(connection);
            QVERIFY(query.exec(QStringLiteral("DROP TABLE rate_limit_windows")));
        }
        for (int i = 0; i < 5; ++i)
            QVERIFY(hit(QStringLiteral("broken"), RateLimit{1, 60}).allowed);
    }

    void tooManyRequestsResponse()
    {
        const Http::Response response = Auth::tooManyRequests(42);
        QCOMPARE(response.status, 429);
        QCOMPARE(response.headers.value("Retry-After"), QByteArray("42"));
        QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
        QVERIFY(response.body.contains("\"error\""));
        QCOMPARE(Auth::tooManyRequests(0).headers.value("Retry-After"), QByteArray("1"));
    }

    void http429WithRetryAfter()
    {
        Auth::Config config;
        config.registerPerAddress = {1, 60};
        QVERIFY(startServer(config));
        AsFixture &as = *m_as;
        const Http::ClientResponse first = as.postJson(QStringLiteral("/register"), QJsonObject());
        QVERIFY(first.status != 429);
        const Http::ClientResponse second = as.postJson(QStringLiteral("/register"), QJsonObject());
        QCOMPARE(second.status, 429);
        bool ok = false;
        const int retryAfter = second.headers.value("Retry-After").toInt(&ok);
        QVERIFY(ok);
        QVERIFY(retryAfter >= 1 && retryAfter <= 120);
        QVERIFY(!AsFixture::json(second).value(QStringLiteral("error")).toString().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestAsRateLimit)
#include "tst_as_ratelimit.moc"
