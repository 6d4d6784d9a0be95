#pragma once

#include <functional>
#include <memory>

#include <QPointer>
#include <QWidget>

#include "adminsupport.h"
#include "flow/walker.h"
#include "flowinspect.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTabWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace Core {
class Engine;
}

namespace Http {
class Client;
}

namespace Ui {

class DeviceCodeView;
class ExchangeDetailView;
class JwtView;
class SequenceDiagram;

/// Walks an MCP authorization flow (Flow::Walker) against the embedded MCP server or any
/// URL and shows it live: the step list with each step's checks (verdict and cited rule)
/// and exchanges, the exchange transcript (masked, with an explicit reveal), a sequence
/// diagram, the device flow's user code with a QR code, the decoded access token with its
/// signature checked against the AS's JWKS, and exports of the run as JSON or HTML.
/// Everything runs on the event loop (the walker never blocks). Owns its walker.
class FlowsPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FlowsPanel)

public:
    explicit FlowsPanel(Core::Engine *engine, QWidget *parent = nullptr);
    ~FlowsPanel() override;

    void setPrompts(Prompts prompts) { m_prompts = std::move(prompts); }
    /// Called on the options of each new walk before it starts (tests shorten the device
    /// grant's second with it).
    void setOptionsAdjuster(std::function<void(Flow::Options &)> adjust)
    {
        m_adjustOptions = std::move(adjust);
    }

    /// The current walk, null before the first.
    [[nodiscard]] Flow::Walker *walker() const { return m_walker; }
    [[nodiscard]] SequenceDiagram *sequenceDiagram() const { return m_diagram; }
    [[nodiscard]] DeviceCodeView *deviceCodeView() const { return m_device; }
    [[nodiscard]] JwtView *jwtView() const { return m_jwt; }
    [[nodiscard]] ExchangeDetailView *exchangeView() const { return m_exchangeView; }

    /// Starts a new walk with the form's settings and runs it to the end.
    void runFlow();
    /// Runs the next step (starting a new walk when none is in progress).
    void stepFlow();
    void cancelFlow();
    /// Asks for a file and writes the last run there as JSON or as an HTML report.
    void exportJson();
    void exportHtml();

signals:
    /// A walk ended (any outcome).
    void flowFinished(const Flow::Run &run);

private:
    enum ItemKind { StepItem = 1, CheckItem, ExchangeItem };

    [[nodiscard]] bool startWalker();
    void updateControls();
    void handleTargetChanged();
    void handleStepStarted(const Flow::Step &step);
    void handleStepFinished(const Flow::Step &step);
    void handleCheckAdded(int stepIndex, const Flow::Check &check);
    void handleExchange(int stepIndex, const Http::Exchange &exchange);
    void handleNeedsUser(const Flow::UserAction &action);
    void handleFinished(const Flow::Run &run);
    void handleResponse(const Http::ClientResponse &response);
    void handleSelection();
    void showExchange(int stepIndex, quint64 exchangeId);
    void fetchJwks();
    void provideRedirect();
    void exportRun(bool html);
    [[nodiscard]] QTreeWidgetItem *stepItem(int index) const;
    [[nodiscard]] const Flow::Step *stepOf(int index) const;

    Core::Engine *m_engine;
    Prompts m_prompts = Prompts::interactive();
    std::function<void(Flow::Options &)> m_adjustOptions;
    QPointer<Flow::Walker> m_walker;
    Core::SecretVault m_vault;
    QByteArray m_accessToken; ///< raw, in memory only, for the JWT view
    Http::Client *m_jwksClient;
    bool m_jwksRequested = false;

    QComboBox *m_target;
    QLineEdit *m_serverUrl;
    QComboBox *m_grant;
    QComboBox *m_browser;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_clientId;
    QLineEdit *m_clientSecret;
    QLineEdit *m_scope;
    QPushButton *m_run;
    QPushButton *m_step;
    QPushButton *m_cancel;
    QPushButton *m_exportJson;
    QPushButton *m_exportHtml;
    QLabel *m_status;
    QLabel *m_banner;
    QWidget *m_redirectBox;
    QLabel *m_redirectHint;
    QLineEdit *m_redirectUrl;
    QTreeWidget *m_steps;
    QTabWidget *m_tabs;
    SequenceDiagram *m_diagram;
    ExchangeDetailView *m_exchangeView;
    QCheckBox *m_reveal;
    QTreeWidget *m_checks;
    DeviceCodeView *m_device;
    JwtView *m_jwt;
};

} // namespace Ui
