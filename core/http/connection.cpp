#include "http/connection.h"

#include <charconv>
#include <chrono>
#include <ctime>

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include "http/exchangelog.h"
#include "http/syntax.h"
#include "http/transport.h"

#ifdef Q_OS_WIN
#include <winsock2.h>
#else
#include <unistd.h>
#endif

namespace Http::Detail {

namespace {

using Syntax::equalsIgnoreCase;
using Syntax::hexValue;
using Syntax::isTokenChar;

constexpr qint64 kLingerMs = 2000;
constexpr qsizetype kReadChunk = 64 * 1024;

qint64 nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

/// "Date: Sat, 21 Nov 2026 21:59:05 GMT\r\n", formatted at most once a second per thread.
QByteArrayView dateHeader()
{
    thread_local std::time_t cachedSecond = 0;
    thread_local char buffer[64];
    thread_local qsizetype length = 0;
    const std::time_t now = std::time(nullptr);
    if (now != cachedSecond) {
        std::tm tm{};
#ifdef Q_OS_WIN
        gmtime_s(&tm, &now);
#else
        gmtime_r(&now, &tm);
#endif
        length = qsizetype(
            std::strftime(buffer, sizeof buffer, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm));
        cachedSecond = now;
    }
    return QByteArrayView(buffer, length);
}

void appendNumber(QByteArray &out, qint64 value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, qsizetype(result.ptr - buffer));
}

/// The server owns framing: a handler's own Content-Length, Transfer-Encoding or
/// Connection header is dropped.
bool isFramingHeader(QByteArrayView name)
{
    return equalsIgnoreCase(name, "Content-Length") ||
           equalsIgnoreCase(name, "Transfer-Encoding") || equalsIgnoreCase(name, "Connection");
}

/// Why a handler's response cannot be sent, or nullptr.
const char *invalidResponse(const Response &response)
{
    if (response.status < 200 || response.status > 599)
        return "status code out of range";
    for (const Headers::Entry &entry : response.headers.entries()) {
        if (entry.first.isEmpty())
            return "empty header name";
        for (char c : entry.first) {
            if (!isTokenChar(c))
                return "invalid header name";
        }
        for (char c : entry.second) {
            if (c == '\r' || c == '\n' || c == '\0')
                return "CR, LF or NUL in a header value";
        }
    }
    return nullptr;
}

bool wantsClose(const Response &response)
{
    for (const Headers::Entry &entry : response.headers.entries()) {
        if (equalsIgnoreCase(entry.first, "Connection") && entry.second.toLower().contains("close"))
            return true;
    }
    return false;
}

Response internalError(const char *why)
{
    return Response::text(500, QByteArrayLiteral("internal server error: ") + why + '\n');
}

/// Appends the wire form of `response`.
void serialize(QByteArray &out, const Response &response, bool head, bool close, int versionMinor)
{
    const QByteArray reason = reasonPhrase(response.status);
    const bool noBody = response.status == 204 || response.status == 304;
    out.reserve(out.size() + 160 + response.body.size() + response.headers.entries().size() * 48);
    out.append("HTTP/1.1 ");
    appendNumber(out, response.status);
    out.append(' ');
    out.append(reason);
    out.append("\r\n");
    bool hasDate = false;
    for (const Headers::Entry &entry : response.headers.entries()) {
        if (isFramingHeader(entry.first))
            continue;
        hasDate = hasDate || equalsIgnoreCase(entry.first, "Date");
        out.append(entry.first);
        out.append(": ");
        out.append(entry.second);
        out.append("\r\n");
    }
    if (!hasDate)
        out.append(dateHeader());
    if (!noBody) {
        out.append("Content-Length: ");
        appendNumber(out, response.body.size());
        out.append("\r\n");
    }
    if (close)
        out.append("Connection: close\r\n");
    else if (versionMinor == 0)
        out.append("Connection: keep-alive\r\n");
    out.append("\r\n");
    if (!head && !noBody)
        out.append(response.body);
}

} // namespace

qint64 nowMs()
{
    return nowNs() / 1000000;
}

