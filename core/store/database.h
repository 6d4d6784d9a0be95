#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QSqlDatabase>
#include <QString>

#include "common/result.h"
#include "store/databaseurl.h"

namespace Store {

namespace detail {
struct ConnectionRegistry;
}

/// Whether a transaction writes. SQLite starts writers with BEGIN IMMEDIATE (so two
/// writers never deadlock upgrading a read lock) and readers with a deferred BEGIN.
enum class TransactionMode { Write, Read };

struct OpenOptions
{
    /// Apply pending migrations on open. When false the schema is only checked: a schema
    /// newer than this code still refuses to open; pending migrations are reported by
    /// migrationStatus() and applied by migrate().
    bool migrate = true;
    /// SQLite only; overrides `?synchronous=` in the URL. Default Full.
    std::optional<Synchronous> synchronous;
    /// How long SQLite waits for a lock before reporting busy.
    int busyTimeoutMs = 5000;
    /// How many times transaction() runs its work when the database reports busy, a
    /// serialization failure or a deadlock.
    int maxAttempts = 6;
    /// The clock repositories use for "now" (UTC epoch milliseconds); tests inject one.
    std::function<qint64()> clock;
};

/// An access or refresh token that a transaction revoked (see Database::addRevocationListener).
struct RevokedToken
{
    QByteArray hashHex;   ///< lower-case hex SHA-256 of the token, as the verifier keys it
    qint64 expiresAt = 0; ///< epoch ms; after this the token is refused anyway
};

/// What a committed transaction revoked. `complete` is false when there were too many
/// tokens to list (more than Database::maxRevocationList): a listener must then assume
/// any token it trusts may have been revoked.
struct Revocation
{
    QList<RevokedToken> tokens;
    bool complete = true;
};

using RevocationListener = std::function<void(const Revocation &)>;

struct MigrationInfo
{
    int version = 0;
    QString name;
    std::optional<qint64> appliedAt; ///< epoch ms; empty when pending
};

struct MigrationStatus
{
    int currentVersion = 0; ///< highest applied version (0: empty database)
    int latestVersion = 0;  ///< highest version this code knows
    QList<MigrationInfo> applied;
    QList<MigrationInfo> pending;
};

/// An open store: SQLite file or PostgreSQL database. Thread-safe: every thread that uses
/// it gets its own connection, created on first use and removed when that thread finishes
/// or when the Database is destroyed, whichever comes first. Shared by the repositories
/// through std::shared_ptr; destroy it only after other threads stopped using it.
class Database final
{
    Q_DISABLE_COPY_MOVE(Database)

public:
    /// Opens `url` (see DatabaseUrl), checks the connection and the schema version, and
    /// applies pending migrations unless options.migrate is false. Creates a new SQLite
    /// file (and its -wal/-shm) with mode 0600.
    static Core::Result<std::shared_ptr<Database>> open(const QString &url,
                                                        OpenOptions options = {});
    ~Database();

    [[nodiscard]] Backend backend() const { return m_url.backend; }
    /// The URL with the password masked; safe to show.
    [[nodiscard]] QString displayUrl() const { return m_url.display(); }
    [[nodiscard]] Synchronous synchronous() const { return m_synchronous; }

    /// This thread's connection, opened on first use. If it could not be opened, the
    /// returned handle is not open and its lastError() says why.
    QSqlDatabase connection();

    /// Runs `work` in one transaction on this thread's connection: COMMIT when it returns
    /// success, ROLLBACK on any error. Busy / serialization failures / deadlocks (error
    /// code ErrorCode::Busy) rerun the whole work up to OpenOptions::maxAttempts times, so
    /// `work` must not have side effects outside the database. A call made inside `work`
    /// on the same thread joins the outer transaction (no retry of its own).
    Core::Status transaction(const std::function<Core::Status(QSqlDatabase &)> &work,
                             TransactionMode mode = TransactionMode::Write);

    /// Runs `hook` once the transaction running on this thread commits (at once when none
    /// runs); dropped if it rolls back, and not repeated when a busy transaction is
    /// retried (its work registers the hook again).
    void afterCommit(std::function<void()> hook);

    /// Revocations committed through this Database (in this process) are reported to every
    /// listener, on the thread that committed them, after the commit. The listener must be
    /// thread-safe and quick. Returns an id for removeRevocationListener().
    int addRevocationListener(RevocationListener listener);
    void removeRevocationListener(int id);
    /// Called by the repositories after a revocation committed.
    void notifyRevoked(const Revocation &revocation) const;
    /// The most tokens one revocation lists; beyond it Revocation::complete is false.
    static constexpr int maxRevocationList = 100000;

    /// transaction() for work that produces a value.
    template <typename T>
    Core::Result<T> transactionResult(const std::function<Core::Result<T>(QSqlDatabase &)> &work,
                                      TransactionMode mode = TransactionMode::Write)
    {
        std::optional<T> out;
        const Core::Status status = transaction(
            [&](QSqlDatabase &db) -> Core::Status {
                out.reset();
                Core::Result<T> r = work(db);
                if (!r)
                    return r.error();
                out.emplace(std::move(r).value());
                return {};
            },
            mode);
        if (!status)
            return status.error();
        return std::move(*out);
    }

    [[nodiscard]] Core::Result<MigrationStatus> migrationStatus();
    /// Applies every pending migration, each in its own transaction (PostgreSQL: under an
    /// advisory lock, so concurrent servers migrate one after the other).
    Core::Status migrate();

    /// "Now" in UTC epoch milliseconds, from OpenOptions::clock.
    [[nodiscard]] qint64 now() const;

private:
    Database(DatabaseUrl url, OpenOptions options);
    Core::Result<QSqlDatabase> threadConnection();
    Core::Status configure(QSqlDatabase &db);
    Core::Status checkSchemaVersion();
    Core::Status prepareSqliteFile() const;

    DatabaseUrl m_url;
    OpenOptions m_options;
    Synchronous m_synchronous = Synchronous::Full;
    quint64 m_id = 0;
    std::shared_ptr<detail::ConnectionRegistry> m_registry;
    mutable std::mutex m_listenerMutex;
    int m_nextListenerId = 1;
    QList<QPair<int, RevocationListener>> m_revocationListeners;
};

} // namespace Store
