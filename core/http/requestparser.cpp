#include "http/requestparser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <http_parser.h>

#include "http/syntax.h"

namespace Http {

namespace {

using Syntax::equalsIgnoreCase;
using Syntax::hexValue;

/// Method names as shared QByteArrays so that a request's method costs no allocation.
const QByteArray &methodName(unsigned method)
{
    static const auto names = [] {
        std::array<QByteArray, 64> result;
        for (unsigned i = 0; i < result.size(); ++i)
            result[i] = QByteArray(http_method_str(static_cast<http_method>(i)));
        return result;
    }();
    return names[method < names.size() ? method : 0];
}

/// Calls `fn` for each comma-separated, trimmed element of every value of `name`.
template <typename Fn>
void forEachListElement(const Headers &headers, QByteArrayView name, Fn fn)
{
    for (const Headers::Entry &entry : headers.entries()) {
        if (!equalsIgnoreCase(entry.first, name))
            continue;
        Syntax::forEachPiece(entry.second, ',', [&fn](QByteArrayView element) {
            element = element.trimmed();
            if (!element.isEmpty())
                fn(element);
        });
    }
}

} // namespace

struct RequestParser::Impl
{
    http_parser parser;
};

struct RequestParser::Callbacks
{
    static RequestParser *self(http_parser *p) { return static_cast<RequestParser *>(p->data); }

    static int onMessageBegin(http_parser *p)
    {
        self(p)->m_phase = Phase::Headers;
        return 0;
    }
    static int onUrl(http_parser *p, const char *at, size_t length)
    {
        self(p)->m_current.target.append(at, qsizetype(length));
        return 0;
    }
    static int onHeaderField(http_parser *p, const char *at, size_t length)
    {
        RequestParser *s = self(p);
        if (s->m_phase != Phase::Headers)
            return 0; // trailers of a chunked body are not kept
        if (s->m_lastWasValue && !s->flushHeader())
            return 1;
        s->m_field.append(at, qsizetype(length));
        return 0;
    }
    static int onHeaderValue(http_parser *p, const char *at, size_t length)
    {
        RequestParser *s = self(p);
        if (s->m_phase != Phase::Headers)
            return 0;
        s->m_value.append(at, qsizetype(length));
        s->m_lastWasValue = true;
        return 0;
    }
    static int onHeadersComplete(http_parser *p)
    {
        // Stop here so that feed() knows the exact size of the header block and can judge
        // the request before any body byte is consumed.
        http_parser_pause(p, 1);
        return 0;
    }
    static int onBody(http_parser *p, const char *at, size_t length)
    {
        RequestParser *s = self(p);
        if (s->m_current.body.size() + qint64(length) > s->m_limit) {
            s->fail(413, QByteArrayLiteral("request body exceeds the limit of this endpoint"));
            return 1;
        }
        s->m_continuePending = false;
        s->m_current.body.append(at, qsizetype(length));
        return 0;
    }
    static int onMessageComplete(http_parser *p)
    {
        RequestParser *s = self(p);
        const bool keep = keepAlive(s->m_current);
        s->m_ready.push_back(std::move(s->m_current));
        s->resetMessage();
        // One message per loop in feed(), which starts the next one's bookkeeping. After a
        // request without keep-alive, whatever follows is never read.
        s->m_stopped = !keep;
        http_parser_pause(p, 1);
        return 0;
    }

