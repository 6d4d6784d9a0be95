#include "http/transport.h"

#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpSocket>

#ifdef Q_OS_WIN
#include <winsock2.h>
#endif
#ifdef Q_OS_UNIX
#include <cerrno>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace Http::Detail {

namespace {
constexpr qint64 kReadBufferLimit = 1024 * 1024;
}

QtTransport::QtTransport(QTcpSocket *socket, bool secure)
    : m_socket(socket)
    , m_secure(secure)
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(kReadBufferLimit);
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    peerAddress = m_socket->peerAddress();
    peerPort = m_socket->peerPort();
    localPort = m_socket->localPort();
    connect(m_socket, &QTcpSocket::readyRead, this, &Transport::readable);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_socket->bytesToWrite() == 0)
            emit drained();
    });
    connect(m_socket, &QTcpSocket::disconnected, this, &Transport::failed);
    connect(m_socket, &QTcpSocket::errorOccurred, this, &Transport::failed);
}

qint64 QtTransport::read(char *buffer, qint64 max)
{
    const qint64 n = m_socket->read(buffer, max);
    if (n > 0)
        return n;
    return m_socket->state() == QAbstractSocket::ConnectedState ? 0 : -1;
}

void QtTransport::write(const QByteArray &bytes)
{
    m_socket->write(bytes);
    m_socket->flush();
}

qint64 QtTransport::pendingWrite() const
{
    return m_socket->bytesToWrite();
}

void QtTransport::pauseReading(bool paused)
{
    // Unread data stays in the socket's bounded buffer; announce it again on resume.
    if (!paused && m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &Transport::readable, Qt::QueuedConnection);
}

bool QtTransport::discardInput()
{
    m_socket->skip(m_socket->bytesAvailable());
    return m_socket->state() != QAbstractSocket::ConnectedState;
}

void QtTransport::finishWriting()
{
    if (m_secure) {
        m_socket->disconnectFromHost();
        return;
    }
#ifdef Q_OS_WIN
    ::shutdown(SOCKET(m_socket->socketDescriptor()), SD_SEND);
#else
    ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
#endif
}

void QtTransport::close()
{
    m_socket->disconnect(this);
    m_socket->abort();
}

#ifdef Q_OS_UNIX
FdTransport::FdTransport(int fd)
    : m_fd(fd)
{
    ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
    const int one = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(m_fd, reinterpret_cast<sockaddr *>(&address), &length) == 0) {
        peerAddress = QHostAddress(reinterpret_cast<const sockaddr *>(&address));
        peerPort = ntohs(address.ss_family == AF_INET6
                             ? reinterpret_cast<const sockaddr_in6 *>(&address)->sin6_port
                             : reinterpret_cast<const sockaddr_in *>(&address)->sin_port);
    }
    length = sizeof address;
    if (::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length) == 0) {
        localPort = ntohs(address.ss_family == AF_INET6
                              ? reinterpret_cast<const sockaddr_in6 *>(&address)->sin6_port
                              : reinterpret_cast<const sockaddr_in *>(&address)->sin_port);
    }
    m_readNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    connect(m_readNotifier, &QSocketNotifier::activated, this, &Transport::readable);
    m_writeNotifier = new QSocketNotifier(m_fd, QSocketNotifier::Write, this);
    m_writeNotifier->setEnabled(false);
    connect(m_writeNotifier, &QSocketNotifier::activated, this, &FdTransport::handleWritable);
}

FdTransport::~FdTransport()
{
    close();
}

qint64 FdTransport::read(char *buffer, qint64 max)
{
    if (m_fd < 0)
        return -1;
    for (;;) {
        const ssize_t n = ::recv(m_fd, buffer, size_t(max), 0);
        if (n > 0)
            return n;
        if (n == 0)
            return -1;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

void FdTransport::write(const QByteArray &bytes)
{
    if (m_fd < 0 || m_failed)
        return;
    qsizetype sent = 0;
    if (m_pending.isEmpty()) {
        while (sent < bytes.size()) {
            const ssize_t n =
                ::send(m_fd, bytes.constData() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL);
            if (n > 0) {
                sent += n;
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            fail();
            return;
        }
    }
    if (sent < bytes.size()) {
        m_pending.append(bytes.constData() + sent, bytes.size() - sent);
        m_writeNotifier->setEnabled(true);
    }
}

void FdTransport::handleWritable()
{
    while (!m_pending.isEmpty()) {
        const ssize_t n =
            ::send(m_fd, m_pending.constData(), size_t(m_pending.size()), MSG_NOSIGNAL);
        if (n > 0) {
            m_pending.remove(0, n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        fail();
        return;
    }
    m_writeNotifier->setEnabled(false);
    emit drained();
}

void FdTransport::fail()
{
    if (m_failed)
        return;
    m_failed = true;
    m_pending.clear();
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(false);
    // Queued: the caller may be in the middle of a write on behalf of the connection.
    QMetaObject::invokeMethod(this, &Transport::failed, Qt::QueuedConnection);
}

void FdTransport::pauseReading(bool paused)
{
    if (m_readNotifier)
        m_readNotifier->setEnabled(!paused);
}

bool FdTransport::discardInput()
{
    char scratch[16 * 1024];
    for (int i = 0; i < 64; ++i) {
        const qint64 n = read(scratch, sizeof scratch);
        if (n < 0)
            return true;
        if (n == 0)
            return false;
    }
    return false;
}

void FdTransport::finishWriting()
{
    if (m_fd >= 0)
        ::shutdown(m_fd, SHUT_WR);
}

void FdTransport::close()
{
    if (m_fd < 0)
        return;
    delete m_readNotifier;
    m_readNotifier = nullptr;
    delete m_writeNotifier;
    m_writeNotifier = nullptr;
    ::close(m_fd);
    m_fd = -1;
}
#endif

} // namespace Http::Detail
