// Flow::LoopbackReceiver's bounds over real loopback sockets: a connection that never sends
// a whole request head is closed after the connection timeout (and the receiver still takes
// the real redirect afterwards), oversized and malformed requests get their status at once,
// and connections beyond kMaxConnections are closed as they arrive.
#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>

#include "flow/browser.h"

using namespace std::chrono_literals;

namespace {

/// Connects to the receiver; null when the connection fails.
std::unique_ptr<QTcpSocket> connectTo(const Flow::LoopbackReceiver &receiver)
{
    auto socket = std::make_unique<QTcpSocket>();
    socket->connectToHost(QHostAddress::LocalHost, quint16(receiver.redirectUri().port()));
    if (!QTest::qWaitFor([&socket] { return socket->state() == QAbstractSocket::ConnectedState; },
                         5000))
        return {};
    return socket;
}

/// Everything the receiver sends until it closes the connection. The receiver lives in this
/// thread, so the wait runs the event loop.
QByteArray readAnswer(QTcpSocket &socket)
{
    QByteArray answer;
    const bool closed = QTest::qWaitFor(
        [&socket, &answer] {
            answer += socket.readAll();
            return socket.state() == QAbstractSocket::UnconnectedState;
        },
        5000);
    if (!closed)
        qWarning("the receiver did not close the connection within 5 s");
    return answer + socket.readAll();
}

} // namespace

class TestFlowLoopback final : public QObject
{
    Q_OBJECT

private slots:
    void halfSentRequestIsClosedAfterTheTimeout();
    void badRequests_data();
    void badRequests();
    void connectionsBeyondTheLimitAreClosed();
};

void TestFlowLoopback::halfSentRequestIsClosedAfterTheTimeout()
{
    Flow::LoopbackReceiver receiver;
    receiver.setConnectionTimeout(300ms);
    QVERIFY(receiver.listen().ok());
    QSignalSpy received(&receiver, &Flow::LoopbackReceiver::redirectReceived);
    receiver.expectRedirect(30s);

    auto stalled = connectTo(receiver);
    QVERIFY(stalled);
    stalled->write("GET /callback?code=abc&state=xyz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    QTRY_COMPARE(stalled->bytesToWrite(), 0);
    QTRY_COMPARE(receiver.openConnections(), 1);
    // Never finished: closed by the receiver after the timeout, without an answer.
    QTRY_COMPARE_WITH_TIMEOUT(stalled->state(), QAbstractSocket::UnconnectedState, 5000);
    QCOMPARE(stalled->readAll(), QByteArray());
    QTRY_COMPARE(receiver.openConnections(), 0);
    QCOMPARE(received.count(), 0);

    // The walk is still waiting: the real redirect is taken.
    auto browser = connectTo(receiver);
    QVERIFY(browser);
    browser->write("GET /callback?code=abc&state=xyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    QVERIFY(readAnswer(*browser).startsWith("HTTP/1.1 200 "));
    QCOMPARE(received.count(), 1);
    QCOMPARE(QUrlQuery(received.first().first().toUrl()).queryItemValue(QStringLiteral("code")),
             QStringLiteral("abc"));
}

void TestFlowLoopback::badRequests_data()
{
    QTest::addColumn<QByteArray>("request");
    QTest::addColumn<QByteArray>("status");
    const QByteArray longHead =
        "GET /callback?code=" + QByteArray(Flow::LoopbackReceiver::kMaxRequestHeadBytes, 'a') +
        " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    QTest::newRow("head over the limit") << longHead << QByteArray("431");
    QTest::newRow("endless header without an end")
        << "GET /callback HTTP/1.1\r\nX: " +
               QByteArray(2 * Flow::LoopbackReceiver::kMaxRequestHeadBytes, 'b')
        << QByteArray("431");
    QTest::newRow("POST") << QByteArray("POST /callback HTTP/1.1\r\nHost: x\r\n\r\n")
                          << QByteArray("400");
    QTest::newRow("garbage request line")
        << QByteArray("\x01\x02\x03\r\n\r\n") << QByteArray("400");
    QTest::newRow("absolute-form target")
        << QByteArray("GET http://evil/callback HTTP/1.1\r\n\r\n") << QByteArray("400");
    QTest::newRow("other path") << QByteArray("GET /favicon.ico HTTP/1.1\r\n\r\n")
                                << QByteArray("404");
}

void TestFlowLoopback::badRequests()
{
    QFETCH(QByteArray, request);
    QFETCH(QByteArray, status);
    Flow::LoopbackReceiver receiver;
    QVERIFY(receiver.listen().ok());
    QSignalSpy received(&receiver, &Flow::LoopbackReceiver::redirectReceived);
    receiver.expectRedirect(30s);
    auto socket = connectTo(receiver);
    QVERIFY(socket);
    socket->write(request);
    const QByteArray answer = readAnswer(*socket);
    QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + status + ' ')),
             answer.left(80).constData());
    QCOMPARE(received.count(), 0);
    QTRY_COMPARE(receiver.openConnections(), 0);
}

void TestFlowLoopback::connectionsBeyondTheLimitAreClosed()
{
    Flow::LoopbackReceiver receiver;
    QVERIFY(receiver.listen().ok());
    std::vector<std::unique_ptr<QTcpSocket>> idle;
    for (int i = 0; i < Flow::LoopbackReceiver::kMaxConnections + 4; ++i) {
        idle.push_back(connectTo(receiver));
        QVERIFY(idle.back());
    }
    QTRY_COMPARE(receiver.openConnections(), Flow::LoopbackReceiver::kMaxConnections);
    int closed = 0;
    QTRY_VERIFY((closed = int(std::count_if(idle.begin(), idle.end(),
                                            [](const auto &socket) {
                                                return socket->state() ==
                                                       QAbstractSocket::UnconnectedState;
                                            })),
                 closed == 4));
    idle.clear(); // the client side goes: so do the receiver's sockets
    QTRY_COMPARE(receiver.openConnections(), 0);
}

QTEST_GUILESS_MAIN(TestFlowLoopback)
#include "tst_flow_loopback.moc"
