#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QSet>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include "common/result.h"
#include "http/ssrfguard.h"
#include "traffic/mix.h"
#include "traffic/stats.h"

class QTimer;

namespace Http {
class Client;
class ClientReply;
class ExchangeLog;
struct ClientResponse;
} // namespace Http

/// Simulated agent traffic against an MCP server (Streamable HTTP).
namespace Traffic {

/// How a run is set up. A value object.
struct Options
{
    QUrl url;         ///< the MCP endpoint, e.g. http://127.0.0.1:9401/mcp
    QByteArray token; ///< bearer access token; never logged or shown whole
    Mix mix;          ///< tools and weights (see parseMix())
    double rate = 10; ///< calls per second, > 0 and <= 1000
    /// Run for this long (seconds, > 0) ...
    double durationSeconds = 0;
    /// ... or make this many calls (> 0). Exactly one of the two is set.
    qint64 calls = 0;
    int maxInFlight = 8; ///< calls waiting for an answer at once (1 to 256)
    /// Exponentially distributed gaps (a Poisson process) instead of evenly spaced calls.
    bool poisson = false;
    /// Asked for in initialize. 2026-07-28 and later select the stateless revision: no
    /// initialize and no session; server/discover first, then every request carries the
    /// version (MCP-Protocol-Version header and _meta) and Mcp-Method / Mcp-Name headers.
    QString protocolVersion = QStringLiteral("2025-11-25");
    /// Sent as `_meta.justification` when a call is refused for want of one (HIGH friction).
    QString justification = QStringLiteral("mcpauth traffic: simulated agent workload");
    std::optional<quint64> seed; ///< tool choice, arguments and Poisson gaps; unset: random
    std::chrono::milliseconds requestTimeout = std::chrono::seconds(10);
    Http::SsrfPolicy ssrfPolicy;                ///< loopback http is allowed by default
    QList<QSslCertificate> trustedCertificates; ///< trusted besides the system's CAs
    Http::ExchangeLog *exchangeLog = nullptr;   ///< not owned; every exchange is captured

    /// Every range; errors have the code "invalid_request" and name the option.
    [[nodiscard]] Core::Status validate() const;
};

/// Drives an MCP server with tool calls at a rate, picking tools by weight and building
/// realistic arguments: create_task gets generated titles; get_task, update_task and
/// delete_task use ids of tasks this run created and that still exist (creating one first
/// when there is none); echo gets text; any other tool empty arguments. A call refused
/// for want of a justification is retried once with `_meta.justification`.
///
/// Lives in the thread that created it and never blocks it: everything happens on the
/// event loop (the GUI runs it in its main thread). A 401 or 403 ends the run with an
/// error saying what the token lacks; a 404 on the session starts a new session once per
/// call. Owns its HTTP client. Delete it with deleteLater() when deleting from a slot
/// connected to one of its signals.
class Driver final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Driver)

public:
    explicit Driver(Options options, QObject *parent = nullptr);
    ~Driver() override;

    [[nodiscard]] const Options &options() const { return m_options; }

    /// Checks the options and the URL (SSRF policy) and starts the run: initialize, then
    /// calls. An error here means nothing started and finished() will not be emitted;
    /// otherwise finished() is emitted exactly once, later, from the event loop or stop().
    [[nodiscard]] Core::Status start();
    /// Cancels every request in flight and ends the run with the counts so far
    /// (Summary::stopped); finished() is emitted before this returns. No-op when idle.
    void stop();
    [[nodiscard]] bool isRunning() const;
    /// The counts so far (or the final ones).
    [[nodiscard]] Summary summary() const;

signals:
    /// One call ended. `outcome` is an outcomeName(); `friction` and `band` as the server
    /// reported them (-1 and empty when it did not).
    void callFinished(const QString &tool, const QString &outcome, double friction,
                      const QString &band);
    /// The MCP session is ready (after initialize); also after a re-initialization.
    void sessionStarted(const QString &protocolVersion);
    void finished(const Traffic::Summary &summary);

private:
    enum class State { Idle, Initializing, Running, Finished };
    struct Call;

    void initialize();
    void handleInitialized(const Core::Result<Http::ClientResponse> &result, qint64 rpcId);
    void sendNotificationInitialized();
    void beginCalls();
    void handleTick();
    void pump();
    void launchCall();
    void sendCall(const std::shared_ptr<Call> &call);
    void handleCallReply(const std::shared_ptr<Call> &call,
                         const Core::Result<Http::ClientResponse> &result);
    void handleSessionLost(const std::shared_ptr<Call> &call);
    void finishCall(const std::shared_ptr<Call> &call, Outcome outcome,
                    const QString &errorKind = {}, double friction = -1, const QString &band = {});
    void fail(Core::Error error);
    void maybeComplete();
    void endRun();
    /// Sends the JSON-RPC request `method` (a notification when `id` is 0) with the headers
    /// (and, stateless, the _meta) of the protocol in use; `handler` gets the result unless
    /// the run ends first.
    void post(const QString &method, QJsonObject params, qint64 id,
              std::function<void(const Core::Result<Http::ClientResponse> &)> handler);
    /// initialize (or server/discover) succeeded: start or resume the calls.
    void sessionReady();
    void abortRequests();
    [[nodiscard]] std::optional<Core::Error>
    authorizationFailure(const Http::ClientResponse &response, const QString &what) const;
    [[nodiscard]] QString pickTool();
    void buildArguments(Call &call);
    [[nodiscard]] double nextGap();
    [[nodiscard]] double elapsedSeconds() const;

    Options m_options;
    State m_state = State::Idle;
    Http::Client *m_client = nullptr;
    QTimer *m_tick = nullptr;
    std::unique_ptr<StatsRecorder> m_stats;
    struct Random;
    std::unique_ptr<Random> m_random;
    QElapsedTimer m_clock;
    double m_finalElapsed = -1;
    QSet<Http::ClientReply *> m_replies;

    QByteArray m_sessionId;
    QString m_protocolVersion;
    bool m_stateless = false; ///< MCP 2026-07-28 or later: no initialize, no session
    int m_sessionGeneration = 0;
    bool m_reinitializing = false;
    int m_reinitializations = 0;
    QList<std::shared_ptr<Call>> m_waitingForSession;

    qint64 m_nextRpcId = 1;
    double m_nextDue = 0;   ///< seconds since the first call fell due
    qint64 m_scheduled = 0; ///< calls that fell due
    qint64 m_backlog = 0;   ///< fell due, not yet sent (no free slot)
    qint64 m_notSent = 0;   ///< dropped from the backlog when the duration ended
    bool m_scheduleDone = false;
    int m_inFlight = 0;          ///< calls sent and not yet counted
    QList<qint64> m_freeTaskIds; ///< tasks created by this run, not being deleted
    bool m_stopped = false;
    std::optional<Core::Error> m_error;
};

} // namespace Traffic
