#include "flowspanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDesktopServices>
#include <QFile>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "crypto/jwks.h"
#include "devicecodeview.h"
#include "engine.h"
#include "exchangedetailview.h"
#include "flow/credentialstore.h"
#include "http/client.h"
#include "jwtview.h"
#include "sequencediagram.h"

namespace Ui {

namespace {

constexpr int kKindRole = Qt::UserRole;
constexpr int kStepRole = Qt::UserRole + 1;
constexpr int kExchangeRole = Qt::UserRole + 2;
const QString kLayoutGroup = QStringLiteral("FlowsPanel");

/// Rows of the settings form, in order.
enum FormRow { TargetRow, GrantRow, LoginRow, ClientRow, AssertionRow, ErrorRow, AuditRow };
/// Where a JWT bearer walk gets its assertion.
enum AssertionSource { PastedAssertion, AssertionFile, IdpExchange };

/// A compact JWS (RFC 7515 §7.1): three base64url parts, the first two non-empty.
bool looksLikeJwt(const QString &text)
{
    static const QRegularExpression jws(
        QStringLiteral("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$"));
    return jws.match(text).hasMatch();
}

/// A file the user named (a key or an assertion): at most 64 KiB, so a wrong path to a
/// large file is refused rather than read.
Core::Result<QByteArray> readSmallFile(const QString &path)
{
    constexpr qint64 kMaxBytes = 64 * 1024;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Core::makeError(QStringLiteral("io_error"), file.errorString());
    if (file.size() > kMaxBytes)
        return Core::makeError(QStringLiteral("invalid_request"),
                               QObject::tr("it is larger than 64 KiB"));
    return file.readAll();
}

QColor verdictColor(Flow::Verdict verdict)
{
    switch (verdict) {
    case Flow::Verdict::Pass:
        return QColor(0x18, 0x80, 0x38);
    case Flow::Verdict::Warn:
        return QColor(0xc7, 0x7c, 0x00);
    case Flow::Verdict::Fail:
        return QColor(0xc6, 0x28, 0x28);
    case Flow::Verdict::Skip:
        break;
    }
    return QColor(0x80, 0x80, 0x80);
}

QString stepStatusText(Flow::StepStatus status)
{
    switch (status) {
    case Flow::StepStatus::Pending:
        return QObject::tr("pending");
    case Flow::StepStatus::Running:
        return QObject::tr("running…");
    case Flow::StepStatus::Passed:
        return QObject::tr("✔ pass");
    case Flow::StepStatus::Warning:
        return QObject::tr("⚠ warn");
    case Flow::StepStatus::Failed:
        return QObject::tr("✖ fail");
    case Flow::StepStatus::Skipped:
        return QObject::tr("skipped");
    }
    return {};
}

QString verdictText(Flow::Verdict verdict)
{
    switch (verdict) {
    case Flow::Verdict::Pass:
        return QObject::tr("✔ pass");
    case Flow::Verdict::Warn:
        return QObject::tr("⚠ warn");
    case Flow::Verdict::Fail:
        return QObject::tr("✖ fail");
    case Flow::Verdict::Skip:
        return QObject::tr("skip");
    }
    return {};
}

QLineEdit *makeField(const QString &objectName, const QString &accessibleName, QWidget *parent)
{
    auto *edit = new QLineEdit(parent);
    edit->setObjectName(objectName);
    edit->setAccessibleName(accessibleName);
    return edit;
}

QPushButton *makeButton(const QString &objectName, const QString &text, QWidget *parent)
{
    auto *button = new QPushButton(text, parent);
    button->setObjectName(objectName);
    button->setAccessibleName(QString(text).remove(QLatin1Char('&')));
    return button;
}

QString exchangeLabel(const Http::Exchange &exchange)
{
    const QUrl url(exchange.url);
    return QString::fromLatin1(exchange.method) + QLatin1Char(' ') +
           url.toString(QUrl::RemoveQuery | QUrl::RemoveFragment) + QStringLiteral(" → ") +
           (exchange.status > 0 ? QString::number(exchange.status) : exchange.error);
}

} // namespace

FlowsPanel::FlowsPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_jwksClient(new Http::Client(this))
    , m_form(new QFormLayout)
    , m_mode(new QComboBox(this))
    , m_target(new QComboBox(this))
    , m_serverUrl(makeField(QStringLiteral("flowServerUrl"), tr("MCP server URL"), this))
    , m_grant(new QComboBox(this))
    , m_browser(new QComboBox(this))
    , m_username(makeField(QStringLiteral("flowUsername"), tr("Username"), this))
    , m_password(makeField(QStringLiteral("flowPassword"), tr("Password"), this))
    , m_clientId(makeField(QStringLiteral("flowClientId"), tr("Client ID"), this))
    , m_clientSecret(makeField(QStringLiteral("flowClientSecret"), tr("Client secret"), this))
    , m_scope(makeField(QStringLiteral("flowScope"), tr("Scope"), this))
    , m_privateKeyFile(
          makeField(QStringLiteral("flowPrivateKeyFile"), tr("Client private key file"), this))
    , m_assertionSource(new QComboBox(this))
    , m_assertion(makeField(QStringLiteral("flowAssertion"), tr("Assertion"), this))
    , m_idpTokenEndpoint(
          makeField(QStringLiteral("flowIdpTokenEndpoint"), tr("IdP token endpoint"), this))
    , m_idpClientId(makeField(QStringLiteral("flowIdpClientId"), tr("Client ID at the IdP"), this))
    , m_dpop(new QCheckBox(tr("&DPoP"), this))
    , m_keepClient(new QCheckBox(tr("&Keep client"), this))
    , m_grantError(makeFieldError(QStringLiteral("flowGrantError"), this))
    , m_tokenFormats(new QComboBox(this))
    , m_assumeTrusted(
          new QCheckBox(tr("The server trusts the embedded authorization server"), this))
    , m_run(makeButton(QStringLiteral("flowRun"), tr("&Run"), this))
    , m_step(makeButton(QStringLiteral("flowStep"), tr("S&tep"), this))
    , m_cancel(makeButton(QStringLiteral("flowCancel"), tr("&Cancel"), this))
    , m_exportJson(makeButton(QStringLiteral("flowExportJson"), tr("Export &JSON…"), this))
    , m_exportHtml(makeButton(QStringLiteral("flowExportHtml"), tr("Export &HTML…"), this))
    , m_status(new QLabel(this))
    , m_banner(makeErrorBanner(QStringLiteral("flowBanner"), this))
    , m_redirectBox(new QWidget(this))
    , m_redirectHint(new QLabel(m_redirectBox))
    , m_redirectUrl(makeField(QStringLiteral("flowRedirectUrl"), tr("Redirect URL"), m_redirectBox))
    , m_steps(new QTreeWidget(this))
    , m_tabs(new QTabWidget(this))
    , m_diagram(new SequenceDiagram(this))
    , m_exchangeView(new ExchangeDetailView(this))
    , m_reveal(new QCheckBox(tr("Re&veal secrets"), this))
    , m_checks(new QTreeWidget(this))
    , m_device(new DeviceCodeView(this))
    , m_jwt(new JwtView(this))
{
    m_mode->setObjectName(QStringLiteral("flowMode"));
    m_mode->setAccessibleName(tr("Mode"));
    m_mode->addItem(tr("Walk a flow"), QVariant::fromValue(int(Mode::Walk)));
    m_mode->addItem(tr("Audit the server's token checks"), QVariant::fromValue(int(Mode::Audit)));
    m_mode->setToolTip(
        tr("Walk a flow: act as an MCP client and check each step against the specs.\n"
           "Audit: send the server tokens minted by the embedded authorization server that it "
           "must refuse (for another resource, expired, revoked, lacking a scope, signed by an "
           "unknown key, alg none, tampered, in the query string) and one it must accept, and "
           "check each answer's status and WWW-Authenticate challenge."));

    m_target->setObjectName(QStringLiteral("flowTarget"));
    m_target->setAccessibleName(tr("Target"));
    m_target->addItem(tr("Embedded MCP server"));
    m_target->addItem(tr("MCP server at a URL"));
    m_serverUrl->setPlaceholderText(tr("https://mcp.example.com/mcp"));

    m_grant->setObjectName(QStringLiteral("flowGrant"));
    m_grant->setAccessibleName(tr("Grant"));
    m_grant->addItem(tr("Authorization code with PKCE"),
                     QVariant::fromValue(int(Flow::Grant::AuthorizationCode)));
    m_grant->addItem(tr("Device authorization (RFC 8628)"),
                     QVariant::fromValue(int(Flow::Grant::Device)));
    m_grant->addItem(tr("Client credentials"),
                     QVariant::fromValue(int(Flow::Grant::ClientCredentials)));
    m_grant->addItem(tr("JWT bearer assertion (RFC 7523)"),
                     QVariant::fromValue(int(Flow::Grant::JwtBearer)));
    m_grant->setItemData(m_grant->count() - 1,
                         tr("Trade an assertion (a workload identity token, or an identity "
                            "assertion grant from your IdP) for an access token, as a client "
                            "the authorization server knows."),
                         Qt::ToolTipRole);

    m_browser->setObjectName(QStringLiteral("flowBrowser"));
    m_browser->setAccessibleName(tr("Browser"));
    m_browser->addItem(tr("System browser"), QVariant::fromValue(int(Flow::BrowserMode::System)));
    m_browser->addItem(tr("Manual (paste the redirect)"),
                       QVariant::fromValue(int(Flow::BrowserMode::Manual)));
    m_browser->addItem(tr("Headless (log in as the user)"),
                       QVariant::fromValue(int(Flow::BrowserMode::Headless)));

    m_password->setEchoMode(QLineEdit::Password);
    m_clientSecret->setEchoMode(QLineEdit::Password);
    m_clientId->setPlaceholderText(tr("empty: register dynamically"));
    m_scope->setPlaceholderText(tr("empty: from the challenge or the metadata"));
    m_privateKeyFile->setPlaceholderText(tr("optional: private key PEM file"));
    m_privateKeyFile->setToolTip(
        tr("A pre-registered client that authenticates with private_key_jwt (RFC 7523 §2.2) "
           "signs its token requests with this key instead of sending a secret. The key is "
           "never exported."));

    m_assertionSource->setObjectName(QStringLiteral("flowAssertionSource"));
    m_assertionSource->setAccessibleName(tr("Assertion source"));
    m_assertionSource->addItem(tr("Assertion (paste)"));
    m_assertionSource->addItem(tr("Assertion file"));
    m_assertionSource->addItem(tr("ID token exchanged at an IdP"));
    m_assertionSource->setToolTip(
        tr("Where the JWT bearer grant's assertion comes from: pasted, read from a file (a "
           "workload identity token such as a projected service account token, SEP-1933), or "
           "obtained first by exchanging the user's ID token at the IdP for an identity "
           "assertion grant (RFC 8693, SEP-990)."));
    m_assertion->setToolTip(tr("Never exported; masked in the exchanges."));
    m_idpTokenEndpoint->setPlaceholderText(tr("https://idp.example.com/token"));
    m_idpTokenEndpoint->setToolTip(
        tr("The IdP's token endpoint, where the ID token is exchanged (RFC 8693) for an "
           "identity assertion grant addressed to the MCP server's authorization server."));
    m_idpClientId->setPlaceholderText(tr("optional: client ID at the IdP"));
    m_dpop->setObjectName(QStringLiteral("flowDpop"));
    m_dpop->setAccessibleName(tr("DPoP"));
    m_dpop->setToolTip(
        tr("Bind the tokens to a key made for this walk (RFC 9449): each token request and "
           "MCP call carries a DPoP proof, labelled in the sequence diagram, so a stolen token "
           "is useless on its own. Used when the authorization server advertises "
           "dpop_signing_alg_values_supported; otherwise the walk warns and uses bearer "
           "tokens."));
    m_keepClient->setObjectName(QStringLiteral("flowKeepClient"));
    m_keepClient->setAccessibleName(tr("Keep the registered client"));
    m_keepClient->setChecked(true);
    m_keepClient->setToolTip(
        tr("Keep the client a walk registers, per authorization server (in the OS keychain "
           "when one answers, else in a file only you can read), and reuse it in later walks; "
           "a server that forgets it, or a change of authorization server, registers anew. "
           "Untick to register a new client on every walk."));
    m_tokenFormats->setObjectName(QStringLiteral("flowTokenFormats"));
    m_tokenFormats->setAccessibleName(tr("Token formats"));
    m_tokenFormats->addItem(tr("JWT and opaque tokens"));
    m_tokenFormats->addItem(tr("JWT only"));
    m_tokenFormats->addItem(tr("Opaque only"));
    m_tokenFormats->setToolTip(tr("Formats of the minted tokens. A server that verifies JWTs "
                                  "locally cannot read opaque tokens: those cases are skipped."));
    m_assumeTrusted->setObjectName(QStringLiteral("flowAssumeTrusted"));
    m_assumeTrusted->setAccessibleName(tr("Assume the server trusts the embedded AS"));
    m_assumeTrusted->setToolTip(
        tr("Audit even when the server's Protected Resource Metadata does not name the "
           "embedded authorization server (you configured the server to trust it)."));
    m_status->setObjectName(QStringLiteral("flowStatus"));
    m_status->setAccessibleName(tr("Flow status"));
    m_status->setWordWrap(true);

    // As few rows as the walk needs: the window's minimum height follows the tallest panel.
    auto *targetRow = new QHBoxLayout;
    targetRow->addWidget(m_mode);
    targetRow->addWidget(m_target);
    targetRow->addWidget(m_serverUrl, 1);
    m_form->addRow(tr("Target"), targetRow);
    auto *grantRow = new QHBoxLayout;
    grantRow->addWidget(m_grant, 1);
    grantRow->addWidget(new QLabel(tr("Browser"), this));
    grantRow->addWidget(m_browser, 1);
    grantRow->addWidget(m_dpop);
    m_form->addRow(tr("Grant"), grantRow);
    auto *loginRow = new QHBoxLayout;
    loginRow->addWidget(m_username);
    loginRow->addWidget(m_password);
    m_form->addRow(tr("Login (headless)"), loginRow);
    auto *clientRow = new QHBoxLayout;
    clientRow->addWidget(m_clientId);
    clientRow->addWidget(m_clientSecret);
    clientRow->addWidget(m_scope);
    clientRow->addWidget(m_privateKeyFile);
    clientRow->addWidget(m_keepClient);
    m_form->addRow(tr("Client"), clientRow);
    auto *assertionRow = new QHBoxLayout;
    assertionRow->addWidget(m_assertionSource);
    assertionRow->addWidget(m_assertion, 2);
    assertionRow->addWidget(m_idpTokenEndpoint, 2);
    assertionRow->addWidget(m_idpClientId, 1);
    m_form->addRow(tr("Assertion"), assertionRow);
    m_form->addRow(m_grantError); // hidden (no space taken) until a setting is refused
    auto *auditRow = new QHBoxLayout;
    auditRow->addWidget(m_tokenFormats);
    auditRow->addWidget(m_assumeTrusted, 1);
    m_form->addRow(tr("Audit"), auditRow);

    auto *buttons = new QHBoxLayout;
    for (QPushButton *button : {m_run, m_step, m_cancel})
        buttons->addWidget(button);
    buttons->addWidget(m_status, 1);
    buttons->addWidget(m_exportJson);
    buttons->addWidget(m_exportHtml);

    m_redirectBox->setObjectName(QStringLiteral("flowRedirectBox"));
    m_redirectHint->setWordWrap(true);
    m_redirectHint->setOpenExternalLinks(true);
    m_redirectHint->setTextInteractionFlags(Qt::TextBrowserInteraction);
    auto *provide = makeButton(QStringLiteral("flowProvideRedirect"), tr("Continue"), this);
    auto *redirectLayout = new QHBoxLayout(m_redirectBox);
    redirectLayout->setContentsMargins(0, 0, 0, 0);
    redirectLayout->addWidget(m_redirectHint, 2);
    redirectLayout->addWidget(m_redirectUrl, 2);
    redirectLayout->addWidget(provide);
    m_redirectBox->hide();

    m_steps->setObjectName(QStringLiteral("flowSteps"));
    m_steps->setAccessibleName(tr("Steps"));
    m_steps->setHeaderLabels({tr("Step"), tr("Verdict"), tr("Summary")});
    m_steps->setUniformRowHeights(true);
    m_steps->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);

