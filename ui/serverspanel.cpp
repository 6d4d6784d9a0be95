#include "serverspanel.h"

#include <memory>

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QThread>
#include <QToolButton>
#include <QVBoxLayout>

#include "adminsupport.h"
#include "clientsnippets.h"
#include "connectbox.h"
#include "engine.h"
#include "store/database.h"
#include "store/databaseurl.h"

namespace Ui {

namespace {

const QString kConfigKey = QStringLiteral("Servers/config");
const QString kAutoStartKey = QStringLiteral("Servers/autoStart");
const QString kAs = QStringLiteral("authorization_server");

QSpinBox *makeNumberBox(const QString &objectName, int minimum, int maximum, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(objectName);
    box->setRange(minimum, maximum);
    return box;
}

QJsonObject withValue(QJsonObject object, const QString &key, const QJsonValue &value)
{
    object.insert(key, value);
    return object;
}

/// The field a config error names: the text before ": " ("authorization_server.cors_origins").
QString errorField(const QString &message)
{
    const qsizetype colon = message.indexOf(QStringLiteral(": "));
    return colon > 0 ? message.left(colon) : QString();
}

} // namespace

ServersPanel::ServersPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_state(new QLabel(this))
    , m_busy(makeBusyIndicator(QStringLiteral("serverStarting"), this))
    , m_error(makeErrorBanner(QStringLiteral("serverError"), this))
    , m_pending(new QLabel(this))
    , m_bind(new QLineEdit(this))
    , m_asPort(makeNumberBox(QStringLiteral("asPort"), 0, 65535, this))
    , m_rsPort(makeNumberBox(QStringLiteral("rsPort"), 0, 65535, this))
    , m_issuer(new QLineEdit(this))
    , m_tls(new QCheckBox(tr("Serve &HTTPS (self-signed certificate unless the config names one)"),
                          this))
    , m_fingerprint(new QLineEdit(this))
    , m_store(new QLineEdit(this))
    , m_testStore(new QPushButton(tr("Test &connection"), this))
    , m_storeResult(new QLabel(this))
    , m_tokenFormat(new QComboBox(this))
    , m_accessLifetime(makeNumberBox(QStringLiteral("accessTokenLifetime"), 0, 400 * 86400, this))
    , m_refreshLifetime(makeNumberBox(QStringLiteral("refreshTokenLifetime"), 0, 400 * 86400, this))
    , m_codeLifetime(makeNumberBox(QStringLiteral("authorizationCodeLifetime"), 0, 3600, this))
    , m_tokenPerClient(makeNumberBox(QStringLiteral("tokenPerClient"), 0, 1000000, this))
    , m_tokenPerAddress(makeNumberBox(QStringLiteral("tokenPerAddress"), 0, 1000000, this))
    , m_cors(new QLineEdit(this))
    , m_autoApprove(new QCheckBox(tr("A&uto-approve every authorization request"), this))
    , m_autoStart(new QCheckBox(tr("Start the servers when the app starts"), this))
    , m_asUrl(new QLineEdit(this))
    , m_rsUrl(new QLineEdit(this))
    , m_demoClient(new QLineEdit(this))
    , m_demoUser(new QLineEdit(this))
    , m_demoPassword(new QLineEdit(this))
    , m_revealPassword(new QToolButton(this))
    , m_autoApproveWarning(new QLabel(this))
    , m_startStop(new QPushButton(this))
    , m_import(new QPushButton(tr("&Import config…"), this))
    , m_export(new QPushButton(tr("E&xport config…"), this))
    , m_connect(new ConnectBox(this))
{
    buildForm();

    // The last config that started or was imported, if it still reads; else the engine's.
    Core::ServerConfig initial = engine->config();
    if (!engine->isRunning()) {
        const QJsonObject saved =
            QJsonDocument::fromJson(QSettings().value(kConfigKey).toByteArray()).object();
        if (!saved.isEmpty())
            if (auto config = Core::ServerConfig::fromJson(saved))
                initial = *config;
    }
    loadForm(initial);
    m_autoStart->setChecked(autoStartEnabled());

    connect(m_revealPassword, &QToolButton::toggled, this, &ServersPanel::handleRevealToggled);
    connect(m_startStop, &QPushButton::clicked, this, &ServersPanel::handleStartStopClicked);
    connect(m_import, &QPushButton::clicked, this, &ServersPanel::handleImportClicked);
    connect(m_export, &QPushButton::clicked, this, &ServersPanel::handleExportClicked);
    connect(m_testStore, &QPushButton::clicked, this, &ServersPanel::testStoreConnection);
    connect(m_autoApprove, &QCheckBox::toggled, this, &ServersPanel::refresh);
    connect(m_autoStart, &QCheckBox::toggled, this,
            [](bool on) { QSettings().setValue(kAutoStartKey, on); });
    connect(engine, &Core::Engine::started, this, &ServersPanel::handleEngineStateChanged);
    connect(engine, &Core::Engine::stopped, this, &ServersPanel::handleEngineStateChanged);
    connect(engine, &Core::Engine::startingChanged, this, &ServersPanel::refresh);
    connect(engine, &Core::Engine::startFailed, this, &ServersPanel::handleStartFailed);
    updatePaletteColours();
    refresh();
}

void ServersPanel::buildForm()
{
    m_state->setObjectName(QStringLiteral("serverState"));
    m_pending->setObjectName(QStringLiteral("settingsPending"));
    m_pending->setWordWrap(true);
    m_pending->setText(tr("The servers run with the settings of their last start. Stop them to "
                          "change settings; changes apply, whole, at the next start."));
    m_bind->setObjectName(QStringLiteral("bindAddress"));
    m_bind->setAccessibleName(tr("Bind address"));
    m_asPort->setAccessibleName(tr("Authorization server port"));
    m_asPort->setSpecialValueText(tr("any free port"));
    m_rsPort->setAccessibleName(tr("Resource server port"));
    m_rsPort->setSpecialValueText(tr("any free port"));
    m_issuer->setObjectName(QStringLiteral("issuer"));
    m_issuer->setAccessibleName(tr("Issuer"));
    m_issuer->setPlaceholderText(tr("derived from the address, e.g. http://127.0.0.1:9400"));
    m_tls->setObjectName(QStringLiteral("tls"));
    m_fingerprint->setObjectName(QStringLiteral("tlsFingerprint"));
    m_fingerprint->setAccessibleName(tr("TLS certificate SHA-256 fingerprint"));
    m_fingerprint->setPlaceholderText(tr("shown while serving HTTPS"));
    m_store->setObjectName(QStringLiteral("storeUrl"));
    m_store->setPlaceholderText(
        tr("default: SQLite file in the application data folder; or postgresql://user@host/db"));
    m_store->setAccessibleName(tr("Store URL"));
    m_testStore->setObjectName(QStringLiteral("testStoreButton"));
    m_storeResult->setObjectName(QStringLiteral("storeTestResult"));
    m_storeResult->setWordWrap(true);
    m_storeResult->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_tokenFormat->setObjectName(QStringLiteral("tokenFormat"));
    m_tokenFormat->setAccessibleName(tr("Access token format"));
    m_tokenFormat->addItem(tr("Opaque (introspection)"), QStringLiteral("opaque"));
    m_tokenFormat->addItem(tr("JWT (RFC 9068)"), QStringLiteral("jwt"));
    for (QSpinBox *box : {m_accessLifetime, m_refreshLifetime, m_codeLifetime})
        box->setSuffix(tr(" s"));
    m_accessLifetime->setAccessibleName(tr("Access token lifetime in seconds"));
    m_refreshLifetime->setAccessibleName(tr("Refresh token lifetime in seconds"));
    m_codeLifetime->setAccessibleName(tr("Authorization code lifetime in seconds"));
    for (QSpinBox *box : {m_tokenPerClient, m_tokenPerAddress}) {
        box->setSpecialValueText(tr("off"));
        box->setSuffix(tr(" per window"));
    }
    m_tokenPerClient->setAccessibleName(tr("Token requests per client"));
    m_tokenPerAddress->setAccessibleName(tr("Token requests per address"));
    m_cors->setObjectName(QStringLiteral("corsOrigins"));
    m_cors->setAccessibleName(tr("CORS origins"));
    m_cors->setPlaceholderText(tr("none; e.g. http://localhost:6274 (space separated, * = any)"));
    m_autoApprove->setObjectName(QStringLiteral("autoApprove"));
    m_autoStart->setObjectName(QStringLiteral("autoStart"));
    m_import->setObjectName(QStringLiteral("importConfigButton"));
    m_export->setObjectName(QStringLiteral("exportConfigButton"));
    m_asUrl->setObjectName(QStringLiteral("asUrl"));
    m_asUrl->setAccessibleName(tr("Authorization server URL"));
    m_rsUrl->setObjectName(QStringLiteral("rsUrl"));
    m_rsUrl->setAccessibleName(tr("Resource server URL"));
    m_startStop->setObjectName(QStringLiteral("startStopButton"));
    m_demoClient->setObjectName(QStringLiteral("demoClient"));
    m_demoClient->setAccessibleName(tr("Demo client ID"));
    m_demoUser->setObjectName(QStringLiteral("demoUser"));
    m_demoUser->setAccessibleName(tr("Demo user name"));
    m_demoPassword->setObjectName(QStringLiteral("demoPassword"));
    m_demoPassword->setAccessibleName(tr("Demo user password"));
    m_demoPassword->setEchoMode(QLineEdit::Password);
    m_revealPassword->setObjectName(QStringLiteral("revealDemoPassword"));
    m_revealPassword->setText(tr("Show"));
    m_revealPassword->setCheckable(true);
    m_revealPassword->setAccessibleName(tr("Show the demo password"));
    m_autoApproveWarning->setObjectName(QStringLiteral("autoApproveWarning"));
    m_autoApproveWarning->setWordWrap(true);
    m_autoApproveWarning->setText(
        tr("Auto-approve is on: every authorization request is approved as the demo user "
           "without a login or consent page. Use it for scripted tests only."));
    m_autoApproveWarning->hide();

    auto *content = new QWidget;
    auto *rows = new QVBoxLayout(content);
    // One row per field with its validation message right under it.
    auto addField = [this](QFormLayout *form, const QString &label, QWidget *field,
                           const QString &configField, QWidget *shown = nullptr) {
        QLabel *error = makeFieldError(field->objectName() + QStringLiteral("Error"), this);
        m_fieldErrors.insert(configField, error);
        auto *cell = new QWidget(this);
        auto *layout = new QVBoxLayout(cell);
        layout->setContentsMargins(0, 0, 0, 0);
        layout->setSpacing(2);
        layout->addWidget(shown ? shown : field);
        layout->addWidget(error);
        form->addRow(label, cell);
    };

    auto *network = new QGroupBox(tr("Network"), content);
    auto *networkForm = new QFormLayout(network);
    addField(networkForm, tr("&Bind address:"), m_bind, QStringLiteral("bind"));
    addField(networkForm, tr("&Authorization server port:"), m_asPort, QStringLiteral("as_port"));
    addField(networkForm, tr("&Resource server port:"), m_rsPort, QStringLiteral("rs_port"));
    addField(networkForm, tr("&Issuer:"), m_issuer, QStringLiteral("issuer"));
    addField(networkForm, tr("TLS:"), m_tls, QStringLiteral("tls"));
    m_fieldErrors.insert(QStringLiteral("tls_cert"), m_fieldErrors.value(QStringLiteral("tls")));
    m_fieldErrors.insert(QStringLiteral("tls_key"), m_fieldErrors.value(QStringLiteral("tls")));
    networkForm->addRow(tr("Certificate:"), makeCopyableField(m_fingerprint, this));

    auto *store = new QGroupBox(tr("Store"), content);
    auto *storeForm = new QFormLayout(store);
    auto *storeRow = new QWidget(this);
    auto *storeRowLayout = new QHBoxLayout(storeRow);
    storeRowLayout->setContentsMargins(0, 0, 0, 0);
    storeRowLayout->addWidget(m_store, 1);
    storeRowLayout->addWidget(m_testStore);
    addField(storeForm, tr("S&tore:"), m_store, QStringLiteral("store"), storeRow);
    storeForm->addRow(QString(), m_storeResult);

    auto *tokens = new QGroupBox(tr("Tokens"), content);
    auto *tokenForm = new QFormLayout(tokens);
    addField(tokenForm, tr("Access token &format:"), m_tokenFormat,
             kAs + QStringLiteral(".default_token_format"));
    addField(tokenForm, tr("Access token &lifetime:"), m_accessLifetime,
             kAs + QStringLiteral(".access_token_lifetime"));
    addField(tokenForm, tr("Re&fresh token lifetime:"), m_refreshLifetime,
             kAs + QStringLiteral(".refresh_token_lifetime"));
    addField(tokenForm, tr("Authorization &code lifetime:"), m_codeLifetime,
             kAs + QStringLiteral(".authorization_code_lifetime"));

    auto *protection = new QGroupBox(tr("Protection"), content);
    auto *protectionForm = new QFormLayout(protection);
    addField(protectionForm, tr("Token requests per &client:"), m_tokenPerClient,
             kAs + QStringLiteral(".rate_limits.token_per_client"));
    addField(protectionForm, tr("Token requests per a&ddress:"), m_tokenPerAddress,
             kAs + QStringLiteral(".rate_limits.token_per_address"));
    addField(protectionForm, tr("CORS &origins:"), m_cors, kAs + QStringLiteral(".cors_origins"));
    addField(protectionForm, tr("Consent:"), m_autoApprove, kAs + QStringLiteral(".auto_approve"));

    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_autoStart);
    fileRow->addStretch();
    fileRow->addWidget(m_import);
    fileRow->addWidget(m_export);
    fileRow->addWidget(m_startStop);

