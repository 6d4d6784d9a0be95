#include "admincommands.h"

#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <optional>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>
#include <QTimer>

#include "admin/service.h"
#include "commands.h"
#include "output.h"
#include "serverconfig.h"
#include "signalwatcher.h"
#include "store/database.h"
#include "store/databaseurl.h"

#ifdef Q_OS_UNIX
#include <termios.h>
#include <unistd.h>
#endif

namespace Cli {

namespace {

/// Local time, ISO 8601 with its UTC offset.
QString localTime(qint64 epochMs)
{
    const QDateTime local = QDateTime::fromMSecsSinceEpoch(epochMs).toLocalTime();
    return local.toOffsetFromUtc(local.offsetFromUtc()).toString(Qt::ISODate);
}

QString localTime(const std::optional<qint64> &epochMs)
{
    return epochMs ? localTime(*epochMs) : QStringLiteral("-");
}

QString orDash(const QString &text)
{
    return text.isEmpty() ? QStringLiteral("-") : text;
}

/// Columns padded to their widest cell, two spaces apart; the last column is not padded.
void printTable(const QStringList &headers, const QList<QStringList> &rows)
{
    QList<qsizetype> widths;
    for (const QString &header : headers)
        widths.append(header.size());
    for (const QStringList &row : rows)
        for (qsizetype i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = qMax(widths[i], row[i].size());
    const auto printRow = [&](const QStringList &cells) {
        QString line;
        for (qsizetype i = 0; i < cells.size(); ++i)
            line += i + 1 == cells.size() ? cells[i] : cells[i].leftJustified(widths[i] + 2);
        out() << line << "\n";
    };
    printRow(headers);
    for (const QStringList &row : rows)
        printRow(row);
    out().flush();
}

/// "Label:  value" lines with the values aligned.
void printFields(const QList<std::pair<QString, QString>> &fields)
{
    qsizetype width = 0;
    for (const auto &field : fields)
        width = qMax(width, field.first.size() + 1);
    for (const auto &[label, value] : fields)
        out() << QString(label + QLatin1Char(':')).leftJustified(width + 1) << value << "\n";
    out().flush();
}

/// One invocation: its parser with the options every operator command has (--store,
/// --json, --help), the service over the opened store, and how a result is printed.
class Command final
{
    Q_DISABLE_COPY_MOVE(Command)

public:
    explicit Command(QString name, QString positionalSyntax = {}, int minPositional = 0,
                     int maxPositional = 0)
        : m_name(std::move(name))
        , m_positionalSyntax(std::move(positionalSyntax))
        , m_minPositional(minPositional)
        , m_maxPositional(maxPositional)
        , m_store(QStringLiteral("store"),
                  QStringLiteral("Store URL: sqlite:///absolute/path.db or "
                                 "postgresql://user:password@host:port/database (default: %1).")
                      .arg(Store::defaultUrl()),
                  QStringLiteral("url"))
        , m_json(QStringLiteral("json"), QStringLiteral("Print machine-readable JSON."))
        , m_help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                 QStringLiteral("Show this command's options."))
        , m_config(QStringLiteral("config"),
                   QStringLiteral("The server's JSON config file: its authorization_server "
                                  "settings (scopes, lifetimes, signing algorithm) apply."),
                   QStringLiteral("file"))
    {
        m_parser.setApplicationDescription(QStringLiteral("mcpauth ") + m_name);
        m_parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
        m_parser.addOptions({m_store, m_json, m_help});
        if (!m_positionalSyntax.isEmpty())
            m_parser.addPositionalArgument(m_positionalSyntax, QString());
    }

    QCommandLineParser &parser() { return m_parser; }
    void addOptions(std::initializer_list<const QCommandLineOption *> options)
    {
        for (const QCommandLineOption *option : options)
            m_parser.addOption(*option);
    }
    /// Accept --config: the server's settings then apply to the service.
    void acceptConfig()
    {
        m_parser.addOption(m_config);
        m_acceptsConfig = true;
    }

    /// Parses; returns an exit code when the command must stop here (usage error, --help).
    std::optional<int> parse(const QStringList &arguments)
    {
        if (auto done = parseCommand(m_parser, m_name, arguments, m_help))
            return done;
        const QStringList positional = m_parser.positionalArguments();
        if (positional.size() > m_maxPositional)
            return usageError(
                QStringLiteral("unexpected argument '%1'").arg(positional.value(m_maxPositional)));
        if (positional.size() < m_minPositional)
            return usageError(QStringLiteral("'%1' needs %2").arg(m_name, m_positionalSyntax));
        return std::nullopt;
    }

    [[nodiscard]] QString positional(int index) const
    {
        return m_parser.positionalArguments().value(index);
    }
    [[nodiscard]] bool json() const { return m_parser.isSet(m_json); }

    /// Reads --config (if accepted and given) and opens the store; returns an exit code
    /// when that failed.
    std::optional<int> open()
    {
        Auth::Config settings;
        if (m_acceptsConfig && m_parser.isSet(m_config)) {
            auto loaded = Core::ServerConfig::fromFile(m_parser.value(m_config));
            if (!loaded)
                return failure(loaded.error());
            settings = loaded->authorizationServer;
        }
        const QString url = m_parser.isSet(m_store) ? m_parser.value(m_store) : Store::defaultUrl();
        auto database = Store::Database::open(url);
        if (!database)
            return failure(database.error());
        m_service = std::make_unique<Admin::Service>(*database, std::move(settings));
        return std::nullopt;
    }

    /// Precondition: open() succeeded.
    Admin::Service &service() { return *m_service; }

    /// Prints `result`: its toJson() with --json, else `human(value)`; an error exits 1.
    template <typename T>
    int finish(const Core::Result<T> &result, const std::function<void(const T &)> &human)
    {
        if (!result)
            return failure(result.error());
        if (json())
            printJson(result->toJson());
        else
            human(*result);
        out().flush();
        return Success;
    }

    /// finish() for a list: with --json, {"<key>": [each toJson()]}.
    template <typename T>
    int finishList(const Core::Result<QList<T>> &result, const QString &key,
                   const std::function<void(const QList<T> &)> &human)
    {
        if (!result)
            return failure(result.error());
        if (json()) {
            QJsonArray list;
            for (const T &item : *result)
                list.append(toJson(item));
            printJson({{key, list}});
        } else {
            human(*result);
        }
        out().flush();
        return Success;
    }

private:
    template <typename T>
    static QJsonObject toJson(const T &item)
    {
        return item.toJson();
    }
    static QJsonObject toJson(const Store::AuditEvent &event)
    {
        return Admin::auditEventToJson(event);
    }

    QString m_name;
    QString m_positionalSyntax;
    int m_minPositional;
    int m_maxPositional;
    QCommandLineParser m_parser;
    QCommandLineOption m_store;
    QCommandLineOption m_json;
    QCommandLineOption m_help;
    QCommandLineOption m_config;
    bool m_acceptsConfig = false;
    std::unique_ptr<Admin::Service> m_service;
};

/// A whole number in [min, max] from option `name`, or nullopt with a usage error printed.
std::optional<qint64> numberOption(QCommandLineParser &parser, const QCommandLineOption &option,
                                   qint64 fallback, qint64 min, qint64 max, int *exitCode)
{
    if (!parser.isSet(option))
        return fallback;
    bool ok = false;
    const qint64 value = parser.value(option).toLongLong(&ok);
    if (ok && value >= min && value <= max)
        return value;
    *exitCode = usageError(QStringLiteral("--%1: must be a whole number from %2 to %3")
                               .arg(option.names().constLast())
                               .arg(min)
                               .arg(max));
    return std::nullopt;
}

/// One line from standard input (a password), without its line break. Never echoed: on a
/// terminal, echo is off while it is typed.
Core::Result<QByteArray> readSecretLine(const QString &prompt)
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("cannot read standard input"));
    QByteArray line;
#ifdef Q_OS_UNIX
    const bool terminal = ::isatty(STDIN_FILENO) == 1;
    termios saved{};
    if (terminal && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
        err() << prompt;
        err().flush();
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        line = in.readLine(4096);
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        err() << "\n";
        err().flush();
    } else {
        line = in.readLine(4096);
    }
#else
    Q_UNUSED(prompt)
    line = in.readLine(4096);
#endif
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    if (line.isEmpty())
        return Core::makeError(QStringLiteral("invalid_argument"),
                               QStringLiteral("no password on standard input (give it as one "
                                              "line; it is never taken from the command line)"));
    return line;
}

