#include "trafficcommand.h"

#include <cstdio>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QSslCertificate>
#include <QTimer>

#include "commands.h"
#include "output.h"
#include "signalwatcher.h"
#include "traffic/driver.h"

#ifdef Q_OS_WIN
#include <io.h>
#define MCPAUTH_ISATTY _isatty
#define MCPAUTH_FILENO _fileno
#else
#include <unistd.h>
#define MCPAUTH_ISATTY isatty
#define MCPAUTH_FILENO fileno
#endif

namespace Cli {

namespace {

constexpr qint64 kMaxTokenBytes = 16 * 1024;

Core::Result<QByteArray> readToken(const QString &path)
{
    QFile file;
    const bool opened = path == QLatin1String("-")
                            ? file.open(stdin, QIODevice::ReadOnly)
                            : (file.setFileName(path), file.open(QIODevice::ReadOnly));
    if (!opened)
        return Core::makeError(
            QStringLiteral("io_error"),
            QStringLiteral("cannot read the token file %1: %2").arg(path, file.errorString()));
    const QByteArray token = file.read(kMaxTokenBytes + 1).trimmed();
    if (token.size() > kMaxTokenBytes)
        return Core::makeError(QStringLiteral("invalid_request"),
                               QStringLiteral("the token file %1 is larger than %2 bytes")
                                   .arg(path)
                                   .arg(kMaxTokenBytes));
    return token;
}

QString number(double value, int decimals = 1)
{
    return QString::number(value, 'f', decimals);
}

QString progressLine(const Traffic::Summary &s)
{
    const Traffic::ToolStats &t = s.totals;
    return QStringLiteral("%1 s  calls %2  allowed %3  justified %4  blocked %5  missing %6  "
                          "errors %7")
        .arg(number(s.elapsedSeconds))
        .arg(t.calls())
        .arg(t.allowed)
        .arg(t.justified)
        .arg(t.blocked)
        .arg(t.justificationMissing)
        .arg(t.errors);
}

void printTable(const Traffic::Summary &summary)
{
    const QStringList headers{
        QStringLiteral("TOOL"),      QStringLiteral("CALLS"),   QStringLiteral("ALLOWED"),
        QStringLiteral("JUSTIFIED"), QStringLiteral("BLOCKED"), QStringLiteral("JUST. MISSING"),
        QStringLiteral("ERRORS"),    QStringLiteral("P50 MS"),  QStringLiteral("P99 MS")};
    QList<QStringList> rows;
    QList<Traffic::ToolStats> all = summary.tools;
    all.append(summary.totals);
    all.last().tool = QStringLiteral("total");
    for (const Traffic::ToolStats &t : all)
        rows.append({t.tool, QString::number(t.calls()), QString::number(t.allowed),
                     QString::number(t.justified), QString::number(t.blocked),
                     QString::number(t.justificationMissing), QString::number(t.errors),
                     number(t.latency.p50Ms), number(t.latency.p99Ms)});
    QList<qsizetype> widths;
    for (const QString &header : headers)
        widths.append(header.size());
    for (const QStringList &row : rows)
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row.at(i).size());
    const auto line = [&widths](const QStringList &cells) {
        QString text = cells.first().leftJustified(widths.first());
        for (qsizetype i = 1; i < cells.size(); ++i)
            text += QStringLiteral("  ") + cells.at(i).rightJustified(widths.at(i));
        out() << text << "\n";
    };

    const double rate =
        summary.elapsedSeconds > 0 ? double(summary.totals.calls()) / summary.elapsedSeconds : 0;
    out() << "MCP server: " << summary.url << " (protocol " << summary.protocolVersion << ")\n"
          << summary.totals.calls() << " calls in " << number(summary.elapsedSeconds) << " s ("
          << number(rate) << "/s; " << number(summary.requestedRate) << "/s requested)\n";
    if (summary.notSent > 0)
        out() << summary.notSent
              << " calls were never sent: every slot was busy when the duration ended "
                 "(raise --concurrency or lower --rate)\n";
    if (summary.sessionReinitializations > 0)
        out() << "The MCP session was lost and started again " << summary.sessionReinitializations
              << " time(s)\n";
    out() << "\n";
    line(headers);
    for (const QStringList &row : rows)
        line(row);
    QStringList errors;
    for (const Traffic::ToolStats &t : summary.tools)
        for (auto it = t.errorKinds.begin(); it != t.errorKinds.end(); ++it)
            errors.append(QStringLiteral("%1 %2 x%3").arg(t.tool, it.key()).arg(it.value()));
    if (!errors.isEmpty())
        out() << "\nErrors: " << errors.join(QStringLiteral(", ")) << "\n";
    out().flush();
}

} // namespace

