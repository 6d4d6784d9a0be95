#include "frictioncommands.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "commands.h"
#include "frictionadminclient.h"
#include "http/client.h"
#include "output.h"
#include "resource/frictionadmin.h"
#include "signalwatcher.h"

namespace Cli {

namespace {

const QString kDefaultUrl = QStringLiteral("http://127.0.0.1:9401");

struct Target
{
    QUrl base;
    QByteArray token;
};

Core::Error requestError(const QString &message)
{
    return Core::makeError(QStringLiteral("request_failed"), message);
}

/// Reads --url and --admin-token-file; the token never leaves this process's memory except
/// in the Authorization header.
Core::Result<Target> target(const QCommandLineParser &parser, const QCommandLineOption &url,
                            const QCommandLineOption &tokenFile)
{
    Target t;
    const QString text = parser.isSet(url) ? parser.value(url) : kDefaultUrl;
    t.base = QUrl(text, QUrl::StrictMode);
    if (!t.base.isValid() || t.base.host().isEmpty() ||
        (t.base.scheme() != QLatin1String("http") && t.base.scheme() != QLatin1String("https")))
        return Core::makeError(QStringLiteral("usage"),
                               QStringLiteral("--url: '%1' is not an http(s) URL").arg(text));
    t.base.setPath(t.base.path().chopped(t.base.path().endsWith(QLatin1Char('/')) ? 1 : 0));
    const QString path =
        parser.isSet(tokenFile) ? parser.value(tokenFile) : Resource::AdminToken::defaultPath();
    auto token = Core::readAdminTokenFile(path);
    if (!token)
        return token.error();
    t.token = *token;
    return t;
}

Core::Result<QJsonObject> call(const Target &t, QByteArray method, const QString &path,
                               const QByteArray &body = {})
{
    Http::Client client;
    Http::SsrfPolicy policy;
    // The operator names the server explicitly, wherever it runs.
    policy.allowPrivateNetworks = true;
    policy.allowedHttpHosts = {t.base.host()};
    client.setPolicy(policy);
    Http::ClientRequest request;
    request.method = std::move(method);
    request.url = QUrl(t.base.toString() + path);
    request.headers.set("Authorization", "Bearer " + t.token);
    request.headers.set("Accept", "application/json");
    if (!body.isEmpty()) {
        request.headers.set("Content-Type", "application/json");
        request.body = body;
    }
    request.maxResponseBytes = 64 * 1024 * 1024;
    auto response = client.sendAndWait(request);
    if (!response)
        return response.error();
    if (response->status != 200)
        return Core::adminAnswerError(response->status, response->body);
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(response->body, &parseError);
    if (!document.isObject())
        return requestError(QStringLiteral("the server's answer is not a JSON object: %1")
                                .arg(parseError.errorString()));
    return document.object();
}

QString number(const QJsonObject &event, const QString &name)
{
    return QString::number(event.value(name).toDouble(), 'f', 3);
}

/// One line per event: time, type, principal, tool, band, friction, whether it ran.
QString eventLine(const QByteArray &type, const QJsonObject &event)
{
    QString line = event.value(QStringLiteral("timestamp")).toString() + QLatin1Char(' ') +
                   QString::fromLatin1(type) + QStringLiteral(" principal=") +
                   event.value(QStringLiteral("principal")).toString() + QStringLiteral(" tool=") +
                   event.value(QStringLiteral("tool")).toString() + QStringLiteral(" band=") +
                   event.value(QStringLiteral("band")).toString() + QStringLiteral(" friction=") +
                   number(event, QStringLiteral("friction")) + QStringLiteral(" cost=") +
                   number(event, QStringLiteral("cost")) + QStringLiteral(" allowed=") +
                   (event.value(QStringLiteral("allowed")).toBool() ? QStringLiteral("yes")
                                                                    : QStringLiteral("no"));
    if (event.contains(QStringLiteral("justification")))
        line += QStringLiteral(" justification=") +
                QString::fromUtf8(
                    QJsonDocument(QJsonArray{event.value(QStringLiteral("justification"))})
                        .toJson(QJsonDocument::Compact))
                    .chopped(1)
                    .mid(1);
    return line;
}

/// Parses text/event-stream bytes and prints each message.
class EventPrinter
{
public:
    explicit EventPrinter(bool json)
        : m_json(json)
    {}

