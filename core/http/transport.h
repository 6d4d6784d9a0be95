#pragma once

// Internal to core_http: the byte pipe under a connection. Plain TCP on Unix goes straight
// to the socket (no Qt socket buffers, no per-read ioctl); TLS, and everything on other
// systems, goes through QTcpSocket / QSslSocket.

#include <QByteArray>
#include <QHostAddress>
#include <QObject>

class QSocketNotifier;
class QTcpSocket;

namespace Http::Detail {

class Transport : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    QHostAddress peerAddress;
    quint16 peerPort = 0;
    quint16 localPort = 0;

    /// > 0: bytes read; 0: nothing available now; -1: the peer closed or the link failed.
    virtual qint64 read(char *buffer, qint64 max) = 0;
    /// Sends now what the kernel takes and queues the rest.
    virtual void write(const QByteArray &bytes) = 0;
    [[nodiscard]] virtual qint64 pendingWrite() const = 0;
    virtual void pauseReading(bool paused) = 0;
    /// Reads and drops what has arrived; true if the peer has closed.
    virtual bool discardInput() = 0;
    /// Ends our direction once the queue is empty: TCP half-close or TLS close_notify.
    virtual void finishWriting() = 0;
    /// Closes at once; no signal follows.
    virtual void close() = 0;

signals:
    void readable();
    void drained(); ///< the write queue became empty
    void failed();  ///< the peer closed or the link broke
};

class QtTransport final : public Transport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QtTransport)

public:
    /// Takes ownership of `socket`.
    explicit QtTransport(QTcpSocket *socket, bool secure);

    qint64 read(char *buffer, qint64 max) override;
    void write(const QByteArray &bytes) override;
    [[nodiscard]] qint64 pendingWrite() const override;
    void pauseReading(bool paused) override;
    bool discardInput() override;
    void finishWriting() override;
    void close() override;

private:
    QTcpSocket *m_socket;
    bool m_secure;
};

#ifdef Q_OS_UNIX
class FdTransport final : public Transport
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FdTransport)

public:
    /// Takes ownership of the connected socket `fd`.
    explicit FdTransport(int fd);
    ~FdTransport() override;

    qint64 read(char *buffer, qint64 max) override;
    void write(const QByteArray &bytes) override;
    [[nodiscard]] qint64 pendingWrite() const override { return m_pending.size(); }
    void pauseReading(bool paused) override;
    bool discardInput() override;
    void finishWriting() override;
    void close() override;

private:
    void handleWritable();
    void fail();

    int m_fd;
    QSocketNotifier *m_readNotifier = nullptr;
    QSocketNotifier *m_writeNotifier = nullptr;
    QByteArray m_pending;
    bool m_failed = false;
};
#endif

} // namespace Http::Detail