    m_checks->setObjectName(QStringLiteral("flowChecks"));
    m_checks->setAccessibleName(tr("Checks of the step"));
    m_checks->setHeaderLabels({tr("Rule"), tr("Level"), tr("Verdict"), tr("Explanation")});
    m_checks->setRootIsDecorated(false);
    m_checks->setWordWrap(true);

    m_diagram->setObjectName(QStringLiteral("sequenceDiagram"));
    auto *diagramScroll = new QScrollArea(this);
    diagramScroll->setObjectName(QStringLiteral("sequenceScroll"));
    diagramScroll->setWidgetResizable(true);
    diagramScroll->setWidget(m_diagram);

    m_exchangeView->setObjectName(QStringLiteral("flowExchangeView"));
    m_exchangeView->setAccessibleName(tr("Exchange"));
    m_exchangeView->setSecretVault(&m_vault);
    m_reveal->setObjectName(QStringLiteral("flowRevealSecrets"));
    m_reveal->setAccessibleName(tr("Reveal secrets"));
    m_reveal->setToolTip(tr("Show the tokens, codes and secrets this walk received in full. "
                            "They are never exported."));
    auto *exchangePage = new QWidget(this);
    auto *exchangeLayout = new QVBoxLayout(exchangePage);
    exchangeLayout->addWidget(m_reveal);
    exchangeLayout->addWidget(m_exchangeView, 1);

