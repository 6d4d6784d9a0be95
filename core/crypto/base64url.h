#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include "common/result.h"

namespace Crypto {

/// base64url (RFC 4648 section 5) without padding, as JOSE and PKCE use it.
[[nodiscard]] QByteArray base64UrlEncode(QByteArrayView data);

/// Strict base64url decoding: only [A-Za-z0-9_-], no padding, no whitespace, no length of
/// 1 mod 4, and the unused low bits of the last character must be zero (so every byte
/// string has exactly one accepted encoding). Errors carry the code "invalid_base64url".
[[nodiscard]] Core::Result<QByteArray> base64UrlDecode(QByteArrayView text);

} // namespace Crypto