// clients

QList<std::pair<QString, QString>> clientFields(const Admin::ClientRecord &c)
{
    return {{QStringLiteral("Client ID"), c.clientId},
            {QStringLiteral("Name"), orDash(c.name)},
            {QStringLiteral("Auth method"), c.authMethod},
            {QStringLiteral("Secret"), orDash(c.secret)},
            {QStringLiteral("Grant types"), c.grantTypes.join(QLatin1Char(' '))},
            {QStringLiteral("Redirect URIs"), orDash(c.redirectUris.join(QLatin1Char(' ')))},
            {QStringLiteral("Scope"), orDash(c.scope)},
            {QStringLiteral("Application"), c.applicationType},
            {QStringLiteral("Source"), c.source},
            {QStringLiteral("JWKS"), c.hasJwks ? QStringLiteral("registered") : orDash(c.jwksUri)},
            {QStringLiteral("Active tokens"), QString::number(c.activeTokens)},
            {QStringLiteral("Created"), localTime(c.createdAt)},
            {QStringLiteral("Updated"), localTime(c.updatedAt)}};
}

int clientsAdd(const QStringList &arguments)
{
    Command command(QStringLiteral("clients add"));
    const QCommandLineOption id(QStringLiteral("id"),
                                QStringLiteral("Client id (default: generated mcp_...)."),
                                QStringLiteral("id"));
    const QCommandLineOption name(QStringLiteral("name"), QStringLiteral("Client name."),
                                  QStringLiteral("name"));
    const QCommandLineOption redirect(QStringLiteral("redirect-uri"),
                                      QStringLiteral("Redirect URI (repeatable)."),
                                      QStringLiteral("uri"));
    const QCommandLineOption grant(QStringLiteral("grant"),
                                   QStringLiteral("Grant type (repeatable; default "
                                                  "authorization_code)."),
                                   QStringLiteral("type"));
    const QCommandLineOption method(
        QStringLiteral("auth-method"),
        QStringLiteral("none | client_secret_basic (default) | client_secret_post | "
                       "private_key_jwt."),
        QStringLiteral("method"));
    const QCommandLineOption scope(
        QStringLiteral("scope"), QStringLiteral("Scopes the client may ask for (space-separated)."),
        QStringLiteral("scope"));
    const QCommandLineOption appType(QStringLiteral("application-type"),
                                     QStringLiteral("web (default) | native (allows private-use "
                                                    "redirect schemes)."),
                                     QStringLiteral("type"));
    const QCommandLineOption jwksFile(QStringLiteral("jwks-file"),
                                      QStringLiteral("File with the client's public JWK Set "
                                                     "(private_key_jwt)."),
                                      QStringLiteral("file"));
    const QCommandLineOption jwksUri(QStringLiteral("jwks-uri"),
                                     QStringLiteral("URL of the client's public JWK Set."),
                                     QStringLiteral("url"));
    command.addOptions(
        {&id, &name, &redirect, &grant, &method, &scope, &appType, &jwksFile, &jwksUri});
    command.acceptConfig();
    if (auto stop = command.parse(arguments))
        return *stop;
    QCommandLineParser &p = command.parser();

    Admin::NewClient client;
    client.clientId = p.value(id);
    client.name = p.value(name);
    client.redirectUris = p.values(redirect);
    client.grantTypes = p.values(grant);
    client.authMethod = p.value(method);
    client.scope = p.value(scope);
    client.applicationType = p.value(appType);
    client.jwksUri = p.value(jwksUri);
    if (p.isSet(jwksFile)) {
        QFile file(p.value(jwksFile));
        if (!file.open(QIODevice::ReadOnly))
            return failure(Core::makeError(
                QStringLiteral("io_error"),
                QStringLiteral("cannot read %1: %2").arg(file.fileName(), file.errorString())));
        client.jwks = QString::fromUtf8(file.read(256 * 1024));
    }
    if (auto stop = command.open())
        return *stop;
    return command.finish<Admin::AddedClient>(
        command.service().addClient(client), [](const Admin::AddedClient &added) {
            printFields(clientFields(added.client));
            if (!added.secret.isEmpty())
                out() << "\nClient secret: " << added.secret
                      << "\nThis is the only time the secret is shown; only its hash is stored.\n";
        });
}

