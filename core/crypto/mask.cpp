#include "crypto/mask.h"

#include <algorithm>

#include "crypto/digest.h"

namespace Crypto {

namespace {
QString prefixOf(QByteArrayView secret, qsizetype maxLength)
{
    const qsizetype n = std::min(maxLength, secret.size() / 4);
    return QString::fromLatin1(secret.first(n));
}
} // namespace

QString maskSecret(QByteArrayView secret)
{
    if (secret.isEmpty())
        return QStringLiteral("(empty)");
    return prefixOf(secret, 4) + QStringLiteral("…#") +
           QString::fromLatin1(sha256Hex(secret).left(8));
}

QString displayPrefix(QByteArrayView secret)
{
    return prefixOf(secret, 8);
}

} // namespace Crypto
