// libFuzzer target: the strict JSON body parser with small limits (core/http/body.h) and JSON
// masking (core/http/masking.h). Checks that an accepted body stays within the limits, and
// that masking JSON yields JSON again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <QJsonDocument>
#include <QJsonParseError>

#include "fuzzsupport.h"
#include "http/body.h"
#include "http/masking.h"

using FuzzSupport::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    Http::JsonLimits limits;
    limits.maxBytes = 2048;
    limits.maxDepth = 8;
    const auto parsed = Http::parseJson(input, limits);
    if (parsed)
        require(input.size() <= limits.maxBytes && parsed->isObject());
    else
        require(parsed.error().code == QLatin1StringView("invalid_request"));

    const QByteArray masked = Http::maskJson(input);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(input, &error);
    if (error.error == QJsonParseError::NoError && masked != input) {
        QJsonParseError maskedError;
        (void)QJsonDocument::fromJson(masked, &maskedError);
        require(maskedError.error == QJsonParseError::NoError);
    }
    (void)Http::maskBody("application/json", input);
    (void)Http::maskBody("text/plain", input);
    (void)Http::maskBody("application/jwt", input);
    return 0;
}