bool ConnectionLink::post(std::function<void(Connection *)> work)
{
    QMutexLocker locker(&mutex);
    if (!connection)
        return false;
    Connection *target = connection;
    QMetaObject::invokeMethod(
        target, [target, work = std::move(work)] { work(target); }, Qt::QueuedConnection);
    return true;
}

ResponderState::ResponderState(std::shared_ptr<ConnectionLink> link, quint64 seq)
    : link(std::move(link))
    , seq(seq)
{}

ResponderState::~ResponderState()
{
    if (answered.exchange(true))
        return;
    const quint64 number = seq;
    link->post([number](Connection *c) {
        c->asyncAnswered(number, internalError("the handler dropped the request unanswered"));
    });
}

StreamState::StreamState(std::shared_ptr<ConnectionLink> link)
    : link(std::move(link))
{}

void StreamState::markClosed()
{
    open.store(false);
    std::function<void()> callback;
    {
        QMutexLocker locker(&mutex);
        if (closed)
            return;
        closed = true;
        callback = std::move(closedCallback);
    }
    if (callback)
        callback();
}

Connection::Connection(ServerContext &context, Worker &worker, Transport *transport, bool secure)
    : m_context(context)
    , m_worker(worker)
    , m_transport(transport)
    , m_parser(ParserLimits{context.options.maxHeaderBytes, context.options.defaultBodyLimit})
    , m_secure(secure)
{
    m_transport->setParent(this);
    m_peerAddress = m_transport->peerAddress;
    m_peerPort = m_transport->peerPort;
    m_localPort = m_transport->localPort;
    m_lastActivityMs = nowMs();
    const Router *router = context.router;
    const qint64 fallback = context.options.defaultBodyLimit;
    m_parser.setBodyLimitResolver([router, fallback](const Request &request) {
        return router->bodyLimit(request.method, request.path, fallback);
    });
    connect(m_transport, &Transport::readable, this, &Connection::handleReadyRead);
    connect(m_transport, &Transport::drained, this, &Connection::handleBytesWritten);
    connect(m_transport, &Transport::failed, this, &Connection::closeNow);
}

Connection::~Connection()
{
    if (m_link) {
        QMutexLocker locker(&m_link->mutex);
        m_link->connection = nullptr;
    }
    if (m_stream)
        m_stream->markClosed();
}

std::shared_ptr<ConnectionLink> Connection::link()
{
    if (!m_link) {
        m_link = std::make_shared<ConnectionLink>();
        m_link->connection = this;
    }
    return m_link;
}

void Connection::handleReadyRead()
{
    if (m_dead)
        return;
    if (m_handlerDepth > 0) {
        // Re-entered from a handler's nested event loop (a blocking client call): this
        // connection's state belongs to that handler until it returns; read on afterwards.
        m_readDeferred = true;
        m_transport->pauseReading(true);
        return;
    }
    if (m_closing || m_closeAfterWrite || m_stopDispatch) {
        // Nothing more is parsed; keep draining so that a client that leaves is noticed
        // (an event stream ends at once) and so that closing does not reset the link.
        if (!m_transport->discardInput())
            return;
        // The peer closed its side. An event stream ends at once; answers still owed (an
        // asynchronous handler's, or bytes not yet written) go out first, because a client
        // may half-close right after sending its last request.
        if (m_stream || (m_slots.empty() && m_transport->pendingWrite() == 0)) {
            closeNow();
            return;
        }
        m_peerClosed = true;
        m_transport->pauseReading(true);
        flush();
        return;
    }
    thread_local char buffer[kReadChunk];
    const int maxPending = std::max(1, m_context.options.maxPipelinedRequests);
    const qint64 now = nowMs();
    bool peerClosed = false;
    m_inRead = true;
    while (!m_stopDispatch && qsizetype(m_slots.size()) < maxPending) {
        const qint64 n = m_transport->read(buffer, kReadChunk);
        if (n < 0)
            peerClosed = true;
        if (n <= 0)
            break;
        m_lastActivityMs = now;
        const quint64 startedBefore = m_parser.messagesStarted();
        m_parser.feed(QByteArrayView(buffer, qsizetype(n)));
        if (m_parser.messagesStarted() != startedBefore)
            m_headerStartMs = now;
        while (m_parser.hasRequest() && !m_stopDispatch && !m_dead)
            dispatch(m_parser.takeRequest());
        if (m_dead) {
            m_inRead = false;
            return;
        }
        if (m_stopDispatch)
            break;
        if (m_parser.hasError()) {
            queueError(m_parser.error().status, m_parser.error().message);
            break;
        }
        if (m_parser.continueExpected()) {
            m_parser.acknowledgeContinue();
            Slot slot;
            slot.seq = m_nextSeq++;
            slot.state = SlotState::Ready;
            slot.bytes = QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n");
            if (m_slots.empty())
                m_out.append(slot.bytes);
            else
                m_slots.push_back(std::move(slot));
        }
        if (n < kReadChunk)
            break; // drained; the next readiness notification brings more
    }
    m_inRead = false;
    if (!peerClosed && !m_stopDispatch && qsizetype(m_slots.size()) >= maxPending) {
        // Stop reading until handlers catch up; the kernel buffers the rest.
        m_readPaused = true;
        m_transport->pauseReading(true);
    }
    if (peerClosed) {
        // The client sent all it will send: answer what is pending, then close.
        m_peerClosed = true;
        m_stopDispatch = true;
        m_transport->pauseReading(true);
    }
    flush();
}

