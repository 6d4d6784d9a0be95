// Serves GET /json -> {"ok":true} with Http::Server for load tests (see http-bench.sh).
// Usage: bench_http_server [port] [worker-threads]   (port 0 = ephemeral, workers 0 = auto)

#include <csignal>
#include <cstdio>

#include <QCoreApplication>
#include <QJsonObject>
#include <QSocketNotifier>

#include "http/server.h"

#ifndef Q_OS_WIN
#include <sys/socket.h>
#include <unistd.h>
#endif

int main(int argc, char **argv)
{
    // The glib event dispatcher is markedly slower than Qt's own.
    qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const quint16 port = args.size() > 1 ? quint16(args[1].toUInt()) : 8080;
    Http::ServerOptions options;
    options.workerThreads = args.size() > 2 ? args[2].toInt() : 0;

    Http::Server server(options);
    const Http::Response ok =
        Http::Response::json(200, QJsonDocument(QJsonObject{{QStringLiteral("ok"), true}}));
    server.router().handle("GET", "/json", [ok](const Http::Request &) { return ok; });
    const Core::Status status = server.listen(QHostAddress::LocalHost, port);
    if (!status.ok()) {
        std::fprintf(stderr, "%s\n", qPrintable(status.error().toString()));
        return 1;
    }
    std::printf("listening on %s\n", qPrintable(server.baseUrl().toString()));
    std::fflush(stdout);

#ifndef Q_OS_WIN
    // Quit cleanly on SIGINT/SIGTERM through a self-pipe.
    static int pipeFds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pipeFds) == 0) {
        auto onSignal = [](int) { [[maybe_unused]] auto n = ::write(pipeFds[0], "x", 1); };
        std::signal(SIGINT, onSignal);
        std::signal(SIGTERM, onSignal);
        auto *notifier = new QSocketNotifier(pipeFds[1], QSocketNotifier::Read, &app);
        QObject::connect(notifier, &QSocketNotifier::activated, &app, &QCoreApplication::quit);
    }
#endif
    const int result = app.exec();
    server.close();
    return result;
}
