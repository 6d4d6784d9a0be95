#include "store/database.h"

#include <atomic>
#include <list>
#include <utility>
#include <vector>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QRandomGenerator>
#include <QSet>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include "store/errors.h"
#include "store/migrations.h"
#include "store/sqlutil.h"

#ifdef Q_OS_UNIX
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>
#endif

namespace Store {

namespace detail {

/// The connection names a Database created, shared with the threads that hold them so
/// that whichever ends first (the thread or the Database) removes the connection.
struct ConnectionRegistry
{
    QMutex mutex;
    QSet<QString> names;

    void add(const QString &name)
    {
        QMutexLocker lock(&mutex);
        names.insert(name);
    }
    void release(const QString &name)
    {
        QMutexLocker lock(&mutex);
        if (names.remove(name))
            QSqlDatabase::removeDatabase(name);
    }
    void releaseAll()
    {
        QMutexLocker lock(&mutex);
        for (const QString &name : std::as_const(names))
            QSqlDatabase::removeDatabase(name);
        names.clear();
    }
};

} // namespace detail

namespace {

std::atomic<quint64> g_nextDatabaseId{1};
std::atomic<quint64> g_nextConnectionId{1};

// PostgreSQL advisory lock key that serializes migrations across servers ("mcpauth" in ASCII).
constexpr qint64 kMigrationLockKey = 0x6d6370617574;

struct ThreadEntry
{
    quint64 databaseId = 0;
    std::weak_ptr<detail::ConnectionRegistry> registry;
    QString name;
    int depth = 0; ///< > 0 while a transaction runs on this connection
    /// Hooks to run after the running transaction commits (Database::afterCommit).
    std::vector<std::function<void()>> afterCommit;
};

/// This thread's connections; the destructor (thread exit) removes those still registered.
struct ThreadConnections
{
    std::list<ThreadEntry> entries;
    ~ThreadConnections()
    {
        for (const ThreadEntry &entry : entries) {
            if (auto registry = entry.registry.lock())
                registry->release(entry.name);
        }
    }
};

thread_local ThreadConnections t_connections;

ThreadEntry *findEntry(quint64 databaseId)
{
    for (auto it = t_connections.entries.begin(); it != t_connections.entries.end();) {
        if (it->registry.expired()) {
            it = t_connections.entries.erase(it);
            continue;
        }
        if (it->databaseId == databaseId)
            return &*it;
        ++it;
    }
    return nullptr;
}

Core::Status execRaw(QSqlDatabase &db, const QString &sql, const QString &context)
{
    QSqlQuery query(db);
    if (!query.exec(sql))
        return Sql::fromSqlError(query.lastError(), Sql::backendOf(db), context);
    return {};
}

void backoff(int attempt)
{
    QThread::msleep(
        static_cast<unsigned long>(QRandomGenerator::global()->bounded(5, 20) * attempt));
}

} // namespace

Database::Database(DatabaseUrl url, OpenOptions options)
    : m_url(std::move(url))
    , m_options(std::move(options))
    , m_id(g_nextDatabaseId++)
    , m_registry(std::make_shared<detail::ConnectionRegistry>())
{
    m_synchronous = m_options.synchronous.value_or(m_url.synchronous);
    if (!m_options.clock)
        m_options.clock = [] { return QDateTime::currentMSecsSinceEpoch(); };
    m_options.maxAttempts = std::max(1, m_options.maxAttempts);
}

Database::~Database()
{
    m_registry->releaseAll();
}

qint64 Database::now() const
{
    return m_options.clock();
}

Core::Result<std::shared_ptr<Database>> Database::open(const QString &url, OpenOptions options)
{
    auto parsed = DatabaseUrl::parse(url);
    if (!parsed)
        return parsed.error();
    const bool migrate = options.migrate;
    std::shared_ptr<Database> db(new Database(std::move(parsed).value(), std::move(options)));
    if (db->backend() == Backend::Sqlite) {
        if (const auto status = db->prepareSqliteFile(); !status)
            return status.error();
    }
    if (auto conn = db->threadConnection(); !conn)
        return conn.error();
    if (const auto status = db->checkSchemaVersion(); !status)
        return status.error();
    if (migrate) {
        if (const auto status = db->migrate(); !status)
            return status.error();
    }
    return db;
}

Core::Status Database::prepareSqliteFile() const
{
    const QFileInfo info(m_url.path);
    const QString dir = info.absolutePath();
    if (!QDir().exists(dir)) {
        if (!QDir().mkpath(dir))
            return Core::makeError(ErrorCode::ConnectionFailed,
                                   QStringLiteral("cannot create the directory %1 for the "
                                                  "database")
                                       .arg(dir));
        QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    if (info.exists())
        return info.isFile()
                   ? Core::Status()
                   : Core::makeError(ErrorCode::ConnectionFailed,
                                     QStringLiteral("%1 exists and is not a file").arg(m_url.path));
#ifdef Q_OS_UNIX
    // Created 0600 before SQLite touches it; SQLite gives -wal and -shm the same mode.
    const QByteArray native = QFile::encodeName(m_url.path);
    const int fd = ::open(native.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
        return Core::makeError(ErrorCode::ConnectionFailed,
                               QStringLiteral("cannot create the database file %1: %2")
                                   .arg(m_url.path, QString::fromLocal8Bit(std::strerror(errno))));
    if (fd >= 0)
        ::close(fd);
#else
    QFile file(m_url.path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return Core::makeError(ErrorCode::ConnectionFailed,
                               QStringLiteral("cannot create the database file %1: %2")
                                   .arg(m_url.path, file.errorString()));
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner);
#endif
    return {};
}

QSqlDatabase Database::connection()
{
    auto conn = threadConnection();
    if (conn)
        return *conn;
    if (ThreadEntry *entry = findEntry(m_id))
        return QSqlDatabase::database(entry->name, false);
    return {};
}

Core::Result<QSqlDatabase> Database::threadConnection()
{
    ThreadEntry *entry = findEntry(m_id);
    if (entry) {
        QSqlDatabase db = QSqlDatabase::database(entry->name, false);
        if (db.isOpen())
            return db;
        if (!db.isValid()) {
            // Removed by ~Database on another thread: not usable any more.
            return Core::makeError(
                ErrorCode::ConnectionFailed,
                QStringLiteral("the connection to %1 was closed").arg(displayUrl()));
        }
    } else {
        const QString name =
            QStringLiteral("mcpauth-store-%1-%2").arg(m_id).arg(g_nextConnectionId.fetch_add(1));
        m_registry->add(name);
        t_connections.entries.push_back(ThreadEntry{m_id, m_registry, name, 0, {}});
        entry = &t_connections.entries.back();
        const bool sqlite = backend() == Backend::Sqlite;
        QSqlDatabase db = QSqlDatabase::addDatabase(
            sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL"), name);
        if (!db.isValid())
            return Core::makeError(
                ErrorCode::ConnectionFailed,
                QStringLiteral("the Qt SQL driver %1 is not available")
                    .arg(sqlite ? QStringLiteral("QSQLITE") : QStringLiteral("QPSQL")));
        if (sqlite) {
            db.setDatabaseName(m_url.path);
            db.setConnectOptions(
                QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(m_options.busyTimeoutMs));
        } else {
            db.setHostName(m_url.host);
            db.setPort(m_url.port);
            db.setUserName(m_url.user);
            db.setPassword(m_url.password);
            db.setDatabaseName(m_url.database);
            QString options = QStringLiteral("connect_timeout=%1;application_name=mcpauth")
                                  .arg(m_url.connectTimeoutSeconds);
            if (!m_url.sslMode.isEmpty())
                options += QStringLiteral(";sslmode=") + m_url.sslMode;
            db.setConnectOptions(options);
        }
    }
    QSqlDatabase db = QSqlDatabase::database(entry->name, false);
    if (!db.open()) {
        // The driver text names host/port/user problems; it never contains the password.
        const QString why = db.lastError().text().trimmed().section(u'\n', 0, 0);
        return Core::makeError(ErrorCode::ConnectionFailed,
                               QStringLiteral("cannot open %1: %2").arg(displayUrl(), why));
    }
    if (auto status = configure(db); !status) {
        db.close();
        return status.error();
    }
    return db;
}

Core::Status Database::configure(QSqlDatabase &db)
{
    if (backend() == Backend::PostgreSql) {
        // NOTICEs (e.g. "already exists, skipping") would only clutter the log.
        QStringList session = {QStringLiteral("SET TIME ZONE 'UTC'"),
                               QStringLiteral("SET client_min_messages = warning")};
        if (!m_url.schema.isEmpty()) // validated as a plain identifier by DatabaseUrl
            session.append(QStringLiteral("SET search_path TO \"%1\"").arg(m_url.schema));
        for (const QString &sql : std::as_const(session)) {
            if (auto s = execRaw(db, sql, QStringLiteral("configuring the session")); !s)
                return s;
        }
        return {};
    }
    const QStringList pragmas = {
        QStringLiteral("PRAGMA busy_timeout = %1").arg(m_options.busyTimeoutMs),
        QStringLiteral("PRAGMA foreign_keys = ON"),
        QStringLiteral("PRAGMA case_sensitive_like = ON"),
        QStringLiteral("PRAGMA synchronous = ") + (m_synchronous == Synchronous::Full
                                                       ? QStringLiteral("FULL")
                                                       : QStringLiteral("NORMAL")),
    };
    for (const QString &pragma : pragmas) {
        if (auto status = execRaw(db, pragma, QStringLiteral("configuring SQLite")); !status)
            return status;
    }
    QSqlQuery query(db);
    if (!query.exec(QStringLiteral("PRAGMA journal_mode = WAL")) || !query.next())
        return Sql::fromSqlError(query.lastError(), Backend::Sqlite,
                                 QStringLiteral("switching SQLite to WAL"));
    if (query.value(0).toString().toLower() != u"wal")
        return Core::makeError(ErrorCode::StorageError,
                               QStringLiteral("SQLite refused WAL journal mode for %1 (got %2)")
                                   .arg(m_url.path, query.value(0).toString()));
    return {};
}

Core::Status Database::transaction(const std::function<Core::Status(QSqlDatabase &)> &work,
                                   TransactionMode mode)
{
    auto conn = threadConnection();
    if (!conn)
        return conn.error();
    QSqlDatabase db = *conn;
    ThreadEntry *entry = findEntry(m_id);
    if (entry->depth > 0)
        return work(db);

    const QString begin = backend() == Backend::PostgreSql ? QStringLiteral("BEGIN")
                          : mode == TransactionMode::Write ? QStringLiteral("BEGIN IMMEDIATE")
                                                           : QStringLiteral("BEGIN DEFERRED");
    const QString rollback = QStringLiteral("ROLLBACK");
    Core::Status last;
    for (int attempt = 1; attempt <= m_options.maxAttempts; ++attempt) {
        if (attempt > 1)
            backoff(attempt);
        entry->afterCommit.clear();
        if (last = execRaw(db, begin, QStringLiteral("starting a transaction")); !last) {
            if (last.error().code == ErrorCode::Busy)
                continue;
            return last;
        }
        ++entry->depth;
        try {
            last = work(db);
        } catch (...) {
            --entry->depth;
            entry->afterCommit.clear();
            (void)execRaw(db, rollback, QStringLiteral("rolling back"));
            Sql::releaseFailedQueries();
            throw;
        }
        --entry->depth;
        if (last) {
            last = execRaw(db, QStringLiteral("COMMIT"), QStringLiteral("committing"));
            if (last) {
                // A hook may start a transaction of its own: run them with none pending.
                const auto hooks = std::exchange(entry->afterCommit, {});
                for (const auto &hook : hooks)
                    hook();
                return last;
            }
        }
        entry->afterCommit.clear();
        (void)execRaw(db, rollback, QStringLiteral("rolling back"));
        Sql::releaseFailedQueries();
        if (last.error().code != ErrorCode::Busy)
            return last;
    }
    return Core::makeError(ErrorCode::Busy,
                           QStringLiteral("gave up after %1 attempts: %2")
                               .arg(m_options.maxAttempts)
                               .arg(last ? QStringLiteral("busy") : last.error().message));
}

void Database::afterCommit(std::function<void()> hook)
{
    ThreadEntry *entry = findEntry(m_id);
    if (entry && entry->depth > 0)
        entry->afterCommit.push_back(std::move(hook));
    else
        hook();
}

int Database::addRevocationListener(RevocationListener listener)
{
    std::lock_guard lock(m_listenerMutex);
    const int id = m_nextListenerId++;
    m_revocationListeners.append({id, std::move(listener)});
    return id;
}

void Database::removeRevocationListener(int id)
{
    std::lock_guard lock(m_listenerMutex);
    m_revocationListeners.removeIf([id](const auto &entry) { return entry.first == id; });
}

void Database::notifyRevoked(const Revocation &revocation) const
{
    QList<QPair<int, RevocationListener>> listeners;
    {
        std::lock_guard lock(m_listenerMutex);
        listeners = m_revocationListeners;
    }
    for (const auto &listener : std::as_const(listeners))
        listener.second(revocation);
}

Core::Status Database::checkSchemaVersion()
{
    auto status = migrationStatus();
    if (!status)
        return status.error();
    if (status->currentVersion > status->latestVersion)
        return Core::makeError(
            ErrorCode::SchemaTooNew,
            QStringLiteral("the database %1 has schema version %2, newer than the %3 this build "
                           "of mcpauth knows; refusing to open it (upgrade mcpauth)")
                .arg(displayUrl())
                .arg(status->currentVersion)
                .arg(status->latestVersion));
    return {};
}

Core::Result<MigrationStatus> Database::migrationStatus()
{
    const QList<detail::Migration> known = detail::migrations(backend());
    return transactionResult<MigrationStatus>(
        [&](QSqlDatabase &db) -> Core::Result<MigrationStatus> {
            MigrationStatus status;
            status.latestVersion = known.isEmpty() ? 0 : known.last().version;
            QSet<int> applied;
            auto exists = Sql::scalar(db, detail::schemaMigrationsExists(backend()), {},
                                      QStringLiteral("looking for schema_migrations"));
            if (!exists)
                return exists.error();
            if (*exists) {
                auto query = Sql::exec(
                    db,
                    QStringLiteral(
                        "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"),
                    {}, QStringLiteral("reading schema_migrations"));
                if (!query)
                    return query.error();
                while (query->next()) {
                    MigrationInfo info{query->value(0).toInt(), query->value(1).toString(),
                                       query->value(2).toLongLong()};
                    applied.insert(info.version);
                    status.currentVersion = std::max(status.currentVersion, info.version);
                    status.applied.append(info);
                }
            }
            for (const auto &m : known) {
                if (!applied.contains(m.version))
                    status.pending.append(MigrationInfo{m.version, m.name, std::nullopt});
            }
            return status;
        },
        TransactionMode::Read);
}

Core::Status Database::migrate()
{
    const QList<detail::Migration> known = detail::migrations(backend());
    const int latest = known.isEmpty() ? 0 : known.last().version;
    for (const detail::Migration &migration : known) {
        const Core::Status status = transaction([&](QSqlDatabase &db) -> Core::Status {
            if (backend() == Backend::PostgreSql) {
                if (auto s = Sql::run(db, QStringLiteral("SELECT pg_advisory_xact_lock(?)"),
                                      {qlonglong(kMigrationLockKey)},
                                      QStringLiteral("taking the migration lock"));
                    !s)
                    return s;
            }
            if (!m_url.schema.isEmpty()) {
                if (auto s = execRaw(
                        db, QStringLiteral("CREATE SCHEMA IF NOT EXISTS \"%1\"").arg(m_url.schema),
                        QStringLiteral("creating schema %1").arg(m_url.schema));
                    !s)
                    return s;
            }
            if (auto s = execRaw(db, detail::createSchemaMigrationsTable(),
                                 QStringLiteral("creating schema_migrations"));
                !s)
                return s;
            auto query = Sql::exec(db,
                                   QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM "
                                                  "schema_migrations"),
                                   {}, QStringLiteral("reading the schema version"));
            if (!query)
                return query.error();
            const int current = query->next() ? query->value(0).toInt() : 0;
            query->finish();
            if (current > latest)
                return Core::makeError(ErrorCode::SchemaTooNew,
                                       QStringLiteral("the database %1 has schema version %2, "
                                                      "newer than the %3 this build knows")
                                           .arg(displayUrl())
                                           .arg(current)
                                           .arg(latest));
            if (current >= migration.version)
                return {};
            for (const QString &sql : migration.statements) {
                if (auto s = execRaw(db, sql,
                                     QStringLiteral("migration %1 (%2)")
                                         .arg(migration.version)
                                         .arg(migration.name));
                    !s)
                    return Core::makeError(ErrorCode::MigrationFailed, s.error().message);
            }
            return Sql::run(db,
                            QStringLiteral("INSERT INTO schema_migrations (version, name, "
                                           "applied_at) VALUES (?, ?, ?)"),
                            {migration.version, migration.name, qlonglong(now())},
                            QStringLiteral("recording migration %1").arg(migration.version));
        });
        if (!status)
            return status;
    }
    return {};
}

} // namespace Store
