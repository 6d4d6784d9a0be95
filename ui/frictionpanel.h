#pragma once

#include <optional>

#include <QWidget>

#include "common/result.h"
#include "friction/config.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSlider;
class QSpinBox;
class QSplitter;
class QTableView;
class QTableWidget;
class QTimer;

namespace Core {
class AgentSimulator;
class Engine;
class FrictionAdminClient;
class FrictionModel;
} // namespace Core

namespace Ui {

class FrictionChart;
class FrictionSortProxy;

/// Per-tool friction in real time, of the embedded engine or of a headless resource server
/// followed over its admin event stream: a table of tools (band coloured) for one
/// principal, charts of the selected tool's rate and friction against its thresholds, the
/// configuration editor (validated in core, applied through the admin API so the change is
/// audited) and an agent simulator. Events are aggregated by Core::FrictionModel in
/// batches; the charts are redrawn at most ten times a second, and only while visible.
class FrictionPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrictionPanel)

public:
    enum class Source { Embedded, Remote };

    explicit FrictionPanel(Core::Engine *engine, QWidget *parent = nullptr);
    ~FrictionPanel() override;

    [[nodiscard]] Core::FrictionModel *model() const { return m_model; }
    [[nodiscard]] QSplitter *splitter() const { return m_splitter; }
    [[nodiscard]] Source source() const;

private:
    void handleSourceChanged();
    void handleConnectClicked();
    void handleEngineStarted();
    void handleEngineStopped();
    void handleApplyClicked();
    void handleReloadClicked();
    void handleConfigFetched(const Friction::ControllerConfig &config);
    void handleConfigApplied(const Friction::ControllerConfig &config);
    void handleRequestFailed(const QString &operation, const Core::Error &error);
    void handleStreamOpened();
    void handleStreamEnded(const Core::Error &error);
    void handlePrincipalsChanged();
    void handlePrincipalPicked();
    void handleCurrentRowChanged();
    void handleSimulateClicked();
    void handleSimulatorFinished(const std::optional<Core::Error> &error);
    void handleRateChanged(int rate);
    void handleAddMixRow();
    void handleRemoveMixRow();
    void handleRefreshTick();
    void attachEmbedded();
    void showConfig(const Friction::ControllerConfig &config);
    void showError(const QString &message);
    void showConfigError(const QString &message);
    void setSourceState(const QString &text);
    void redrawCharts();
    void refreshSimulatorCounts();
    void updateSimulatorControls();
    [[nodiscard]] Core::Result<QString> mixText() const;

    Core::Engine *m_engine;
    Core::FrictionModel *m_model;
    FrictionSortProxy *m_proxy;
    Core::FrictionAdminClient *m_admin;
    Core::AgentSimulator *m_simulator;
    QTimer *m_refresh;

    QComboBox *m_source;
    QLineEdit *m_remoteUrl;
    QLineEdit *m_remoteToken;
    QPushButton *m_connect;
    QLabel *m_sourceState;
    QComboBox *m_principal;
    QLabel *m_error;
    QTableView *m_table;
    FrictionChart *m_rateChart;
    FrictionChart *m_levelChart;
    QLabel *m_chartTitle;
    QSplitter *m_splitter;

    QPlainTextEdit *m_configEditor;
    QLabel *m_configError;
    QLabel *m_configStatus;
    QPushButton *m_applyConfig;
    QPushButton *m_reloadConfig;

    QTableWidget *m_mixTable;
    QSlider *m_rateSlider;
    QSpinBox *m_rateBox;
    QPushButton *m_simulate;
    QLabel *m_simulatorState;
    QTableWidget *m_simulatorCounts;

    QString m_chartTool;
    qint64 m_drawnBatch = -1;
    QString m_drawnTool;
    QString m_drawnPrincipal;
};

} // namespace Ui
