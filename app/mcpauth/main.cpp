#include <QCoreApplication>

#include "commands.h"

int main(int argc, char *argv[])
{
    // Qt's glib event dispatcher is measurably slower for the server's worker loops.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("MCP Auth Studio"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("mcpauth.studio"));
    QCoreApplication::setApplicationName(QStringLiteral("mcpauth-studio"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MCPAUTH_VERSION));
    return Cli::run(QCoreApplication::arguments());
}
