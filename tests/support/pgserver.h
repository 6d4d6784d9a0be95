#pragma once

#include <memory>

#include <QString>
#include <QTemporaryDir>

#include "common/result.h"

namespace TestSupport {

/// A throw-away PostgreSQL 15 server for tests: initdb into a temporary directory, a random
/// free loopback port, unix sockets in that directory, fsync off. Runs initdb/pg_ctl as the
/// `postgres` OS user when the tests run as root (initdb refuses root). The server is
/// stopped and its directory deleted by stop() or the destructor, and — should the test
/// process crash — by a detached watchdog that outlives it.
///
/// The binaries are looked up in $MCPAUTH_PG_BINDIR, else /usr/lib/postgresql/15/bin.
/// If they are missing, start() fails with a message saying so: tests must QFAIL on it,
/// never skip.
class PgServer final
{
    Q_DISABLE_COPY_MOVE(PgServer)

public:
    PgServer();
    ~PgServer();

    /// Starts the server and creates the database `mcpauth_test`; returns its URL
    /// (postgresql://postgres:<percent-encoded password>@127.0.0.1:<port>/mcpauth_test).
    Core::Result<QString> start();
    /// Creates another empty database and returns its URL.
    Core::Result<QString> createDatabase(const QString &name);
    /// Stops the server (fast shutdown) and deletes its directory. Idempotent.
    void stop();

    [[nodiscard]] bool isRunning() const { return m_running; }
    [[nodiscard]] quint16 port() const { return m_port; }
    [[nodiscard]] QString password() const { return m_password; }
    /// The URL of database `name` on this server.
    [[nodiscard]] QString urlFor(const QString &name) const;
    /// The last lines of the server log (for failure messages).
    [[nodiscard]] QString logTail() const;

    [[nodiscard]] static QString binDir();

private:
    Core::Status run(const QString &program, const QStringList &args, int timeoutMs,
                     const QString &what) const;
    void startWatchdog();

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_password;
    quint16 m_port = 0;
    bool m_running = false;
    bool m_asPostgresUser = false;
};

} // namespace TestSupport
