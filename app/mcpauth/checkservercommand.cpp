#include "checkservercommand.h"

#include <QCommandLineParser>
#include <QEventLoop>
#include <QJsonArray>
#include <QSaveFile>
#include <QTemporaryDir>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "check/servercheck.h"
#include "commands.h"
#include "engine.h"
#include "output.h"
#include "store/databaseurl.h"

namespace Cli {

namespace {

const QString kHowToTrust = QStringLiteral(
    "The server must trust the embedded authorization server. For an `mcpauth serve` target, "
    "give check-server the same --store and --issuer as the server: both then sign with one "
    "key and share one token table, so the target introspects (or verifies) what is minted "
    "here. Any other server must name the issuer in its authorization_servers and accept "
    "its tokens (check-server prints its JWKS and introspection URLs).");

QString mark(Flow::StepStatus status)
{
    switch (status) {
    case Flow::StepStatus::Passed:
        return QStringLiteral("\u2713");
    case Flow::StepStatus::Warning:
        return QStringLiteral("!");
    case Flow::StepStatus::Skipped:
        return QStringLiteral("-");
    default:
        return QStringLiteral("\u2717");
    }
}

/// One line per case; the checks that did not pass below it, with their reason.
void printCase(const Flow::Step &step)
{
    out() << QStringLiteral("%1 %2  %3\n")
                 .arg(mark(step.status), step.id.leftJustified(26), step.title);
    for (const Flow::Check &check : step.checks) {
        if (check.verdict == Flow::Verdict::Pass)
            continue;
        out() << QStringLiteral("    %1 %2 (%3): %4\n")
                     .arg(check.verdict == Flow::Verdict::Fail   ? QStringLiteral("\u2717")
                          : check.verdict == Flow::Verdict::Warn ? QStringLiteral("!")
                                                                 : QStringLiteral("-"),
                          check.rule, Flow::levelName(check.level), check.explanation);
    }
    out().flush();
}

std::optional<QList<Auth::AccessTokenFormat>> parseFormats(const QString &text)
{
    if (text == QLatin1String("jwt"))
        return QList<Auth::AccessTokenFormat>{Auth::AccessTokenFormat::Jwt};
    if (text == QLatin1String("opaque"))
        return QList<Auth::AccessTokenFormat>{Auth::AccessTokenFormat::Opaque};
    if (text == QLatin1String("both"))
        return QList<Auth::AccessTokenFormat>{Auth::AccessTokenFormat::Jwt,
                                              Auth::AccessTokenFormat::Opaque};
    return std::nullopt;
}

} // namespace

int runCheckServerCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("mcpauth check-server: audit the token checks of the MCP server at URL "
                       "with tokens minted by an embedded authorization server.\n\n") +
        kHowToTrust);
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addPositionalArgument(QStringLiteral("url"),
                                 QStringLiteral("The MCP server URL under test."));
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this command's options."));
    const QCommandLineOption store(
        QStringLiteral("store"),
        QStringLiteral("Store of the embedded authorization server (default: %1). Use the "
                       "target's store when it is an `mcpauth serve`.")
            .arg(Store::defaultUrl()),
        QStringLiteral("url"));
    const QCommandLineOption asPort(QStringLiteral("as-port"),
                                    QStringLiteral("Port of the embedded authorization server "
                                                   "(default 0: any free port)."),
                                    QStringLiteral("port"));
    const QCommandLineOption issuer(QStringLiteral("issuer"),
                                    QStringLiteral("Issuer of the minted tokens (default: the "
                                                   "embedded server's URL). Use the target's "
                                                   "issuer when it is an `mcpauth serve`."),
                                    QStringLiteral("url"));
    const QCommandLineOption tool(QStringLiteral("tool"),
                                  QStringLiteral("Tool to call with a token lacking a scope "
                                                 "(default: a read-only one from tools/list)."),
                                  QStringLiteral("name"));
    const QCommandLineOption scope(QStringLiteral("scope"),
                                   QStringLiteral("The scope that tool needs (default: the "
                                                  "token has none and the 403 says)."),
                                   QStringLiteral("scopes"));
    const QCommandLineOption format(QStringLiteral("format"),
                                    QStringLiteral("Token formats to send: jwt, opaque or both "
                                                   "(default)."),
                                    QStringLiteral("format"));
    const QCommandLineOption version(QStringLiteral("protocol-version"),
                                     QStringLiteral("MCP revision of the requests: 2025-11-25 "
                                                    "(default, initialize and session) or "
                                                    "2026-07-28 (stateless)."),
                                     QStringLiteral("version"));
    const QCommandLineOption trusted(
        QStringLiteral("assume-trusted"),
        QStringLiteral("Audit even if the server's metadata does not name the issuer (you "
                       "configured it to trust it)."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the result as JSON (tokens masked)."));
    const QCommandLineOption report(QStringLiteral("report"),
                                    QStringLiteral("Write a self-contained HTML report."),
                                    QStringLiteral("file"));
    const QCommandLineOption privateNetworks(
        QStringLiteral("allow-private-networks"),
        QStringLiteral("Allow requests to private network addresses (10/8, 192.168/16, ...)."));
    parser.addOptions({help, store, asPort, issuer, tool, scope, format, version, trusted, json,
                       report, privateNetworks});
    if (auto done = parseCommand(parser, QStringLiteral("check-server"), arguments, help))
        return *done;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(QStringLiteral("'check-server' needs exactly one MCP server URL"));

    Flow::ServerCheckOptions options;
    auto serverUrl = httpUrlArgument(positional.first());
    if (!serverUrl)
        return usageError(serverUrl.error().message);
    options.serverUrl = *serverUrl;
    if (parser.isSet(format)) {
        auto formats = parseFormats(parser.value(format));
        if (!formats)
            return usageError(QStringLiteral("--format must be jwt, opaque or both"));
        options.formats = *formats;
    }
    if (parser.isSet(version)) {
        const QString value = parser.value(version);
        if (value != QLatin1String("2025-11-25") && value != QLatin1String("2025-06-18") &&
            value != QLatin1String("2026-07-28"))
            return usageError(QStringLiteral("--protocol-version must be 2025-06-18, 2025-11-25 "
                                             "or 2026-07-28"));
        options.protocolVersion = value;
    }
    options.tool = parser.value(tool);
    options.scope = parser.value(scope);
    options.assumeTrusted = parser.isSet(trusted);
    options.ssrfPolicy.allowPrivateNetworks = parser.isSet(privateNetworks);

    Core::ServerConfig settings;
    settings.storeUrl = parser.isSet(store) ? parser.value(store) : Store::defaultUrl();
    settings.asPort = 0;
    if (parser.isSet(asPort)) {
        bool ok = false;
        const uint port = parser.value(asPort).toUInt(&ok);
        if (!ok || port > 65535)
            return usageError(QStringLiteral("--as-port: '%1' is not a port number (0 to 65535)")
                                  .arg(parser.value(asPort)));
        settings.asPort = static_cast<quint16>(port);
    }
    settings.rsPort = 0;
    settings.workerThreads = 1;
    if (parser.isSet(issuer))
        settings.issuer = parser.value(issuer);
    // The embedded resource server is not audited; verifying JWTs locally keeps it from
    // re-keying the store's introspection client, which a target on the same store uses.
    settings.resourceServer.verification = QStringLiteral("jwt");
    QTemporaryDir scratch;
    if (!scratch.isValid())
        return failure(Core::makeError(QStringLiteral("io_error"),
                                       QStringLiteral("cannot create a temporary directory: ") +
                                           scratch.errorString()));
    settings.adminTokenFile = scratch.filePath(QStringLiteral("admin-token"));
    if (auto valid = settings.validate(); !valid)
        return usageError(valid.error().message);

    Core::Engine engine;
    if (auto started = engine.start(settings); !started)
        return failure(started.error());
    options.authorizationServer = engine.authorizationServer()->context().config();
    options.store = engine.store();
    options.clientId = engine.demoClientId();
    options.subject = engine.demoUsername();
    const QString issuerUrl = engine.issuer();
    const bool asJson = parser.isSet(json);
    if (!asJson) {
        out() << "Embedded authorization server: " << engine.authorizationServerUrl().toString()
              << "\n"
              << "  issuer:        " << issuerUrl << "\n"
              << "  JWKS:          " << issuerUrl << Auth::Paths::Jwks << "\n"
              << "  introspection: " << issuerUrl << Auth::Paths::Introspect << "\n"
              << "Auditing " << options.serverUrl.toString() << "\n";
        out().flush();
    }

    Flow::ServerCheck check(options);
    QEventLoop loop;
    QObject::connect(&check, &Flow::ServerCheck::finished, &loop, &QEventLoop::quit);
    if (!asJson)
        QObject::connect(&check, &Flow::ServerCheck::caseFinished, &check, &printCase);
    check.start();
    if (!check.isFinished())
        loop.exec();
    engine.stop();

    const Flow::Run &run = check.run();
    if (parser.isSet(report)) {
        QSaveFile file(parser.value(report));
        if (!file.open(QIODevice::WriteOnly) || file.write(run.toHtmlReport().toUtf8()) < 0 ||
            !file.commit())
            return failure(Core::makeError(QStringLiteral("io_error"),
                                           QStringLiteral("cannot write the report %1: %2")
                                               .arg(parser.value(report), file.errorString())));
    }
    bool trustProblem = false;
    for (const Flow::Step &step : run.steps)
        for (const Flow::Check &c : step.checks)
            trustProblem = trustProblem || (c.verdict == Flow::Verdict::Fail &&
                                            (c.rule == QLatin1String("discovery.trust") ||
                                             c.rule.startsWith(QLatin1String("valid."))));
    if (asJson) {
        QJsonObject object = run.toJson();
        object.insert(QStringLiteral("authorization_server"),
                      QJsonObject{{QStringLiteral("issuer"), issuerUrl},
                                  {QStringLiteral("jwks_uri"),
                                   QString(issuerUrl + QLatin1String(Auth::Paths::Jwks))},
                                  {QStringLiteral("introspection_endpoint"),
                                   QString(issuerUrl + QLatin1String(Auth::Paths::Introspect))}});
        if (trustProblem)
            object.insert(QStringLiteral("how_to_trust"), check.trustInstructions());
        printJson(object);
    } else {
        if (trustProblem)
            out() << "\n" << check.trustInstructions() << "\n";
        out() << QStringLiteral("\nServer check %1: %2 checks passed, %3 warnings, %4 failed, %5 "
                                "skipped%6\n")
                     .arg(Flow::outcomeName(run.outcome))
                     .arg(run.checkCount(Flow::Verdict::Pass))
                     .arg(run.checkCount(Flow::Verdict::Warn))
                     .arg(run.checkCount(Flow::Verdict::Fail))
                     .arg(run.checkCount(Flow::Verdict::Skip))
                     .arg(run.error.isEmpty()
                              ? QString()
                              : QStringLiteral(" (") + run.error + QLatin1Char(')'));
        out().flush();
    }
    return run.outcome == Flow::Outcome::Succeeded ? Success : Failure;
}

} // namespace Cli
