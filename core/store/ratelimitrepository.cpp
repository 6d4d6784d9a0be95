#include "store/ratelimitrepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

RateLimitRepository::RateLimitRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<qint64> RateLimitRepository::increment(const QString &key, qint64 windowStart,
                                                    qint64 amount)
{
    if (key.isEmpty())
        return Sql::invalidArgument(QStringLiteral("a rate-limit counter needs a key"));
    return m_db->transactionResult<qint64>([&](QSqlDatabase &db) {
        return Sql::scalar(db,
                           QStringLiteral("INSERT INTO rate_limit_windows (rate_key, window_start, "
                                          "hits) VALUES (?, ?, ?) ON CONFLICT (rate_key, "
                                          "window_start) DO UPDATE SET hits = "
                                          "rate_limit_windows.hits + excluded.hits RETURNING hits"),
                           {key, qlonglong(windowStart), qlonglong(amount)},
                           QStringLiteral("counting a hit for %1").arg(key));
    });
}

Core::Result<qint64> RateLimitRepository::count(const QString &key, qint64 windowStart)
{
    return m_db->transactionResult<qint64>(
        [&](QSqlDatabase &db) {
            return Sql::scalar(db,
                               QStringLiteral("SELECT hits FROM rate_limit_windows WHERE "
                                              "rate_key = ? AND window_start = ?"),
                               {key, qlonglong(windowStart)},
                               QStringLiteral("reading the hits of %1").arg(key));
        },
        TransactionMode::Read);
}

Core::Result<qint64> RateLimitRepository::prune(qint64 before)
{
    return m_db->transactionResult<qint64>([&](QSqlDatabase &db) {
        return Sql::removed(db,
                            QStringLiteral("DELETE FROM rate_limit_windows WHERE window_start < ?"),
                            {qlonglong(before)}, QStringLiteral("pruning rate-limit windows"));
    });
}

} // namespace Store
