#include "exchangedetailview.h"

#include <QFontDatabase>
#include <QJsonDocument>

#include "http/exchangelog.h"

namespace Ui {

namespace {

QString formatBody(const Http::Headers &headers, const QByteArray &body, bool truncated)
{
    if (body.isEmpty())
        return {};
    QString text;
    if (headers.value("Content-Type").contains("json")) {
        const QJsonDocument document = QJsonDocument::fromJson(body);
        if (!document.isNull())
            text = QString::fromUtf8(document.toJson(QJsonDocument::Indented));
    }
    if (text.isEmpty())
        text = QString::fromUtf8(body);
    if (truncated)
        text += QObject::tr("\n… (truncated)");
    return text;
}

QString formatHeaders(const Http::Headers &headers)
{
    QString text;
    for (const auto &[name, value] : headers.entries())
        text += QString::fromLatin1(name) + QStringLiteral(": ") + QString::fromLatin1(value) +
                QLatin1Char('\n');
    return text;
}

} // namespace

ExchangeDetailView::ExchangeDetailView(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setReadOnly(true);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setPlaceholderText(tr("Select an exchange to see its request and response."));
}

void ExchangeDetailView::showExchange(const Http::Exchange &exchange)
{
    setPlainText(transcript(exchange));
}

QString ExchangeDetailView::transcript(const Http::Exchange &exchange)
{
    QString text = QString::fromLatin1(exchange.method) + QLatin1Char(' ') + exchange.url +
                   QLatin1Char('\n') + formatHeaders(exchange.requestHeaders);
    const QString requestBody =
        formatBody(exchange.requestHeaders, exchange.requestBody, exchange.requestBodyTruncated);
    if (!requestBody.isEmpty())
        text += QLatin1Char('\n') + requestBody + QLatin1Char('\n');
    text += QStringLiteral("\n――――――――――――――――――――――――――――\n\n");
    if (exchange.status == 0) {
        text += tr("No response: %1\n").arg(exchange.error);
        return text;
    }
    text +=
        QStringLiteral("HTTP %1\n").arg(exchange.status) + formatHeaders(exchange.responseHeaders);
    const QString responseBody =
        formatBody(exchange.responseHeaders, exchange.responseBody, exchange.responseBodyTruncated);
    if (!responseBody.isEmpty())
        text += QLatin1Char('\n') + responseBody + QLatin1Char('\n');
    return text;
}

} // namespace Ui
