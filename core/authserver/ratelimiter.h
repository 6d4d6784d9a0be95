#pragma once

#include <QHash>
#include <QMutex>
#include <QString>

#include "authserver/config.h"

namespace Auth {

class Context;

/// Sliding-window rate limits (the weighted sum of the current and previous fixed windows)
/// keyed by e.g. "token:client:<id>" or "token:addr:<ip>". Counters live in the store's
/// rate-limit table so several servers on one PostgreSQL database share them; a store
/// error lets the request through (fail open) and is logged once.
class RateLimiter final
{
    Q_DISABLE_COPY_MOVE(RateLimiter)

public:
    explicit RateLimiter(Context &context);

    struct Decision
    {
        bool allowed = true;
        int retryAfterSeconds = 0; ///< when not allowed: seconds until a hit would pass
    };
    /// Counts one hit on `key` and says whether it is within `limit`.
    Decision hit(const QString &key, const RateLimit &limit);

private:
    Context &m_context;
};

} // namespace Auth