    auto *running = new QGroupBox(tr("Running servers"), content);
    auto *urls = new QFormLayout(running);
    auto *stateRow = new QHBoxLayout;
    stateRow->addWidget(m_state);
    stateRow->addWidget(m_busy);
    stateRow->addStretch();
    urls->addRow(tr("State:"), stateRow);
    urls->addRow(tr("Authorization server:"), makeCopyableField(m_asUrl, this));
    urls->addRow(tr("Resource server:"), makeCopyableField(m_rsUrl, this));

    auto *demo = new QGroupBox(tr("Demo account (to try a flow at once)"), content);
    auto *demoForm = new QFormLayout(demo);
    demoForm->addRow(tr("Public client ID:"), makeCopyableField(m_demoClient, this));
    demoForm->addRow(tr("User:"), makeCopyableField(m_demoUser, this));
    auto *passwordRow = makeCopyableField(m_demoPassword, this);
    passwordRow->layout()->addWidget(m_revealPassword);
    demoForm->addRow(tr("Password:"), passwordRow);

    // The MCP URL of the running server, kept under its old object name for scripts.
    auto *mcpUrl = m_connect->findChild<QLineEdit *>(QStringLiteral("connectMcpUrl"));
    mcpUrl->setObjectName(QStringLiteral("mcpUrl"));

