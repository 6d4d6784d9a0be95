#pragma once

#include <QMainWindow>

class QListWidget;
class QProgressBar;
class QStackedWidget;
class QSplitter;

namespace Core {
class Engine;
}

namespace Ui {

class ServersPanel;
class Tour;
class TrafficPanel;

/// The main window: a navigation list on the left, one panel per area on the right.
/// Geometry, window state, splitters and the current panel persist in QSettings.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)

public:
    enum Panel {
        ServersPanelIndex,
        FlowsPanelIndex,
        TokensPanelIndex,
        ClientsPanelIndex,
        FrictionPanelIndex,
        TrafficPanelIndex,
        AuditPanelIndex,
        PanelCount
    };

    /// `engine` is not owned and must outlive the window.
    explicit MainWindow(Core::Engine *engine, QWidget *parent = nullptr);

    void showPanel(Panel panel);
    [[nodiscard]] Panel currentPanel() const;
    [[nodiscard]] ServersPanel *serversPanel() const { return m_serversPanel; }
    /// Starts the guided tour over the window (Help > Guided Tour); returns it (owned by
    /// the window, deleted when it ends). A running tour is returned as is.
    Tour *startTour();
    /// Starts the tour if it was never shown (QSettings "Tour/shown"); null otherwise.
    Tour *showTourIfFirstRun();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void createMenus();
    void restoreSettings();
    void saveSettings() const;
    void handleEngineStateChanged();
    void handleStartFailed();
    void handleAboutTriggered();

    Core::Engine *m_engine;
    QSplitter *m_splitter;
    QListWidget *m_navigation;
    QStackedWidget *m_panels;
    ServersPanel *m_serversPanel;
    TrafficPanel *m_trafficPanel;
    QProgressBar *m_starting; ///< in the status bar while the engine starts
    Tour *m_tour = nullptr;
};

} // namespace Ui
