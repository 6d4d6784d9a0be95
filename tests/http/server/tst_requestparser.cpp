#include <QTest>

#include "http/requestparser.h"

using Http::ParserLimits;
using Http::Request;
using Http::RequestParser;

namespace {

QByteArray headerOfSize(qsizetype total)
{
    // A request whose header block (up to and including the final CRLF) is `total` bytes.
    const QByteArray head = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    const QByteArray tail = "\r\n\r\n";
    return head + QByteArray(total - head.size() - tail.size(), 'a') + tail;
}

struct Outcome
{
    int status = 0; ///< 0 = a request was parsed
    bool closes = false;
    QList<Request> requests;
};

Outcome parse(const QByteArray &raw, qsizetype split = -1)
{
    RequestParser parser(ParserLimits{16 * 1024, 1024});
    if (split < 0) {
        parser.feed(raw);
    } else {
        parser.feed(QByteArrayView(raw).first(split));
        parser.feed(QByteArrayView(raw).sliced(split));
    }
    Outcome outcome;
    while (parser.hasRequest())
        outcome.requests.append(parser.takeRequest());
    if (parser.hasError()) {
        outcome.status = parser.error().status;
        outcome.closes = true;
    } else if (!outcome.requests.isEmpty()) {
        outcome.closes = !RequestParser::keepAlive(outcome.requests.last());
    } else {
        outcome.status = -1; // incomplete
    }
    return outcome;
}

} // namespace

class TestRequestParser : public QObject
{
    Q_OBJECT

private slots:
    void table_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<int>("status"); // 0 = parsed
        QTest::addColumn<bool>("closes");

        QTest::newRow("simple get")
            << QByteArray("GET /a HTTP/1.1\r\nHost: x\r\n\r\n") << 0 << false;
        QTest::newRow("leading empty lines")
            << QByteArray("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n") << 0 << false;
        QTest::newRow("post with body")
            << QByteArray("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc") << 0
            << false;
        QTest::newRow("chunked body")
            << QByteArray("POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nabc\r\n0\r\n\r\n")
            << 0 << false;
        QTest::newRow("http/1.0 closes") << QByteArray("GET / HTTP/1.0\r\n\r\n") << 0 << true;
        QTest::newRow("http/1.0 keep-alive")
            << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << 0 << false;
        QTest::newRow("connection close")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n") << 0 << true;
        QTest::newRow("absolute form")
            << QByteArray("GET http://x/a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n") << 0 << false;
        QTest::newRow("options asterisk")
            << QByteArray("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n") << 0 << false;
        QTest::newRow("header block at limit") << headerOfSize(16 * 1024) << 0 << false;

