#include "store/jtirepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

JtiRepository::JtiRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Status JtiRepository::remember(const QString &key, const QString &jti, qint64 expiresAt)
{
    if (key.isEmpty() || jti.isEmpty())
        return Sql::invalidArgument(QStringLiteral("a JTI entry needs a key and a jti"));
    return m_db->transaction([&](QSqlDatabase &db) -> Core::Status {
        const qlonglong now = m_db->now();
        auto q = Sql::exec(
            db,
            QStringLiteral("INSERT INTO jti_replay (issuer_key, jti, expires_at, created_at) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (issuer_key, jti) DO UPDATE SET "
                           "expires_at = excluded.expires_at, created_at = "
                           "excluded.created_at WHERE jti_replay.expires_at <= ? RETURNING jti"),
            {key, jti, qlonglong(expiresAt), now, now}, QStringLiteral("recording a JTI"));
        if (!q)
            return q.error();
        if (!q->next())
            return Core::makeError(
                ErrorCode::Replay,
                QStringLiteral("jti %1 from %2 was already used").arg(jti.left(64), key));
        return {};
    });
}

Core::Result<qint64> JtiRepository::prune()
{
    return m_db->transactionResult<qint64>([&](QSqlDatabase &db) {
        return Sql::removed(db, QStringLiteral("DELETE FROM jti_replay WHERE expires_at <= ?"),
                            {qlonglong(m_db->now())}, QStringLiteral("pruning JTIs"));
    });
}

} // namespace Store
