#pragma once

#include <memory>

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "friction/config.h"
#include "friction/controller.h"
#include "friction/event.h"

namespace Friction {

/// Who makes a call, from a verified access token.
struct Principal
{
    QString subject;  ///< `sub`; may be empty (then the client stands for the caller)
    QString clientId; ///< `client_id`; required (defect 6)
    QString issuer;   ///< `iss`; keeps equal subjects of different issuers apart
};

/// What the resource server must do with a tool call.
enum class Outcome {
    Allowed,              ///< run it (recorded)
    Justified,            ///< HIGH, and a justification was given: run it (recorded)
    Blocked,              ///< BLOCKED or over budget: refuse with `message`, run nothing
    JustificationMissing, ///< HIGH without a justification: refuse with `message`
};

/// "allowed", "justified", "blocked" or "justification_missing".
[[nodiscard]] QString outcomeName(Outcome outcome);

/// The answer of Registry::evaluate().
struct Decision
{
    Outcome outcome = Outcome::Allowed;
    CheckResult check; ///< the state before the call was recorded
    QString principal; ///< the principal key the call was counted under
    /// For refusals: the text of the MCP tool error (`isError: true`). Empty otherwise.
    QString message;

    [[nodiscard]] bool allowed() const
    {
        return outcome == Outcome::Allowed || outcome == Outcome::Justified;
    }
};

/// All friction controllers of a resource server, one per principal (FRICTION.md).
/// Thread-safe: the RS calls evaluate() from several worker threads; a registry mutex
/// guards only the principal map and each controller has its own mutex. Bounded: beyond
/// max_principals the least recently used principal is evicted, and what it leaves
/// behind (friction per tool and budget) is remembered per subject, so that an evicted
/// principal, or a new one of the same subject (say, a freshly registered client_id),
/// starts from that penalty instead of from zero (defect 3).
///
/// Every decision, saturation, eviction and restoration is an eventOccurred() signal
/// (emitted from the calling thread, after all locks are released) and one JSON line in
/// the logging category "mcpauth.friction".
class Registry final : public QObject
{
    Q_OBJECT

public:
    /// Starts with the default configuration (no tools configured).
    explicit Registry(QObject *parent = nullptr);
    ~Registry() override;
    Q_DISABLE_COPY_MOVE(Registry)

    /// Validates and applies `config` at run time. Tools and groups that still exist keep
    /// their state in every controller; a change of principal mode remembers every
    /// controller's penalty by subject and starts afresh.
    /// `now` is the monotonic time penalties of evicted principals are taken at.
    [[nodiscard]] Core::Status setConfig(const ControllerConfig &config,
                                         double now = monotonicNow());
    [[nodiscard]] ControllerConfig config() const;

    /// The key of the controller a principal's calls go to under `mode`, e.g.
    /// "iss=https://as.example|sub=alice". An empty client_id is an error (code
    /// "invalid_token"): such calls are refused as unauthenticated (defect 6).
    [[nodiscard]] static Core::Result<QString> principalKey(const Principal &principal,
                                                            PrincipalMode mode);

    /// The one call the resource server makes per tools/call: checks `tool` (the MCP tool
    /// name) for `principal` at monotonic time `now`, applies FRICTION.md's rules for the
    /// resource server, and records the call when it is allowed. `justification` is the
    /// call's `_meta.justification` or `justification` argument (empty: none).
    /// Errors: "invalid_token" (no client_id), "invalid_request" (not an MCP tool name).
    /// With "enabled": false every call is allowed and nothing is recorded.
    [[nodiscard]] Core::Result<Decision> evaluate(const Principal &principal, const QString &tool,
                                                  const QString &justification, double now);

    /// What a call would meet, without recording it (a new principal is not kept).
    [[nodiscard]] Core::Result<CheckResult> peek(const Principal &principal, const QString &tool,
                                                 double now);

    /// Every principal (most recently used first) and the state of its tools, decayed to
    /// `now`, for /admin/friction/state. At most `limit` principals are listed.
    [[nodiscard]] QJsonObject snapshot(double now, int limit = 1000) const;

    [[nodiscard]] qsizetype principalCount() const;
    /// Subjects and evicted principals whose penalty is remembered.
    [[nodiscard]] qsizetype rememberedCount() const;

    /// Monotonic seconds since the first call in this process; the clock the RS passes.
    [[nodiscard]] static double monotonicNow();

signals:
    void eventOccurred(const Friction::Event &event);

private:
    struct Private;
    void publish(QList<Event> &events);
    std::unique_ptr<Private> d;
};

} // namespace Friction
