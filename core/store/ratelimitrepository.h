#pragma once

#include <memory>

#include <QString>

#include "common/result.h"

namespace Store {

class Database;

/// Fixed-window hit counters shared by every server on the store, from which the rate
/// limiter computes its sliding windows. Every method is one transaction.
class RateLimitRepository final
{
public:
    explicit RateLimitRepository(std::shared_ptr<Database> db);

    /// Adds `amount` to the counter of (`key`, `windowStart`) atomically and returns the
    /// new count.
    Core::Result<qint64> increment(const QString &key, qint64 windowStart, qint64 amount = 1);
    /// The count of one window (0 if none).
    Core::Result<qint64> count(const QString &key, qint64 windowStart);
    /// Deletes windows that started before `before`; returns how many.
    Core::Result<qint64> prune(qint64 before);

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
