#include "store/settingsrepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

SettingsRepository::SettingsRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<std::optional<QString>> SettingsRepository::value(const QString &key)
{
    return m_db->transactionResult<std::optional<QString>>(
        [&](QSqlDatabase &db) -> Core::Result<std::optional<QString>> {
            auto q = Sql::exec(db, QStringLiteral("SELECT value FROM settings WHERE name = ?"),
                               {key}, QStringLiteral("reading setting %1").arg(key));
            if (!q)
                return q.error();
            if (!q->next())
                return std::optional<QString>();
            return std::optional<QString>(q->value(0).toString());
        },
        TransactionMode::Read);
}

Core::Status SettingsRepository::setValue(const QString &key, const QString &value)
{
    if (key.isEmpty())
        return Sql::invalidArgument(QStringLiteral("a setting needs a name"));
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::run(db,
                        QStringLiteral("INSERT INTO settings (name, value, updated_at) VALUES (?, "
                                       "?, ?) ON CONFLICT (name) DO UPDATE SET value = "
                                       "excluded.value, updated_at = excluded.updated_at"),
                        {key, value, qlonglong(m_db->now())},
                        QStringLiteral("saving setting %1").arg(key));
    });
}

Core::Status SettingsRepository::remove(const QString &key)
{
    return m_db->transaction([&](QSqlDatabase &db) {
        return Sql::requireOne(Sql::update(db,
                                           QStringLiteral("DELETE FROM settings WHERE name = ?"),
                                           {key}, QStringLiteral("removing setting %1").arg(key)),
                               QStringLiteral("no setting named %1").arg(key));
    });
}

Core::Result<QMap<QString, QString>> SettingsRepository::all()
{
    return m_db->transactionResult<QMap<QString, QString>>(
        [&](QSqlDatabase &db) -> Core::Result<QMap<QString, QString>> {
            auto q = Sql::exec(db, QStringLiteral("SELECT name, value FROM settings"), {},
                               QStringLiteral("reading settings"));
            if (!q)
                return q.error();
            QMap<QString, QString> out;
            while (q->next())
                out.insert(q->value(0).toString(), q->value(1).toString());
            return out;
        },
        TransactionMode::Read);
}

} // namespace Store