    m_device->setObjectName(QStringLiteral("deviceCodeView"));
    m_jwt->setObjectName(QStringLiteral("jwtView"));

    m_tabs->setObjectName(QStringLiteral("flowTabs"));
    m_tabs->addTab(diagramScroll, tr("Sequence"));
    m_tabs->addTab(m_checks, tr("Checks"));
    m_tabs->addTab(exchangePage, tr("Exchange"));
    m_tabs->addTab(m_device, tr("Device code"));
    m_tabs->addTab(m_jwt, tr("Access token"));

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(QStringLiteral("flowSplitter"));
    splitter->addWidget(m_steps);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_banner);
    layout->addLayout(m_form);
    layout->addLayout(buttons);
    layout->addWidget(m_redirectBox);
    layout->addWidget(splitter, 1);

    connect(m_target, &QComboBox::currentIndexChanged, this, &FlowsPanel::handleTargetChanged);
    for (QComboBox *box : {m_mode, m_grant, m_assertionSource})
        connect(box, &QComboBox::currentIndexChanged, this, &FlowsPanel::updateRows);
    connect(m_run, &QPushButton::clicked, this, &FlowsPanel::runFlow);
    connect(m_step, &QPushButton::clicked, this, &FlowsPanel::stepFlow);
    connect(m_cancel, &QPushButton::clicked, this, &FlowsPanel::cancelFlow);
    connect(m_exportJson, &QPushButton::clicked, this, &FlowsPanel::exportJson);
    connect(m_exportHtml, &QPushButton::clicked, this, &FlowsPanel::exportHtml);
    connect(provide, &QPushButton::clicked, this, &FlowsPanel::provideRedirect);
    connect(m_redirectUrl, &QLineEdit::returnPressed, this, &FlowsPanel::provideRedirect);
    connect(m_reveal, &QCheckBox::toggled, m_exchangeView, &ExchangeDetailView::setRevealed);
    connect(m_steps, &QTreeWidget::itemSelectionChanged, this, &FlowsPanel::handleSelection);
    connect(m_diagram, &SequenceDiagram::exchangeActivated, this, &FlowsPanel::showExchange);
    if (m_engine) {
        connect(m_engine, &Core::Engine::started, this, &FlowsPanel::handleTargetChanged);
        connect(m_engine, &Core::Engine::stopped, this, &FlowsPanel::updateControls);
    }
    updateRows();
    handleTargetChanged();
    restoreLayout(this, kLayoutGroup);
}

