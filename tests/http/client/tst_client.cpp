#include <functional>

#include <QElapsedTimer>
#include <QPointer>
#include <QSignalSpy>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include "http/client.h"
#include "http/exchangelog.h"
#include "http/tls.h"

using namespace Http;

namespace {

/// What the fixture received for one request.
struct Received
{
    QByteArray head; ///< request line and headers
    QByteArray body;

    [[nodiscard]] QByteArray header(QByteArrayView name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 &&
                QByteArrayView(line).first(colon).compare(name, Qt::CaseInsensitive) == 0)
                return line.sliced(colon + 1).trimmed();
        }
        return {};
    }
    [[nodiscard]] QByteArray requestLine() const { return head.left(head.indexOf('\r')); }
};

/// A tiny HTTP/1.1 server on 127.0.0.1 for driving the client over real sockets. The
/// handler returns raw response bytes; an empty answer means "never answer". With
/// `streamForever` the response is a body that never ends. With `tls` it speaks https with
/// a fresh self-signed certificate.
class Fixture final : public QTcpServer
{
public:
    using Handler = std::function<QByteArray(const Received &)>;

    explicit Fixture(Handler handler, bool tls = false)
        : m_handler(std::move(handler))
    {
        if (tls) {
            auto credentials = TlsCredentials::generateSelfSigned(1);
            if (credentials.ok())
                m_credentials = std::move(credentials).value();
            m_tls = true;
        }
        listen(QHostAddress::LocalHost);
    }

    bool streamForever = false;
    QList<Received> received;
    [[nodiscard]] QString base(const char *scheme = "http") const
    {
        return QString::fromLatin1(scheme) + u"://127.0.0.1:"_qs + QString::number(serverPort());
    }
    [[nodiscard]] QUrl url(const QString &path, const char *scheme = "http") const
    {
        return QUrl(base(scheme) + path);
    }
    [[nodiscard]] const TlsCredentials &credentials() const { return m_credentials; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        QTcpSocket *socket = nullptr;
        if (m_tls) {
            auto *ssl = new QSslSocket(this);
            ssl->setSocketDescriptor(descriptor);
            ssl->setSslConfiguration(m_credentials.serverConfiguration());
            ssl->startServerEncryption();
            socket = ssl;
        } else {
            socket = new QTcpSocket(this);
            socket->setSocketDescriptor(descriptor);
        }
        auto buffer = std::make_shared<QByteArray>();
        connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
            buffer->append(socket->readAll());
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            Received request;
            request.head = buffer->left(end);
            const qsizetype length = request.header("content-length").toLongLong();
            if (buffer->size() < end + 4 + length)
                return;
            request.body = buffer->mid(end + 4, length);
            buffer->remove(0, end + 4 + length);
            received.append(request);
            respond(socket, m_handler(request));
        });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    }

private:
    void respond(QTcpSocket *socket, const QByteArray &response)
    {
        if (response.isEmpty())
            return; // never answer
        socket->write(response);
        if (!streamForever)
            return;
        auto *timer = new QTimer(socket);
        connect(timer, &QTimer::timeout, socket, [socket] {
            if (socket->bytesToWrite() < 1024 * 1024)
                socket->write(QByteArray(64 * 1024, 'x'));
        });
        timer->start(1);
    }

    Handler m_handler;
    bool m_tls = false;
    TlsCredentials m_credentials;
};

QByteArray response(int status, const QByteArray &body = {}, const QByteArray &extraHeaders = {},
                    const QByteArray &contentType = "text/plain")
{
    return "HTTP/1.1 " + QByteArray::number(status) + " X\r\nContent-Type: " + contentType +
           "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n" + extraHeaders +
           "\r\n" + body;
}

QByteArray redirectTo(const QByteArray &location, int status = 302)
{
    return response(status, {}, "Location: " + location + "\r\n");
}

} // namespace

