#pragma once

#include <QStringList>

/// `mcpauth flow URL ...`: walks how an MCP client gets authorized against the MCP server
/// at URL with Flow::Walker, printing each step and its checks (or the run as JSON).
namespace Cli {

/// Runs the walk described by `arguments` (after the word "flow") and returns the exit
/// code: 0 when the walk succeeded, 1 when it failed, 2 for a usage error.
int runFlowCommand(const QStringList &arguments);

/// `mcpauth flow-credentials list|remove ISSUER`: shows (secrets masked) or removes the
/// clients `mcpauth flow` registered and keeps per issuer. Exit code as runFlowCommand().
int runFlowCredentialsCommand(const QStringList &arguments);

} // namespace Cli
