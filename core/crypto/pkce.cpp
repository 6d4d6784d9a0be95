#include "crypto/pkce.h"

#include "crypto/base64url.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace Crypto::Pkce {

namespace {

constexpr QByteArrayView kUnreserved =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

bool isUnreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

} // namespace

Core::Result<QByteArray> generateVerifier(qsizetype length)
{
    if (length < kMinVerifierLength || length > kMaxVerifierLength)
        return Core::makeError(
            QStringLiteral("invalid_request"),
            QStringLiteral("a code_verifier has 43..128 characters, not %1").arg(length));
    return randomString(length, kUnreserved);
}

Core::Status validateVerifier(QByteArrayView verifier)
{
    const auto invalid = [](const QString &reason) {
        return Core::makeError(QStringLiteral("invalid_grant"),
                               QStringLiteral("malformed code_verifier: ") + reason);
    };
    if (verifier.size() < kMinVerifierLength || verifier.size() > kMaxVerifierLength)
        return invalid(
            QStringLiteral("%1 characters, RFC 7636 requires 43..128").arg(verifier.size()));
    for (qsizetype i = 0; i < verifier.size(); ++i) {
        const char c = verifier[i];
        if (!isUnreserved(c))
            return invalid(QStringLiteral("byte 0x%1 at offset %2 is outside [A-Za-z0-9._~-]")
                               .arg(static_cast<unsigned char>(c), 2, 16, QLatin1Char('0'))
                               .arg(i));
    }
    return {};
}

QByteArray s256Challenge(QByteArrayView verifier)
{
    return base64UrlEncode(sha256(verifier));
}

Core::Status verifyChallenge(QByteArrayView method, QByteArrayView verifier,
                             QByteArrayView challenge)
{
    QByteArray expected;
    if (method == "S256")
        expected = s256Challenge(verifier);
    else if (method == "plain")
        expected = verifier.toByteArray();
    else
        return Core::makeError(
            QStringLiteral("invalid_request"),
            QStringLiteral("unsupported code_challenge_method \"%1\" (S256 or "
                           "plain)")
                .arg(QString::fromLatin1(method.first(qMin<qsizetype>(method.size(), 16)))));
    if (auto valid = validateVerifier(verifier); !valid)
        return valid;
    if (!constantTimeEquals(expected, challenge))
        return Core::makeError(QStringLiteral("invalid_grant"),
                               QStringLiteral("code_verifier does not match the code_challenge "
                                              "(method %1)")
                                   .arg(QString::fromLatin1(method)));
    return {};
}

} // namespace Crypto::Pkce
