// libFuzzer target: the strict form and query parsers (core/http/body.h) and form, query
// and URL masking (core/http/masking.h). Besides "no crash, no leak" it checks that an
// accepted form survives encodeForm() unchanged and that masking keeps a form parseable
// with every secret replaced by exactly its mask.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "crypto/mask.h"
#include "fuzzsupport.h"
#include "http/body.h"
#include "http/masking.h"

using FuzzSupport::require;

namespace {

Http::FormLimits generous()
{
    Http::FormLimits limits;
    limits.maxBytes = 1024 * 1024;
    limits.maxParameters = 100000;
    return limits;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    Http::FormLimits limits;
    limits.maxBytes = 8192;
    limits.maxParameters = 32;

    const auto form = Http::parseForm(input, limits);
    (void)Http::parseQuery(input, limits);
    (void)Http::checkFormContentType(input);
    const QByteArray maskedForm = Http::maskForm(input);
    require(Http::maskQuery(input) == maskedForm);
    (void)Http::maskUrl(QString::fromUtf8(input));
    (void)Http::maskUrl(QStringLiteral("https://h/p?") + QString::fromUtf8(input));

    if (!form)
        return 0;
    const auto reparsed = Http::parseForm(Http::encodeForm(*form), generous());
    require(reparsed.ok());
    require(reparsed->entries() == form->entries());

    const auto masked = Http::parseForm(maskedForm, generous());
    require(masked.ok());
    require(masked->size() == form->size());
    for (qsizetype i = 0; i < form->size(); ++i) {
        const auto &original = form->entries().at(i);
        const auto &shown = masked->entries().at(i);
        require(shown.first == original.first);
        if (!Http::isSensitiveName(original.first))
            require(shown.second == original.second);
        else if (!original.second.isEmpty())
            require(shown.second == Crypto::maskSecret(original.second.toUtf8()));
    }
    return 0;
}