class TestClient final : public QObject
{
    Q_OBJECT

private slots:
    void getReturnsResponse();
    void errorStatusIsAResponse();
    void connectsToCheckedAddressWithHostHeader();
    void postSendsBody();
    void timeoutWhenServerNeverAnswers();
    void responseTooLargeWhileStreaming();
    void responseTooLargeByContentLength();
    void redirectNotFollowedByDefault();
    void redirectFollowedWhenAsked();
    void redirect303BecomesGet();
    void redirectToBlockedTargetRefused_data();
    void redirectToBlockedTargetRefused();
    void blockedBeforeConnecting_data();
    void blockedBeforeConnecting();
    void connectionRefusedIsNetworkError();
    void captureRecordedWithSecretsMasked();
    void asyncReplyAndCallback();
    void abortFinishesWithAborted();
    void clientDestroyedWithPendingRequests();
    void tlsWithTrustedSelfSignedCertificate();
    void tlsWithUntrustedCertificateFails();
};

void TestClient::getReturnsResponse()
{
    Fixture server([](const Received &) { return response(200, "hello", "X-Extra: 1\r\n"); });
    Client client;
    const auto result = client.sendAndWait({.url = server.url(u"/a?b=c"_qs)});
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
    QCOMPARE(result->status, 200);
    QCOMPARE(result->body, QByteArray("hello"));
    QCOMPARE(result->headers.value("x-extra"), QByteArray("1"));
    QCOMPARE(result->contentType(), QByteArray("text/plain"));
    QCOMPARE(result->peer, u"127.0.0.1:"_qs + QString::number(server.serverPort()));
    QCOMPARE(server.received.size(), 1);
    QCOMPARE(server.received.first().requestLine(), QByteArray("GET /a?b=c HTTP/1.1"));
    QCOMPARE(server.received.first().header("accept-encoding"), QByteArray("identity"));
}

void TestClient::errorStatusIsAResponse()
{
    Fixture server([](const Received &) {
        return response(404, R"({"error":"not_found"})", {}, "application/json");
    });
    Client client;
    const auto result = client.sendAndWait({.url = server.url(u"/missing"_qs)});
    QVERIFY(result.ok());
    QCOMPARE(result->status, 404);
    QCOMPARE(result->body, QByteArray(R"({"error":"not_found"})"));
}

void TestClient::connectsToCheckedAddressWithHostHeader()
{
    // "localhost" is resolved once, checked, and the checked address is contacted; the
    // name travels in the Host header.
    Fixture server([](const Received &) { return response(200, "ok"); });
    Client client;
    const QUrl url(u"http://localhost:"_qs + QString::number(server.serverPort()) + u"/x"_qs);
    const auto result = client.sendAndWait({.url = url});
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
    QCOMPARE(server.received.first().header("host"),
             "localhost:" + QByteArray::number(server.serverPort()));
    QCOMPARE(result->peer, u"127.0.0.1:"_qs + QString::number(server.serverPort()));
    QCOMPARE(result->url, url);
}

void TestClient::postSendsBody()
{
    Fixture server([](const Received &r) { return response(201, r.body); });
    Client client;
    ClientReply *reply =
        client.post(server.url(u"/register"_qs), "a=1&b=2", "application/x-www-form-urlencoded");
    QSignalSpy finished(reply, &ClientReply::finished);
    QVERIFY(finished.wait(5000));
    QVERIFY(reply->result().ok());
    QCOMPARE(reply->result()->status, 201);
    QCOMPARE(reply->result()->body, QByteArray("a=1&b=2"));
    QCOMPARE(server.received.first().requestLine(), QByteArray("POST /register HTTP/1.1"));
    QCOMPARE(server.received.first().header("content-type"),
             QByteArray("application/x-www-form-urlencoded"));
    delete reply;
}

void TestClient::timeoutWhenServerNeverAnswers()
{
    Fixture server([](const Received &) { return QByteArray(); });
    Client client;
    ExchangeLog log;
    client.setExchangeLog(&log);
    QElapsedTimer elapsed;
    elapsed.start();
    ClientRequest request{.url = server.url(u"/slow"_qs)};
    request.timeout = std::chrono::milliseconds(300);
    const auto result = client.sendAndWait(request);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, u"timeout"_qs);
    QVERIFY(elapsed.elapsed() >= 250);
    QVERIFY(elapsed.elapsed() < 5000);
    QCOMPARE(server.received.size(), 1);
    QCOMPARE(log.size(), 1);
    QVERIFY(log.snapshot().first().error.contains(u"timeout"));
    QCOMPARE(log.snapshot().first().status, 0);
}

