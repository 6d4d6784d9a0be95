#include "aboutdialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QIcon>
#include <QLabel>
#include <QVBoxLayout>

#include "engine.h"

namespace Ui {

AboutDialog::AboutDialog(QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("aboutDialog"));
    setWindowTitle(tr("About MCP Auth Studio"));

    auto *icon = new QLabel(this);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/app.svg")).pixmap(96, 96));
    icon->setAlignment(Qt::AlignCenter);

    auto *title = new QLabel(
        QStringLiteral("<h2>MCP Auth Studio</h2><p>%1</p>")
            .arg(tr("Test and administer the authorization of MCP servers.").toHtmlEscaped()),
        this);
    title->setAlignment(Qt::AlignCenter);
    title->setWordWrap(true);

    auto *versions = new QFormLayout;
    versions->addRow(tr("Version:"), new QLabel(QStringLiteral(MCPAUTH_VERSION), this));
    for (const auto &[name, version] : Core::componentVersions()) {
        auto *label = new QLabel(version, this);
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        versions->addRow(name + QLatin1Char(':'), label);
    }

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(icon);
    layout->addWidget(title);
    layout->addLayout(versions);
    layout->addWidget(buttons);
}

} // namespace Ui
