#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <type_traits>

#include <QObject>
#include <QPointer>

#include "authserver/config.h"

class QThread;

namespace Store {
class Database;
}

namespace Admin {
class Service;
}

namespace Core {

namespace detail {
class AdminExecutor;
}

/// Runs Admin::Service calls on a worker thread of its own, which has its own store
/// connection (Store::Database hands out one per thread), and hands each result back on the
/// thread that owns this object (the GUI thread), so a view never waits for the database.
/// Calls run one after the other in the order they were made.
///
/// Keeps the database open (shared ownership) until it is destroyed. Destroying it waits
/// for the call that is running and drops the ones still queued; their results are never
/// delivered.
class AdminWorker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AdminWorker)

public:
    AdminWorker(std::shared_ptr<Store::Database> db, Auth::Config config,
                QObject *parent = nullptr);
    ~AdminWorker() override;

    /// Runs `work(service)` on the worker thread, then `done(result)` on this object's
    /// thread, unless `receiver` was destroyed meanwhile. `work` and `done` must be copyable.
    template <typename Work, typename Done>
    void run(QObject *receiver, Work work, Done done)
    {
        using R = std::invoke_result_t<Work &, Admin::Service &>;
        QPointer<QObject> guard(receiver);
        post([this, guard, work, done](Admin::Service &service) mutable {
            auto result = std::make_shared<R>(work(service));
            deliver(guard, [done, result]() mutable { done(std::move(*result)); });
        });
    }

    /// Calls `callback` on this object's thread if `receiver` still exists then. Thread-safe:
    /// work running on the worker thread uses it to report progress.
    void deliver(const QPointer<QObject> &receiver, std::function<void()> callback);

    /// The store the calls use.
    [[nodiscard]] const std::shared_ptr<Store::Database> &database() const { return m_db; }
    /// Calls queued or running.
    [[nodiscard]] int pendingCalls() const { return m_pending; }

signals:
    /// The worker started its first queued call (true) or finished its last one (false).
    void busyChanged(bool busy);

private:
    void post(std::function<void(Admin::Service &)> job);
    void handleCallFinished();

    std::shared_ptr<Store::Database> m_db;
    QThread *m_thread;
    detail::AdminExecutor *m_executor;
    std::shared_ptr<std::atomic_bool> m_cancelled;
    int m_pending = 0;
};

} // namespace Core
