#include "commands.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QTextStream>

#include "admincommands.h"
#include "checkservercommand.h"
#include "crypto/mask.h"
#include "engine.h"
#include "flowcommand.h"
#include "frictioncommands.h"
#include "output.h"
#include "signalwatcher.h"
#include "store/database.h"
#include "store/databaseurl.h"
#include "trafficcommand.h"

namespace Cli {

namespace {

const QString kUsage = QStringLiteral(
    "Usage: mcpauth <command> [options]\n"
    "\n"
    "Commands:\n"
    "  serve          run the authorization server and the protected MCP server\n"
    "  db migrate     apply pending database migrations\n"
    "  db status      show applied and pending migrations\n"
    "  clients        add|list|show|remove registered OAuth clients\n"
    "  users          add|list|remove|passwd local users (password read from stdin)\n"
    "  tokens         list|show|revoke|purge issued tokens\n"
    "  keys           list|rotate the signing keys\n"
    "  audit tail     show (or --follow) the audit log\n"
    "  friction       state|watch|set-config of a resource server's friction (admin API)\n"
    "  flow URL       walk how an MCP client gets authorized against URL, checking each step\n"
    "  flow-credentials  list|remove the clients 'flow' registered, kept per issuer\n"
    "  check-server URL  audit the token checks of the MCP server at URL (minted tokens)\n"
    "  traffic        drive an MCP server with simulated agent tool calls\n"
    "  help           show this help; 'mcpauth <command> --help' for a command's options\n"
    "\n"
    "Options:\n"
    "  --version      print the version and exit\n");

QCommandLineOption storeOption()
{
    return {QStringLiteral("store"),
            QStringLiteral("Store URL: sqlite:///absolute/path.db or "
                           "postgresql://user:password@host:port/database (default: %1).")
                .arg(Store::defaultUrl()),
            QStringLiteral("url")};
}

QCommandLineOption jsonOption()
{
    return {QStringLiteral("json"), QStringLiteral("Print machine-readable JSON.")};
}

/// Parses `arguments` (the command's own, after the command words). Returns a usage
/// message on error, an empty string on success; `--help` prints and exits.
QString parse(QCommandLineParser &parser, const QString &command, const QStringList &arguments)
{
    parser.setApplicationDescription(QStringLiteral("mcpauth %1").arg(command));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this command's options."));
    parser.addOption(help);
    if (!parser.parse(QStringList{QStringLiteral("mcpauth ") + command} + arguments))
        return parser.errorText();
    if (parser.isSet(help)) {
        out() << parser.helpText();
        out().flush();
        ::exit(Success);
    }
    if (!parser.positionalArguments().isEmpty())
        return QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first());
    return {};
}

std::optional<quint16> parsePort(const QString &text)
{
    bool ok = false;
    const uint value = text.toUInt(&ok);
    if (!ok || value > 65535)
        return std::nullopt;
    return static_cast<quint16>(value);
}

Core::Status writeReadyFile(const QString &path, const Core::Engine &engine)
{
    const QJsonObject ready{
        {QStringLiteral("authorization_server"), engine.authorizationServerUrl().toString()},
        {QStringLiteral("resource_server"), engine.resourceServerUrl().toString()},
        {QStringLiteral("issuer"), engine.issuer()},
        {QStringLiteral("mcp_resource"), engine.mcpResourceUri()},
        {QStringLiteral("admin_token_file"), engine.adminTokenFile()},
        {QStringLiteral("pid"), static_cast<qint64>(QCoreApplication::applicationPid())},
    };
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QJsonDocument(ready).toJson(QJsonDocument::Compact)) < 0 || !file.commit())
        return Core::makeError(
            QStringLiteral("io_error"),
            QStringLiteral("cannot write the ready file %1: %2").arg(path, file.errorString()));
    return {};
}