int traffic(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("mcpauth traffic: drive an MCP server with simulated agent tool calls and "
                       "count what friction control allowed, let through with a justification "
                       "and blocked."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("The MCP endpoint, e.g. "
                                                "http://127.0.0.1:9401/mcp."));
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this command's options."));
    const QCommandLineOption token(QStringLiteral("token"),
                                   QStringLiteral("Bearer access token (visible to other users "
                                                  "of this machine; prefer --token-file)."),
                                   QStringLiteral("token"));
    const QCommandLineOption tokenFile(QStringLiteral("token-file"),
                                       QStringLiteral("File holding the access token ('-': "
                                                      "standard input)."),
                                       QStringLiteral("file"));
    const QCommandLineOption mix(QStringLiteral("mix"),
                                 QStringLiteral("Tools and relative weights, e.g. "
                                                "create_task=3,delete_task=1,echo=1."),
                                 QStringLiteral("tool=weight,..."));
    const QCommandLineOption rate(QStringLiteral("rate"),
                                  QStringLiteral("Calls per second (up to 1000)."),
                                  QStringLiteral("n"));
    const QCommandLineOption duration(QStringLiteral("duration"),
                                      QStringLiteral("Run for this many seconds."),
                                      QStringLiteral("s"));
    const QCommandLineOption calls(QStringLiteral("calls"), QStringLiteral("Make this many calls."),
                                   QStringLiteral("n"));
    const QCommandLineOption concurrency(QStringLiteral("concurrency"),
                                         QStringLiteral("Calls in flight at once (default 8)."),
                                         QStringLiteral("n"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Random seed, for a reproducible run."),
                                  QStringLiteral("n"));
    const QCommandLineOption justification(
        QStringLiteral("justification"),
        QStringLiteral("Justification sent when a call is refused for want of one."),
        QStringLiteral("text"));
    const QCommandLineOption poisson(QStringLiteral("poisson"),
                                     QStringLiteral("Random (Poisson) gaps between calls instead "
                                                    "of even ones."));
    const QCommandLineOption protocol(QStringLiteral("protocol-version"),
                                      QStringLiteral("MCP protocol version asked for (default "
                                                     "2025-11-25)."),
                                      QStringLiteral("version"));
    const QCommandLineOption allowHost(
        QStringLiteral("allow-host"),
        QStringLiteral("Allow this host over plain http and on a private network (repeatable; "
                       "loopback is always allowed)."),
        QStringLiteral("host"));
    const QCommandLineOption allowPrivate(
        QStringLiteral("allow-private-networks"),
        QStringLiteral("Allow https servers on private addresses (10/8, 192.168/16, ...)."));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
                                    QStringLiteral("Also trust the PEM certificates in this file "
                                                   "(e.g. a test server's self-signed one)."),
                                    QStringLiteral("file"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the summary as JSON."));
    parser.addOptions({help, token, tokenFile, mix, rate, duration, calls, concurrency, seed,
                       justification, poisson, protocol, allowHost, allowPrivate, caFile, json});
    if (auto done = parseCommand(parser, QStringLiteral("traffic"), arguments, help))
        return *done;
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty())
        return usageError(QStringLiteral("traffic: the MCP server URL is missing"));
    if (positional.size() > 1)
        return usageError(QStringLiteral("unexpected argument '%1'").arg(positional.at(1)));

    Traffic::Options options;
    options.url = QUrl(positional.first(), QUrl::StrictMode);
    if (parser.isSet(token) == parser.isSet(tokenFile))
        return usageError(QStringLiteral("traffic: give exactly one of --token and --token-file"));
    if (parser.isSet(token)) {
        options.token = parser.value(token).toUtf8();
    } else {
        auto read = readToken(parser.value(tokenFile));
        if (!read)
            return failure(read.error());
        options.token = *read;
    }
    if (!parser.isSet(mix))
        return usageError(QStringLiteral("traffic: --mix is required, e.g. --mix "
                                         "create_task=3,delete_task=1"));
    auto parsedMix = Traffic::parseMix(parser.value(mix));
    if (!parsedMix)
        return usageError(QStringLiteral("--mix: ") + parsedMix.error().message);
    options.mix = *parsedMix;

    bool ok = false;
    if (!parser.isSet(rate))
        return usageError(QStringLiteral("traffic: --rate is required (calls per second)"));
    options.rate = parser.value(rate).toDouble(&ok);
    if (!ok)
        return usageError(QStringLiteral("--rate: '%1' is not a number").arg(parser.value(rate)));
    if (parser.isSet(duration) == parser.isSet(calls))
        return usageError(QStringLiteral("traffic: give exactly one of --duration and --calls"));
    if (parser.isSet(duration)) {
        options.durationSeconds = parser.value(duration).toDouble(&ok);
        if (!ok || options.durationSeconds <= 0)
            return usageError(QStringLiteral("--duration: '%1' is not a positive number of "
                                             "seconds")
                                  .arg(parser.value(duration)));
    } else {
        options.calls = parser.value(calls).toLongLong(&ok);
        if (!ok || options.calls <= 0)
            return usageError(QStringLiteral("--calls: '%1' is not a positive whole number")
                                  .arg(parser.value(calls)));
    }
    if (parser.isSet(concurrency)) {
        options.maxInFlight = parser.value(concurrency).toInt(&ok);
        if (!ok)
            return usageError(QStringLiteral("--concurrency: '%1' is not a whole number")
                                  .arg(parser.value(concurrency)));
    }
    if (parser.isSet(seed)) {
        options.seed = parser.value(seed).toULongLong(&ok);
        if (!ok)
            return usageError(QStringLiteral("--seed: '%1' is not a non-negative whole number")
                                  .arg(parser.value(seed)));
    }
    if (parser.isSet(justification))
        options.justification = parser.value(justification);
    if (parser.isSet(protocol))
        options.protocolVersion = parser.value(protocol);
    options.poisson = parser.isSet(poisson);
    options.ssrfPolicy.allowedHttpHosts = parser.values(allowHost);
    options.ssrfPolicy.allowPrivateNetworks = parser.isSet(allowPrivate);
    if (parser.isSet(caFile)) {
        QFile file(parser.value(caFile));
        if (!file.open(QIODevice::ReadOnly))
            return failure(Core::makeError(QStringLiteral("io_error"),
                                           QStringLiteral("cannot read the CA file %1: %2")
                                               .arg(file.fileName(), file.errorString())));
        options.trustedCertificates = QSslCertificate::fromData(file.read(1024 * 1024));
        if (options.trustedCertificates.isEmpty())
            return usageError(
                QStringLiteral("--ca-file: %1 holds no PEM certificate").arg(file.fileName()));
    }
    if (auto valid = options.validate(); !valid)
        return usageError(valid.error().message);

    Traffic::Driver driver(options);
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &driver,
                     [&driver](int) { driver.stop(); });
    QTimer progress;
    const bool live = MCPAUTH_ISATTY(MCPAUTH_FILENO(stderr)) != 0;
    if (live) {
        QObject::connect(&progress, &QTimer::timeout, &driver, [&driver] {
            err() << "\r" << progressLine(driver.summary()) << "\033[K";
            err().flush();
        });
        progress.start(250);
    }
    Traffic::Summary summary;
    QObject::connect(&driver, &Traffic::Driver::finished, &driver,
                     [&summary](const Traffic::Summary &result) {
                         summary = result;
                         QCoreApplication::quit();
                     });
    if (auto started = driver.start(); !started)
        return started.error().code == QLatin1String("invalid_request")
                   ? usageError(started.error().message)
                   : failure(started.error());
    QCoreApplication::exec();
    progress.stop();
    if (live) {
        err() << "\r\033[K";
        err().flush();
    }

    if (parser.isSet(json)) {
        QJsonObject object = summary.toJson();
        object.insert(QStringLiteral("mix"), Traffic::mixToString(options.mix));
        printJson(object);
    } else if (summary.totals.calls() > 0 || summary.completed()) {
        printTable(summary);
    }
    if (summary.error)
        return failure(*summary.error);
    if (summary.stopped)
        return failure(Core::makeError(QStringLiteral("interrupted"),
                                       QStringLiteral("the run was stopped before its end; the "
                                                      "counts above are partial")));
    return Success;
}

} // namespace Cli
