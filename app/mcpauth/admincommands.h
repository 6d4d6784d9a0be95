#pragma once

#include <QString>
#include <QStringList>

/// The operator commands of `mcpauth`: clients, users, tokens, keys and audit. They parse
/// and print only; the work is Admin::Service's (core/admin), the same engine the app uses.
namespace Cli {

/// True for "clients", "users", "tokens", "keys" and "audit".
[[nodiscard]] bool isAdminCommand(const QString &command);

/// Runs `mcpauth <command> <arguments...>` (arguments start with the subcommand) and
/// returns the exit code: 0 done, 1 the operation failed ("mcpauth: <message>" on
/// stderr), 2 usage error.
int runAdminCommand(const QString &command, const QStringList &arguments);

} // namespace Cli