    rows->addWidget(m_error);
    rows->addWidget(m_autoApproveWarning);
    rows->addWidget(running);
    rows->addWidget(m_connect);
    rows->addWidget(demo);
    rows->addWidget(m_pending);
    rows->addLayout(fileRow);
    rows->addWidget(network);
    rows->addWidget(store);
    rows->addWidget(tokens);
    rows->addWidget(protection);
    rows->addStretch();

    auto *scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("serversScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(content);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Servers")), this));
    layout->addWidget(scroll);
}

void ServersPanel::loadForm(const Core::ServerConfig &config)
{
    m_base = config;
    m_bind->setText(config.bindAddress.toString());
    m_asPort->setValue(config.asPort);
    m_rsPort->setValue(config.rsPort);
    m_issuer->setText(config.issuer);
    m_tls->setChecked(config.tls);
    m_store->setText(config.storeUrl);
    const Auth::Config &as = config.authorizationServer;
    m_tokenFormat->setCurrentIndex(
        m_tokenFormat->findData(Auth::accessTokenFormatName(as.defaultTokenFormat)));
    m_accessLifetime->setValue(as.accessTokenLifetime);
    m_refreshLifetime->setValue(as.refreshTokenLifetime);
    m_codeLifetime->setValue(as.authorizationCodeLifetime);
    m_tokenPerClient->setValue(as.tokenPerClient.limit);
    m_tokenPerAddress->setValue(as.tokenPerAddress.limit);
    m_cors->setText(as.corsOrigins.join(QLatin1Char(' ')));
    m_autoApprove->setChecked(as.autoApprove);
    clearFieldErrors();
}

