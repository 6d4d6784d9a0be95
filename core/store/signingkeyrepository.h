#pragma once

#include <memory>
#include <optional>

#include <QList>
#include <QString>

#include "common/result.h"

namespace Store {

class Database;

/// A JWS signing key of the authorization server. The private key PEM is kept in the store
/// (acceptable for the local store; protect the file / database accordingly) and must never
/// be logged.
struct SigningKey
{
    QString kid;
    QString alg;
    QString privateKeyPem;
    QString publicJwk;                 ///< JSON of the public JWK, published at /jwks
    qint64 createdAt = 0;              ///< set on insert
    std::optional<qint64> activatedAt; ///< signs new tokens from then on
    std::optional<qint64> retiredAt;   ///< no longer signs; still published until expiresAt
    std::optional<qint64> expiresAt;   ///< no longer published after this
};

/// Signing keys. Every method is one transaction.
class SigningKeyRepository final
{
public:
    explicit SigningKeyRepository(std::shared_ptr<Database> db);

    Core::Result<SigningKey> insert(const SigningKey &key);
    Core::Result<SigningKey> get(const QString &kid);
    /// All keys, newest first.
    Core::Result<QList<SigningKey>> list();
    /// Keys to publish in the JWKS: not expired at now, newest first.
    Core::Result<QList<SigningKey>> published();
    /// The key that signs now: activated, not retired, most recently activated. NotFound if none.
    Core::Result<SigningKey> current();
    /// Makes `kid` the signing key (activatedAt = now) and retires every other active key,
    /// publishing them until `previousExpiresAt`, in one transaction.
    Core::Result<SigningKey> activate(const QString &kid, qint64 previousExpiresAt);
    Core::Status remove(const QString &kid);

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
