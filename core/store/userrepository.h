#pragma once

#include <memory>
#include <optional>

#include <QList>
#include <QString>

#include "common/result.h"

namespace Store {

class Database;

/// A local user of the authorization server.
struct User
{
    qint64 id = 0;
    QString username;
    /// The password hash exactly as the authorization server produced it, in PHC string
    /// format (`$scrypt$...`, `$pbkdf2-sha256$...`). Anything not starting with `$<id>$` is
    /// refused, so a clear password cannot be stored by mistake.
    QString passwordHash;
    QString displayName;
    bool disabled = false;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

/// A user's remembered consent for a client: the scopes approved.
struct Consent
{
    QString username;
    QString clientId;
    QString scope; ///< space-separated
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

/// Users table. Every method is one transaction.
class UserRepository final
{
public:
    explicit UserRepository(std::shared_ptr<Database> db);

    /// AlreadyExists if the username is taken; InvalidArgument for an empty username or a
    /// password hash not in PHC format.
    Core::Result<User> create(const User &user);
    Core::Result<User> get(const QString &username);
    Core::Result<QList<User>> list(int limit = 1000, int offset = 0);
    Core::Status setPasswordHash(const QString &username, const QString &passwordHash);
    Core::Status setDisabled(const QString &username, bool disabled);
    Core::Status setDisplayName(const QString &username, const QString &displayName);
    /// Also removes the user's consents.
    Core::Status remove(const QString &username);

private:
    std::shared_ptr<Database> m_db;
};

/// Remembered consents. Every method is one transaction.
class ConsentRepository final
{
public:
    explicit ConsentRepository(std::shared_ptr<Database> db);

    /// Records (or replaces) the scopes `username` approved for `clientId`.
    Core::Result<Consent> remember(const QString &username, const QString &clientId,
                                   const QString &scope);
    /// The remembered consent, or an empty optional if there is none.
    Core::Result<std::optional<Consent>> find(const QString &username, const QString &clientId);
    Core::Result<QList<Consent>> listForUser(const QString &username);
    /// NotFound if there was nothing to forget.
    Core::Status forget(const QString &username, const QString &clientId);

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