Core::Result<Core::ServerConfig> ServersPanel::formConfig() const
{
    QJsonObject json = m_base.toJson();
    json.insert(QStringLiteral("bind"), m_bind->text().trimmed());
    json.insert(QStringLiteral("as_port"), m_asPort->value());
    json.insert(QStringLiteral("rs_port"), m_rsPort->value());
    json.insert(QStringLiteral("tls"), m_tls->isChecked());
    const QString issuer = m_issuer->text().trimmed();
    if (issuer.isEmpty())
        json.remove(QStringLiteral("issuer"));
    else
        json.insert(QStringLiteral("issuer"), issuer);
    const QString store = m_store->text().trimmed();
    if (store.isEmpty()) {
        json.remove(QStringLiteral("store"));
    } else {
        if (auto url = Store::DatabaseUrl::parse(store); !url)
            return Core::makeError(QStringLiteral("invalid_config"),
                                   QStringLiteral("store: ") + url.error().message);
        json.insert(QStringLiteral("store"), store);
    }
    QJsonObject as = json.value(kAs).toObject();
    as.insert(QStringLiteral("default_token_format"), m_tokenFormat->currentData().toString());
    as.insert(QStringLiteral("access_token_lifetime"), m_accessLifetime->value());
    as.insert(QStringLiteral("refresh_token_lifetime"), m_refreshLifetime->value());
    as.insert(QStringLiteral("authorization_code_lifetime"), m_codeLifetime->value());
    QJsonObject limits = as.value(QStringLiteral("rate_limits")).toObject();
    for (const auto &[name, box] :
         {std::pair{QStringLiteral("token_per_client"), m_tokenPerClient},
          std::pair{QStringLiteral("token_per_address"), m_tokenPerAddress}})
        limits.insert(
            name, withValue(limits.value(name).toObject(), QStringLiteral("limit"), box->value()));
    as.insert(QStringLiteral("rate_limits"), limits);
    static const QRegularExpression separators(QStringLiteral("[\\s,]+"));
    as.insert(QStringLiteral("cors_origins"),
              QJsonArray::fromStringList(m_cors->text().split(separators, Qt::SkipEmptyParts)));
    as.insert(QStringLiteral("auto_approve"), m_autoApprove->isChecked());
    json.insert(kAs, as);
    return Core::ServerConfig::fromJson(json);
}

