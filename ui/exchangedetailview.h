#pragma once

#include <optional>

#include <QPlainTextEdit>

#include "http/exchangelog.h"

namespace Core {
class SecretVault;
}

namespace Ui {

/// Shows one exchange as an HTTP transcript: request line and headers, body (JSON
/// pretty-printed), then the response, syntax-highlighted (status by class, header names,
/// JSON keys and values, masked secrets). Values arrive masked from the exchange log; with
/// a secret vault attached, setRevealed(true) swaps the masks it knows for the raw values.
class ExchangeDetailView final : public QPlainTextEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExchangeDetailView)

public:
    explicit ExchangeDetailView(QWidget *parent = nullptr);

    void showExchange(const Http::Exchange &exchange);
    void clearExchange();
    /// The transcript text for `exchange` (what the view shows, masked).
    [[nodiscard]] static QString transcript(const Http::Exchange &exchange);

    /// Where revealed secrets come from; not owned, must outlive the view or be reset to
    /// nullptr. Without a vault nothing can be revealed.
    void setSecretVault(const Core::SecretVault *vault);
    /// Shows the raw secrets (true) or the masks (false, the default).
    void setRevealed(bool revealed);
    [[nodiscard]] bool isRevealed() const { return m_revealed; }

private:
    void refresh();

    std::optional<Http::Exchange> m_exchange;
    const Core::SecretVault *m_vault = nullptr;
    bool m_revealed = false;
};

} // namespace Ui
