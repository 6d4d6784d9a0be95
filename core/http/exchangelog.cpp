#include "http/exchangelog.h"

#include <QMetaType>
#include <QMutexLocker>

#include "http/masking.h"

namespace Http {

namespace {

void maskAndTruncate(QByteArray &body, bool &truncated, QByteArrayView contentType, qsizetype limit)
{
    // Mask before truncating: a cut could split a secret, or leave JSON that no longer
    // parses and would then be dropped as a whole.
    body = maskBody(contentType, body);
    if (body.size() > limit) {
        body.truncate(limit);
        truncated = true;
    }
}

QString serverUrl(const Request &request)
{
    const QByteArray host = request.headers.value("host");
    if (host.isEmpty())
        return QString::fromUtf8(request.target);
    if (request.target.startsWith('/'))
        return (request.secure ? QStringLiteral("https://") : QStringLiteral("http://")) +
               QString::fromUtf8(host + request.target);
    return QString::fromUtf8(request.target); // absolute-form or '*'
}

QString formatPeer(const QHostAddress &address, quint16 port)
{
    if (address.isNull())
        return {};
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return QLatin1Char('[') + address.toString() + QStringLiteral("]:") + QString::number(port);
    return address.toString() + QLatin1Char(':') + QString::number(port);
}

} // namespace

ExchangeLog::ExchangeLog(qsizetype capacity, qsizetype bodyLimit, QObject *parent)
    : QObject(parent)
    , m_capacity(std::max<qsizetype>(capacity, 1))
    , m_bodyLimit(std::max<qsizetype>(bodyLimit, 0))
{
    qRegisterMetaType<Http::Exchange>("Http::Exchange");
}

void ExchangeLog::captureServer(const Request &request, const Response &response,
                                qint64 durationMicros, QDateTime startedAt)
{
    Exchange exchange;
    exchange.side = Exchange::Side::Server;
    exchange.startedAt = startedAt.isValid()
                             ? startedAt.toUTC()
                             : QDateTime::currentDateTimeUtc().addMSecs(-durationMicros / 1000);
    exchange.durationMicros = durationMicros;
    exchange.method = request.method;
    exchange.url = serverUrl(request);
    exchange.requestHeaders = request.headers;
    exchange.requestBody = request.body;
    exchange.status = response.status;
    exchange.responseHeaders = response.headers;
    exchange.responseBody = response.body;
    exchange.peer = formatPeer(request.peerAddress, request.peerPort);
    capture(std::move(exchange));
}

void ExchangeLog::capture(Exchange exchange)
{
    // All masking happens outside the lock; only the ring update is serialised.
    exchange.url = maskUrl(exchange.url);
    maskAndTruncate(exchange.requestBody, exchange.requestBodyTruncated,
                    exchange.requestHeaders.value("content-type"), m_bodyLimit);
    maskAndTruncate(exchange.responseBody, exchange.responseBodyTruncated,
                    exchange.responseHeaders.value("content-type"), m_bodyLimit);
    exchange.requestHeaders = maskHeaders(exchange.requestHeaders);
    exchange.responseHeaders = maskHeaders(exchange.responseHeaders);
    if (!exchange.startedAt.isValid())
        exchange.startedAt = QDateTime::currentDateTimeUtc();
    else
        exchange.startedAt = exchange.startedAt.toUTC();
    {
        QMutexLocker locker(&m_mutex);
        exchange.id = m_nextId++;
        m_ring.push_back(exchange);
        while (qsizetype(m_ring.size()) > m_capacity)
            m_ring.pop_front();
    }
    emit exchangeCaptured(exchange);
}

QList<Exchange> ExchangeLog::snapshot() const
{
    QMutexLocker locker(&m_mutex);
    return QList<Exchange>(m_ring.begin(), m_ring.end());
}

qsizetype ExchangeLog::size() const
{
    QMutexLocker locker(&m_mutex);
    return qsizetype(m_ring.size());
}

void ExchangeLog::clear()
{
    {
        QMutexLocker locker(&m_mutex);
        m_ring.clear();
    }
    emit cleared();
}

} // namespace Http
