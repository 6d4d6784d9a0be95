#pragma once

#include <deque>
#include <functional>
#include <memory>

#include <QByteArray>

#include "http/message.h"

namespace Http {

/// Why a byte stream stopped being a valid sequence of requests. The connection answers
/// with `status` and closes.
struct ParseError
{
    int status = 400;
    QByteArray message; ///< short, safe to send to the client and to log
};

struct ParserLimits
{
    qsizetype maxHeaderBytes = 16 * 1024;  ///< request line + headers + final CRLF
    qint64 defaultBodyLimit = 1024 * 1024; ///< used when no body limit resolver is set
};

/// A socket-free incremental HTTP/1.1 request parser over the nodejs http-parser.
/// Feed it bytes as they arrive; complete requests come out in order. After the first
/// error nothing more is parsed. Not thread-safe; one per connection.
class RequestParser final
{
    Q_DISABLE_COPY_MOVE(RequestParser)

public:
    /// Returns the body limit in bytes for a request whose header block is complete (the
    /// body is still empty). Called once per request, before any body byte is accepted.
    using BodyLimitResolver = std::function<qint64(const Request &)>;

    explicit RequestParser(ParserLimits limits = {});
    ~RequestParser();

    void setBodyLimitResolver(BodyLimitResolver resolver);

    /// Parses `data`. Returns false once the stream is in error (see error()).
    bool feed(QByteArrayView data);

    [[nodiscard]] bool hasRequest() const { return !m_ready.empty(); }
    /// Precondition: hasRequest().
    [[nodiscard]] Request takeRequest();
    [[nodiscard]] qsizetype readyCount() const { return qsizetype(m_ready.size()); }

    [[nodiscard]] bool hasError() const { return m_error.has_value(); }
    [[nodiscard]] const ParseError &error() const { return *m_error; }

    /// True between the first byte of a request and the end of its header block.
    [[nodiscard]] bool inHeaderBlock() const { return m_phase == Phase::Headers; }
    /// Counts requests whose first byte was seen, so callers notice a new header block.
    [[nodiscard]] quint64 messagesStarted() const { return m_started; }
    /// True while a request has started but is not complete.
    [[nodiscard]] bool inMessage() const { return m_phase != Phase::Idle; }

    /// True when the request in progress asked for `Expect: 100-continue`, its body was
    /// accepted, and no "100 Continue" was acknowledged yet.
    [[nodiscard]] bool continueExpected() const { return m_continuePending; }
    void acknowledgeContinue() { m_continuePending = false; }

    /// Whether the connection may stay open after answering `request` (HTTP/1.1 unless
    /// "Connection: close"; HTTP/1.0 only with "Connection: keep-alive").
    [[nodiscard]] static bool keepAlive(const Request &request);
    /// Percent-decodes a path; nullopt for an invalid escape or a decoded NUL.
    [[nodiscard]] static std::optional<QByteArray> decodePath(QByteArrayView raw);

private:
    enum class Phase { Idle, Headers, Body };
    struct Callbacks;

    void fail(int status, QByteArray message);
    void resetMessage();
    [[nodiscard]] bool flushHeader();
    void failHeaderBlockTooLarge();
    int headersComplete();
    [[nodiscard]] int finishTarget();
    void classifyParserError(int httpErrno);
    void checkRequestLine(const char *data, qsizetype size);
    void classifyMethod();
    [[nodiscard]] bool scanHeaderBytes(const char *data, qsizetype size);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
    ParserLimits m_limits;
    BodyLimitResolver m_bodyLimit;
    std::deque<Request> m_ready;
    std::optional<ParseError> m_error;
    Request m_current;
    QByteArray m_field;
    QByteArray m_value;
    bool m_lastWasValue = false;
    Phase m_phase = Phase::Idle;
    qsizetype m_headerBytes = 0;
    qint64 m_limit = 0;
    bool m_continuePending = false;
    quint64 m_started = 0;
    QByteArray m_line; ///< a request line split over several feeds
    bool m_lineChecked = false;
    bool m_requestLineTooLong = false;
    bool m_lineBad = false;
    bool m_methodErrorPending = false;
    char m_previousHeaderByte = 0;
    bool m_stopped = false; ///< a request without keep-alive ended the stream
    char m_prefix[24] = {}; ///< first bytes of the request, to judge a bad method
    qsizetype m_prefixSize = 0;
};

} // namespace Http
