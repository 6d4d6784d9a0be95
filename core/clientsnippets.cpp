#include "clientsnippets.h"

#include <algorithm>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringList>
#include <QUrl>

#include "engine.h"
#include "resource/mcpserver.h"

namespace Core {

namespace {

QString shellQuote(const QString &argument)
{
    QString quoted = argument;
    quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString shellLine(const QStringList &words)
{
    QStringList quoted;
    for (const QString &word : words) {
        const bool plain = !word.isEmpty() && std::all_of(word.begin(), word.end(), [](QChar c) {
            return c.isLetterOrNumber() || QStringLiteral("-_./:@=").contains(c);
        });
        quoted.append(plain ? word : shellQuote(word));
    }
    return quoted.join(QLatin1Char(' '));
}

QString jsonText(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented)).trimmed();
}

} // namespace

ConnectionInfo connectionInfo(const Engine &engine)
{
    ConnectionInfo info;
    if (!engine.isRunning())
        return info;
    info.mcpUrl = engine.mcpResourceUri();
    info.prmUrl = engine.mcpServer() ? engine.mcpServer()->metadataUrl()
                                     : protectedResourceMetadataUrl(info.mcpUrl);
    info.issuer = engine.issuer();
    info.tlsFingerprint = engine.tlsFingerprint();
    return info;
}

QString protectedResourceMetadataUrl(const QString &mcpUrl)
{
    const QUrl url(mcpUrl, QUrl::StrictMode);
    if (!url.isValid() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")) ||
        url.host().isEmpty())
        return {};
    QString path = url.path(QUrl::FullyEncoded);
    if (path == QLatin1String("/"))
        path.clear();
    return url.adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment |
                        QUrl::RemoveUserInfo)
               .toString() +
           QStringLiteral("/.well-known/oauth-protected-resource") + path;
}

QList<ClientSnippet> clientSnippets(const ConnectionInfo &info)
{
    if (info.isEmpty())
        return {};
    const QString &name = info.serverName;
    const QJsonObject httpServer{{QStringLiteral("type"), QStringLiteral("http")},
                                 {QStringLiteral("url"), info.mcpUrl}};
    QList<ClientSnippet> snippets;
    snippets.append(
        {QStringLiteral("claude-code"), QStringLiteral("Claude Code (command line)"),
         QStringLiteral("shell"),
         shellLine({QStringLiteral("claude"), QStringLiteral("mcp"), QStringLiteral("add"),
                    QStringLiteral("--transport"), QStringLiteral("http"), name, info.mcpUrl})});
    snippets.append({QStringLiteral("claude-code-json"), QStringLiteral("Claude Code (.mcp.json)"),
                     QStringLiteral("json"),
                     jsonText({{QStringLiteral("mcpServers"), QJsonObject{{name, httpServer}}}})});
    // Claude Desktop's config file takes local commands; mcp-remote bridges to HTTP and
    // runs the OAuth flow in the browser.
    snippets.append(
        {QStringLiteral("claude-desktop"),
         QStringLiteral("Claude Desktop (claude_desktop_config.json)"), QStringLiteral("json"),
         jsonText(
             {{QStringLiteral("mcpServers"),
               QJsonObject{{name, QJsonObject{{QStringLiteral("command"), QStringLiteral("npx")},
                                              {QStringLiteral("args"),
                                               QJsonArray{QStringLiteral("-y"),
                                                          QStringLiteral("mcp-remote"),
                                                          info.mcpUrl}}}}}}})});
    snippets.append({QStringLiteral("vscode"), QStringLiteral("VS Code (.vscode/mcp.json)"),
                     QStringLiteral("json"),
                     jsonText({{QStringLiteral("servers"), QJsonObject{{name, httpServer}}}})});
    snippets.append(
        {QStringLiteral("inspector"), QStringLiteral("MCP Inspector"), QStringLiteral("shell"),
         shellLine({QStringLiteral("npx"), QStringLiteral("@modelcontextprotocol/inspector"),
                    QStringLiteral("--transport"), QStringLiteral("http"),
                    QStringLiteral("--server-url"), info.mcpUrl})});
    QStringList curl = {
        shellLine({QStringLiteral("curl"), QStringLiteral("-si"), info.mcpUrl}),
        shellLine({QStringLiteral("curl"), QStringLiteral("-s"), info.prmUrl}),
        shellLine({QStringLiteral("curl"), QStringLiteral("-s"),
                   info.issuer + QStringLiteral("/.well-known/oauth-authorization-server")})};
    if (!info.tlsFingerprint.isEmpty()) {
        for (QString &line : curl)
            line.replace(QStringLiteral("curl -s"), QStringLiteral("curl -k -s"));
        curl.prepend(
            QStringLiteral("# self-signed certificate, SHA-256 %1").arg(info.tlsFingerprint));
    }
    snippets.append({QStringLiteral("curl"), QStringLiteral("Discovery with curl"),
                     QStringLiteral("shell"), curl.join(QLatin1Char('\n'))});
    return snippets;
}

} // namespace Core
