#pragma once

#include <QStringList>

/// The `mcpauth` command line: parses a subcommand and runs it on the engine.
namespace Cli {

enum ExitCode { Success = 0, Failure = 1, UsageError = 2 };

/// Runs the command named by `arguments` (arguments[0] is the program) and returns the
/// process exit code. `serve` runs the event loop until SIGINT or SIGTERM.
int run(const QStringList &arguments);

} // namespace Cli