void TestClient::responseTooLargeWhileStreaming()
{
    Fixture server([](const Received &) {
        return QByteArray("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                          "Connection: close\r\n\r\n");
    });
    server.streamForever = true;
    Client client;
    ClientRequest request{.url = server.url(u"/forever"_qs)};
    request.maxResponseBytes = 256 * 1024;
    QElapsedTimer elapsed;
    elapsed.start();
    const auto result = client.sendAndWait(request);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, u"response_too_large"_qs);
    QVERIFY(elapsed.elapsed() < 5000);
}

void TestClient::responseTooLargeByContentLength()
{
    Fixture server([](const Received &) {
        return QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\nabc");
    });
    Client client;
    ClientRequest request{.url = server.url(u"/big"_qs)};
    request.maxResponseBytes = 1000;
    const auto result = client.sendAndWait(request);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, u"response_too_large"_qs);
    QVERIFY(result.error().message.contains(u"100000000"));
}

void TestClient::redirectNotFollowedByDefault()
{
    Fixture server([](const Received &r) {
        return r.requestLine().startsWith("GET /start") ? redirectTo("/final")
                                                        : response(200, "final");
    });
    Client client;
    const auto result = client.sendAndWait({.url = server.url(u"/start"_qs)});
    QVERIFY(result.ok());
    QCOMPARE(result->status, 302);
    QCOMPARE(result->headers.value("location"), QByteArray("/final"));
    QCOMPARE(server.received.size(), 1);
}

void TestClient::redirectFollowedWhenAsked()
{
    Fixture server([](const Received &r) {
        if (r.requestLine().startsWith("GET /one"))
            return redirectTo("/two", 301);
        if (r.requestLine().startsWith("GET /two"))
            return redirectTo("http://localhost:" + r.header("host").split(':').last() + "/final",
                              307);
        return response(200, "final");
    });
    Client client;
    ExchangeLog log;
    client.setExchangeLog(&log);
    ClientRequest request{.url = server.url(u"/one"_qs)};
    request.followRedirects = true;
    request.headers.add("Authorization", "Bearer AT-follow-secret");
    request.tag = u"discovery"_qs;
    const auto result = client.sendAndWait(request);
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
    QCOMPARE(result->status, 200);
    QCOMPARE(result->body, QByteArray("final"));
    QCOMPARE(result->redirectsFollowed, 2);
    QVERIFY(result->url.toString().startsWith(u"http://localhost:"));
    QCOMPARE(server.received.size(), 3);
    // Same origin keeps credentials; another origin (localhost vs 127.0.0.1) drops them.
    QCOMPARE(server.received.at(1).header("authorization"), QByteArray("Bearer AT-follow-secret"));
    QVERIFY(server.received.at(2).header("authorization").isEmpty());
    QCOMPARE(log.size(), 3);
    for (const Exchange &e : log.snapshot())
        QCOMPARE(e.tag, u"discovery"_qs);
}

void TestClient::redirect303BecomesGet()
{
    Fixture server([](const Received &r) {
        return r.requestLine().startsWith("POST") ? redirectTo("/done", 303)
                                                  : response(200, "done");
    });
    Client client;
    ClientRequest request{.method = "POST", .url = server.url(u"/form"_qs)};
    request.body = "x=1";
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.followRedirects = true;
    const auto result = client.sendAndWait(request);
    QVERIFY(result.ok());
    QCOMPARE(result->status, 200);
    QCOMPARE(server.received.at(1).requestLine(), QByteArray("GET /done HTTP/1.1"));
    QVERIFY(server.received.at(1).body.isEmpty());
}

