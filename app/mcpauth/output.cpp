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

std::optional<int> parseCommand(QCommandLineParser &parser, const QString &name,
                                const QStringList &arguments, const QCommandLineOption &help)
{
    if (!parser.parse(QStringList{QStringLiteral("mcpauth ") + name} + arguments))
        return usageError(parser.errorText());
    if (parser.isSet(help)) {
        out() << parser.helpText();
        out().flush();
        return Success;
    }
    return std::nullopt;
}

Core::Result<QUrl> httpUrlArgument(const QString &text)
{
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid() || url.isRelative() ||
        (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https")))
        return Core::makeError(QStringLiteral("usage"),
                               QStringLiteral("'%1' is not an http(s) URL").arg(text));
    return url;
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
