#include "connectbox.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace Ui {

QWidget *makeCopyableField(QLineEdit *field, QWidget *parent)
{
    field->setReadOnly(true);
    auto *copy = new QToolButton(parent);
    copy->setText(QObject::tr("Copy"));
    copy->setObjectName(field->objectName() + QStringLiteral("Copy"));
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

ConnectBox::ConnectBox(QWidget *parent)
    : QGroupBox(tr("Connect your own MCP client"), parent)
    , m_mcpUrl(new QLineEdit(this))
    , m_prmUrl(new QLineEdit(this))
    , m_issuer(new QLineEdit(this))
    , m_choice(new QComboBox(this))
    , m_view(new QPlainTextEdit(this))
    , m_copy(new QPushButton(tr("&Copy snippet"), this))
{
    setObjectName(QStringLiteral("connectBox"));
    m_mcpUrl->setObjectName(QStringLiteral("connectMcpUrl"));
    m_mcpUrl->setAccessibleName(tr("MCP URL"));
    m_prmUrl->setObjectName(QStringLiteral("connectPrmUrl"));
    m_prmUrl->setAccessibleName(tr("Protected resource metadata URL"));
    m_issuer->setObjectName(QStringLiteral("connectIssuer"));
    m_issuer->setAccessibleName(tr("Authorization server issuer"));
    m_choice->setObjectName(QStringLiteral("snippetChoice"));
    m_choice->setAccessibleName(tr("MCP client"));
    m_view->setObjectName(QStringLiteral("snippetView"));
    m_view->setAccessibleName(tr("Configuration snippet"));
    m_view->setReadOnly(true);
    m_view->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setMaximumHeight(m_view->fontMetrics().lineSpacing() * 9);
    m_copy->setObjectName(QStringLiteral("copySnippet"));

    auto *form = new QFormLayout;
    form->addRow(tr("MCP URL:"), makeCopyableField(m_mcpUrl, this));
    form->addRow(tr("Resource metadata:"), makeCopyableField(m_prmUrl, this));
    form->addRow(tr("Issuer:"), makeCopyableField(m_issuer, this));
    auto *choiceRow = new QHBoxLayout;
    choiceRow->addWidget(m_choice, 1);
    choiceRow->addWidget(m_copy);
    form->addRow(tr("Client:"), choiceRow);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_view);

    connect(m_choice, &QComboBox::currentIndexChanged, this, &ConnectBox::showSnippet);
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(m_view->toPlainText()); });
    setConnectionInfo({});
}

void ConnectBox::setConnectionInfo(const Core::ConnectionInfo &info)
{
    m_snippets = Core::clientSnippets(info);
    m_mcpUrl->setText(info.mcpUrl);
    m_prmUrl->setText(info.prmUrl);
    m_issuer->setText(info.issuer);
    const QString previous = m_choice->currentData().toString();
    {
        const QSignalBlocker blocker(m_choice);
        m_choice->clear();
        for (const Core::ClientSnippet &snippet : m_snippets)
            m_choice->addItem(snippet.title, snippet.id);
    }
    const int index = m_choice->findData(previous);
    m_choice->setCurrentIndex(index >= 0 ? index : 0);
    showSnippet(m_choice->currentIndex());
    m_choice->setEnabled(!m_snippets.isEmpty());
    m_copy->setEnabled(!m_snippets.isEmpty());
}

void ConnectBox::showSnippet(int index)
{
    if (index >= 0 && index < m_snippets.size())
        m_view->setPlainText(m_snippets.at(index).text);
    else
        m_view->setPlainText(tr("Start the servers to get the URLs and snippets."));
}

} // namespace Ui