FlowsPanel::~FlowsPanel()
{
    saveLayout(this, kLayoutGroup);
    // The walker aborts its requests as it goes; nothing of it may reach a half-destroyed
    // panel.
    if (m_walker) {
        m_walker->disconnect(this);
        delete m_walker;
    }
    if (m_check) {
        m_check->disconnect(this);
        delete m_check;
    }
}

FlowsPanel::Mode FlowsPanel::mode() const
{
    return Mode(m_mode->currentData().toInt());
}

void FlowsPanel::setMode(Mode mode)
{
    m_mode->setCurrentIndex(m_mode->findData(int(mode)));
}

const Flow::Run *FlowsPanel::currentRun() const
{
    if (m_check)
        return &m_check->run();
    if (m_walker)
        return &m_walker->run();
    return nullptr;
}

bool FlowsPanel::isRunning() const
{
    return (m_walker && !m_walker->isFinished()) || (m_check && !m_check->isFinished());
}

QUrl FlowsPanel::runServerUrl() const
{
    if (m_check)
        return m_check->options().serverUrl;
    if (m_walker)
        return m_walker->options().serverUrl;
    return {};
}

void FlowsPanel::updateRows()
{
    const bool audit = mode() == Mode::Audit;
    const auto grant = Flow::Grant(m_grant->currentData().toInt());
    const bool jwtBearer = !audit && grant == Flow::Grant::JwtBearer;
    m_form->setRowVisible(GrantRow, !audit);
    m_form->setRowVisible(LoginRow, !audit);
    m_form->setRowVisible(ClientRow, !audit);
    m_form->setRowVisible(AssertionRow, jwtBearer);
    m_form->setRowVisible(AuditRow, audit);
    const int source = m_assertionSource->currentIndex();
    // After setRowVisible(), which shows every widget of a row it shows.
    m_idpTokenEndpoint->setVisible(jwtBearer && source == IdpExchange);
    m_idpClientId->setVisible(jwtBearer && source == IdpExchange);
    m_assertion->setEchoMode(source == AssertionFile ? QLineEdit::Normal : QLineEdit::Password);
    m_assertion->setPlaceholderText(source == PastedAssertion ? tr("the assertion (a signed JWT)")
                                    : source == AssertionFile
                                        ? tr("file holding the assertion")
                                        : tr("the user's ID token at the IdP"));
    setFieldError(m_grantError, QString());
    updateControls();
}

void FlowsPanel::handleTargetChanged()
{
    const bool embedded = m_target->currentIndex() == 0;
    m_serverUrl->setReadOnly(embedded);
    if (embedded && m_engine && m_engine->isRunning()) {
        m_serverUrl->setText(m_engine->mcpResourceUri());
        if (m_username->text().isEmpty())
            m_username->setText(m_engine->demoUsername());
        if (m_password->text().isEmpty())
            m_password->setText(m_engine->demoPassword());
    } else if (embedded) {
        m_serverUrl->clear();
        m_serverUrl->setPlaceholderText(tr("start the servers first"));
    }
    updateControls();
}

