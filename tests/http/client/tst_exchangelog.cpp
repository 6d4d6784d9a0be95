#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include "crypto/mask.h"
#include "http/exchangelog.h"

using namespace Http;

namespace {

Exchange makeExchange(const QString &tag)
{
    Exchange exchange;
    exchange.side = Exchange::Side::Client;
    exchange.method = "POST";
    exchange.url = QStringLiteral("https://as.example/token");
    exchange.tag = tag;
    exchange.status = 200;
    return exchange;
}

} // namespace

class TestExchangeLog final : public QObject
{
    Q_OBJECT

private slots:
    void capacityDropsOldest();
    void idsIncrease();
    void truncation_data();
    void truncation();
    void maskingAppliedOnCapture();
    void maskingAppliedOnCaptureServer();
    void signalEmittedWithMaskedExchange();
    void signalQueuedToAnotherThread();
    void clear();
    void concurrentCaptures();
};

void TestExchangeLog::capacityDropsOldest()
{
    ExchangeLog log(3);
    QCOMPARE(log.capacity(), 3);
    for (int i = 0; i < 5; ++i)
        log.capture(makeExchange(QString::number(i)));
    QCOMPARE(log.size(), 3);
    const QList<Exchange> all = log.snapshot();
    QCOMPARE(all.size(), 3);
    QCOMPARE(all.at(0).tag, u"2"_qs);
    QCOMPARE(all.at(2).tag, u"4"_qs);
}

void TestExchangeLog::idsIncrease()
{
    ExchangeLog log(10);
    for (int i = 0; i < 4; ++i)
        log.capture(makeExchange({}));
    const QList<Exchange> all = log.snapshot();
    for (qsizetype i = 1; i < all.size(); ++i)
        QVERIFY(all.at(i).id > all.at(i - 1).id);
    QVERIFY(all.first().id > 0);
}

void TestExchangeLog::truncation_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("truncated");
    QTest::newRow("under") << 15 << false;
    QTest::newRow("at") << 16 << false;
    QTest::newRow("over") << 17 << true;
    QTest::newRow("far over") << 100000 << true;
}

void TestExchangeLog::truncation()
{
    QFETCH(int, size);
    QFETCH(bool, truncated);
    ExchangeLog log(10, 16);
    Exchange exchange = makeExchange({});
    exchange.requestBody = QByteArray(size, 'a');
    exchange.responseBody = QByteArray(size, 'b');
    log.capture(exchange);
    const Exchange stored = log.snapshot().first();
    QCOMPARE(stored.requestBody.size(), std::min(size, 16));
    QCOMPARE(stored.requestBodyTruncated, truncated);
    QCOMPARE(stored.responseBody.size(), std::min(size, 16));
    QCOMPARE(stored.responseBodyTruncated, truncated);
}

void TestExchangeLog::maskingAppliedOnCapture()
{
    ExchangeLog log(10, 1024);
    Exchange exchange = makeExchange({});
    exchange.url = QStringLiteral("https://as.example/cb?code=CODE-secret-1&state=s1");
    exchange.requestHeaders.add("Authorization", "Basic Y2xpZW50OnNlY3JldC12YWx1ZQ==");
    exchange.requestHeaders.add("Content-Type", "application/x-www-form-urlencoded");
    exchange.requestBody = "grant_type=refresh_token&refresh_token=RT-secret-2&scope=a";
    exchange.responseHeaders.add("Content-Type", "application/json");
    exchange.responseBody = R"({"access_token":"AT-secret-3","token_type":"Bearer"})";
    // A secret past the body limit must be masked before the cut, not cut in half.
    exchange.responseBody += QByteArray(2000, ' ');
    log.capture(exchange);
    const Exchange stored = log.snapshot().first();
    const QString all =
        stored.url + QString::fromUtf8(stored.requestBody + stored.responseBody +
                                       stored.requestHeaders.value("authorization"));
    for (const char *secret :
         {"CODE-secret-1", "RT-secret-2", "AT-secret-3", "Y2xpZW50OnNlY3JldC12YWx1ZQ=="})
        QVERIFY2(!all.contains(QLatin1StringView(secret)), secret);
    QVERIFY(stored.url.contains(u"state=s1"));
    QVERIFY(stored.requestBody.contains("grant_type=refresh_token"));
    QVERIFY(stored.responseBody.contains(R"("token_type":"Bearer")"));
    QVERIFY(stored.requestHeaders.value("authorization").startsWith("Basic "));
    QVERIFY(!stored.responseBodyTruncated); // compact JSON after masking fits
}

