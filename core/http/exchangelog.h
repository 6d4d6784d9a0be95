#pragma once

#include <deque>

#include <QDateTime>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QUrl>

#include "http/message.h"

namespace Http {

/// One captured HTTP exchange, with every secret already masked (see maskHeaders(),
/// maskForm(), maskJson(), maskQuery()). Bodies are truncated to the log's body limit.
struct Exchange
{
    enum class Side { Server, Client };

    quint64 id = 0; ///< increasing, unique within the process
    Side side = Side::Server;
    QDateTime startedAt; ///< UTC
    qint64 durationMicros = 0;
    QByteArray method;
    QString url; ///< absolute where known; the query is masked
    Headers requestHeaders;
    QByteArray requestBody;
    bool requestBodyTruncated = false;
    int status = 0; ///< 0 when no response arrived (see error)
    Headers responseHeaders;
    QByteArray responseBody;
    bool responseBodyTruncated = false;
    QString error; ///< transport error, empty on success
    QString peer;  ///< remote address:port
    QString tag;   ///< free label set by the caller, e.g. a flow step or phase
};

/// A bounded, thread-safe in-memory ring of captured exchanges. Capture calls come from
/// any thread (server workers, the outbound client); `exchangeCaptured` is emitted from
/// the capturing thread, so receivers in other threads get it queued.
class ExchangeLog final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExchangeLog)

public:
    explicit ExchangeLog(qsizetype capacity = 2000, qsizetype bodyLimit = 64 * 1024,
                         QObject *parent = nullptr);

    /// Masks and stores a server-side exchange.
    void captureServer(const Request &request, const Response &response, qint64 durationMicros,
                       QDateTime startedAt = {});
    /// Masks and stores a prepared exchange (client side, or anything already assembled).
    /// Masking is applied here too, so callers can pass raw values.
    void capture(Exchange exchange);

    [[nodiscard]] QList<Exchange> snapshot() const;
    [[nodiscard]] qsizetype capacity() const { return m_capacity; }
    [[nodiscard]] qsizetype size() const;
    void clear();

signals:
    void exchangeCaptured(const Http::Exchange &exchange);
    void cleared();

private:
    qsizetype m_capacity;
    qsizetype m_bodyLimit;
    mutable QMutex m_mutex;
    std::deque<Exchange> m_ring;
    quint64 m_nextId = 1;
};

} // namespace Http

Q_DECLARE_METATYPE(Http::Exchange)
