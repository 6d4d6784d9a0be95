#pragma once

#include <memory>
#include <optional>

#include <QMap>
#include <QString>

#include "common/result.h"

namespace Store {

class Database;

/// Persistent key/value settings shared by every server on the store (not secrets).
/// Every method is one transaction.
class SettingsRepository final
{
public:
    explicit SettingsRepository(std::shared_ptr<Database> db);

    /// The value, or an empty optional when the key is not set.
    Core::Result<std::optional<QString>> value(const QString &key);
    Core::Status setValue(const QString &key, const QString &value);
    /// NotFound when the key was not set.
    Core::Status remove(const QString &key);
    Core::Result<QMap<QString, QString>> all();

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
