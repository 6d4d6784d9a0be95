#include "flowcommand.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSocketNotifier>

#include "commands.h"
#include "crypto/mask.h"
#include "flow/credentialstore.h"
#include "flow/walker.h"
#include "output.h"

namespace Cli {

namespace {

QString symbol(Flow::Verdict verdict)
{
    switch (verdict) {
    case Flow::Verdict::Pass:
        return QStringLiteral("\u2713");
    case Flow::Verdict::Warn:
        return QStringLiteral("!");
    case Flow::Verdict::Fail:
        return QStringLiteral("\u2717");
    case Flow::Verdict::Skip:
        return QStringLiteral("-");
    }
    return {};
}

void printStep(const Flow::Step &step)
{
    out() << QStringLiteral("[%1] %2: %3\n")
                 .arg(step.index + 1)
                 .arg(step.title, Flow::stepStatusName(step.status));
    for (const Flow::Check &check : step.checks)
        out() << QStringLiteral("    %1 %2 (%3) %4\n")
                     .arg(symbol(check.verdict), check.rule, Flow::levelName(check.level),
                          check.explanation);
    if (!step.summary.isEmpty())
        out() << QStringLiteral("    \u2192 %1\n").arg(step.summary);
    out().flush();
}

/// Opens `url` in the desktop's browser without linking Qt Gui.
bool openBrowser(const QUrl &url)
{
#if defined(Q_OS_WIN)
    return QProcess::startDetached(QStringLiteral("rundll32"),
                                   {QStringLiteral("url.dll,FileProtocolHandler"), url.toString()});
#elif defined(Q_OS_MACOS)
    return QProcess::startDetached(QStringLiteral("open"), {url.toString()});
#else
    return QProcess::startDetached(QStringLiteral("xdg-open"), {url.toString()});
#endif
}

Core::Result<QString> readSecretFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
    const QByteArray content = file.read(4096);
    QString text = QString::fromUtf8(content);
    while (text.endsWith(QLatin1Char('\n')) || text.endsWith(QLatin1Char('\r')))
        text.chop(1);
    if (text.isEmpty())
        return Core::makeError(QStringLiteral("io_error"), QStringLiteral("%1 is empty").arg(path));
    return text;
}

/// The Client ID Metadata Document URL the conformance suite expects a CIMD client to use.
const QString kConformanceCimdUrl =
    QStringLiteral("https://conformance-test.local/client-metadata.json");

/// Maps the MCP conformance suite's client-under-test variables onto `options`:
/// MCP_CONFORMANCE_SCENARIO (e.g. "auth/pre-registration"), MCP_CONFORMANCE_CONTEXT (a JSON
/// object with the scenario's client credentials, keys or assertions) and
/// MCP_CONFORMANCE_PROTOCOL_VERSION. The browser step is headless (the suite's mock AS
/// redirects at once). Returns false when the variables are not set.
Core::Result<bool> applyConformanceEnvironment(Flow::Options &options)
{
    const QString scenario = qEnvironmentVariable("MCP_CONFORMANCE_SCENARIO");
    if (scenario.isEmpty())
        return false;
    QJsonObject context;
    if (const QByteArray raw = qgetenv("MCP_CONFORMANCE_CONTEXT"); !raw.isEmpty()) {
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(raw, &error);
        if (error.error != QJsonParseError::NoError || !document.isObject())
            return Core::makeError(
                QStringLiteral("invalid_request"),
                QStringLiteral("MCP_CONFORMANCE_CONTEXT is not a JSON object: %1")
                    .arg(error.errorString()));
        context = document.object();
    }
    const auto text = [&](const char *key) { return context.value(QLatin1String(key)).toString(); };
    options.browser = Flow::BrowserMode::Headless;
    if (const QString version = qEnvironmentVariable("MCP_CONFORMANCE_PROTOCOL_VERSION");
        !version.isEmpty())
        options.protocolVersion = version;
    options.clientMetadataUrl = QUrl(kConformanceCimdUrl);
    options.toolName = QStringLiteral("*");
    options.clientId = text("client_id");
    options.clientSecret = text("client_secret");
    options.privateKeyPem = text("private_key_pem").toUtf8();
    if (scenario.startsWith(QLatin1String("auth/client-credentials")))
        options.grant = Flow::Grant::ClientCredentials;
    // A workload identity token (SEP-1933), or an enterprise IdP to get an identity
    // assertion grant from (SEP-990): the JWT bearer grant.
    if (context.contains(QLatin1String("valid_jwt"))) {
        options.grant = Flow::Grant::JwtBearer;
        options.assertion = text("valid_jwt");
    }
    if (context.contains(QLatin1String("idp_token_endpoint"))) {
        options.grant = Flow::Grant::JwtBearer;
        options.idpTokenEndpoint = QUrl(text("idp_token_endpoint"), QUrl::StrictMode);
        options.idpIdToken = text("idp_id_token");
        options.idpClientId = text("idp_client_id");
    }
    options.dpop = scenario.startsWith(QLatin1String("auth/dpop"));
    return true;
}

QCommandLineOption credentialsOption()
{
    return {QStringLiteral("credentials"),
            QStringLiteral("Where registered clients are kept per issuer and reused: keychain "
                           "(the OS keychain), file (a 0600 JSON file) or none. Default: the "
                           "keychain when one answers, else the file (none when "
                           "MCP_CONFORMANCE_SCENARIO is set)."),
            QStringLiteral("where")};
}

QCommandLineOption credentialsFileOption()
{
    return {QStringLiteral("credentials-file"),
            QStringLiteral("The credentials file (default: %1).")
                .arg(Flow::FileCredentialStore::defaultPath()),
            QStringLiteral("file")};
}

/// The store chosen by --credentials / --credentials-file; null for none. `stateless`
/// (the conformance mode) makes none the default.
Core::Result<std::shared_ptr<Flow::CredentialStore>>
credentialStore(const QCommandLineParser &parser, const QCommandLineOption &where,
                const QCommandLineOption &file, bool stateless)
{
    const QString path =
        parser.isSet(file) ? parser.value(file) : Flow::FileCredentialStore::defaultPath();
    const QString choice = parser.isSet(where) ? parser.value(where)
                           : stateless         ? QStringLiteral("none")
                                               : QString();
    if (parser.isSet(file) &&
        (choice == QLatin1String("keychain") || choice == QLatin1String("none")))
        return Core::makeError(QStringLiteral("usage"),
                               QStringLiteral("--credentials-file goes with --credentials file"));
    if (choice == QLatin1String("none"))
        return std::shared_ptr<Flow::CredentialStore>();
    if (choice == QLatin1String("file") || (choice.isEmpty() && parser.isSet(file)))
        return std::shared_ptr<Flow::CredentialStore>(
            std::make_shared<Flow::FileCredentialStore>(path));
    if (choice == QLatin1String("keychain"))
        return std::shared_ptr<Flow::CredentialStore>(
            std::make_shared<Flow::KeychainCredentialStore>());
    if (!choice.isEmpty())
        return Core::makeError(QStringLiteral("usage"),
                               QStringLiteral("--credentials must be keychain, file or none, "
                                              "not '%1'")
                                   .arg(choice));
    return std::shared_ptr<Flow::CredentialStore>(
        Flow::FallbackCredentialStore::keychainOrFile(path));
}

} // namespace

int runFlowCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("mcpauth flow: walk how an MCP client gets authorized against URL"));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    parser.addPositionalArgument(QStringLiteral("url"), QStringLiteral("The MCP server URL."));
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this command's options."));
    const QCommandLineOption grant(QStringLiteral("grant"),
                                   QStringLiteral("Grant to walk: pkce (default), device, "
                                                  "client-credentials or jwt-bearer."),
                                   QStringLiteral("grant"));
    const QCommandLineOption privateKey(
        QStringLiteral("private-key"),
        QStringLiteral("PEM private key of a private_key_jwt client (with --client-id)."),
        QStringLiteral("file"));
    const QCommandLineOption scope(QStringLiteral("scope"),
                                   QStringLiteral("Scope to ask for (default: the challenge's, "
                                                  "else the server's scopes_supported)."),
                                   QStringLiteral("scopes"));
    const QCommandLineOption clientId(QStringLiteral("client-id"),
                                      QStringLiteral("A pre-registered client id."),
                                      QStringLiteral("id"));
    const QCommandLineOption clientSecret(
        QStringLiteral("client-secret"),
        QStringLiteral("The pre-registered client's secret (prefer --client-secret-file)."),
        QStringLiteral("secret"));
    const QCommandLineOption clientSecretFile(QStringLiteral("client-secret-file"),
                                              QStringLiteral("Read the client secret from a file."),
                                              QStringLiteral("file"));
    const QCommandLineOption metadataUrl(
        QStringLiteral("client-metadata-url"),
        QStringLiteral("Client ID Metadata Document URL, used as client_id when the AS supports "
                       "it."),
        QStringLiteral("url"));
    const QCommandLineOption browser(QStringLiteral("browser"),
                                     QStringLiteral("system (default), manual (paste the "
                                                    "redirect URL) or headless (tests)."),
                                     QStringLiteral("mode"));
    const QCommandLineOption username(QStringLiteral("username"),
                                      QStringLiteral("Headless mode: the login name."),
                                      QStringLiteral("name"));
    const QCommandLineOption passwordFile(QStringLiteral("password-file"),
                                          QStringLiteral("Headless mode: a file holding the "
                                                         "password."),
                                          QStringLiteral("file"));
    const QCommandLineOption deny(QStringLiteral("deny"),
                                  QStringLiteral("Headless mode: deny on the consent page."));
    const QCommandLineOption dpop(
        QStringLiteral("dpop"),
        QStringLiteral("Bind the tokens to a key made for this run with DPoP (RFC 9449), when the "
                       "authorization server supports it."));
    const QCommandLineOption assertionFile(
        QStringLiteral("assertion-file"),
        QStringLiteral("--grant jwt-bearer: a file holding the assertion (e.g. a workload "
                       "identity token)."),
        QStringLiteral("file"));
    const QCommandLineOption idpTokenEndpoint(
        QStringLiteral("idp-token-endpoint"),
        QStringLiteral("--grant jwt-bearer: get the assertion from this IdP token endpoint by "
                       "token exchange (enterprise-managed authorization)."),
        QStringLiteral("url"));
    const QCommandLineOption idpIdTokenFile(
        QStringLiteral("idp-id-token-file"),
        QStringLiteral("With --idp-token-endpoint: a file holding the ID token to exchange."),
        QStringLiteral("file"));
    const QCommandLineOption idpClientId(QStringLiteral("idp-client-id"),
                                         QStringLiteral("With --idp-token-endpoint: the client's "
                                                        "id at the IdP."),
                                         QStringLiteral("id"));
    const QCommandLineOption protocolVersion(
        QStringLiteral("protocol-version"),
        QStringLiteral("MCP protocol version to speak (default 2025-11-25; 2026-07-28 and later: "
                       "the stateless revision)."),
        QStringLiteral("version"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the run as JSON (tokens masked)."));
    const QCommandLineOption report(QStringLiteral("report"),
                                    QStringLiteral("Write a self-contained HTML report."),
                                    QStringLiteral("file"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("Seconds to wait for the browser (default "
                                                    "300)."),
                                     QStringLiteral("seconds"));
    const QCommandLineOption privateNetworks(
        QStringLiteral("allow-private-networks"),
        QStringLiteral("Allow requests to private network addresses (10/8, 192.168/16, ...)."));
    const QCommandLineOption credentials = credentialsOption();
    const QCommandLineOption credentialsFile = credentialsFileOption();
    const QCommandLineOption forgetCredentials(
        QStringLiteral("forget-credentials"),
        QStringLiteral("Forget the stored client of the server's authorization server and "
                       "register anew."));
    parser.addOptions({help,
                       grant,
                       privateKey,
                       scope,
                       clientId,
                       clientSecret,
                       clientSecretFile,
                       metadataUrl,
                       browser,
                       username,
                       passwordFile,
                       deny,
                       dpop,
                       assertionFile,
                       idpTokenEndpoint,
                       idpIdTokenFile,
                       idpClientId,
                       protocolVersion,
                       json,
                       report,
                       timeout,
                       privateNetworks,
                       credentials,
                       credentialsFile,
                       forgetCredentials});
    if (auto done = parseCommand(parser, QStringLiteral("flow"), arguments, help))
        return *done;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 1)
        return usageError(QStringLiteral("'flow' needs exactly one MCP server URL"));

    Flow::Options options;
    auto serverUrl = httpUrlArgument(positional.first());
    if (!serverUrl)
        return usageError(serverUrl.error().message);
    options.serverUrl = *serverUrl;
    if (parser.isSet(grant)) {
        auto chosen = Flow::parseGrant(parser.value(grant));
        if (!chosen)
            return usageError(chosen.error().message);
        options.grant = *chosen;
    }
    options.scope = parser.value(scope);
    options.clientId = parser.value(clientId);
    if (parser.isSet(clientSecret) && parser.isSet(clientSecretFile))
        return usageError(QStringLiteral("give --client-secret or --client-secret-file, not both"));
    if (parser.isSet(clientSecretFile)) {
        auto secret = readSecretFile(parser.value(clientSecretFile));
        if (!secret)
            return failure(secret.error());
        options.clientSecret = *secret;
    } else {
        options.clientSecret = parser.value(clientSecret);
    }
    if (parser.isSet(privateKey)) {
        QFile file(parser.value(privateKey));
        if (!file.open(QIODevice::ReadOnly))
            return failure(Core::makeError(
                QStringLiteral("io_error"),
                QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString())));
        options.privateKeyPem = file.read(64 * 1024);
    }
    if ((!options.clientSecret.isEmpty() || !options.privateKeyPem.isEmpty()) &&
        options.clientId.isEmpty())
        return usageError(QStringLiteral("a client secret or private key needs --client-id"));
    if (options.grant == Flow::Grant::ClientCredentials && options.clientSecret.isEmpty() &&
        options.privateKeyPem.isEmpty())
        return usageError(QStringLiteral("--grant client-credentials needs --client-id with "
                                         "--client-secret(-file) or --private-key"));
    if (parser.isSet(protocolVersion)) {
        static const QRegularExpression date(QStringLiteral("^\\d{4}-\\d{2}-\\d{2}$"));
        if (!date.match(parser.value(protocolVersion)).hasMatch())
            return usageError(
                QStringLiteral("--protocol-version must be a revision date such as 2025-11-25"));
        options.protocolVersion = parser.value(protocolVersion);
    }
    if (parser.isSet(assertionFile)) {
        auto assertion = readSecretFile(parser.value(assertionFile));
        if (!assertion)
            return failure(assertion.error());
        options.assertion = *assertion;
    }
    if (parser.isSet(idpTokenEndpoint)) {
        options.idpTokenEndpoint = QUrl(parser.value(idpTokenEndpoint), QUrl::StrictMode);
        if (!options.idpTokenEndpoint.isValid() || options.idpTokenEndpoint.isRelative())
            return usageError(QStringLiteral("--idp-token-endpoint must be an absolute URL"));
        if (!parser.isSet(idpIdTokenFile))
            return usageError(QStringLiteral("--idp-token-endpoint needs --idp-id-token-file"));
        auto idToken = readSecretFile(parser.value(idpIdTokenFile));
        if (!idToken)
            return failure(idToken.error());
        options.idpIdToken = *idToken;
        options.idpClientId = parser.value(idpClientId);
    }
    if (options.grant == Flow::Grant::JwtBearer &&
        (options.clientId.isEmpty() ||
         (options.assertion.isEmpty() && options.idpTokenEndpoint.isEmpty())))
        return usageError(QStringLiteral("--grant jwt-bearer needs --client-id and "
                                         "--assertion-file or --idp-token-endpoint"));
    if (parser.isSet(metadataUrl)) {
        options.clientMetadataUrl = QUrl(parser.value(metadataUrl), QUrl::StrictMode);
        if (!options.clientMetadataUrl.isValid() || options.clientMetadataUrl.isRelative())
            return usageError(QStringLiteral("--client-metadata-url must be an absolute URL"));
    }
    if (parser.isSet(browser)) {
        auto mode = Flow::parseBrowserMode(parser.value(browser));
        if (!mode)
            return usageError(mode.error().message);
        options.browser = *mode;
    }
    options.username = parser.value(username);
    if (parser.isSet(passwordFile)) {
        auto password = readSecretFile(parser.value(passwordFile));
        if (!password)
            return failure(password.error());
        options.password = *password;
    }
    options.approveConsent = !parser.isSet(deny);
    options.dpop = parser.isSet(dpop);
    if (parser.isSet(timeout)) {
        bool ok = false;
        const int seconds = parser.value(timeout).toInt(&ok);
        if (!ok || seconds < 1 || seconds > 3600)
            return usageError(QStringLiteral("--timeout must be 1 to 3600 seconds"));
        options.browserTimeout = std::chrono::seconds(seconds);
    }
    options.ssrfPolicy.allowPrivateNetworks = parser.isSet(privateNetworks);
    auto conformance = applyConformanceEnvironment(options);
    if (!conformance)
        return usageError(conformance.error().message);
    auto store = credentialStore(parser, credentials, credentialsFile, *conformance);
    if (!store)
        return usageError(store.error().message);
    options.credentialStore = *store;
    options.forgetCredentials = parser.isSet(forgetCredentials);
    if (options.forgetCredentials && !options.credentialStore)
        return usageError(QStringLiteral("--forget-credentials needs a credential store "
                                         "(--credentials keychain or file)"));
    const bool asJson = parser.isSet(json);

    Flow::Walker walker(options);
    QEventLoop loop;
    QSocketNotifier stdinNotifier(0, QSocketNotifier::Read);
    stdinNotifier.setEnabled(false);
    QFile input;
    QObject::connect(&walker, &Flow::Walker::finished, &loop, &QEventLoop::quit);
    if (!asJson)
        QObject::connect(&walker, &Flow::Walker::stepFinished, &walker, &printStep);
    QObject::connect(&walker, &Flow::Walker::needsUser, &walker,
                     [&](const Flow::UserAction &action) {
                         QTextStream &stream = asJson ? err() : out();
                         stream << action.message << "\n" << action.url.toString() << "\n";
                         if (action.kind == Flow::UserAction::Kind::OpenBrowser) {
                             if (!openBrowser(action.url))
                                 stream << "(could not start a browser: open the URL above)\n";
                         } else {
                             stream << "Redirect URL: ";
                             if (input.open(stdin, QIODevice::ReadOnly))
                                 stdinNotifier.setEnabled(true);
                         }
                         stream.flush();
                     });
    QObject::connect(&stdinNotifier, &QSocketNotifier::activated, &walker, [&] {
        const QByteArray line = input.readLine(16 * 1024).trimmed();
        if (line.isEmpty() && input.atEnd()) {
            stdinNotifier.setEnabled(false);
            walker.cancel();
            return;
        }
        if (line.isEmpty())
            return;
        stdinNotifier.setEnabled(false);
        walker.provideRedirectUrl(QUrl(QString::fromUtf8(line)));
    });
    walker.runToEnd();
    if (!walker.isFinished())
        loop.exec();

    const Flow::Run &run = walker.run();
    if (parser.isSet(report)) {
        QSaveFile file(parser.value(report));
        if (!file.open(QIODevice::WriteOnly) || file.write(run.toHtmlReport().toUtf8()) < 0 ||
            !file.commit())
            return failure(Core::makeError(QStringLiteral("io_error"),
                                           QStringLiteral("cannot write the report %1: %2")
                                               .arg(parser.value(report), file.errorString())));
    }
    if (asJson) {
        printJson(run.toJson());
    } else {
        out() << QStringLiteral("Walk %1: %2 checks passed, %3 warnings, %4 failed%5\n")
                     .arg(Flow::outcomeName(run.outcome))
                     .arg(run.checkCount(Flow::Verdict::Pass))
                     .arg(run.checkCount(Flow::Verdict::Warn))
                     .arg(run.checkCount(Flow::Verdict::Fail))
                     .arg(run.error.isEmpty()
                              ? QString()
                              : QStringLiteral(" (") + run.error + QLatin1Char(')'));
        out().flush();
    }
    return run.outcome == Flow::Outcome::Succeeded ? Success : Failure;
}

} // namespace Cli

