#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include <QAbstractTableModel>
#include <QHash>
#include <QList>
#include <QMetaObject>
#include <QPointF>
#include <QStringList>

#include "friction/config.h"
#include "friction/event.h"

class QTimer;

namespace Friction {
class Registry;
}

namespace Core {

/// One point of a tool's history: the state after the last event of one batch.
struct FrictionSample
{
    double time = 0; ///< the events' monotonic seconds
    float ema = 0;
    float effectiveTarget = 0;
    float target = 0;
    float friction = 0;
};

/// What the model knows of one tool of one principal.
struct FrictionToolState
{
    QString tool;
    Friction::Band band = Friction::Band::None;
    double friction = 0;
    double ema = 0;
    double target = 0;
    double effectiveTarget = 0;
    double cost = 0;
    bool saturated = false;
    qint64 allowed = 0;              ///< friction_check events
    qint64 justified = 0;            ///< friction_justification events
    qint64 blocked = 0;              ///< friction_block events
    qint64 justificationMissing = 0; ///< friction_justification_missing events
    qint64 lastWallTimeMs = 0;       ///< 0: no event yet
    QString lastJustification;
};

/// The live friction picture of a resource server: a table of the tools of one principal
/// (the one picked with setPrincipal(), by default the most recently active), each with
/// its band, friction, rate, cost and outcome counts, and a bounded history per tool for
/// charts.
///
/// Built for event rates of 10,000/s and more: enqueue() (thread-safe, called on the
/// server's worker threads through attach()) only appends to a bounded queue; a timer in
/// the model's thread drains it every updateIntervalMs and applies the whole batch at once,
/// with at most one rowsInserted and one dataChanged per batch, and one history sample per
/// changed tool per batch. Memory is bounded: maxQueuedEvents (beyond it events are
/// discarded and counted), maxPrincipals (least recently active evicted), and histories of
/// historyLength samples kept for the historyPrincipals most recently active principals.
class FrictionModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrictionModel)

public:
    struct Options
    {
        int updateIntervalMs = 33; ///< 0: no timer, call flush() yourself (30 batches/s)
        int historyLength = 600;   ///< samples per tool (a minute at one per 100 ms)
        /// Event seconds between two history samples of a tool; a batch within it replaces
        /// the tool's newest sample instead of adding one. 0: a sample per batch.
        double historyIntervalSeconds = 0.1;
        int maxPrincipals = 1000;     ///< principals whose counts are kept
        int historyPrincipals = 16;   ///< principals whose histories are kept
        int maxQueuedEvents = 200000; ///< events waiting for the next batch
    };

    enum Column {
        ToolColumn,
        BandColumn,
        FrictionColumn,
        RateColumn,
        TargetColumn,
        EffectiveTargetColumn,
        CostColumn,
        AllowedColumn,
        JustifiedColumn,
        BlockedColumn,
        JustificationMissingColumn,
        SaturatedColumn,
        ColumnCount
    };
    enum Role {
        BandRole = Qt::UserRole + 1, ///< int(Friction::Band) of the row
        ValueRole,                   ///< the raw number (double or qint64) of the cell
    };

    explicit FrictionModel(QObject *parent = nullptr);
    FrictionModel(Options options, QObject *parent);
    ~FrictionModel() override;

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index,
                                int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;

    /// Follows `registry`'s events (a direct connection into enqueue()); the model keeps
    /// the registry alive while attached. Replaces an earlier attachment.
    void attach(const std::shared_ptr<Friction::Registry> &registry);
    void detach();

    /// Thread-safe: queues one event for the next batch.
    void enqueue(const Friction::Event &event);
    /// Thread-safe: queues events for the next batch.
    void enqueue(const QList<Friction::Event> &events);
    /// Applies the queued events now (the timer calls it).
    void flush();
    /// Applies `events` now, as one batch. Call in the model's thread.
    void addEvents(const QList<Friction::Event> &events);
    /// Forgets every principal, count and history (and the queue); keeps the configuration.
    void clear();

    /// The configured tools appear as rows before any event, and their thresholds are
    /// available for charts through toolConfig().
    void setConfig(const Friction::ControllerConfig &config);
    [[nodiscard]] const Friction::ControllerConfig &config() const { return m_config; }
    [[nodiscard]] const Friction::ToolConfig *toolConfig(const QString &tool) const;

    /// Principal keys, most recently active first.
    [[nodiscard]] QStringList principals() const;
    /// Shows `principal`'s tools; an empty key follows the most recently active principal.
    void setPrincipal(const QString &principal);
    [[nodiscard]] bool followsMostRecent() const { return m_follow; }
    /// The principal whose tools are shown (empty before the first event).
    [[nodiscard]] QString currentPrincipal() const { return m_current; }

    /// The row of `tool`, or -1.
    [[nodiscard]] int rowOf(const QString &tool) const;
    /// The state shown in `row`. Precondition: 0 <= row < rowCount().
    [[nodiscard]] const FrictionToolState &stateAt(int row) const;
    /// `tool` of `principal`, or nullptr.
    [[nodiscard]] const FrictionToolState *state(const QString &principal,
                                                 const QString &tool) const;
    /// The history of `tool` of the current principal, oldest first.
    [[nodiscard]] std::vector<FrictionSample> history(const QString &tool) const;

    /// Events applied so far, and events discarded because the queue was full.
    [[nodiscard]] qint64 eventCount() const { return m_eventCount; }
    [[nodiscard]] qint64 discardedCount() const;
    /// Batches applied so far.
    [[nodiscard]] qint64 batchCount() const { return m_batchCount; }

signals:
    /// A principal appeared or was evicted (not emitted when only the order changes).
    void principalsChanged();
    void currentPrincipalChanged(const QString &principal);
    /// A batch was applied.
    void batchApplied(int events);

private:
    struct ToolEntry;
    struct PrincipalState;

    PrincipalState &principalFor(const QString &key);
    PrincipalState *currentState() const;
    int ensureTool(PrincipalState &principal, const QString &tool);
    void applyEvent(PrincipalState &principal, const Friction::Event &event);
    void evictPrincipals();
    void trimHistories();
    void switchTo(const QString &principal);
    [[nodiscard]] QVariant displayValue(const FrictionToolState &state, int column) const;

    Options m_options;
    QTimer *m_timer = nullptr;
    std::shared_ptr<Friction::Registry> m_registry;
    QMetaObject::Connection m_registryConnection;

    mutable std::mutex m_queueMutex;
    QList<Friction::Event> m_queue;
    qint64 m_discarded = 0;

    Friction::ControllerConfig m_config;
    QHash<QString, std::shared_ptr<PrincipalState>> m_principals;
    std::shared_ptr<PrincipalState> m_placeholder; ///< configured tools, before any event
    QString m_current;
    int m_shownRows = 0; ///< rows of the current principal announced to views
    bool m_follow = true;
    qint64 m_sequence = 0;
    qint64 m_eventCount = 0;
    qint64 m_batchCount = 0;
};

} // namespace Core
