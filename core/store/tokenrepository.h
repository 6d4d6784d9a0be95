#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <QList>
#include <QString>

#include "common/result.h"
#include "store/secrethash.h"

namespace Store {

class Database;

enum class TokenKind { Access, Refresh };
enum class TokenFormat { Opaque, Jwt };
/// Revoked wins over Expired: a revoked token is Revoked even after it expires.
enum class TokenState { Active, Expired, Revoked };

[[nodiscard]] QString tokenKindName(TokenKind kind);
[[nodiscard]] QString tokenFormatName(TokenFormat format);
[[nodiscard]] QString tokenStateName(TokenState state);
[[nodiscard]] std::optional<TokenKind> tokenKindFromString(const QString &s);
[[nodiscard]] std::optional<TokenState> tokenStateFromString(const QString &s);

/// An issued access or refresh token, held only as a SecretHash.
struct Token
{
    qint64 id = 0; ///< assigned on insert
    SecretHash token;
    TokenKind kind = TokenKind::Access;
    TokenFormat format = TokenFormat::Opaque;
    QString jti; ///< JWT access tokens
    QString clientId;
    QString subject;     ///< user, or the client itself for client_credentials
    QString scope;       ///< space-separated
    QString resource;    ///< audience / RFC 8707 resource(s), space-separated
    qint64 issuedAt = 0; ///< 0 on insert: now
    qint64 expiresAt = 0;
    std::optional<qint64> revokedAt;
    QString revocationReason;
    /// Every token of one grant (the access and refresh tokens of a code or device grant and
    /// all their rotations) shares a family id; reuse of a rotated refresh token revokes it.
    QString familyId;
    std::optional<qint64> parentId;            ///< the refresh token this one was rotated from
    std::optional<qint64> authorizationCodeId; ///< the code that started the family
    std::optional<qint64> rotatedAt;           ///< refresh token exchanged for a new one

    [[nodiscard]] TokenState state(qint64 now) const;
};

/// Which tokens list()/count() return. Empty strings and empty optionals do not filter.
struct TokenFilter
{
    QString clientId;
    QString subject;
    QString scope;    ///< tokens whose scope contains this one (a whole word)
    QString resource; ///< tokens whose resource list contains this one
    QString familyId;
    std::optional<TokenKind> kind;
    std::optional<TokenState> state;
    int limit = 100;               ///< list() only; capped at 10000
    int offset = 0;                ///< list() only
    std::optional<qint64> afterId; ///< list() only: keyset paging, ids greater than this
};

/// Access and refresh tokens. Every method is one transaction.
class TokenRepository final
{
public:
    explicit TokenRepository(std::shared_ptr<Database> db);

    /// Stores `token` (id, revocation and rotation fields are ignored). InvalidReference if
    /// the client does not exist; AlreadyExists if the hash is already stored.
    Core::Result<Token> insert(const Token &token);
    /// Stores several tokens in one transaction (e.g. the access and refresh token of one
    /// grant): all or nothing.
    Core::Result<QList<Token>> insertAll(const QList<Token> &tokens);
    Core::Result<Token> findByHash(const SecretHash &token);
    Core::Result<Token> get(qint64 id);
    /// Ordered by id ascending.
    Core::Result<QList<Token>> list(const TokenFilter &filter);
    Core::Result<qint64> count(const TokenFilter &filter);

    /// Each revoke returns how many tokens it newly revoked (already revoked ones are left
    /// as they were, keeping their first revocation time and reason).
    Core::Result<int> revoke(qint64 id, const QString &reason);
    Core::Result<int> revokeByClient(const QString &clientId, const QString &reason);
    Core::Result<int> revokeBySubject(const QString &subject, const QString &reason);
    Core::Result<int> revokeFamily(const QString &familyId, const QString &reason);
    /// The tokens the code issued and every token of their families.
    Core::Result<int> revokeByAuthorizationCode(qint64 authorizationCodeId, const QString &reason);

    /// Exchanging a refresh token: atomically sets rotatedAt and revokes it (reason
    /// "rotated") if it is an active, unrotated refresh token, and returns it. Errors:
    /// NotFound, Reused (already rotated: the caller should revoke the family), Revoked,
    /// Expired, InvalidArgument (not a refresh token). Of two concurrent calls exactly one
    /// wins.
    Core::Result<Token> markRotated(const SecretHash &refreshToken);

    /// Deletes tokens that expired before now, `batchSize` rows per transaction, calling
    /// `progress(deletedSoFar)` after each batch. Returns the total deleted.
    Core::Result<qint64> purgeExpired(int batchSize = 1000,
                                      const std::function<void(qint64)> &progress = {});

private:
    Core::Result<int> revokeWhere(const QString &condition, const QVariantList &binds,
                                  const QString &reason, const QString &what);

    std::shared_ptr<Database> m_db;
};

} // namespace Store
