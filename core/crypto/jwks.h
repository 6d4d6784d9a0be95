#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "crypto/key.h"

namespace Crypto {

/// A JWK Set (RFC 7517 section 5): an ordered list of signature keys, each with a kid.
/// A value type (keys share their OpenSSL handles, see Key).
class Jwks
{
public:
    /// A member of `keys` that fromJson() left out because it is not supported here
    /// (another kty, curve or use, a too-small RSA modulus...).
    struct SkippedKey
    {
        int index = 0;  ///< position in the document's `keys` array
        QString kid;    ///< its kid, if it had a string one
        QString reason; ///< why it was skipped
    };

    /// Largest document fromJson() reads, and most keys it keeps.
    static constexpr qsizetype kMaxDocumentBytes = 256 * 1024;
    static constexpr int kMaxKeys = 64;

    Jwks() = default;

    /// Parses a JWK Set document. Unsupported keys are skipped and listed in skipped();
    /// a malformed document or a malformed key (bad base64url, a point off its curve...)
    /// fails the whole set with code "invalid_jwks", naming the key. Keys without a kid
    /// keep an empty kid; a repeated kid is skipped. A key set is only ever used to verify,
    /// so private members (d, p, q, ...) are dropped, and their presence is reported in
    /// warnings(): a server that publishes them has leaked its signing key.
    [[nodiscard]] static Core::Result<Jwks> fromJson(QByteArrayView json);

    /// {"keys":[...]} with the public members only, compact.
    [[nodiscard]] QByteArray toJson() const;

    /// Adds a key (its public half is what toJson() publishes). A key without a kid gets
    /// defaultKid(key). Fails with "invalid_jwks" if the kid is already taken.
    [[nodiscard]] Core::Status add(const Key &key);

    /// The key with exactly this kid.
    [[nodiscard]] std::optional<Key> find(QStringView kid) const;

    [[nodiscard]] const QList<Key> &keys() const { return m_keys; }
    [[nodiscard]] const QList<SkippedKey> &skipped() const { return m_skipped; }
    /// Problems worth an operator's attention that did not stop parsing.
    [[nodiscard]] const QStringList &warnings() const { return m_warnings; }
    [[nodiscard]] bool isEmpty() const { return m_keys.isEmpty(); }
    [[nodiscard]] qsizetype size() const { return m_keys.size(); }

private:
    QList<Key> m_keys;
    QList<SkippedKey> m_skipped;
    QStringList m_warnings;
};

/// The kid this project gives a key that has none: its RFC 7638 thumbprint.
[[nodiscard]] QString defaultKid(const Key &key);

} // namespace Crypto
