#pragma once

#include <QString>

/// The machine-readable codes (Core::Error::code) the store reports. Callers branch on
/// these; the accompanying message is for operators and never contains a secret.
namespace Store::ErrorCode {

inline const QString InvalidUrl = QStringLiteral("invalid_database_url");
inline const QString ConnectionFailed = QStringLiteral("database_unavailable");
inline const QString StorageError = QStringLiteral("storage_error");
/// The database was busy (SQLITE_BUSY) or a serialization failure / deadlock occurred;
/// Database::transaction retries these a bounded number of times before reporting them.
inline const QString Busy = QStringLiteral("storage_busy");
inline const QString SchemaTooNew = QStringLiteral("schema_too_new");
inline const QString MigrationFailed = QStringLiteral("migration_failed");
inline const QString NotFound = QStringLiteral("not_found");
inline const QString AlreadyExists = QStringLiteral("already_exists");
/// A referenced row (e.g. the client of a token) does not exist, or a CHECK failed.
inline const QString InvalidReference = QStringLiteral("invalid_reference");
inline const QString InvalidArgument = QStringLiteral("invalid_argument");
/// A JTI was presented again while its replay entry has not expired.
inline const QString Replay = QStringLiteral("replay");
/// A single-use value (authorization code, rotated refresh token, device code) was used again.
inline const QString Reused = QStringLiteral("reused");
inline const QString Expired = QStringLiteral("expired");
inline const QString Revoked = QStringLiteral("revoked");
/// A device code or similar is in a state that does not allow the requested transition.
inline const QString InvalidState = QStringLiteral("invalid_state");

} // namespace Store::ErrorCode
