#pragma once

#include <functional>
#include <memory>

#include <QDir>
#include <QSize>
#include <QString>

#include "common/result.h"

class QWidget;

namespace Core {
class Engine;
}

namespace Ui {
class MainWindow;
}

namespace Screenshots {

/// One panel's picture: the navigation index, the file name and what must be on screen
/// before the window is grabbed.
struct Shot
{
    int panel;        ///< Ui::MainWindow::Panel
    QString fileName; ///< "servers.png"
};

/// The seven pictures, in navigation order.
[[nodiscard]] QList<Shot> allShots();

/// Renders a picture of each panel of the real main window over a running engine. The
/// engine runs on a SQLite store in `workDir` (with its admin token file) on free loopback
/// ports; the content is made the way a user would make it: a PKCE walk from the Flows
/// panel (headless browser), client-credentials tokens, one revoked, a client and a user
/// added through the operator service, the agent simulator of the Friction panel with a
/// delete-heavy mix until delete_task is blocked. Each panel is shown, waited for until its
/// models hold the expected rows, and the whole window (at `size`) is grabbed to
/// `outputDir`/<panel>.png. The caller isolates QSettings and QStandardPaths (see main.cpp)
/// and owns the QApplication. Not copyable: owns the engine and the window.
class Session final
{
    Q_DISABLE_COPY_MOVE(Session)

public:
    Session(const QString &workDir, const QString &outputDir, QSize size);
    ~Session();

    /// How long the simulated agent runs once delete_task is blocked, so the charts show a
    /// stretch of history (default 20 s).
    void setAgentSeconds(int seconds) { m_agentSeconds = seconds; }

    /// Does everything; the error names the step that did not happen and how long it was
    /// waited for.
    Core::Status run();

private:
    Core::Status startServers();
    Core::Status walkPkce();
    Core::Status issueMachineTokens();
    Core::Status addClientAndUser();
    Core::Status driveFriction();
    Core::Status stopAgent();
    Core::Status prepare(int panel);
    Core::Status grab(const Shot &shot);
    /// Waits (processing events) until `condition` holds; the error says `what` did not.
    Core::Status waitFor(const std::function<bool()> &condition, const QString &what,
                         int timeoutMs = 30000);
    template <typename T>
    T *child(const char *objectName) const;

    QDir m_work;
    QDir m_output;
    QSize m_size;
    int m_agentSeconds = 20;
    std::unique_ptr<Core::Engine> m_engine;
    std::unique_ptr<Ui::MainWindow> m_window;
};

} // namespace Screenshots
