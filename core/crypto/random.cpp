#include "crypto/random.h"

#include <cstdlib>

#include <openssl/rand.h>

namespace Crypto {

QByteArray randomBytes(qsizetype count)
{
    QByteArray out(count, Qt::Uninitialized);
    if (count > 0 &&
        RAND_bytes(reinterpret_cast<unsigned char *>(out.data()), static_cast<int>(count)) != 1)
        std::abort();
    return out;
}

QByteArray randomToken(qsizetype bytes)
{
    return randomBytes(bytes).toBase64(QByteArray::Base64UrlEncoding |
                                       QByteArray::OmitTrailingEquals);
}

QByteArray randomString(qsizetype length, QByteArrayView alphabet)
{
    Q_ASSERT(!alphabet.isEmpty() && alphabet.size() <= 256);
    const int n = static_cast<int>(alphabet.size());
    const int limit = 256 - (256 % n); // values >= limit would bias the result
    QByteArray out;
    out.reserve(length);
    while (out.size() < length) {
        const QByteArray chunk = randomBytes(length * 2);
        for (char c : chunk) {
            const int v = static_cast<unsigned char>(c);
            if (v < limit)
                out.append(alphabet[v % n]);
            if (out.size() == length)
                break;
        }
    }
    return out;
}

} // namespace Crypto
