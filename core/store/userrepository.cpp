#include "store/userrepository.h"

#include <QRegularExpression>

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

namespace {

const QString kUserColumns =
    QStringLiteral("id, username, password_hash, display_name, disabled, created_at, updated_at");

User readUser(const QSqlQuery &q)
{
    return User{q.value(0).toLongLong(), q.value(1).toString(),   q.value(2).toString(),
                q.value(3).toString(),   q.value(4).toInt() != 0, q.value(5).toLongLong(),
                q.value(6).toLongLong()};
}

Consent readConsent(const QSqlQuery &r)
{
    return Consent{r.value(0).toString(), r.value(1).toString(), r.value(2).toString(),
                   r.value(3).toLongLong(), r.value(4).toLongLong()};
}

Core::Status validatePasswordHash(const QString &hash)
{
    static const QRegularExpression phc(QStringLiteral("^\\$[a-z0-9-]{1,32}(\\$[^$\\s]*){1,}$"));
    if (!phc.match(hash).hasMatch())
        return Sql::invalidArgument(QStringLiteral(
            "a password hash must be in PHC string format ($algorithm$...); refusing to store "
            "something that may be a clear password"));
    return {};
}

Core::Result<User> fetchUser(QSqlDatabase &db, const QString &username)
{
    auto q = Sql::exec(db,
                       QStringLiteral("SELECT ") + kUserColumns +
                           QStringLiteral(" FROM users WHERE username = ?"),
                       {username}, QStringLiteral("reading user"));
    if (!q)
        return q.error();
    return Sql::readOne<User>(*q, readUser, QStringLiteral("no user named %1").arg(username));
}

Core::Result<Consent> fetchConsent(QSqlDatabase &db, const QString &username,
                                   const QString &clientId)
{
    auto q = Sql::exec(db,
                       QStringLiteral("SELECT username, client_id, scope, created_at, updated_at "
                                      "FROM consents WHERE username = ? AND client_id = ?"),
                       {username, clientId}, QStringLiteral("reading consent"));
    if (!q)
        return q.error();
    return Sql::readOne<Consent>(
        *q, readConsent,
        QStringLiteral("user %1 has no remembered consent for client %2").arg(username, clientId));
}

} // namespace

UserRepository::UserRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<User> UserRepository::create(const User &user)
{
    if (user.username.trimmed().isEmpty())
        return Sql::invalidArgument(QStringLiteral("a user needs a username"));
    if (auto s = validatePasswordHash(user.passwordHash); !s)
        return s.error();
    return m_db->transactionResult<User>([&](QSqlDatabase &db) -> Core::Result<User> {
        const qlonglong now = m_db->now();
        auto s = Sql::run(
            db,
            QStringLiteral("INSERT INTO users (username, password_hash, "
                           "display_name, disabled, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?, ?)"),
            {user.username, user.passwordHash, user.displayName, user.disabled ? 1 : 0, now, now},
            QStringLiteral("creating user %1").arg(user.username));
        if (!s && s.error().code == ErrorCode::AlreadyExists)
            return Core::makeError(
                ErrorCode::AlreadyExists,
                QStringLiteral("a user named %1 already exists").arg(user.username));
        if (!s)
            return s.error();
        return fetchUser(db, user.username);
    });
}

Core::Result<User> UserRepository::get(const QString &username)
{
    return m_db->transactionResult<User>([&](QSqlDatabase &db) { return fetchUser(db, username); },
                                         TransactionMode::Read);
}

Core::Result<QList<User>> UserRepository::list(int limit, int offset)
{
    return m_db->transactionResult<QList<User>>(
        [&](QSqlDatabase &db) -> Core::Result<QList<User>> {
            auto q = Sql::exec(db,
                               QStringLiteral("SELECT ") + kUserColumns +
                                   QStringLiteral(" FROM users ORDER BY username "
                                                  "LIMIT ? OFFSET ?"),
                               {qMax(0, limit), qMax(0, offset)}, QStringLiteral("listing users"));
            if (!q)
                return q.error();
            return Sql::readAll<User>(*q, readUser);
        },
        TransactionMode::Read);
}

