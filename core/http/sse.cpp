#include "http/sse.h"

#include "http/connection.h"

namespace Http {

namespace {

bool hasLineBreak(QByteArrayView field)
{
    return field.contains('\r') || field.contains('\n');
}

} // namespace

EventStream::EventStream(std::shared_ptr<Detail::StreamState> state)
    : m_state(std::move(state))
{}

QByteArray EventStream::format(QByteArrayView data, QByteArrayView event, QByteArrayView id)
{
    QByteArray out;
    out.reserve(data.size() + event.size() + id.size() + 32);
    if (!event.isEmpty())
        out.append("event: ").append(event).append('\n');
    if (!id.isEmpty())
        out.append("id: ").append(id).append('\n');
    // Every line of the payload becomes its own data line (CRLF, CR and LF all split).
    qsizetype start = 0;
    for (qsizetype i = 0; i <= data.size(); ++i) {
        if (i == data.size() || data[i] == '\n' || data[i] == '\r') {
            out.append("data: ").append(data.sliced(start, i - start)).append('\n');
            if (i < data.size() && data[i] == '\r' && i + 1 < data.size() && data[i + 1] == '\n')
                ++i;
            start = i + 1;
        }
    }
    out.append('\n');
    return out;
}

bool EventStream::send(QByteArrayView data, QByteArrayView event, QByteArrayView id) const
{
    if (!isOpen() || hasLineBreak(event) || hasLineBreak(id))
        return false;
    return post(format(data, event, id));
}

bool EventStream::post(const QByteArray &bytes) const
{
    m_state->posted.fetch_add(bytes.size());
    std::shared_ptr<Detail::StreamState> state = m_state;
    if (!m_state->link->post([bytes, state](Detail::Connection *c) {
            state->posted.fetch_sub(bytes.size());
            c->streamData(bytes);
        })) {
        m_state->posted.fetch_sub(bytes.size());
        m_state->markClosed();
        return false;
    }
    return true;
}

bool EventStream::comment(QByteArrayView text) const
{
    if (!isOpen() || hasLineBreak(text))
        return false;
    return post(": " + text.toByteArray() + "\n\n");
}

void EventStream::close() const
{
    if (!m_state || !m_state->open.exchange(false))
        return;
    if (!m_state->link->post([](Detail::Connection *c) { c->streamEnd(); }))
        m_state->markClosed();
}

qint64 EventStream::backlogBytes() const
{
    return m_state ? m_state->posted.load() + m_state->unwritten.load() : 0;
}

bool EventStream::isOpen() const
{
    return m_state && m_state->open.load();
}

void EventStream::setClosedCallback(std::function<void()> callback) const
{
    if (!m_state)
        return;
    {
        QMutexLocker locker(&m_state->mutex);
        if (!m_state->closed) {
            m_state->closedCallback = std::move(callback);
            return;
        }
    }
    if (callback)
        callback();
}

} // namespace Http
