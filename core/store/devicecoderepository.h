#pragma once

#include <memory>
#include <optional>

#include <QString>

#include "common/result.h"
#include "store/secrethash.h"

namespace Store {

class Database;

enum class DeviceCodeStatus { Pending, Approved, Denied, Consumed };

[[nodiscard]] QString deviceCodeStatusName(DeviceCodeStatus status);

/// A device authorization (RFC 8628). The device code is held only as a SecretHash; the
/// user code (short, shown on the device and typed by the user) is stored as given, so the
/// caller should normalise it (upper case, no separators) before every call.
struct DeviceCode
{
    qint64 id = 0;
    SecretHash deviceCode;
    QString userCode;
    QString clientId;
    QString scope;
    QString resource;
    int intervalSeconds = 5;
    std::optional<qint64> lastPollAt;
    DeviceCodeStatus status = DeviceCodeStatus::Pending;
    QString subject; ///< the user who approved or denied
    qint64 createdAt = 0;
    qint64 expiresAt = 0;
    std::optional<qint64> decidedAt;
};

/// What a poll of the token endpoint found (RFC 8628 section 3.5).
enum class DevicePollOutcome {
    Pending,         ///< authorization_pending
    SlowDown,        ///< slow_down: polled faster than the interval, which grew by 5 s
    Approved,        ///< issue tokens: the code is now Consumed
    Denied,          ///< access_denied
    Expired,         ///< expired_token
    AlreadyConsumed, ///< the code was already exchanged (invalid_grant)
};

struct DevicePoll
{
    DevicePollOutcome outcome = DevicePollOutcome::Pending;
    DeviceCode code; ///< the row after the poll
};

/// Device codes. Every method is one transaction.
class DeviceCodeRepository final
{
public:
    explicit DeviceCodeRepository(std::shared_ptr<Database> db);

    /// Stores a pending code. AlreadyExists if the user code (or device code) is taken:
    /// draw another user code and retry.
    Core::Result<DeviceCode> insert(const DeviceCode &code);
    Core::Result<DeviceCode> findByUserCode(const QString &userCode);
    Core::Result<DeviceCode> findByHash(const SecretHash &deviceCode);
    /// Pending -> Approved / Denied by `subject`. Errors: NotFound, Expired, InvalidState
    /// (already decided).
    Core::Result<DeviceCode> approve(const QString &userCode, const QString &subject);
    Core::Result<DeviceCode> deny(const QString &userCode, const QString &subject);
    /// One poll by the device, atomically: records the poll time, applies slow_down, and
    /// turns Approved into Consumed exactly once. NotFound for an unknown device code.
    Core::Result<DevicePoll> poll(const SecretHash &deviceCode);
    /// Deletes codes that expired before `before`; returns how many.
    Core::Result<qint64> purgeExpired(qint64 before);

private:
    Core::Result<DeviceCode> decide(const QString &userCode, const QString &subject,
                                    DeviceCodeStatus to);

    std::shared_ptr<Database> m_db;
};

} // namespace Store
