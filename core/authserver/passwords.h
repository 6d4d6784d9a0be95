#pragma once

#include <QByteArrayView>
#include <QString>

#include "common/result.h"

/// Password hashing for local users: scrypt from OpenSSL 3 (EVP_KDF "SCRYPT"), stored in
/// PHC string format `$scrypt$ln=15,r=8,p=1$<salt b64>$<hash b64>`. Verification is
/// constant time and also accepts `$pbkdf2-sha256$i=...$salt$hash`.
namespace Auth::Passwords {

[[nodiscard]] Core::Result<QString> hash(QByteArrayView password);
[[nodiscard]] bool verify(QByteArrayView password, const QString &phcHash);
/// True when the hash uses weaker parameters than hash() would choose now.
[[nodiscard]] bool needsRehash(const QString &phcHash);

} // namespace Auth::Passwords
