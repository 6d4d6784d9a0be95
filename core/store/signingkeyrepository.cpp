#include "store/signingkeyrepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

namespace {

const QString kSelect = QStringLiteral(
    "SELECT kid, alg, private_key_pem, public_jwk, created_at, activated_at, retired_at, "
    "expires_at FROM signing_keys");

SigningKey readKey(const QSqlQuery &q)
{
    return SigningKey{q.value(0).toString(),        q.value(1).toString(),
                      q.value(2).toString(),        q.value(3).toString(),
                      q.value(4).toLongLong(),      Sql::optionalInt(q.value(5)),
                      Sql::optionalInt(q.value(6)), Sql::optionalInt(q.value(7))};
}

Core::Result<SigningKey> fetchOne(QSqlDatabase &db, const QString &where, const QVariantList &binds,
                                  const QString &notFound)
{
    auto q = Sql::exec(db, kSelect + where, binds, QStringLiteral("reading signing key"));
    if (!q)
        return q.error();
    return Sql::readOne<SigningKey>(*q, readKey, notFound);
}

Core::Result<QList<SigningKey>> fetchAll(QSqlDatabase &db, const QString &where,
                                         const QVariantList &binds)
{
    auto q = Sql::exec(db, kSelect + where + QStringLiteral(" ORDER BY created_at DESC, kid"),
                       binds, QStringLiteral("listing signing keys"));
    if (!q)
        return q.error();
    return Sql::readAll<SigningKey>(*q, readKey);
}

} // namespace

SigningKeyRepository::SigningKeyRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<SigningKey> SigningKeyRepository::insert(const SigningKey &key)
{
    if (key.kid.isEmpty() || key.alg.isEmpty() || key.privateKeyPem.isEmpty() ||
        key.publicJwk.isEmpty())
        return Sql::invalidArgument(
            QStringLiteral("a signing key needs a kid, an alg, a private key and a public JWK"));
    return m_db->transactionResult<SigningKey>([&](QSqlDatabase &db) -> Core::Result<SigningKey> {
        auto s = Sql::run(db,
                          QStringLiteral("INSERT INTO signing_keys (kid, alg, private_key_pem, "
                                         "public_jwk, created_at, activated_at, retired_at, "
                                         "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                          {key.kid, key.alg, key.privateKeyPem, key.publicJwk,
                           qlonglong(m_db->now()), Sql::intOrNull(key.activatedAt),
                           Sql::intOrNull(key.retiredAt), Sql::intOrNull(key.expiresAt)},
                          QStringLiteral("storing signing key %1").arg(key.kid));
        if (!s)
            return s.error();
        return fetchOne(db, QStringLiteral(" WHERE kid = ?"), {key.kid},
                        QStringLiteral("no signing key %1").arg(key.kid));
    });
}

Core::Result<SigningKey> SigningKeyRepository::get(const QString &kid)
{
    return m_db->transactionResult<SigningKey>(
        [&](QSqlDatabase &db) {
            return fetchOne(db, QStringLiteral(" WHERE kid = ?"), {kid},
                            QStringLiteral("no signing key %1").arg(kid));
        },
        TransactionMode::Read);
}

Core::Result<QList<SigningKey>> SigningKeyRepository::list()
{
    return m_db->transactionResult<QList<SigningKey>>(
        [&](QSqlDatabase &db) { return fetchAll(db, {}, {}); }, TransactionMode::Read);
}

Core::Result<QList<SigningKey>> SigningKeyRepository::published()
{
    return m_db->transactionResult<QList<SigningKey>>(
        [&](QSqlDatabase &db) {
            return fetchAll(db, QStringLiteral(" WHERE expires_at IS NULL OR expires_at > ?"),
                            {qlonglong(m_db->now())});
        },
        TransactionMode::Read);
}

Core::Result<SigningKey> SigningKeyRepository::current()
{
    return m_db->transactionResult<SigningKey>(
        [&](QSqlDatabase &db) {
            return fetchOne(db,
                            QStringLiteral(" WHERE activated_at IS NOT NULL AND retired_at IS "
                                           "NULL ORDER BY activated_at DESC LIMIT 1"),
                            {}, QStringLiteral("there is no active signing key"));
        },
        TransactionMode::Read);
}

Core::Result<SigningKey> SigningKeyRepository::activate(const QString &kid,
                                                        qint64 previousExpiresAt)
{
    return m_db->transactionResult<SigningKey>([&](QSqlDatabase &db) -> Core::Result<SigningKey> {
        const qlonglong now = m_db->now();
        if (auto s = Sql::requireOne(
                Sql::update(db,
                            QStringLiteral("UPDATE signing_keys SET activated_at = ?, retired_at "
                                           "= NULL, expires_at = NULL WHERE kid = ?"),
                            {now, kid}, QStringLiteral("activating signing key %1").arg(kid)),
                QStringLiteral("no signing key %1").arg(kid));
            !s)
            return s.error();
        if (auto s = Sql::run(db,
                              QStringLiteral("UPDATE signing_keys SET retired_at = ?, expires_at = "
                                             "? WHERE kid <> ? AND activated_at IS NOT NULL AND "
                                             "retired_at IS NULL"),
                              {now, qlonglong(previousExpiresAt), kid},
                              QStringLiteral("retiring the previous signing keys"));
            !s)
            return s.error();
        return fetchOne(db, QStringLiteral(" WHERE kid = ?"), {kid},
                        QStringLiteral("no signing key %1").arg(kid));
    });
}

Core::Status SigningKeyRepository::remove(const QString &kid)
{
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::requireOne(
            Sql::update(db, QStringLiteral("DELETE FROM signing_keys WHERE kid = ?"), {kid},
                        QStringLiteral("removing signing key %1").arg(kid)),
            QStringLiteral("no signing key %1").arg(kid));
    });
}

} // namespace Store
