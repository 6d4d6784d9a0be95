#pragma once

#include <optional>

#include <QList>
#include <QObject>
#include <QPointer>

#include "store/auditrepository.h"

class QTimer;

namespace Core {

class AdminWorker;

/// Follows the audit log of a store: every interval it asks, through an AdminWorker (off
/// the GUI thread), for the events after the last one it saw, and reports them. Sees what
/// any process writes to a shared store, not only this one. Does not own the worker.
class AuditFollower final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditFollower)

public:
    explicit AuditFollower(QObject *parent = nullptr);

    /// The worker to ask; null stops following.
    void setWorker(AdminWorker *worker);
    /// Which events to report (afterId and limit are set by the follower).
    void setFilter(const Store::AuditFilter &filter);
    /// Starts following after event `afterId`, or, when empty, after the newest event now.
    void start(std::optional<qint64> afterId = std::nullopt);
    void stop();
    [[nodiscard]] bool isFollowing() const { return m_following; }
    /// Milliseconds between two polls (default 1000).
    void setInterval(int milliseconds);
    /// Polls now instead of at the next tick.
    void pollNow();
    /// The id of the newest event seen (0 before the first answer).
    [[nodiscard]] qint64 lastId() const { return m_lastId; }

signals:
    /// New events, oldest first.
    void eventsArrived(const QList<Store::AuditEvent> &events);
    void errorOccurred(const QString &message);

private:
    void poll();

    QPointer<AdminWorker> m_worker;
    QTimer *m_timer;
    Store::AuditFilter m_filter;
    qint64 m_lastId = 0;
    bool m_following = false;
    bool m_known = false; ///< m_lastId is set
    bool m_inFlight = false;
    quint64 m_generation = 0;
};

} // namespace Core
