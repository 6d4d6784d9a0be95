#pragma once

#include <QPlainTextEdit>

namespace Http {
struct Exchange;
}

namespace Ui {

/// Shows one exchange as an HTTP transcript: request line and headers, body (JSON
/// pretty-printed), then the response. Values arrive masked from the exchange log.
class ExchangeDetailView final : public QPlainTextEdit
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExchangeDetailView)

public:
    explicit ExchangeDetailView(QWidget *parent = nullptr);

    void showExchange(const Http::Exchange &exchange);
    /// The transcript text for `exchange` (what the view shows).
    [[nodiscard]] static QString transcript(const Http::Exchange &exchange);
};

} // namespace Ui
