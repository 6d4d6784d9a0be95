#pragma once

#include <optional>

#include <QHash>
#include <QWidget>

#include "common/result.h"
#include "serverconfig.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace Core {
class Engine;
}

namespace Ui {

class ConnectBox;

/// Starts and stops the embedded servers and shows where they listen. Edits the same
/// settings as `mcpauth serve` (Core::ServerConfig, the same JSON file); the config classes
/// validate, and their errors show next to the field they name. A change applies at the
/// next start, whole: the engine never runs a half-applied config. The last config that
/// started (or was imported) is kept in QSettings ("Servers/config").
class ServersPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServersPanel)

public:
    explicit ServersPanel(Core::Engine *engine, QWidget *parent = nullptr);

    /// Starts the engine with the settings in the form, the store opening off the UI thread
    /// (Core::Engine::startInBackground()): the panel shows "Starting…" with a busy
    /// indicator until the engine reports started() or startFailed(). Errors show next to
    /// their field or in the panel's banner, and then nothing starts.
    void startServers();
    /// Starts the servers if the "start on launch" setting is on (the default); returns
    /// whether it tried.
    bool autoStart();
    [[nodiscard]] static bool autoStartEnabled();

    /// The form's settings as a config, checked by Core::ServerConfig::fromJson (all of
    /// its field and cross-field rules); the error names the field.
    [[nodiscard]] Core::Result<Core::ServerConfig> formConfig() const;
    /// Writes the form's config to `path` as the CLI's JSON config file (QSaveFile).
    Core::Status exportConfig(const QString &path);
    /// Loads `path` into the form (applies at the next start).
    Core::Status importConfig(const QString &path);
    /// Opens the store URL in the form off the UI thread; storeTestFinished() reports.
    void testStoreConnection();

signals:
    void storeTestFinished(bool ok, const QString &message);

private:
    void buildForm();
    void loadForm(const Core::ServerConfig &config);
    void handleStartStopClicked();
    void handleImportClicked();
    void handleExportClicked();
    void handleEngineStateChanged();
    void handleStartFailed(const Core::Error &error);
    void handleRevealToggled(bool reveal);
    /// Shows `error` next to the field it names, else in the banner.
    void showConfigError(const Core::Error &error);
    void clearFieldErrors();
    void showError(const QString &message);
    void updatePaletteColours();
    void refresh();
    void changeEvent(QEvent *event) override;

    Core::Engine *m_engine;
    Core::ServerConfig m_base; ///< settings the form does not show are kept from here
    QLabel *m_state;
    QProgressBar *m_busy;
    QLabel *m_error;
    QLabel *m_pending;
    QLineEdit *m_bind;
    QSpinBox *m_asPort;
    QSpinBox *m_rsPort;
    QLineEdit *m_issuer;
    QCheckBox *m_tls;
    QLineEdit *m_fingerprint;
    QLineEdit *m_store;
    QPushButton *m_testStore;
    QLabel *m_storeResult;
    QComboBox *m_tokenFormat;
    QSpinBox *m_accessLifetime;
    QSpinBox *m_refreshLifetime;
    QSpinBox *m_codeLifetime;
    QSpinBox *m_tokenPerClient;
    QSpinBox *m_tokenPerAddress;
    QLineEdit *m_cors;
    QCheckBox *m_autoApprove;
    QCheckBox *m_autoStart;
    QLineEdit *m_asUrl;
    QLineEdit *m_rsUrl;
    QLineEdit *m_demoClient;
    QLineEdit *m_demoUser;
    QLineEdit *m_demoPassword;
    QToolButton *m_revealPassword;
    QLabel *m_autoApproveWarning;
    QPushButton *m_startStop;
    QPushButton *m_import;
    QPushButton *m_export;
    ConnectBox *m_connect;
    /// Field error labels by the config's field name ("bind", "authorization_server.cors_origins").
    QHash<QString, QLabel *> m_fieldErrors;
    int m_storeTests = 0;                         ///< running connection tests
    std::optional<Core::ServerConfig> m_starting; ///< the config of a start in progress
};

} // namespace Ui