int clientsList(const QStringList &arguments)
{
    Command command(QStringLiteral("clients list"));
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    return command.finishList<Admin::ClientRecord>(
        command.service().listClients(), QStringLiteral("clients"),
        [](const QList<Admin::ClientRecord> &clients) {
            QList<QStringList> rows;
            for (const Admin::ClientRecord &c : clients)
                rows.append({c.clientId, orDash(c.name), c.authMethod,
                             c.grantTypes.join(QLatin1Char(',')), QString::number(c.activeTokens),
                             localTime(c.createdAt)});
            printTable({QStringLiteral("CLIENT ID"), QStringLiteral("NAME"),
                        QStringLiteral("AUTH METHOD"), QStringLiteral("GRANTS"),
                        QStringLiteral("ACTIVE TOKENS"), QStringLiteral("CREATED")},
                       rows);
        });
}

int clientsShow(const QStringList &arguments)
{
    Command command(QStringLiteral("clients show"), QStringLiteral("CLIENT_ID"), 1, 1);
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    return command.finish<Admin::ClientRecord>(
        command.service().showClient(command.positional(0)),
        [](const Admin::ClientRecord &c) { printFields(clientFields(c)); });
}

int clientsRemove(const QStringList &arguments)
{
    Command command(QStringLiteral("clients remove"), QStringLiteral("CLIENT_ID"), 1, 1);
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    return command.finish<Admin::RemovedClient>(
        command.service().removeClient(command.positional(0)),
        [](const Admin::RemovedClient &removed) {
            out() << "Removed client " << removed.clientId << " and its " << removed.tokensRemoved
                  << " token(s).\n";
        });
}

