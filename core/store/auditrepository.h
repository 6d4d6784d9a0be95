#pragma once

#include <memory>
#include <optional>

#include <QJsonObject>
#include <QList>
#include <QString>

#include "common/result.h"

namespace Store {

class Database;

/// One audit event: an issuance, refusal, revocation, login ... The detail must already be
/// free of secrets (masked with Crypto::maskSecret) when it reaches the store.
struct AuditEvent
{
    qint64 id = 0;         ///< assigned on append
    qint64 occurredAt = 0; ///< 0 on append: now
    QString type;          ///< e.g. "token.issued", "token.revoked", "login.failed"
    QString actor;         ///< who did it: a user, a client, "operator", "system"
    QString clientId;
    QString subject;
    QJsonObject detail;
    QString remoteAddress;
};

struct AuditFilter
{
    QString type;
    QString clientId;
    QString subject;
    std::optional<qint64> since;   ///< occurredAt >= since
    std::optional<qint64> until;   ///< occurredAt < until
    std::optional<qint64> afterId; ///< ids greater than this (follow a tail)
    int limit = 100;               ///< capped at 10000
};

/// The audit log, append-only apart from purging old events. Every method is one transaction.
class AuditRepository final
{
public:
    explicit AuditRepository(std::shared_ptr<Database> db);

    Core::Result<AuditEvent> append(const AuditEvent &event);
    /// Matching events in id order, oldest first, at most `limit`.
    Core::Result<QList<AuditEvent>> list(const AuditFilter &filter);
    /// The newest `count` matching events (filter.limit ignored), oldest first.
    Core::Result<QList<AuditEvent>> tail(int count, const AuditFilter &filter = {});
    /// Deletes events that occurred before `before`; returns how many.
    Core::Result<qint64> purgeBefore(qint64 before);

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