void ServersPanel::startServers()
{
    clearFieldErrors();
    m_error->hide();
    auto config = formConfig();
    if (!config) {
        showConfigError(config.error());
        return;
    }
    if (m_engine->isStarting() || m_engine->isRunning())
        return;
    m_starting = *config;
    m_engine->startInBackground(*config);
    refresh();
}

void ServersPanel::handleStartFailed(const Core::Error &error)
{
    m_starting.reset();
    showError(tr("The servers could not start: %1").arg(error.message));
    refresh();
}

bool ServersPanel::autoStartEnabled()
{
    return QSettings().value(kAutoStartKey, true).toBool();
}

bool ServersPanel::autoStart()
{
    if (!autoStartEnabled() || m_engine->isRunning())
        return false;
    startServers();
    return true;
}

Core::Status ServersPanel::exportConfig(const QString &path)
{
    auto config = formConfig();
    if (!config) {
        showConfigError(config.error());
        return config.error();
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QJsonDocument(config->toJson()).toJson(QJsonDocument::Indented)) < 0 ||
        !file.commit()) {
        const Core::Error error = Core::makeError(
            QStringLiteral("io_error"), tr("Cannot write %1: %2").arg(path, file.errorString()));
        showError(error.message);
        return error;
    }
    return {};
}

