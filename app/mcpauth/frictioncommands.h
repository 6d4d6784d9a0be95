#pragma once

#include <QStringList>

/// `mcpauth friction state|watch|set-config`: a client of a resource server's friction
/// admin API (/admin/friction/*), authenticated with the admin token from its file, so an
/// operator can watch and tune a headless server.
namespace Cli {

/// Runs `mcpauth friction <subcommand> ...` (`arguments` start with the subcommand) and
/// returns the exit code: 0 done (watch: stopped with Ctrl+C), 1 the request or the
/// stream failed ("mcpauth: <message>" on stderr), 2 usage error.
int runFrictionCommand(const QStringList &arguments);

} // namespace Cli