// users

int usersAdd(const QStringList &arguments)
{
    Command command(QStringLiteral("users add"), QStringLiteral("USERNAME"), 1, 1);
    const QCommandLineOption displayName(QStringLiteral("display-name"),
                                         QStringLiteral("Name shown on the consent page."),
                                         QStringLiteral("name"));
    command.addOptions({&displayName});
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    auto password = readSecretLine(QStringLiteral("Password: "));
    if (!password)
        return failure(password.error());
    const auto added = command.service().addUser(command.positional(0), *password,
                                                 command.parser().value(displayName));
    password->fill('\0');
    return command.finish<Admin::UserRecord>(added, [](const Admin::UserRecord &user) {
        out() << "Added user " << user.username << ".\n";
    });
}

int usersList(const QStringList &arguments)
{
    Command command(QStringLiteral("users list"));
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    return command.finishList<Admin::UserRecord>(
        command.service().listUsers(), QStringLiteral("users"),
        [](const QList<Admin::UserRecord> &users) {
            QList<QStringList> rows;
            for (const Admin::UserRecord &u : users)
                rows.append({u.username, orDash(u.displayName),
                             u.disabled ? QStringLiteral("yes") : QStringLiteral("no"),
                             localTime(u.createdAt)});
            printTable({QStringLiteral("USERNAME"), QStringLiteral("DISPLAY NAME"),
                        QStringLiteral("DISABLED"), QStringLiteral("CREATED")},
                       rows);
        });
}

int usersRemove(const QStringList &arguments)
{
    Command command(QStringLiteral("users remove"), QStringLiteral("USERNAME"), 1, 1);
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    return command.finish<Admin::RemovedUser>(
        command.service().removeUser(command.positional(0)), [](const Admin::RemovedUser &r) {
            out() << "Removed user " << r.username << "; revoked " << r.tokensRevoked
                  << " token(s).\n";
        });
}

int usersPasswd(const QStringList &arguments)
{
    Command command(QStringLiteral("users passwd"), QStringLiteral("USERNAME"), 1, 1);
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    auto password = readSecretLine(QStringLiteral("New password: "));
    if (!password)
        return failure(password.error());
    const auto changed = command.service().setPassword(command.positional(0), *password);
    password->fill('\0');
    return command.finish<Admin::UserRecord>(changed, [](const Admin::UserRecord &user) {
        out() << "Changed the password of " << user.username << ".\n";
    });
}

