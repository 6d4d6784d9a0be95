#pragma once

#include <limits>
#include <memory>
#include <vector>

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>
#include <QtGlobal>

#include "friction/config.h"
#include "friction/layout.h"

namespace Friction {

/// How hard a tool is to call right now (FRICTION.md "Bands and cost").
enum class Band { None, Low, Medium, High, Blocked };

/// "none", "low", "medium", "high" or "blocked".
[[nodiscard]] QString bandName(Band band);

/// What check() says about one call, without recording it.
struct CheckResult
{
    QString tool;            ///< the MCP tool name asked about
    bool configured = false; ///< false: an unconfigured tool (band None, cost 0)
    Band band = Band::None;
    double cost = 0;                    ///< min_cost + friction * (max_cost - min_cost)
    bool allowed = true;                ///< not BLOCKED and budget_remaining >= cost
    bool justificationRequired = false; ///< band is HIGH
    bool overBudget = false;            ///< budget_remaining < cost
    double ema = 0;
    double target = 0;                 ///< the configured target_rate
    double justificationThreshold = 0; ///< the tool's, for messages (0 if unconfigured)
    double hardBlockThreshold = 0;     ///< the tool's, for messages (0 if unconfigured)
    double effectiveTarget = 0;
    double friction = 0;
    bool saturated = false;
    double budgetRemaining = std::numeric_limits<double>::infinity();
    /// At idle, seconds until friction falls below hard_block_threshold by time decay:
    /// 0 when not BLOCKED, infinity when time_decay_rate is 0.
    double secondsUntilUnblocked = 0;
};

/// What record() changed that is worth an event.
struct RecordResult
{
    double cost = 0;            ///< charged to the budget
    QStringList newlySaturated; ///< tools that became saturated with this call
};

/// What a principal leaves behind when evicted, or hands on to a new principal of the same
/// subject (defect 3): the friction of each tool and the remaining budget, as of `time`.
struct Penalty
{
    QHash<QString, double> friction; ///< MCP tool name -> friction at `time` (only > 0)
    double budgetRemaining = std::numeric_limits<double>::infinity();
    /// Calls the principal had made: a returning principal does not warm up again.
    qint64 totalCalls = 0;
    double time = 0;

    [[nodiscard]] bool isEmpty() const;
    /// Friction of every tool decayed to `now` (never earlier than `time`).
    [[nodiscard]] Penalty decayedTo(double now, double timeDecayRate) const;
    /// Keeps the higher friction per tool and the lower budget, at the later of both times.
    void merge(const Penalty &other, double timeDecayRate);
};

/// Per-tool state of a controller, for inspection and tests.
struct ToolState
{
    double friction = 0;
    double ema = 0;
    double effectiveTarget = 0;
    double floor = 0; ///< penalty floor inherited from an earlier principal, decaying
    int countInWindow = 0;
    int saturationCount = 0;
    bool saturated = false;
};

/// The friction controller of one principal: the state and algorithm of FRICTION.md.
/// Time is injected as monotonic seconds (double); calls with a time earlier than the last
/// one are treated as happening at the last one. Not thread-safe: the Registry guards each
/// controller with its own mutex.
class Controller final
{
public:
    /// Shares `layout` (read-only) with other controllers.
    explicit Controller(std::shared_ptr<const Layout> layout);
    /// Precondition: config.validate() succeeded.
    explicit Controller(const ControllerConfig &config);
    ~Controller();
    Q_DISABLE_COPY_MOVE(Controller)

    /// Applies time decay up to `now`, then says what a call of `tool` would meet.
    [[nodiscard]] CheckResult check(const QString &tool, double now);
    /// Applies time decay, records one call of `tool` (configured or not: every call is in
    /// the rate denominator) and adjusts friction, saturation, groups and budget.
    RecordResult record(const QString &tool, double now);

    /// Switches to a new configuration; tools and groups that still exist keep their state.
    void reconfigure(std::shared_ptr<const Layout> layout);

    /// The friction per tool and the budget, decayed to `now`; changes nothing.
    [[nodiscard]] Penalty penalty(double now) const;
    /// Raises this controller to `penalty` (decayed to `now`): each tool's friction and its
    /// floor become at least the penalty's, the budget at most its budget, and its calls
    /// count towards warmup (warmup is not granted twice).
    void applyPenalty(const Penalty &penalty, double now);

    /// State of every tool, decayed to `now` without changing anything.
    [[nodiscard]] QJsonObject snapshot(double now) const;

    [[nodiscard]] ToolState toolState(const QString &tool) const;
    [[nodiscard]] double groupEma(const QString &group) const;
    [[nodiscard]] int callsInWindow() const { return m_size; }
    [[nodiscard]] qint64 totalCalls() const { return m_totalCalls; }
    [[nodiscard]] double budgetRemaining() const { return m_budget; }
    [[nodiscard]] double lastUpdate() const { return m_lastUpdate; }
    [[nodiscard]] const Layout &layout() const { return *m_layout; }

private:
    struct Call
    {
        int tool = -1; ///< index into the layout's tools, -1 = not configured
        double time = 0;
        QString name;
    };

    void advance(double now);
    void pushCall(int tool, const QString &name);
    void popOldest();
    [[nodiscard]] double costOf(int tool) const;
    [[nodiscard]] Band bandOf(int tool) const;
    [[nodiscard]] double decayFactor(double now) const;
    void saturate(QStringList &newlySaturated);

    std::shared_ptr<const Layout> m_layout;
    std::vector<ToolState> m_tools;
    std::vector<double> m_groupEma;
    std::vector<Call> m_ring; ///< capacity window_size, allocated on the first record
    int m_head = 0;           ///< index of the oldest call in m_ring
    int m_size = 0;
    double m_budget;
    double m_spent = 0;
    qint64 m_totalCalls = 0;
    qint64 m_inheritedCalls = 0; ///< calls of earlier principals of the family (warmup)
    double m_lastUpdate = 0;
    bool m_started = false;
    bool m_hasFloor = false; ///< some tool has a penalty floor (skips its decay otherwise)
};

} // namespace Friction
