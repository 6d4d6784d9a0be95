// libFuzzer target: the client's WWW-Authenticate parser (core/flow/wwwauthenticate.h), fed
// one or more field values (the input split at '\n', as a repeated header arrives). Checks
// the documented bounds of an accepted header: at most 64 challenges and 64 parameters
// each, lower-case parameter names, a scheme on every challenge. (A token68 followed by
// ", name=value" keeps those parameters: RFC 9110's grammar is ambiguous there.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <QList>

#include "flow/wwwauthenticate.h"
#include "fuzzsupport.h"

using FuzzSupport::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    const QList<QByteArray> values = input.split('\n');
    const auto challenges = Flow::parseWwwAuthenticate(values);
    if (!challenges) {
        require(!challenges.error().message.isEmpty());
        return 0;
    }
    require(input.size() <= 16 * 1024);
    require(challenges->size() <= 64);
    for (const Flow::AuthChallenge &challenge : *challenges) {
        require(!challenge.scheme.isEmpty());
        require(challenge.params.size() <= 64);
        for (auto it = challenge.params.begin(); it != challenge.params.end(); ++it)
            require(it.key() == it.key().toLower() && !it.key().isEmpty());
    }
    return 0;
}