void Connection::dispatch(Request request)
{
    request.peerAddress = m_peerAddress;
    request.peerPort = m_peerPort;
    request.localPort = m_localPort;
    request.secure = m_secure;

    Slot slot;
    slot.seq = m_nextSeq++;
    slot.head = request.method == "HEAD";
    slot.closeAfter = !RequestParser::keepAlive(request);
    slot.versionMinor = request.versionMinor;
    if (slot.closeAfter)
        m_stopDispatch = true;
    if (m_context.log.load(std::memory_order_relaxed)) {
        slot.startedNs = nowNs();
        slot.startedAt = QDateTime::currentDateTimeUtc();
    }

    Router::Match match = m_context.router->match(request.method, request.path);
    if (!match.route) {
        Response response = match.status == 405
                                ? Response::text(405, QByteArrayLiteral("method not allowed\n"))
                                : Response::text(404, QByteArrayLiteral("not found\n"));
        if (match.status == 405)
            response.headers.add(QByteArrayLiteral("Allow"), match.allow);
        if (m_context.log.load(std::memory_order_relaxed))
            slot.request = std::move(request);
        answer(std::move(slot), std::move(response));
        return;
    }
    request.pathParams = std::move(match.params);
    const Router::Route &route = *match.route;
    if (route.sync) {
        Response response;
        ++m_handlerDepth;
        try {
            response = route.sync(request);
        } catch (const std::exception &e) {
            qWarning("Http::Server: handler for %s %s threw: %s", route.method.constData(),
                     route.pattern.constData(), e.what());
            response = internalError("the handler failed");
        } catch (...) {
            response = internalError("the handler failed");
        }
        if (!handlerReturned())
            return;
        if (m_context.log.load(std::memory_order_relaxed))
            slot.request = std::move(request);
        answer(std::move(slot), std::move(response));
        return;
    }

    const quint64 seq = slot.seq;
    if (m_context.log.load(std::memory_order_relaxed))
        slot.request = request;
    m_slots.push_back(std::move(slot));
    auto state = std::make_shared<ResponderState>(link(), seq);
    ++m_handlerDepth;
    try {
        route.async(request, Responder(state));
    } catch (...) {
        qWarning("Http::Server: async handler for %s %s threw", route.method.constData(),
                 route.pattern.constData());
        if (!state->answered.exchange(true))
            asyncAnswered(seq, internalError("the handler failed"));
    }
    handlerReturned();
}

