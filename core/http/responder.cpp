#include "http/responder.h"

#include "http/connection.h"

namespace Http {

Responder::Responder(std::shared_ptr<Detail::ResponderState> state)
    : m_state(std::move(state))
{}

bool Responder::send(Response response) const
{
    if (!m_state || m_state->answered.exchange(true))
        return false;
    const quint64 seq = m_state->seq;
    return m_state->link->post([seq, response = std::move(response)](Detail::Connection *c) {
        c->asyncAnswered(seq, response);
    });
}

EventStream Responder::startEventStream(Headers headers) const
{
    if (!m_state || m_state->answered.exchange(true))
        return EventStream();
    auto stream = std::make_shared<Detail::StreamState>(m_state->link);
    const quint64 seq = m_state->seq;
    const bool posted =
        m_state->link->post([seq, headers = std::move(headers), stream](Detail::Connection *c) {
            c->streamStarted(seq, headers, stream);
        });
    if (!posted)
        stream->markClosed();
    return EventStream(stream);
}

bool Responder::answered() const
{
    return m_state && m_state->answered.load();
}

} // namespace Http
