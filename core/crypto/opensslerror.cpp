#include "crypto/opensslerror.h"

#include <array>

#include <openssl/err.h>

namespace Crypto {

QString takeOpensslError()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return QStringLiteral("unknown OpenSSL error");
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    return QString::fromLatin1(buffer.data());
}

} // namespace Crypto
