#include "adminsupport.h"

#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTreeView>

#include "adminworker.h"
#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "engine.h"

namespace Ui {

Prompts Prompts::interactive()
{
    Prompts prompts;
    prompts.confirm = [](QWidget *parent, const QString &title, const QString &text) {
        return QMessageBox::question(parent, title, text, QMessageBox::Yes | QMessageBox::Cancel,
                                     QMessageBox::Cancel) == QMessageBox::Yes;
    };
    prompts.saveFileName = [](QWidget *parent, const QString &title, const QString &suggestedName,
                              const QString &filter) {
        return QFileDialog::getSaveFileName(parent, title, suggestedName, filter);
    };
    return prompts;
}

Core::AdminWorker *makeAdminWorker(Core::Engine *engine, QObject *parent)
{
    if (!engine->isRunning() || !engine->store() || !engine->authorizationServer())
        return nullptr;
    return new Core::AdminWorker(engine->store(), engine->authorizationServer()->context().config(),
                                 parent);
}

QLabel *makeErrorBanner(const QString &objectName, QWidget *parent)
{
    auto *banner = new QLabel(parent);
    banner->setObjectName(objectName);
    banner->setWordWrap(true);
    banner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    banner->setStyleSheet(
        QStringLiteral("QLabel { background: #fde8e8; color: #8a1c1c; border: 1px solid #f5b5b5;"
                       " border-radius: 4px; padding: 6px; }"));
    banner->hide();
    return banner;
}

void showBanner(QLabel *banner, const QString &message)
{
    banner->setText(message);
    banner->setVisible(!message.isEmpty());
}

QProgressBar *makeBusyIndicator(const QString &objectName, QWidget *parent)
{
    auto *busy = new QProgressBar(parent);
    busy->setObjectName(objectName);
    busy->setRange(0, 0);
    busy->setMaximumWidth(120);
    busy->setTextVisible(false);
    busy->setAccessibleName(QObject::tr("Loading"));
    busy->hide();
    return busy;
}

QLabel *makeFieldError(const QString &objectName, QWidget *parent)
{
    auto *label = new QLabel(parent);
    label->setObjectName(objectName);
    label->setWordWrap(true);
    label->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; }"));
    label->hide();
    return label;
}

void setFieldError(QLabel *label, const QString &message)
{
    label->setText(message);
    label->setVisible(!message.isEmpty());
}

void setUpRecordTable(QTableView *table, const QString &objectName, const QString &accessibleName,
                      QAbstractItemView::SelectionMode mode, int stretchColumn)
{
    table->setObjectName(objectName);
    table->setAccessibleName(accessibleName);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->setSelectionMode(mode);
    table->verticalHeader()->hide();
    table->setAlternatingRowColors(true);
    if (stretchColumn < 0)
        table->horizontalHeader()->setStretchLastSection(true);
    else
        table->horizontalHeader()->setSectionResizeMode(stretchColumn, QHeaderView::Stretch);
}

namespace {

/// Calls `splitterKey` or `headerKey` for every named splitter and view header of `panel`,
/// keyed by the splitter's or view's name.
template <typename OnSplitter, typename OnHeader>
void forEachLayoutPart(const QWidget *panel, OnSplitter onSplitter, OnHeader onHeader)
{
    const auto splitters = panel->findChildren<QSplitter *>();
    for (QSplitter *splitter : splitters)
        if (!splitter->objectName().isEmpty())
            onSplitter(splitter->objectName() + QStringLiteral("/splitter"), *splitter);
    const auto views = panel->findChildren<QAbstractItemView *>();
    for (QAbstractItemView *view : views) {
        if (view->objectName().isEmpty())
            continue;
        const QString key = view->objectName() + QStringLiteral("/header");
        if (auto *table = qobject_cast<QTableView *>(view))
            onHeader(key, *table->horizontalHeader());
        else if (auto *tree = qobject_cast<QTreeView *>(view))
            onHeader(key, *tree->header());
    }
}

} // namespace

void restoreLayout(QWidget *panel, const QString &group)
{
    QSettings settings;
    settings.beginGroup(group);
    const auto restore = [&settings](const QString &key, auto &part) {
        const QByteArray state = settings.value(key).toByteArray();
        if (!state.isEmpty())
            part.restoreState(state);
    };
    forEachLayoutPart(panel, restore, restore);
}

void saveLayout(const QWidget *panel, const QString &group)
{
    QSettings settings;
    settings.beginGroup(group);
    const auto save = [&settings](const QString &key, const auto &part) {
        settings.setValue(key, part.saveState());
    };
    forEachLayoutPart(panel, save, save);
}

} // namespace Ui