Core::Status UserRepository::setPasswordHash(const QString &username, const QString &passwordHash)
{
    if (auto s = validatePasswordHash(passwordHash); !s)
        return s;
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::requireOne(
            Sql::update(db,
                        QStringLiteral("UPDATE users SET password_hash = ?, "
                                       "updated_at = ? WHERE username = ?"),
                        {passwordHash, qlonglong(m_db->now()), username},
                        QStringLiteral("changing the password of %1").arg(username)),
            QStringLiteral("no user named %1").arg(username));
    });
}

Core::Status UserRepository::setDisabled(const QString &username, bool disabled)
{
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::requireOne(
            Sql::update(
                db,
                QStringLiteral("UPDATE users SET disabled = ?, updated_at = ? WHERE username = ?"),
                {disabled ? 1 : 0, qlonglong(m_db->now()), username},
                QStringLiteral("updating user %1").arg(username)),
            QStringLiteral("no user named %1").arg(username));
    });
}

Core::Status UserRepository::setDisplayName(const QString &username, const QString &displayName)
{
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::requireOne(
            Sql::update(db,
                        QStringLiteral(
                            "UPDATE users SET display_name = ?, updated_at = ? WHERE username = ?"),
                        {displayName, qlonglong(m_db->now()), username},
                        QStringLiteral("updating user %1").arg(username)),
            QStringLiteral("no user named %1").arg(username));
    });
}

Core::Status UserRepository::remove(const QString &username)
{
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::requireOne(
            Sql::update(db, QStringLiteral("DELETE FROM users WHERE username = ?"), {username},
                        QStringLiteral("removing user %1").arg(username)),
            QStringLiteral("no user named %1").arg(username));
    });
}

ConsentRepository::ConsentRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<Consent> ConsentRepository::remember(const QString &username, const QString &clientId,
                                                  const QString &scope)
{
    return m_db->transactionResult<Consent>([&](QSqlDatabase &db) -> Core::Result<Consent> {
        const qlonglong now = m_db->now();
        if (auto s = Sql::run(
                db,
                QStringLiteral("INSERT INTO consents (username, client_id, scope, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, "
                               "client_id) DO UPDATE SET scope = excluded.scope, "
                               "updated_at = excluded.updated_at"),
                {username, clientId, scope, now, now},
                QStringLiteral("remembering consent of %1 for %2").arg(username, clientId));
            !s)
            return s.error();
        return fetchConsent(db, username, clientId);
    });
}

Core::Result<std::optional<Consent>> ConsentRepository::find(const QString &username,
                                                             const QString &clientId)
{
    return m_db->transactionResult<std::optional<Consent>>(
        [&](QSqlDatabase &db) -> Core::Result<std::optional<Consent>> {
            auto c = fetchConsent(db, username, clientId);
            if (c)
                return std::optional<Consent>(*c);
            if (c.error().code == ErrorCode::NotFound)
                return std::optional<Consent>();
            return c.error();
        },
        TransactionMode::Read);
}

Core::Result<QList<Consent>> ConsentRepository::listForUser(const QString &username)
{
    return m_db->transactionResult<QList<Consent>>(
        [&](QSqlDatabase &db) -> Core::Result<QList<Consent>> {
            auto q = Sql::exec(db,
                               QStringLiteral("SELECT username, client_id, scope, created_at, "
                                              "updated_at FROM consents WHERE username = ? "
                                              "ORDER BY client_id"),
                               {username}, QStringLiteral("listing consents"));
            if (!q)
                return q.error();
            return Sql::readAll<Consent>(*q, readConsent);
        },
        TransactionMode::Read);
}

Core::Status ConsentRepository::forget(const QString &username, const QString &clientId)
{
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::requireOne(
            Sql::update(db,
                        QStringLiteral("DELETE FROM consents WHERE username = ? AND client_id = ?"),
                        {username, clientId}, QStringLiteral("forgetting consent")),
            QStringLiteral("user %1 has no remembered consent for client %2")
                .arg(username, clientId));
    });
}

} // namespace Store
