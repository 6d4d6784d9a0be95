#pragma once

#include <QList>
#include <QString>

namespace Core {

class Engine;

/// Where an MCP client reaches the embedded servers. A value object.
struct ConnectionInfo
{
    QString mcpUrl;         ///< the protected MCP endpoint (the token audience)
    QString prmUrl;         ///< its Protected Resource Metadata (RFC 9728)
    QString issuer;         ///< the authorization server's issuer identifier
    QString tlsFingerprint; ///< SHA-256 of the self-signed certificate, empty without TLS
    QString serverName = QStringLiteral("mcpauth-studio"); ///< the name clients list it under

    [[nodiscard]] bool isEmpty() const { return mcpUrl.isEmpty(); }
};

/// One ready-to-paste configuration for an MCP client.
struct ClientSnippet
{
    QString id;       ///< stable key ("claude-code", "vscode", ...)
    QString title;    ///< what to show ("VS Code (.vscode/mcp.json)")
    QString language; ///< "json" or "shell"
    QString text;
};

/// The running engine's URLs; empty when it is stopped.
[[nodiscard]] ConnectionInfo connectionInfo(const Engine &engine);

/// The Protected Resource Metadata URL of `mcpUrl`: the well-known path inserted between
/// the origin and the path (RFC 9728 section 3.1). Empty when `mcpUrl` is not http(s).
[[nodiscard]] QString protectedResourceMetadataUrl(const QString &mcpUrl);

/// Config snippets for common MCP clients (Claude Code, Claude Desktop, VS Code, the MCP
/// Inspector, curl) pointing at `info`. Empty when `info` is empty. JSON snippets are
/// generated as JSON (quoting is exact); shell snippets single-quote every argument.
[[nodiscard]] QList<ClientSnippet> clientSnippets(const ConnectionInfo &info);

} // namespace Core
