#pragma once

#include <QPointer>
#include <QWidget>

#include "adminsupport.h"

class QCheckBox;
class QComboBox;
class QDateTimeEdit;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableView;
class QTimer;

namespace Core {
class AdminWorker;
class AuditTableModel;
class Engine;
struct AuditQuery;
} // namespace Core

namespace Ui {

/// The audit log of the store, newest first, filterable by type, client, subject, time
/// range and free text, following new events live, exportable as CSV. Store calls run off
/// the GUI thread.
class AuditPanel final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditPanel)

public:
    explicit AuditPanel(Core::Engine *engine, QWidget *parent = nullptr);
    /// Keeps the splitter and column layout (see saveLayout()).
    ~AuditPanel() override;

    void setPrompts(Prompts prompts) { m_prompts = std::move(prompts); }
    [[nodiscard]] QSplitter *splitter() const { return m_splitter; }
    [[nodiscard]] Core::AuditTableModel *model() const { return m_model; }
    /// The filters as the panel shows them.
    [[nodiscard]] Core::AuditQuery query() const;

    /// Asks for a file (Prompts::saveFileName) and writes the matching events to it.
    void exportCsv();

signals:
    /// An export finished: `events` written to `path`, or `error` set.
    void exportFinished(const QString &path, qint64 events, const QString &error);

private:
    void handleEngineStarted();
    void handleEngineStopped();
    void handleFilterChanged();
    void applyFilter();
    void handleCurrentRowChanged();
    void updateStatus();

    Core::Engine *m_engine;
    QPointer<Core::AdminWorker> m_worker;
    Core::AuditTableModel *m_model;
    Prompts m_prompts = Prompts::interactive();
    QLabel *m_error;
    QComboBox *m_type;
    QLineEdit *m_client;
    QLineEdit *m_subject;
    QCheckBox *m_useSince;
    QDateTimeEdit *m_since;
    QCheckBox *m_useUntil;
    QDateTimeEdit *m_until;
    QLineEdit *m_search;
    QTimer *m_filterDelay;
    QPushButton *m_export;
    QProgressBar *m_busy;
    QLabel *m_status;
    QTableView *m_table;
    QPlainTextEdit *m_detail;
    QSplitter *m_splitter;
};

} // namespace Ui