int serve(const QStringList &arguments)
{
    QCommandLineParser parser;
    const QCommandLineOption config(QStringLiteral("config"),
                                    QStringLiteral("JSON config file (flags override it)."),
                                    QStringLiteral("file"));
    const QCommandLineOption store = storeOption();
    const QCommandLineOption bind(QStringLiteral("bind"),
                                  QStringLiteral("Address to listen on (default 127.0.0.1)."),
                                  QStringLiteral("address"));
    const QCommandLineOption asPort(QStringLiteral("as-port"),
                                    QStringLiteral("Authorization server port (0 = any free "
                                                   "port; default 9400)."),
                                    QStringLiteral("port"));
    const QCommandLineOption rsPort(QStringLiteral("rs-port"),
                                    QStringLiteral("Resource server port (0 = any free port; "
                                                   "default 9401)."),
                                    QStringLiteral("port"));
    const QCommandLineOption issuer(QStringLiteral("issuer"),
                                    QStringLiteral("Issuer identifier (default: the "
                                                   "authorization server's URL)."),
                                    QStringLiteral("url"));
    const QCommandLineOption workers(QStringLiteral("workers"),
                                     QStringLiteral("Worker threads per server (default: the "
                                                    "number of cores)."),
                                     QStringLiteral("n"));
    const QCommandLineOption readyFile(QStringLiteral("ready-file"),
                                       QStringLiteral("Write the servers' URLs as JSON to this "
                                                      "file once they listen."),
                                       QStringLiteral("path"));
    const QCommandLineOption autoApprove(
        QStringLiteral("auto-approve"),
        QStringLiteral("Approve every authorization as the demo user, without login or "
                       "consent (scripted tests only; never on a shared server)."));
    const QCommandLineOption loopbackCimd(
        QStringLiteral("allow-loopback-cimd"),
        QStringLiteral("Accept client ID metadata documents served over http on loopback "
                       "(tests)."));
    const QCommandLineOption showDemoPassword(
        QStringLiteral("show-demo-password"),
        QStringLiteral("Print the demo user's password in full (it is masked by default, since "
                       "this output often ends up in logs)."));
    const QCommandLineOption adminTokenFile(
        QStringLiteral("admin-token-file"),
        QStringLiteral("File holding the admin API's token; created (0600) when missing "
                       "(default: in the application data directory)."),
        QStringLiteral("path"));
    const QCommandLineOption trustIssuer(
        QStringLiteral("trust-issuer"),
        QStringLiteral("Also accept access tokens of this external authorization server "
                       "(repeatable): the issuer URL, then optional comma-separated "
                       "key=value settings: verification=jwt|introspection, jwks_uri=URL, "
                       "algorithms=ES256+RS256, introspection_endpoint=URL, auth_method=M, "
                       "client_id=ID, client_secret_file=PATH, bearer_token_file=PATH. "
                       "Endpoints left out are read from the issuer's metadata. Added to "
                       "resource_server.trusted_issuers of --config."),
        QStringLiteral("spec"));
    parser.addOptions({config, store, bind, asPort, rsPort, issuer, workers, readyFile, autoApprove,
                       loopbackCimd, showDemoPassword});
    parser.addOption(adminTokenFile);
    parser.addOption(trustIssuer);
    if (const QString error = parse(parser, QStringLiteral("serve"), arguments); !error.isEmpty())
        return usageError(error);

    Core::ServerConfig settings;
    if (parser.isSet(config)) {
        auto loaded = Core::ServerConfig::fromFile(parser.value(config));
        if (!loaded)
            return failure(loaded.error());
        settings = *loaded;
    }
    if (parser.isSet(store))
        settings.storeUrl = parser.value(store);
    if (parser.isSet(bind) && !settings.bindAddress.setAddress(parser.value(bind)))
        return usageError(
            QStringLiteral("--bind: '%1' is not an IP address").arg(parser.value(bind)));
    for (const auto &[option, target] :
         {std::pair{&asPort, &settings.asPort}, std::pair{&rsPort, &settings.rsPort}}) {
        if (!parser.isSet(*option))
            continue;
        const auto port = parsePort(parser.value(*option));
        if (!port)
            return usageError(QStringLiteral("--%1: '%2' is not a port number (0 to 65535)")
                                  .arg(option->names().first(), parser.value(*option)));
        *target = *port;
    }
    if (parser.isSet(issuer))
        settings.issuer = parser.value(issuer);
    if (parser.isSet(workers)) {
        bool ok = false;
        settings.workerThreads = parser.value(workers).toInt(&ok);
        if (!ok || settings.workerThreads < 0 || settings.workerThreads > 256)
            return usageError(QStringLiteral("--workers: must be a whole number from 0 to 256"));
    }
    if (parser.isSet(adminTokenFile))
        settings.adminTokenFile = parser.value(adminTokenFile);
    if (parser.isSet(autoApprove))
        settings.authorizationServer.autoApprove = true;
    if (parser.isSet(loopbackCimd))
        settings.authorizationServer.allowLoopbackCimd = true;
    for (const QString &spec : parser.values(trustIssuer)) {
        auto trusted = Resource::TrustedIssuer::fromSpec(spec);
        if (!trusted)
            return usageError(trusted.error().message);
        settings.resourceServer.trustedIssuers.append(*trusted);
    }
    if (auto valid = settings.validate(); !valid)
        return usageError(valid.error().message);

    Core::Engine engine;
    SignalWatcher watcher;
    if (auto started = engine.start(settings); !started)
        return failure(started.error());
    out() << "Authorization server: " << engine.authorizationServerUrl().toString() << "\n"
          << "Resource server:      " << engine.resourceServerUrl().toString() << "\n"
          << "Issuer:               " << engine.issuer() << "\n"
          << "MCP resource:         " << engine.mcpResourceUri() << "\n"
          << "Demo client:          " << engine.demoClientId() << " (public, PKCE)\n"
          << "Demo user:            " << engine.demoUsername() << " / "
          << (engine.demoPassword().isEmpty()
                  ? QStringLiteral("(password set by an operator; not shown)")
              : parser.isSet(showDemoPassword)
                  ? engine.demoPassword()
                  : Crypto::maskSecret(engine.demoPassword().toUtf8()) +
                        QStringLiteral(" (--show-demo-password to print it)"))
          << "\n";
    out() << "admin API: " << engine.resourceServerUrl().toString()
          << "/admin/friction/state (token in " << engine.adminTokenFile() << ")\n";
    out() << "Press Ctrl+C to stop.\n";
    out().flush();
    if (parser.isSet(readyFile)) {
        if (auto written = writeReadyFile(parser.value(readyFile), engine); !written) {
            engine.stop();
            return failure(written.error());
        }
    }
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &engine,
                     [](int) { QCoreApplication::quit(); });
    QCoreApplication::exec();
    engine.stop();
    out() << "Stopped.\n";
    out().flush();
    return Success;
}

