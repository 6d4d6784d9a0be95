// The self-contained HTML report of a run: inline CSS, no script, no external resource.
#include <QJsonDocument>

#include "flow/types.h"

namespace Flow {

namespace {

QString esc(const QString &text)
{
    return text.toHtmlEscaped().replace(QLatin1Char('\''), QLatin1String("&#39;"));
}

QString esc(const QByteArray &text)
{
    return esc(QString::fromUtf8(text));
}

QString verdictSymbol(Verdict verdict)
{
    switch (verdict) {
    case Verdict::Pass:
        return QStringLiteral("\u2713");
    case Verdict::Warn:
        return QStringLiteral("!");
    case Verdict::Fail:
        return QStringLiteral("\u2717");
    case Verdict::Skip:
        return QStringLiteral("\u2013");
    }
    return {};
}

QString headersText(const Http::Headers &headers)
{
    QString out;
    for (const auto &[name, value] : headers.entries())
        out += esc(name) + QStringLiteral(": ") + esc(value) + QLatin1Char('\n');
    return out;
}

const char kStyle[] = R"(
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#1d1d1f}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
.pass{color:#1a7f37}.warn{color:#9a6700}.fail{color:#cf222e}.skip{color:#6e7781}
table{border-collapse:collapse;width:100%}td,th{text-align:left;vertical-align:top;padding:.25em .5em;border-bottom:1px solid #d0d7de}
pre{background:#f6f8fa;padding:.6em;overflow:auto;white-space:pre-wrap;word-break:break-all;font-size:12px}
details{margin:.3em 0}summary{cursor:pointer}.muted{color:#6e7781}
)";

} // namespace

QString Run::toHtmlReport() const
{
    QString html;
    const QString server = options.value(QStringLiteral("server_url")).toString();
    html += QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                           "<meta name=\"viewport\" content=\"width=device-width\">"
                           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                           "'none'; style-src 'unsafe-inline'\">"
                           "<title>MCP authorization walk: ") +
            esc(server) + QStringLiteral("</title><style>") + QString::fromLatin1(kStyle) +
            QStringLiteral("</style></head><body>\n");
    html += QStringLiteral("<h1>MCP authorization walk</h1>\n<table>");
    const auto row = [&html](const QString &name, const QString &value) {
        html += QStringLiteral("<tr><th>") + esc(name) + QStringLiteral("</th><td>") + esc(value) +
                QStringLiteral("</td></tr>");
    };
    row(QStringLiteral("Server"), server);
    row(QStringLiteral("Outcome"), outcomeName(outcome));
    if (!error.isEmpty())
        row(QStringLiteral("Stopped because"), error);
    row(QStringLiteral("Started"), startedAt.toUTC().toString(Qt::ISODate));
    row(QStringLiteral("Finished"), finishedAt.toUTC().toString(Qt::ISODate));
    row(QStringLiteral("Checks"), QStringLiteral("%1 pass, %2 warn, %3 fail, %4 skipped")
                                      .arg(checkCount(Verdict::Pass))
                                      .arg(checkCount(Verdict::Warn))
                                      .arg(checkCount(Verdict::Fail))
                                      .arg(checkCount(Verdict::Skip)));
    if (!tokens.clientId.isEmpty())
        row(QStringLiteral("Client"), tokens.clientId);
    if (!tokens.accessToken.isEmpty())
        row(QStringLiteral("Access token (masked)"), tokens.accessToken);
    if (!tokens.scope.isEmpty())
        row(QStringLiteral("Granted scope"), tokens.scope);
    html += QStringLiteral("</table>\n<details><summary>Options</summary><pre>") +
            esc(QJsonDocument(options).toJson(QJsonDocument::Indented)) +
            QStringLiteral("</pre></details>\n");

    for (const Step &step : steps) {
        html += QStringLiteral("<h2>") + QString::number(step.index + 1) + QStringLiteral(". ") +
                esc(step.title) + QStringLiteral(" <span class=\"") +
                esc(stepStatusName(step.status)) + QStringLiteral("\">(") +
                esc(stepStatusName(step.status)) + QStringLiteral(")</span></h2>\n");
        if (!step.summary.isEmpty())
            html += QStringLiteral("<p>") + esc(step.summary) + QStringLiteral("</p>\n");
        if (!step.checks.isEmpty()) {
            html += QStringLiteral("<table><tr><th></th><th>Rule</th><th>Level</th>"
                                   "<th>Explanation</th></tr>");
            for (const Check &check : step.checks)
                html += QStringLiteral("<tr><td class=\"") + verdictName(check.verdict) +
                        QStringLiteral("\">") + verdictSymbol(check.verdict) +
                        QStringLiteral("</td><td><code>") + esc(check.rule) +
                        QStringLiteral("</code></td><td>") + levelName(check.level) +
                        QStringLiteral("</td><td>") + esc(check.explanation) +
                        QStringLiteral("</td></tr>");
            html += QStringLiteral("</table>\n");
        }
        for (const Http::Exchange &exchange : step.exchanges) {
            html += QStringLiteral("<details><summary><code>") + esc(exchange.method) +
                    QLatin1Char(' ') + esc(exchange.url) + QStringLiteral("</code> \u2192 ") +
                    (exchange.status > 0 ? QString::number(exchange.status) : esc(exchange.error)) +
                    QStringLiteral("</summary><pre>") + esc(exchange.method) + QLatin1Char(' ') +
                    esc(exchange.url) + QLatin1Char('\n') + headersText(exchange.requestHeaders) +
                    QLatin1Char('\n') + esc(exchange.requestBody) + QStringLiteral("</pre><pre>") +
                    QString::number(exchange.status) + QLatin1Char('\n') +
                    headersText(exchange.responseHeaders) + QLatin1Char('\n') +
                    esc(exchange.responseBody) + QStringLiteral("</pre></details>\n");
        }
    }
    html += QStringLiteral("<p class=\"muted\">Generated by MCP Auth Studio. Tokens, codes and "
                           "secrets are masked.</p>\n</body></html>\n");
    return html;
}

} // namespace Flow
