#include "store/auditrepository.h"

#include <algorithm>

#include <QJsonDocument>

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

namespace {

const QString kSelect = QStringLiteral("SELECT id, occurred_at, event_type, actor, client_id, "
                                       "subject, detail, remote_address FROM audit_events");

AuditEvent readEvent(const QSqlQuery &q)
{
    return AuditEvent{q.value(0).toLongLong(),
                      q.value(1).toLongLong(),
                      q.value(2).toString(),
                      q.value(3).toString(),
                      q.value(4).toString(),
                      q.value(5).toString(),
                      QJsonDocument::fromJson(q.value(6).toString().toUtf8()).object(),
                      q.value(7).toString()};
}

Sql::Where whereFor(const AuditFilter &f)
{
    Sql::Where where;
    if (!f.type.isEmpty())
        where.add(QStringLiteral("event_type = ?"), {f.type});
    if (!f.clientId.isEmpty())
        where.add(QStringLiteral("client_id = ?"), {f.clientId});
    if (!f.subject.isEmpty())
        where.add(QStringLiteral("subject = ?"), {f.subject});
    if (f.since)
        where.add(QStringLiteral("occurred_at >= ?"), {qlonglong(*f.since)});
    if (f.until)
        where.add(QStringLiteral("occurred_at < ?"), {qlonglong(*f.until)});
    if (f.afterId)
        where.add(QStringLiteral("id > ?"), {qlonglong(*f.afterId)});
    return where;
}

Core::Result<QList<AuditEvent>> select(QSqlDatabase &db, const AuditFilter &filter, bool newest,
                                       int limit)
{
    const Sql::Where where = whereFor(filter);
    QVariantList binds = where.binds();
    binds.append(qBound(0, limit, 10000));
    auto q = Sql::exec(
        db,
        kSelect + where.sql() +
            (newest ? QStringLiteral(" ORDER BY id DESC") : QStringLiteral(" ORDER BY id")) +
            QStringLiteral(" LIMIT ?"),
        binds, QStringLiteral("reading the audit log"));
    if (!q)
        return q.error();
    QList<AuditEvent> events = Sql::readAll<AuditEvent>(*q, readEvent);
    if (newest)
        std::reverse(events.begin(), events.end());
    return events;
}

} // namespace

AuditRepository::AuditRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<AuditEvent> AuditRepository::append(const AuditEvent &event)
{
    if (event.type.isEmpty())
        return Sql::invalidArgument(QStringLiteral("an audit event needs a type"));
    return m_db->transactionResult<AuditEvent>([&](QSqlDatabase &db) -> Core::Result<AuditEvent> {
        AuditEvent stored = event;
        if (!stored.occurredAt)
            stored.occurredAt = m_db->now();
        auto q = Sql::exec(
            db,
            QStringLiteral("INSERT INTO audit_events (occurred_at, event_type, actor, client_id, "
                           "subject, detail, remote_address) VALUES (?, ?, ?, ?, ?, ?, ?) "
                           "RETURNING id"),
            {qlonglong(stored.occurredAt), stored.type, stored.actor,
             Sql::textOrNull(stored.clientId), Sql::textOrNull(stored.subject),
             QString::fromUtf8(QJsonDocument(stored.detail).toJson(QJsonDocument::Compact)),
             Sql::textOrNull(stored.remoteAddress)},
            QStringLiteral("appending audit event %1").arg(stored.type));
        if (!q)
            return q.error();
        if (!q->next())
            return Core::makeError(ErrorCode::StorageError,
                                   QStringLiteral("appending an audit event returned no id"));
        stored.id = q->value(0).toLongLong();
        return stored;
    });
}

Core::Result<QList<AuditEvent>> AuditRepository::list(const AuditFilter &filter)
{
    return m_db->transactionResult<QList<AuditEvent>>(
        [&](QSqlDatabase &db) { return select(db, filter, false, filter.limit); },
        TransactionMode::Read);
}

Core::Result<QList<AuditEvent>> AuditRepository::tail(int count, const AuditFilter &filter)
{
    return m_db->transactionResult<QList<AuditEvent>>(
        [&](QSqlDatabase &db) { return select(db, filter, true, count); }, TransactionMode::Read);
}

Core::Result<qint64> AuditRepository::purgeBefore(qint64 before)
{
    return m_db->transactionResult<qint64>([&](QSqlDatabase &db) {
        return Sql::removed(db, QStringLiteral("DELETE FROM audit_events WHERE occurred_at < ?"),
                            {qlonglong(before)}, QStringLiteral("purging the audit log"));
    });
}

} // namespace Store
