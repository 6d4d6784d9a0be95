#include <QApplication>
#include <QIcon>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>
#include <QTimer>

#include "engine.h"
#include "mainwindow.h"
#include "serverspanel.h"

namespace {

/// Follows the system's light or dark appearance. Qt 6.4 has no colour-scheme hint: a
/// platform theme that reports a dark palette (Windows, macOS, KDE) is used as is; on
/// desktops that only say so through GTK_THEME ("Adwaita:dark") a dark Fusion palette is
/// built. Every custom-painted widget uses palette roles, so both read well.
void applySystemPalette()
{
    const QPalette platform = QApplication::palette();
    const bool platformDark = platform.color(QPalette::Window).lightness() < 128;
    const bool gtkDark = qEnvironmentVariable("GTK_THEME").endsWith(QLatin1String(":dark"));
    if (platformDark || !gtkDark)
        return;
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette dark;
    const QColor window(0x2b, 0x2b, 0x2b);
    const QColor base(0x1e, 0x1e, 0x1e);
    const QColor text(0xe6, 0xe6, 0xe6);
    dark.setColor(QPalette::Window, window);
    dark.setColor(QPalette::WindowText, text);
    dark.setColor(QPalette::Base, base);
    dark.setColor(QPalette::AlternateBase, window);
    dark.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3a, 0x3a));
    dark.setColor(QPalette::ToolTipText, text);
    dark.setColor(QPalette::Text, text);
    dark.setColor(QPalette::Button, window);
    dark.setColor(QPalette::ButtonText, text);
    dark.setColor(QPalette::BrightText, Qt::white);
    dark.setColor(QPalette::Link, QColor(0x6c, 0xb6, 0xff));
    dark.setColor(QPalette::Highlight, QColor(0x3d, 0x8e, 0xe6));
    dark.setColor(QPalette::HighlightedText, Qt::white);
    dark.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    dark.setColor(QPalette::Shadow, Qt::black);
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        dark.setColor(QPalette::Disabled, role, QColor(0x80, 0x80, 0x80));
    QApplication::setPalette(dark);
}

} // namespace

int main(int argc, char *argv[])
{
    Core::prepareApplication();
    QApplication app(argc, argv);
    Core::applyApplicationIdentity();
    QApplication::setApplicationDisplayName(QStringLiteral("MCP Auth Studio"));
    QApplication::setDesktopFileName(QStringLiteral(MCPAUTH_APP_ID));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));
    applySystemPalette();

    Core::Engine engine;
    engine.setServeInBackground(true); // the window stays smooth while the servers are busy
    Ui::MainWindow window(&engine);
    window.show();
    // Start the embedded servers (default SQLite store, loopback, demo user, client and
    // tools) once the window is up, so a failure (a port in use) shows in the Servers panel
    // rather than before any window; then the tour, the first time only. Both can be turned
    // off: the Servers panel's "start on launch" setting, the tour's Skip.
    QTimer::singleShot(0, &window, [&window] {
        static_cast<void>(window.serversPanel()->autoStart());
        static_cast<void>(window.showTourIfFirstRun());
    });
    const int code = QApplication::exec();
    engine.stop();
    return code;
}
