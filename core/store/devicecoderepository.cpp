#include "store/devicecoderepository.h"

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

QString deviceCodeStatusName(DeviceCodeStatus status)
{
    switch (status) {
    case DeviceCodeStatus::Pending:
        return QStringLiteral("pending");
    case DeviceCodeStatus::Approved:
        return QStringLiteral("approved");
    case DeviceCodeStatus::Denied:
        return QStringLiteral("denied");
    case DeviceCodeStatus::Consumed:
        break;
    }
    return QStringLiteral("consumed");
}

namespace {

// Extra interval on slow_down (RFC 8628 section 3.5).
constexpr int kSlowDownSeconds = 5;

const QString kColumns = QStringLiteral(
    "id, device_code_hash, device_code_prefix, user_code, client_id, scope, resource, "
    "interval_seconds, last_poll_at, status, subject, created_at, expires_at, decided_at");

DeviceCodeStatus statusFrom(const QString &s)
{
    for (DeviceCodeStatus st : {DeviceCodeStatus::Pending, DeviceCodeStatus::Approved,
                                DeviceCodeStatus::Denied, DeviceCodeStatus::Consumed}) {
        if (s == deviceCodeStatusName(st))
            return st;
    }
    return DeviceCodeStatus::Denied;
}

DeviceCode readCode(const QSqlQuery &q)
{
    DeviceCode c;
    c.id = q.value(0).toLongLong();
    c.deviceCode = SecretHash::fromHex(q.value(1).toString(), q.value(2).toString()).valueOr({});
    c.userCode = q.value(3).toString();
    c.clientId = q.value(4).toString();
    c.scope = q.value(5).toString();
    c.resource = q.value(6).toString();
    c.intervalSeconds = q.value(7).toInt();
    c.lastPollAt = Sql::optionalInt(q.value(8));
    c.status = statusFrom(q.value(9).toString());
    c.subject = q.value(10).toString();
    c.createdAt = q.value(11).toLongLong();
    c.expiresAt = q.value(12).toLongLong();
    c.decidedAt = Sql::optionalInt(q.value(13));
    return c;
}

Core::Result<DeviceCode> fetchWhere(QSqlDatabase &db, const QString &column, const QString &key,
                                    const QString &notFound)
{
    auto q =
        Sql::exec(db,
                  QStringLiteral("SELECT ") + kColumns +
                      QStringLiteral(" FROM device_codes WHERE ") + column + QStringLiteral(" = ?"),
                  {key}, QStringLiteral("reading device code"));
    if (!q)
        return q.error();
    return Sql::readOne<DeviceCode>(*q, readCode, notFound);
}

Core::Result<DeviceCode> fetchByHash(QSqlDatabase &db, const SecretHash &code)
{
    return fetchWhere(db, QStringLiteral("device_code_hash"), code.hex(),
                      QStringLiteral("no device code %1").arg(code.display()));
}

Core::Result<DeviceCode> fetchByUserCode(QSqlDatabase &db, const QString &userCode)
{
    return fetchWhere(db, QStringLiteral("user_code"), userCode,
                      QStringLiteral("no device authorization with user code %1").arg(userCode));
}

} // namespace

DeviceCodeRepository::DeviceCodeRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<DeviceCode> DeviceCodeRepository::insert(const DeviceCode &code)
{
    if (code.deviceCode.isNull() || code.userCode.isEmpty() || code.clientId.isEmpty())
        return Sql::invalidArgument(
            QStringLiteral("a device code needs its hash, a user code and a client"));
    if (code.intervalSeconds < 1)
        return Sql::invalidArgument(QStringLiteral("the polling interval must be at least 1 s"));
    return m_db->transactionResult<DeviceCode>([&](QSqlDatabase &db) -> Core::Result<DeviceCode> {
        auto s = Sql::run(
            db,
            QStringLiteral("INSERT INTO device_codes (device_code_hash, device_code_prefix, "
                           "user_code, client_id, scope, resource, interval_seconds, status, "
                           "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)"),
            {code.deviceCode.hex(), code.deviceCode.prefix(), code.userCode, code.clientId,
             code.scope, code.resource, code.intervalSeconds, qlonglong(m_db->now()),
             qlonglong(code.expiresAt)},
            QStringLiteral("storing device code %1 for client %2")
                .arg(code.deviceCode.display(), code.clientId));
        if (!s)
            return s.error();
        return fetchByHash(db, code.deviceCode);
    });
}

Core::Result<DeviceCode> DeviceCodeRepository::findByUserCode(const QString &userCode)
{
    return m_db->transactionResult<DeviceCode>(
        [&](QSqlDatabase &db) { return fetchByUserCode(db, userCode); }, TransactionMode::Read);
}