// tokens

QList<std::pair<QString, QString>> tokenFields(const Admin::TokenRecord &t)
{
    return {
        {QStringLiteral("ID"), QString::number(t.id)},
        {QStringLiteral("Token"), t.display},
        {QStringLiteral("Kind"), Store::tokenKindName(t.kind)},
        {QStringLiteral("Format"), Store::tokenFormatName(t.format)},
        {QStringLiteral("State"), Store::tokenStateName(t.state)},
        {QStringLiteral("JTI"), orDash(t.jti)},
        {QStringLiteral("Client"), t.clientId},
        {QStringLiteral("Subject"), orDash(t.subject)},
        {QStringLiteral("Scope"), orDash(t.scope)},
        {QStringLiteral("Resource"), orDash(t.resource)},
        {QStringLiteral("Family"), orDash(t.familyId)},
        {QStringLiteral("Parent"), t.parentId ? QString::number(*t.parentId) : QStringLiteral("-")},
        {QStringLiteral("Issued"), localTime(t.issuedAt)},
        {QStringLiteral("Expires"), localTime(t.expiresAt)},
        {QStringLiteral("Rotated"), localTime(t.rotatedAt)},
        {QStringLiteral("Revoked"), t.revokedAt ? localTime(t.revokedAt) + QStringLiteral(" (") +
                                                      t.revocationReason + QLatin1Char(')')
                                                : QStringLiteral("-")}};
}

int tokensList(const QStringList &arguments)
{
    Command command(QStringLiteral("tokens list"));
    const QCommandLineOption client(QStringLiteral("client"), QStringLiteral("Client id."),
                                    QStringLiteral("id"));
    const QCommandLineOption subject(QStringLiteral("subject"),
                                     QStringLiteral("Subject (user, or client for "
                                                    "client_credentials)."),
                                     QStringLiteral("sub"));
    const QCommandLineOption scope(QStringLiteral("scope"),
                                   QStringLiteral("Tokens whose scope includes this one."),
                                   QStringLiteral("scope"));
    const QCommandLineOption resource(QStringLiteral("resource"),
                                      QStringLiteral("Tokens bound to this resource."),
                                      QStringLiteral("uri"));
    const QCommandLineOption family(QStringLiteral("family"),
                                    QStringLiteral("Tokens of one grant (refresh family)."),
                                    QStringLiteral("id"));
    const QCommandLineOption kind(QStringLiteral("kind"), QStringLiteral("access | refresh."),
                                  QStringLiteral("kind"));
    const QCommandLineOption state(QStringLiteral("state"),
                                   QStringLiteral("active | expired | revoked."),
                                   QStringLiteral("state"));
    const QCommandLineOption limit(QStringLiteral("limit"),
                                   QStringLiteral("At most this many (1 to 10000, default 100)."),
                                   QStringLiteral("n"));
    const QCommandLineOption afterId(QStringLiteral("after-id"),
                                     QStringLiteral("Only ids greater than this (next page)."),
                                     QStringLiteral("id"));
    command.addOptions(
        {&client, &subject, &scope, &resource, &family, &kind, &state, &limit, &afterId});
    if (auto stop = command.parse(arguments))
        return *stop;
    QCommandLineParser &p = command.parser();
    Store::TokenFilter filter;
    filter.clientId = p.value(client);
    filter.subject = p.value(subject);
    filter.scope = p.value(scope);
    filter.resource = p.value(resource);
    filter.familyId = p.value(family);
    if (p.isSet(kind)) {
        filter.kind = Store::tokenKindFromString(p.value(kind));
        if (!filter.kind)
            return usageError(
                QStringLiteral("--kind: '%1' is not access or refresh").arg(p.value(kind)));
    }
    if (p.isSet(state)) {
        filter.state = Store::tokenStateFromString(p.value(state));
        if (!filter.state)
            return usageError(QStringLiteral("--state: '%1' is not active, expired or revoked")
                                  .arg(p.value(state)));
    }
    int code = Success;
    const auto n = numberOption(p, limit, 100, 1, 10000, &code);
    if (!n)
        return code;
    filter.limit = int(*n);
    const auto after = numberOption(p, afterId, 0, 0, std::numeric_limits<qint64>::max(), &code);
    if (!after)
        return code;
    if (p.isSet(afterId))
        filter.afterId = *after;
    if (auto stop = command.open())
        return *stop;
    return command.finish<Admin::TokenPage>(
        command.service().listTokens(filter), [](const Admin::TokenPage &page) {
            QList<QStringList> rows;
            for (const Admin::TokenRecord &t : page.tokens)
                rows.append({QString::number(t.id), Store::tokenKindName(t.kind),
                             Store::tokenStateName(t.state), t.clientId, orDash(t.subject),
                             orDash(t.scope), localTime(t.expiresAt), t.display});
            printTable({QStringLiteral("ID"), QStringLiteral("KIND"), QStringLiteral("STATE"),
                        QStringLiteral("CLIENT"), QStringLiteral("SUBJECT"),
                        QStringLiteral("SCOPE"), QStringLiteral("EXPIRES"),
                        QStringLiteral("TOKEN")},
                       rows);
            if (page.nextAfterId)
                out() << "More may follow: --after-id " << *page.nextAfterId << "\n";
        });
}

