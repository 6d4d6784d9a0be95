#pragma once

#include <QPointer>
#include <QWidget>

#include "admin/records.h"
#include "adminsupport.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace Core {
class AdminWorker;
class Engine;
} // namespace Core

namespace Ui {

class ClientEditor;
class UserEditor;

/// The OAuth clients and the users of the authorization server's store, in two tabs: list,
/// add, edit and delete clients (a new secret is shown once), add users, set a password,
/// delete users. Every change goes through Admin::Service off the GUI thread, which holds
/// the rules; its validation messages show next to the field.
class ClientsPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClientsPanel)

public:
    explicit ClientsPanel(Core::Engine *engine, QWidget *parent = nullptr);
    /// Keeps the splitter and column layout (see saveLayout()).
    ~ClientsPanel() override;

    void setPrompts(Prompts prompts) { m_prompts = std::move(prompts); }

    /// Reads the clients and users again.
    void reload();
    /// Opens the editor (non-modal to the event loop: the dialog is a child of the panel).
    void addClient();
    void editClient();
    void deleteClient();
    void addUser();
    void setPassword();
    void deleteUser();

signals:
    /// The lists were read and shown.
    void reloaded();
    /// A change was saved; `message` says what happened.
    void changeSaved(const QString &message);

private:
    void handleEngineStarted();
    void handleEngineStopped();
    void handleSelectionChanged();
    void saveClient(ClientEditor *editor);
    void saveUser(UserEditor *editor, bool passwordOnly);
    void showClients(const QList<Admin::ClientRecord> &clients);
    void showUsers(const QList<Admin::UserRecord> &users);
    void finishChange(const QString &message);
    [[nodiscard]] QString currentClientId() const;
    [[nodiscard]] QString currentUsername() const;

    Core::Engine *m_engine;
    QPointer<Core::AdminWorker> m_worker;
    Prompts m_prompts = Prompts::interactive();
    QList<Admin::ClientRecord> m_clients;
    QLabel *m_error;
    QLabel *m_status;
    QProgressBar *m_busy;
    QTabWidget *m_tabs;
    QTableWidget *m_clientTable;
    QTableWidget *m_userTable;
    QPushButton *m_addClient;
    QPushButton *m_editClient;
    QPushButton *m_deleteClient;
    QPushButton *m_addUser;
    QPushButton *m_setPassword;
    QPushButton *m_deleteUser;
    QPushButton *m_reload;
};

} // namespace Ui
