// Feeds arbitrary bytes to Http::RequestParser, whole and split in two at a point chosen by
// the first input byte, and checks that both runs agree and respect the limits.

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "http/requestparser.h"

namespace {

constexpr qsizetype kMaxHeader = 1024;
constexpr qint64 kMaxBody = 512;

struct Run
{
    QList<Http::Request> requests;
    int status = 0;
};

[[noreturn]] void violated(const char *what)
{
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
}

Run parse(QByteArrayView data, qsizetype split)
{
    Http::RequestParser parser(Http::ParserLimits{kMaxHeader, kMaxBody});
    parser.setBodyLimitResolver(
        [](const Http::Request &r) { return r.path.startsWith("/small") ? qint64(8) : kMaxBody; });
    Run run;
    const auto drain = [&] {
        while (parser.hasRequest())
            run.requests.append(parser.takeRequest());
    };
    const bool first = parser.feed(data.first(split));
    drain();
    if (first) {
        if (parser.continueExpected())
            parser.acknowledgeContinue();
        parser.feed(data.sliced(split));
        drain();
    } else if (parser.feed(data.sliced(split))) {
        violated("feed succeeded after an error");
    }
    if (parser.hasError())
        run.status = parser.error().status;
    return run;
}

void check(const Run &run)
{
    switch (run.status) {
    case 0:
    case 400:
    case 413:
    case 414:
    case 417:
    case 431:
    case 501:
    case 505:
        break;
    default:
        violated("unexpected error status");
    }
    for (const Http::Request &r : run.requests) {
        if (r.method.isEmpty())
            violated("empty method");
        if (r.path != "*" && !r.path.startsWith('/'))
            violated("path is neither origin-form nor *");
        if (r.path.contains('\0'))
            violated("NUL in path");
        const qint64 limit = r.path.startsWith("/small") ? 8 : kMaxBody;
        if (r.body.size() > limit)
            violated("body over its limit");
        if (r.target.size() > kMaxHeader)
            violated("target larger than the header block limit");
        qsizetype headerBytes = 0;
        for (const auto &h : r.headers.entries())
            headerBytes += h.first.size() + h.second.size();
        if (headerBytes > kMaxHeader)
            violated("headers larger than the header block limit");
        if (r.headers.contains("Transfer-Encoding") && r.headers.contains("Content-Length"))
            violated("both Content-Length and Transfer-Encoding accepted");
        if (r.headers.count("Content-Length") > 1)
            violated("repeated Content-Length accepted");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArrayView data(reinterpret_cast<const char *>(bytes) + 1, qsizetype(size - 1));
    const qsizetype split = data.isEmpty() ? 0 : qsizetype(bytes[0]) * data.size() / 255;

    const Run whole = parse(data, data.size());
    const Run parts = parse(data, split);
    check(whole);
    check(parts);
    if (whole.status != parts.status || whole.requests.size() != parts.requests.size()) {
        std::fprintf(stderr, "whole: status %d, %lld requests; split at %lld: status %d, %lld\n",
                     whole.status, qlonglong(whole.requests.size()), qlonglong(split), parts.status,
                     qlonglong(parts.requests.size()));
        violated("splitting the input changed the outcome");
    }
    for (qsizetype i = 0; i < whole.requests.size(); ++i) {
        const Http::Request &a = whole.requests[i];
        const Http::Request &b = parts.requests[i];
        if (a.method != b.method || a.target != b.target || a.path != b.path || a.body != b.body ||
            a.headers.entries() != b.headers.entries())
            violated("splitting the input changed a request");
    }
    return 0;
}
