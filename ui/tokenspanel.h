#pragma once

#include <QPointer>
#include <QWidget>

#include "adminsupport.h"
#include "store/tokenrepository.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableView;
class QTimer;
class QTreeWidget;

namespace Core {
class AdminWorker;
class AuditFollower;
class Engine;
class TokenTableModel;
} // namespace Core

namespace Ui {

/// The tokens of the store: a lazily fetched, filterable table that follows the audit log
/// (tokens issued or revoked by any process on the store appear within a second), a detail
/// pane with the refresh family as a tree, revocation (one, several, a client's, a
/// subject's, a family) and purging of expired tokens. Every store call runs off the GUI
/// thread through Admin::Service.
class TokensPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokensPanel)

public:
    explicit TokensPanel(Core::Engine *engine, QWidget *parent = nullptr);
    /// Keeps the splitter and column layout (see saveLayout()).
    ~TokensPanel() override;

    void setPrompts(Prompts prompts) { m_prompts = std::move(prompts); }
    [[nodiscard]] QSplitter *splitter() const { return m_splitter; }
    [[nodiscard]] Core::TokenTableModel *model() const { return m_model; }
    /// The follower of the audit log that keeps the table current.
    [[nodiscard]] Core::AuditFollower *follower() const { return m_follower; }

    void revokeSelected();
    void revokeClient();
    void revokeSubject();
    void revokeFamily();
    void purgeExpired();

signals:
    /// A revocation or purge finished; `message` says what it did.
    void actionFinished(const QString &message);

private:
    enum class Target { Client, Subject, Family };
    void handleEngineStarted();
    void handleEngineStopped();
    void handleFilterChanged();
    void applyFilter();
    void handleCurrentRowChanged();
    void handleRowsRefreshed();
    void handleSelectionChanged();
    void handleLoadingChanged();
    void revokeTarget(Target target);
    void finishAction(const QString &message);
    void showError(const QString &message);
    void updateStatus();

    Core::Engine *m_engine;
    QPointer<Core::AdminWorker> m_worker;
    Core::TokenTableModel *m_model;
    Core::AuditFollower *m_follower;
    Prompts m_prompts = Prompts::interactive();
    QLabel *m_error;
    QLineEdit *m_client;
    QLineEdit *m_subject;
    QLineEdit *m_scope;
    QLineEdit *m_resource;
    QComboBox *m_kind;
    QComboBox *m_state;
    QTimer *m_filterDelay;
    QProgressBar *m_busy;
    QLabel *m_status;
    QPushButton *m_revokeSelected;
    QPushButton *m_revokeClient;
    QPushButton *m_revokeSubject;
    QPushButton *m_revokeFamily;
    QPushButton *m_purge;
    QPushButton *m_refresh;
    QProgressBar *m_purgeProgress;
    QTableView *m_table;
    QPlainTextEdit *m_detail;
    QTreeWidget *m_family;
    QSplitter *m_splitter;
    quint64 m_detailGeneration = 0;
    qint64 m_detailId = 0; ///< the token the detail pane shows
    Store::TokenState m_detailState = Store::TokenState::Active;
};

} // namespace Ui
