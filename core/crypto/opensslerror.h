#pragma once

#include <QString>

namespace Crypto {

/// Internal to core/crypto: the first queued OpenSSL error as text (library and reason,
/// never key material), clearing the thread's error queue so it cannot leak into the next
/// call's diagnosis.
[[nodiscard]] QString takeOpensslError();

} // namespace Crypto
