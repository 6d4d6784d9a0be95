#pragma once

#include <QByteArrayView>
#include <QString>

namespace Crypto {

/// How a secret (token, code, client secret, password, private key) is shown in logs,
/// exchange captures, the UI and error messages: a short prefix, an ellipsis and the first
/// 8 hex digits of its SHA-256, e.g. "mcp_…#1a2b3c4d". The prefix is at most 4 characters
/// and never more than a quarter of the secret, so short secrets show no prefix at all.
/// The same secret always masks the same way, so masked values can be correlated.
[[nodiscard]] QString maskSecret(QByteArrayView secret);

/// The display prefix stored beside a secret's hash (at most 8 characters, a quarter of
/// the secret at most) so operators can recognise a token without the store holding it.
[[nodiscard]] QString displayPrefix(QByteArrayView secret);

} // namespace Crypto
