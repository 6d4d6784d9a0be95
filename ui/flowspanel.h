#pragma once

#include <functional>
#include <memory>
#include <optional>

#include <QPointer>
#include <QWidget>

#include "adminsupport.h"
#include "check/servercheck.h"
#include "flow/walker.h"
#include "flowinspect.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QFormLayout;
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
/// diagram (DPoP proofs labelled), the device flow's user code with a QR code, the decoded
/// access token with its signature checked against the AS's JWKS, and exports of the run
/// as JSON or HTML.
///
/// In audit mode it runs Flow::ServerCheck instead: tokens minted by the embedded
/// authorization server are sent to the target, one step per minted token, through the same
/// step list, exchange view and exports. Everything runs on the event loop (neither the
/// walker nor the check blocks). Owns its walker or check. Its splitter and column layout
/// are kept (restoreLayout()/saveLayout(), group "FlowsPanel").
class FlowsPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FlowsPanel)

public:
    explicit FlowsPanel(Core::Engine *engine, QWidget *parent = nullptr);
    ~FlowsPanel() override;

    /// What Run does: walk a flow as a client, or audit the server's token checks.
    enum class Mode { Walk, Audit };
    [[nodiscard]] Mode mode() const;
    void setMode(Mode mode);

    void setPrompts(Prompts prompts) { m_prompts = std::move(prompts); }
    /// Called on the options of each new walk before it starts (tests shorten the device
    /// grant's second with it). Audits take its transport settings: SSRF policy, trusted
    /// certificates and request timeout.
    void setOptionsAdjuster(std::function<void(Flow::Options &)> adjust)
    {
        m_adjustOptions = std::move(adjust);
    }

    /// The current walk, null before the first and while an audit is shown.
    [[nodiscard]] Flow::Walker *walker() const { return m_walker; }
    /// The current audit, null unless the last run was one.
    [[nodiscard]] Flow::ServerCheck *serverCheck() const { return m_check; }
    /// The run shown (walk or audit), null before the first.
    [[nodiscard]] const Flow::Run *currentRun() const;
    [[nodiscard]] SequenceDiagram *sequenceDiagram() const { return m_diagram; }
    [[nodiscard]] DeviceCodeView *deviceCodeView() const { return m_device; }
    [[nodiscard]] JwtView *jwtView() const { return m_jwt; }
    [[nodiscard]] ExchangeDetailView *exchangeView() const { return m_exchangeView; }

    /// Starts a new walk (or audit, in audit mode) with the form's settings and runs it to
    /// the end.
    void runFlow();
    /// Runs the next step (starting a new walk when none is in progress). Walks only.
    void stepFlow();
    void cancelFlow();
    /// Asks for a file and writes the last run there as JSON or as an HTML report.
    void exportJson();
    void exportHtml();

signals:
    /// A walk or an audit ended (any outcome).
    void flowFinished(const Flow::Run &run);

private:
    enum ItemKind { StepItem = 1, CheckItem, ExchangeItem };

    [[nodiscard]] bool startWalker();
    [[nodiscard]] bool startServerCheck();
    /// The target URL of the form, or nullopt (with the banner saying why).
    [[nodiscard]] std::optional<QUrl> targetUrl();
    /// Fills the walk options the grant controls set; false (field errors shown) when they
    /// are incomplete.
    [[nodiscard]] bool grantOptions(Flow::Options &options);
    /// Forgets the shown run and empties every view.
    void clearRun();
    [[nodiscard]] bool isRunning() const;
    [[nodiscard]] QUrl runServerUrl() const;
    void updateControls();
    void updateRows();
    void handleTargetChanged();
    void handleStepStarted(const Flow::Step &step);
    void handleStepFinished(const Flow::Step &step);
    void handleCheckAdded(int stepIndex, const Flow::Check &check);
    void handleExchange(int stepIndex, const Http::Exchange &exchange);
    void handleNeedsUser(const Flow::UserAction &action);
    void handleFinished(const Flow::Run &run);
    void handleResponse(const Http::ClientResponse &response);
    /// Keeps a raw secret of the run for an explicit reveal.
    void handleSecret(const QByteArray &secret);
    /// A token an audit sends: kept for the reveal; the accepted one decoded.
    void handleAuditToken(const QByteArray &token);
    void handleSelection();
    void showExchange(int stepIndex, quint64 exchangeId);
    void fetchJwks();
    void provideRedirect();
    void exportRun(bool html);
    [[nodiscard]] QTreeWidgetItem *stepItem(int index) const;
    [[nodiscard]] const Flow::Step *stepOf(int index) const;

    Core::Engine *m_engine;
    QPointer<Flow::ServerCheck> m_check;
    Prompts m_prompts = Prompts::interactive();
    std::function<void(Flow::Options &)> m_adjustOptions;
    QPointer<Flow::Walker> m_walker;
    Core::SecretVault m_vault;
    QByteArray m_accessToken; ///< raw, in memory only, for the JWT view
    Http::Client *m_jwksClient;
    bool m_jwksRequested = false;

    QFormLayout *m_form;
    QComboBox *m_mode;
    QComboBox *m_target;
    QLineEdit *m_serverUrl;
    QComboBox *m_grant;
    QComboBox *m_browser;
    QLineEdit *m_username;
    QLineEdit *m_password;
    QLineEdit *m_clientId;
    QLineEdit *m_clientSecret;
    QLineEdit *m_scope;
    QLineEdit *m_privateKeyFile;
    QComboBox *m_assertionSource;
    QLineEdit *m_assertion;
    QLineEdit *m_idpTokenEndpoint;
    QLineEdit *m_idpClientId;
    QCheckBox *m_dpop;
    QCheckBox *m_keepClient;
    /// Registered clients kept per issuer across walks (created on first use).
    std::shared_ptr<Flow::CredentialStore> m_credentialStore;
    QLabel *m_grantError;
    QComboBox *m_tokenFormats;
    QCheckBox *m_assumeTrusted;
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
