#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace Crypto {

enum class DigestAlgorithm { Sha256, Sha384, Sha512 };

/// Raw digest bytes of `data` (OpenSSL EVP).
[[nodiscard]] QByteArray digest(DigestAlgorithm algorithm, QByteArrayView data);
[[nodiscard]] QByteArray sha256(QByteArrayView data);
/// Lower-case hex SHA-256, the form secrets are stored under.
[[nodiscard]] QByteArray sha256Hex(QByteArrayView data);

/// Compares in time that depends only on the lengths, never on where the inputs differ.
[[nodiscard]] bool constantTimeEquals(QByteArrayView a, QByteArrayView b);

} // namespace Crypto
