#pragma once

#include <QStringList>

namespace Cli {

/// `mcpauth traffic URL --token T | --token-file F --mix tool=weight,... --rate N
/// (--duration S | --calls N) [--concurrency N] [--seed N] [--justification TEXT] [--json]`:
/// drives an MCP server with simulated agent tool calls (Traffic::Driver) and prints the
/// counts per tool. Returns 0 when the run completed (refusals included), 1 on a fatal
/// error (bad token, missing scope, unreachable server) or an interrupted run, 2 on a
/// usage error. `arguments` are the command's own (after "traffic").
int traffic(const QStringList &arguments);

} // namespace Cli
