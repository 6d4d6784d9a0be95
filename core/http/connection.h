#pragma once

// Internal to core_http: the per-connection state machine, the worker threads and the
// plumbing that lets Responder / EventStream reach a connection from any thread.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <QDateTime>
#include <QHostAddress>
#include <QMutex>
#include <QObject>
#include <QSslConfiguration>
#include <QTcpServer>

#include "http/requestparser.h"
#include "http/server.h"

class QTimer;

namespace Http::Detail {

struct ServerContext
{
    ServerOptions options;
    const Router *router = nullptr;
    std::atomic<ExchangeLog *> log{nullptr};
    std::atomic<int> connections{0};
    std::optional<QSslConfiguration> tls;
};

class Connection;

/// Lets other threads post work to a connection. The connection clears `connection`
/// (under the mutex) before it dies, so a post either reaches a live connection's event
/// queue or is dropped.
struct ConnectionLink
{
    QMutex mutex;
    Connection *connection = nullptr;

    bool post(std::function<void(Connection *)> work);
};

struct ResponderState
{
    ResponderState(std::shared_ptr<ConnectionLink> link, quint64 seq);
    ~ResponderState();
    Q_DISABLE_COPY_MOVE(ResponderState)

    std::shared_ptr<ConnectionLink> link;
    quint64 seq;
    std::atomic<bool> answered{false};
};

struct StreamState
{
    explicit StreamState(std::shared_ptr<ConnectionLink> link);
    Q_DISABLE_COPY_MOVE(StreamState)

    /// Runs the closed callback once; any thread.
    void markClosed();

    std::shared_ptr<ConnectionLink> link;
    std::atomic<bool> open{true};
    /// Bytes given to EventStream::send()/comment() that the connection has not taken yet.
    std::atomic<qint64> posted{0};
    /// Bytes the connection has taken but the kernel has not (updated on the worker).
    std::atomic<qint64> unwritten{0};
    QMutex mutex;
    std::function<void()> closedCallback;
    bool closed = false;
};

class Worker;
class Transport;

class Connection final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Connection)

public:
    /// Takes ownership of `transport`.
    Connection(ServerContext &context, Worker &worker, Transport *transport, bool secure);
    ~Connection() override;

    void sweep(qint64 nowMs);
    /// Server shutdown: ends a stream, writes what is queued, closes.
    void shutdown();

    void asyncAnswered(quint64 seq, Response response);
    void streamStarted(quint64 seq, Headers headers, std::shared_ptr<StreamState> stream);
    void streamData(const QByteArray &bytes);
    void streamEnd();

private:
    enum class SlotState { Pending, Ready, Streaming };
    struct Slot
    {
        quint64 seq = 0;
        SlotState state = SlotState::Pending;
        bool head = false;
        bool closeAfter = false;
        int versionMinor = 1;
        QByteArray bytes;
        // Only kept when an exchange log is attached.
        std::optional<Request> request;
        qint64 startedNs = 0;
        QDateTime startedAt;
    };

    void handleReadyRead();
    void handleBytesWritten();
    void dispatch(Request request);
    /// After a handler returned: runs a close or a read that came while it was on the stack.
    /// False when the connection is closed (its answer is dropped).
    bool handlerReturned();
    void answer(Slot &&slot, Response response);
    void queueError(int status, const QByteArray &message);
    Slot *findSlot(quint64 seq);
    void flush();
    void beginClose();
    void closeNow();
    [[nodiscard]] std::shared_ptr<ConnectionLink> link();

    ServerContext &m_context;
    Worker &m_worker;
    Transport *m_transport;
    RequestParser m_parser;
    std::shared_ptr<ConnectionLink> m_link;
    std::shared_ptr<StreamState> m_stream;
    std::deque<Slot> m_slots;
    QByteArray m_out;
    QHostAddress m_peerAddress;
    quint16 m_peerPort = 0;
    quint16 m_localPort = 0;
    bool m_secure = false;
    quint64 m_nextSeq = 0;
    qint64 m_lastActivityMs = 0;
    qint64 m_headerStartMs = 0;
    qint64 m_lastWriteMs = 0;
    qint64 m_lingerUntilMs = 0;
    bool m_inRead = false;
    bool m_stopDispatch = false; ///< a request that ends the connection was dispatched
    bool m_closeAfterWrite = false;
    bool m_closing = false;
    bool m_readPaused = false;
    bool m_peerClosed = false; ///< the client closed its side; answer, then close
    bool m_dead = false;
    int m_handlerDepth = 0;       ///< handlers on the stack (one may spin a nested event loop)
    bool m_closeDeferred = false; ///< closeNow() came while a handler was on the stack
    bool m_readDeferred = false;  ///< readiness came while a handler was on the stack
};

class Worker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Worker)

public:
    explicit Worker(ServerContext &context);
    ~Worker() override;

    /// Worker thread: adopts an accepted socket.
    void addSocket(qintptr descriptor);
    /// Worker thread: closes every connection.
    void closeAll();
    void removeConnection(Connection *connection);

    std::atomic<int> load{0};

private:
    void sweep();

    ServerContext &m_context;
    QTimer *m_sweepTimer = nullptr;
    std::vector<Connection *> m_connections;
};

class Listener final : public QTcpServer
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Listener)

public:
    Listener(ServerContext &context, std::vector<std::unique_ptr<Worker>> &workers);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    ServerContext &m_context;
    std::vector<std::unique_ptr<Worker>> &m_workers;
};

/// Monotonic milliseconds.
[[nodiscard]] qint64 nowMs();

} // namespace Http::Detail