bool Connection::handlerReturned()
{
    --m_handlerDepth;
    if (m_handlerDepth > 0)
        return !m_closeDeferred;
    if (m_closeDeferred) {
        m_closeDeferred = false;
        closeNow();
        return false;
    }
    if (m_readDeferred && !m_dead) {
        m_readDeferred = false;
        if (!m_readPaused)
            m_transport->pauseReading(false);
        QMetaObject::invokeMethod(this, &Connection::handleReadyRead, Qt::QueuedConnection);
    }
    return !m_dead;
}

void Connection::answer(Slot &&slot, Response response)
{
    if (const char *why = invalidResponse(response)) {
        qWarning("Http::Server: handler returned an invalid response (%s)", why);
        response = internalError(why);
    }
    if (wantsClose(response) && !slot.closeAfter) {
        slot.closeAfter = true;
        m_stopDispatch = true;
    }
    if (ExchangeLog *log = m_context.log.load(std::memory_order_relaxed); log && slot.request) {
        log->captureServer(*slot.request, response, (nowNs() - slot.startedNs) / 1000,
                           slot.startedAt);
    }
    if (m_slots.empty()) {
        serialize(m_out, response, slot.head, slot.closeAfter, slot.versionMinor);
        if (slot.closeAfter)
            m_closeAfterWrite = true;
        return;
    }
    if (m_slots.front().seq <= slot.seq && findSlot(slot.seq)) {
        Slot *existing = findSlot(slot.seq);
        existing->state = SlotState::Ready;
        existing->closeAfter = slot.closeAfter;
        serialize(existing->bytes, response, slot.head, slot.closeAfter, slot.versionMinor);
        existing->request.reset();
        return;
    }
    slot.state = SlotState::Ready;
    slot.request.reset();
    serialize(slot.bytes, response, slot.head, slot.closeAfter, slot.versionMinor);
    m_slots.push_back(std::move(slot));
}

void Connection::queueError(int status, const QByteArray &message)
{
    Slot slot;
    slot.seq = m_nextSeq++;
    slot.closeAfter = true;
    m_stopDispatch = true;
    answer(std::move(slot), Response::text(status, message + '\n'));
}

Connection::Slot *Connection::findSlot(quint64 seq)
{
    if (m_slots.empty() || seq < m_slots.front().seq)
        return nullptr;
    const quint64 index = seq - m_slots.front().seq;
    if (index >= m_slots.size())
        return nullptr;
    return &m_slots[size_t(index)];
}

void Connection::asyncAnswered(quint64 seq, Response response)
{
    if (m_dead)
        return;
    Slot *slot = findSlot(seq);
    if (!slot || slot->state != SlotState::Pending)
        return;
    Slot copy;
    copy.seq = seq;
    copy.head = slot->head;
    copy.closeAfter = slot->closeAfter;
    copy.versionMinor = slot->versionMinor;
    copy.request = std::move(slot->request);
    copy.startedNs = slot->startedNs;
    copy.startedAt = slot->startedAt;
    answer(std::move(copy), std::move(response));
    if (!m_inRead) {
        flush();
        if (m_readPaused && !m_dead && !m_stopDispatch) {
            m_readPaused = false;
            m_transport->pauseReading(false);
        }
    }
}