void FlowsPanel::updateControls()
{
    const bool running = isRunning();
    const bool stepping = running && (m_check || m_walker->isStepRunning());
    m_run->setEnabled(!stepping);
    m_step->setEnabled(!stepping && mode() == Mode::Walk);
    m_step->setToolTip(mode() == Mode::Walk ? tr("Run the next step of the walk only")
                                            : tr("An audit runs all its cases at once"));
    m_cancel->setEnabled(running);
    const bool done = (m_walker && m_walker->isFinished()) || (m_check && m_check->isFinished());
    m_exportJson->setEnabled(done);
    m_exportHtml->setEnabled(done);
    for (QWidget *w : std::initializer_list<QWidget *>{
             m_mode, m_target, m_grant, m_username, m_password, m_clientId, m_clientSecret, m_scope,
             m_privateKeyFile, m_assertionSource, m_assertion, m_idpTokenEndpoint, m_idpClientId,
             m_dpop, m_tokenFormats, m_assumeTrusted})
        w->setEnabled(!running);
    const auto grant = Flow::Grant(m_grant->currentData().toInt());
    m_browser->setEnabled(
        !running && (grant == Flow::Grant::AuthorizationCode || grant == Flow::Grant::Device));
    m_serverUrl->setEnabled(!running);
}

std::optional<QUrl> FlowsPanel::targetUrl()
{
    if (m_target->currentIndex() == 0) {
        if (!m_engine || !m_engine->isRunning()) {
            showBanner(m_banner, tr("The embedded servers are not running: start them in the "
                                    "Servers panel, or choose an MCP server URL."));
            return std::nullopt;
        }
        return QUrl(m_engine->mcpResourceUri());
    }
    const QString text = m_serverUrl->text().trimmed();
    const QUrl url = QUrl::fromUserInput(text);
    const QString scheme = url.scheme();
    if (text.isEmpty() || !url.isValid() ||
        (scheme != QLatin1String("http") && scheme != QLatin1String("https"))) {
        showBanner(m_banner, tr("Enter the MCP server's http:// or https:// URL."));
        return std::nullopt;
    }
    return url;
}

bool FlowsPanel::grantOptions(Flow::Options &options)
{
    const auto refuse = [this](QLineEdit *field, const QString &message) {
        setFieldError(m_grantError, message);
        field->setFocus();
        return false;
    };
    options.grant = Flow::Grant(m_grant->currentData().toInt());
    options.browser = Flow::BrowserMode(m_browser->currentData().toInt());
    options.username = m_username->text();
    options.password = m_password->text();
    options.clientId = m_clientId->text().trimmed();
    options.clientSecret = m_clientSecret->text();
    options.scope = m_scope->text().trimmed();
    options.dpop = m_dpop->isChecked();
    if (m_keepClient->isChecked()) {
        if (!m_credentialStore)
            m_credentialStore = Flow::FallbackCredentialStore::keychainOrFile(
                Flow::FileCredentialStore::defaultPath());
        options.credentialStore = m_credentialStore;
    }
    if (const QString path = m_privateKeyFile->text().trimmed(); !path.isEmpty()) {
        const auto pem = readSmallFile(path);
        if (!pem)
            return refuse(
                m_privateKeyFile,
                tr("The private key file %1 cannot be read: %2").arg(path, pem.error().message));
        if (!pem->contains("PRIVATE KEY-----"))
            return refuse(
                m_privateKeyFile,
                tr("%1 holds no PEM private key (-----BEGIN PRIVATE KEY-----).").arg(path));
        options.privateKeyPem = *pem;
    }
    if (options.grant == Flow::Grant::ClientCredentials &&
        (options.clientId.isEmpty() ||
         (options.clientSecret.isEmpty() && options.privateKeyPem.isEmpty())))
        return refuse(m_clientId, tr("The client credentials grant is for a confidential client: "
                                     "give its client ID and its secret or private key file."));
    if (options.grant != Flow::Grant::JwtBearer)
        return true;
    if (options.clientId.isEmpty())
        return refuse(m_clientId, tr("The JWT bearer grant is for a client the authorization "
                                     "server knows: give its client ID."));
    const QString value = m_assertion->text().trimmed();
    switch (m_assertionSource->currentIndex()) {
    case PastedAssertion:
        if (!looksLikeJwt(value))
            return refuse(m_assertion, tr("Paste the assertion: a signed JWT (three base64url "
                                          "parts separated by dots)."));
        options.assertion = value;
        break;
    case AssertionFile: {
        if (value.isEmpty())
            return refuse(m_assertion, tr("Give the file holding the assertion (for example a "
                                          "workload identity token)."));
        const auto content = readSmallFile(value);
        if (!content)
            return refuse(
                m_assertion,
                tr("The assertion file %1 cannot be read: %2").arg(value, content.error().message));
        const QString assertion = QString::fromUtf8(*content).trimmed();
        if (!looksLikeJwt(assertion))
            return refuse(m_assertion, tr("%1 does not hold a JWT.").arg(value));
        options.assertion = assertion;
        break;
    }
    default: {
        const QUrl endpoint = QUrl::fromUserInput(m_idpTokenEndpoint->text().trimmed());
        if (m_idpTokenEndpoint->text().trimmed().isEmpty() || !endpoint.isValid() ||
            (endpoint.scheme() != QLatin1String("http") &&
             endpoint.scheme() != QLatin1String("https")))
            return refuse(m_idpTokenEndpoint,
                          tr("Enter the IdP's http:// or https:// token endpoint."));
        if (value.isEmpty())
            return refuse(m_assertion, tr("Paste the user's ID token at the IdP: it is exchanged "
                                          "there for an identity assertion grant."));
        options.idpTokenEndpoint = endpoint;
        options.idpIdToken = value;
        options.idpClientId = m_idpClientId->text().trimmed();
        break;
    }
    }
    return true;
}

void FlowsPanel::clearRun()
{
    // Disconnected first: a cancelled run's finished() must not reach the new one's views.
    if (m_walker) {
        m_walker->disconnect(this);
        m_walker->cancel();
        m_walker->deleteLater();
        m_walker = nullptr;
    }
    if (m_check) {
        m_check->disconnect(this);
        m_check->cancel();
        m_check->deleteLater();
        m_check = nullptr;
    }
    m_vault.clear();
    m_accessToken.clear();
    m_jwksRequested = false;
    m_reveal->setChecked(false);
    m_steps->clear();
    m_checks->clear();
    m_diagram->clear();
    m_exchangeView->clearExchange();
    m_device->clear();
    m_jwt->clear();
    m_redirectBox->hide();
}

