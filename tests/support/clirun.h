#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace TestSupport {

/// How a command-line program ended and what it printed.
struct CliRun
{
    int exitCode = -1; ///< -1: it crashed, could not start or did not finish in time
    QString out;
    QString err;
};

/// Runs `program` with `arguments`, writes `input` to its standard input and closes it, and
/// waits up to `timeoutMs`; a program that does not finish in time is killed.
[[nodiscard]] CliRun runProgram(const QString &program, const QStringList &arguments,
                                const QByteArray &input = {}, int timeoutMs = 60000);

} // namespace TestSupport
