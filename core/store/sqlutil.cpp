#include "store/sqlutil.h"

#include <vector>

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDriver>

#include "store/errors.h"

namespace Store::Sql {

Core::Error fromSqlError(const QSqlError &error, Backend backend, const QString &context)
{
    const QString native = error.nativeErrorCode();
    const QString text = error.databaseText().trimmed().isEmpty() ? error.text().trimmed()
                                                                  : error.databaseText().trimmed();
    QString code = ErrorCode::StorageError;
    if (backend == Backend::Sqlite) {
        bool ok = false;
        const int primary = native.toInt(&ok) & 0xff;
        if (ok && (primary == 5 || primary == 6)) // SQLITE_BUSY, SQLITE_LOCKED
            code = ErrorCode::Busy;
        else if (ok && primary == 19) // SQLITE_CONSTRAINT
            code = text.contains(QLatin1String("UNIQUE")) ||
                           text.contains(QLatin1String("PRIMARY KEY"))
                       ? ErrorCode::AlreadyExists
                       : ErrorCode::InvalidReference;
    } else {
        if (native == u"40001" || native == u"40P01" || native == u"55P03")
            code = ErrorCode::Busy;
        else if (native == u"23505")
            code = ErrorCode::AlreadyExists;
        else if (native == u"23503" || native == u"23514" || native == u"23502")
            code = ErrorCode::InvalidReference;
        else if (error.type() == QSqlError::ConnectionError || native.startsWith(u"08"))
            code = ErrorCode::ConnectionFailed;
    }
    // Constraint messages can quote key values (hashes, names); keep only the first line.
    const QString firstLine = text.section(u'\n', 0, 0);
    return Core::makeError(
        code, context + QStringLiteral(" failed: ") +
                  (firstLine.isEmpty() ? QStringLiteral("unknown database error") : firstLine));
}

Backend backendOf(const QSqlDatabase &db)
{
    return db.driverName() == u"QPSQL" ? Backend::PostgreSql : Backend::Sqlite;
}

namespace {
thread_local std::vector<QSqlQuery> t_failedQueries;

Core::Error failed(QSqlQuery &&query, QSqlDatabase &db, const QString &context)
{
    const Backend backend = backendOf(db);
    Core::Error error = fromSqlError(query.lastError(), backend, context);
    if (backend == Backend::PostgreSql)
        t_failedQueries.push_back(std::move(query));
    return error;
}
} // namespace

void releaseFailedQueries()
{
    t_failedQueries.clear();
}

Core::Result<QSqlQuery> exec(QSqlDatabase &db, const QString &sql, const QVariantList &binds,
                             const QString &context)
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!query.prepare(sql))
        return failed(std::move(query), db, context);
    for (const QVariant &value : binds) {
        // The drivers bind a null QString as SQL NULL; only textOrNull() means NULL.
        if (!value.isNull() && value.typeId() == QMetaType::QString && value.toString().isNull())
            query.addBindValue(QStringLiteral(""));
        else
            query.addBindValue(value);
    }
    if (!query.exec())
        return failed(std::move(query), db, context);
    return query;
}

Core::Status run(QSqlDatabase &db, const QString &sql, const QVariantList &binds,
                 const QString &context)
{
    auto query = exec(db, sql, binds, context);
    if (!query)
        return query.error();
    return {};
}

Core::Result<int> update(QSqlDatabase &db, const QString &sql, const QVariantList &binds,
                         const QString &context)
{
    auto query = exec(db, sql, binds, context);
    if (!query)
        return query.error();
    return query->numRowsAffected();
}

Core::Result<qint64> removed(QSqlDatabase &db, const QString &sql, const QVariantList &binds,
                             const QString &context)
{
    auto n = update(db, sql, binds, context);
    if (!n)
        return n.error();
    return qint64(*n);
}

QVariant textOrNull(const QString &text)
{
    return text.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(text);
}

QVariant intOrNull(std::optional<qint64> value)
{
    return value ? QVariant(qlonglong(*value)) : QVariant(QMetaType::fromType<qlonglong>());
}

std::optional<qint64> optionalInt(const QVariant &value)
{
    if (value.isNull())
        return std::nullopt;
    return value.toLongLong();
}

QString toJsonArray(const QStringList &list)
{
    return QString::fromUtf8(
        QJsonDocument(QJsonArray::fromStringList(list)).toJson(QJsonDocument::Compact));
}

QStringList fromJsonArray(const QString &json)
{
    QStringList out;
    const QJsonArray array = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const auto &v : array)
        out.append(v.toString());
    return out;
}

QString containsWordPattern(const QString &item)
{
    QString escaped = item;
    escaped.replace(u'\\', QStringLiteral("\\\\"))
        .replace(u'%', QStringLiteral("\\%"))
        .replace(u'_', QStringLiteral("\\_"));
    return QStringLiteral("% ") + escaped + QStringLiteral(" %");
}

void Where::add(const QString &condition, const QVariantList &binds)
{
    m_conditions.append(condition);
    m_binds.append(binds);
}

QString Where::sql() const
{
    if (m_conditions.isEmpty())
        return {};
    return QStringLiteral(" WHERE ") + m_conditions.join(QStringLiteral(" AND "));
}

} // namespace Store::Sql

namespace Store::Sql {

Core::Error notFound(const QString &message)
{
    return Core::makeError(ErrorCode::NotFound, message);
}

Core::Error invalidArgument(const QString &message)
{
    return Core::makeError(ErrorCode::InvalidArgument, message);
}

Core::Status requireOne(const Core::Result<int> &changed, const QString &notFoundMessage)
{
    if (!changed)
        return changed.error();
    if (*changed == 0)
        return notFound(notFoundMessage);
    return {};
}

Core::Result<qint64> scalar(QSqlDatabase &db, const QString &sql, const QVariantList &binds,
                            const QString &context)
{
    auto query = exec(db, sql, binds, context);
    if (!query)
        return query.error();
    return query->next() ? query->value(0).toLongLong() : 0;
}

} // namespace Store::Sql
