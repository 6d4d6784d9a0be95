#pragma once

#include <limits>

#include <QJsonObject>
#include <QLoggingCategory>
#include <QMetaType>
#include <QString>

#include "friction/controller.h"

/// Friction events, one JSON line each: info level for blocks, justifications, saturation
/// and principal eviction/restoration; debug level (off by default) for ordinary checks.
Q_DECLARE_LOGGING_CATEGORY(lcFriction)

namespace Friction {

/// What happened. Names (type() in JSON) are the SSE event names too.
enum class EventType {
    Check,                ///< "friction_check": a call was allowed and recorded
    Block,                ///< "friction_block": refused, BLOCKED or over budget
    Justification,        ///< "friction_justification": a HIGH call ran with a justification
    JustificationMissing, ///< "friction_justification_missing": a HIGH call was refused
    Saturation,           ///< "friction_saturation": a tool became saturated (relief starts)
    PrincipalEvicted,     ///< "friction_principal_evicted": LRU eviction; its penalty is kept
    PrincipalRestored,    ///< "friction_principal_restored": a principal got a penalty floor
};

[[nodiscard]] QString eventTypeName(EventType type);

/// One friction event (FRICTION.md "Events"). A value type, safe to queue across threads.
struct Event
{
    EventType type = EventType::Check;
    double time = 0;       ///< the monotonic seconds the registry was given
    qint64 wallTimeMs = 0; ///< UTC milliseconds since the epoch, when it was emitted
    QString principal;     ///< the principal key (see Registry::principalKey)
    QString clientId;
    QString tool; ///< MCP tool name; for principal events the most penalised tool
    double friction = 0;
    Band band = Band::None;
    double ema = 0;
    double target = 0;
    double effectiveTarget = 0;
    double cost = 0;
    bool allowed = false;
    bool justificationRequired = false;
    bool saturated = false;
    double budgetRemaining = std::numeric_limits<double>::infinity();
    /// At most 1024 characters of the caller's justification (Justification events only).
    QString justification;
    QString message; ///< the refusal text given to the caller, if any

    /// Fills the per-tool fields from a check result.
    void setCheck(const CheckResult &check);

    /// snake_case members: type, time, timestamp (ISO 8601 UTC), principal, client_id, tool,
    /// friction, band, ema, target, effective_target, cost, allowed, justification_required,
    /// saturated, budget_remaining (null = unlimited), and justification / message when set.
    [[nodiscard]] QJsonObject toJson() const;
    /// toJson() as one compact line.
    [[nodiscard]] QByteArray toJsonLine() const;
};

} // namespace Friction

Q_DECLARE_METATYPE(Friction::Event)