    void feed(const QByteArray &bytes)
    {
        for (const Core::ServerSentEvent &message : m_parser.feed(bytes))
            print(message.type, message.data);
    }

private:
    void print(const QByteArray &event, const QByteArray &data)
    {
        const QJsonObject object = QJsonDocument::fromJson(data).object();
        if (m_json) {
            QJsonObject line = object;
            if (!line.contains(QStringLiteral("type")))
                line.insert(QStringLiteral("type"), QString::fromLatin1(event));
            out() << QString::fromUtf8(QJsonDocument(line).toJson(QJsonDocument::Compact)) << "\n";
        } else if (event == "hello") {
            QStringList tools;
            for (const QJsonValue &tool : object.value(QStringLiteral("tools")).toArray())
                tools.append(tool.toString());
            out() << "watching: friction "
                  << (object.value(QStringLiteral("enabled")).toBool() ? "enabled" : "disabled")
                  << ", " << object.value(QStringLiteral("principal_count")).toInteger()
                  << " principals, tools: "
                  << (tools.isEmpty() ? QStringLiteral("(none)") : tools.join(QStringLiteral(", ")))
                  << "\n";
        } else if (event == "dropped") {
            out() << object.value(QStringLiteral("timestamp")).toString() << " dropped "
                  << object.value(QStringLiteral("count")).toInteger()
                  << " events (this client read too slowly)\n";
        } else {
            out() << eventLine(event, object) << "\n";
        }
        out().flush();
    }

    bool m_json;
    Core::ServerSentEventParser m_parser;
};

int state(const Target &t, int limit)
{
    auto answer = call(t, "GET", QStringLiteral("/admin/friction/state?limit=%1").arg(limit));
    if (!answer)
        return failure(answer.error());
    printJson(*answer);
    return Success;
}

int setConfig(const Target &t, const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failure(
            Core::makeError(QStringLiteral("io_error"),
                            QStringLiteral("cannot read %1: %2").arg(path, file.errorString())));
    if (file.size() > 256 * 1024)
        return failure(Core::makeError(QStringLiteral("invalid_config"),
                                       QStringLiteral("%1 is larger than 256 KiB").arg(path)));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!document.isObject())
        return failure(Core::makeError(
            QStringLiteral("invalid_config"),
            parseError.error != QJsonParseError::NoError
                ? QStringLiteral("%1: %2 at offset %3")
                      .arg(path, parseError.errorString())
                      .arg(parseError.offset)
                : QStringLiteral("%1: must hold the \"friction\" JSON object").arg(path)));
    auto answer = call(t, "PUT", QStringLiteral("/admin/friction/config"), document.toJson());
    if (!answer)
        return failure(answer.error());
    printJson(*answer);
    return Success;
}

int watch(const Target &t, const QString &types, const QString &principal, bool json)
{
    QByteArrayList query;
    if (!types.isEmpty())
        query.append("types=" + QUrl::toPercentEncoding(types, ","));
    if (!principal.isEmpty())
        query.append("principal=" + QUrl::toPercentEncoding(principal));
    const QUrl url(
        t.base.toString() + QStringLiteral("/admin/friction/events") +
        (query.isEmpty() ? QString() : QLatin1Char('?') + QString::fromLatin1(query.join('&'))));
    QNetworkAccessManager manager;
    manager.setAutoDeleteReplies(false);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + t.token);
    request.setRawHeader("Accept", "text/event-stream");
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    request.setTransferTimeout(0);
    std::unique_ptr<QNetworkReply> reply(manager.get(request));

