#pragma once

#include <memory>

#include "http/message.h"
#include "http/sse.h"

namespace Http {

namespace Detail {
struct ResponderState;
}

/// The answer channel of an asynchronous handler. Copyable and thread-safe: any copy may
/// call send() or startEventStream() exactly once in total, from any thread, at any later
/// time. If every copy is destroyed without an answer the client gets a 500, so a lost
/// Responder never leaves a connection hanging. Responses on one connection still go out
/// in request order.
class Responder
{
public:
    Responder() = default;
    explicit Responder(std::shared_ptr<Detail::ResponderState> state);

    /// Sends `response`. Returns false if an answer was already given, the connection is
    /// gone, or this Responder is empty.
    bool send(Response response) const;
    /// Answers with a `text/event-stream` response and returns the stream (open unless
    /// an answer was already given or the connection is gone). `headers` are added to the
    /// response head (Content-Type, Cache-Control and Connection are set by the server).
    [[nodiscard]] EventStream startEventStream(Headers headers = {}) const;
    /// True once send() or startEventStream() was called on any copy.
    [[nodiscard]] bool answered() const;

private:
    std::shared_ptr<Detail::ResponderState> m_state;
};

} // namespace Http
