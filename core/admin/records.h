#pragma once

#include <optional>

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include "store/auditrepository.h"
#include "store/clientrepository.h"
#include "store/signingkeyrepository.h"
#include "store/tokenrepository.h"
#include "store/userrepository.h"

/// What the operator commands report: plain values built from store rows, never holding
/// a secret except AddedClient::secret (the one moment a client secret exists in clear).
/// toJson() is the `--json` form of the CLI; times there are UTC ISO 8601 strings (null
/// when unset).
namespace Admin {

/// UTC ISO 8601 with milliseconds ("2025-01-01T00:00:00.000Z").
[[nodiscard]] QString isoTime(qint64 epochMs);

struct ClientRecord
{
    QString clientId;
    QString name;
    QString authMethod;
    QStringList redirectUris;
    QStringList grantTypes;
    QStringList responseTypes;
    QString scope;
    QString applicationType;
    QString source;
    QString secret; ///< the secret's display form ("mcs_…#1a2b3c4d"); empty for public clients
    bool hasJwks = false;
    QString jwksUri;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    qint64 activeTokens = 0;

    [[nodiscard]] static ClientRecord from(const Store::Client &client, qint64 activeTokens = 0);
    [[nodiscard]] QJsonObject toJson() const;
};

/// A client just added. `secret` is the clear client secret (empty for methods without
/// one): the caller shows it once; it is stored only as a hash.
struct AddedClient
{
    ClientRecord client;
    QString secret;

    [[nodiscard]] QJsonObject toJson() const;
};

struct RemovedClient
{
    QString clientId;
    qint64 tokensRemoved = 0;

    [[nodiscard]] QJsonObject toJson() const;
};

struct UserRecord
{
    QString username;
    QString displayName;
    bool disabled = false;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;

    [[nodiscard]] static UserRecord from(const Store::User &user);
    [[nodiscard]] QJsonObject toJson() const;
};

struct RemovedUser
{
    QString username;
    int tokensRevoked = 0;

    [[nodiscard]] QJsonObject toJson() const;
};

/// A token's metadata. The token itself is not stored, only its hash: `display` is the
/// prefix and hash fragment operators recognise it by.
struct TokenRecord
{
    qint64 id = 0;
    QString display;
    Store::TokenKind kind = Store::TokenKind::Access;
    Store::TokenFormat format = Store::TokenFormat::Opaque;
    Store::TokenState state = Store::TokenState::Active;
    QString jti;
    QString clientId;
    QString subject;
    QString scope;
    QString resource;
    QString familyId;
    qint64 issuedAt = 0;
    qint64 expiresAt = 0;
    std::optional<qint64> revokedAt;
    QString revocationReason;
    std::optional<qint64> parentId;
    std::optional<qint64> rotatedAt;

    [[nodiscard]] static TokenRecord from(const Store::Token &token, qint64 now);
    [[nodiscard]] QJsonObject toJson() const;
};

/// One page of tokens; `nextAfterId` is set when more may follow (pass it as afterId).
struct TokenPage
{
    QList<TokenRecord> tokens;
    std::optional<qint64> nextAfterId;

    [[nodiscard]] QJsonObject toJson() const;
};

/// What a revocation did: which tokens it targeted and how many it newly revoked.
struct RevokeResult
{
    QString target; ///< "token", "client", "subject" or "family"
    QString value;  ///< the id, client id, subject or family id
    int revoked = 0;

    [[nodiscard]] QJsonObject toJson() const;
};

struct PurgeResult
{
    qint64 purged = 0;

    [[nodiscard]] QJsonObject toJson() const;
};

struct KeyRecord
{
    QString kid;
    QString alg;
    qint64 createdAt = 0;
    std::optional<qint64> activatedAt;
    std::optional<qint64> retiredAt;
    std::optional<qint64> expiresAt;
    bool current = false;   ///< signs new tokens
    bool published = false; ///< listed in the JWKS

    [[nodiscard]] QJsonObject toJson() const;
};

struct RotateResult
{
    QString kid;             ///< the new current key
    QStringList retiredKids; ///< keys that stopped signing with this rotation
    QList<KeyRecord> keys;   ///< every key after the rotation, newest first

    [[nodiscard]] QJsonObject toJson() const;
};

[[nodiscard]] QJsonObject auditEventToJson(const Store::AuditEvent &event);

} // namespace Admin