/// A token id argument, or nullopt with a usage error printed into `exitCode`.
std::optional<qint64> tokenId(const QString &text, int *exitCode)
{
    bool ok = false;
    const qint64 id = text.toLongLong(&ok);
    if (ok && id > 0)
        return id;
    *exitCode = usageError(QStringLiteral("'%1' is not a token id (a positive number)").arg(text));
    return std::nullopt;
}

int tokensShow(const QStringList &arguments)
{
    Command command(QStringLiteral("tokens show"), QStringLiteral("ID"), 1, 1);
    if (auto stop = command.parse(arguments))
        return *stop;
    int code = Success;
    const auto id = tokenId(command.positional(0), &code);
    if (!id)
        return code;
    if (auto stop = command.open())
        return *stop;
    return command.finish<Admin::TokenRecord>(
        command.service().showToken(*id),
        [](const Admin::TokenRecord &t) { printFields(tokenFields(t)); });
}

int tokensRevoke(const QStringList &arguments)
{
    Command command(QStringLiteral("tokens revoke"), QStringLiteral("[ID]"), 0, 1);
    const QCommandLineOption client(QStringLiteral("client"),
                                    QStringLiteral("Revoke every token of this client."),
                                    QStringLiteral("id"));
    const QCommandLineOption subject(QStringLiteral("subject"),
                                     QStringLiteral("Revoke every token of this subject."),
                                     QStringLiteral("sub"));
    const QCommandLineOption family(QStringLiteral("family"),
                                    QStringLiteral("Revoke a whole refresh family (one grant)."),
                                    QStringLiteral("id"));
    command.addOptions({&client, &subject, &family});
    if (auto stop = command.parse(arguments))
        return *stop;
    QCommandLineParser &p = command.parser();
    const bool byId = !command.positional(0).isEmpty();
    if (int(byId) + int(p.isSet(client)) + int(p.isSet(subject)) + int(p.isSet(family)) != 1)
        return usageError(QStringLiteral(
            "'tokens revoke' needs exactly one of: ID, --client, --subject, --family"));
    int code = Success;
    const auto id = byId ? tokenId(command.positional(0), &code) : std::optional<qint64>();
    if (byId && !id)
        return code;
    if (auto stop = command.open())
        return *stop;
    Admin::Service &admin = command.service();
    return command.finish<Admin::RevokeResult>(
        id                 ? admin.revokeToken(*id)
        : p.isSet(client)  ? admin.revokeClientTokens(p.value(client))
        : p.isSet(subject) ? admin.revokeSubjectTokens(p.value(subject))
                           : admin.revokeFamily(p.value(family)),
        [](const Admin::RevokeResult &r) {
            out() << "Revoked " << r.revoked << " token(s) (" << r.target << " " << r.value
                  << ").\n";
        });
}

