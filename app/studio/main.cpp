#include <QApplication>
#include <QIcon>
#include <QTimer>

#include "engine.h"
#include "mainwindow.h"
#include "serverspanel.h"

int main(int argc, char *argv[])
{
    Core::prepareApplication();
    QApplication app(argc, argv);
    Core::applyApplicationIdentity();
    QApplication::setApplicationDisplayName(QStringLiteral("MCP Auth Studio"));
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
