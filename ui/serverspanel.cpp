#include "serverspanel.h"

#include <QApplication>
#include <QClipboard>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include "engine.h"

namespace Ui {

namespace {

QSpinBox *makePortBox(const QString &objectName, int value, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setObjectName(objectName);
    box->setRange(0, 65535);
    box->setValue(value);
    box->setSpecialValueText(QObject::tr("any free port"));
    return box;
}

QWidget *makeCopyableField(QLineEdit *field, QWidget *parent)
{
    field->setReadOnly(true);
    auto *copy = new QToolButton(parent);
    copy->setText(QObject::tr("Copy"));
    copy->setAccessibleName(QObject::tr("Copy %1").arg(field->accessibleName()));
    QObject::connect(copy, &QToolButton::clicked, field,
                     [field] { QApplication::clipboard()->setText(field->text()); });
    auto *row = new QWidget(parent);
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(field);
    layout->addWidget(copy);
    return row;
}

} // namespace

ServersPanel::ServersPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_state(new QLabel(this))
    , m_error(new QLabel(this))
    , m_bind(new QLineEdit(this))
    , m_asPort(makePortBox(QStringLiteral("asPort"), engine->config().asPort, this))
    , m_rsPort(makePortBox(QStringLiteral("rsPort"), engine->config().rsPort, this))
    , m_store(new QLineEdit(this))
    , m_asUrl(new QLineEdit(this))
    , m_rsUrl(new QLineEdit(this))
    , m_mcpUrl(new QLineEdit(this))
    , m_demoClient(new QLineEdit(this))
    , m_demoUser(new QLineEdit(this))
    , m_demoPassword(new QLineEdit(this))
    , m_revealPassword(new QToolButton(this))
    , m_autoApproveWarning(new QLabel(this))
    , m_startStop(new QPushButton(this))
{
    m_state->setObjectName(QStringLiteral("serverState"));
    m_error->setObjectName(QStringLiteral("serverError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(
        QStringLiteral("QLabel { background: #fde8e8; color: #8a1c1c; border: 1px solid #f5b5b5;"
                       " border-radius: 4px; padding: 6px; }"));
    m_error->hide();
    m_bind->setObjectName(QStringLiteral("bindAddress"));
    m_bind->setText(engine->config().bindAddress.toString());
    m_bind->setAccessibleName(tr("Bind address"));
    m_asPort->setAccessibleName(tr("Authorization server port"));
    m_rsPort->setAccessibleName(tr("Resource server port"));
    m_store->setObjectName(QStringLiteral("storeUrl"));
    m_store->setPlaceholderText(tr("default: SQLite file in the application data folder"));
    m_store->setText(engine->config().storeUrl);
    m_store->setAccessibleName(tr("Store URL"));
    m_asUrl->setObjectName(QStringLiteral("asUrl"));
    m_asUrl->setAccessibleName(tr("Authorization server URL"));
    m_rsUrl->setObjectName(QStringLiteral("rsUrl"));
    m_rsUrl->setAccessibleName(tr("Resource server URL"));
    m_startStop->setObjectName(QStringLiteral("startStopButton"));
    m_mcpUrl->setObjectName(QStringLiteral("mcpUrl"));
    m_mcpUrl->setAccessibleName(tr("MCP server URL"));
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
    m_autoApproveWarning->setStyleSheet(
        QStringLiteral("QLabel { background: #fff4d6; color: #7a4b00; border: 1px solid #f0c36d;"
                       " border-radius: 4px; padding: 6px; }"));
    m_autoApproveWarning->hide();

    auto *settings = new QGroupBox(tr("Settings"), this);
    auto *form = new QFormLayout(settings);
    form->addRow(tr("&Bind address:"), m_bind);
    form->addRow(tr("&Authorization server port:"), m_asPort);
    form->addRow(tr("&Resource server port:"), m_rsPort);
    form->addRow(tr("S&tore:"), m_store);

    auto *running = new QGroupBox(tr("Running servers"), this);
    auto *urls = new QFormLayout(running);
    urls->addRow(tr("State:"), m_state);
    urls->addRow(tr("Authorization server:"), makeCopyableField(m_asUrl, this));
    urls->addRow(tr("Resource server:"), makeCopyableField(m_rsUrl, this));
    urls->addRow(tr("MCP server URL:"), makeCopyableField(m_mcpUrl, this));

    auto *demo = new QGroupBox(tr("Demo account (to try a flow at once)"), this);
    auto *demoForm = new QFormLayout(demo);
    demoForm->addRow(tr("Public client ID:"), makeCopyableField(m_demoClient, this));
    demoForm->addRow(tr("User:"), makeCopyableField(m_demoUser, this));
    auto *passwordRow = makeCopyableField(m_demoPassword, this);
    passwordRow->layout()->addWidget(m_revealPassword);
    demoForm->addRow(tr("Password:"), passwordRow);

    auto *buttons = new QHBoxLayout;
    buttons->addStretch();
    buttons->addWidget(m_startStop);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Servers")), this));
    layout->addWidget(m_error);
    layout->addWidget(m_autoApproveWarning);
    layout->addWidget(settings);
    layout->addWidget(running);
    layout->addWidget(demo);
    layout->addLayout(buttons);
    layout->addStretch();

    connect(m_revealPassword, &QToolButton::toggled, this, &ServersPanel::handleRevealToggled);
    connect(m_startStop, &QPushButton::clicked, this, &ServersPanel::handleStartStopClicked);
    connect(engine, &Core::Engine::started, this, &ServersPanel::handleEngineStarted);
    connect(engine, &Core::Engine::stopped, this, &ServersPanel::handleEngineStopped);
    refresh();
}

void ServersPanel::startServers()
{
    Core::ServerConfig config = m_engine->config();
    QHostAddress bind;
    if (!bind.setAddress(m_bind->text().trimmed())) {
        showError(tr("Bind address: '%1' is not an IP address.").arg(m_bind->text()));
        return;
    }
    config.bindAddress = bind;
    config.asPort = static_cast<quint16>(m_asPort->value());
    config.rsPort = static_cast<quint16>(m_rsPort->value());
    config.storeUrl = m_store->text().trimmed();
    if (auto valid = config.validate(); !valid) {
        showError(valid.error().message);
        return;
    }
    QApplication::setOverrideCursor(Qt::WaitCursor);
    const Core::Status status = m_engine->start(config);
    QApplication::restoreOverrideCursor();
    if (!status)
        showError(tr("The servers could not start: %1").arg(status.error().message));
    refresh();
}

void ServersPanel::handleStartStopClicked()
{
    if (m_engine->isRunning())
        m_engine->stop();
    else
        startServers();
}

void ServersPanel::handleEngineStarted()
{
    m_error->hide();
    refresh();
}

void ServersPanel::handleEngineStopped()
{
    refresh();
}

void ServersPanel::handleRevealToggled(bool reveal)
{
    m_demoPassword->setEchoMode(reveal ? QLineEdit::Normal : QLineEdit::Password);
    m_revealPassword->setText(reveal ? tr("Hide") : tr("Show"));
}

void ServersPanel::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
}

void ServersPanel::refresh()
{
    const bool running = m_engine->isRunning();
    m_state->setText(running ? tr("Running") : tr("Stopped"));
    m_startStop->setText(running ? tr("&Stop servers") : tr("&Start servers"));
    m_asUrl->setText(running ? m_engine->authorizationServerUrl().toString() : QString());
    m_rsUrl->setText(running ? m_engine->resourceServerUrl().toString() : QString());
    m_mcpUrl->setText(running ? m_engine->mcpResourceUri() : QString());
    m_demoClient->setText(running ? m_engine->demoClientId() : QString());
    m_demoUser->setText(running ? m_engine->demoUsername() : QString());
    m_demoPassword->setText(running ? m_engine->demoPassword() : QString());
    m_demoPassword->setPlaceholderText(running && m_engine->demoPassword().isEmpty()
                                           ? tr("set by an operator; not shown")
                                           : QString());
    m_autoApproveWarning->setVisible(running && m_engine->config().authorizationServer.autoApprove);
    for (QWidget *field : {static_cast<QWidget *>(m_bind), static_cast<QWidget *>(m_asPort),
                           static_cast<QWidget *>(m_rsPort), static_cast<QWidget *>(m_store)})
        field->setEnabled(!running);
}

} // namespace Ui