int tokensPurge(const QStringList &arguments)
{
    Command command(QStringLiteral("tokens purge"));
    const QCommandLineOption batch(QStringLiteral("batch-size"),
                                   QStringLiteral("Tokens deleted per transaction (default 1000)."),
                                   QStringLiteral("n"));
    command.addOptions({&batch});
    if (auto stop = command.parse(arguments))
        return *stop;
    int code = Success;
    const auto size = numberOption(command.parser(), batch, 1000, 1, 100000, &code);
    if (!size)
        return code;
    if (auto stop = command.open())
        return *stop;
    const auto purged = command.service().purgeExpiredTokens(int(*size), [](qint64 soFar) {
        err() << "purged " << soFar << "...\n";
        err().flush();
    });
    return command.finish<Admin::PurgeResult>(purged, [](const Admin::PurgeResult &r) {
        out() << "Purged " << r.purged << " expired token(s).\n";
    });
}

// keys

int keysList(const QStringList &arguments)
{
    Command command(QStringLiteral("keys list"));
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    return command.finishList<Admin::KeyRecord>(
        command.service().listKeys(), QStringLiteral("keys"),
        [](const QList<Admin::KeyRecord> &keys) {
            QList<QStringList> rows;
            for (const Admin::KeyRecord &k : keys)
                rows.append({k.current ? QStringLiteral("*") : QString(), k.kid, k.alg,
                             localTime(k.createdAt), localTime(k.activatedAt),
                             localTime(k.retiredAt), localTime(k.expiresAt),
                             k.published ? QStringLiteral("yes") : QStringLiteral("no")});
            printTable({QString(), QStringLiteral("KID"), QStringLiteral("ALG"),
                        QStringLiteral("CREATED"), QStringLiteral("ACTIVATED"),
                        QStringLiteral("RETIRED"), QStringLiteral("EXPIRES"),
                        QStringLiteral("PUBLISHED")},
                       rows);
            out() << "* signs new tokens\n";
        });
}

int keysRotate(const QStringList &arguments)
{
    Command command(QStringLiteral("keys rotate"));
    command.acceptConfig();
    if (auto stop = command.parse(arguments))
        return *stop;
    if (auto stop = command.open())
        return *stop;
    return command.finish<Admin::RotateResult>(
        command.service().rotateKey(), [](const Admin::RotateResult &rotated) {
            out() << "New signing key: " << rotated.kid << "\n";
            for (const Admin::KeyRecord &k : rotated.keys)
                if (rotated.retiredKids.contains(k.kid))
                    out() << "Retired " << k.kid << "; published until " << localTime(k.expiresAt)
                          << "\n";
        });
}

// audit

void printEvents(const QList<Store::AuditEvent> &events, bool json)
{
    for (const Store::AuditEvent &e : events) {
        if (json) {
            out() << QString::fromUtf8(
                         QJsonDocument(Admin::auditEventToJson(e)).toJson(QJsonDocument::Compact))
                  << "\n";
            continue;
        }
        out() << localTime(e.occurredAt) << "  " << e.type.leftJustified(24) << "  "
              << e.actor.leftJustified(10);
        if (!e.clientId.isEmpty())
            out() << "  client=" << e.clientId;
        if (!e.subject.isEmpty())
            out() << "  subject=" << e.subject;
        if (!e.remoteAddress.isEmpty())
            out() << "  from=" << e.remoteAddress;
        if (!e.detail.isEmpty())
            out() << "  "
                  << QString::fromUtf8(QJsonDocument(e.detail).toJson(QJsonDocument::Compact));
        out() << "\n";
    }
    out().flush();
}

/// Prints what arrives after `lastId` every second until SIGINT/SIGTERM (exit 0) or a
/// store error (exit 1).
int followAudit(Admin::Service &service, const Store::AuditFilter &filter, qint64 lastId, bool json)
{
    SignalWatcher watcher;
    QTimer poll;
    int result = Success;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &poll,
                     [](int) { QCoreApplication::quit(); });
    QObject::connect(&poll, &QTimer::timeout, &poll, [&] {
        for (;;) {
            auto next = service.auditAfter(lastId, filter);
            if (!next) {
                result = failure(next.error());
                QCoreApplication::quit();
                return;
            }
            printEvents(*next, json);
            if (!next->isEmpty())
                lastId = next->constLast().id;
            if (next->size() < filter.limit)
                return;
        }
    });
    poll.start(1000);
    QCoreApplication::exec();
    return result;
}

