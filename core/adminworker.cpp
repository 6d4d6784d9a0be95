#include "adminworker.h"

#include <QThread>

#include "admin/service.h"

namespace Core {

namespace detail {

/// Lives on the worker thread; owns the Admin::Service, which is built there on first use
/// so that its store connection belongs to that thread.
class AdminExecutor final : public QObject
{
public:
    AdminExecutor(std::shared_ptr<Store::Database> db, Auth::Config config)
        : m_db(std::move(db))
        , m_config(std::move(config))
    {}

    Admin::Service &service()
    {
        if (!m_service)
            m_service = std::make_unique<Admin::Service>(m_db, m_config);
        return *m_service;
    }

    void release()
    {
        m_service.reset();
        m_db.reset();
    }

private:
    std::shared_ptr<Store::Database> m_db;
    Auth::Config m_config;
    std::unique_ptr<Admin::Service> m_service;
};

} // namespace detail

AdminWorker::AdminWorker(std::shared_ptr<Store::Database> db, Auth::Config config, QObject *parent)
    : QObject(parent)
    , m_db(db)
    , m_thread(new QThread)
    , m_executor(new detail::AdminExecutor(std::move(db), std::move(config)))
    , m_cancelled(std::make_shared<std::atomic_bool>(false))
{
    m_thread->setObjectName(QStringLiteral("admin-worker"));
    m_executor->moveToThread(m_thread);
    m_thread->start();
}

AdminWorker::~AdminWorker()
{
    m_cancelled->store(true);
    // Runs after the call in progress; the queued calls see the flag and return at once.
    detail::AdminExecutor *executor = m_executor;
    QMetaObject::invokeMethod(
        m_executor, [executor] { executor->release(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_executor;
    delete m_thread;
}

void AdminWorker::post(std::function<void(Admin::Service &)> job)
{
    if (m_pending++ == 0)
        emit busyChanged(true);
    detail::AdminExecutor *executor = m_executor;
    const std::shared_ptr<std::atomic_bool> cancelled = m_cancelled;
    QMetaObject::invokeMethod(
        m_executor,
        [this, executor, cancelled, job] {
            if (cancelled->load())
                return;
            job(executor->service());
            QMetaObject::invokeMethod(this, &AdminWorker::handleCallFinished, Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
}

void AdminWorker::deliver(const QPointer<QObject> &receiver, std::function<void()> callback)
{
    QMetaObject::invokeMethod(
        this,
        [receiver, callback] {
            if (receiver)
                callback();
        },
        Qt::QueuedConnection);
}

void AdminWorker::handleCallFinished()
{
    if (--m_pending == 0)
        emit busyChanged(false);
}

} // namespace Core
