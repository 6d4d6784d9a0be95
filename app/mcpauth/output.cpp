#include "output.h"

#include <QJsonDocument>

#include "commands.h"

namespace Cli {

QTextStream &out()
{
    static QTextStream stream(stdout);
    return stream;
}

QTextStream &err()
{
    static QTextStream stream(stderr);
    return stream;
}

int usageError(const QString &message)
{
    err() << "mcpauth: " << message << "\nTry 'mcpauth help'.\n";
    err().flush();
    return UsageError;
}

int failure(const Core::Error &error)
{
    err() << "mcpauth: " << error.message;
    if (!error.code.isEmpty())
        err() << " [" << error.code << "]";
    err() << "\n";
    err().flush();
    return Failure;
}

void printJson(const QJsonObject &object)
{
    out() << QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
    out().flush();
}

} // namespace Cli
