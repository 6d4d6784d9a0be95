#pragma once

// What the GUI tests of the administration panels share: a running engine on a temporary
// SQLite store, HTTP calls to its servers, and prompts that answer for the user.

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSettings>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include "admin/service.h"
#include "adminsupport.h"
#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "engine.h"

namespace GuiTest {

/// Settings in `dir`, so a test never reads or writes the user's.
inline void isolateSettings(const QTemporaryDir &dir, const QString &name)
{
    QCoreApplication::setOrganizationName(QStringLiteral("mcpauth-gui-test"));
    QCoreApplication::setApplicationName(name);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    QSettings().clear();
}

inline Core::Status startEngine(Core::Engine &engine, const QTemporaryDir &dir)
{
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("store.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    return engine.start(config);
}

/// Prompts that confirm everything, remember what they were asked, and save to `file`.
struct RecordingPrompts
{
    QStringList questions;
    QString file;
    bool answer = true;

    Ui::Prompts prompts()
    {
        Ui::Prompts p;
        p.confirm = [this](QWidget *, const QString &, const QString &text) {
            questions.append(text);
            return answer;
        };
        p.saveFileName = [this](QWidget *, const QString &, const QString &, const QString &) {
            return file;
        };
        return p;
    }
};

struct HttpResult
{
    int status = 0;
    QByteArray body;
};

inline HttpResult post(QNetworkAccessManager &network, const QUrl &url, const QByteArray &body,
                       const QByteArray &contentType, const QByteArray &bearer = {})
{
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    request.setRawHeader("Accept", "application/json, text/event-stream");
    if (!bearer.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + bearer);
    QNetworkReply *reply = network.post(request, body);
    QSignalSpy finished(reply, &QNetworkReply::finished);
    if (!reply->isFinished())
        finished.wait(10000);
    HttpResult result{reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(),
                      reply->readAll()};
    reply->deleteLater();
    return result;
}

/// A confidential client_credentials client added through the operator service; returns
/// its secret.
inline QString addMachineClient(Core::Engine &engine, const QString &clientId)
{
    Admin::Service admin(engine.store(), engine.authorizationServer()->context().config());
    Admin::NewClient client;
    client.clientId = clientId;
    client.authMethod = QStringLiteral("client_secret_post");
    client.grantTypes = {QStringLiteral("client_credentials")};
    client.scope = QStringLiteral("tasks:read tasks:write");
    auto added = admin.addClient(client);
    if (!added) {
        qWarning("%s", qPrintable(added.error().toString()));
        return {};
    }
    return added->secret;
}

/// An access token from the real token endpoint (client_credentials over HTTP).
inline QByteArray issueOverHttp(QNetworkAccessManager &network, Core::Engine &engine,
                                const QString &clientId, const QString &secret)
{
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    form.addQueryItem(QStringLiteral("client_id"), clientId);
    form.addQueryItem(QStringLiteral("client_secret"), secret);
    form.addQueryItem(QStringLiteral("scope"), QStringLiteral("tasks:read"));
    form.addQueryItem(QStringLiteral("resource"), engine.mcpResourceUri());
    const HttpResult answer =
        post(network, QUrl(engine.authorizationServerUrl().toString() + QStringLiteral("/token")),
             form.toString(QUrl::FullyEncoded).toLatin1(), "application/x-www-form-urlencoded");
    if (answer.status != 200) {
        qWarning("token endpoint answered %d: %s", answer.status, answer.body.constData());
        return {};
    }
    return QJsonDocument::fromJson(answer.body)
        .object()
        .value(QStringLiteral("access_token"))
        .toString()
        .toLatin1();
}

/// The HTTP status of an MCP initialize request with `token` to the embedded RS.
inline int mcpStatus(QNetworkAccessManager &network, Core::Engine &engine, const QByteArray &token)
{
    const QJsonObject initialize{
        {QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
        {QStringLiteral("id"), 1},
        {QStringLiteral("method"), QStringLiteral("initialize")},
        {QStringLiteral("params"),
         QJsonObject{{QStringLiteral("protocolVersion"), QStringLiteral("2025-06-18")},
                     {QStringLiteral("capabilities"), QJsonObject{}},
                     {QStringLiteral("clientInfo"),
                      QJsonObject{{QStringLiteral("name"), QStringLiteral("gui-test")},
                                  {QStringLiteral("version"), QStringLiteral("1")}}}}}};
    return post(network, QUrl(engine.mcpResourceUri()), QJsonDocument(initialize).toJson(),
                "application/json", token)
        .status;
}

} // namespace GuiTest
