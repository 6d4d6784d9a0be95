#include <atomic>
#include <chrono>
#include <thread>

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonObject>
#include <QMutex>
#include <QSet>
#include <QTest>
#include <QThreadPool>
#include <QTimer>

#include "http/exchangelog.h"
#include "http/server.h"
#include "rawclient.h"

#ifdef Q_OS_UNIX
#include <sys/socket.h>
#endif

using namespace Http;

namespace {

QByteArray get(QByteArrayView path, QByteArrayView extra = {})
{
    return "GET " + path.toByteArray() + " HTTP/1.1\r\nHost: t\r\n" + extra.toByteArray() + "\r\n";
}

/// Answers on a pool thread after `ms` milliseconds.
void answerLater(Responder responder, int ms, Response response)
{
    QThreadPool::globalInstance()->start([responder, ms, response] {
        std::this_thread::sleep_for(std::chrono::milliseconds(ms));
        responder.send(response);
    });
}

} // namespace

class TestServer : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<Server> m_server;
    std::atomic<int> m_streamsClosed{0};
    QMutex m_streamMutex;
    EventStream m_stream;
    QMutex m_threadMutex;
    QSet<Qt::HANDLE> m_handlerThreads;

    void start(ServerOptions options = {})
    {
        if (options.workerThreads == 0)
            options.workerThreads = 2;
        m_server = std::make_unique<Server>(options);
        Router &r = m_server->router();
        r.handle("GET", "/json", [](const Request &) {
            return Response::json(200, QJsonDocument(QJsonObject{{QStringLiteral("ok"), true}}));
        });
        r.handle("GET", "/fast/:n", [](const Request &req) {
            return Response::text(200, "fast " + req.pathParams.value("n"));
        });
        r.handleAsync("GET", "/slow/:ms", [](const Request &req, Responder responder) {
            const int ms = req.pathParams.value("ms").toInt();
            answerLater(responder, ms, Response::text(200, "slow " + QByteArray::number(ms)));
        });
        // Like a handler that makes a blocking client call (Http::Client::sendAndWait): the
        // worker's event loop runs again, nested, while the handler is on the stack.
        r.handle("GET", "/nested/:ms", [](const Request &req) {
            QEventLoop loop;
            QTimer::singleShot(req.pathParams.value("ms").toInt(), &loop, &QEventLoop::quit);
            loop.exec();
            return Response::text(200, "nested");
        });
        r.handle("POST", "/echo", [](const Request &req) { return Response::text(200, req.body); });
        r.handle(
            "POST", "/small", [](const Request &req) { return Response::text(200, req.body); },
            RouteOptions{16});
        r.handle("GET", "/throw",
                 [](const Request &) -> Response { throw std::runtime_error("boom"); });
        r.handle("GET", "/bad-status", [](const Request &) { return Response::text(42, "x"); });
        r.handle("GET", "/bad-header", [](const Request &) {
            Response response = Response::text(200, "x");
            response.headers.add("X-Injected", "a\r\nSet-Cookie: evil=1");
            return response;
        });
        r.handleAsync("GET", "/drop", [](const Request &, Responder) {});
        r.handleAsync("GET", "/async-throw",
                      [](const Request &, Responder) { throw std::runtime_error("async boom"); });
        r.handle("GET", "/thread", [this](const Request &) {
            QMutexLocker locker(&m_threadMutex);
            m_handlerThreads.insert(QThread::currentThreadId());
            return Response::text(200, "ok");
        });
        r.handleAsync("GET", "/events", [this](const Request &, Responder responder) {
            EventStream stream = responder.startEventStream();
            stream.setClosedCallback([this] { ++m_streamsClosed; });
            QMutexLocker locker(&m_streamMutex);
            m_stream = stream;
        });
        QVERIFY(m_server->listen(QHostAddress::LocalHost, 0).ok());
        QVERIFY(m_server->port() != 0);
    }

    EventStream currentStream()
    {
        QMutexLocker locker(&m_streamMutex);
        return m_stream;
    }