bool FlowsPanel::startWalker()
{
    m_banner->hide();
    setFieldError(m_grantError, QString());
    Flow::Options options;
    const auto url = targetUrl();
    if (!url)
        return false;
    options.serverUrl = *url;
    if (!grantOptions(options))
        return false;
    if (m_adjustOptions)
        m_adjustOptions(options);

    clearRun();
    for (const QString &secret :
         {options.password, options.clientSecret, options.assertion, options.idpIdToken})
        m_vault.add(secret.toUtf8());

    m_walker = new Flow::Walker(options, this);
    connect(m_walker, &Flow::Walker::responseReceived, this, &FlowsPanel::handleResponse);
    connect(m_walker, &Flow::Walker::stepStarted, this, &FlowsPanel::handleStepStarted);
    connect(m_walker, &Flow::Walker::stepFinished, this, &FlowsPanel::handleStepFinished);
    connect(m_walker, &Flow::Walker::checkAdded, this, &FlowsPanel::handleCheckAdded);
    connect(m_walker, &Flow::Walker::exchangeRecorded, this, &FlowsPanel::handleExchange);
    connect(m_walker, &Flow::Walker::needsUser, this, &FlowsPanel::handleNeedsUser);
    connect(m_walker, &Flow::Walker::finished, this, &FlowsPanel::handleFinished);
    m_status->setText(tr("Walking %1…").arg(options.serverUrl.toString()));
    return true;
}

bool FlowsPanel::startServerCheck()
{
    m_banner->hide();
    if (!m_engine || !m_engine->isRunning() || !m_engine->authorizationServer()) {
        showBanner(m_banner, tr("The audit sends tokens minted by the embedded authorization "
                                "server: start the servers in the Servers panel first."));
        return false;
    }
    const auto url = targetUrl();
    if (!url)
        return false;
    Flow::ServerCheckOptions options;
    options.serverUrl = *url;
    options.authorizationServer = m_engine->authorizationServer()->context().config();
    options.store = m_engine->store();
    options.clientId = m_engine->demoClientId();
    options.subject = m_engine->demoUsername();
    options.assumeTrusted = m_assumeTrusted->isChecked();
    if (m_tokenFormats->currentIndex() == 1)
        options.formats = {Auth::AccessTokenFormat::Jwt};
    else if (m_tokenFormats->currentIndex() == 2)
        options.formats = {Auth::AccessTokenFormat::Opaque};
    if (m_adjustOptions) {
        // The transport the adjuster gives walks (trusted CAs, SSRF policy, timeout) holds
        // for audits of the same target too.
        Flow::Options transport;
        transport.serverUrl = options.serverUrl;
        transport.ssrfPolicy = options.ssrfPolicy;
        transport.trustedCertificates = options.trustedCertificates;
        transport.requestTimeout = options.requestTimeout;
        m_adjustOptions(transport);
        options.ssrfPolicy = transport.ssrfPolicy;
        options.trustedCertificates = transport.trustedCertificates;
        options.requestTimeout = transport.requestTimeout;
    }

    clearRun();
    m_check = new Flow::ServerCheck(options, this);
    connect(m_check, &Flow::ServerCheck::tokenSent, this, &FlowsPanel::handleAuditToken);
    connect(m_check, &Flow::ServerCheck::caseStarted, this, &FlowsPanel::handleStepStarted);
    connect(m_check, &Flow::ServerCheck::caseFinished, this, &FlowsPanel::handleStepFinished);
    connect(m_check, &Flow::ServerCheck::exchangeRecorded, this, &FlowsPanel::handleExchange);
    connect(m_check, &Flow::ServerCheck::finished, this, &FlowsPanel::handleFinished);
    m_status->setText(
        tr("Auditing %1 with tokens of %2…").arg(options.serverUrl.toString(), m_engine->issuer()));
    return true;
}

void FlowsPanel::runFlow()
{
    if (mode() == Mode::Audit) {
        if (!isRunning() && startServerCheck())
            m_check->start();
        updateControls();
        return;
    }
    if (!m_walker || m_walker->isFinished()) {
        if (!startWalker())
            return;
    }
    m_walker->runToEnd();
    updateControls();
}

void FlowsPanel::stepFlow()
{
    if (mode() == Mode::Audit)
        return;
    if (!m_walker || m_walker->isFinished()) {
        if (!startWalker())
            return;
        m_walker->start();
    } else {
        m_walker->next();
    }
    updateControls();
}

void FlowsPanel::cancelFlow()
{
    if (m_walker)
        m_walker->cancel();
    if (m_check)
        m_check->cancel();
    updateControls();
}

QTreeWidgetItem *FlowsPanel::stepItem(int index) const
{
    for (int i = 0; i < m_steps->topLevelItemCount(); ++i)
        if (m_steps->topLevelItem(i)->data(0, kStepRole).toInt() == index)
            return m_steps->topLevelItem(i);
    return nullptr;
}

const Flow::Step *FlowsPanel::stepOf(int index) const
{
    const Flow::Run *run = currentRun();
    if (!run)
        return nullptr;
    for (const Flow::Step &step : run->steps)
        if (step.index == index)
            return &step;
    return nullptr;
}

void FlowsPanel::handleStepStarted(const Flow::Step &step)
{
    auto *item = new QTreeWidgetItem(m_steps, {step.title, stepStatusText(step.status)});
    item->setData(0, kKindRole, StepItem);
    item->setData(0, kStepRole, step.index);
    item->setToolTip(0, step.id);
    m_diagram->addStep(step.index, step.title);
    m_status->setText(tr("Step %1: %2…").arg(step.index + 1).arg(step.title));
    updateControls();
}

