#include <QApplication>
#include <QIcon>
#include <QTimer>

#include "engine.h"
#include "mainwindow.h"
#include "serverspanel.h"

int main(int argc, char *argv[])
{
    qputenv("QT_NO_GLIB", "1");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("MCP Auth Studio"));
    QApplication::setOrganizationDomain(QStringLiteral("mcpauth.studio"));
    QApplication::setApplicationName(QStringLiteral("mcpauth-studio"));
    QApplication::setApplicationDisplayName(QStringLiteral("MCP Auth Studio"));
    QApplication::setApplicationVersion(QStringLiteral(MCPAUTH_VERSION));
    QApplication::setDesktopFileName(QStringLiteral(MCPAUTH_APP_ID));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));

    Core::Engine engine;
    Ui::MainWindow window(&engine);
    window.show();
    // Start the embedded servers on the default store once the window is up, so a
    // failure (a port in use) shows in the Servers panel rather than before any window.
    QTimer::singleShot(0, window.serversPanel(), &Ui::ServersPanel::startServers);
    const int code = QApplication::exec();
    engine.stop();
    return code;
}
