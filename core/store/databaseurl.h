#pragma once

#include <QString>

#include "common/result.h"

namespace Store {

enum class Backend { Sqlite, PostgreSql };

/// SQLite's `synchronous` pragma: Full (an fsync per commit, survives a power cut; the
/// default) or Normal (survives a killed process, not a power cut; several times faster).
enum class Synchronous { Full, Normal };

/// A parsed database URL. Two forms are accepted, nothing else:
///  - `sqlite:///absolute/path/file.db[?synchronous=full|normal]` (three slashes: no host,
///    an absolute path; on Windows `sqlite:///C:/path/file.db`). Relative paths and
///    in-memory databases are refused: a connection per thread must see one database.
///  -
///  `postgresql://user[:password]@host[:port]/database[?sslmode=...&connect_timeout=s&schema=name]`
///    (`postgres://` too). `schema` keeps the store's tables in that schema (created by the
///    first migration) instead of `public`, so one database can hold several stores. User, password
///    and database are percent-decoded; IPv6 hosts in brackets; the port defaults to 5432.
/// Parse errors name what is wrong and never contain the password.
struct DatabaseUrl
{
    Backend backend = Backend::Sqlite;
    // SQLite
    QString path; ///< absolute file path
    Synchronous synchronous = Synchronous::Full;
    bool synchronousGiven = false; ///< `?synchronous=` was present
    // PostgreSQL
    QString host;
    int port = 5432;
    QString user;
    QString password; ///< decoded; never shown, see display()
    QString database;
    QString sslMode; ///< empty: libpq default
    int connectTimeoutSeconds = 10;
    QString schema; ///< empty: the server's search_path (normally `public`)

    /// Parses `url`; on error the code is ErrorCode::InvalidUrl.
    static Core::Result<DatabaseUrl> parse(const QString &url);

    /// The URL in canonical form with the password replaced by `****`; safe to log and show.
    [[nodiscard]] QString display() const;
};

/// `url` with any password replaced by `****`, for messages about URLs that may not parse.
[[nodiscard]] QString maskDatabaseUrl(const QString &url);

/// `sqlite:///…` for an absolute file path, percent-encoding what needs it.
[[nodiscard]] QString sqliteUrlForPath(const QString &absolutePath);

/// The default store: `sqlite:///<AppDataLocation>/mcpauth.db`. Creates the directory
/// (owner-only permissions) if it does not exist.
[[nodiscard]] QString defaultUrl();

} // namespace Store
