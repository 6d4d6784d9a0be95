#pragma once

// A blocking HTTP/1.1 client over a raw QTcpSocket for tests: writes exact bytes, parses
// responses just enough to check what the server sent.

#include <optional>

#include <QDeadlineTimer>
#include <QSslSocket>
#include <QTcpSocket>

#include "http/message.h"

struct RawResponse
{
    int status = 0;
    QByteArray head; ///< status line and headers as received
    Http::Headers headers;
    QByteArray body;
};

class RawClient
{
public:
    explicit RawClient(quint16 port, QTcpSocket *socket = nullptr)
        : m_socket(socket ? socket : &m_own)
    {
        if (!socket) {
            m_socket->connectToHost(QHostAddress::LocalHost, port);
            m_socket->waitForConnected(5000);
        }
    }

    [[nodiscard]] bool connected() const
    {
        return m_socket->state() == QAbstractSocket::ConnectedState;
    }
    void send(const QByteArray &bytes)
    {
        m_socket->write(bytes);
        m_socket->flush();
    }

    /// Waits until `n` bytes are buffered (false on timeout or close).
    bool fill(qsizetype n, QDeadlineTimer deadline)
    {
        while (m_buffer.size() < n) {
            if (!pull(deadline))
                return false;
        }
        return true;
    }

    /// Reads until `marker` is buffered; returns everything up to and including it.
    std::optional<QByteArray> readUntil(QByteArrayView marker, int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        qsizetype at;
        while ((at = m_buffer.indexOf(marker)) < 0) {
            if (!pull(deadline))
                return std::nullopt;
        }
        const QByteArray result = m_buffer.left(at + marker.size());
        m_buffer.remove(0, result.size());
        return result;
    }

    /// One response; `head` = the request was HEAD (no body follows the headers).
    std::optional<RawResponse> read(bool head = false, int timeoutMs = 5000)
    {
        const auto headBytes = readUntil("\r\n\r\n", timeoutMs);
        if (!headBytes)
            return std::nullopt;
        RawResponse response;
        response.head = *headBytes;
        const QList<QByteArray> lines = headBytes->trimmed().split('\n');
        const QList<QByteArray> statusLine = lines.first().trimmed().split(' ');
        if (statusLine.size() < 2 || !statusLine[0].startsWith("HTTP/1."))
            return std::nullopt;
        response.status = statusLine[1].toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                response.headers.add(line.left(colon), line.mid(colon + 1).trimmed());
        }
        if (head || response.status == 100 || response.status == 204 || response.status == 304)
            return response;
        const qsizetype length = response.headers.value("Content-Length").toLongLong();
        if (!fill(length, QDeadlineTimer(timeoutMs)))
            return std::nullopt;
        response.body = m_buffer.left(length);
        m_buffer.remove(0, length);
        return response;
    }

    /// True if the server closes the connection within the timeout.
    bool waitClosed(int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (m_socket->state() == QAbstractSocket::ConnectedState) {
            if (!pull(deadline) && deadline.hasExpired())
                return false;
        }
        return true;
    }

    [[nodiscard]] const QByteArray &buffered() const { return m_buffer; }
    QTcpSocket &socket() { return *m_socket; }

private:
    bool pull(QDeadlineTimer deadline)
    {
        if (m_socket->bytesAvailable() == 0) {
            if (m_socket->state() != QAbstractSocket::ConnectedState)
                return false;
            if (!m_socket->waitForReadyRead(int(std::max<qint64>(1, deadline.remainingTime()))))
                return m_socket->bytesAvailable() > 0 ? true : false;
        }
        m_buffer.append(m_socket->readAll());
        return true;
    }

    QTcpSocket m_own;
    QTcpSocket *m_socket;
    QByteArray m_buffer;
};
