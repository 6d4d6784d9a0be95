#include "http/server.h"

#include <QThread>

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "http/connection.h"

namespace Http {

Server::Server(ServerOptions options, QObject *parent)
    : QObject(parent)
    , m_context(std::make_unique<Detail::ServerContext>())
{
    m_context->options = std::move(options);
    m_context->router = &m_router;
}

Server::~Server()
{
    close();
}

const ServerOptions &Server::options() const
{
    return m_context->options;
}

Core::Status Server::listen(const QHostAddress &address, quint16 port, ListenMode mode)
{
    if (m_listener)
        return Core::makeError(QStringLiteral("already_listening"),
                               QStringLiteral("the server already listens on port %1").arg(m_port));
    ServerOptions &options = m_context->options;
    if (options.tls) {
        if (options.tls->certificate.isNull() || options.tls->privateKey.isNull())
            return Core::makeError(
                QStringLiteral("tls_invalid"),
                QStringLiteral("TLS is enabled but the certificate or key is empty"));
        m_context->tls = options.tls->serverConfiguration();
    } else {
        m_context->tls.reset();
    }

    // Workers first: the listener hands sockets to them from its first accept on.
    const int count =
        options.workerThreads > 0 ? options.workerThreads : QThread::idealThreadCount();
    for (int i = 0; i < std::max(1, count); ++i) {
        auto thread = std::make_unique<QThread>();
        thread->setObjectName(QStringLiteral("http-worker-%1").arg(i));
        auto worker = std::make_unique<Detail::Worker>(*m_context);
        worker->moveToThread(thread.get());
        thread->start();
#ifdef Q_OS_LINUX
        if (const int nice = std::clamp(options.workerNice, 0, 19); nice > 0) {
            // Per-thread on Linux: setpriority() with the thread's id.
            QMetaObject::invokeMethod(
                worker.get(), [nice] { ::setpriority(PRIO_PROCESS, id_t(::gettid()), nice); },
                Qt::QueuedConnection);
        }
#endif
        m_workers.push_back(std::move(worker));
        m_threads.push_back(std::move(thread));
    }

    m_acceptThread = std::make_unique<QThread>();
    m_acceptThread->setObjectName(QStringLiteral("http-accept"));
    m_acceptThread->start();
    auto *listener = new Detail::Listener(*m_context, m_workers);
    listener->moveToThread(m_acceptThread.get());
    Core::Status status;
    QMetaObject::invokeMethod(
        listener,
        [&] {
            listener->setMaxPendingConnections(1024);
            if (listener->listen(address, port)) {
                if (mode == ListenMode::Paused)
                    listener->pauseAccepting();
                m_address = listener->serverAddress();
                m_port = listener->serverPort();
                return;
            }
            const bool inUse = listener->serverError() == QAbstractSocket::AddressInUseError;
            status = Core::makeError(inUse ? QStringLiteral("address_in_use")
                                           : QStringLiteral("listen_failed"),
                                     QStringLiteral("cannot listen on %1 port %2: %3")
                                         .arg(address.toString())
                                         .arg(port)
                                         .arg(listener->errorString()));
        },
        Qt::BlockingQueuedConnection);
    m_listener = listener;
    if (!status.ok())
        close();
    return status;
}

void Server::resumeAccepting()
{
    if (!m_listener)
        return;
    Detail::Listener *listener = m_listener;
    QMetaObject::invokeMethod(
        listener, [listener] { listener->resumeAccepting(); }, Qt::BlockingQueuedConnection);
}

bool Server::isListening() const
{
    return m_listener != nullptr;
}

quint16 Server::port() const
{
    return m_port;
}

QHostAddress Server::address() const
{
    return m_address;
}

QUrl Server::baseUrl() const
{
    QUrl url;
    url.setScheme(m_context->tls ? QStringLiteral("https") : QStringLiteral("http"));
    QHostAddress host = m_address;
    if (host == QHostAddress::Any || host == QHostAddress::AnyIPv4)
        host = QHostAddress::LocalHost;
    else if (host == QHostAddress::AnyIPv6)
        host = QHostAddress::LocalHostIPv6;
    url.setHost(host.toString());
    url.setPort(m_port);
    return url;
}

void Server::close()
{
    if (m_listener) {
        Detail::Listener *listener = m_listener;
        QMetaObject::invokeMethod(
            listener, [listener] { delete listener; }, Qt::BlockingQueuedConnection);
        m_listener = nullptr;
    }
    if (m_acceptThread) {
        m_acceptThread->quit();
        m_acceptThread->wait();
        m_acceptThread.reset();
    }
    for (size_t i = 0; i < m_workers.size(); ++i) {
        Detail::Worker *worker = m_workers[i].get();
        QMetaObject::invokeMethod(
            worker, [worker] { worker->closeAll(); }, Qt::BlockingQueuedConnection);
        m_threads[i]->quit();
        m_threads[i]->wait();
    }
    m_workers.clear();
    m_threads.clear();
    m_port = 0;
    m_address.clear();
}

void Server::setExchangeLog(ExchangeLog *log)
{
    m_context->log.store(log);
}

int Server::connectionCount() const
{
    return m_context->connections.load();
}

} // namespace Http
