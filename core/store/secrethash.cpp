#include "store/secrethash.h"

#include "crypto/digest.h"
#include "crypto/mask.h"
#include "store/errors.h"

namespace Store {

SecretHash SecretHash::fromSecret(QByteArrayView clear)
{
    return SecretHash(QString::fromLatin1(Crypto::sha256Hex(clear)), Crypto::displayPrefix(clear));
}

Core::Result<SecretHash> SecretHash::fromHex(const QString &hex, const QString &prefix)
{
    bool valid = hex.size() == 64;
    for (qsizetype i = 0; valid && i < hex.size(); ++i) {
        const QChar c = hex[i];
        valid = (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
    }
    if (!valid)
        return Core::makeError(ErrorCode::InvalidArgument,
                               QStringLiteral("a secret hash must be 64 hex digits (SHA-256); "
                                              "refusing a value of %1 characters")
                                   .arg(hex.size()));
    if (prefix.size() > 8)
        return Core::makeError(ErrorCode::InvalidArgument,
                               QStringLiteral("a display prefix is at most 8 characters"));
    return SecretHash(hex.toLower(), prefix);
}

QString SecretHash::display() const
{
    return m_prefix + QStringLiteral("…#") + m_hex.left(8);
}

} // namespace Store