void FlowsPanel::handleStepFinished(const Flow::Step &step)
{
    QTreeWidgetItem *item = stepItem(step.index);
    if (item) {
        item->setText(1, stepStatusText(step.status));
        item->setText(2, step.summary);
        item->setToolTip(2, step.summary);
        const Flow::Verdict verdict =
            step.status == Flow::StepStatus::Failed    ? Flow::Verdict::Fail
            : step.status == Flow::StepStatus::Warning ? Flow::Verdict::Warn
            : step.status == Flow::StepStatus::Passed  ? Flow::Verdict::Pass
                                                       : Flow::Verdict::Skip;
        item->setForeground(1, verdictColor(verdict));
        // An audit reports a case's checks with the case; a walk one by one as they come.
        if (m_check)
            for (const Flow::Check &check : step.checks)
                handleCheckAdded(step.index, check);
    }
    m_diagram->setStepStatus(step.index, step.status);
    if (step.id == QLatin1String("device_authorization")) {
        if (const auto device = Core::deviceAuthorization(step); device && m_walker) {
            m_device->setDeviceAuthorization(*device, m_walker->options().deviceSecond);
            m_tabs->setCurrentWidget(m_device);
        }
    } else if (step.id == QLatin1String("device_token")) {
        m_device->stop();
    }
    if (m_walker && !m_walker->isFinished() && !m_walker->isStepRunning())
        m_status->setText(tr("Step %1 done: %2. Press Step for the next one.")
                              .arg(step.index + 1)
                              .arg(step.summary));
    if (m_steps->currentItem() == item)
        handleSelection();
    updateControls();
}

void FlowsPanel::handleCheckAdded(int stepIndex, const Flow::Check &check)
{
    QTreeWidgetItem *parent = stepItem(stepIndex);
    if (!parent)
        return;
    auto *item =
        new QTreeWidgetItem(parent, {check.rule, verdictText(check.verdict), check.explanation});
    item->setData(0, kKindRole, CheckItem);
    item->setData(0, kStepRole, stepIndex);
    item->setForeground(1, verdictColor(check.verdict));
    item->setToolTip(2, Flow::levelName(check.level) + QStringLiteral(": ") + check.explanation);
    if (m_steps->currentItem() == parent)
        handleSelection();
}

void FlowsPanel::handleExchange(int stepIndex, const Http::Exchange &exchange)
{
    QTreeWidgetItem *parent = stepItem(stepIndex);
    const Flow::Step *step = stepOf(stepIndex);
    if (!parent || !step)
        return;
    auto *item = new QTreeWidgetItem(parent, {exchangeLabel(exchange)});
    item->setData(0, kKindRole, ExchangeItem);
    item->setData(0, kStepRole, stepIndex);
    item->setData(0, kExchangeRole, QVariant::fromValue(exchange.id));
    item->setFirstColumnSpanned(true);
    Core::SequenceArrow arrow = Core::sequenceArrow(exchange, *step, runServerUrl());
    // Sender-constrained requests (RFC 9449 §4) and the nonces servers hand out (§8, §9).
    if (exchange.requestHeaders.contains("DPoP"))
        arrow.request += tr(" + DPoP proof");
    if (exchange.responseHeaders.contains("DPoP-Nonce"))
        arrow.response += tr(" + DPoP-Nonce");
    m_diagram->addArrow(arrow);
    if (step->id == QLatin1String("device_token") &&
        exchange.requestBody.contains(QByteArrayLiteral("grant_type=")))
        m_device->notePoll();
}

void FlowsPanel::handleNeedsUser(const Flow::UserAction &action)
{
    const QString link = action.url.toString(QUrl::FullyEncoded);
    if (action.kind == Flow::UserAction::Kind::OpenBrowser) {
        if (!QDesktopServices::openUrl(action.url))
            showBanner(m_banner, tr("No browser could be opened; open the link below yourself."));
        m_status->setText(tr("Waiting for the browser: %1").arg(action.message));
    } else {
        m_status->setText(tr("Waiting for you: %1").arg(action.message));
    }
    m_redirectHint->setText(
        tr("<a href=\"%1\">Open the authorization page</a>, then paste the URL the browser was "
           "redirected to:")
            .arg(link.toHtmlEscaped()));
    m_redirectBox->setVisible(m_walker && m_walker->options().grant != Flow::Grant::Device);
}

void FlowsPanel::provideRedirect()
{
    const QUrl url(m_redirectUrl->text().trimmed());
    if (!m_walker || m_walker->isFinished() || !url.isValid() || url.isEmpty()) {
        showBanner(m_banner, tr("Paste the full URL the browser was redirected to."));
        return;
    }
    m_redirectBox->hide();
    m_redirectUrl->clear();
    m_walker->provideRedirectUrl(url);
}

void FlowsPanel::handleFinished(const Flow::Run &run)
{
    m_redirectBox->hide();
    m_device->stop();
    const QString counts = tr("%1 passed, %2 warnings, %3 failed")
                               .arg(run.checkCount(Flow::Verdict::Pass))
                               .arg(run.checkCount(Flow::Verdict::Warn))
                               .arg(run.checkCount(Flow::Verdict::Fail));
    if (m_check) {
        bool untrusted = false;
        for (const Flow::Step &step : run.steps)
            for (const Flow::Check &check : step.checks)
                untrusted = untrusted || (check.verdict == Flow::Verdict::Fail &&
                                          check.rule == QLatin1String("discovery.trust"));
        if (untrusted)
            showBanner(m_banner, m_check->trustInstructions());
        if (run.outcome == Flow::Outcome::Succeeded)
            m_status->setText(tr("The server refused every bad token correctly (%1).").arg(counts));
        else if (run.outcome == Flow::Outcome::Cancelled)
            m_status->setText(tr("Audit cancelled (%1).").arg(counts));
        else
            m_status->setText(tr("The audit found problems: %1 (%2).").arg(run.error, counts));
        updateControls();
        emit flowFinished(run);
        return;
    }
    switch (run.outcome) {
    case Flow::Outcome::Succeeded:
        m_status->setText(tr("The flow succeeded (%1).").arg(counts));
        break;
    case Flow::Outcome::Cancelled:
        m_status->setText(tr("Cancelled (%1).").arg(counts));
        break;
    default:
        m_status->setText(tr("The flow failed: %1 (%2).").arg(run.error, counts));
        break;
    }
    updateControls();
    emit flowFinished(run);
}

