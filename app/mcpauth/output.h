#pragma once

#include <QJsonObject>
#include <QTextStream>

#include "common/result.h"

/// How every `mcpauth` command writes: results to stdout, errors to stderr as
/// "mcpauth: <message> [code]", with the process exit codes of Cli::ExitCode.
namespace Cli {

QTextStream &out();
QTextStream &err();
/// Prints a usage error and returns ExitCode::UsageError.
int usageError(const QString &message);
/// Prints an operation's error and returns ExitCode::Failure.
int failure(const Core::Error &error);
void printJson(const QJsonObject &object);

} // namespace Cli
