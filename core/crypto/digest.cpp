#include "crypto/digest.h"

#include <cstdlib>

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace Crypto {

QByteArray digest(DigestAlgorithm algorithm, QByteArrayView data)
{
    const EVP_MD *md = nullptr;
    switch (algorithm) {
    case DigestAlgorithm::Sha256:
        md = EVP_sha256();
        break;
    case DigestAlgorithm::Sha384:
        md = EVP_sha384();
        break;
    case DigestAlgorithm::Sha512:
        md = EVP_sha512();
        break;
    }
    QByteArray out(EVP_MAX_MD_SIZE, Qt::Uninitialized);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), static_cast<size_t>(data.size()),
                   reinterpret_cast<unsigned char *>(out.data()), &len, md, nullptr) != 1)
        std::abort(); // only fails on allocation failure or a broken OpenSSL
    out.truncate(static_cast<qsizetype>(len));
    return out;
}

QByteArray sha256(QByteArrayView data)
{
    return digest(DigestAlgorithm::Sha256, data);
}

QByteArray sha256Hex(QByteArrayView data)
{
    return sha256(data).toHex();
}

bool constantTimeEquals(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    if (a.isEmpty())
        return true;
    return CRYPTO_memcmp(a.data(), b.data(), static_cast<size_t>(a.size())) == 0;
}

} // namespace Crypto
