#pragma once

#include <optional>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include "common/result.h"
#include "traffic/mix.h"
#include "traffic/stats.h"

namespace Traffic {
class Driver;
}

namespace Core {

class Engine;

/// Mints an access token for simulated agent traffic: issued in-process by the embedded
/// authorization server to the demo client for `subject`, audience the embedded MCP
/// server, with every scope the resource server asks for to call `tools`. Errors: the
/// engine is not running ("server_unavailable"), or the issuer's error.
[[nodiscard]] Result<QByteArray> issueAgentToken(const Engine &engine, const QStringList &tools,
                                                 const QString &subject);

/// "Simulate an agent": Traffic::Driver calls against the engine's MCP server with a token
/// from issueAgentToken(), until stop(). Counts outcomes per tool as calls finish (without
/// asking the driver for latency percentiles, which would sort samples). A rate change
/// while running starts a new driver with the same token; the counts carry on.
/// Lives in the thread that created it (the driver runs on its event loop). Does not own
/// the engine.
class AgentSimulator final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AgentSimulator)

public:
    static constexpr double maxRate = 1000; ///< Traffic::Options' limit

    explicit AgentSimulator(Engine *engine, QObject *parent = nullptr);
    ~AgentSimulator() override;

    /// The principal the simulated agent calls as (the token's `sub`).
    void setSubject(const QString &subject) { m_subject = subject; }
    [[nodiscard]] QString subject() const { return m_subject; }

    /// Starts calling `mix` at `rate` calls per second (counts start from zero). Errors
    /// (nothing started): the engine is stopped, the mix or rate is invalid, or no token.
    [[nodiscard]] Status start(const Traffic::Mix &mix, double rate);
    /// Ends the run; finished() follows with no error. No-op when idle.
    void stop();
    [[nodiscard]] bool isRunning() const { return m_driver != nullptr; }
    /// Takes effect at once when running (a new driver, same token and counts).
    [[nodiscard]] Status setRate(double rate);
    [[nodiscard]] double rate() const { return m_rate; }

    /// Counts per tool of the mix, in mix order (then any other tool), and the totals.
    [[nodiscard]] QList<Traffic::ToolStats> counts() const { return m_counts; }
    [[nodiscard]] Traffic::ToolStats totals() const { return m_totals; }

signals:
    void started();
    /// The run ended: by stop() (no error), or by an error (a 401/403, a network failure).
    void finished(const std::optional<Core::Error> &error);

private:
    [[nodiscard]] Status launch();
    void handleCallFinished(const QString &tool, const QString &outcome, double friction,
                            const QString &band);
    void handleDriverFinished(const Traffic::Summary &summary);

    Engine *m_engine;
    QString m_subject = QStringLiteral("simulated-agent");
    Traffic::Mix m_mix;
    double m_rate = 10;
    QByteArray m_token;
    Traffic::Driver *m_driver = nullptr;
    QList<Traffic::ToolStats> m_counts;
    Traffic::ToolStats m_totals;
};

} // namespace Core
