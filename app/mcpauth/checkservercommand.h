#pragma once

#include <QStringList>

/// `mcpauth check-server URL ...`: audits the token checks of the MCP server at URL with
/// Flow::ServerCheck, minting tokens with an embedded authorization server started here.
namespace Cli {

/// Runs the audit described by `arguments` (after the word "check-server") and returns the
/// exit code: 0 when every MUST passed, 1 otherwise, 2 for a usage error.
int runCheckServerCommand(const QStringList &arguments);

} // namespace Cli
