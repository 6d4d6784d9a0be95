#include "authserver/deviceusercode.h"

#include "crypto/random.h"

namespace Auth::DeviceUserCode {

QString generate()
{
    return QString::fromLatin1(Crypto::randomString(kLength, kAlphabet));
}

std::optional<QString> normalize(const QString &typed)
{
    if (typed.size() > 4 * kLength)
        return std::nullopt;
    QString out;
    for (const QChar c : typed) {
        if (c == QLatin1Char('-') || c.isSpace())
            continue;
        const QChar upper = c.toUpper();
        if (upper.unicode() > 0x7F || !QByteArrayView(kAlphabet).contains(char(upper.unicode())))
            return std::nullopt;
        out.append(upper);
    }
    if (out.size() != kLength)
        return std::nullopt;
    return out;
}

QString display(const QString &stored)
{
    if (stored.size() != kLength)
        return stored;
    return stored.left(kLength / 2) + QLatin1Char('-') + stored.mid(kLength / 2);
}

} // namespace Auth::DeviceUserCode