void TestExchangeLog::maskingAppliedOnCaptureServer()
{
    ExchangeLog log;
    Request request;
    request.method = "POST";
    request.target = "/token?client_secret=CS-secret-9";
    request.path = "/token";
    request.query = "client_secret=CS-secret-9";
    request.headers.add("Host", "127.0.0.1:8443");
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.headers.add("Cookie", "session=SESSION-secret");
    request.body = "code=CODE-secret-7&code_verifier=VERIFIER-secret-8&client_id=c1";
    request.peerAddress = QHostAddress::LocalHost;
    request.peerPort = 51000;
    request.secure = true;
    Response response;
    response.status = 200;
    response.headers.add("Content-Type", "application/json");
    response.headers.add("Set-Cookie", "session=SESSION-secret; HttpOnly");
    response.body = R"({"access_token":"AT-secret-10","refresh_token":"RT-secret-11"})";
    log.captureServer(request, response, 1500);

    const Exchange stored = log.snapshot().first();
    QCOMPARE(stored.side, Exchange::Side::Server);
    QCOMPARE(stored.method, QByteArray("POST"));
    QVERIFY2(stored.url.startsWith(u"https://127.0.0.1:8443/token?client_secret="),
             qPrintable(stored.url));
    QCOMPARE(stored.peer, u"127.0.0.1:51000"_qs);
    QCOMPARE(stored.status, 200);
    QCOMPARE(stored.durationMicros, 1500);
    QVERIFY(stored.startedAt.isValid());
    QCOMPARE(stored.startedAt.timeSpec(), Qt::UTC);
    QByteArray all = stored.url.toUtf8() + stored.requestBody + stored.responseBody;
    for (const auto &e : stored.requestHeaders.entries() + stored.responseHeaders.entries())
        all += e.second;
    for (const char *secret : {"CS-secret-9", "SESSION-secret", "CODE-secret-7",
                               "VERIFIER-secret-8", "AT-secret-10", "RT-secret-11"})
        QVERIFY2(!all.contains(secret), secret);
    QVERIFY(stored.requestBody.contains("client_id=c1"));
}

void TestExchangeLog::signalEmittedWithMaskedExchange()
{
    ExchangeLog log;
    QSignalSpy spy(&log, &ExchangeLog::exchangeCaptured);
    Exchange exchange = makeExchange(u"step-1"_qs);
    exchange.requestHeaders.add("Authorization", "Bearer AT-secret-42");
    log.capture(exchange);
    QCOMPARE(spy.count(), 1);
    const auto emitted = spy.at(0).at(0).value<Exchange>();
    QCOMPARE(emitted.tag, u"step-1"_qs);
    QCOMPARE(emitted.id, log.snapshot().first().id);
    QCOMPARE(emitted.requestHeaders.value("authorization"),
             QByteArray("Bearer ") + Crypto::maskSecret("AT-secret-42").toUtf8());
}

void TestExchangeLog::signalQueuedToAnotherThread()
{
    // A receiver in this thread gets captures made in a worker thread, queued.
    ExchangeLog log;
    QList<quint64> received;
    connect(&log, &ExchangeLog::exchangeCaptured, this,
            [&received](const Exchange &e) { received.append(e.id); });
    QThread *worker = QThread::create([&log] {
        for (int i = 0; i < 5; ++i)
            log.capture(makeExchange(u"worker"_qs));
    });
    worker->start();
    QVERIFY(worker->wait(10000));
    delete worker;
    QTRY_COMPARE(received.size(), 5);
}

void TestExchangeLog::clear()
{
    ExchangeLog log;
    QSignalSpy spy(&log, &ExchangeLog::cleared);
    log.capture(makeExchange({}));
    log.clear();
    QCOMPARE(log.size(), 0);
    QVERIFY(log.snapshot().isEmpty());
    QCOMPARE(spy.count(), 1);
}

void TestExchangeLog::concurrentCaptures()
{
    constexpr int threads = 4;
    constexpr int perThread = 500;
    ExchangeLog log(threads * perThread);
    std::atomic<int> emitted{0};
    connect(
        &log, &ExchangeLog::exchangeCaptured, &log, [&emitted] { ++emitted; },
        Qt::DirectConnection);
    QList<QThread *> workers;
    for (int t = 0; t < threads; ++t) {
        workers.append(QThread::create([&log, t] {
            for (int i = 0; i < perThread; ++i) {
                Exchange e = makeExchange(QString::number(t));
                e.requestHeaders.add("Authorization", "Bearer token-" + QByteArray::number(i));
                log.capture(std::move(e));
                if (i % 50 == 0)
                    (void)log.snapshot();
            }
        }));
    }
    for (QThread *w : workers)
        w->start();
    for (QThread *w : workers) {
        QVERIFY(w->wait(20000));
        delete w;
    }
    QCOMPARE(log.size(), threads * perThread);
    QCOMPARE(emitted.load(), threads * perThread);
    QSet<quint64> ids;
    const QList<Exchange> all = log.snapshot();
    for (qsizetype i = 0; i < all.size(); ++i) {
        ids.insert(all.at(i).id);
        if (i > 0)
            QVERIFY(all.at(i).id > all.at(i - 1).id);
    }
    QCOMPARE(ids.size(), threads * perThread);

    // Past capacity from several threads: the ring stays bounded.
    ExchangeLog small(10);
    QList<QThread *> more;
    for (int t = 0; t < threads; ++t)
        more.append(QThread::create([&small] {
            for (int i = 0; i < 200; ++i)
                small.capture(makeExchange({}));
        }));
    for (QThread *w : more)
        w->start();
    for (QThread *w : more) {
        QVERIFY(w->wait(20000));
        delete w;
    }
    QCOMPARE(small.size(), 10);
}

QTEST_MAIN(TestExchangeLog)
#include "tst_exchangelog.moc"
