#pragma once

#include <functional>
#include <memory>

#include <QByteArrayView>
#include <QString>
#include <QStringList>

#include "admin/records.h"
#include "authserver/config.h"
#include "common/result.h"
#include "store/auditrepository.h"
#include "store/tokenrepository.h"

namespace Store {
class Database;
}

namespace Auth {
class Context;
}

namespace Admin {

/// The actor recorded in the audit log for every change made through this service.
inline const QString kOperatorActor = QStringLiteral("operator");

/// A client to register by hand. Validated by the same rules as dynamic registration
/// (RFC 7591): empty fields take the registration defaults (auth method
/// client_secret_basic, grant authorization_code, application type web).
struct NewClient
{
    QString clientId; ///< empty: generated ("mcp_" + 22 random characters)
    QString name;
    QStringList redirectUris;
    QStringList grantTypes;
    QString authMethod;      ///< none | client_secret_basic | client_secret_post | private_key_jwt
    QString scope;           ///< space-separated; each must be in Config::scopesSupported
    QString applicationType; ///< web | native
    QString jwks;            ///< JWK Set JSON text (public keys), or empty
    QString jwksUri;
};

/// What operators do to the authorization server's store: the `mcpauth clients|users|
/// tokens|keys|audit` commands and the app's administration panels both go through this
/// class, so the rules live in one place. Every change is one store transaction and an
/// audit event with actor "operator"; secrets reach the store only as hashes.
///
/// Owns an Auth::Context over the shared database (for key rotation and the audit log).
/// Use from one thread at a time.
class Service final
{
    Q_DISABLE_COPY_MOVE(Service)

public:
    /// `config` supplies the supported scopes, token lifetimes and signing algorithm (the
    /// server's configuration; defaults when the operator has none). "Now" is the
    /// database's clock (Store::OpenOptions::clock).
    explicit Service(std::shared_ptr<Store::Database> db, Auth::Config config = {});
    ~Service();

    // Clients
    /// Errors: invalid_redirect_uri / invalid_client_metadata (the message names the
    /// field), already_exists, invalid_argument (a malformed client id).
    Core::Result<AddedClient> addClient(const NewClient &client);
    Core::Result<QList<ClientRecord>> listClients();
    /// not_found if there is no such client.
    Core::Result<ClientRecord> showClient(const QString &clientId);
    /// Removes the client with its codes, tokens and consents. not_found if absent.
    Core::Result<RemovedClient> removeClient(const QString &clientId);
    /// Replaces the registered metadata of client `client.clientId` (name, redirect URIs,
    /// grant types, auth method, scope, application type, JWKS or jwks_uri) after the same
    /// validation as addClient; an empty authMethod or applicationType keeps the current
    /// one. One transaction and a "client.updated" audit event. The secret is kept while
    /// the auth method uses one; a client moving to a secret method, or asked for
    /// `newSecret`, gets a new one, returned once in AddedClient::secret; a client moving to
    /// a method without a secret loses it. Errors: those of addClient, not_found, and
    /// invalid_argument for a client whose metadata comes from its URL (CIMD).
    Core::Result<AddedClient> updateClient(const NewClient &client, bool newSecret = false);

    // Users
    /// `password` is the clear password (hashed here, never stored or logged). Errors:
    /// invalid_argument (username or password unacceptable; the message says why),
    /// already_exists.
    Core::Result<UserRecord> addUser(const QString &username, QByteArrayView password,
                                     const QString &displayName = {});
    Core::Result<QList<UserRecord>> listUsers();
    /// Removes the user and its consents, and revokes the tokens issued to it.
    Core::Result<RemovedUser> removeUser(const QString &username);
    /// Replaces the user's password (same rules as addUser); returns the updated user.
    Core::Result<UserRecord> setPassword(const QString &username, QByteArrayView password);

    // Tokens
    /// One page in id order; filter.limit is capped at 10000.
    Core::Result<TokenPage> listTokens(const Store::TokenFilter &filter);
    Core::Result<TokenRecord> showToken(qint64 id);
    Core::Result<RevokeResult> revokeToken(qint64 id);
    Core::Result<RevokeResult> revokeClientTokens(const QString &clientId);
    Core::Result<RevokeResult> revokeSubjectTokens(const QString &subject);
    Core::Result<RevokeResult> revokeFamily(const QString &familyId);
    /// Deletes expired tokens `batchSize` at a time; `progress(purgedSoFar)` after each batch.
    Core::Result<PurgeResult> purgeExpiredTokens(int batchSize = 1000,
                                                 const std::function<void(qint64)> &progress = {});

    // Signing keys
    /// Every key, newest first, with which one signs and which are published.
    Core::Result<QList<KeyRecord>> listKeys();
    /// A new key signs from now on; the previous ones stay published until the tokens they
    /// signed have expired (Auth::KeyManager::rotate).
    Core::Result<RotateResult> rotateKey();

    // Audit log
    /// The newest `count` events matching `filter`, oldest first.
    Core::Result<QList<Store::AuditEvent>> auditTail(int count, const Store::AuditFilter &filter);
    /// Events after `afterId` matching `filter`, oldest first (following a tail).
    Core::Result<QList<Store::AuditEvent>> auditAfter(qint64 afterId, Store::AuditFilter filter);

    /// Syntax rules for operator-chosen client ids: 1 to 128 characters from
    /// A-Z a-z 0-9 - . _ ~ (safe in URLs, forms and HTTP Basic).
    [[nodiscard]] static Core::Status validateClientId(const QString &clientId);
    /// 1 to 64 characters, no whitespace or control characters.
    [[nodiscard]] static Core::Status validateUsername(const QString &username);
    /// 8 to 1024 bytes, no line breaks or NUL.
    [[nodiscard]] static Core::Status validatePassword(QByteArrayView password);

private:
    /// Runs `work` and records it; the audit event names `clientId` / `subject` when one
    /// client or subject is concerned.
    Core::Result<RevokeResult> revoke(const QString &target, const QString &value,
                                      const QString &clientId, const QString &subject,
                                      const std::function<Core::Result<int>()> &work);
    void audit(const QString &type, const QString &clientId, const QString &subject,
               const QJsonObject &detail);

    std::shared_ptr<Store::Database> m_db;
    std::unique_ptr<Auth::Context> m_context;
};

} // namespace Admin
