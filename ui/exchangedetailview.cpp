#include "exchangedetailview.h"

#include <QFontDatabase>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSyntaxHighlighter>

#include "flowinspect.h"
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
        text += QString::fromLatin1(name) + QStringLiteral(": ") + QString::fromUtf8(value) +
                QLatin1Char('\n');
    return text;
}

/// Colours a transcript: the request and status lines, header names, JSON keys, strings,
/// numbers and literals, and masked secrets (so a reader sees at once what is hidden).
class TranscriptHighlighter final : public QSyntaxHighlighter
{
public:
    explicit TranscriptHighlighter(QTextDocument *document)
        : QSyntaxHighlighter(document)
    {
        const auto format = [](const QColor &color, bool bold = false) {
            QTextCharFormat f;
            f.setForeground(color);
            if (bold)
                f.setFontWeight(QFont::Bold);
            return f;
        };
        const auto rule = [](const char *pattern) {
            return QRegularExpression(QString::fromUtf8(pattern));
        };
        m_rules = {
            {rule("^[A-Z]+ (?=\\S)"), format(QColor(0x1f, 0x6f, 0xd1), true)},
            {rule("^[A-Za-z0-9!#$%&'*+.^_`|~-]+:(?= )"), format(QColor(0x8a, 0x3f, 0xb8), true)},
            {rule("\"(?:[^\"\\\\]|\\\\.)*\""), format(QColor(0x18, 0x80, 0x38))},
            {rule("\"(?:[^\"\\\\]|\\\\.)*\"(?=\\s*:)"), format(QColor(0x1f, 0x6f, 0xd1))},
            {rule("(?<=[:\\[,\\s])-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?(?=[,\\s\\]}]|$)"),
             format(QColor(0xb3, 0x5c, 0x00))},
            {rule("\\b(?:true|false|null)\\b"), format(QColor(0xb3, 0x5c, 0x00), true)},
        };
        m_success = format(QColor(0x18, 0x80, 0x38), true);
        m_redirect = format(QColor(0xb3, 0x5c, 0x00), true);
        m_failure = format(QColor(0xc6, 0x28, 0x28), true);
        m_masked.setBackground(QColor(0xff, 0xd5, 0x80, 0x90));
        m_maskPattern = rule("[^\\s\"&=]{0,4}\u2026#[0-9a-f]{8}");
        m_statusPattern = rule("^HTTP ([1-5])\\d\\d");
    }

protected:
    void highlightBlock(const QString &text) override
    {
        for (const auto &[pattern, format] : m_rules) {
            for (auto it = pattern.globalMatch(text); it.hasNext();) {
                const auto match = it.next();
                setFormat(int(match.capturedStart()), int(match.capturedLength()), format);
            }
        }
        const auto status = m_statusPattern.match(text);
        if (status.hasMatch()) {
            const QChar kind = status.captured(1).at(0);
            setFormat(0, int(status.capturedLength()),
                      kind == QLatin1Char('2')   ? m_success
                      : kind == QLatin1Char('3') ? m_redirect
                                                 : m_failure);
        }
        for (auto it = m_maskPattern.globalMatch(text); it.hasNext();) {
            const auto match = it.next();
            QTextCharFormat f = format(int(match.capturedStart()));
            f.setBackground(m_masked.background());
            setFormat(int(match.capturedStart()), int(match.capturedLength()), f);
        }
    }

private:
    QList<std::pair<QRegularExpression, QTextCharFormat>> m_rules;
    QRegularExpression m_maskPattern;
    QRegularExpression m_statusPattern;
    QTextCharFormat m_success;
    QTextCharFormat m_redirect;
    QTextCharFormat m_failure;
    QTextCharFormat m_masked;
};

} // namespace

ExchangeDetailView::ExchangeDetailView(QWidget *parent)
    : QPlainTextEdit(parent)
{
    new TranscriptHighlighter(document());
    setReadOnly(true);
    setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    setLineWrapMode(QPlainTextEdit::NoWrap);
    setPlaceholderText(tr("Select an exchange to see its request and response."));
}

void ExchangeDetailView::showExchange(const Http::Exchange &exchange)
{
    m_exchange = exchange;
    refresh();
}

void ExchangeDetailView::clearExchange()
{
    m_exchange.reset();
    clear();
}

void ExchangeDetailView::setSecretVault(const Core::SecretVault *vault)
{
    m_vault = vault;
    refresh();
}

void ExchangeDetailView::setRevealed(bool revealed)
{
    if (m_revealed == revealed)
        return;
    m_revealed = revealed;
    refresh();
}

void ExchangeDetailView::refresh()
{
    if (!m_exchange)
        return;
    const QString text = transcript(*m_exchange);
    setPlainText(m_revealed && m_vault ? m_vault->reveal(text) : text);
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
