#pragma once

#include <memory>
#include <optional>

#include <QObject>
#include <QUrl>

#include "flow/types.h"
#include "http/client.h"

namespace Http {
class Client;
class ExchangeLog;
struct Exchange;
} // namespace Http

namespace Flow {

/// Something only the person at the keyboard can do.
struct UserAction
{
    enum class Kind {
        OpenBrowser,   ///< open `url` in the system browser; the loopback listener waits
        PasteRedirect, ///< open `url` anywhere, then call Walker::provideRedirectUrl()
    };
    Kind kind = Kind::OpenBrowser;
    QUrl url; ///< the authorization request (no secret in it: PKCE sends only the challenge)
    QString message;
};

/// Walks how an MCP client gets authorized against the MCP server at Options::serverUrl:
/// probe, Protected Resource Metadata, authorization server metadata, registration,
/// authorization (PKCE), token, authenticated MCP calls (with step-up on
/// insufficient_scope), refresh and revocation. Each step records its HTTP exchanges
/// (masked) and the spec checks it made.
///
/// Lives in the thread that creates it and never blocks: every request runs on the event
/// loop. start() runs the first step and stops (single-step mode: call next() for each
/// further step); runToEnd() runs every remaining step. The Walker owns its HTTP client,
/// its exchange log and the loopback redirect listener.
class Walker final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Walker)

public:
    explicit Walker(Options options, QObject *parent = nullptr);
    ~Walker() override;

    [[nodiscard]] const Options &options() const { return m_options; }
    /// The run so far (complete after finished()).
    [[nodiscard]] const Run &run() const { return m_run; }
    [[nodiscard]] bool isFinished() const;
    /// True while a step is in progress (false between steps in single-step mode).
    [[nodiscard]] bool isStepRunning() const { return m_stepRunning; }

    /// Starts the walk with its first step, then waits for next(). Once only.
    void start();
    /// Runs the next step. Ignored while a step runs or after the walk ended.
    void next();
    /// Runs every remaining step (starts the walk if needed).
    void runToEnd();
    /// Stops the walk: pending requests are aborted, finished() is emitted (Cancelled).
    void cancel();
    /// The redirect URL the browser was sent to (manual mode, or instead of waiting for
    /// the loopback listener in system mode).
    void provideRedirectUrl(const QUrl &url);

signals:
    void stepStarted(const Flow::Step &step);
    void stepFinished(const Flow::Step &step);
    void checkAdded(int stepIndex, const Flow::Check &check);
    void exchangeRecorded(int stepIndex, const Http::Exchange &exchange);
    void needsUser(const Flow::UserAction &action);
    void finished(const Flow::Run &run);
    /// Every HTTP response the walk received, unmasked (exchangeRecorded() carries the
    /// masked capture). For in-process viewers that reveal secrets on request: never log,
    /// store or export what this carries. Emitted before the walk acts on the response.
    void responseReceived(const Http::ClientResponse &response);

private:
    class Private;
    friend class Private;
    std::unique_ptr<Private> d;
    Options m_options;
    Run m_run;
    bool m_stepRunning = false;
};

} // namespace Flow

Q_DECLARE_METATYPE(Flow::Step)
Q_DECLARE_METATYPE(Flow::Check)
Q_DECLARE_METATYPE(Flow::Run)
Q_DECLARE_METATYPE(Flow::UserAction)
