#pragma once

#include <memory>
#include <optional>

#include <QString>

#include "common/result.h"
#include "store/secrethash.h"

namespace Store {

class Database;

/// An issued authorization code, held only as a SecretHash.
struct AuthorizationCode
{
    qint64 id = 0; ///< assigned on insert; tokens record it as authorizationCodeId
    SecretHash code;
    QString clientId;
    QString subject;
    QString redirectUri;
    QString scope;    ///< space-separated
    QString resource; ///< RFC 8707 resource(s), space-separated
    QString codeChallenge;
    QString codeChallengeMethod; ///< S256 | plain
    qint64 createdAt = 0;        ///< set on insert
    qint64 expiresAt = 0;
    std::optional<qint64> usedAt;
};

/// Authorization codes. Every method is one transaction.
class AuthorizationCodeRepository final
{
public:
    explicit AuthorizationCodeRepository(std::shared_ptr<Database> db);

    /// Stores `code` (id, createdAt and usedAt are ignored). InvalidReference if the client
    /// does not exist.
    Core::Result<AuthorizationCode> insert(const AuthorizationCode &code);
    /// Marks the code used, atomically (a conditional UPDATE ... WHERE used_at IS NULL), and
    /// returns it. Errors: NotFound, Expired (left unused), Reused (it was already consumed;
    /// the caller should revoke what the code issued, see findByHash and
    /// TokenRepository::revokeByAuthorizationCode). Of two concurrent calls exactly one wins.
    Core::Result<AuthorizationCode> consume(const SecretHash &code);
    Core::Result<AuthorizationCode> findByHash(const SecretHash &code);
    /// Deletes codes that expired before `before` (epoch ms); returns how many.
    Core::Result<qint64> purgeExpired(qint64 before);

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
