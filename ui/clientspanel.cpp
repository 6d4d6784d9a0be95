#include "clientspanel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "admin/service.h"
#include "adminworker.h"
#include "clientdialogs.h"
#include "engine.h"
#include "tokenmodel.h"

namespace Ui {

namespace {

QPushButton *makeButton(const QString &objectName, const QString &text, const QString &tip,
                        QWidget *parent)
{
    auto *button = new QPushButton(text, parent);
    button->setObjectName(objectName);
    button->setToolTip(tip);
    button->setAccessibleName(tip);
    return button;
}

QTableWidget *makeTable(const QString &objectName, const QString &name, const QStringList &headers,
                        QWidget *parent)
{
    auto *table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    setUpRecordTable(table, objectName, name, QAbstractItemView::SingleSelection);
    return table;
}

void setRow(QTableWidget *table, int row, const QStringList &cells)
{
    for (int column = 0; column < cells.size(); ++column)
        table->setItem(row, column, new QTableWidgetItem(cells.at(column)));
}

QWidget *tabPage(QTableWidget *table, const QList<QPushButton *> &buttons, QWidget *parent)
{
    auto *page = new QWidget(parent);
    auto *row = new QHBoxLayout;
    for (QPushButton *button : buttons)
        row->addWidget(button);
    row->addStretch();
    auto *layout = new QVBoxLayout(page);
    layout->addLayout(row);
    layout->addWidget(table, 1);
    return page;
}

/// The lists a reload reads, in one call on the worker.
struct Lists
{
    QList<Admin::ClientRecord> clients;
    QList<Admin::UserRecord> users;
};

} // namespace

ClientsPanel::ClientsPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_error(makeErrorBanner(QStringLiteral("clientsError"), this))
    , m_status(new QLabel(this))
    , m_busy(makeBusyIndicator(QStringLiteral("clientsBusy"), this))
    , m_tabs(new QTabWidget(this))
    , m_clientTable(makeTable(QStringLiteral("clientsTable"), tr("Clients"),
                              {tr("Client ID"), tr("Name"), tr("Authentication"), tr("Grants"),
                               tr("Redirect URIs"), tr("Scopes"), tr("Source"), tr("Secret"),
                               tr("Active tokens")},
                              this))
    , m_userTable(makeTable(
          QStringLiteral("usersTable"), tr("Users"),
          {tr("User name"), tr("Display name"), tr("State"), tr("Created"), tr("Updated")}, this))
    , m_addClient(
          makeButton(QStringLiteral("addClientButton"), tr("&Add…"), tr("Register a client"), this))
    , m_editClient(makeButton(QStringLiteral("editClientButton"), tr("&Edit…"),
                              tr("Edit the selected client"), this))
    , m_deleteClient(makeButton(QStringLiteral("deleteClientButton"), tr("&Delete"),
                                tr("Delete the selected client and its tokens"), this))
    , m_addUser(makeButton(QStringLiteral("addUserButton"), tr("&Add…"), tr("Add a user"), this))
    , m_setPassword(makeButton(QStringLiteral("setPasswordButton"), tr("Set &password…"),
                               tr("Set the selected user's password"), this))
    , m_deleteUser(makeButton(QStringLiteral("deleteUserButton"), tr("&Delete"),
                              tr("Delete the selected user and revoke its tokens"), this))
    , m_reload(makeButton(QStringLiteral("reloadClientsButton"), tr("Re&load"),
                          tr("Read the clients and users again"), this))
{
    m_status->setObjectName(QStringLiteral("clientsStatus"));
    m_tabs->setObjectName(QStringLiteral("clientsTabs"));
    m_tabs->addTab(tabPage(m_clientTable, {m_addClient, m_editClient, m_deleteClient}, this),
                   tr("&Clients"));
    m_tabs->addTab(tabPage(m_userTable, {m_addUser, m_setPassword, m_deleteUser}, this),
                   tr("&Users"));

    auto *status = new QHBoxLayout;
    status->addWidget(m_status, 1);
    status->addWidget(m_busy);
    status->addWidget(m_reload);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Clients and users")), this));
    layout->addWidget(m_error);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(status);

    connect(m_addClient, &QPushButton::clicked, this, &ClientsPanel::addClient);
    connect(m_editClient, &QPushButton::clicked, this, &ClientsPanel::editClient);
    connect(m_deleteClient, &QPushButton::clicked, this, &ClientsPanel::deleteClient);
    connect(m_addUser, &QPushButton::clicked, this, &ClientsPanel::addUser);
    connect(m_setPassword, &QPushButton::clicked, this, &ClientsPanel::setPassword);
    connect(m_deleteUser, &QPushButton::clicked, this, &ClientsPanel::deleteUser);
    connect(m_reload, &QPushButton::clicked, this, &ClientsPanel::reload);
    connect(m_clientTable, &QTableWidget::itemSelectionChanged, this,
            &ClientsPanel::handleSelectionChanged);
    connect(m_userTable, &QTableWidget::itemSelectionChanged, this,
            &ClientsPanel::handleSelectionChanged);
    connect(m_clientTable, &QTableWidget::cellDoubleClicked, this, &ClientsPanel::editClient);
    connect(engine, &Core::Engine::started, this, &ClientsPanel::handleEngineStarted);
    connect(engine, &Core::Engine::stopped, this, &ClientsPanel::handleEngineStopped);
    if (engine->isRunning())
        handleEngineStarted();
    else
        handleEngineStopped();
    restoreLayout(this, QStringLiteral("ClientsPanel"));
}

ClientsPanel::~ClientsPanel()
{
    saveLayout(this, QStringLiteral("ClientsPanel"));
}

void ClientsPanel::handleEngineStarted()
{
    delete m_worker;
    m_worker = makeAdminWorker(m_engine, this);
    showBanner(m_error, {});
    reload();
}

void ClientsPanel::handleEngineStopped()
{
    delete m_worker;
    m_clients.clear();
    m_clientTable->setRowCount(0);
    m_userTable->setRowCount(0);
    m_status->setText(tr("Start the servers to manage the clients and users of the store."));
    handleSelectionChanged();
}

void ClientsPanel::handleSelectionChanged()
{
    const bool running = m_worker != nullptr;
    const bool client = running && !currentClientId().isEmpty();
    const bool user = running && !currentUsername().isEmpty();
    m_addClient->setEnabled(running);
    m_editClient->setEnabled(client);
    m_deleteClient->setEnabled(client);
    m_addUser->setEnabled(running);
    m_setPassword->setEnabled(user);
    m_deleteUser->setEnabled(user);
    m_reload->setEnabled(running);
}

QString ClientsPanel::currentClientId() const
{
    const int row = m_clientTable->currentRow();
    return row >= 0 && m_clientTable->item(row, 0) && m_clientTable->item(row, 0)->isSelected()
               ? m_clientTable->item(row, 0)->text()
               : QString();
}

QString ClientsPanel::currentUsername() const
{
    const int row = m_userTable->currentRow();
    return row >= 0 && m_userTable->item(row, 0) && m_userTable->item(row, 0)->isSelected()
               ? m_userTable->item(row, 0)->text()
               : QString();
}

void ClientsPanel::reload()
{
    if (!m_worker)
        return;
    m_busy->show();
    m_worker->run(
        this,
        [](Admin::Service &service) -> Core::Result<Lists> {
            auto clients = service.listClients();
            if (!clients)
                return clients.error();
            auto users = service.listUsers();
            if (!users)
                return users.error();
            return Lists{*clients, *users};
        },
        [this](Core::Result<Lists> lists) {
            m_busy->hide();
            if (!lists) {
                showBanner(m_error,
                           tr("Reading the clients failed: %1").arg(lists.error().message));
                return;
            }
            showClients(lists->clients);
            showUsers(lists->users);
            m_status->setText(tr("%n client(s)", nullptr, static_cast<int>(lists->clients.size())) +
                              QStringLiteral(" · ") +
                              tr("%n user(s)", nullptr, static_cast<int>(lists->users.size())));
            handleSelectionChanged();
            emit reloaded();
        });
}

void ClientsPanel::showClients(const QList<Admin::ClientRecord> &clients)
{
    const QString selected = currentClientId();
    m_clients = clients;
    m_clientTable->setRowCount(static_cast<int>(clients.size()));
    for (int row = 0; row < clients.size(); ++row) {
        const Admin::ClientRecord &c = clients.at(row);
        // The secret column shows its display form (prefix and hash fragment) only.
        setRow(m_clientTable, row,
               {c.clientId, c.name, c.authMethod, c.grantTypes.join(QStringLiteral(", ")),
                c.redirectUris.join(QStringLiteral(" ")), c.scope, c.source, c.secret,
                QString::number(c.activeTokens)});
        if (c.clientId == selected)
            m_clientTable->selectRow(row);
    }
    m_clientTable->resizeColumnsToContents();
}

void ClientsPanel::showUsers(const QList<Admin::UserRecord> &users)
{
    const QString selected = currentUsername();
    m_userTable->setRowCount(static_cast<int>(users.size()));
    for (int row = 0; row < users.size(); ++row) {
        const Admin::UserRecord &u = users.at(row);
        setRow(m_userTable, row,
               {u.username, u.displayName, u.disabled ? tr("Disabled") : tr("Active"),
                Core::displayTime(u.createdAt), Core::displayTime(u.updatedAt)});
        if (u.username == selected)
            m_userTable->selectRow(row);
    }
    m_userTable->resizeColumnsToContents();
}

void ClientsPanel::addClient()
{
    if (!m_worker)
        return;
    auto *editor = new ClientEditor(nullptr, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &ClientEditor::saveRequested, this, [this, editor] { saveClient(editor); });
    editor->open();
}

void ClientsPanel::editClient()
{
    const QString clientId = currentClientId();
    if (!m_worker || clientId.isEmpty())
        return;
    const auto it =
        std::find_if(m_clients.cbegin(), m_clients.cend(),
                     [&clientId](const Admin::ClientRecord &c) { return c.clientId == clientId; });
    if (it == m_clients.cend())
        return;
    auto *editor = new ClientEditor(&*it, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &ClientEditor::saveRequested, this, [this, editor] { saveClient(editor); });
    editor->open();
}

void ClientsPanel::saveClient(ClientEditor *editor)
{
    if (!m_worker)
        return;
    editor->clearErrors();
    editor->setEnabled(false);
    const Admin::NewClient client = editor->client();
    const bool edit = editor->isEdit();
    const bool newSecret = editor->wantsNewSecret();
    m_worker->run(
        editor,
        [client, edit, newSecret](Admin::Service &service) {
            return edit ? service.updateClient(client, newSecret) : service.addClient(client);
        },
        [this, editor, edit](Core::Result<Admin::AddedClient> saved) {
            editor->setEnabled(true);
            if (!saved) {
                editor->showError(saved.error().code, saved.error().message);
                return;
            }
            editor->accept();
            if (!saved->secret.isEmpty()) {
                auto *secret = new SecretDialog(saved->client.clientId, saved->secret, this);
                secret->open();
            }
            finishChange(edit ? tr("Client %1 saved.").arg(saved->client.clientId)
                              : tr("Client %1 added.").arg(saved->client.clientId));
        });
}

void ClientsPanel::deleteClient()
{
    const QString clientId = currentClientId();
    if (!m_worker || clientId.isEmpty())
        return;
    const auto it =
        std::find_if(m_clients.cbegin(), m_clients.cend(),
                     [&clientId](const Admin::ClientRecord &c) { return c.clientId == clientId; });
    const int active = it == m_clients.cend() ? 0 : static_cast<int>(it->activeTokens);
    if (!m_prompts.confirm(this, tr("Delete client"),
                           tr("Delete client '%1' with its codes, consents and tokens (%n "
                              "active)? Its users must register or be given a new client.",
                              nullptr, active)
                               .arg(clientId)))
        return;
    m_worker->run(
        this, [clientId](Admin::Service &service) { return service.removeClient(clientId); },
        [this](Core::Result<Admin::RemovedClient> removed) {
            if (!removed) {
                showBanner(m_error,
                           tr("Deleting the client failed: %1").arg(removed.error().message));
                return;
            }
            finishChange(tr("Client %1 deleted with %n token(s).", nullptr,
                            static_cast<int>(removed->tokensRemoved))
                             .arg(removed->clientId));
        });
}

void ClientsPanel::addUser()
{
    if (!m_worker)
        return;
    auto *editor = new UserEditor(QString(), this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &UserEditor::saveRequested, this, [this, editor] { saveUser(editor, false); });
    editor->open();
}

void ClientsPanel::setPassword()
{
    const QString username = currentUsername();
    if (!m_worker || username.isEmpty())
        return;
    auto *editor = new UserEditor(username, this);
    editor->setAttribute(Qt::WA_DeleteOnClose);
    connect(editor, &UserEditor::saveRequested, this, [this, editor] { saveUser(editor, true); });
    editor->open();
}

void ClientsPanel::saveUser(UserEditor *editor, bool passwordOnly)
{
    if (!m_worker)
        return;
    editor->setEnabled(false);
    const QString username = editor->username();
    const QString displayName = editor->displayName();
    const QByteArray password = editor->password();
    m_worker->run(
        editor,
        [username, displayName, password, passwordOnly](Admin::Service &service) {
            return passwordOnly ? service.setPassword(username, password)
                                : service.addUser(username, password, displayName);
        },
        [this, editor, passwordOnly](Core::Result<Admin::UserRecord> saved) {
            editor->setEnabled(true);
            if (!saved) {
                editor->showError(saved.error().message);
                return;
            }
            editor->accept();
            finishChange(passwordOnly ? tr("Password of %1 set.").arg(saved->username)
                                      : tr("User %1 added.").arg(saved->username));
        });
}

void ClientsPanel::deleteUser()
{
    const QString username = currentUsername();
    if (!m_worker || username.isEmpty())
        return;
    if (!m_prompts.confirm(this, tr("Delete user"),
                           tr("Delete user '%1'? Its consents are removed and every token "
                              "issued to it is revoked.")
                               .arg(username)))
        return;
    m_worker->run(
        this, [username](Admin::Service &service) { return service.removeUser(username); },
        [this](Core::Result<Admin::RemovedUser> removed) {
            if (!removed) {
                showBanner(m_error,
                           tr("Deleting the user failed: %1").arg(removed.error().message));
                return;
            }
            finishChange(
                tr("User %1 deleted; %n token(s) revoked.", nullptr, removed->tokensRevoked)
                    .arg(removed->username));
        });
}

void ClientsPanel::finishChange(const QString &message)
{
    showBanner(m_error, {});
    reload();
    m_status->setText(message);
    emit changeSaved(message);
}

} // namespace Ui
