#pragma once

#include <memory>

#include <QString>
#include <QTemporaryDir>

#include "common/result.h"
#include "pgserver.h"
#include "store/database.h"

namespace TestSupport {

/// Runs store tests against both engines. In a test class:
///   void initTestCase_data() { TestSupport::StoreBackends::addBackendRows(); }
///   void initTestCase() { auto s = m_backends.start(); QVERIFY2(s.ok(), ...); }
///   void someTest() { QFETCH_GLOBAL(QString, backend); auto db =
///   m_backends.freshDatabase(backend); ... }
/// so that every test function runs once on SQLite (a temporary file) and once on a real
/// PostgreSQL server started for the executable.
class StoreBackends final
{
    Q_DISABLE_COPY_MOVE(StoreBackends)

public:
    StoreBackends() = default;

    /// Adds the global `backend` column with the rows "sqlite" and "postgresql".
    static void addBackendRows();

    /// Starts the PostgreSQL server. Fails (never skips) when PostgreSQL is missing.
    Core::Status start();
    void stop();

    /// A new, empty store of `backend` ("sqlite": a new file; "postgresql": a new schema in
    /// one database of the test server).
    Core::Result<QString> freshUrl(const QString &backend);
    /// freshUrl() opened (and migrated unless options say otherwise).
    Core::Result<std::shared_ptr<Store::Database>> freshDatabase(const QString &backend,
                                                                 Store::OpenOptions options = {});

    [[nodiscard]] PgServer &postgres() { return m_pg; }
    /// Directory for SQLite files; deleted with this object.
    [[nodiscard]] QString tempPath() const { return m_dir.path(); }

private:
    PgServer m_pg;
    QTemporaryDir m_dir;
    QString m_pgUrl;
    int m_counter = 0;
};

} // namespace TestSupport
