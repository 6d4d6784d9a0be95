#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace Core {
class Engine;
}

namespace Ui {

/// Starts and stops the embedded servers and shows where they listen. Edits the same
/// settings as `mcpauth serve` (Core::ServerConfig); validation happens in core.
class ServersPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServersPanel)

public:
    explicit ServersPanel(Core::Engine *engine, QWidget *parent = nullptr);

    /// Starts the engine with the settings in the form; errors show in the panel's banner.
    void startServers();

private:
    void handleStartStopClicked();
    void handleEngineStarted();
    void handleEngineStopped();
    void handleRevealToggled(bool reveal);
    void showError(const QString &message);
    void refresh();

    Core::Engine *m_engine;
    QLabel *m_state;
    QLabel *m_error;
    QLineEdit *m_bind;
    QSpinBox *m_asPort;
    QSpinBox *m_rsPort;
    QLineEdit *m_store;
    QLineEdit *m_asUrl;
    QLineEdit *m_rsUrl;
    QLineEdit *m_mcpUrl;
    QLineEdit *m_demoClient;
    QLineEdit *m_demoUser;
    QLineEdit *m_demoPassword;
    QToolButton *m_revealPassword;
    QLabel *m_autoApproveWarning;
    QPushButton *m_startStop;
};

} // namespace Ui
