#pragma once

#include <optional>
#include <random>

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QMetaType>
#include <QString>
#include <QStringList>

#include "common/result.h"

namespace Traffic {

/// What became of one tool call, as counted.
enum class Outcome {
    Allowed,              ///< ran without friction getting in the way
    Justified,            ///< ran with a justification (HIGH friction)
    Blocked,              ///< refused by friction control (BLOCKED or over budget)
    JustificationMissing, ///< refused for want of a justification, even after the retry
    Error,                ///< any other failure: tool error, HTTP or JSON-RPC error, network
};

/// "allowed", "justified", "blocked", "justification_missing" or "error".
[[nodiscard]] QString outcomeName(Outcome outcome);

/// Latency of calls in milliseconds (all zero when there were none).
struct LatencyStats
{
    qint64 count = 0;
    double minMs = 0;
    double p50Ms = 0;
    double p99Ms = 0;
    double maxMs = 0;

    [[nodiscard]] QJsonObject toJson() const;
};

/// The counts of one tool (or the totals).
struct ToolStats
{
    QString tool; ///< empty for the totals
    qint64 allowed = 0;
    qint64 justified = 0;
    qint64 blocked = 0;
    qint64 justificationMissing = 0;
    qint64 errors = 0;
    /// Errors by kind: "tool_error", "http_<status>", "jsonrpc_<code>", "timeout",
    /// "network_error", "invalid_response", ...; at most 32 kinds, the rest as "other".
    QMap<QString, qint64> errorKinds;
    LatencyStats latency;
    double lastFriction = -1; ///< as last reported by the server; -1: never reported
    QString lastBand;

    [[nodiscard]] qint64 calls() const
    {
        return allowed + justified + blocked + justificationMissing + errors;
    }
    [[nodiscard]] QJsonObject toJson() const;
};

/// The result of a run of the Driver. A value object.
struct Summary
{
    QString url;
    QList<ToolStats> tools; ///< the mix's tools in mix order, then any other tool called
    ToolStats totals;
    double elapsedSeconds = 0;
    double requestedRate = 0;
    /// Calls that fell due but were never sent: the duration ended while they waited for
    /// a free slot (max in-flight requests reached).
    qint64 notSent = 0;
    int sessionReinitializations = 0;
    QString protocolVersion;          ///< as negotiated by initialize
    bool stopped = false;             ///< Driver::stop() ended the run
    std::optional<Core::Error> error; ///< the fatal error that ended the run, if any

    /// Ran to the end of its duration or call count.
    [[nodiscard]] bool completed() const { return !stopped && !error; }
    [[nodiscard]] const ToolStats *tool(const QString &name) const;
    [[nodiscard]] QJsonObject toJson() const;
};

/// Accumulates counts and latencies per tool. Latency percentiles come from a uniform
/// reservoir sample of at most `maxSamples` calls per tool, so memory stays bounded
/// however long a run is.
class StatsRecorder final
{
public:
    explicit StatsRecorder(QStringList tools, quint64 seed, qsizetype maxSamples = 100000);

    /// `errorKind` only for Outcome::Error.
    void record(const QString &tool, Outcome outcome, double latencyMs,
                const QString &errorKind = {}, double friction = -1, const QString &band = {});
    /// Counts and latency percentiles so far, per tool in order and in total.
    void fill(Summary &summary) const;

private:
    struct Entry
    {
        ToolStats stats;
        QList<double> samples;
        qint64 seen = 0;
        double minMs = 0;
        double maxMs = 0;
    };
    Entry &entry(const QString &tool);
    void addSample(Entry &entry, double latencyMs);
    static void count(ToolStats &stats, Outcome outcome, const QString &errorKind);
    static LatencyStats latencyOf(const Entry &entry);

    QList<Entry> m_entries;
    Entry m_totals;
    qsizetype m_maxSamples;
    std::mt19937_64 m_random;
};

} // namespace Traffic

Q_DECLARE_METATYPE(Traffic::Summary)
