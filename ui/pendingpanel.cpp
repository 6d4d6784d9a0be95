#include "pendingpanel.h"

#include <QLabel>
#include <QVBoxLayout>

namespace Ui {

PendingPanel::PendingPanel(const QString &title, const QString &purpose, QWidget *parent)
    : QWidget(parent)
{
    auto *heading = new QLabel(QStringLiteral("<h2>%1</h2>").arg(title.toHtmlEscaped()), this);
    auto *notice = new QLabel(tr("This panel is not built yet in this version of MCP Auth "
                                 "Studio. It does nothing for now."),
                              this);
    notice->setObjectName(QStringLiteral("pendingNotice"));
    notice->setWordWrap(true);
    auto *what = new QLabel(tr("When built, it will: %1").arg(purpose), this);
    what->setWordWrap(true);
    what->setEnabled(false);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(heading);
    layout->addWidget(notice);
    layout->addWidget(what);
    layout->addStretch();
}

} // namespace Ui