Core::Status ServersPanel::importConfig(const QString &path)
{
    auto config = Core::ServerConfig::fromFile(path);
    if (!config) {
        showError(tr("The config file was not loaded: %1").arg(config.error().message));
        return config.error();
    }
    loadForm(*config);
    m_error->hide();
    QSettings().setValue(kConfigKey,
                         QJsonDocument(config->toJson()).toJson(QJsonDocument::Compact));
    refresh();
    return {};
}

void ServersPanel::testStoreConnection()
{
    const QString text = m_store->text().trimmed();
    const QString url = text.isEmpty() ? Store::defaultUrl() : text;
    m_testStore->setEnabled(false);
    m_storeResult->setText(tr("Connecting to %1…").arg(Store::maskDatabaseUrl(url)));
    ++m_storeTests;
    // The result travels in a shared slot read after the thread finished; the worker never
    // touches a widget.
    auto result = std::make_shared<std::pair<bool, QString>>(false, QString());
    QThread *worker = QThread::create([url, result] {
        Store::OpenOptions options;
        options.migrate = false;
        auto db = Store::Database::open(url, options);
        if (db)
            *result = {true, (*db)->displayUrl()};
        else
            *result = {false, db.error().message};
    });
    worker->setObjectName(QStringLiteral("store connection test"));
    connect(worker, &QThread::finished, this, [this, result] {
        --m_storeTests;
        m_testStore->setEnabled(m_storeTests == 0 && !m_engine->isRunning() &&
                                !m_engine->isStarting());
        m_storeResult->setText(result->first ? tr("Connected to %1.").arg(result->second)
                                             : tr("Connection failed: %1").arg(result->second));
        emit storeTestFinished(result->first, m_storeResult->text());
    });
    connect(worker, &QThread::finished, worker, &QObject::deleteLater);
    worker->start();
}

void ServersPanel::handleStartStopClicked()
{
    if (m_engine->isRunning())
        m_engine->stop();
    else
        startServers();
}

void ServersPanel::handleImportClicked()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Import server config"), QString(),
                                                      tr("JSON config (*.json);;All files (*)"));
    // A failure already shows in the banner.
    if (!path.isEmpty())
        static_cast<void>(importConfig(path));
}

void ServersPanel::handleExportClicked()
{
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export server config"),
                                     QStringLiteral("mcpauth.json"), tr("JSON config (*.json)"));
    if (!path.isEmpty())
        static_cast<void>(exportConfig(path));
}

