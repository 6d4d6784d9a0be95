#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include "common/result.h"

/// PKCE (RFC 7636).
namespace Crypto::Pkce {

inline constexpr qsizetype kMinVerifierLength = 43;
inline constexpr qsizetype kMaxVerifierLength = 128;

/// A fresh code_verifier of `length` characters drawn uniformly from the unreserved set
/// [A-Za-z0-9._~-] with the CSPRNG. Fails with "invalid_request" outside 43..128.
[[nodiscard]] Core::Result<QByteArray> generateVerifier(qsizetype length = 64);

/// Full match of ^[A-Za-z0-9._~-]{43,128}$ (nothing before or after, not even a newline).
/// Fails with "invalid_grant" and the reason.
[[nodiscard]] Core::Status validateVerifier(QByteArrayView verifier);

/// BASE64URL(SHA256(ASCII(verifier))), the S256 code_challenge.
[[nodiscard]] QByteArray s256Challenge(QByteArrayView verifier);

/// Checks `verifier` against the `challenge` stored with the authorization request, for
/// method "S256" or "plain", comparing in constant time. "invalid_request" for an unknown
/// method, "invalid_grant" for a malformed verifier or a mismatch.
[[nodiscard]] Core::Status verifyChallenge(QByteArrayView method, QByteArrayView verifier,
                                           QByteArrayView challenge);

} // namespace Crypto::Pkce
