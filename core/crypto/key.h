#pragma once

#include <memory>
#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

#include "common/result.h"
#include "crypto/jwsalgorithm.h"

struct evp_pkey_st;

namespace Crypto {

/// An asymmetric signing key (RSA or EC P-256/P-384/P-521), public or private.
///
/// A value type: copies share one immutable OpenSSL EVP_PKEY (reference counted), so copying
/// is cheap and thread-safe. Metadata (`kid`, `alg`, `use`) belongs to each copy.
/// Errors use the codes "invalid_key" (malformed or inconsistent input), "unsupported_key"
/// (a kind, curve, size, use or algorithm this project does not handle) and "key_error"
/// (an OpenSSL or file-system failure). Messages never contain private key material.
class Key
{
public:
    enum class Kind { None, Rsa, EcP256, EcP384, EcP521 };

    /// A null key (kind() == Kind::None); every operation on it fails with an Error.
    Key() = default;

    /// A fresh private key from OpenSSL's CSPRNG. RSA takes `rsaBits` in [2048, 8192]
    /// (2048 and 3072 are the usual choices); EC kinds ignore it.
    [[nodiscard]] static Core::Result<Key> generate(Kind kind, int rsaBits = 2048);

    /// Reads one unencrypted PEM key: PKCS#8 "PRIVATE KEY", traditional "RSA PRIVATE KEY" /
    /// "EC PRIVATE KEY", or SPKI "PUBLIC KEY". Encrypted keys are refused.
    [[nodiscard]] static Core::Result<Key> fromPem(QByteArrayView pem);

    /// Imports a JWK (RFC 7517/7518) strictly: `kty` RSA or EC, every required member
    /// present and strict base64url of the exact size, the EC point on its curve, the RSA
    /// modulus 2048..8192 bits, private members complete and consistent with the public
    /// ones, and `use` / `key_ops` / `alg` (when present) consistent with signing.
    [[nodiscard]] static Core::Result<Key> fromJwk(const QJsonObject &jwk);

    /// PKCS#8 PEM of the private key; fails for a public-only key.
    [[nodiscard]] Core::Result<QByteArray> toPrivatePem() const;
    /// SPKI PEM of the public key.
    [[nodiscard]] Core::Result<QByteArray> toPublicPem() const;
    /// Writes toPrivatePem() to `path` atomically (QSaveFile) with mode 0600.
    [[nodiscard]] Core::Status savePrivatePem(const QString &path) const;

    /// The JWK: RSA n,e (+ d,p,q,dp,dq,qi), EC crv,x,y (+ d, all padded to the field size),
    /// plus kid, alg and use when the key carries them. Private members only when `includePrivate`
    /// is true. Empty object for a null key.
    [[nodiscard]] QJsonObject toJwk(bool includePrivate = false) const;

    /// RFC 7638 JWK thumbprint: base64url(SHA-256(canonical required members)).
    /// Empty for a null key.
    [[nodiscard]] QByteArray thumbprint() const;

    /// The public half (same kid/alg/use); a copy of itself if already public.
    [[nodiscard]] Key publicKey() const;

    [[nodiscard]] bool isNull() const { return m_kind == Kind::None; }
    [[nodiscard]] bool isPrivate() const { return m_private; }
    [[nodiscard]] Kind kind() const { return m_kind; }
    [[nodiscard]] bool isRsa() const { return m_kind == Kind::Rsa; }
    [[nodiscard]] bool isEc() const;
    /// Modulus size for RSA, curve size for EC, 0 for a null key.
    [[nodiscard]] int bits() const;

    /// Key ID; empty unless imported from a JWK with one or set with withKid().
    [[nodiscard]] QString kid() const { return m_kid; }
    [[nodiscard]] Key withKid(const QString &kid) const;
    /// The algorithm this key is restricted to (JWK `alg`), if any.
    [[nodiscard]] std::optional<JwsAlgorithm> algorithm() const { return m_algorithm; }
    /// Restricts the key to `algorithm`; fails with "unsupported_key" if it does not fit
    /// the key's kind (e.g. ES384 on a P-256 key).
    [[nodiscard]] Core::Result<Key> withAlgorithm(JwsAlgorithm algorithm) const;
    /// Whether `algorithm` can be used with this key's kind and curve (ignores the
    /// restriction set by withAlgorithm()).
    [[nodiscard]] bool supports(JwsAlgorithm algorithm) const;

    /// The OpenSSL handle, owned by the key (valid while any copy lives); for jws.cpp.
    [[nodiscard]] evp_pkey_st *nativeHandle() const { return m_pkey.get(); }

    /// Two keys are equal when their public halves are the same key.
    [[nodiscard]] bool samePublicKey(const Key &other) const;

private:
    std::shared_ptr<evp_pkey_st> m_pkey;
    Kind m_kind = Kind::None;
    bool m_private = false;
    QString m_kid;
    std::optional<JwsAlgorithm> m_algorithm;
    bool m_useSig = false; // the source JWK said "use":"sig"; kept for toJwk()

    friend Core::Result<Key> adoptKey(evp_pkey_st *pkey, bool isPrivate);
};

/// "RSA", "EC P-256", ... for messages and the UI.
[[nodiscard]] QString keyKindName(Key::Kind kind);
/// The JWK `crv` name ("P-256", ...); empty for RSA and None.
[[nodiscard]] QString curveName(Key::Kind kind);

} // namespace Crypto