        QTest::newRow("garbage") << QByteArray("hello world\r\n\r\n") << 400 << true;
        QTest::newRow("binary") << QByteArray("\x16\x03\x01\x02\x00", 5) << 400 << true;
        QTest::newRow("unknown method")
            << QByteArray("BREW / HTTP/1.1\r\nHost: x\r\n\r\n") << 501 << true;
        QTest::newRow("lower-case method")
            << QByteArray("get / HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("invalid method chars")
            << QByteArray("G(T / HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("connect") << QByteArray("CONNECT x:443 HTTP/1.1\r\nHost: x\r\n\r\n") << 501
                                 << true;
        QTest::newRow("http/2.0") << QByteArray("GET / HTTP/2.0\r\nHost: x\r\n\r\n") << 505 << true;
        QTest::newRow("http/0.9") << QByteArray("GET / HTTP/0.9\r\nHost: x\r\n\r\n") << 505 << true;
        QTest::newRow("bad protocol")
            << QByteArray("GET / HTTX/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("no version") << QByteArray("GET /\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("missing host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400 << true;
        QTest::newRow("two hosts")
            << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400 << true;
        QTest::newRow("space before colon")
            << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n") << 400 << true;
        QTest::newRow("space before colon, host present")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n") << 400 << true;
        QTest::newRow("tab before colon")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A\t: a\r\n\r\n") << 400 << true;
        QTest::newRow("target over the header limit")
            << (QByteArray("GET /") + QByteArray(17 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n")
            << 414 << true;
        QTest::newRow("target over the header limit, no line end yet")
            << (QByteArray("GET /") + QByteArray(17 * 1024, 'a')) << 414 << true;
        QTest::newRow("control char in value")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n") << 400 << true;
        QTest::newRow("content-length and chunked")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            << 400 << true;
        QTest::newRow("chunked and content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                          "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            << 400 << true;
        QTest::newRow("differing content-lengths")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                          "Content-Length: 4\r\n\r\nabcd")
            << 400 << true;
        QTest::newRow("repeated content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                          "Content-Length: 3\r\n\r\nabc")
            << 400 << true;
        QTest::newRow("content-length list")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc") << 400
            << true;
        QTest::newRow("content-length not a number")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n") << 400
            << true;
        QTest::newRow("negative content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n") << 400
            << true;
        QTest::newRow("transfer-encoding gzip")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n") << 400
            << true;
        QTest::newRow("transfer-encoding gzip, chunked")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                          "0\r\n\r\n")
            << 501 << true;
        QTest::newRow("bad chunk size")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "zz\r\nabc\r\n0\r\n\r\n")
            << 400 << true;
        QTest::newRow("body over limit by length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1025\r\n\r\n") << 413
            << true;
        QTest::newRow("huge content-length")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n")
            << 413 << true;
        QTest::newRow("chunked over limit")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "401\r\n") +
                   QByteArray(1025, 'a')
            << 413 << true;
        QTest::newRow("header block over limit") << headerOfSize(16 * 1024 + 1) << 431 << true;
        QTest::newRow("huge header block") << headerOfSize(200 * 1024) << 431 << true;
        QTest::newRow("bad escape")
            << QByteArray("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("truncated escape")
            << QByteArray("GET /a%4 HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("escape at end")
            << QByteArray("GET /a% HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("encoded nul")
            << QByteArray("GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        static const char rawNul[] = "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n";
        QTest::newRow("raw nul in path") << QByteArray(rawNul, sizeof rawNul - 1) << 400 << true;
        QTest::newRow("relative target")
            << QByteArray("GET a/b HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("asterisk with get")
            << QByteArray("GET * HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("space in target")
            << QByteArray("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n") << 400 << true;
        QTest::newRow("bare CR ends no line")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\rX-B: 2\r\n\r\n") << 400 << true;
        QTest::newRow("bare CR before body")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\rGET / HTTP/1.1\r\nHost: x\r\n\r\n") << 400
            << true;
        QTest::newRow("obsolete line folding")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n") << 400 << true;
        QTest::newRow("unsupported expectation")
            << QByteArray("POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n"
                          "\r\na")
            << 417 << true;
    }

    void table()
    {
        QFETCH(QByteArray, raw);
        QFETCH(int, status);
        QFETCH(bool, closes);

        const Outcome whole = parse(raw);
        QCOMPARE(whole.status, status);
        QCOMPARE(whole.closes, closes);
        if (status == 0)
            QCOMPARE(whole.requests.size(), 1);

        // Byte boundaries must not change the verdict.
        for (qsizetype split : {qsizetype(1), raw.size() / 2, raw.size() - 1}) {
            if (split <= 0 || split >= raw.size())
                continue;
            const Outcome parts = parse(raw, split);
            QCOMPARE(parts.status, status);
            QCOMPARE(parts.closes, closes);
        }
    }

    void fieldsAreFilled()
    {
        RequestParser parser;
        QVERIFY(parser.feed("POST /a%20b/c?x=1&y=%41+b HTTP/1.1\r\nHost: example\r\n"
                            "Content-Type: Application/JSON; charset=utf-8\r\n"
                            "X-Trail:   padded   \r\nContent-Length: 2\r\n\r\n{}"));
        QVERIFY(parser.hasRequest());
        const Request r = parser.takeRequest();
        QCOMPARE(r.method, QByteArray("POST"));
        QCOMPARE(r.target, QByteArray("/a%20b/c?x=1&y=%41+b"));
        QCOMPARE(r.path, QByteArray("/a b/c"));
        QCOMPARE(r.query, QByteArray("x=1&y=%41+b"));
        QCOMPARE(r.versionMinor, 1);
        QCOMPARE(r.headers.value("host"), QByteArray("example"));
        QCOMPARE(r.headers.value("X-Trail"), QByteArray("padded"));
        QCOMPARE(r.contentType(), QByteArray("application/json"));
        QCOMPARE(r.body, QByteArray("{}"));
        QCOMPARE(r.queryValue("y"), std::optional<QString>(QStringLiteral("A b")));
        QCOMPARE(r.queryValue("z"), std::nullopt);
    }

    void pipelinedInOrder()
    {
        RequestParser parser;
        QByteArray raw;
        for (int i = 0; i < 50; ++i)
            raw += "GET /" + QByteArray::number(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        // Byte at a time: the worst case for the incremental state.
        for (char c : raw)
            QVERIFY(parser.feed(QByteArrayView(&c, 1)));
        QCOMPARE(parser.readyCount(), 50);
        for (int i = 0; i < 50; ++i)
            QCOMPARE(parser.takeRequest().path, "/" + QByteArray::number(i));
    }

    void stopsAfterNonKeepAlive()
    {
        RequestParser parser;
        QVERIFY(parser.feed("GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
        QCOMPARE(parser.readyCount(), 1);
        QVERIFY(!parser.hasError());
    }

    void requestsBeforeAnErrorSurvive()
    {
        RequestParser parser;
        QVERIFY(!parser.feed("GET /a HTTP/1.1\r\nHost: x\r\n\r\nBAD\x01\r\n\r\n"));
        QCOMPARE(parser.readyCount(), 1);
        QCOMPARE(parser.error().status, 400);
    }

    void expectContinue()
    {
        RequestParser parser;
        QVERIFY(parser.feed("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                            "Content-Length: 4\r\n\r\n"));
        QVERIFY(parser.continueExpected());
        QVERIFY(!parser.inHeaderBlock());
        QVERIFY(parser.inMessage());
        parser.acknowledgeContinue();
        QVERIFY(parser.feed("abcd"));
        QCOMPARE(parser.takeRequest().body, QByteArray("abcd"));
    }

    void bodyLimitResolverPerRequest()
    {
        RequestParser parser;
        parser.setBodyLimitResolver(
            [](const Request &r) { return r.path == "/big" ? qint64(10) : qint64(2); });
        QVERIFY(
            parser.feed("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"));
        QVERIFY(!parser.feed("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"));
        QCOMPARE(parser.error().status, 413);
        QCOMPARE(parser.readyCount(), 1);
    }

    void headerTimerSignals()
    {
        RequestParser parser;
        QVERIFY(!parser.inMessage());
        QVERIFY(parser.feed("\r\n"));
        QVERIFY(!parser.inMessage());
        QVERIFY(parser.feed("GET / HT"));
        QVERIFY(parser.inHeaderBlock());
        QCOMPARE(parser.messagesStarted(), quint64(1));
        QVERIFY(parser.feed("TP/1.1\r\nHost: x\r\n\r\n"));
        QVERIFY(!parser.inMessage());
    }

    void decodePath_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<QByteArray>("decoded");
        QTest::newRow("plain") << QByteArray("/a/b") << true << QByteArray("/a/b");
        QTest::newRow("space") << QByteArray("/a%20b") << true << QByteArray("/a b");
        QTest::newRow("upper and lower hex") << QByteArray("/%4a%4A") << true << QByteArray("/JJ");
        QTest::newRow("utf-8") << QByteArray("/%C3%A9") << true << QByteArray("/\xC3\xA9");
        QTest::newRow("bad hex") << QByteArray("/%g0") << false << QByteArray();
        QTest::newRow("short") << QByteArray("/%a") << false << QByteArray();
        QTest::newRow("nul") << QByteArray("/%00") << false << QByteArray();
    }
    void decodePath()
    {
        QFETCH(QByteArray, raw);
        QFETCH(bool, valid);
        QFETCH(QByteArray, decoded);
        const auto result = RequestParser::decodePath(raw);
        QCOMPARE(result.has_value(), valid);
        if (valid)
            QCOMPARE(*result, decoded);
    }
};

QTEST_APPLESS_MAIN(TestRequestParser)
#include "tst_requestparser.moc"
