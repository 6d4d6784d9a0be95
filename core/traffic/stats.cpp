#include "traffic/stats.h"

#include <algorithm>
#include <cmath>

#include <QJsonArray>

namespace Traffic {

namespace {
constexpr qsizetype kMaxErrorKinds = 32;
}

QString outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Allowed:
        return QStringLiteral("allowed");
    case Outcome::Justified:
        return QStringLiteral("justified");
    case Outcome::Blocked:
        return QStringLiteral("blocked");
    case Outcome::JustificationMissing:
        return QStringLiteral("justification_missing");
    case Outcome::Error:
        break;
    }
    return QStringLiteral("error");
}

QJsonObject LatencyStats::toJson() const
{
    return {{QStringLiteral("count"), count},
            {QStringLiteral("min"), minMs},
            {QStringLiteral("p50"), p50Ms},
            {QStringLiteral("p99"), p99Ms},
            {QStringLiteral("max"), maxMs}};
}

QJsonObject ToolStats::toJson() const
{
    QJsonObject kinds;
    for (auto it = errorKinds.begin(); it != errorKinds.end(); ++it)
        kinds.insert(it.key(), it.value());
    QJsonObject object{{QStringLiteral("calls"), calls()},
                       {QStringLiteral("allowed"), allowed},
                       {QStringLiteral("justified"), justified},
                       {QStringLiteral("blocked"), blocked},
                       {QStringLiteral("justification_missing"), justificationMissing},
                       {QStringLiteral("errors"), errors},
                       {QStringLiteral("error_kinds"), kinds},
                       {QStringLiteral("latency_ms"), latency.toJson()}};
    if (!tool.isEmpty())
        object.insert(QStringLiteral("tool"), tool);
    if (lastFriction >= 0) {
        object.insert(QStringLiteral("last_friction"), lastFriction);
        object.insert(QStringLiteral("last_band"), lastBand);
    }
    return object;
}

const ToolStats *Summary::tool(const QString &name) const
{
    for (const ToolStats &stats : tools)
        if (stats.tool == name)
            return &stats;
    return nullptr;
}

QJsonObject Summary::toJson() const
{
    QJsonArray perTool;
    for (const ToolStats &stats : tools)
        perTool.append(stats.toJson());
    QJsonObject object{
        {QStringLiteral("url"), url},
        {QStringLiteral("completed"), completed()},
        {QStringLiteral("stopped"), stopped},
        {QStringLiteral("elapsed_seconds"), elapsedSeconds},
        {QStringLiteral("requested_rate"), requestedRate},
        {QStringLiteral("achieved_rate"),
         elapsedSeconds > 0 ? double(totals.calls()) / elapsedSeconds : 0.0},
        {QStringLiteral("not_sent"), notSent},
        {QStringLiteral("session_reinitializations"), sessionReinitializations},
        {QStringLiteral("protocol_version"), protocolVersion},
        {QStringLiteral("tools"), perTool},
        {QStringLiteral("totals"), totals.toJson()},
    };
    if (error)
        object.insert(QStringLiteral("error"),
                      QJsonObject{{QStringLiteral("code"), error->code},
                                  {QStringLiteral("message"), error->message}});
    return object;
}

StatsRecorder::StatsRecorder(QStringList tools, quint64 seed, qsizetype maxSamples)
    : m_maxSamples(std::max<qsizetype>(1, maxSamples))
    , m_random(seed)
{
    for (const QString &tool : tools)
        entry(tool);
}

StatsRecorder::Entry &StatsRecorder::entry(const QString &tool)
{
    for (Entry &existing : m_entries)
        if (existing.stats.tool == tool)
            return existing;
    m_entries.append(Entry{});
    m_entries.last().stats.tool = tool;
    return m_entries.last();
}

void StatsRecorder::count(ToolStats &stats, Outcome outcome, const QString &errorKind)
{
    switch (outcome) {
    case Outcome::Allowed:
        ++stats.allowed;
        break;
    case Outcome::Justified:
        ++stats.justified;
        break;
    case Outcome::Blocked:
        ++stats.blocked;
        break;
    case Outcome::JustificationMissing:
        ++stats.justificationMissing;
        break;
    case Outcome::Error: {
        ++stats.errors;
        // A server picks its error codes; a bounded set of kinds keeps memory bounded.
        QString kind = errorKind.isEmpty() ? QStringLiteral("error") : errorKind.left(64);
        if (!stats.errorKinds.contains(kind) && stats.errorKinds.size() >= kMaxErrorKinds)
            kind = QStringLiteral("other");
        ++stats.errorKinds[kind];
        break;
    }
    }
}

void StatsRecorder::addSample(Entry &entry, double latencyMs)
{
    ++entry.seen;
    if (entry.seen == 1) {
        entry.minMs = entry.maxMs = latencyMs;
    } else {
        entry.minMs = std::min(entry.minMs, latencyMs);
        entry.maxMs = std::max(entry.maxMs, latencyMs);
    }
    if (entry.samples.size() < m_maxSamples) {
        entry.samples.append(latencyMs);
        return;
    }
    // Reservoir sampling (Algorithm R): every call so far is kept with equal probability.
    std::uniform_int_distribution<qint64> pick(0, entry.seen - 1);
    const qint64 slot = pick(m_random);
    if (slot < m_maxSamples)
        entry.samples[slot] = latencyMs;
}

void StatsRecorder::record(const QString &tool, Outcome outcome, double latencyMs,
                           const QString &errorKind, double friction, const QString &band)
{
    Entry &perTool = entry(tool);
    count(perTool.stats, outcome, errorKind);
    count(m_totals.stats, outcome, errorKind);
    addSample(perTool, latencyMs);
    addSample(m_totals, latencyMs);
    if (friction >= 0) {
        perTool.stats.lastFriction = friction;
        perTool.stats.lastBand = band;
    }
}

LatencyStats StatsRecorder::latencyOf(const Entry &entry)
{
    LatencyStats latency;
    latency.count = entry.seen;
    if (entry.samples.isEmpty())
        return latency;
    QList<double> sorted = entry.samples;
    std::sort(sorted.begin(), sorted.end());
    // Nearest rank.
    const auto rank = [&sorted](double p) {
        const qsizetype index = qsizetype(std::ceil(p * double(sorted.size()))) - 1;
        return sorted.at(std::clamp<qsizetype>(index, 0, sorted.size() - 1));
    };
    latency.minMs = entry.minMs;
    latency.maxMs = entry.maxMs;
    latency.p50Ms = rank(0.50);
    latency.p99Ms = rank(0.99);
    return latency;
}

void StatsRecorder::fill(Summary &summary) const
{
    summary.tools.clear();
    for (const Entry &entry : m_entries) {
        ToolStats stats = entry.stats;
        stats.latency = latencyOf(entry);
        summary.tools.append(stats);
    }
    summary.totals = m_totals.stats;
    summary.totals.latency = latencyOf(m_totals);
}

} // namespace Traffic
