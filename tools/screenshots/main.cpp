// mcpauth-screenshots DIR: renders a picture of each panel of MCP Auth Studio's real main
// window into DIR (docs/screenshots/render.sh runs it under Xvfb). The user's settings and
// data are never touched: XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME and
// XDG_STATE_HOME point into a temporary directory for the whole run.

#include <cstdio>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QIcon>
#include <QLoggingCategory>
#include <QSettings>
#include <QTemporaryDir>

#include "engine.h"
#include "screenshotsession.h"

namespace {

int fail(const QString &message)
{
    std::fprintf(stderr, "mcpauth-screenshots: %s\n", qPrintable(message));
    return 1;
}

} // namespace

int main(int argc, char *argv[])
{
    QTemporaryDir home;
    if (!home.isValid())
        return fail(
            QStringLiteral("cannot create a temporary directory: %1").arg(home.errorString()));
    for (const char *variable :
         {"XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"}) {
        const QString path = home.filePath(QString::fromLatin1(variable).toLower());
        QDir().mkpath(path);
        qputenv(variable, QFile::encodeName(path));
    }
    // Pictures of a fixed size in pixels, whatever the display's scale.
    qputenv("QT_ENABLE_HIGHDPI_SCALING", "0");
    qunsetenv("QT_SCALE_FACTOR");
    qunsetenv("GTK_THEME");

    Core::prepareApplication();
    QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.*.info=false"));
    QApplication app(argc, argv);
    Core::applyApplicationIdentity();
    QApplication::setApplicationDisplayName(QStringLiteral("MCP Auth Studio"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Renders servers.png, flows.png, tokens.png, clients.png, friction.png, "
                       "traffic.png and audit.png of the real main window into DIR."));
    parser.addHelpOption();
    const QCommandLineOption sizeOption({QStringLiteral("s"), QStringLiteral("size")},
                                        QStringLiteral("Window size in pixels (default 1280x800)."),
                                        QStringLiteral("WxH"), QStringLiteral("1280x800"));
    parser.addOption(sizeOption);
    const QCommandLineOption agentOption(
        QStringLiteral("agent-seconds"),
        QStringLiteral("How long the simulated agent runs for the friction charts (default 20)."),
        QStringLiteral("SECONDS"), QStringLiteral("20"));
    parser.addOption(agentOption);
    parser.addPositionalArgument(QStringLiteral("DIR"),
                                 QStringLiteral("Where the PNG files are written."));
    parser.process(app);
    if (parser.positionalArguments().size() != 1)
        return fail(QStringLiteral("give one output directory (see --help)"));
    const QStringList size = parser.value(sizeOption).split(QLatin1Char('x'));
    const int width = size.size() == 2 ? size.at(0).toInt() : 0;
    const int height = size.size() == 2 ? size.at(1).toInt() : 0;
    if (width < 640 || height < 400 || width > 4000 || height > 4000)
        return fail(QStringLiteral("--size must be WxH between 640x400 and 4000x4000, not %1")
                        .arg(parser.value(sizeOption)));

    bool agentOk = false;
    const int agentSeconds = parser.value(agentOption).toInt(&agentOk);
    if (!agentOk || agentSeconds < 0 || agentSeconds > 60)
        return fail(QStringLiteral("--agent-seconds must be 0 to 60, not %1")
                        .arg(parser.value(agentOption)));

    QSettings::setDefaultFormat(QSettings::IniFormat);
    Screenshots::Session session(home.filePath(QStringLiteral("work")),
                                 parser.positionalArguments().constFirst(), QSize(width, height));
    session.setAgentSeconds(agentSeconds);
    QDir().mkpath(home.filePath(QStringLiteral("work")));
    const Core::Status status = session.run();
    if (!status)
        return fail(status.error().toString());
    for (const Screenshots::Shot &shot : Screenshots::allShots())
        std::printf(
            "%s\n",
            qPrintable(
                QDir(parser.positionalArguments().constFirst()).absoluteFilePath(shot.fileName)));
    return 0;
}
