#include "auditfollower.h"

#include <QTimer>

#include "admin/service.h"
#include "adminworker.h"

namespace Core {

namespace {

/// Events asked for per poll; a full page is followed by another poll at once.
constexpr int kPollLimit = 1000;

} // namespace

AuditFollower::AuditFollower(QObject *parent)
    : QObject(parent)
    , m_timer(new QTimer(this))
{
    m_timer->setInterval(1000);
    connect(m_timer, &QTimer::timeout, this, &AuditFollower::poll);
}

void AuditFollower::setWorker(AdminWorker *worker)
{
    stop();
    m_worker = worker;
}

void AuditFollower::setFilter(const Store::AuditFilter &filter)
{
    m_filter = filter;
}

void AuditFollower::start(std::optional<qint64> afterId)
{
    stop();
    if (!m_worker)
        return;
    m_following = true;
    m_known = afterId.has_value();
    m_lastId = afterId.value_or(0);
    m_timer->start();
    if (!m_known)
        poll();
}

void AuditFollower::stop()
{
    m_timer->stop();
    m_following = false;
    m_inFlight = false;
    ++m_generation; // answers to earlier polls are ignored
}

void AuditFollower::setInterval(int milliseconds)
{
    m_timer->setInterval(milliseconds);
}

void AuditFollower::pollNow()
{
    poll();
}

void AuditFollower::poll()
{
    if (!m_following || m_inFlight || !m_worker)
        return;
    m_inFlight = true;
    const quint64 generation = m_generation;
    if (!m_known) {
        m_worker->run(
            this, [](Admin::Service &service) { return service.auditTail(1, {}); },
            [this, generation](Core::Result<QList<Store::AuditEvent>> newest) {
                if (generation != m_generation)
                    return;
                m_inFlight = false;
                if (!newest) {
                    emit errorOccurred(newest.error().message);
                    return;
                }
                m_known = true;
                m_lastId = newest->isEmpty() ? 0 : newest->last().id;
            });
        return;
    }
    Store::AuditFilter filter = m_filter;
    filter.limit = kPollLimit;
    const qint64 after = m_lastId;
    m_worker->run(
        this,
        [after, filter](Admin::Service &service) { return service.auditAfter(after, filter); },
        [this, generation](Core::Result<QList<Store::AuditEvent>> events) {
            if (generation != m_generation)
                return;
            m_inFlight = false;
            if (!events) {
                emit errorOccurred(events.error().message);
                return;
            }
            if (events->isEmpty())
                return;
            m_lastId = events->last().id;
            emit eventsArrived(*events);
            if (events->size() >= kPollLimit)
                poll();
        });
}

} // namespace Core