int db(const QStringList &arguments)
{
    if (arguments.isEmpty() || arguments.first().startsWith(QLatin1Char('-')))
        return usageError(QStringLiteral("'db' needs a subcommand: migrate or status"));
    const QString sub = arguments.first();
    if (sub != QLatin1String("migrate") && sub != QLatin1String("status"))
        return usageError(QStringLiteral("unknown db subcommand '%1'").arg(sub));
    QCommandLineParser parser;
    const QCommandLineOption store = storeOption();
    const QCommandLineOption json = jsonOption();
    parser.addOptions({store, json});
    if (const QString error = parse(parser, QStringLiteral("db ") + sub, arguments.mid(1));
        !error.isEmpty())
        return usageError(error);
    const QString url = parser.isSet(store) ? parser.value(store) : Store::defaultUrl();

    Store::OpenOptions options;
    options.migrate = false;
    auto database = Store::Database::open(url, options);
    if (!database)
        return failure(database.error());
    const bool migrating = sub == QLatin1String("migrate");
    int before = 0;
    if (migrating) {
        auto previous = (*database)->migrationStatus();
        if (!previous)
            return failure(previous.error());
        before = previous->currentVersion;
        if (auto migrated = (*database)->migrate(); !migrated)
            return failure(migrated.error());
    }
    auto status = (*database)->migrationStatus();
    if (!status)
        return failure(status.error());
    const int appliedNow = status->currentVersion - before;

    if (parser.isSet(json)) {
        QJsonArray migrations;
        for (const auto *list : {&status->applied, &status->pending}) {
            for (const Store::MigrationInfo &m : *list) {
                QJsonObject entry{{QStringLiteral("version"), m.version},
                                  {QStringLiteral("name"), m.name},
                                  {QStringLiteral("applied"), m.appliedAt.has_value()}};
                if (m.appliedAt)
                    entry.insert(QStringLiteral("applied_at"),
                                 QDateTime::fromMSecsSinceEpoch(*m.appliedAt, Qt::UTC)
                                     .toString(Qt::ISODateWithMs));
                migrations.append(entry);
            }
        }
        QJsonObject object{{QStringLiteral("store"), (*database)->displayUrl()},
                           {QStringLiteral("current_version"), status->currentVersion},
                           {QStringLiteral("latest_version"), status->latestVersion},
                           {QStringLiteral("migrations"), migrations}};
        if (migrating)
            object.insert(QStringLiteral("applied_now"), appliedNow);
        printJson(object);
        return Success;
    }
    out() << "Store: " << (*database)->displayUrl() << "\n"
          << "Schema version: " << status->currentVersion << " (latest " << status->latestVersion
          << ")\n";
    if (migrating)
        out() << (appliedNow == 0 ? QStringLiteral("Already up to date.")
                                  : QStringLiteral("Applied %1 migration(s).").arg(appliedNow))
              << "\n";
    for (const auto *list : {&status->applied, &status->pending})
        for (const Store::MigrationInfo &m : *list)
            out() << QStringLiteral("  %1  %2  %3\n")
                         .arg(m.version, 4)
                         .arg(m.appliedAt ? QStringLiteral("applied") : QStringLiteral("pending"),
                              -8)
                         .arg(m.name);
    out().flush();
    return Success;
}

} // namespace

int run(const QStringList &arguments)
{
    const QStringList args = arguments.mid(1);
    if (args.isEmpty())
        return usageError(QStringLiteral("no command given"));
    const QString command = args.first();
    if (command == QLatin1String("--version") || command == QLatin1String("-v") ||
        command == QLatin1String("version")) {
        out() << Core::versionLine() << "\n";
        out().flush();
        return Success;
    }
    if (command == QLatin1String("help") || command == QLatin1String("--help") ||
        command == QLatin1String("-h")) {
        out() << kUsage;
        out().flush();
        return Success;
    }
    if (command == QLatin1String("serve"))
        return serve(args.mid(1));
    if (command == QLatin1String("db"))
        return db(args.mid(1));
    if (command == QLatin1String("traffic"))
        return traffic(args.mid(1));
    if (command == QLatin1String("flow"))
        return runFlowCommand(args.mid(1));
    if (command == QLatin1String("flow-credentials"))
        return runFlowCredentialsCommand(args.mid(1));
    if (command == QLatin1String("check-server"))
        return runCheckServerCommand(args.mid(1));
    if (command == QLatin1String("friction"))
        return runFrictionCommand(args.mid(1));
    if (isAdminCommand(command))
        return runAdminCommand(command, args.mid(1));
    return usageError(QStringLiteral("unknown command '%1'").arg(command));
}

} // namespace Cli