void Connection::streamStarted(quint64 seq, Headers headers, std::shared_ptr<StreamState> stream)
{
    Slot *slot = m_dead ? nullptr : findSlot(seq);
    if (!slot || slot->state != SlotState::Pending) {
        stream->markClosed();
        return;
    }
    Response response;
    response.headers = std::move(headers);
    response.headers.set(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/event-stream"));
    response.headers.set(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-cache"));
    if (const char *why = invalidResponse(response)) {
        stream->markClosed();
        asyncAnswered(seq, internalError(why));
        return;
    }
    if (ExchangeLog *log = m_context.log.load(std::memory_order_relaxed); log && slot->request)
        log->captureServer(*slot->request, response, (nowNs() - slot->startedNs) / 1000,
                           slot->startedAt);
    slot->request.reset();
    // The stream is delimited by closing the connection; nothing after it is answered.
    QByteArray &out = slot->bytes;
    out.append("HTTP/1.1 200 OK\r\n");
    for (const Headers::Entry &entry : response.headers.entries()) {
        if (isFramingHeader(entry.first))
            continue;
        out.append(entry.first + ": " + entry.second + "\r\n");
    }
    out.append(dateHeader());
    out.append("Connection: close\r\n\r\n");
    slot->state = SlotState::Streaming;
    slot->closeAfter = true;
    m_stopDispatch = true;
    m_stream = std::move(stream);
    flush();
}

void Connection::streamData(const QByteArray &bytes)
{
    if (m_dead || !m_stream)
        return;
    for (Slot &slot : m_slots) {
        if (slot.state == SlotState::Streaming) {
            slot.bytes.append(bytes);
            break;
        }
    }
    flush();
}

void Connection::streamEnd()
{
    if (m_dead || !m_stream)
        return;
    for (Slot &slot : m_slots) {
        if (slot.state == SlotState::Streaming)
            slot.state = SlotState::Ready;
    }
    m_stream->markClosed();
    flush();
}

void Connection::flush()
{
    if (m_dead)
        return;
    while (!m_slots.empty()) {
        Slot &front = m_slots.front();
        if (front.state == SlotState::Pending)
            break;
        m_out.append(front.bytes);
        if (front.state == SlotState::Streaming) {
            front.bytes.clear();
            break;
        }
        const bool close = front.closeAfter;
        m_slots.pop_front();
        if (close) {
            m_closeAfterWrite = true;
            m_slots.clear();
            break;
        }
    }
    if (!m_out.isEmpty()) {
        m_transport->write(m_out);
        m_out.resize(0); // keeps the capacity for the next response
        m_lastWriteMs = nowMs();
        m_lastActivityMs = m_lastWriteMs;
    }
    if (m_stream)
        m_stream->unwritten.store(m_transport->pendingWrite());
    if (m_peerClosed && m_slots.empty())
        m_closeAfterWrite = true;
    if (m_closeAfterWrite && !m_closing)
        beginClose();
}

void Connection::handleBytesWritten()
{
    if (m_stream)
        m_stream->unwritten.store(m_transport->pendingWrite());
    if (m_closing && m_lingerUntilMs == 0 && m_transport->pendingWrite() == 0)
        beginClose();
}

void Connection::beginClose()
{
    m_closing = true;
    if (m_transport->pendingWrite() > 0)
        return; // handleBytesWritten() comes back here
    if (m_stream)
        m_stream->markClosed();
    if (m_peerClosed) {
        closeNow();
        return;
    }
    // Half-close and keep draining for a moment: closing with unread request bytes would
    // make the kernel send a reset that can destroy the response before the client reads it.
    m_transport->finishWriting();
    m_lingerUntilMs = nowMs() + kLingerMs;
    if (m_transport->discardInput())
        closeNow();
}

void Connection::closeNow()
{
    if (m_dead)
        return;
    if (m_handlerDepth > 0) {
        // A handler is on the stack (in a nested event loop): closing now, and the
        // deleteLater() that loop would run, must wait until it returns.
        m_closeDeferred = true;
        return;
    }
    m_dead = true;
    if (m_link) {
        QMutexLocker locker(&m_link->mutex);
        m_link->connection = nullptr;
    }
    if (m_stream)
        m_stream->markClosed();
    m_transport->disconnect(this);
    m_transport->close();
    m_worker.removeConnection(this);
    deleteLater();
}

void Connection::shutdown()
{
    if (m_dead)
        return;
    if (m_stream)
        m_stream->markClosed();
    flush();
    m_dead = true;
    if (m_link) {
        QMutexLocker locker(&m_link->mutex);
        m_link->connection = nullptr;
    }
    m_transport->disconnect(this);
    m_transport->close();
}

void Connection::sweep(qint64 now)
{
    if (m_dead || m_handlerDepth > 0)
        return;
    const ServerOptions &options = m_context.options;
    if (m_closing) {
        if (m_lingerUntilMs > 0 && now >= m_lingerUntilMs)
            closeNow();
        return;
    }
    if (m_stream) {
        if (now - m_lastWriteMs >= options.eventStreamKeepAliveMs)
            streamData(QByteArrayLiteral(": keep-alive\n\n"));
        return;
    }
    if (m_parser.inHeaderBlock()) {
        if (now - m_headerStartMs >= options.headerTimeoutMs) {
            queueError(408, QByteArrayLiteral("request header block not received in time"));
            flush();
        }
        return;
    }
    if (!m_slots.empty() || m_closeAfterWrite)
        return; // a handler is still working
    if (now - m_lastActivityMs >= options.idleTimeoutMs)
        closeNow();
}

Worker::Worker(ServerContext &context)
    : m_context(context)
{}

Worker::~Worker() = default;

void Worker::addSocket(qintptr descriptor)
{
    if (!m_sweepTimer) {
        const ServerOptions &o = m_context.options;
        const int shortest =
            std::min({o.idleTimeoutMs, o.headerTimeoutMs, o.eventStreamKeepAliveMs});
        m_sweepTimer = new QTimer(this);
        m_sweepTimer->setInterval(std::clamp(shortest / 4, 5, 1000));
        connect(m_sweepTimer, &QTimer::timeout, this, &Worker::sweep);
        m_sweepTimer->start();
    }
    const bool secure = m_context.tls.has_value();
    Transport *transport = nullptr;
#ifdef Q_OS_UNIX
    if (!secure)
        transport = new FdTransport(int(descriptor));
#endif
    if (!transport) {
        QTcpSocket *socket = secure ? new QSslSocket : new QTcpSocket;
        if (!socket->setSocketDescriptor(descriptor)) {
            qWarning("Http::Server: cannot adopt an accepted socket: %s",
                     qUtf8Printable(socket->errorString()));
            delete socket;
#ifdef Q_OS_WIN
            ::closesocket(SOCKET(descriptor));
#else
            ::close(int(descriptor));
#endif
            load.fetch_sub(1);
            m_context.connections.fetch_sub(1);
            return;
        }
        if (secure) {
            auto *ssl = static_cast<QSslSocket *>(socket);
            ssl->setSslConfiguration(*m_context.tls);
            ssl->startServerEncryption();
        }
        transport = new QtTransport(socket, secure);
    }
    m_connections.push_back(new Connection(m_context, *this, transport, secure));
}

void Worker::removeConnection(Connection *connection)
{
    const auto it = std::find(m_connections.begin(), m_connections.end(), connection);
    if (it == m_connections.end())
        return;
    *it = m_connections.back();
    m_connections.pop_back();
    load.fetch_sub(1);
    m_context.connections.fetch_sub(1);
}

void Worker::closeAll()
{
    const std::vector<Connection *> connections = std::move(m_connections);
    m_connections.clear();
    for (Connection *connection : connections) {
        connection->shutdown();
        delete connection;
        load.fetch_sub(1);
        m_context.connections.fetch_sub(1);
    }
    delete m_sweepTimer;
    m_sweepTimer = nullptr;
}

void Worker::sweep()
{
    const qint64 now = nowMs();
    // sweep() may remove connections from the list.
    const std::vector<Connection *> connections = m_connections;
    for (Connection *connection : connections)
        connection->sweep(now);
}

Listener::Listener(ServerContext &context, std::vector<std::unique_ptr<Worker>> &workers)
    : m_context(context)
    , m_workers(workers)
{}

void Listener::incomingConnection(qintptr descriptor)
{
    if (m_context.connections.load() >= m_context.options.maxConnections || m_workers.empty()) {
        QTcpSocket socket;
        if (socket.setSocketDescriptor(descriptor)) {
            if (!m_context.tls) {
                socket.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                             "Connection: close\r\nRetry-After: 1\r\n\r\n");
                socket.flush();
            }
            socket.close();
        }
        return;
    }
    Worker *chosen = m_workers.front().get();
    for (const auto &worker : m_workers) {
        if (worker->load.load() < chosen->load.load())
            chosen = worker.get();
    }
    chosen->load.fetch_add(1);
    m_context.connections.fetch_add(1);
    QMetaObject::invokeMethod(
        chosen, [chosen, descriptor] { chosen->addSocket(descriptor); }, Qt::QueuedConnection);
}

} // namespace Http::Detail