private slots:
    void init()
    {
        m_streamsClosed = 0;
        m_stream = EventStream();
        m_handlerThreads.clear();
    }
    void cleanup() { m_server.reset(); }

    void baseUrlAndPort()
    {
        start();
        QCOMPARE(m_server->baseUrl().toString(),
                 QStringLiteral("http://127.0.0.1:%1").arg(m_server->port()));
        QCOMPARE(m_server->address(), QHostAddress(QHostAddress::LocalHost));
    }

    void keepAlive()
    {
        start();
        RawClient client(m_server->port());
        for (int i = 0; i < 3; ++i) {
            client.send(get("/json"));
            const auto response = client.read();
            QVERIFY(response);
            QCOMPARE(response->status, 200);
            QCOMPARE(response->body, QByteArray(R"({"ok":true})"));
            QCOMPARE(response->headers.value("Content-Length"), QByteArray("11"));
            QCOMPARE(response->headers.value("Content-Type"), QByteArray("application/json"));
            QVERIFY(response->headers.value("Date").endsWith(" GMT"));
            QVERIFY(!response->headers.contains("Connection"));
        }
        QVERIFY(client.connected());
    }

    void pipeliningKeepsOrder()
    {
        start();
        RawClient client(m_server->port());
        // The slow async answers finish last but must be written first.
        client.send(get("/slow/200") + get("/fast/1") + get("/slow/50") + get("/fast/2") +
                    get("/slow/0") + get("/json"));
        const QList<QByteArray> expected = {"slow 200", "fast 1", "slow 50",
                                            "fast 2",   "slow 0", R"({"ok":true})"};
        for (const QByteArray &body : expected) {
            const auto response = client.read();
            QVERIFY(response);
            QCOMPARE(response->body, body);
        }
        QVERIFY(client.connected());
    }

    void head()
    {
        start();
        RawClient client(m_server->port());
        client.send("HEAD /json HTTP/1.1\r\nHost: t\r\n\r\n" + get("/fast/after"));
        const auto headResponse = client.read(true);
        QVERIFY(headResponse);
        QCOMPARE(headResponse->status, 200);
        QCOMPARE(headResponse->headers.value("Content-Length"), QByteArray("11"));
        // No body bytes: the next thing on the wire is the next response.
        const auto next = client.read();
        QVERIFY(next);
        QCOMPARE(next->body, QByteArray("fast after"));
    }

    void routingErrorsOverTheWire()
    {
        start();
        RawClient client(m_server->port());
        client.send(get("/missing") + "DELETE /json HTTP/1.1\r\nHost: t\r\n\r\n");
        const auto notFound = client.read();
        QVERIFY(notFound);
        QCOMPARE(notFound->status, 404);
        const auto notAllowed = client.read();
        QVERIFY(notAllowed);
        QCOMPARE(notAllowed->status, 405);
        QCOMPARE(notAllowed->headers.value("Allow"), QByteArray("GET, HEAD"));
        QVERIFY(client.connected());
    }

    void expectContinue()
    {
        start();
        RawClient client(m_server->port());
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                    "Content-Length: 5\r\n\r\n");
        const auto interim = client.read();
        QVERIFY(interim);
        QCOMPARE(interim->status, 100);
        client.send("hello");
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("hello"));
    }

    void malformedOverTheWire_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::newRow("431") << "GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + QByteArray(17000, 'a') +
                                    "\r\n\r\n"
                             << 431;
        QTest::newRow("smuggling")
            << QByteArray("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            << 400;
        QTest::newRow("garbage") << QByteArray("\x01\x02\x03 nonsense\r\n\r\n") << 400;
        QTest::newRow("version") << QByteArray("GET / HTTP/3.0\r\nHost: t\r\n\r\n") << 505;
        QTest::newRow("method") << QByteArray("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n") << 501;
        QTest::newRow("nul in path") << QByteArray("GET /a%00 HTTP/1.1\r\nHost: t\r\n\r\n") << 400;
        // Claims 100 MB but sends 1 KiB: the 413 must come without waiting for the rest.
        QTest::newRow("body too large by length")
            << "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n" +
                   QByteArray(1024, 'x')
            << 413;
        QTest::newRow("chunked body over the route limit")
            << QByteArray("POST /small HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "10\r\n0123456789abcdef\r\n1\r\nX\r\n")
            << 413;
        // Refused instead of "100 Continue": the client never sends the body.
        QTest::newRow("100-continue refused, too large")
            << QByteArray("POST /small HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                          "Content-Length: 17\r\n\r\n")
            << 413;
        QTest::newRow("unknown expectation")
            << QByteArray("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: something\r\n"
                          "Content-Length: 5\r\n\r\n")
            << 417;
    }
    void malformedOverTheWire()
    {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        start();
        RawClient client(m_server->port());
        client.send(request);
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->status, status);
        QCOMPARE(response->headers.value("Connection"), QByteArray("close"));
        QVERIFY(client.waitClosed());
    }

    void connectionClose()
    {
        start();
        RawClient client(m_server->port());
        client.send(get("/json", "Connection: close\r\n") + get("/json"));
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->headers.value("Connection"), QByteArray("close"));
        QVERIFY(client.waitClosed());
        QVERIFY(client.buffered().isEmpty()); // the second request is not answered
    }

    void http10()
    {
        start();
        RawClient client(m_server->port());
        client.send("GET /json HTTP/1.0\r\n\r\n");
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->headers.value("Connection"), QByteArray("close"));
        QVERIFY(client.waitClosed());

        RawClient keep(m_server->port());
        for (int i = 0; i < 2; ++i) {
            keep.send("GET /json HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
            const auto kept = keep.read();
            QVERIFY(kept);
            QCOMPARE(kept->headers.value("Connection"), QByteArray("keep-alive"));
        }
        QVERIFY(keep.connected());
    }

    void handlerFailuresAre500_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("throws") << QByteArray("/throw");
        QTest::newRow("status out of range") << QByteArray("/bad-status");
        QTest::newRow("header injection") << QByteArray("/bad-header");
        QTest::newRow("responder dropped") << QByteArray("/drop");
        QTest::newRow("async throws") << QByteArray("/async-throw");
    }
    void handlerFailuresAre500()
    {
        QFETCH(QByteArray, path);
        start();
        RawClient client(m_server->port());
        client.send(get(path) + get("/json"));
        const auto failed = client.read();
        QVERIFY(failed);
        QCOMPARE(failed->status, 500);
        QVERIFY(!failed->head.contains("evil"));
        const auto next = client.read();
        QVERIFY(next);
        QCOMPARE(next->status, 200);
    }

    void pipelineBackpressure()
    {
        ServerOptions options;
        options.maxPipelinedRequests = 2;
        start(options);
        RawClient client(m_server->port());
        // Far more unanswered async requests than the server holds at once: it stops
        // reading, resumes as answers go out, and still answers all of them in order.
        QByteArray batch;
        for (int i = 0; i < 20; ++i)
            batch += get(QByteArray("/slow/" + QByteArray::number(i % 3 * 5)));
        client.send(batch);
        for (int i = 0; i < 20; ++i) {
            const auto response = client.read();
            QVERIFY(response);
            QCOMPARE(response->body, "slow " + QByteArray::number(i % 3 * 5));
        }
        QVERIFY(client.connected());
    }

