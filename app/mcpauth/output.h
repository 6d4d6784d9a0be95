#pragma once

#include <optional>

#include <QCommandLineParser>
#include <QJsonObject>
#include <QTextStream>
#include <QUrl>

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

/// Parses the arguments of the command `name` ("flow", "friction state"). Returns an exit
/// code when the command ends here (a usage error, or `help` was given and the help
/// printed), nullopt when it goes on.
[[nodiscard]] std::optional<int> parseCommand(QCommandLineParser &parser, const QString &name,
                                              const QStringList &arguments,
                                              const QCommandLineOption &help);
/// `text` as an absolute http(s) URL, or an error (code "usage") saying it is not one.
[[nodiscard]] Core::Result<QUrl> httpUrlArgument(const QString &text);

} // namespace Cli