namespace Cli {

namespace {

/// Runs the event loop until `start` calls the function it is given.
template <typename Start>
void waitFor(Start start)
{
    QEventLoop loop;
    bool done = false;
    start([&] {
        done = true;
        loop.quit();
    });
    if (!done)
        loop.exec();
}

QJsonObject describeClient(const Flow::ClientKey &key, const QJsonObject &entry)
{
    QJsonObject out{{QStringLiteral("issuer"), key.issuer},
                    {QStringLiteral("registration"), key.registration},
                    {QStringLiteral("redirect_uri"), key.redirectShape},
                    {QStringLiteral("client_name"), key.software}};
    auto stored = Flow::StoredClient::fromJson(entry);
    if (!stored) {
        out.insert(QStringLiteral("error"), stored.error().message);
        return out;
    }
    out.insert(QStringLiteral("client_id"), stored->clientId);
    if (!stored->clientSecret.isEmpty())
        out.insert(QStringLiteral("client_secret"),
                   Crypto::maskSecret(stored->clientSecret.toUtf8()));
    if (!stored->registrationAccessToken.isEmpty())
        out.insert(QStringLiteral("registration_access_token"),
                   Crypto::maskSecret(stored->registrationAccessToken.toUtf8()));
    out.insert(QStringLiteral("registered_at"), stored->issuedAt.toString(Qt::ISODate));
    if (stored->secretExpiresAt.isValid())
        out.insert(QStringLiteral("client_secret_expires_at"),
                   stored->secretExpiresAt.toString(Qt::ISODate));
    out.insert(QStringLiteral("registration_endpoint"), stored->registrationEndpoint);
    out.insert(QStringLiteral("grant_types"), QJsonArray::fromStringList(stored->grantTypes));
    return out;
}

} // namespace

int runFlowCredentialsCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "mcpauth flow-credentials: list or remove the clients 'mcpauth flow' registered"));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QString action = arguments.value(0);
    if (action == QLatin1String("remove"))
        parser.addPositionalArgument(QStringLiteral("issuer"),
                                     QStringLiteral("The authorization server's issuer, exactly "
                                                    "as its metadata names it."));
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this command's options."));
    const QCommandLineOption credentials = credentialsOption();
    const QCommandLineOption credentialsFile = credentialsFileOption();
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print machine-readable JSON."));
    parser.addOptions({help, credentials, credentialsFile, json});
    if (action != QLatin1String("list") && action != QLatin1String("remove"))
        return usageError(QStringLiteral("'flow-credentials' needs list or remove ISSUER"));
    if (auto done = parseCommand(parser, QStringLiteral("flow-credentials ") + action,
                                 arguments.mid(1), help))
        return *done;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != (action == QLatin1String("remove") ? 1 : 0))
        return usageError(action == QLatin1String("remove")
                              ? QStringLiteral("'flow-credentials remove' needs one issuer")
                              : QStringLiteral("'flow-credentials list' takes no argument"));
    auto opened = credentialStore(parser, credentials, credentialsFile, false);
    if (!opened)
        return usageError(opened.error().message);
    const std::shared_ptr<Flow::CredentialStore> store = *opened;
    if (!store)
        return usageError(QStringLiteral("--credentials none has nothing to list or remove"));

    QObject context;
    Core::Result<QMap<QString, QJsonObject>> entries = QMap<QString, QJsonObject>();
    waitFor([&](auto finish) {
        store->list(&context, [&, finish](const Core::Result<QMap<QString, QJsonObject>> &r) {
            entries = r;
            finish();
        });
    });
    if (!entries)
        return failure(entries.error());
    if (!store->notice().isEmpty())
        err() << "mcpauth: " << store->notice() << "\n";

    if (action == QLatin1String("remove")) {
        const QString issuer = positional.first();
        QStringList keys;
        for (auto it = entries->begin(); it != entries->end(); ++it) {
            const auto client = Flow::ClientKey::parse(it.key());
            if ((client && client->issuer == issuer) ||
                (Flow::parseServerKey(it.key()) &&
                 it.value().value(QStringLiteral("issuer")).toString() == issuer))
                keys.append(it.key());
        }
        if (keys.isEmpty())
            return failure(
                Core::makeError(QStringLiteral("not_found"),
                                QStringLiteral("no client is stored for the issuer %1 in %2 (see "
                                               "'mcpauth flow-credentials list')")
                                    .arg(issuer, store->description())));
        for (const QString &key : std::as_const(keys)) {
            Core::Status removed;
            waitFor([&](auto finish) {
                store->remove(key, &context, [&, finish](const Core::Status &status) {
                    removed = status;
                    finish();
                });
            });
            if (!removed)
                return failure(removed.error());
        }
        out() << QStringLiteral("Removed the stored clients of %1 from %2\n")
                     .arg(issuer, store->description());
        out().flush();
        return Success;
    }

    QJsonArray clients;
    QJsonArray servers;
    for (auto it = entries->begin(); it != entries->end(); ++it) {
        if (const auto client = Flow::ClientKey::parse(it.key()))
            clients.append(describeClient(*client, it.value()));
        else if (const auto server = Flow::parseServerKey(it.key()))
            servers.append(QJsonObject{
                {QStringLiteral("server_url"), *server},
                {QStringLiteral("issuer"), it.value().value(QStringLiteral("issuer"))}});
    }
    if (parser.isSet(json)) {
        printJson({{QStringLiteral("store"), store->description()},
                   {QStringLiteral("clients"), clients},
                   {QStringLiteral("servers"), servers}});
        return Success;
    }
    out() << QStringLiteral("Clients in %1:\n").arg(store->description());
    if (clients.isEmpty())
        out() << "  (none)\n";
    for (const QJsonValue &value : std::as_const(clients)) {
        const QJsonObject c = value.toObject();
        const auto text = [&c](const char *name) {
            return c.value(QLatin1String(name)).toString();
        };
        out() << QStringLiteral("  %1\n    client_id %2%3\n    registered %4 at %5\n    "
                                "redirect %6%7\n")
                     .arg(text("issuer"), text("client_id"),
                          text("client_secret").isEmpty()
                              ? QString()
                              : QStringLiteral(", secret ") + text("client_secret"),
                          text("registered_at"), text("registration_endpoint"),
                          text("redirect_uri"),
                          text("client_secret_expires_at").isEmpty()
                              ? QString()
                              : QStringLiteral(", secret expires ") +
                                    text("client_secret_expires_at"));
        if (!text("error").isEmpty())
            out() << QStringLiteral("    unreadable: %1\n").arg(text("error"));
    }
    for (const QJsonValue &value : std::as_const(servers))
        out() << QStringLiteral("Server %1 uses %2\n")
                     .arg(value.toObject().value(QStringLiteral("server_url")).toString(),
                          value.toObject().value(QStringLiteral("issuer")).toString());
    out().flush();
    return Success;
}

} // namespace Cli