int auditTail(const QStringList &arguments)
{
    Command command(QStringLiteral("audit tail"));
    const QCommandLineOption lines(QStringList{QStringLiteral("n"), QStringLiteral("lines")},
                                   QStringLiteral("How many of the newest events (default 20)."),
                                   QStringLiteral("n"));
    const QCommandLineOption type(QStringLiteral("type"),
                                  QStringLiteral("Only this event type (e.g. token.issued)."),
                                  QStringLiteral("type"));
    const QCommandLineOption client(QStringLiteral("client"), QStringLiteral("Only this client."),
                                    QStringLiteral("id"));
    const QCommandLineOption subject(QStringLiteral("subject"),
                                     QStringLiteral("Only this subject."), QStringLiteral("sub"));
    const QCommandLineOption follow(QStringList{QStringLiteral("f"), QStringLiteral("follow")},
                                    QStringLiteral("Keep printing new events (every second) "
                                                   "until Ctrl+C; with --json, one object per "
                                                   "line."));
    command.addOptions({&lines, &type, &client, &subject, &follow});
    if (auto stop = command.parse(arguments))
        return *stop;
    QCommandLineParser &p = command.parser();
    int code = Success;
    const auto count = numberOption(p, lines, 20, 1, 10000, &code);
    if (!count)
        return code;
    Store::AuditFilter filter;
    filter.type = p.value(type);
    filter.clientId = p.value(client);
    filter.subject = p.value(subject);
    if (auto stop = command.open())
        return *stop;
    const auto events = command.service().auditTail(int(*count), filter);
    if (!p.isSet(follow))
        return command.finishList<Store::AuditEvent>(
            events, QStringLiteral("events"),
            [](const QList<Store::AuditEvent> &list) { printEvents(list, false); });
    if (!events)
        return failure(events.error());
    printEvents(*events, command.json());
    return followAudit(command.service(), filter, events->isEmpty() ? 0 : events->constLast().id,
                       command.json());
}

using Handler = std::function<int(const QStringList &)>;

const std::map<QString, std::map<QString, Handler>> &commandTable()
{
    static const std::map<QString, std::map<QString, Handler>> table{
        {QStringLiteral("clients"),
         {{QStringLiteral("add"), clientsAdd},
          {QStringLiteral("list"), clientsList},
          {QStringLiteral("show"), clientsShow},
          {QStringLiteral("remove"), clientsRemove}}},
        {QStringLiteral("users"),
         {{QStringLiteral("add"), usersAdd},
          {QStringLiteral("list"), usersList},
          {QStringLiteral("remove"), usersRemove},
          {QStringLiteral("passwd"), usersPasswd}}},
        {QStringLiteral("tokens"),
         {{QStringLiteral("list"), tokensList},
          {QStringLiteral("show"), tokensShow},
          {QStringLiteral("revoke"), tokensRevoke},
          {QStringLiteral("purge"), tokensPurge}}},
        {QStringLiteral("keys"),
         {{QStringLiteral("list"), keysList}, {QStringLiteral("rotate"), keysRotate}}},
        {QStringLiteral("audit"), {{QStringLiteral("tail"), auditTail}}},
    };
    return table;
}

} // namespace

bool isAdminCommand(const QString &command)
{
    return commandTable().count(command) != 0;
}

int runAdminCommand(const QString &command, const QStringList &arguments)
{
    const auto &subcommands = commandTable().at(command);
    QStringList names;
    for (const auto &entry : subcommands)
        names.append(entry.first);
    const QString choices = names.join(QStringLiteral(", "));
    if (arguments.isEmpty() || arguments.first().startsWith(QLatin1Char('-')))
        return usageError(QStringLiteral("'%1' needs a subcommand: %2").arg(command, choices));
    const auto found = subcommands.find(arguments.first());
    if (found == subcommands.end())
        return usageError(QStringLiteral("unknown %1 subcommand '%2' (use %3)")
                              .arg(command, arguments.first(), choices));
    return found->second(arguments.mid(1));
}

} // namespace Cli