    EventPrinter printer(json);
    QByteArray errorBody;
    bool streaming = false;
    bool interrupted = false;
    QObject::connect(reply.get(), &QNetworkReply::readyRead, reply.get(), [&] {
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        streaming = status == 200 && reply->header(QNetworkRequest::ContentTypeHeader)
                                         .toString()
                                         .startsWith(QLatin1String("text/event-stream"));
        if (streaming)
            printer.feed(reply->readAll());
        else if (errorBody.size() < 64 * 1024)
            errorBody += reply->read(64 * 1024 - errorBody.size());
        else
            reply->readAll();
    });
    QObject::connect(reply.get(), &QNetworkReply::finished, &manager,
                     [] { QCoreApplication::quit(); });
    SignalWatcher watcher;
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, &manager, [&](int) {
        interrupted = true;
        QCoreApplication::quit();
    });
    if (!reply->isFinished())
        QCoreApplication::exec();
    if (interrupted) {
        reply->abort();
        return Success;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 0 && status != 200) {
        errorBody += reply->readAll();
        return failure(Core::adminAnswerError(status, errorBody));
    }
    if (reply->error() != QNetworkReply::NoError &&
        reply->error() != QNetworkReply::RemoteHostClosedError)
        return failure(requestError(
            QStringLiteral("%1: %2").arg(url.toString(QUrl::RemoveQuery), reply->errorString())));
    return failure(Core::makeError(QStringLiteral("stream_closed"),
                                   QStringLiteral("the server closed the event stream")));
}

} // namespace

int runFrictionCommand(const QStringList &arguments)
{
    const QString sub = arguments.value(0);
    if (sub != QLatin1String("state") && sub != QLatin1String("watch") &&
        sub != QLatin1String("set-config"))
        return usageError(sub.isEmpty() || sub.startsWith(QLatin1Char('-'))
                              ? QStringLiteral("'friction' needs a subcommand: state, watch or "
                                               "set-config")
                              : QStringLiteral("unknown friction subcommand '%1'").arg(sub));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("mcpauth friction %1").arg(sub));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this command's options."));
    const QCommandLineOption url(
        QStringLiteral("url"),
        QStringLiteral("The resource server's base URL (default %1).").arg(kDefaultUrl),
        QStringLiteral("url"));
    const QCommandLineOption tokenFile(
        QStringLiteral("admin-token-file"),
        QStringLiteral("The server's admin token file (default: %1).")
            .arg(Resource::AdminToken::defaultPath()),
        QStringLiteral("path"));
    const QCommandLineOption limit(QStringLiteral("limit"),
                                   QStringLiteral("state: principals listed, 1 to 10000 "
                                                  "(default 1000)."),
                                   QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption types(QStringLiteral("types"),
                                   QStringLiteral("watch: only these event types, comma "
                                                  "separated (e.g. friction_block)."),
                                   QStringLiteral("list"));
    const QCommandLineOption principal(QStringLiteral("principal"),
                                       QStringLiteral("watch: only this principal key."),
                                       QStringLiteral("key"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("watch: print each event as one JSON line."));
    parser.addOptions({help, url, tokenFile});
    if (sub == QLatin1String("state"))
        parser.addOption(limit);
    if (sub == QLatin1String("watch"))
        parser.addOptions({types, principal, json});
    if (sub == QLatin1String("set-config"))
        parser.addPositionalArgument(QStringLiteral("file"),
                                     QStringLiteral("JSON file with the \"friction\" object."));
    if (auto done = parseCommand(parser, QStringLiteral("friction ") + sub, arguments.mid(1), help))
        return *done;
    const QStringList positional = parser.positionalArguments();
    const qsizetype wanted = sub == QLatin1String("set-config") ? 1 : 0;
    if (positional.size() != wanted)
        return usageError(positional.size() > wanted
                              ? QStringLiteral("unexpected argument '%1'").arg(positional.last())
                              : QStringLiteral("set-config needs the configuration file"));
    int stateLimit = 0;
    if (sub == QLatin1String("state")) {
        bool ok = false;
        stateLimit = parser.value(limit).toInt(&ok);
        if (!ok || stateLimit < 1 || stateLimit > 10000)
            return usageError(QStringLiteral("--limit: must be a whole number from 1 to 10000"));
    }

    auto t = target(parser, url, tokenFile);
    if (!t)
        return t.error().code == QLatin1String("usage") ? usageError(t.error().message)
                                                        : failure(t.error());
    if (sub == QLatin1String("state"))
        return state(*t, stateLimit);
    if (sub == QLatin1String("set-config"))
        return setConfig(*t, positional.first());
    return watch(*t, parser.value(types), parser.value(principal), parser.isSet(json));
}

} // namespace Cli
