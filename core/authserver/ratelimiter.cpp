#include "authserver/ratelimiter.h"

#include <atomic>

#include "authserver/context.h"
#include "authserver/oauth.h"
#include "store/database.h"
#include "store/ratelimitrepository.h"

namespace Auth {

namespace {

/// Old windows are pruned every this many hits (windows are at most a day long).
constexpr int kPruneEvery = 1000;
constexpr qint64 kKeepMs = 2LL * 86400 * 1000;

std::atomic<bool> g_storeErrorLogged{false};
std::atomic<int> g_hitsSincePrune{0};

} // namespace

RateLimiter::RateLimiter(Context &context)
    : m_context(context)
{}

RateLimiter::Decision RateLimiter::hit(const QString &key, const RateLimit &limit)
{
    if (limit.limit <= 0 || limit.windowSeconds <= 0)
        return {};
    const qint64 now = m_context.now();
    const qint64 windowMs = qint64(limit.windowSeconds) * 1000;
    const qint64 windowStart = now - (now % windowMs);
    const qint64 elapsed = now - windowStart;
    // The counter key carries the window length, so changing a limit's window never mixes
    // counts of different window sizes.
    const QString counter = key + QLatin1Char('/') + QString::number(limit.windowSeconds);

    qint64 current = 0;
    qint64 previous = 0;
    bool allowed = true;
    Store::RateLimitRepository repo(m_context.db());
    const Core::Status status = m_context.db()->transaction([&](QSqlDatabase &) -> Core::Status {
        auto prev = repo.count(counter, windowStart - windowMs);
        if (!prev)
            return prev.error();
        auto cur = repo.increment(counter, windowStart);
        if (!cur)
            return cur.error();
        previous = *prev;
        current = *cur;
        // The sliding estimate previous * (W - elapsed) / W + current, compared without
        // division so the edge is exact.
        allowed = previous * (windowMs - elapsed) + current * windowMs <= limit.limit * windowMs;
        // A refused hit is not counted: a client that keeps retrying while refused still
        // gets through once its earlier hits have slid out of the window.
        if (!allowed) {
            auto undone = repo.increment(counter, windowStart, -1);
            if (!undone)
                return undone.error();
            current = *undone;
        }
        return {};
    });
    if (!status) {
        if (!g_storeErrorLogged.exchange(true))
            qCWarning(lcAuthServer,
                      "rate limiting is off while the store fails (%s); requests "
                      "are let through",
                      qUtf8Printable(status.error().toString()));
        return {};
    }
    g_storeErrorLogged.store(false);
    if (++g_hitsSincePrune >= kPruneEvery) {
        g_hitsSincePrune = 0;
        (void)repo.prune(now - kKeepMs);
    }
    if (allowed)
        return {};

    // When would one more hit pass? Inside this window the previous window's weight keeps
    // shrinking; if this window alone is full, only the next window's start helps. Integer
    // arithmetic, rounded up, so a hit at the promised time does pass.
    const qint64 l = limit.limit;
    qint64 waitMs = 0;
    if (current + 1 <= l && previous > 0) {
        const qint64 tau = windowMs - ((l - current - 1) * windowMs) / previous;
        waitMs = tau - elapsed;
    } else {
        const qint64 into = current > 0 ? windowMs - ((l - 1) * windowMs) / current : 0;
        waitMs = (windowMs - elapsed) + into;
    }
    Decision decision;
    decision.allowed = false;
    decision.retryAfterSeconds = int(qMax<qint64>(1, (waitMs + 999) / 1000));
    return decision;
}

} // namespace Auth