void ServersPanel::handleEngineStateChanged()
{
    if (m_engine->isRunning()) {
        m_error->hide();
        if (m_starting) {
            m_base = *m_starting;
            QSettings().setValue(
                kConfigKey, QJsonDocument(m_starting->toJson()).toJson(QJsonDocument::Compact));
        }
    }
    m_starting.reset();
    refresh();
}

void ServersPanel::handleRevealToggled(bool reveal)
{
    m_demoPassword->setEchoMode(reveal ? QLineEdit::Normal : QLineEdit::Password);
    m_revealPassword->setText(reveal ? tr("Hide") : tr("Show"));
}

void ServersPanel::showConfigError(const Core::Error &error)
{
    const QString field = errorField(error.message);
    // The most specific field label: "a.b.c" falls back to "a.b", then "a".
    for (QString key = field; !key.isEmpty();
         key = key.left(qMax(0, key.lastIndexOf(QLatin1Char('.'))))) {
        if (QLabel *label = m_fieldErrors.value(key)) {
            setFieldError(label, error.message.mid(field.size() + 2));
            showError(tr("Not started: fix the field marked below (%1).").arg(field));
            return;
        }
    }
    showError(tr("Not started: %1").arg(error.message));
}

void ServersPanel::clearFieldErrors()
{
    for (QLabel *label : std::as_const(m_fieldErrors))
        setFieldError(label, QString());
}

void ServersPanel::showError(const QString &message)
{
    showBanner(m_error, message);
}

void ServersPanel::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::PaletteChange)
        updatePaletteColours();
    QWidget::changeEvent(event);
}

void ServersPanel::updatePaletteColours()
{
    // A warning colour that reads on both light and dark palettes.
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    m_autoApproveWarning->setStyleSheet(
        dark ? QStringLiteral("QLabel { background: #4a3800; color: #ffe08a; border: 1px solid "
                              "#8a6d00; border-radius: 4px; padding: 6px; }")
             : QStringLiteral("QLabel { background: #fff4d6; color: #7a4b00; border: 1px solid "
                              "#f0c36d; border-radius: 4px; padding: 6px; }"));
}

void ServersPanel::refresh()
{
    const bool running = m_engine->isRunning();
    const bool starting = m_engine->isStarting();
    m_state->setText(running ? tr("Running") : starting ? tr("Starting…") : tr("Stopped"));
    m_busy->setVisible(starting);
    m_startStop->setText(running ? tr("&Stop servers") : tr("&Start servers"));
    m_startStop->setEnabled(!starting);
    m_asUrl->setText(running ? m_engine->authorizationServerUrl().toString() : QString());
    m_rsUrl->setText(running ? m_engine->resourceServerUrl().toString() : QString());
    m_fingerprint->setText(running ? m_engine->tlsFingerprint() : QString());
    m_connect->setConnectionInfo(Core::connectionInfo(*m_engine));
    m_demoClient->setText(running ? m_engine->demoClientId() : QString());
    m_demoUser->setText(running ? m_engine->demoUsername() : QString());
    m_demoPassword->setText(running ? m_engine->demoPassword() : QString());
    m_demoPassword->setPlaceholderText(running && m_engine->demoPassword().isEmpty()
                                           ? tr("set by an operator; not shown")
                                           : QString());
    m_autoApproveWarning->setVisible(running ? m_engine->config().authorizationServer.autoApprove
                                             : m_autoApprove->isChecked());
    m_pending->setVisible(running);
    // Settings change only while stopped, so the engine never runs a half-applied config.
    for (QWidget *field : std::initializer_list<QWidget *>{
             m_bind, m_asPort, m_rsPort, m_issuer, m_tls, m_store, m_tokenFormat, m_accessLifetime,
             m_refreshLifetime, m_codeLifetime, m_tokenPerClient, m_tokenPerAddress, m_cors,
             m_autoApprove, m_import})
        field->setEnabled(!running && !starting);
    m_testStore->setEnabled(!running && !starting && m_storeTests == 0);
}

} // namespace Ui
