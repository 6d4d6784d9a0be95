#include "adminsupport.h"

#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QTableView>

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

} // namespace Ui
