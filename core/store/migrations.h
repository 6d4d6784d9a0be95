#pragma once

// Internal: the versioned schema. Not part of the public API.

#include <QList>
#include <QString>
#include <QStringList>

#include "store/databaseurl.h"

namespace Store::detail {

struct Migration
{
    int version = 0;
    QString name;
    QStringList statements; ///< already in the backend's dialect
};

/// Every migration this code knows, in version order, written for `backend`.
[[nodiscard]] QList<Migration> migrations(Backend backend);

/// The statement that creates the bookkeeping table (portable SQL).
[[nodiscard]] QString createSchemaMigrationsTable();

/// A query whose single value is 1 when schema_migrations exists (in the search path) and
/// 0 otherwise.
[[nodiscard]] QString schemaMigrationsExists(Backend backend);

} // namespace Store::detail
