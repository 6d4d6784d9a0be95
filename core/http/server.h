#pragma once

#include <memory>
#include <optional>

#include <QHostAddress>
#include <QObject>
#include <QThread>
#include <QUrl>

#include "common/result.h"
#include "http/router.h"
#include "http/tls.h"

namespace Http {

class ExchangeLog;

namespace Detail {
class Listener;
class Worker;
struct ServerContext;
} // namespace Detail

struct ServerOptions
{
    int workerThreads = 0;                 ///< 0 = QThread::idealThreadCount()
    qsizetype maxHeaderBytes = 16 * 1024;  ///< request line + headers; larger -> 431
    qint64 defaultBodyLimit = 1024 * 1024; ///< per-route RouteOptions::bodyLimit overrides
    int idleTimeoutMs = 30000;             ///< keep-alive connection without a request
    int headerTimeoutMs = 10000;           ///< the whole header block must arrive within it
    int maxConnections = 4096;             ///< beyond it new connections get 503 and close
    int maxPipelinedRequests = 64;         ///< unanswered requests per connection before
                                           ///< the server stops reading from it
    int eventStreamKeepAliveMs = 15000;    ///< comment lines on idle event streams
    /// Nice value of the worker threads (Linux; 0 to 19, 0 = unchanged): a server embedded
    /// in a GUI yields the CPU to the UI thread when both are busy.
    int workerNice = 0;
    std::optional<TlsCredentials> tls; ///< serve HTTPS when set
};

/// An HTTP/1.1 (optionally HTTPS) server: the listening socket on an accept thread of its
/// own and N worker threads, each with its own event loop, that own the connections
/// (handed to the least-loaded worker). Handlers run on the worker threads, so they must
/// be thread-safe and must not block for long; slow work belongs in an async handler.
/// Configure router() before listen(); create, listen and close from one thread (the
/// owner's), never from a handler (close() joins the workers and would wait for itself).
class Server final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Server)

public:
    explicit Server(ServerOptions options = {}, QObject *parent = nullptr);
    ~Server() override;

    [[nodiscard]] Router &router() { return m_router; }
    [[nodiscard]] const ServerOptions &options() const;

    enum class ListenMode {
        Accept, ///< serve connections at once
        /// Bind the port but leave connections waiting in the kernel's backlog until
        /// resumeAccepting(): lets the owner learn an ephemeral port (e.g. to derive an
        /// issuer URL) and finish adding routes before the first request is read.
        Paused,
    };

    /// Starts listening and the workers. Port 0 picks a free port. Fails with
    /// "address_in_use" (or "listen_failed") and a message naming the address.
    Core::Status listen(const QHostAddress &address, quint16 port,
                        ListenMode mode = ListenMode::Accept);
    /// Starts serving after listen(..., ListenMode::Paused). Routes must be complete.
    void resumeAccepting();
    [[nodiscard]] bool isListening() const;
    [[nodiscard]] quint16 port() const;
    [[nodiscard]] QHostAddress address() const;
    /// "http://127.0.0.1:8080" or "https://[::1]:8443" (no trailing slash).
    [[nodiscard]] QUrl baseUrl() const;
    /// Stops listening, closes every connection (event streams end cleanly) and joins the
    /// workers. listen() may be called again afterwards.
    void close();

    /// Captures every answered request into `log` (not owned; must outlive the server or
    /// be detached with nullptr first). May be called at any time.
    void setExchangeLog(ExchangeLog *log);
    /// Number of open connections over all workers.
    [[nodiscard]] int connectionCount() const;

private:
    Router m_router;
    std::unique_ptr<Detail::ServerContext> m_context;
    // The listening socket lives on its own thread so that accepting never waits for the
    // owner's (possibly GUI) event loop.
    std::unique_ptr<QThread> m_acceptThread;
    Detail::Listener *m_listener = nullptr; ///< owned, lives in m_acceptThread
    std::vector<std::unique_ptr<Detail::Worker>> m_workers;
    std::vector<std::unique_ptr<QThread>> m_threads;
    QHostAddress m_address;
    quint16 m_port = 0;
};

} // namespace Http
