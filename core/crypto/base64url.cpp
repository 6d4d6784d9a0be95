#include "crypto/base64url.h"

namespace Crypto {

namespace {

int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

Core::Error invalid(const QString &reason)
{
    return Core::makeError(QStringLiteral("invalid_base64url"), reason);
}

} // namespace

QByteArray base64UrlEncode(QByteArrayView data)
{
    return QByteArray::fromRawData(data.data(), data.size())
        .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

Core::Result<QByteArray> base64UrlDecode(QByteArrayView text)
{
    const qsizetype n = text.size();
    if (n % 4 == 1)
        return invalid(
            QStringLiteral("length %1 is 1 mod 4, which no byte string encodes to").arg(n));
    QByteArray out;
    out.reserve(n / 4 * 3 + 2);
    quint32 buffer = 0;
    int bits = 0;
    for (qsizetype i = 0; i < n; ++i) {
        const char c = text[i];
        const int v = sextet(c);
        if (v < 0) {
            const auto u = static_cast<unsigned char>(c);
            const QString shown = (u >= 0x21 && u < 0x7f)
                                      ? QStringLiteral("'%1'").arg(QLatin1Char(c))
                                      : QStringLiteral("byte 0x%1").arg(u, 2, 16, QLatin1Char('0'));
            return invalid(QStringLiteral("%1 at offset %2 is not in the base64url alphabet "
                                          "[A-Za-z0-9_-] (padding and whitespace are refused)")
                               .arg(shown)
                               .arg(i));
        }
        buffer = (buffer << 6) | static_cast<quint32>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.append(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    if (bits > 0 && (buffer & ((1u << bits) - 1)) != 0)
        return invalid(QStringLiteral("non-canonical encoding: the unused low %1 bits of the "
                                      "last character are not zero")
                           .arg(bits));
    return out;
}

} // namespace Crypto
