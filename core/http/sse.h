#pragma once

#include <functional>
#include <memory>

#include <QByteArray>
#include <QByteArrayView>

namespace Http {

namespace Detail {
struct StreamState;
}

/// A server-sent events stream (text/event-stream) opened by Responder::startEventStream().
/// Copyable and thread-safe: every method may be called from any thread. Messages are
/// written in the order they are sent. The stream ends when the client disconnects, when
/// close() is called, or when the server closes; then the closed callback runs once.
class EventStream
{
public:
    EventStream() = default;
    explicit EventStream(std::shared_ptr<Detail::StreamState> state);

    /// Sends one message. `data` may span lines (each becomes a "data:" line); `event` and
    /// `id` are optional and must not contain CR or LF. Returns false if the stream is
    /// closed or a field is invalid.
    bool send(QByteArrayView data, QByteArrayView event = {}, QByteArrayView id = {}) const;
    /// Sends a comment line (": text"), ignored by clients; the server sends such
    /// keep-alives on its own. Returns false if the stream is closed.
    bool comment(QByteArrayView text) const;
    /// Ends the stream and closes the connection after the queued messages.
    void close() const;
    [[nodiscard]] bool isOpen() const;
    /// Bytes sent on this stream that have not reached the kernel yet: what a consumer
    /// that reads slowly has left queued in this process. Lets a publisher hold back (and
    /// drop) messages instead of letting memory grow; 0 for an empty stream.
    [[nodiscard]] qint64 backlogBytes() const;
    /// `callback` runs once when the stream ends, on the connection's worker thread, or
    /// right away on the calling thread if it has already ended. It must not block.
    void setClosedCallback(std::function<void()> callback) const;

    /// The wire form of one message; exposed for tests.
    [[nodiscard]] static QByteArray format(QByteArrayView data, QByteArrayView event,
                                           QByteArrayView id);

private:
    bool post(const QByteArray &bytes) const;

    std::shared_ptr<Detail::StreamState> m_state;
};

} // namespace Http