void TestClient::redirectToBlockedTargetRefused_data()
{
    QTest::addColumn<QByteArray>("location");
    QTest::addColumn<QString>("code");
    QTest::addColumn<int>("requests");

    const QString blocked = u"ssrf_blocked"_qs;
    QTest::newRow("private") << QByteArray("http://10.0.0.1/admin") << blocked << 1;
    QTest::newRow("https private") << QByteArray("https://192.168.1.1/") << blocked << 1;
    QTest::newRow("metadata") << QByteArray("http://169.254.169.254/latest/meta-data/") << blocked
                              << 1;
    QTest::newRow("decimal loopback") << QByteArray("http://2130706433/") << blocked << 1;
    QTest::newRow("scheme-relative decimal") << QByteArray("//2130706433/") << blocked << 1;
    QTest::newRow("scheme-relative private") << QByteArray("//10.0.0.1/") << blocked << 1;
    QTest::newRow("mapped private") << QByteArray("https://[::ffff:10.0.0.1]/") << blocked << 1;
    QTest::newRow("scheme") << QByteArray("file:///etc/passwd") << blocked << 1;
    QTest::newRow("userinfo") << QByteArray("https://u:p@as.example.com/") << blocked << 1;
    QTest::newRow("public http") << QByteArray("http://as.example.com/") << blocked << 1;
    // The first request and five hops, then no more.
    QTest::newRow("loop") << QByteArray("/again") << u"too_many_redirects"_qs << 6;
}

void TestClient::redirectToBlockedTargetRefused()
{
    QFETCH(QByteArray, location);
    QFETCH(QString, code);
    QFETCH(int, requests);
    Fixture server([location](const Received &) { return redirectTo(location); });
    Client client;
    ClientRequest request{.url = server.url(u"/start"_qs)};
    request.followRedirects = true;
    const auto result = client.sendAndWait(request);
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, code);
    QCOMPARE(server.received.size(), requests);
}

void TestClient::blockedBeforeConnecting_data()
{
    QTest::addColumn<QString>("url");
    QTest::newRow("http public") << u"http://as.example.com/"_qs;
    QTest::newRow("private ip") << u"https://10.0.0.1/"_qs;
    QTest::newRow("link-local") << u"https://169.254.169.254/"_qs;
    QTest::newRow("userinfo") << u"https://user:pw@as.example.com/"_qs;
}

void TestClient::blockedBeforeConnecting()
{
    QFETCH(QString, url);
    Client client;
    ExchangeLog log;
    client.setExchangeLog(&log);
    const auto result = client.sendAndWait({.url = QUrl(url)});
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, u"ssrf_blocked"_qs);
    QCOMPARE(log.size(), 1);
    QVERIFY(log.snapshot().first().error.startsWith(u"ssrf_blocked"));
    QVERIFY(log.snapshot().first().peer.isEmpty());
}

void TestClient::connectionRefusedIsNetworkError()
{
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    Client client;
    const auto result = client.sendAndWait(
        {.url = QUrl(u"http://127.0.0.1:"_qs + QString::number(port) + u"/"_qs)});
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, u"network_error"_qs);
}

void TestClient::captureRecordedWithSecretsMasked()
{
    Fixture server([](const Received &) {
        return response(200, R"({"access_token":"AT-response-secret","token_type":"Bearer"})",
                        "Set-Cookie: sid=COOKIE-secret; HttpOnly\r\n", "application/json");
    });
    Client client;
    ExchangeLog log;
    client.setExchangeLog(&log);
    QSignalSpy captured(&log, &ExchangeLog::exchangeCaptured);
    ClientRequest request{.method = "POST", .url = server.url(u"/token?code=CODE-query-secret"_qs)};
    request.headers.add("Authorization", "Basic Q0xJRU5ULXNlY3JldA==");
    request.headers.add("Content-Type", "application/x-www-form-urlencoded");
    request.body =
        "grant_type=authorization_code&code=CODE-body-secret&code_verifier=VERIFIER-secret";
    request.tag = u"token"_qs;
    const auto result = client.sendAndWait(request);
    QVERIFY(result.ok());
    // The caller sees the real response; only the capture is masked.
    QVERIFY(result->body.contains("AT-response-secret"));

    QCOMPARE(captured.count(), 1);
    const Exchange e = log.snapshot().first();
    QCOMPARE(e.side, Exchange::Side::Client);
    QCOMPARE(e.tag, u"token"_qs);
    QCOMPARE(e.method, QByteArray("POST"));
    QCOMPARE(e.status, 200);
    QVERIFY(e.error.isEmpty());
    QCOMPARE(e.peer, u"127.0.0.1:"_qs + QString::number(server.serverPort()));
    QVERIFY(e.durationMicros > 0);
    QVERIFY(e.url.startsWith(server.base() + u"/token?code="_qs));
    QByteArray all = e.url.toUtf8() + e.requestBody + e.responseBody;
    for (const auto &h : e.requestHeaders.entries() + e.responseHeaders.entries())
        all += h.first + ": " + h.second + "\n";
    for (const char *secret : {"CODE-query-secret", "Q0xJRU5ULXNlY3JldA==", "CODE-body-secret",
                               "VERIFIER-secret", "AT-response-secret", "COOKIE-secret"})
        QVERIFY2(!all.contains(secret), secret);
    QVERIFY(e.requestBody.startsWith("grant_type=authorization_code&code="));
    QVERIFY(e.responseBody.contains(R"("token_type":"Bearer")"));
    QVERIFY(e.requestHeaders.value("authorization").startsWith("Basic "));
    QCOMPARE(e.requestHeaders.value("host"),
             "127.0.0.1:" + QByteArray::number(server.serverPort()));
}

