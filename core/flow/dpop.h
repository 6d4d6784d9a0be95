#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QUrl>

#include "common/result.h"
#include "crypto/key.h"

namespace Flow {

/// DPoP (RFC 9449) for one walk: a key pair made for the run (EC P-256, ES256), the proof
/// JWTs sent with token and resource requests, and the nonces servers handed out. Owns the
/// private key; the key never leaves the object except as its public JWK.
class DpopProver final
{
public:
    /// A prover with a fresh P-256 key. "key_failed" when OpenSSL cannot make one.
    [[nodiscard]] static Core::Result<DpopProver> generate();
    /// A prover with `key` (a private EC or RSA key; tests use fixed keys).
    explicit DpopProver(Crypto::Key key);

    [[nodiscard]] bool isNull() const { return m_key.isNull(); }
    /// The public JWK that goes in each proof's header (RFC 9449 §4.2: no private members).
    [[nodiscard]] QJsonObject publicJwk() const;
    /// RFC 7638 thumbprint of the public key: the `jkt` an AS binds tokens to (RFC 9449 §6).
    [[nodiscard]] QString thumbprint() const;
    [[nodiscard]] QString algorithm() const;

    /// The `htu` of a request to `url` (RFC 9449 §4.2): the URI without query and fragment.
    [[nodiscard]] static QString htu(const QUrl &url);
    /// The `ath` of `accessToken` (RFC 9449 §4.2): base64url(SHA-256(ASCII(token))).
    [[nodiscard]] static QString ath(const QString &accessToken);

    /// A proof for `method` `url`: header typ "dpop+jwt", alg, jwk; claims jti (fresh,
    /// random), htm, htu, iat (`now`, seconds since the epoch), ath when `accessToken` is
    /// given, nonce when the server handed one out for the URL's origin.
    [[nodiscard]] Core::Result<QByteArray> proof(const QByteArray &method, const QUrl &url,
                                                 const QString &accessToken, qint64 now) const;

    /// Remembers the DPoP-Nonce a server at `url`'s origin sent (RFC 9449 §8, §9); an empty
    /// nonce is ignored.
    void setNonce(const QUrl &url, const QString &nonce);
    [[nodiscard]] QString nonce(const QUrl &url) const;

private:
    Crypto::Key m_key;
    QMap<QString, QString> m_nonces; ///< origin -> last nonce
};

} // namespace Flow
