#pragma once

#include <memory>

#include <QJsonObject>
#include <QList>
#include <QString>

#include "common/result.h"

namespace Store {
class Database;
}

namespace Resource {

/// One row of the demo `tasks` table (store migration 2).
struct Task
{
    qint64 id = 0;
    QString owner; ///< the subject that created it; tasks are private to it
    QString title;
    bool done = false;
    qint64 createdAt = 0; ///< epoch ms
    qint64 updatedAt = 0;

    [[nodiscard]] QJsonObject toJson() const;
};

/// The tasks of the demo MCP tools. Every method is one transaction; every query is
/// limited to `owner`, so one subject never sees another's tasks. Missing rows are
/// errors with code Store::ErrorCode::NotFound.
class TaskRepository final
{
public:
    explicit TaskRepository(std::shared_ptr<Store::Database> db);

    Core::Result<QList<Task>> list(const QString &owner, int limit = 100);
    Core::Result<Task> get(const QString &owner, qint64 id);
    Core::Result<Task> create(const QString &owner, const QString &title);
    /// Changes the title (when `title` is not null) and/or `done`.
    Core::Result<Task> update(const QString &owner, qint64 id, const QString &title,
                              std::optional<bool> done);
    Core::Status remove(const QString &owner, qint64 id);

private:
    std::shared_ptr<Store::Database> m_db;
};

} // namespace Resource