#ifdef Q_OS_UNIX
    void clientHalfCloseStillAnswered()
    {
        start();
        RawClient client(m_server->port());
        client.send(get("/slow/100") + get("/json"));
        // The client says it will send nothing more; pending answers must still arrive.
        ::shutdown(int(client.socket().socketDescriptor()), SHUT_WR);
        const auto slow = client.read();
        QVERIFY(slow);
        QCOMPARE(slow->body, QByteArray("slow 100"));
        const auto json = client.read();
        QVERIFY(json);
        QCOMPARE(json->status, 200);
        QVERIFY(client.waitClosed());
    }

    void nestedLoopHandlerAnswersAfterHalfClose()
    {
        start();
        RawClient client(m_server->port());
        client.send(get("/nested/200", "Connection: close\r\n"));
        // The end of input arrives while the handler spins its nested loop: the answer must
        // still go out (it was lost, and the connection deleted under the handler).
        ::shutdown(int(client.socket().socketDescriptor()), SHUT_WR);
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->body, QByteArray("nested"));
        QVERIFY(client.waitClosed());
    }

    void nestedLoopHandlerOutlivesItsClient()
    {
        start();
        for (int i = 0; i < 5; ++i) {
            RawClient gone(m_server->port());
            gone.send(get("/nested/100") + get("/json"));
            gone.socket().abort();
        }
        QTest::qWait(300);
        RawClient client(m_server->port());
        client.send(get("/json"));
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
    }

    void nestedLoopHandlerIsNotSweptAsIdle()
    {
        ServerOptions options;
        options.idleTimeoutMs = 100;
        start(options);
        RawClient client(m_server->port());
        client.send(get("/nested/400"));
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->body, QByteArray("nested"));
    }
