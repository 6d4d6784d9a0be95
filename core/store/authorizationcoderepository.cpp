#include "store/authorizationcoderepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

namespace {

const QString kColumns =
    QStringLiteral("id, code_hash, code_prefix, client_id, subject, redirect_uri, scope, resource, "
                   "code_challenge, code_challenge_method, created_at, expires_at, used_at");

AuthorizationCode readCode(const QSqlQuery &q)
{
    AuthorizationCode c;
    c.id = q.value(0).toLongLong();
    c.code = SecretHash::fromHex(q.value(1).toString(), q.value(2).toString()).valueOr({});
    c.clientId = q.value(3).toString();
    c.subject = q.value(4).toString();
    c.redirectUri = q.value(5).toString();
    c.scope = q.value(6).toString();
    c.resource = q.value(7).toString();
    c.codeChallenge = q.value(8).toString();
    c.codeChallengeMethod = q.value(9).toString();
    c.createdAt = q.value(10).toLongLong();
    c.expiresAt = q.value(11).toLongLong();
    c.usedAt = Sql::optionalInt(q.value(12));
    return c;
}

Core::Result<AuthorizationCode> fetch(QSqlDatabase &db, const SecretHash &code)
{
    auto q = Sql::exec(db,
                       QStringLiteral("SELECT ") + kColumns +
                           QStringLiteral(" FROM authorization_codes WHERE code_hash = ?"),
                       {code.hex()}, QStringLiteral("reading authorization code"));
    if (!q)
        return q.error();
    return Sql::readOne<AuthorizationCode>(
        *q, readCode, QStringLiteral("no authorization code %1").arg(code.display()));
}

} // namespace

AuthorizationCodeRepository::AuthorizationCodeRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<AuthorizationCode> AuthorizationCodeRepository::insert(const AuthorizationCode &code)
{
    if (code.code.isNull())
        return Sql::invalidArgument(QStringLiteral("an authorization code needs its hash"));
    if (code.clientId.isEmpty() || code.redirectUri.isEmpty() || code.codeChallenge.isEmpty())
        return Sql::invalidArgument(
            QStringLiteral("an authorization code needs a client, a redirect URI and a PKCE "
                           "challenge"));
    return m_db->transactionResult<AuthorizationCode>(
        [&](QSqlDatabase &db) -> Core::Result<AuthorizationCode> {
            auto s = Sql::run(
                db,
                QStringLiteral("INSERT INTO authorization_codes (code_hash, code_prefix, "
                               "client_id, subject, redirect_uri, scope, resource, code_challenge, "
                               "code_challenge_method, created_at, expires_at) VALUES (?, ?, ?, ?, "
                               "?, ?, ?, ?, ?, ?, ?)"),
                {code.code.hex(), code.code.prefix(), code.clientId, code.subject, code.redirectUri,
                 code.scope, code.resource, code.codeChallenge, code.codeChallengeMethod,
                 qlonglong(m_db->now()), qlonglong(code.expiresAt)},
                QStringLiteral("storing authorization code %1 for client %2")
                    .arg(code.code.display(), code.clientId));
            if (!s)
                return s.error();
            return fetch(db, code.code);
        });
}

Core::Result<AuthorizationCode> AuthorizationCodeRepository::consume(const SecretHash &code)
{
    return m_db->transactionResult<AuthorizationCode>(
        [&](QSqlDatabase &db) -> Core::Result<AuthorizationCode> {
            const qlonglong now = m_db->now();
            auto changed =
                Sql::update(db,
                            QStringLiteral("UPDATE authorization_codes SET used_at = ? "
                                           "WHERE code_hash = ? AND used_at IS NULL "
                                           "AND expires_at > ?"),
                            {now, code.hex(), now}, QStringLiteral("consuming authorization code"));
            if (!changed)
                return changed.error();
            auto row = fetch(db, code);
            if (!row || *changed == 1)
                return row;
            if (row->usedAt)
                return Core::makeError(
                    ErrorCode::Reused,
                    QStringLiteral("authorization code %1 was already used").arg(code.display()));
            return Core::makeError(
                ErrorCode::Expired,
                QStringLiteral("authorization code %1 has expired").arg(code.display()));
        });
}

Core::Result<AuthorizationCode> AuthorizationCodeRepository::findByHash(const SecretHash &code)
{
    return m_db->transactionResult<AuthorizationCode>(
        [&](QSqlDatabase &db) { return fetch(db, code); }, TransactionMode::Read);
}

Core::Result<qint64> AuthorizationCodeRepository::purgeExpired(qint64 before)
{
    return m_db->transactionResult<qint64>([&](QSqlDatabase &db) {
        return Sql::removed(db,
                            QStringLiteral("DELETE FROM authorization_codes WHERE expires_at < ?"),
                            {qlonglong(before)}, QStringLiteral("purging authorization codes"));
    });
}

} // namespace Store