    static const http_parser_settings &settings()
    {
        static const http_parser_settings value = [] {
            http_parser_settings s;
            http_parser_settings_init(&s);
            s.on_message_begin = &onMessageBegin;
            s.on_url = &onUrl;
            s.on_header_field = &onHeaderField;
            s.on_header_value = &onHeaderValue;
            s.on_headers_complete = &onHeadersComplete;
            s.on_body = &onBody;
            s.on_message_complete = &onMessageComplete;
            return s;
        }();
        return value;
    }
};

RequestParser::RequestParser(ParserLimits limits)
    : m_impl(std::make_unique<Impl>())
    , m_limits(limits)
{
    http_parser_init(&m_impl->parser, HTTP_REQUEST);
    m_impl->parser.data = this;
}

RequestParser::~RequestParser() = default;

void RequestParser::setBodyLimitResolver(BodyLimitResolver resolver)
{
    m_bodyLimit = std::move(resolver);
}

Request RequestParser::takeRequest()
{
    Request request = std::move(m_ready.front());
    m_ready.pop_front();
    return request;
}

void RequestParser::fail(int status, QByteArray message)
{
    if (!m_error)
        m_error = ParseError{status, std::move(message)};
}

void RequestParser::resetMessage()
{
    m_current = Request();
    m_field = QByteArray();
    m_value = QByteArray();
    m_lastWasValue = false;
    m_phase = Phase::Idle;
    m_headerBytes = 0;
    m_limit = 0;
    m_continuePending = false;
    m_prefixSize = 0;
}

bool RequestParser::feed(QByteArrayView data)
{
    http_parser &parser = m_impl->parser;
    const char *p = data.data();
    qsizetype left = data.size();
    if (m_methodErrorPending) {
        const qsizetype n =
            std::min<qsizetype>(data.size(), qsizetype(sizeof m_prefix) - m_prefixSize);
        std::memcpy(m_prefix + m_prefixSize, data.data(), size_t(n));
        m_prefixSize += n;
        classifyMethod();
        return !m_error;
    }
    while (left > 0 && !m_error && !m_stopped && !m_methodErrorPending) {
        if (m_phase == Phase::Idle) {
            // Empty lines before a request line are tolerated (RFC 9112 section 2.2) and do
            // not count towards the header block.
            while (left > 0 && (*p == '\r' || *p == '\n')) {
                ++p;
                --left;
            }
            if (left == 0)
                break;
            m_phase = Phase::Headers;
            m_lineChecked = false;
            m_requestLineTooLong = false;
            m_lineBad = false;
            m_previousHeaderByte = 0;
            m_line.clear();
            ++m_started;
        }
        if (m_phase == Phase::Headers && !m_lineChecked)
            checkRequestLine(p, left);
        const bool inHeaders = m_phase == Phase::Headers;
        if (inHeaders && m_prefixSize < qsizetype(sizeof m_prefix)) {
            const qsizetype n =
                std::min<qsizetype>(left, qsizetype(sizeof m_prefix) - m_prefixSize);
            std::memcpy(m_prefix + m_prefixSize, p, size_t(n));
            m_prefixSize += n;
        }
        // In the header block, never hand the parser more than one byte past the limit, so
        // that a header block that is too large gets 431 wherever its bytes were split.
        const qsizetype chunk =
            inHeaders ? std::min(left, m_limits.maxHeaderBytes - m_headerBytes + 1) : left;
        const size_t parsed =
            http_parser_execute(&parser, &Callbacks::settings(), p, size_t(chunk));
        const auto err = HTTP_PARSER_ERRNO(&parser);
        if (err == HPE_PAUSED && m_phase == Phase::Idle) {
            // Paused at the end of a message.
            http_parser_pause(&parser, 0);
            p += parsed;
            left -= qsizetype(parsed);
            continue;
        }
        if (err == HPE_PAUSED) {
            // Paused on the final LF of the header block, which the parser consumes again
            // when resumed.
            http_parser_pause(&parser, 0);
            if (!scanHeaderBytes(p, qsizetype(parsed) + 1))
                break;
            m_headerBytes += qsizetype(parsed) + 1;
            p += parsed;
            left -= qsizetype(parsed);
            if (m_headerBytes > m_limits.maxHeaderBytes) {
                failHeaderBlockTooLarge();
                break;
            }
            if (headersComplete() != 0)
                break;
            continue;
        }
        if (err != HPE_OK) {
            classifyParserError(err);
            break;
        }
        if (inHeaders && m_phase == Phase::Headers) {
            if (!scanHeaderBytes(p, qsizetype(parsed)))
                break;
            m_headerBytes += qsizetype(parsed);
            if (m_headerBytes > m_limits.maxHeaderBytes) {
                failHeaderBlockTooLarge();
                break;
            }
        }
        p += parsed;
        left -= qsizetype(parsed);
        if (parsed == 0)
            break; // defensive: the parser made no progress without reporting an error
    }
    return !m_error;
}

void RequestParser::failHeaderBlockTooLarge()
{
    // While the request line is still open, or when it alone is over the limit, it is the
    // target that is too long (RFC 9112 section 3: 414).
    if (!m_lineChecked || m_requestLineTooLong)
        fail(414, QByteArrayLiteral("request target too long"));
    else
        fail(431, QByteArrayLiteral("request header block too large"));
}

bool RequestParser::flushHeader()
{
    // A lenient http-parser build accepts whitespace between a field name and its colon;
    // RFC 9112 section 5.1 says a server MUST reject that with 400.
    if (m_field.isEmpty() || !std::all_of(m_field.cbegin(), m_field.cend(), Syntax::isTokenChar)) {
        fail(400, QByteArrayLiteral("a header field name is empty or has whitespace or a "
                                    "character that is not allowed in a token"));
        return false;
    }
    // http-parser keeps optional trailing whitespace inside values.
    while (m_value.endsWith(' ') || m_value.endsWith('\t'))
        m_value.chop(1);
    m_current.headers.add(std::move(m_field), std::move(m_value));
    m_field = QByteArray();
    m_value = QByteArray();
    m_lastWasValue = false;
    return true;
}

bool RequestParser::scanHeaderBytes(const char *data, qsizetype size)
{
    // The http-parser build may be lenient here: a CR not followed by LF ends a line for
    // it, and obsolete line folding is merged into values. Both let a proxy in front and
    // this server disagree on the headers, so both are rejected (RFC 9112 sections 2.2
    // and 5.2).
    char previous = m_previousHeaderByte;
    for (qsizetype i = 0; i < size; ++i) {
        const char c = data[i];
        if (previous == '\r' && c != '\n') {
            fail(400, QByteArrayLiteral("bare CR in the header block"));
            return false;
        }
        if (previous == '\n' && (c == ' ' || c == '\t')) {
            fail(400, QByteArrayLiteral("obsolete line folding in the header block"));
            return false;
        }
        previous = c;
    }
    m_previousHeaderByte = previous;
    return true;
}

void RequestParser::checkRequestLine(const char *data, qsizetype size)
{
    // http-parser as built by distributions may be lenient about the protocol name and
    // reads a line without a version as HTTP/0.9; insist on "... HTTP/d.d". The verdict
    // is applied once the header block is complete, so that errors http-parser finds
    // earlier in the line win no matter how the bytes were split.
    const char *lf = static_cast<const char *>(std::memchr(data, '\n', size_t(size)));
    if (!lf) {
        if (m_line.size() < m_limits.maxHeaderBytes + 1)
            m_line.append(data, std::min<qsizetype>(size, m_limits.maxHeaderBytes + 1));
        return;
    }
    QByteArrayView line(data, lf - data);
    if (!m_line.isEmpty()) {
        m_line.append(line);
        line = m_line;
    }
    m_lineChecked = true;
    m_requestLineTooLong = line.size() > m_limits.maxHeaderBytes;
    if (line.endsWith('\r'))
        line.chop(1);
    const bool ok = line.size() > 9 && line.sliced(line.size() - 9, 6) == " HTTP/" &&
                    line[line.size() - 3] >= '0' && line[line.size() - 3] <= '9' &&
                    line[line.size() - 2] == '.' && line[line.size() - 1] >= '0' &&
                    line[line.size() - 1] <= '9';
    m_line.clear();
    m_lineBad = !ok;
}

int RequestParser::headersComplete()
{
    http_parser &parser = m_impl->parser;
    if (m_lastWasValue && !flushHeader())
        return -1;
    m_phase = Phase::Body;
    if (m_lineBad) {
        fail(400, QByteArrayLiteral("malformed request line"));
        return -1;
    }
    m_current.method = methodName(parser.method);
    if (parser.http_major != 1) {
        fail(505, QByteArrayLiteral("only HTTP/1.0 and HTTP/1.1 are supported"));
        return -1;
    }
    m_current.versionMinor = parser.http_minor;
    if (parser.method == HTTP_CONNECT) {
        fail(501, QByteArrayLiteral("CONNECT is not implemented"));
        return -1;
    }
    // Upgrades (e.g. WebSocket) are not offered; the request is answered as plain HTTP.
    parser.upgrade = 0;
    if (finishTarget() != 0)
        return -1;

    const Headers &headers = m_current.headers;
    if (m_current.versionMinor >= 1 && headers.count("Host") != 1) {
        fail(400, QByteArrayLiteral("an HTTP/1.1 request needs exactly one Host header"));
        return -1;
    }
    const bool hasLength = headers.contains("Content-Length");
    if (parser.uses_transfer_encoding) {
        if (hasLength) {
            fail(400, QByteArrayLiteral("both Content-Length and Transfer-Encoding"));
            return -1;
        }
        QList<QByteArrayView> codings;
        forEachListElement(headers, "Transfer-Encoding",
                           [&codings](QByteArrayView c) { codings.append(c); });
        if (codings.isEmpty() || !equalsIgnoreCase(codings.last(), "chunked")) {
            fail(400, QByteArrayLiteral("Transfer-Encoding must end with chunked"));
            return -1;
        }
        if (codings.size() > 1) {
            fail(501, QByteArrayLiteral("only the chunked transfer coding is implemented"));
            return -1;
        }
    }
    if (hasLength && headers.count("Content-Length") > 1) {
        fail(400, QByteArrayLiteral("repeated Content-Length"));
        return -1;
    }

    m_limit = m_bodyLimit ? m_bodyLimit(m_current) : m_limits.defaultBodyLimit;
    const bool chunked = (parser.flags & F_CHUNKED) != 0;
    const quint64 length = hasLength ? parser.content_length : 0;
    if (hasLength && length > quint64(std::max<qint64>(m_limit, 0))) {
        fail(413, QByteArrayLiteral("request body exceeds the limit of this endpoint"));
        return -1;
    }
    if (hasLength && length > 0)
        m_current.body.reserve(qsizetype(std::min<quint64>(length, 64 * 1024)));

    const QByteArray expect = headers.value("Expect");
    if (!expect.isEmpty() || headers.contains("Expect")) {
        if (!equalsIgnoreCase(expect.trimmed(), "100-continue")) {
            fail(417, QByteArrayLiteral("only Expect: 100-continue is supported"));
            return -1;
        }
        m_continuePending = m_current.versionMinor >= 1 && (chunked || length > 0);
    }
    return 0;
}

int RequestParser::finishTarget()
{
    const QByteArray &target = m_current.target;
    QByteArrayView rawPath;
    QByteArrayView rawQuery;
    if (target.startsWith('/')) {
        QByteArrayView view(target);
        const qsizetype hash = view.indexOf('#');
        if (hash >= 0)
            view = view.first(hash);
        const qsizetype question = view.indexOf('?');
        rawPath = question >= 0 ? view.first(question) : view;
        rawQuery = question >= 0 ? view.sliced(question + 1) : QByteArrayView();
    } else if (target == "*" && m_impl->parser.method == HTTP_OPTIONS) {
        m_current.path = target;
        return 0;
    } else if (target.size() > 7 &&
               (target.first(7).compare("http://", Qt::CaseInsensitive) == 0 ||
                target.first(8).compare("https://", Qt::CaseInsensitive) == 0)) {
        http_parser_url url;
        http_parser_url_init(&url);
        if (http_parser_parse_url(target.constData(), size_t(target.size()), 0, &url) != 0) {
            fail(400, QByteArrayLiteral("invalid absolute request target"));
            return -1;
        }
        if (url.field_set & (1 << UF_PATH))
            rawPath = QByteArrayView(target).sliced(url.field_data[UF_PATH].off,
                                                    url.field_data[UF_PATH].len);
        else
            rawPath = "/";
        if (url.field_set & (1 << UF_QUERY))
            rawQuery = QByteArrayView(target).sliced(url.field_data[UF_QUERY].off,
                                                     url.field_data[UF_QUERY].len);
    } else {
        fail(400, QByteArrayLiteral("invalid request target"));
        return -1;
    }
    if (rawPath.size() == target.size() && !rawPath.contains('%')) {
        // The common case "/path": share the target's bytes instead of copying them.
        if (rawPath.contains('\0')) {
            fail(400, QByteArrayLiteral("NUL in the request path"));
            return -1;
        }
        m_current.path = target;
        return 0;
    }
    std::optional<QByteArray> path = decodePath(rawPath);
    if (!path) {
        fail(400, QByteArrayLiteral("invalid percent-encoding in the request path"));
        return -1;
    }
    m_current.path = std::move(*path);
    m_current.query = rawQuery.toByteArray();
    return 0;
}

std::optional<QByteArray> RequestParser::decodePath(QByteArrayView raw)
{
    const qsizetype percent = raw.indexOf('%');
    if (percent < 0) {
        if (raw.contains('\0'))
            return std::nullopt;
        return raw.toByteArray();
    }
    QByteArray out;
    out.reserve(raw.size());
    for (qsizetype i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            if (i + 2 >= raw.size())
                return std::nullopt;
            const int hi = hexValue(raw[i + 1]);
            const int lo = hexValue(raw[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            c = char(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0')
            return std::nullopt;
        out.append(c);
    }
    return out;
}

void RequestParser::classifyParserError(int httpErrno)
{
    if (m_error)
        return; // a callback already decided
    const auto err = static_cast<http_errno>(httpErrno);
    switch (err) {
    case HPE_HEADER_OVERFLOW:
        failHeaderBlockTooLarge();
        return;
    case HPE_INVALID_METHOD:
        // The verdict may need bytes that have not arrived yet (see classifyMethod()).
        m_methodErrorPending = true;
        classifyMethod();
        return;
    default:
        fail(400, QByteArray("malformed request: ") + http_errno_name(err));
        return;
    }
}

void RequestParser::classifyMethod()
{
    // A well-formed but unknown method is "not implemented"; anything else is a bad
    // request. Registered methods are upper case by convention, so other tokens count as
    // garbage. Undecided until the token's end has arrived, so that the answer does not
    // depend on how the bytes were split.
    const auto methodChar = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    };
    qsizetype i = 0;
    while (i < m_prefixSize && methodChar(m_prefix[i]))
        ++i;
    if (i == m_prefixSize && m_prefixSize < qsizetype(sizeof m_prefix))
        return; // need more bytes
    m_methodErrorPending = false;
    if (i > 0 && i < m_prefixSize && m_prefix[i] == ' ')
        fail(501, QByteArrayLiteral("method not implemented"));
    else
        fail(400, QByteArrayLiteral("invalid request method"));
}

bool RequestParser::keepAlive(const Request &request)
{
    bool close = false;
    bool keep = false;
    forEachListElement(request.headers, "Connection", [&](QByteArrayView token) {
        if (equalsIgnoreCase(token, "close"))
            close = true;
        else if (equalsIgnoreCase(token, "keep-alive"))
            keep = true;
    });
    if (close)
        return false;
    return request.versionMinor >= 1 || keep;
}

} // namespace Http
