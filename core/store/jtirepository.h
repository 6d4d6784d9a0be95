#pragma once

#include <memory>

#include <QString>

#include "common/result.h"

namespace Store {

class Database;

/// JWT IDs already seen (RFC 7523 client assertions, DPoP proofs ...), shared by every
/// server using the store. Every method is one transaction.
class JtiRepository final
{
public:
    explicit JtiRepository(std::shared_ptr<Database> db);

    /// Records `jti` under `key` (the issuer or client the JTI belongs to) until
    /// `expiresAt` (epoch ms: the assertion's exp plus the allowed clock skew). Fails with
    /// ErrorCode::Replay when the same key + jti is recorded and has not expired yet; an
    /// expired entry is replaced. Atomic: of two concurrent calls exactly one succeeds.
    Core::Status remember(const QString &key, const QString &jti, qint64 expiresAt);
    /// Deletes entries that expired before now; returns how many.
    Core::Result<qint64> prune();

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
