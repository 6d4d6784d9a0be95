#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QList>
#include <QString>

#include "common/result.h"
#include "crypto/jwsalgorithm.h"
#include "crypto/key.h"

namespace Crypto {

class Jwks;

/// A compact JWS split and decoded, but NOT verified: nothing in it is trustworthy yet.
struct ParsedJws
{
    QJsonObject header;      ///< the protected header
    QString algorithm;       ///< header `alg` as written (may be "none" or "HS256")
    QString kid;             ///< header `kid`, empty when absent
    QByteArray payload;      ///< decoded payload bytes
    QByteArray signingInput; ///< ASCII(BASE64URL(header) '.' BASE64URL(payload))
    QByteArray signature;    ///< decoded signature bytes
};

/// A JWS whose signature has been verified with a key the caller chose.
struct VerifiedJws
{
    QJsonObject header;
    QByteArray payload;
    JwsAlgorithm algorithm = JwsAlgorithm::RS256;
    QString kid; ///< header `kid`, empty when absent
    Key key;     ///< the key that verified it (shares the caller's handle)
};

/// Compact JWS (RFC 7515) signing and verification with RSA and EC keys (RFC 7518: RS*, PS*
/// with salt length = hash length, ES* with raw R||S signatures).
///
/// Error codes: "malformed" (not a well-formed compact JWS), "alg_not_allowed" ("none",
/// HMAC, unknown, or not in the caller's list), "alg_key_mismatch" (the alg does not fit
/// the key's type or curve, or the key's own `alg`), "unknown_kid", "no_matching_key",
/// "bad_signature" (wrong length or not valid), "sign_failed". Messages name the reason and
/// never contain the token whole.
namespace Jws {

/// Largest compact token accepted by parseCompact().
inline constexpr qsizetype kMaxTokenBytes = 64 * 1024;

/// Signs `payload` and returns the compact serialization. `header` is copied; its `alg` is
/// set to `algorithm` and, when the key has a kid and the header none, `kid` is added.
/// Needs a private key whose kind fits `algorithm`.
[[nodiscard]] Core::Result<QByteArray> sign(const QJsonObject &header, QByteArrayView payload,
                                            const Key &key, JwsAlgorithm algorithm);

/// Splits and decodes a compact JWS strictly: exactly three parts, each strict base64url,
/// at most kMaxTokenBytes, the header a JSON object (bounded depth, no duplicate names)
/// with a string `alg` and no `crit` (no extension is understood here).
[[nodiscard]] Core::Result<ParsedJws> parseCompact(QByteArrayView token);

/// Verifies `token` with `key`, accepting only algorithms in `allowed`.
[[nodiscard]] Core::Result<VerifiedJws> verify(QByteArrayView token, const Key &key,
                                               const QList<JwsAlgorithm> &allowed);

/// Verifies `token` with the key of `jwks` named by the header `kid`; without a kid, with
/// each key whose type and curve fit the header `alg` until one verifies.
[[nodiscard]] Core::Result<VerifiedJws> verifyWithJwks(QByteArrayView token, const Jwks &jwks,
                                                       const QList<JwsAlgorithm> &allowed);

/// The algorithm a new signature with `key` should use by default: RS256 for RSA, ES256 /
/// ES384 / ES512 by curve; the key's own `alg` if it has one.
[[nodiscard]] JwsAlgorithm defaultAlgorithm(const Key &key);

} // namespace Jws

} // namespace Crypto
