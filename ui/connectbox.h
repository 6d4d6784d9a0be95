#pragma once

#include <QGroupBox>

#include "clientsnippets.h"

class QComboBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace Ui {

/// A read-only field with a Copy button beside it, in one row widget owned by `parent`.
[[nodiscard]] QWidget *makeCopyableField(QLineEdit *field, QWidget *parent);

/// "Connect your own MCP client": the running servers' MCP URL, PRM URL and issuer to
/// copy, and ready config snippets (Core::clientSnippets) in a read-only code view.
class ConnectBox final : public QGroupBox
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConnectBox)

public:
    explicit ConnectBox(QWidget *parent = nullptr);

    /// Shows `info` (empty: the servers are stopped, everything is cleared).
    void setConnectionInfo(const Core::ConnectionInfo &info);
    [[nodiscard]] const QList<Core::ClientSnippet> &snippets() const { return m_snippets; }

private:
    void showSnippet(int index);

    QLineEdit *m_mcpUrl;
    QLineEdit *m_prmUrl;
    QLineEdit *m_issuer;
    QComboBox *m_choice;
    QPlainTextEdit *m_view;
    QPushButton *m_copy;
    QList<Core::ClientSnippet> m_snippets;
};

} // namespace Ui