void FlowsPanel::handleSecret(const QByteArray &secret)
{
    m_vault.add(secret);
    if (m_reveal->isChecked())
        m_exchangeView->setRevealed(true); // refreshes with the new secret
}

void FlowsPanel::handleAuditToken(const QByteArray &token)
{
    handleSecret(token);
    // The token the server must accept is the one worth decoding.
    const Flow::Run *run = currentRun();
    if (!m_accessToken.isEmpty() || !run || run->steps.isEmpty() ||
        run->steps.last().id != QLatin1String("valid"))
        return;
    m_accessToken = token;
    m_jwt->setToken(token);
    if (m_jwt->inspection())
        fetchJwks();
}

void FlowsPanel::handleResponse(const Http::ClientResponse &response)
{
    const Core::HarvestedSecrets found = Core::harvestSecrets(response.headers, response.body);
    for (const QByteArray &secret : found.secrets)
        handleSecret(secret);
    if (found.accessToken.isEmpty())
        return;
    m_accessToken = found.accessToken;
    m_jwt->setToken(found.accessToken);
    if (m_jwt->inspection())
        fetchJwks();
}

void FlowsPanel::fetchJwks()
{
    if (m_jwksRequested || (!m_walker && !m_check))
        return;
    // An audit's tokens are the embedded AS's: its JWKS; a walk's: what the metadata named.
    const QUrl uri =
        m_check
            ? QUrl(m_check->options().authorizationServer.issuer + QLatin1String(Auth::Paths::Jwks))
            : Core::jwksUri(m_walker->run());
    if (uri.isEmpty()) {
        m_jwt->setJwksError(tr("the authorization server metadata names no jwks_uri"));
        return;
    }
    m_jwksRequested = true;
    const auto &trusted =
        m_check ? m_check->options().trustedCertificates : m_walker->options().trustedCertificates;
    m_jwksClient->setPolicy(m_check ? m_check->options().ssrfPolicy
                                    : m_walker->options().ssrfPolicy);
    if (!trusted.isEmpty())
        m_jwksClient->addTrustedCaCertificates(trusted);
    Http::ClientRequest request;
    request.url = uri;
    request.headers.set("Accept", "application/json, application/jwk-set+json");
    request.maxResponseBytes = Crypto::Jwks::kMaxDocumentBytes;
    request.tag = QStringLiteral("jwks");
    m_jwksClient->send(std::move(request), this,
                       [this](const Core::Result<Http::ClientResponse> &result) {
                           if (!result)
                               return m_jwt->setJwksError(result.error().toString());
                           if (result->status != 200)
                               return m_jwt->setJwksError(tr("HTTP %1").arg(result->status));
                           const auto jwks = Crypto::Jwks::fromJson(result->body);
                           if (!jwks)
                               return m_jwt->setJwksError(jwks.error().toString());
                           m_jwt->setJwks(*jwks);
                       });
}

void FlowsPanel::handleSelection()
{
    QTreeWidgetItem *item = m_steps->currentItem();
    if (!item)
        return;
    const int stepIndex = item->data(0, kStepRole).toInt();
    if (item->data(0, kKindRole).toInt() == ExchangeItem) {
        showExchange(stepIndex, item->data(0, kExchangeRole).value<quint64>());
        return;
    }
    const Flow::Step *step = stepOf(stepIndex);
    if (!step)
        return;
    m_checks->clear();
    for (const Flow::Check &check : step->checks) {
        auto *row = new QTreeWidgetItem(m_checks, {check.rule, Flow::levelName(check.level),
                                                   verdictText(check.verdict), check.explanation});
        row->setForeground(2, verdictColor(check.verdict));
        row->setToolTip(3, check.explanation);
    }
    if (item->data(0, kKindRole).toInt() == CheckItem || m_tabs->currentIndex() == 2)
        m_tabs->setCurrentWidget(m_checks);
}

void FlowsPanel::showExchange(int stepIndex, quint64 exchangeId)
{
    const Flow::Step *step = stepOf(stepIndex);
    if (!step)
        return;
    for (const Http::Exchange &exchange : step->exchanges) {
        if (exchange.id == exchangeId) {
            m_exchangeView->showExchange(exchange);
            m_tabs->setCurrentWidget(m_exchangeView->parentWidget());
            return;
        }
    }
}

void FlowsPanel::exportJson()
{
    exportRun(false);
}

void FlowsPanel::exportHtml()
{
    exportRun(true);
}

void FlowsPanel::exportRun(bool html)
{
    const Flow::Run *shown = currentRun();
    if (!shown || isRunning())
        return;
    const QString base = m_check ? QStringLiteral("server-audit") : QStringLiteral("flow");
    const QString file = m_prompts.saveFileName(
        this, html ? tr("Export the run as HTML") : tr("Export the run as JSON"),
        base + (html ? QStringLiteral("-report.html") : QStringLiteral("-run.json")),
        html ? tr("HTML report (*.html)") : tr("JSON (*.json)"));
    if (file.isEmpty())
        return;
    const Flow::Run &run = *shown;
    const QByteArray content = html ? run.toHtmlReport().toUtf8()
                                    : QJsonDocument(run.toJson()).toJson(QJsonDocument::Indented);
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly) || out.write(content) != content.size() || !out.commit()) {
        showBanner(m_banner,
                   tr("The run could not be written to %1: %2").arg(file, out.errorString()));
        return;
    }
    m_status->setText(tr("Exported to %1.").arg(file));
}

} // namespace Ui
