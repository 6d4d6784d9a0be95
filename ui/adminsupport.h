#pragma once

#include <functional>

#include <QAbstractItemView>
#include <QString>

class QLabel;
class QObject;
class QProgressBar;
class QTableView;
class QWidget;

namespace Core {
class AdminWorker;
class Engine;
} // namespace Core

namespace Ui {

/// The questions the administration panels ask the user. Replaceable so that tests (and
/// scripted demos) answer them without a modal dialog.
struct Prompts
{
    /// Yes/no before a destructive action; `text` names what will happen and to how many.
    std::function<bool(QWidget *parent, const QString &title, const QString &text)> confirm;
    /// A file to save to; empty when the user cancelled.
    std::function<QString(QWidget *parent, const QString &title, const QString &suggestedName,
                          const QString &filter)>
        saveFileName;

    /// QMessageBox::question and QFileDialog::getSaveFileName.
    [[nodiscard]] static Prompts interactive();
};

/// A worker over the running engine's store and authorization server settings, owned by
/// `parent`; null when the engine is stopped.
[[nodiscard]] Core::AdminWorker *makeAdminWorker(Core::Engine *engine, QObject *parent);

/// A hidden banner for errors an operator can act on (shown with showBanner()).
[[nodiscard]] QLabel *makeErrorBanner(const QString &objectName, QWidget *parent);
void showBanner(QLabel *banner, const QString &message);

/// An indeterminate progress bar shown while a panel waits for the store.
[[nodiscard]] QProgressBar *makeBusyIndicator(const QString &objectName, QWidget *parent);

/// A small red label placed next to a form field for its validation message.
[[nodiscard]] QLabel *makeFieldError(const QString &objectName, QWidget *parent);
void setFieldError(QLabel *label, const QString &message);

/// Sets up a table of records the way every panel shows them: whole rows selected in
/// `mode`, no row numbers, alternating row colours, and `stretchColumn` (the last column
/// when -1) taking the spare width.
void setUpRecordTable(QTableView *table, const QString &objectName, const QString &accessibleName,
                      QAbstractItemView::SelectionMode mode, int stretchColumn = -1);

/// Restores what saveLayout() kept for `panel` under the QSettings group `group`: the
/// state of every named QSplitter and the column header of every named table or tree view
/// inside it. Call once its views have their models (a header without columns does not
/// restore). States that no longer fit are ignored.
void restoreLayout(QWidget *panel, const QString &group);
/// Keeps those states in QSettings; panels call it from their destructor, while their
/// children are still alive.
void saveLayout(const QWidget *panel, const QString &group);

} // namespace Ui
