#pragma once

#include <QByteArrayView>
#include <QString>

#include "common/result.h"

namespace Store {

/// How the store holds a secret (access/refresh token, authorization code, device code,
/// client secret): the lower-case hex SHA-256 of the clear value and a short display
/// prefix (Crypto::displayPrefix) so operators can recognise it. The repositories only
/// accept SecretHash, and the only ways to make one are hashing the clear value
/// (fromSecret) or handing over a value that already is a 64-digit hex digest (fromHex),
/// so a clear secret cannot reach the database by mistake.
class SecretHash
{
public:
    /// A null hash (isNull()); repositories refuse it where a secret is required.
    SecretHash() = default;

    /// Hashes `clear` (SHA-256) and takes its display prefix. The clear value is not kept.
    [[nodiscard]] static SecretHash fromSecret(QByteArrayView clear);
    /// Wraps an existing digest: exactly 64 hex digits (case-insensitive, stored lower-case).
    /// `prefix` is the display prefix recorded with it (may be empty). Anything else is an
    /// ErrorCode::InvalidArgument error that does not echo the input.
    [[nodiscard]] static Core::Result<SecretHash> fromHex(const QString &hex,
                                                          const QString &prefix = {});

    [[nodiscard]] bool isNull() const { return m_hex.isEmpty(); }
    [[nodiscard]] const QString &hex() const { return m_hex; }
    [[nodiscard]] const QString &prefix() const { return m_prefix; }
    /// "prefix…#12345678": the display form used in logs and the UI.
    [[nodiscard]] QString display() const;

    friend bool operator==(const SecretHash &, const SecretHash &) = default;

private:
    SecretHash(QString hex, QString prefix)
        : m_hex(std::move(hex))
        , m_prefix(std::move(prefix))
    {}

    QString m_hex;
    QString m_prefix;
};

} // namespace Store