void TestClient::asyncReplyAndCallback()
{
    Fixture server([](const Received &) { return response(200, "async"); });
    Client client;
    QObject context;
    std::optional<int> status;
    client.send(
        {.url = server.url(u"/cb"_qs)}, &context,
        [&status](const Core::Result<ClientResponse> &r) { status = r.ok() ? r->status : -1; });
    QTRY_VERIFY_WITH_TIMEOUT(status.has_value(), 5000);
    QCOMPARE(*status, 200);
    QTRY_COMPARE(client.findChildren<ClientReply *>().size(), 0); // deleted itself

    // A callback whose context is gone is not called.
    bool called = false;
    auto *gone = new QObject;
    client.send({.url = server.url(u"/cb"_qs)}, gone,
                [&called](const Core::Result<ClientResponse> &) { called = true; });
    delete gone;
    QTest::qWait(200);
    QVERIFY(!called);
}

void TestClient::abortFinishesWithAborted()
{
    Fixture server([](const Received &) { return QByteArray(); });
    Client client;
    ClientReply *reply = client.get(server.url(u"/hang"_qs));
    QSignalSpy finished(reply, &ClientReply::finished);
    QTRY_COMPARE(server.received.size(), 1);
    reply->abort();
    QCOMPARE(finished.count(), 1);
    QCOMPARE(reply->result().error().code, u"aborted"_qs);
    reply->abort(); // idempotent
    QCOMPARE(finished.count(), 1);
    delete reply;
}

void TestClient::clientDestroyedWithPendingRequests()
{
    Fixture server([](const Received &) { return QByteArray(); });
    auto *client = new Client;
    ExchangeLog log;
    client->setExchangeLog(&log);
    bool called = false;
    QObject context;
    client->send({.url = server.url(u"/hang"_qs)}, &context,
                 [&called](const Core::Result<ClientResponse> &) { called = true; });
    QPointer<ClientReply> pending = client->get(server.url(u"/hang"_qs));
    QTRY_COMPARE(server.received.size(), 2);
    delete client;
    QVERIFY(pending.isNull());
    QTest::qWait(50);
    QVERIFY(!called);
}

void TestClient::tlsWithTrustedSelfSignedCertificate()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    Fixture server([](const Received &) { return response(200, "secure"); }, true);
    QVERIFY(!server.credentials().certificate.isNull());
    Client client;
    client.addTrustedCaCertificates({server.credentials().certificate});
    // By name: resolved and pinned to the checked address, verified against "localhost".
    const QUrl url(u"https://localhost:"_qs + QString::number(server.serverPort()) + u"/s"_qs);
    const auto result = client.sendAndWait({.url = url});
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
    QCOMPARE(result->body, QByteArray("secure"));
    QCOMPARE(server.received.first().header("host"),
             "localhost:" + QByteArray::number(server.serverPort()));
    // By IP literal (the certificate has 127.0.0.1 as a SAN).
    const auto byIp = client.sendAndWait({.url = server.url(u"/s"_qs, "https")});
    QVERIFY2(byIp.ok(), qPrintable(byIp.ok() ? QString() : byIp.error().toString()));
}

void TestClient::tlsWithUntrustedCertificateFails()
{
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend");
    Fixture server([](const Received &) { return response(200, "secure"); }, true);
    Client client;
    const auto result = client.sendAndWait({.url = server.url(u"/s"_qs, "https")});
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, u"tls_error"_qs);
    QVERIFY(server.received.isEmpty());
}

QTEST_MAIN(TestClient)
#include "tst_client.moc"
