#include "controller.h"

#include <algorithm>
#include <cmath>

#include <QJsonArray>
#include <QVarLengthArray>

namespace Friction {

namespace {

/// Values this small are flushed to zero: an exponential decay otherwise never reaches
/// NONE, and denormal doubles make every later multiplication slow.
constexpr double kFlush = 1e-12;
/// FRICTION.md: MEDIUM is friction > 0.3.
constexpr double kMediumAbove = 0.3;

double flushed(double value)
{
    return value < kFlush ? 0.0 : value;
}

Band bandFor(double friction, const ToolConfig &config)
{
    if (friction >= config.hardBlockThreshold)
        return Band::Blocked;
    if (friction >= config.justificationThreshold)
        return Band::High;
    if (friction > kMediumAbove)
        return Band::Medium;
    if (friction > 0)
        return Band::Low;
    return Band::None;
}

/// Friction stays in [0, 1] and never below the inherited penalty floor.
inline void clampToFloor(ToolState &state)
{
    state.friction = std::max(std::clamp(state.friction, 0.0, 1.0), state.floor);
}

QJsonValue finiteOrNull(double value)
{
    return std::isfinite(value) ? QJsonValue(value) : QJsonValue(QJsonValue::Null);
}

} // namespace

QString bandName(Band band)
{
    switch (band) {
    case Band::None:
        return QStringLiteral("none");
    case Band::Low:
        return QStringLiteral("low");
    case Band::Medium:
        return QStringLiteral("medium");
    case Band::High:
        return QStringLiteral("high");
    case Band::Blocked:
        return QStringLiteral("blocked");
    }
    return QStringLiteral("none");
}

bool Penalty::isEmpty() const
{
    return friction.isEmpty() && std::isinf(budgetRemaining) && totalCalls == 0;
}

Penalty Penalty::decayedTo(double now, double timeDecayRate) const
{
    Penalty out;
    out.budgetRemaining = budgetRemaining;
    out.totalCalls = totalCalls;
    out.time = std::max(now, time);
    const double factor = std::exp(-timeDecayRate * (out.time - time));
    for (auto it = friction.cbegin(); it != friction.cend(); ++it) {
        const double value = flushed(it.value() * factor);
        if (value > 0)
            out.friction.insert(it.key(), value);
    }
    return out;
}

void Penalty::merge(const Penalty &other, double timeDecayRate)
{
    const double at = std::max(time, other.time);
    Penalty mine = decayedTo(at, timeDecayRate);
    const Penalty theirs = other.decayedTo(at, timeDecayRate);
    for (auto it = theirs.friction.cbegin(); it != theirs.friction.cend(); ++it) {
        double &value = mine.friction[it.key()];
        value = std::max(value, it.value());
    }
    mine.budgetRemaining = std::min(mine.budgetRemaining, theirs.budgetRemaining);
    mine.totalCalls = std::max(mine.totalCalls, theirs.totalCalls);
    *this = std::move(mine);
}

Controller::Controller(std::shared_ptr<const Layout> layout)
    : m_layout(std::move(layout))
    , m_tools(m_layout->tools.size())
    , m_groupEma(m_layout->groups.size(), 0.0)
    , m_budget(m_layout->config.defaultBudget)
{
    for (size_t i = 0; i < m_tools.size(); ++i)
        m_tools[i].effectiveTarget = m_layout->tools[i].targetRate;
}

Controller::Controller(const ControllerConfig &config)
    : Controller(Layout::make(config))
{}

Controller::~Controller() = default;

double Controller::decayFactor(double now) const
{
    const double dt = now - m_lastUpdate;
    if (!m_started || dt <= 0 || m_layout->config.timeDecayRate <= 0)
        return 1.0;
    return std::exp(-m_layout->config.timeDecayRate * dt);
}

void Controller::advance(double now)
{
    if (!m_started) {
        m_started = true;
        m_lastUpdate = now;
        return;
    }
    if (now > m_lastUpdate) {
        const double factor = decayFactor(now);
        if (factor < 1.0) {
            for (ToolState &state : m_tools) {
                state.friction = flushed(state.friction * factor);
                state.ema = flushed(state.ema * factor);
            }
            if (m_hasFloor) {
                for (ToolState &state : m_tools)
                    state.floor = flushed(state.floor * factor);
            }
            // The group EMA is an average of member EMAs; it decays with them so that stale
            // calls do not keep pressing on the group after idle time.
            for (double &ema : m_groupEma)
                ema = flushed(ema * factor);
        }
        m_lastUpdate = now;
    }
    const double oldest = m_lastUpdate - m_layout->config.windowSeconds;
    while (m_size > 0 && m_ring[m_head].time < oldest)
        popOldest();
}

void Controller::popOldest()
{
    Call &call = m_ring[m_head];
    if (call.tool >= 0)
        --m_tools[call.tool].countInWindow;
    call.name = QString();
    m_head = (m_head + 1) % static_cast<int>(m_ring.size());
    --m_size;
}

void Controller::pushCall(int tool, const QString &name)
{
    const int capacity = m_layout->config.windowSize;
    if (m_ring.empty())
        m_ring.resize(capacity);
    if (m_size == capacity)
        popOldest();
    Call &call = m_ring[(m_head + m_size) % capacity];
    call.tool = tool;
    call.time = m_lastUpdate;
    call.name = name;
    ++m_size;
    if (tool >= 0)
        ++m_tools[tool].countInWindow;
}

double Controller::costOf(int tool) const
{
    const ToolConfig &config = m_layout->tools[tool];
    return config.minCost + m_tools[tool].friction * (config.maxCost - config.minCost);
}

Band Controller::bandOf(int tool) const
{
    return bandFor(m_tools[tool].friction, m_layout->tools[tool]);
}

CheckResult Controller::check(const QString &tool, double now)
{
    advance(now);
    CheckResult result;
    result.tool = tool;
    result.budgetRemaining = m_budget;
    const int index = m_layout->indexOf(tool);
    if (index < 0) {
        result.overBudget = m_budget < 0;
        result.allowed = !result.overBudget;
        return result;
    }
    const ToolState &state = m_tools[index];
    const ToolConfig &config = m_layout->tools[index];
    result.configured = true;
    result.band = bandOf(index);
    result.cost = costOf(index);
    result.overBudget = m_budget < result.cost;
    result.allowed = result.band != Band::Blocked && !result.overBudget;
    result.justificationRequired = result.band == Band::High;
    result.ema = state.ema;
    result.target = config.targetRate;
    result.justificationThreshold = config.justificationThreshold;
    result.hardBlockThreshold = config.hardBlockThreshold;
    result.effectiveTarget = state.effectiveTarget;
    result.friction = state.friction;
    result.saturated = state.saturated;
    if (result.band == Band::Blocked) {
        const double rate = m_layout->config.timeDecayRate;
        result.secondsUntilUnblocked =
            rate > 0 ? std::log(state.friction / config.hardBlockThreshold) / rate
                     : std::numeric_limits<double>::infinity();
    }
    return result;
}

RecordResult Controller::record(const QString &tool, double now)
{
    advance(now);
    const ControllerConfig &c = m_layout->config;
    const int index = m_layout->indexOf(tool);
    RecordResult result;
    result.cost = index >= 0 ? costOf(index) : 0.0;
    pushCall(index, tool);
    ++m_totalCalls;
    m_budget -= result.cost;
    m_spent += result.cost;

    // Parameters in locals: stores into the tool states could otherwise alias them.
    const double alpha = c.emaAlpha;
    const double keep = 1 - alpha;
    const double perCall = alpha / m_size;
    const double rate = c.adjustmentRate;
    const double deadZone = c.deadZone;
    const double asymmetric = c.asymmetricDecay;
    ToolState *const tools = m_tools.data();
    const size_t toolCount = m_tools.size();
    for (size_t i = 0; i < toolCount; ++i)
        tools[i].ema = perCall * tools[i].countInWindow + keep * tools[i].ema;
    // Group EMAs follow during warmup like tool EMAs, so both are warm when it ends.
    const auto &groups = m_layout->groups;
    QVarLengthArray<double, 16> aggregates(static_cast<qsizetype>(groups.size()));
    for (size_t g = 0; g < groups.size(); ++g) {
        double aggregate = 0;
        for (int member : groups[g].members)
            aggregate += tools[member].ema;
        aggregates[g] = aggregate;
        m_groupEma[g] = alpha * aggregate + keep * m_groupEma[g];
    }

    if (m_totalCalls + m_inheritedCalls < c.warmupCalls)
        return result;
    for (size_t i = 0; i < toolCount; ++i) {
        ToolState &state = tools[i];
        const double error = state.ema - state.effectiveTarget;
        if (std::abs(error) >= deadZone) {
            const double delta = rate * error;
            state.friction += delta < 0 ? delta * asymmetric : delta;
            clampToFloor(state);
        }
    }
    if (c.saturationWindow > 0)
        saturate(result.newlySaturated);
    for (size_t g = 0; g < groups.size(); ++g) {
        const Layout::Group &group = groups[g];
        const double excess = m_groupEma[g] - group.aggregateTarget;
        if (excess <= deadZone)
            continue;
        const double members = static_cast<double>(group.members.size());
        const double pressure = rate * excess * group.pressureWeight;
        for (int member : group.members) {
            ToolState &state = tools[member];
            const double share = aggregates[g] > 0 ? state.ema / aggregates[g] : 1.0 / members;
            state.friction += pressure * share;
            clampToFloor(state);
        }
    }
    return result;
}

void Controller::saturate(QStringList &newlySaturated)
{
    const ControllerConfig &c = m_layout->config;
    for (size_t i = 0; i < m_tools.size(); ++i) {
        ToolState &state = m_tools[i];
        const double target = m_layout->tools[i].targetRate;
        if (state.friction >= c.saturationThreshold) {
            ++state.saturationCount;
        } else {
            state.saturationCount = 0;
            state.saturated = false;
            state.effectiveTarget = std::max(target, state.effectiveTarget - c.reliefRecoveryRate);
        }
        if (state.saturationCount >= c.saturationWindow) {
            if (!state.saturated)
                newlySaturated.append(m_layout->toolNames[static_cast<int>(i)]);
            state.saturated = true;
            state.effectiveTarget = std::min(target * c.maxReliefFactor,
                                             state.effectiveTarget + c.saturationReliefRate);
        }
    }
}

void Controller::reconfigure(std::shared_ptr<const Layout> layout)
{
    const Layout &old = *m_layout;
    std::vector<ToolState> tools(layout->tools.size());
    for (size_t i = 0; i < tools.size(); ++i) {
        const ToolConfig &config = layout->tools[i];
        const int before = old.indexOf(layout->toolNames[static_cast<int>(i)]);
        if (before >= 0) {
            tools[i] = m_tools[before];
            if (old.tools[before].targetRate != config.targetRate) {
                tools[i].effectiveTarget = config.targetRate;
                tools[i].saturated = false;
                tools[i].saturationCount = 0;
            }
        } else {
            tools[i].effectiveTarget = config.targetRate;
        }
        tools[i].countInWindow = 0;
    }
    std::vector<double> groupEma(layout->groups.size(), 0.0);
    for (size_t g = 0; g < groupEma.size(); ++g) {
        for (size_t h = 0; h < old.groups.size(); ++h) {
            if (old.groups[h].name == layout->groups[g].name)
                groupEma[g] = m_groupEma[h];
        }
    }

    // Keep the newest calls that fit the new window, re-resolving their tools by name.
    const int keep = std::min(m_size, layout->config.windowSize);
    std::vector<Call> ring;
    if (keep > 0 || !m_ring.empty())
        ring.resize(layout->config.windowSize);
    for (int k = 0; k < keep; ++k) {
        Call call = m_ring[(m_head + m_size - keep + k) % static_cast<int>(m_ring.size())];
        call.tool = layout->indexOf(call.name);
        if (call.tool >= 0)
            ++tools[call.tool].countInWindow;
        ring[k] = std::move(call);
    }

    const double oldBudget = old.config.defaultBudget;
    const double newBudget = layout->config.defaultBudget;
    if (newBudget != oldBudget) {
        if (std::isinf(newBudget))
            m_budget = newBudget;
        else if (std::isinf(oldBudget))
            m_budget = std::min(m_budget, newBudget - m_spent);
        else
            m_budget += newBudget - oldBudget;
    }

    m_tools = std::move(tools);
    m_groupEma = std::move(groupEma);
    m_ring = std::move(ring);
    m_head = 0;
    m_size = keep;
    m_layout = std::move(layout);
}

Penalty Controller::penalty(double now) const
{
    Penalty out;
    out.budgetRemaining = m_budget;
    out.totalCalls = m_totalCalls + m_inheritedCalls;
    out.time = m_started ? std::max(now, m_lastUpdate) : now;
    const double factor = decayFactor(now);
    for (size_t i = 0; i < m_tools.size(); ++i) {
        const double value = flushed(m_tools[i].friction * factor);
        if (value > 0)
            out.friction.insert(m_layout->toolNames[static_cast<int>(i)], value);
    }
    return out;
}

void Controller::applyPenalty(const Penalty &penalty, double now)
{
    advance(now);
    const Penalty decayed = penalty.decayedTo(m_lastUpdate, m_layout->config.timeDecayRate);
    for (auto it = decayed.friction.cbegin(); it != decayed.friction.cend(); ++it) {
        const int index = m_layout->indexOf(it.key());
        if (index < 0)
            continue;
        ToolState &state = m_tools[index];
        state.floor = std::max(state.floor, std::min(it.value(), 1.0));
        m_hasFloor = true;
        clampToFloor(state);
    }
    m_budget = std::min(m_budget, decayed.budgetRemaining);
    m_inheritedCalls = std::max(m_inheritedCalls, decayed.totalCalls);
}

QJsonObject Controller::snapshot(double now) const
{
    const double factor = decayFactor(now);
    QJsonArray tools;
    for (size_t i = 0; i < m_tools.size(); ++i) {
        const ToolState &state = m_tools[i];
        const ToolConfig &config = m_layout->tools[i];
        const double friction = flushed(state.friction * factor);
        const Band band = bandFor(friction, config);
        tools.append(QJsonObject{
            {QStringLiteral("tool"), m_layout->toolNames[static_cast<int>(i)]},
            {QStringLiteral("friction"), friction},
            {QStringLiteral("band"), bandName(band)},
            {QStringLiteral("ema"), flushed(state.ema * factor)},
            {QStringLiteral("target"), config.targetRate},
            {QStringLiteral("effective_target"), state.effectiveTarget},
            {QStringLiteral("cost"), config.minCost + friction * (config.maxCost - config.minCost)},
            {QStringLiteral("calls_in_window"), state.countInWindow},
            {QStringLiteral("saturated"), state.saturated},
            {QStringLiteral("saturation_count"), state.saturationCount},
            {QStringLiteral("floor"), flushed(state.floor * factor)},
        });
    }
    QJsonObject groups;
    for (size_t g = 0; g < m_groupEma.size(); ++g)
        groups.insert(m_layout->groups[g].name, flushed(m_groupEma[g] * factor));
    return QJsonObject{
        {QStringLiteral("total_calls"), m_totalCalls},
        {QStringLiteral("calls_in_window"), m_size},
        {QStringLiteral("budget_remaining"), finiteOrNull(m_budget)},
        {QStringLiteral("last_update"), m_lastUpdate},
        {QStringLiteral("tools"), tools},
        {QStringLiteral("group_ema"), groups},
    };
}

ToolState Controller::toolState(const QString &tool) const
{
    const int index = m_layout->indexOf(tool);
    return index < 0 ? ToolState{} : m_tools[index];
}

double Controller::groupEma(const QString &group) const
{
    for (size_t g = 0; g < m_layout->groups.size(); ++g) {
        if (m_layout->groups[g].name == group)
            return m_groupEma[g];
    }
    return 0;
}

} // namespace Friction