Core::Result<DeviceCode> DeviceCodeRepository::findByHash(const SecretHash &deviceCode)
{
    return m_db->transactionResult<DeviceCode>(
        [&](QSqlDatabase &db) { return fetchByHash(db, deviceCode); }, TransactionMode::Read);
}

Core::Result<DeviceCode> DeviceCodeRepository::approve(const QString &userCode,
                                                       const QString &subject)
{
    return decide(userCode, subject, DeviceCodeStatus::Approved);
}

Core::Result<DeviceCode> DeviceCodeRepository::deny(const QString &userCode, const QString &subject)
{
    return decide(userCode, subject, DeviceCodeStatus::Denied);
}

Core::Result<DeviceCode> DeviceCodeRepository::decide(const QString &userCode,
                                                      const QString &subject, DeviceCodeStatus to)
{
    return m_db->transactionResult<DeviceCode>([&](QSqlDatabase &db) -> Core::Result<DeviceCode> {
        const qlonglong now = m_db->now();
        auto changed =
            Sql::update(db,
                        QStringLiteral("UPDATE device_codes SET status = ?, subject = ?, "
                                       "decided_at = ? WHERE user_code = ? AND status "
                                       "= 'pending' AND expires_at > ?"),
                        {deviceCodeStatusName(to), subject, now, userCode, now},
                        QStringLiteral("deciding device authorization"));
        if (!changed)
            return changed.error();
        auto row = fetchByUserCode(db, userCode);
        if (!row || *changed == 1)
            return row;
        if (row->status != DeviceCodeStatus::Pending)
            return Core::makeError(ErrorCode::InvalidState,
                                   QStringLiteral("device authorization %1 was already %2")
                                       .arg(userCode, deviceCodeStatusName(row->status)));
        return Core::makeError(ErrorCode::Expired,
                               QStringLiteral("device authorization %1 has expired").arg(userCode));
    });
}

Core::Result<DevicePoll> DeviceCodeRepository::poll(const SecretHash &deviceCode)
{
    return m_db->transactionResult<DevicePoll>([&](QSqlDatabase &db) -> Core::Result<DevicePoll> {
        const qlonglong now = m_db->now();
        // A no-op UPDATE first: it locks the row on PostgreSQL (SQLite's BEGIN IMMEDIATE
        // already serializes writers), so the read below cannot race another poll.
        auto locked = Sql::update(db,
                                  QStringLiteral("UPDATE device_codes SET status = status WHERE "
                                                 "device_code_hash = ?"),
                                  {deviceCode.hex()}, QStringLiteral("polling device code"));
        if (!locked)
            return locked.error();
        auto row = fetchByHash(db, deviceCode);
        if (!row)
            return row.error();
        DevicePoll result{DevicePollOutcome::Pending, *row};
        DeviceCode &c = result.code;
        int interval = c.intervalSeconds;
        QString status = deviceCodeStatusName(c.status);
        const bool tooFast = c.lastPollAt && now - *c.lastPollAt < qint64(interval) * 1000;
        if (c.status == DeviceCodeStatus::Consumed) {
            result.outcome = DevicePollOutcome::AlreadyConsumed;
        } else if (c.expiresAt <= now) {
            result.outcome = DevicePollOutcome::Expired;
        } else if (tooFast) {
            result.outcome = DevicePollOutcome::SlowDown;
            interval += kSlowDownSeconds;
        } else if (c.status == DeviceCodeStatus::Approved) {
            result.outcome = DevicePollOutcome::Approved;
            status = deviceCodeStatusName(DeviceCodeStatus::Consumed);
        } else if (c.status == DeviceCodeStatus::Denied) {
            result.outcome = DevicePollOutcome::Denied;
        }
        if (auto s = Sql::run(db,
                              QStringLiteral("UPDATE device_codes SET last_poll_at = ?, "
                                             "interval_seconds = ?, status = ? WHERE id = ?"),
                              {now, interval, status, qlonglong(c.id)},
                              QStringLiteral("recording a device poll"));
            !s)
            return s.error();
        auto after = fetchByHash(db, deviceCode);
        if (!after)
            return after.error();
        result.code = *after;
        return result;
    });
}

Core::Result<qint64> DeviceCodeRepository::purgeExpired(qint64 before)
{
    return m_db->transactionResult<qint64>([&](QSqlDatabase &db) {
        return Sql::removed(db, QStringLiteral("DELETE FROM device_codes WHERE expires_at < ?"),
                            {qlonglong(before)}, QStringLiteral("purging device codes"));
    });
}

} // namespace Store
