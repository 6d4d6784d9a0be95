#include "resource/taskrepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Resource {

namespace {

const QString kColumns = QStringLiteral("id, owner, title, done, created_at, updated_at");

Task readTask(const QSqlQuery &q)
{
    Task task;
    task.id = q.value(0).toLongLong();
    task.owner = q.value(1).toString();
    task.title = q.value(2).toString();
    task.done = q.value(3).toInt() != 0;
    task.createdAt = q.value(4).toLongLong();
    task.updatedAt = q.value(5).toLongLong();
    return task;
}

Core::Error notFound(qint64 id)
{
    return Core::makeError(Store::ErrorCode::NotFound,
                           QStringLiteral("there is no task %1 of yours").arg(id));
}

Core::Result<Task> selectOne(QSqlDatabase &db, const QString &owner, qint64 id)
{
    auto q = Store::Sql::exec(db,
                              QStringLiteral("SELECT ") + kColumns +
                                  QStringLiteral(" FROM tasks WHERE owner = ? AND id = ?"),
                              {owner, qlonglong(id)}, QStringLiteral("reading a task"));
    if (!q)
        return q.error();
    if (!q->next())
        return notFound(id);
    return readTask(*q);
}

} // namespace

QJsonObject Task::toJson() const
{
    return {{QStringLiteral("id"), id},
            {QStringLiteral("title"), title},
            {QStringLiteral("done"), done},
            {QStringLiteral("created_at"), createdAt},
            {QStringLiteral("updated_at"), updatedAt}};
}

TaskRepository::TaskRepository(std::shared_ptr<Store::Database> db)
    : m_db(std::move(db))
{}

Core::Result<QList<Task>> TaskRepository::list(const QString &owner, int limit)
{
    return m_db->transactionResult<QList<Task>>(
        [&](QSqlDatabase &db) -> Core::Result<QList<Task>> {
            auto q =
                Store::Sql::exec(db,
                                 QStringLiteral("SELECT ") + kColumns +
                                     QStringLiteral(" FROM tasks WHERE owner = ? ORDER BY "
                                                    "id LIMIT ?"),
                                 {owner, qBound(1, limit, 1000)}, QStringLiteral("listing tasks"));
            if (!q)
                return q.error();
            QList<Task> out;
            while (q->next())
                out.append(readTask(*q));
            return out;
        },
        Store::TransactionMode::Read);
}

Core::Result<Task> TaskRepository::get(const QString &owner, qint64 id)
{
    return m_db->transactionResult<Task>([&](QSqlDatabase &db) { return selectOne(db, owner, id); },
                                         Store::TransactionMode::Read);
}

Core::Result<Task> TaskRepository::create(const QString &owner, const QString &title)
{
    return m_db->transactionResult<Task>([&](QSqlDatabase &db) -> Core::Result<Task> {
        const qint64 now = m_db->now();
        auto q = Store::Sql::exec(db,
                                  QStringLiteral("INSERT INTO tasks (owner, title, done, "
                                                 "created_at, updated_at) VALUES (?, ?, 0, ?, ?) "
                                                 "RETURNING id"),
                                  {owner, title, qlonglong(now), qlonglong(now)},
                                  QStringLiteral("creating a task"));
        if (!q)
            return q.error();
        if (!q->next())
            return Core::makeError(Store::ErrorCode::StorageError,
                                   QStringLiteral("creating a task returned no id"));
        return Task{q->value(0).toLongLong(), owner, title, false, now, now};
    });
}

Core::Result<Task> TaskRepository::update(const QString &owner, qint64 id, const QString &title,
                                          std::optional<bool> done)
{
    return m_db->transactionResult<Task>([&](QSqlDatabase &db) -> Core::Result<Task> {
        auto task = selectOne(db, owner, id);
        if (!task)
            return task.error();
        if (!title.isNull())
            task->title = title;
        if (done)
            task->done = *done;
        task->updatedAt = m_db->now();
        auto changed = Store::Sql::run(
            db,
            QStringLiteral("UPDATE tasks SET title = ?, done = ?, "
                           "updated_at = ? WHERE owner = ? AND id = ?"),
            {task->title, task->done ? 1 : 0, qlonglong(task->updatedAt), owner, qlonglong(id)},
            QStringLiteral("updating a task"));
        if (!changed)
            return changed.error();
        return task;
    });
}

Core::Status TaskRepository::remove(const QString &owner, qint64 id)
{
    return m_db->transaction([&](QSqlDatabase &db) -> Core::Status {
        auto count = Store::Sql::removed(db,
                                         QStringLiteral("DELETE FROM tasks WHERE owner = ? AND "
                                                        "id = ?"),
                                         {owner, qlonglong(id)}, QStringLiteral("deleting a task"));
        if (!count)
            return count.error();
        if (*count == 0)
            return notFound(id);
        return {};
    });
}

} // namespace Resource