#endif

    void idleTimeout()
    {
        ServerOptions options;
        options.idleTimeoutMs = 300;
        start(options);
        RawClient client(m_server->port());
        client.send(get("/json"));
        QVERIFY(client.read());
        QElapsedTimer timer;
        timer.start();
        QVERIFY(client.waitClosed(3000));
        QVERIFY2(timer.elapsed() >= 250, QByteArray::number(timer.elapsed()).constData());
    }

    void slowlorisHeaderTimeout()
    {
        ServerOptions options;
        options.headerTimeoutMs = 400;
        options.idleTimeoutMs = 5000;
        start(options);
        RawClient client(m_server->port());
        client.send("GET /json HTTP/1.1\r\nHost: t\r\n");
        QElapsedTimer timer;
        timer.start();
        // One header byte every 50 ms keeps the connection busy but never finishes.
        std::optional<RawResponse> response;
        while (timer.elapsed() < 3000 && client.connected()) {
            client.send("X");
            if (client.socket().waitForReadyRead(50)) {
                response = client.read();
                break;
            }
        }
        QVERIFY(response);
        QCOMPARE(response->status, 408);
        QVERIFY2(timer.elapsed() >= 300, QByteArray::number(timer.elapsed()).constData());
        QVERIFY(client.waitClosed());
    }

    void eventStream()
    {
        ServerOptions options;
        options.eventStreamKeepAliveMs = 200;
        start(options);
        RawClient client(m_server->port());
        client.send(get("/events"));
        const auto head = client.read(true);
        QVERIFY(head);
        QCOMPARE(head->status, 200);
        QCOMPARE(head->headers.value("Content-Type"), QByteArray("text/event-stream"));
        QVERIFY(!head->headers.contains("Content-Length"));
        QTRY_VERIFY(currentStream().isOpen());

        // Pushed from a thread that is neither the worker nor the test thread.
        QThreadPool::globalInstance()->start(
            [stream = currentStream()] { stream.send("hello\nworld", "greet", "1"); });
        QCOMPARE(client.readUntil("\n\n").value_or(QByteArray()),
                 QByteArray("event: greet\nid: 1\ndata: hello\ndata: world\n\n"));
        QCOMPARE(client.readUntil("\n\n", 2000).value_or(QByteArray()),
                 QByteArray(": keep-alive\n\n"));

        client.socket().abort();
        QTRY_COMPARE_WITH_TIMEOUT(m_streamsClosed.load(), 1, 2000);
        QVERIFY(!currentStream().isOpen());
        QVERIFY(!currentStream().send("late"));
        QTRY_COMPARE(m_server->connectionCount(), 0);
    }

    void eventStreamClosedByHandler()
    {
        start();
        RawClient client(m_server->port());
        client.send(get("/events"));
        QVERIFY(client.read(true));
        QTRY_VERIFY(currentStream().isOpen());
        currentStream().send("bye");
        currentStream().close();
        QCOMPARE(client.readUntil("\n\n").value_or(QByteArray()), QByteArray("data: bye\n\n"));
        QVERIFY(client.waitClosed());
        QTRY_COMPARE(m_streamsClosed.load(), 1);
    }

    void closingServerEndsStreams()
    {
        start();
        RawClient client(m_server->port());
        client.send(get("/events"));
        QVERIFY(client.read(true));
        QTRY_VERIFY(currentStream().isOpen());
        m_server->close();
        QCOMPARE(m_streamsClosed.load(), 1);
        QVERIFY(client.waitClosed());
        QVERIFY(!m_server->isListening());
    }

    void manyConnectionsAcrossWorkers()
    {
        ServerOptions options;
        options.workerThreads = 4;
        start(options);
        constexpr int kClients = 200;
        constexpr int kRequests = 5;
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < kClients; ++i) {
            clients.push_back(std::make_unique<RawClient>(m_server->port()));
            QVERIFY(clients.back()->connected());
        }
        for (auto &client : clients) {
            QByteArray batch;
            for (int j = 0; j < kRequests; ++j)
                batch += get("/thread");
            client->send(batch);
        }
        for (auto &client : clients) {
            for (int j = 0; j < kRequests; ++j) {
                const auto response = client->read();
                QVERIFY(response);
                QCOMPARE(response->status, 200);
            }
        }
        QCOMPARE(m_server->connectionCount(), kClients);
        QMutexLocker locker(&m_threadMutex);
        QCOMPARE(m_handlerThreads.size(), 4);
        QVERIFY(!m_handlerThreads.contains(QThread::currentThreadId()));
    }

    void maxConnections()
    {
        ServerOptions options;
        options.maxConnections = 2;
        start(options);
        RawClient a(m_server->port());
        RawClient b(m_server->port());
        a.send(get("/json"));
        b.send(get("/json"));
        QVERIFY(a.read());
        QVERIFY(b.read());
        RawClient c(m_server->port());
        const auto refused = c.read();
        QVERIFY(refused);
        QCOMPARE(refused->status, 503);
        QVERIFY(c.waitClosed());
    }

    void pausedListenServesOnlyAfterResume()
    {
        ServerOptions options;
        options.workerThreads = 1;
        Server server(options);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0, Server::ListenMode::Paused).ok());
        QVERIFY(server.port() != 0);
        // A route added after binding, while paused, is served once accepting resumes.
        server.router().handle("GET", "/late",
                               [](const Request &) { return Response::text(200, "late"); });
        RawClient client(server.port());
        QVERIFY(client.connected()); // the kernel completes the handshake (backlog)
        client.send(get("/late"));
        QVERIFY(!client.read(false, 300)); // nothing is read before resumeAccepting()
        server.resumeAccepting();
        const auto response = client.read();
        QVERIFY(response);
        QCOMPARE(response->status, 200);
        QCOMPARE(response->body, QByteArray("late"));
    }

    void listenOnTakenPort()
    {
        start();
        Server second;
        const Core::Status status = second.listen(QHostAddress::LocalHost, m_server->port());
        QVERIFY(!status.ok());
        QCOMPARE(status.error().code, QStringLiteral("address_in_use"));
        QVERIFY(status.error().message.contains(QString::number(m_server->port())));
        QVERIFY(!second.isListening());
        QCOMPARE(second.port(), quint16(0));
    }

    void exchangeLogCapturesRequests()
    {
        start();
        ExchangeLog log;
        m_server->setExchangeLog(&log);
        RawClient client(m_server->port());
        client.send(get("/slow/10") + get("/missing"));
        QVERIFY(client.read());
        QVERIFY(client.read());
        QTRY_COMPARE(log.size(), 2);
        m_server->setExchangeLog(nullptr);
        const QList<Exchange> exchanges = log.snapshot();
        QList<int> statuses;
        for (const Exchange &e : exchanges)
            statuses.append(e.status);
        std::sort(statuses.begin(), statuses.end());
        QCOMPARE(statuses, (QList<int>{200, 404}));
        m_server.reset();
    }
};

QTEST_GUILESS_MAIN(TestServer)
#include "tst_server.moc"
