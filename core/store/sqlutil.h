#pragma once

// Internal helpers shared by the store's implementation files; not part of the public API.

#include <optional>

#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QVariant>
#include <QVariantList>

#include "common/result.h"
#include "store/databaseurl.h"

namespace Store::Sql {

/// Maps a driver error to a store error: busy/serialization/deadlock -> ErrorCode::Busy,
/// unique violation -> AlreadyExists, foreign key / check / not null -> InvalidReference,
/// anything else -> StorageError. `context` says what was being done ("inserting a token").
[[nodiscard]] Core::Error fromSqlError(const QSqlError &error, Backend backend,
                                       const QString &context);

[[nodiscard]] Backend backendOf(const QSqlDatabase &db);

/// Prepares `sql` (portable `?` placeholders), binds `binds` in order and executes it.
[[nodiscard]] Core::Result<QSqlQuery> exec(QSqlDatabase &db, const QString &sql,
                                           const QVariantList &binds, const QString &context);
/// Failed PostgreSQL statements are kept until releaseFailedQueries(): their server-side
/// prepared statement can only be deallocated once the aborted transaction has ended.
void releaseFailedQueries();

/// exec() for statements whose result rows are not needed.
[[nodiscard]] Core::Status run(QSqlDatabase &db, const QString &sql, const QVariantList &binds,
                               const QString &context);
/// exec() returning the number of rows the statement changed.
[[nodiscard]] Core::Result<int> update(QSqlDatabase &db, const QString &sql,
                                       const QVariantList &binds, const QString &context);

/// update() for DELETE statements: how many rows went.
[[nodiscard]] Core::Result<qint64> removed(QSqlDatabase &db, const QString &sql,
                                           const QVariantList &binds, const QString &context);

/// NULL when `text` is empty, else the text.
[[nodiscard]] QVariant textOrNull(const QString &text);
[[nodiscard]] QVariant intOrNull(std::optional<qint64> value);
[[nodiscard]] std::optional<qint64> optionalInt(const QVariant &value);

[[nodiscard]] QString toJsonArray(const QStringList &list);
[[nodiscard]] QStringList fromJsonArray(const QString &json);

/// A LIKE pattern matching rows whose space-separated list column, wrapped as
/// `' ' || col || ' '`, contains `item` as a whole word. Use with `ESCAPE '\'`.
[[nodiscard]] QString containsWordPattern(const QString &item);

/// Builds "WHERE a AND b ..." with its bind values.
class Where
{
public:
    void add(const QString &condition, const QVariantList &binds = {});
    [[nodiscard]] QString sql() const;
    [[nodiscard]] const QVariantList &binds() const { return m_binds; }

private:
    QStringList m_conditions;
    QVariantList m_binds;
};

} // namespace Store::Sql

namespace Store::Sql {

/// Reads every row of `query` with `read(query)`.
template <typename T, typename Reader>
[[nodiscard]] QList<T> readAll(QSqlQuery &query, Reader read)
{
    QList<T> out;
    while (query.next())
        out.append(read(query));
    return out;
}

/// Reads the one row of `query`, or a NotFound error with `notFound` as the message.
template <typename T, typename Reader>
[[nodiscard]] Core::Result<T> readOne(QSqlQuery &query, Reader read, const QString &notFound)
{
    if (!query.next())
        return Core::makeError(QStringLiteral("not_found"), notFound);
    return read(query);
}

/// A NotFound / InvalidArgument error (no secret in the message).
[[nodiscard]] Core::Error notFound(const QString &message);
[[nodiscard]] Core::Error invalidArgument(const QString &message);
/// Success when `changed` is at least 1; NotFound(`notFound`) when 0; the error otherwise.
[[nodiscard]] Core::Status requireOne(const Core::Result<int> &changed, const QString &notFound);
/// The first column of the first row as an integer (COUNT, SUM, ...); 0 when no row.
[[nodiscard]] Core::Result<qint64> scalar(QSqlDatabase &db, const QString &sql,
                                          const QVariantList &binds, const QString &context);

} // namespace Store::Sql
