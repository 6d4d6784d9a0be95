#pragma once

#include <QByteArray>
#include <QString>

#include "common/result.h"

namespace Crypto {

/// `count` bytes from OpenSSL's CSPRNG (RAND_bytes). Aborts the process if the CSPRNG
/// fails: continuing without randomness would issue guessable secrets.
[[nodiscard]] QByteArray randomBytes(qsizetype count);

/// A URL-safe random token: `bytes` CSPRNG bytes, base64url without padding.
/// 32 bytes (256 bits) give 43 characters.
[[nodiscard]] QByteArray randomToken(qsizetype bytes = 32);

/// A uniformly distributed random string of `length` characters drawn from `alphabet`
/// (rejection sampling, no modulo bias). Used for user codes (RFC 8628).
[[nodiscard]] QByteArray randomString(qsizetype length, QByteArrayView alphabet);

} // namespace Crypto
