#pragma once

#include <QJsonObject>
#include <QString>

#include "http/message.h"

/// How an MCP client frames a request for the protocol revision in use (shared by the
/// traffic driver and the flow walker).
namespace Traffic {

/// MCP 2026-07-28 and later: the stateless revision (no initialize, no session;
/// server/discover first, every request self-describing).
[[nodiscard]] bool isStatelessProtocol(const QString &version);

/// Stamps a request of the stateless revision: `_meta` of `params` gets
/// io.modelcontextprotocol/protocolVersion and io.modelcontextprotocol/clientCapabilities
/// (`capabilities`); `headers` get MCP-Protocol-Version, Mcp-Method and, for tools/call and
/// prompts/get (the name) or resources/read (the uri), Mcp-Name.
void stampStatelessRequest(const QString &method, QJsonObject &params, Http::Headers &headers,
                           const QString &version, const QJsonObject &capabilities = {});

} // namespace Traffic
