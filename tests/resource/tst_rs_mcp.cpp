// The protected MCP server over real HTTP: Core::Engine with the embedded AS and RS on
// ephemeral loopback ports, an SQLite store, tokens issued by the AS and verified by the
// RS through introspection (and, in jwtVerification, locally through the JWKS).
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include "admin/service.h"
#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/tokenissuer.h"
#include "engine.h"
#include "http/client.h"
#include "resource/mcpserver.h"
#include "store/auditrepository.h"

namespace {

enum class TokenKind { None, Valid, WrongAudience, Bogus };

QJsonObject rpc(const QJsonValue &id, const QString &method, const QJsonObject &params = {})
{
    QJsonObject message{{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                        {QStringLiteral("method"), method}};
    if (!id.isUndefined())
        message.insert(QStringLiteral("id"), id);
    if (!params.isEmpty())
        message.insert(QStringLiteral("params"), params);
    return message;
}

QJsonObject callParams(const QString &tool, const QJsonObject &arguments = {})
{
    return {{QStringLiteral("name"), tool}, {QStringLiteral("arguments"), arguments}};
}

/// What friction control said about a tools/call result ("" when it said nothing).
QString frictionOutcome(const QJsonObject &result)
{
    return result.value(QStringLiteral("_meta"))
        .toObject()
        .value(QStringLiteral("studio.mcpauth/friction"))
        .toObject()
        .value(QStringLiteral("outcome"))
        .toString();
}

/// The per-request _meta of the stateless revision.
QJsonObject statelessMeta(const QString &version = QStringLiteral("2026-07-28"))
{
    return {{QStringLiteral("io.modelcontextprotocol/protocolVersion"), version},
            {QStringLiteral("io.modelcontextprotocol/clientCapabilities"), QJsonObject{}},
            {QStringLiteral("io.modelcontextprotocol/clientInfo"),
             QJsonObject{{QStringLiteral("name"), QStringLiteral("tst_rs_mcp")},
                         {QStringLiteral("version"), QStringLiteral("1")}}}};
}

} // namespace

class TestRsMcp final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void protectedResourceMetadata_data();
    void protectedResourceMetadata();
    void challenges_data();
    void challenges();
    void sessionLifecycle();
    void protocolVersions_data();
    void protocolVersions();
    void jsonRpcErrors_data();
    void jsonRpcErrors();
    void originChecked_data();
    void mediaTypesChecked_data();
    void mediaTypesChecked();
    void originChecked();
    void sessionHijackRefused();
    void revokedTokenRefusedImmediately();
    void toolScopes_data();
    void toolScopes();
    void tasksRoundTrip();
    void frictionBlocksBurstOfDeletes();
    void statelessRequests_data();
    void statelessRequests();
    void statelessToolCalls();
    void jwtVerification();
    void secondEngineOnTheSameStore();

private:
    QByteArray issue(const QString &subject, const QString &scope, const QString &resource = {});
    Http::ClientResponse send(QByteArray method, const QString &path, const QByteArray &body,
                              const QByteArray &token, Http::Headers headers = {});
    Http::ClientResponse post(const QJsonObject &message, const QByteArray &token,
                              const QByteArray &session = {});
    QByteArray initialize(const QByteArray &token,
                          const QString &version = QStringLiteral("2025-06-18"));
    QJsonObject callTool(const QByteArray &token, const QByteArray &session, const QString &tool,
                         const QJsonObject &arguments, QJsonObject meta = {});
    /// A 2026-07-28 request: no session, the version header and the routing headers set.
    Http::ClientResponse postStateless(const QString &method, const QJsonObject &params,
                                       const QByteArray &token);

    QTemporaryDir m_dir;
    Core::Engine m_engine;
    Http::Client m_client;
    QString m_rsBase;
    int m_nextId = 1;
};

void TestRsMcp::initTestCase()
{
    QVERIFY(m_dir.isValid());
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("rs.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    config.adminTokenFile = m_dir.filePath(QStringLiteral("admin-token"));
    auto friction = Friction::ControllerConfig::fromJson(
        QJsonDocument::fromJson(R"({"tools": {"delete_task": {"target_rate": 0.02,
            "justification_threshold": 0.3, "hard_block_threshold": 0.6}},
            "controller": {"warmup_calls": 2, "adjustment_rate": 0.3}})")
            .object());
    QVERIFY2(friction.ok(), friction.ok() ? "" : qPrintable(friction.error().toString()));
    config.resourceServer.friction = *friction;
    const Core::Status started = m_engine.start(config);
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    m_rsBase = m_engine.resourceServerUrl().toString();
    QCOMPARE(m_engine.mcpResourceUri(), m_rsBase + QStringLiteral("/mcp"));
}

void TestRsMcp::cleanupTestCase()
{
    m_engine.stop();
}

QByteArray TestRsMcp::issue(const QString &subject, const QString &scope, const QString &resource)
{
    Auth::Grant grant;
    grant.clientId = m_engine.demoClientId();
    grant.subject = subject;
    grant.scope = scope;
    grant.resource = resource.isEmpty() ? m_engine.mcpResourceUri() : resource;
    auto issued = m_engine.authorizationServer()->context().tokens().issue(grant);
    if (!issued) {
        qWarning() << issued.error().toString();
        return {};
    }
    return issued->accessToken;
}

Http::ClientResponse TestRsMcp::send(QByteArray method, const QString &path, const QByteArray &body,
                                     const QByteArray &token, Http::Headers headers)
{
    Http::ClientRequest request;
    request.method = std::move(method);
    request.url = QUrl(m_rsBase + path);
    request.headers = std::move(headers);
    if (!token.isEmpty())
        request.headers.set("Authorization", "Bearer " + token);
    if (!body.isEmpty()) {
        request.headers.set("Content-Type", "application/json");
        request.headers.set("Accept", "application/json, text/event-stream");
    }
    request.body = body;
    auto response = m_client.sendAndWait(request);
    if (!response) {
        qWarning() << response.error().toString();
        return {};
    }
    return *response;
}

Http::ClientResponse TestRsMcp::post(const QJsonObject &message, const QByteArray &token,
                                     const QByteArray &session)
{
    Http::Headers headers;
    if (!session.isEmpty())
        headers.set("Mcp-Session-Id", session);
    return send("POST", QStringLiteral("/mcp"), QJsonDocument(message).toJson(), token, headers);
}

QByteArray TestRsMcp::initialize(const QByteArray &token, const QString &version)
{
    const auto response =
        post(rpc(m_nextId++, QStringLiteral("initialize"),
                 {{QStringLiteral("protocolVersion"), version},
                  {QStringLiteral("capabilities"), QJsonObject{}},
                  {QStringLiteral("clientInfo"),
                   QJsonObject{{QStringLiteral("name"), QStringLiteral("tst_rs_mcp")},
                               {QStringLiteral("version"), QStringLiteral("1")}}}}),
             token);
    if (response.status != 200)
        return {};
    const QByteArray session = response.headers.value("Mcp-Session-Id");
    const auto initialized = post(
        rpc(QJsonValue::Undefined, QStringLiteral("notifications/initialized")), token, session);
    return initialized.status == 202 ? session : QByteArray();
}

QJsonObject TestRsMcp::callTool(const QByteArray &token, const QByteArray &session,
                                const QString &tool, const QJsonObject &arguments, QJsonObject meta)
{
    QJsonObject params = callParams(tool, arguments);
    if (!meta.isEmpty())
        params.insert(QStringLiteral("_meta"), meta);
    const auto response =
        post(rpc(m_nextId++, QStringLiteral("tools/call"), params), token, session);
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    if (response.status != 200)
        return {{QStringLiteral("httpStatus"), response.status}};
    return body.value(QStringLiteral("result")).toObject();
}

void TestRsMcp::protectedResourceMetadata_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("path-inserted") << QStringLiteral("/.well-known/oauth-protected-resource/mcp");
    QTest::newRow("root") << QStringLiteral("/.well-known/oauth-protected-resource");
}

void TestRsMcp::protectedResourceMetadata()
{
    QFETCH(QString, path);
    const auto response = send("GET", path, {}, {});
    QCOMPARE(response.status, 200);
    const QJsonObject metadata = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(metadata.value(QStringLiteral("resource")).toString(), m_engine.mcpResourceUri());
    QCOMPARE(metadata.value(QStringLiteral("authorization_servers")).toArray(),
             QJsonArray{m_engine.issuer()});
    const QJsonArray scopes = metadata.value(QStringLiteral("scopes_supported")).toArray();
    QVERIFY(scopes.contains(QStringLiteral("tasks:read")));
    QVERIFY(scopes.contains(QStringLiteral("tasks:delete")));
    QVERIFY(!scopes.contains(QStringLiteral("offline_access")));
    QCOMPARE(metadata.value(QStringLiteral("bearer_methods_supported")).toArray(),
             QJsonArray{QStringLiteral("header")});
}

void TestRsMcp::challenges_data()
{
    QTest::addColumn<int>("tokenKind");
    QTest::addColumn<QByteArray>("authorization"); // used when tokenKind is None
    QTest::addColumn<QString>("query");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("error"); // expected error= value; empty: none
    const int none = int(TokenKind::None);
    QTest::newRow("no token") << none << QByteArray() << QString() << 401 << QByteArray();
    QTest::newRow("basic scheme") << none << QByteArray("Basic Zm9vOmJhcg==") << QString() << 401
                                  << QByteArray();
    QTest::newRow("bearer without token")
        << none << QByteArray("Bearer") << QString() << 400 << QByteArray("invalid_request");
    QTest::newRow("bearer two parts")
        << none << QByteArray("Bearer a b") << QString() << 400 << QByteArray("invalid_request");
    QTest::newRow("unknown token")
        << int(TokenKind::Bogus) << QByteArray() << QString() << 401 << QByteArray("invalid_token");
    QTest::newRow("wrong audience") << int(TokenKind::WrongAudience) << QByteArray() << QString()
                                    << 401 << QByteArray("invalid_token");
    QTest::newRow("token in query") << none << QByteArray() << QStringLiteral("?access_token=abc")
                                    << 400 << QByteArray("invalid_request");
    QTest::newRow("valid token, also in query")
        << int(TokenKind::Valid) << QByteArray() << QStringLiteral("?access_token=abc") << 400
        << QByteArray("invalid_request");
}

void TestRsMcp::challenges()
{
    QFETCH(int, tokenKind);
    QFETCH(QByteArray, authorization);
    QFETCH(QString, query);
    QFETCH(int, status);
    QFETCH(QByteArray, error);
    QByteArray token;
    if (tokenKind == int(TokenKind::Valid))
        token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    else if (tokenKind == int(TokenKind::WrongAudience))
        token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"),
                      QStringLiteral("https://other.example/mcp"));
    else if (tokenKind == int(TokenKind::Bogus))
        token = "not-a-token-we-issued";
    if (tokenKind != int(TokenKind::None))
        QVERIFY(!token.isEmpty());
    Http::Headers headers;
    if (!authorization.isEmpty())
        headers.set("Authorization", authorization);
    const auto response =
        send("POST", QStringLiteral("/mcp") + query,
             QJsonDocument(rpc(1, QStringLiteral("ping"))).toJson(), token, headers);
    QCOMPARE(response.status, status);
    const QByteArray challenge = response.headers.value("WWW-Authenticate");
    const QByteArray prm =
        "resource_metadata=\"" + m_rsBase.toUtf8() + "/.well-known/oauth-protected-resource/mcp\"";
    QVERIFY2(challenge.startsWith(QByteArray("Bearer " + prm)), challenge.constData());
    QVERIFY2(challenge.contains("scope=\""), challenge.constData());
    if (error.isEmpty())
        QVERIFY2(!challenge.contains("error="), challenge.constData());
    else
        QVERIFY2(challenge.contains(QByteArray("error=\"" + error + "\"")), challenge.constData());
}

void TestRsMcp::sessionLifecycle()
{
    const QByteArray token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    const auto init = post(rpc(1, QStringLiteral("initialize"),
                               {{QStringLiteral("protocolVersion"), QStringLiteral("2025-06-18")}}),
                           token);
    QCOMPARE(init.status, 200);
    const QJsonObject result =
        QJsonDocument::fromJson(init.body).object().value(QStringLiteral("result")).toObject();
    QCOMPARE(result.value(QStringLiteral("protocolVersion")).toString(),
             QStringLiteral("2025-06-18"));
    QVERIFY(
        result.value(QStringLiteral("capabilities")).toObject().contains(QStringLiteral("tools")));
    const QByteArray session = init.headers.value("Mcp-Session-Id");
    QVERIFY(session.size() >= 32);

    QCOMPARE(post(rpc(QJsonValue::Undefined, QStringLiteral("notifications/initialized")), token,
                  session)
                 .status,
             202);
    auto ping = post(rpc(2, QStringLiteral("ping")), token, session);
    QCOMPARE(ping.status, 200);
    QCOMPARE(QJsonDocument::fromJson(ping.body).object().value(QStringLiteral("id")).toInt(), 2);
    auto list = post(rpc(QStringLiteral("list"), QStringLiteral("tools/list")), token, session);
    QCOMPARE(list.status, 200);
    const QJsonArray tools = QJsonDocument::fromJson(list.body)
                                 .object()
                                 .value(QStringLiteral("result"))
                                 .toObject()
                                 .value(QStringLiteral("tools"))
                                 .toArray();
    QStringList names;
    for (const QJsonValue &tool : tools)
        names.append(tool.toObject().value(QStringLiteral("name")).toString());
    QCOMPARE(names, QStringList({QStringLiteral("list_tasks"), QStringLiteral("get_task"),
                                 QStringLiteral("create_task"), QStringLiteral("update_task"),
                                 QStringLiteral("delete_task"), QStringLiteral("echo")}));

    QCOMPARE(post(rpc(3, QStringLiteral("ping")), token).status, 400); // no session id
    QCOMPARE(post(rpc(3, QStringLiteral("ping")), token, "unknown-session").status, 404);
    QCOMPARE(send("GET", QStringLiteral("/mcp"), {}, token).status, 405);
    Http::Headers headers;
    headers.set("Mcp-Session-Id", session);
    QCOMPARE(send("DELETE", QStringLiteral("/mcp"), {}, token, headers).status, 204);
    QCOMPARE(post(rpc(4, QStringLiteral("ping")), token, session).status, 404);
}

void TestRsMcp::protocolVersions_data()
{
    QTest::addColumn<QString>("requested");
    QTest::addColumn<QString>("negotiated");
    QTest::newRow("2025-06-18") << QStringLiteral("2025-06-18") << QStringLiteral("2025-06-18");
    QTest::newRow("2025-11-25") << QStringLiteral("2025-11-25") << QStringLiteral("2025-11-25");
    QTest::newRow("unknown -> latest")
        << QStringLiteral("2024-11-05") << QStringLiteral("2025-11-25");
    QTest::newRow("stateless revision -> latest with initialize")
        << QStringLiteral("2026-07-28") << QStringLiteral("2025-11-25");
}

void TestRsMcp::protocolVersions()
{
    QFETCH(QString, requested);
    QFETCH(QString, negotiated);
    const QByteArray token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    const auto init =
        post(rpc(1, QStringLiteral("initialize"), {{QStringLiteral("protocolVersion"), requested}}),
             token);
    QCOMPARE(init.status, 200);
    QCOMPARE(QJsonDocument::fromJson(init.body)
                 .object()
                 .value(QStringLiteral("result"))
                 .toObject()
                 .value(QStringLiteral("protocolVersion"))
                 .toString(),
             negotiated);
    const QByteArray session = init.headers.value("Mcp-Session-Id");
    Http::Headers headers;
    headers.set("Mcp-Session-Id", session);
    headers.set("MCP-Protocol-Version", negotiated.toLatin1());
    QCOMPARE(send("POST", QStringLiteral("/mcp"),
                  QJsonDocument(rpc(2, QStringLiteral("ping"))).toJson(), token, headers)
                 .status,
             200);
    headers.set("MCP-Protocol-Version", "1999-01-01");
    QCOMPARE(send("POST", QStringLiteral("/mcp"),
                  QJsonDocument(rpc(3, QStringLiteral("ping"))).toJson(), token, headers)
                 .status,
             400);
}

void TestRsMcp::jsonRpcErrors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code");
    QTest::addColumn<QJsonValue>("id");
    const QJsonValue null(QJsonValue::Null);
    QTest::newRow("not json") << QByteArray("{") << 400 << -32700 << null;
    QTest::newRow("empty body") << QByteArray("") << 400 << -32700 << null;
    QTest::newRow("string") << QByteArray("\"x\"") << 400 << -32600 << null;
    QTest::newRow("number") << QByteArray("42") << 400 << -32600 << null;
    QTest::newRow("null") << QByteArray("null") << 400 << -32600 << null;
    QTest::newRow("duplicate member")
        << QByteArray(R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})") << 400 << -32700
        << null;
    QTest::newRow("batch") << QByteArray(R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])") << 400
                           << -32600 << null;
    QTest::newRow("empty batch") << QByteArray("[]") << 400 << -32600 << null;
    QTest::newRow("wrong version") << QByteArray(R"({"jsonrpc":"1.0","id":7,"method":"ping"})")
                                   << 400 << -32600 << QJsonValue(7);
    QTest::newRow("no jsonrpc") << QByteArray(R"({"id":7,"method":"ping"})") << 400 << -32600
                                << QJsonValue(7);
    QTest::newRow("no method") << QByteArray(R"({"jsonrpc":"2.0","id":7})") << 400 << -32600
                               << QJsonValue(7);
    QTest::newRow("method not string")
        << QByteArray(R"({"jsonrpc":"2.0","id":7,"method":5})") << 400 << -32600 << QJsonValue(7);
    QTest::newRow("id object") << QByteArray(R"({"jsonrpc":"2.0","id":{},"method":"ping"})") << 400
                               << -32600 << null;
    QTest::newRow("id fractional")
        << QByteArray(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})") << 400 << -32600 << null;
    QTest::newRow("params array")
        << QByteArray(R"({"jsonrpc":"2.0","id":"a","method":"ping","params":[]})") << 400 << -32600
        << QJsonValue(QStringLiteral("a"));
    QTest::newRow("unknown method") << QByteArray(R"({"jsonrpc":"2.0","id":8,"method":"nope"})")
                                    << 200 << -32601 << QJsonValue(8);
    QTest::newRow("call without name")
        << QByteArray(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{}})") << 200
        << -32602 << QJsonValue(9);
    QTest::newRow("call unknown tool")
        << QByteArray(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"rm"}})")
        << 200 << -32602 << QJsonValue(9);
    QTest::newRow("call arguments not object")
        << QByteArray(
               R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo","arguments":"x"}})")
        << 200 << -32602 << QJsonValue(9);
    QTest::newRow("initialize without version")
        << QByteArray(R"({"jsonrpc":"2.0","id":10,"method":"initialize","params":{}})") << 200
        << -32602 << QJsonValue(10);
}

void TestRsMcp::jsonRpcErrors()
{
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(int, code);
    QFETCH(QJsonValue, id);
    const QByteArray token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    const QByteArray session = initialize(token);
    QVERIFY(!session.isEmpty());
    Http::Headers headers;
    headers.set("Mcp-Session-Id", session);
    const auto response = send("POST", QStringLiteral("/mcp"), body, token, headers);
    QCOMPARE(response.status, status);
    const QJsonObject answer = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(answer.value(QStringLiteral("jsonrpc")).toString(), QStringLiteral("2.0"));
    QCOMPARE(answer.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toInt(),
             code);
    QVERIFY(!answer.value(QStringLiteral("error"))
                 .toObject()
                 .value(QStringLiteral("message"))
                 .toString()
                 .isEmpty());
    QCOMPARE(answer.value(QStringLiteral("id")), id);
}

void TestRsMcp::mediaTypesChecked_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("accept");
    QTest::addColumn<int>("status");
    QTest::newRow("json, both accepted")
        << QByteArray("application/json") << QByteArray("application/json, text/event-stream")
        << 200;
    QTest::newRow("json with charset")
        << QByteArray("application/json; charset=utf-8") << QByteArray("application/json") << 200;
    QTest::newRow("no Accept") << QByteArray("application/json") << QByteArray() << 200;
    QTest::newRow("Accept */*") << QByteArray("application/json") << QByteArray("*/*") << 200;
    QTest::newRow("Accept application/*")
        << QByteArray("application/json") << QByteArray("application/*") << 200;
    QTest::newRow("Accept text/html only")
        << QByteArray("application/json") << QByteArray("text/html") << 406;
    QTest::newRow("Accept event-stream only")
        << QByteArray("application/json") << QByteArray("text/event-stream") << 406;
    QTest::newRow("text/plain body") << QByteArray("text/plain") << QByteArray("*/*") << 415;
    QTest::newRow("form body") << QByteArray("application/x-www-form-urlencoded")
                               << QByteArray("*/*") << 415;
    QTest::newRow("no Content-Type") << QByteArray() << QByteArray("*/*") << 415;
}

void TestRsMcp::mediaTypesChecked()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, accept);
    QFETCH(int, status);
    const QByteArray token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    Http::ClientRequest request;
    request.method = "POST";
    request.url = QUrl(m_rsBase + QStringLiteral("/mcp"));
    request.headers.set("Authorization", "Bearer " + token);
    if (!contentType.isEmpty())
        request.headers.set("Content-Type", contentType);
    if (!accept.isEmpty())
        request.headers.set("Accept", accept);
    request.body =
        QJsonDocument(rpc(1, QStringLiteral("initialize"),
                          {{QStringLiteral("protocolVersion"), QStringLiteral("2025-11-25")}}))
            .toJson();
    const auto response = m_client.sendAndWait(request);
    QVERIFY(response);
    QCOMPARE(response->status, status);
    if (status != 200) {
        const QJsonObject error = QJsonDocument::fromJson(response->body)
                                      .object()
                                      .value(QStringLiteral("error"))
                                      .toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toInt(), -32600);
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    }
}

void TestRsMcp::originChecked_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<int>("status");
    QTest::newRow("none") << QByteArray() << 200;
    QTest::newRow("localhost") << QByteArray("http://localhost:6274") << 200;
    QTest::newRow("loopback ip") << QByteArray("http://127.0.0.1:3000") << 200;
    QTest::newRow("foreign site") << QByteArray("https://evil.example") << 403;
    QTest::newRow("rebinding name") << QByteArray("http://attacker.test:9401") << 403;
}

void TestRsMcp::originChecked()
{
    QFETCH(QByteArray, origin);
    QFETCH(int, status);
    const QByteArray token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    Http::Headers headers;
    if (!origin.isEmpty())
        headers.set("Origin", origin);
    const auto response =
        send("POST", QStringLiteral("/mcp"),
             QJsonDocument(rpc(1, QStringLiteral("initialize"),
                               {{QStringLiteral("protocolVersion"), QStringLiteral("2025-11-25")}}))
                 .toJson(),
             token, headers);
    QCOMPARE(response.status, status);
}

void TestRsMcp::sessionHijackRefused()
{
    const QByteArray alice = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    const QByteArray mallory = issue(QStringLiteral("mallory"), QStringLiteral("tasks:read"));
    const QByteArray session = initialize(alice);
    QVERIFY(!session.isEmpty());
    // Another principal presenting alice's session id: the session does not exist for it.
    QCOMPARE(post(rpc(1, QStringLiteral("ping")), mallory, session).status, 404);
    QCOMPARE(post(rpc(2, QStringLiteral("tools/list")), mallory, session).status, 404);
    Http::Headers headers;
    headers.set("Mcp-Session-Id", session);
    QCOMPARE(send("DELETE", QStringLiteral("/mcp"), {}, mallory, headers).status, 404);
    Store::AuditFilter filter;
    filter.type = QStringLiteral("mcp.session_refused");
    filter.subject = QStringLiteral("mallory");
    auto refusals = Store::AuditRepository(m_engine.store()).list(filter);
    QVERIFY(refusals.ok());
    QCOMPARE(refusals->size(), 3);
    QCOMPARE(refusals->first().detail.value(QStringLiteral("session_subject")).toString(),
             QStringLiteral("alice"));
    QVERIFY(!refusals->first()
                 .detail.value(QStringLiteral("session"))
                 .toString()
                 .contains(QString::fromLatin1(session)));
    // ... and the session is still alice's.
    QCOMPARE(post(rpc(3, QStringLiteral("ping")), alice, session).status, 200);
    // A second token of the same principal may use it.
    const QByteArray aliceAgain = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    QCOMPARE(post(rpc(4, QStringLiteral("ping")), aliceAgain, session).status, 200);
}

void TestRsMcp::revokedTokenRefusedImmediately()
{
    const QByteArray token = issue(QStringLiteral("alice"), QStringLiteral("tasks:read"));
    const QByteArray session = initialize(token);
    QVERIFY(!session.isEmpty());
    QCOMPARE(post(rpc(1, QStringLiteral("ping")), token, session).status, 200); // now cached

    QUrlQuery form;
    form.addQueryItem(QStringLiteral("token"), QString::fromLatin1(token));
    form.addQueryItem(QStringLiteral("client_id"), m_engine.demoClientId());
    auto revoked = m_client.sendAndWait(Http::ClientRequest{
        "POST", QUrl(m_engine.authorizationServerUrl().toString() + QStringLiteral("/revoke")),
        [] {
            Http::Headers h;
            h.set("Content-Type", "application/x-www-form-urlencoded");
            return h;
        }(),
        form.toString(QUrl::FullyEncoded).toLatin1()});
    QVERIFY(revoked.ok());
    QCOMPARE(revoked->status, 200);

    const auto after = post(rpc(2, QStringLiteral("ping")), token, session);
    QCOMPARE(after.status, 401);
    QVERIFY(after.headers.value("WWW-Authenticate").contains("error=\"invalid_token\""));

    // The operator's revocation (the Tokens panel, `mcpauth tokens revoke`) as well.
    const QByteArray second = issue(QStringLiteral("dora"), QStringLiteral("tasks:read"));
    const QByteArray secondSession = initialize(second);
    QVERIFY(!secondSession.isEmpty());
    QCOMPARE(post(rpc(3, QStringLiteral("ping")), second, secondSession).status, 200);
    auto byOperator = Admin::Service(m_engine.store()).revokeSubjectTokens(QStringLiteral("dora"));
    QVERIFY(byOperator.ok());
    QCOMPARE(post(rpc(4, QStringLiteral("ping")), second, secondSession).status, 401);
}

void TestRsMcp::toolScopes_data()
{
    QTest::addColumn<QString>("granted");
    QTest::addColumn<QString>("tool");
    QTest::addColumn<QByteArray>("needed"); // empty: allowed
    QTest::newRow("read lists") << QStringLiteral("tasks:read") << QStringLiteral("list_tasks")
                                << QByteArray();
    QTest::newRow("echo needs nothing")
        << QStringLiteral("tasks:read") << QStringLiteral("echo") << QByteArray();
    QTest::newRow("read cannot create")
        << QStringLiteral("tasks:read") << QStringLiteral("create_task")
        << QByteArray("tasks:write");
    QTest::newRow("write cannot delete")
        << QStringLiteral("tasks:read tasks:write") << QStringLiteral("delete_task")
        << QByteArray("tasks:delete");
    QTest::newRow("write cannot list") << QStringLiteral("tasks:write")
                                       << QStringLiteral("list_tasks") << QByteArray("tasks:read");
}

void TestRsMcp::toolScopes()
{
    QFETCH(QString, granted);
    QFETCH(QString, tool);
    QFETCH(QByteArray, needed);
    const QByteArray token = issue(QStringLiteral("scoped"), granted);
    QVERIFY(!token.isEmpty());
    const QByteArray session = initialize(token);
    QVERIFY(!session.isEmpty());
    const QJsonObject arguments = tool == QLatin1String("echo")
                                      ? QJsonObject{{QStringLiteral("text"), QStringLiteral("hi")}}
                                  : tool == QLatin1String("create_task")
                                      ? QJsonObject{{QStringLiteral("title"), QStringLiteral("t")}}
                                      : QJsonObject{{QStringLiteral("id"), 1}};
    const auto response =
        post(rpc(1, QStringLiteral("tools/call"), callParams(tool, arguments)), token, session);
    if (needed.isEmpty()) {
        QCOMPARE(response.status, 200);
        return;
    }
    QCOMPARE(response.status, 403);
    const QByteArray challenge = response.headers.value("WWW-Authenticate");
    QVERIFY2(challenge.contains("error=\"insufficient_scope\""), challenge.constData());
    QVERIFY2(challenge.contains(QByteArray("scope=\"" + needed + "\"")), challenge.constData());
    QVERIFY2(challenge.contains("resource_metadata=\""), challenge.constData());
}

void TestRsMcp::tasksRoundTrip()
{
    const QByteArray token =
        issue(QStringLiteral("bob"), QStringLiteral("tasks:read tasks:write tasks:delete"));
    const QByteArray session = initialize(token);
    QVERIFY(!session.isEmpty());
    const QJsonObject created =
        callTool(token, session, QStringLiteral("create_task"),
                 {{QStringLiteral("title"), QStringLiteral("write the RS")}});
    QCOMPARE(created.value(QStringLiteral("isError")).toBool(), false);
    const QJsonObject task = created.value(QStringLiteral("structuredContent"))
                                 .toObject()
                                 .value(QStringLiteral("task"))
                                 .toObject();
    const int id = task.value(QStringLiteral("id")).toInt();
    QVERIFY(id > 0);
    QCOMPARE(task.value(QStringLiteral("title")).toString(), QStringLiteral("write the RS"));

    const QJsonObject updated =
        callTool(token, session, QStringLiteral("update_task"),
                 {{QStringLiteral("id"), id}, {QStringLiteral("done"), true}});
    QCOMPARE(updated.value(QStringLiteral("structuredContent"))
                 .toObject()
                 .value(QStringLiteral("task"))
                 .toObject()
                 .value(QStringLiteral("done"))
                 .toBool(),
             true);
    const QJsonObject listed = callTool(token, session, QStringLiteral("list_tasks"), {});
    QCOMPARE(listed.value(QStringLiteral("structuredContent"))
                 .toObject()
                 .value(QStringLiteral("tasks"))
                 .toArray()
                 .size(),
             1);
    // Another subject sees none of bob's tasks.
    const QByteArray carol = issue(QStringLiteral("carol"), QStringLiteral("tasks:read"));
    const QByteArray carolSession = initialize(carol);
    const QJsonObject foreign =
        callTool(carol, carolSession, QStringLiteral("get_task"), {{QStringLiteral("id"), id}});
    QCOMPARE(foreign.value(QStringLiteral("isError")).toBool(), true);

    const QJsonObject bad = callTool(token, session, QStringLiteral("get_task"),
                                     {{QStringLiteral("id"), QStringLiteral("x")}});
    QCOMPARE(bad.value(QStringLiteral("isError")).toBool(), true);
    QVERIFY(bad.value(QStringLiteral("content"))
                .toArray()
                .first()
                .toObject()
                .value(QStringLiteral("text"))
                .toString()
                .contains(QStringLiteral("\"id\"")));

    const QJsonObject deleted =
        callTool(token, session, QStringLiteral("delete_task"), {{QStringLiteral("id"), id}});
    QCOMPARE(deleted.value(QStringLiteral("isError")).toBool(), false);
    const QJsonObject gone =
        callTool(token, session, QStringLiteral("get_task"), {{QStringLiteral("id"), id}});
    QCOMPARE(gone.value(QStringLiteral("isError")).toBool(), true);
}

void TestRsMcp::frictionBlocksBurstOfDeletes()
{
    const QByteArray token =
        issue(QStringLiteral("burst"), QStringLiteral("tasks:read tasks:write tasks:delete"));
    const QByteArray session = initialize(token);
    QVERIFY(!session.isEmpty());
    int justificationDemanded = 0;
    int justified = 0;
    QString blockedMessage;
    for (int i = 0; i < 60 && blockedMessage.isEmpty(); ++i) {
        const QJsonObject created =
            callTool(token, session, QStringLiteral("create_task"),
                     {{QStringLiteral("title"), QStringLiteral("t%1").arg(i)}});
        const int id = created.value(QStringLiteral("structuredContent"))
                           .toObject()
                           .value(QStringLiteral("task"))
                           .toObject()
                           .value(QStringLiteral("id"))
                           .toInt();
        QJsonObject result =
            callTool(token, session, QStringLiteral("delete_task"), {{QStringLiteral("id"), id}});
        if (!result.value(QStringLiteral("isError")).toBool()) {
            QCOMPARE(frictionOutcome(result), QStringLiteral("allowed"));
            continue;
        }
        const QString text = result.value(QStringLiteral("content"))
                                 .toArray()
                                 .first()
                                 .toObject()
                                 .value(QStringLiteral("text"))
                                 .toString();
        QVERIFY2(text.contains(QStringLiteral("delete_task")), qPrintable(text));
        if (!text.contains(QStringLiteral("justification"))) {
            QCOMPARE(frictionOutcome(result), QStringLiteral("blocked"));
            QVERIFY(result.value(QStringLiteral("_meta"))
                        .toObject()
                        .value(QStringLiteral("studio.mcpauth/friction"))
                        .toObject()
                        .value(QStringLiteral("retry_after_seconds"))
                        .toDouble() > 0);
            blockedMessage = text;
            break;
        }
        QCOMPARE(frictionOutcome(result), QStringLiteral("justification_missing"));
        ++justificationDemanded;
        result =
            callTool(token, session, QStringLiteral("delete_task"), {{QStringLiteral("id"), id}},
                     {{QStringLiteral("justification"), QStringLiteral("cleanup run %1").arg(i)}});
        if (!result.value(QStringLiteral("isError")).toBool()) {
            QCOMPARE(frictionOutcome(result), QStringLiteral("justified"));
            ++justified;
        } else
            blockedMessage = result.value(QStringLiteral("content"))
                                 .toArray()
                                 .first()
                                 .toObject()
                                 .value(QStringLiteral("text"))
                                 .toString();
    }
    QVERIFY2(!blockedMessage.isEmpty(), "a burst of delete_task calls was never blocked");
    QVERIFY(justificationDemanded > 0);
    QVERIFY(justified > 0);
    Store::AuditFilter filter;
    filter.type = QStringLiteral("tool.justified");
    filter.subject = QStringLiteral("burst");
    auto events = Store::AuditRepository(m_engine.store()).list(filter);
    QVERIFY(events.ok());
    QCOMPARE(events->size(), justified);
    QVERIFY(events->first()
                .detail.value(QStringLiteral("justification"))
                .toString()
                .startsWith(QStringLiteral("cleanup run")));
    // echo has no friction configured and still works for the same principal.
    QCOMPARE(callTool(token, session, QStringLiteral("echo"),
                      {{QStringLiteral("text"), QStringLiteral("x")}})
                 .value(QStringLiteral("isError"))
                 .toBool(),
             false);
}

void TestRsMcp::jwtVerification()
{
    QTemporaryDir dir;
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("jwt.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 1;
    config.authorizationServer.defaultTokenFormat = Auth::AccessTokenFormat::Jwt;
    config.resourceServer.verification = QStringLiteral("jwt");
    Core::Engine engine;
    const Core::Status started = engine.start(config);
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    Auth::Grant grant;
    grant.clientId = engine.demoClientId();
    grant.subject = QStringLiteral("jwt-user");
    grant.scope = QStringLiteral("tasks:read");
    grant.resource = engine.mcpResourceUri();
    auto issued = engine.authorizationServer()->context().tokens().issue(grant);
    QVERIFY(issued.ok());
    QCOMPARE(issued->accessToken.count('.'), 2);
    const auto post = [&](const QByteArray &token) {
        Http::ClientRequest request;
        request.method = "POST";
        request.url = QUrl(engine.mcpResourceUri());
        request.headers.set("Authorization", "Bearer " + token);
        request.headers.set("Content-Type", "application/json");
        request.body =
            QJsonDocument(rpc(1, QStringLiteral("initialize"),
                              {{QStringLiteral("protocolVersion"), QStringLiteral("2025-11-25")}}))
                .toJson();
        return m_client.sendAndWait(request);
    };
    auto ok = post(issued->accessToken);
    QVERIFY(ok.ok());
    QCOMPARE(ok->status, 200);
    grant.resource = QStringLiteral("https://other.example/mcp");
    auto foreign = engine.authorizationServer()->context().tokens().issue(grant);
    QVERIFY(foreign.ok());
    auto refused = post(foreign->accessToken);
    QVERIFY(refused.ok());
    QCOMPARE(refused->status, 401);
    QVERIFY(refused->headers.value("WWW-Authenticate").contains("error=\"invalid_token\""));
    // A tampered signature is refused.
    QByteArray tampered = issued->accessToken;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    auto bad = post(tampered);
    QVERIFY(bad.ok());
    QCOMPARE(bad->status, 401);
    // Revoked at the AS of the same process: refused at once, JWT or not.
    QCOMPARE(post(issued->accessToken)->status, 200);
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("token"), QString::fromLatin1(issued->accessToken));
    form.addQueryItem(QStringLiteral("client_id"), engine.demoClientId());
    Http::ClientRequest revoke;
    revoke.method = "POST";
    revoke.url = QUrl(engine.authorizationServerUrl().toString() + QStringLiteral("/revoke"));
    revoke.headers.set("Content-Type", "application/x-www-form-urlencoded");
    revoke.body = form.toString(QUrl::FullyEncoded).toLatin1();
    auto revoked = m_client.sendAndWait(revoke);
    QVERIFY(revoked.ok());
    QCOMPARE(revoked->status, 200);
    QCOMPARE(post(issued->accessToken)->status, 401);
    engine.stop();
}

Http::ClientResponse TestRsMcp::postStateless(const QString &method, const QJsonObject &params,
                                              const QByteArray &token)
{
    Http::Headers headers;
    headers.set("MCP-Protocol-Version", "2026-07-28");
    headers.set("Mcp-Method", method.toLatin1());
    if (method == QLatin1String("tools/call"))
        headers.set("Mcp-Name", params.value(QStringLiteral("name")).toString().toUtf8());
    QJsonObject withMeta = params;
    withMeta.insert(QStringLiteral("_meta"), statelessMeta());
    return send("POST", QStringLiteral("/mcp"),
                QJsonDocument(rpc(m_nextId++, method, withMeta)).toJson(), token, headers);
}

void TestRsMcp::statelessRequests_data()
{
    QTest::addColumn<QList<QByteArrayList>>("headers"); // name, value pairs
    QTest::addColumn<QString>("method");
    QTest::addColumn<QJsonObject>("params");
    QTest::addColumn<int>("status");
    QTest::addColumn<int>("code"); // 0: a result is expected

    const QJsonObject meta = statelessMeta();
    const QJsonObject discover{{QStringLiteral("_meta"), meta}};
    const auto without = [&](const char *key) {
        QJsonObject m = meta;
        m.remove(QLatin1String(key));
        return QJsonObject{{QStringLiteral("_meta"), m}};
    };
    const auto base = [](const QByteArray &method) {
        return QList<QByteArrayList>{{"MCP-Protocol-Version", "2026-07-28"},
                                     {"Mcp-Method", method}};
    };
    const QByteArray d = "server/discover";
    QTest::newRow("discover") << base(d) << QString::fromLatin1(d) << discover << 200 << 0;
    QTest::newRow("clientInfo optional")
        << base(d) << QString::fromLatin1(d) << without("io.modelcontextprotocol/clientInfo") << 200
        << 0;
    QTest::newRow("no _meta") << base(d) << QString::fromLatin1(d) << QJsonObject{} << 400
                              << -32602;
    QTest::newRow("_meta without version")
        << base(d) << QString::fromLatin1(d) << without("io.modelcontextprotocol/protocolVersion")
        << 400 << -32602;
    QTest::newRow("_meta without capabilities")
        << base(d) << QString::fromLatin1(d)
        << without("io.modelcontextprotocol/clientCapabilities") << 400 << -32602;
    QTest::newRow("no version header") << QList<QByteArrayList>{{"Mcp-Method", d}}
                                       << QString::fromLatin1(d) << discover << 400 << -32020;
    QJsonObject otherVersion{{QStringLiteral("_meta"), statelessMeta(QStringLiteral("v999.0.0"))}};
    QTest::newRow("header and _meta disagree")
        << base(d) << QString::fromLatin1(d) << otherVersion << 400 << -32020;
    QTest::newRow("unsupported version")
        << QList<QByteArrayList>{{"MCP-Protocol-Version", "v999.0.0"}, {"Mcp-Method", d}}
        << QString::fromLatin1(d) << otherVersion << 400 << -32022;
    QTest::newRow("no Mcp-Method") << QList<QByteArrayList>{{"MCP-Protocol-Version", "2026-07-28"}}
                                   << QString::fromLatin1(d) << discover << 400 << -32020;
    QTest::newRow("Mcp-Method differs")
        << base("tools/list") << QString::fromLatin1(d) << discover << 400 << -32020;
    QTest::newRow("Mcp-Method value case matters")
        << base("SERVER/DISCOVER") << QString::fromLatin1(d) << discover << 400 << -32020;
    QTest::newRow("header name case does not matter")
        << QList<QByteArrayList>{{"mcp-protocol-version", "2026-07-28"}, {"MCP-METHOD", d}}
        << QString::fromLatin1(d) << discover << 200 << 0;
    QJsonObject echo{
        {QStringLiteral("_meta"), meta},
        {QStringLiteral("name"), QStringLiteral("echo")},
        {QStringLiteral("arguments"), QJsonObject{{QStringLiteral("text"), QStringLiteral("hi")}}}};
    QList<QByteArrayList> call = base("tools/call");
    QTest::newRow("tools/call without Mcp-Name")
        << call << QStringLiteral("tools/call") << echo << 400 << -32020;
    call.append(QByteArrayList{"Mcp-Name", "list_tasks"});
    QTest::newRow("tools/call with another Mcp-Name")
        << call << QStringLiteral("tools/call") << echo << 400 << -32020;
    call.last() = QByteArrayList{"Mcp-Name", "  echo  "};
    QTest::newRow("Mcp-Name with whitespace")
        << call << QStringLiteral("tools/call") << echo << 200 << 0;
    for (const char *removed : {"initialize", "ping", "logging/setLevel", "unknown/method"})
        QTest::newRow(removed) << base(removed) << QString::fromLatin1(removed) << discover << 404
                               << -32601;
}

void TestRsMcp::statelessRequests()
{
    QFETCH(QList<QByteArrayList>, headers);
    QFETCH(QString, method);
    QFETCH(QJsonObject, params);
    QFETCH(int, status);
    QFETCH(int, code);
    const QByteArray token = issue(QStringLiteral("stateless"), QStringLiteral("tasks:read"));
    Http::Headers h;
    for (const QByteArrayList &header : headers)
        h.set(header.at(0), header.at(1));
    const auto response = send("POST", QStringLiteral("/mcp"),
                               QJsonDocument(rpc(41, method, params)).toJson(), token, h);
    QCOMPARE(response.status, status);
    const QJsonObject body = QJsonDocument::fromJson(response.body).object();
    QCOMPARE(body.value(QStringLiteral("id")), QJsonValue(41));
    QVERIFY(response.headers.value("Mcp-Session-Id").isEmpty());
    if (code == 0) {
        const QJsonObject result = body.value(QStringLiteral("result")).toObject();
        QCOMPARE(result.value(QStringLiteral("resultType")).toString(), QStringLiteral("complete"));
        QCOMPARE(result.value(QStringLiteral("_meta"))
                     .toObject()
                     .value(QStringLiteral("io.modelcontextprotocol/serverInfo"))
                     .toObject()
                     .value(QStringLiteral("name"))
                     .toString(),
                 QStringLiteral("mcpauth-studio-demo"));
        return;
    }
    const QJsonObject error = body.value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toInt(), code);
    QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    if (code == -32022) {
        QCOMPARE(error.value(QStringLiteral("data")).toObject().value(QStringLiteral("requested")),
                 QJsonValue(QStringLiteral("v999.0.0")));
        const QJsonArray supported = error.value(QStringLiteral("data"))
                                         .toObject()
                                         .value(QStringLiteral("supported"))
                                         .toArray();
        QVERIFY(supported.contains(QStringLiteral("2026-07-28")));
    }
}

void TestRsMcp::statelessToolCalls()
{
    const QByteArray token =
        issue(QStringLiteral("stateless-tools"), QStringLiteral("tasks:read tasks:write"));
    // No initialize, no session: every request stands alone.
    auto discover = postStateless(QStringLiteral("server/discover"), {}, token);
    QCOMPARE(discover.status, 200);
    const QJsonObject found =
        QJsonDocument::fromJson(discover.body).object().value(QStringLiteral("result")).toObject();
    QCOMPARE(found.value(QStringLiteral("supportedVersions")).toArray().first().toString(),
             QStringLiteral("2026-07-28"));
    QVERIFY(
        found.value(QStringLiteral("capabilities")).toObject().contains(QStringLiteral("tools")));

    auto listed = postStateless(QStringLiteral("tools/list"), {}, token);
    QCOMPARE(listed.status, 200);
    QCOMPARE(QJsonDocument::fromJson(listed.body)
                 .object()
                 .value(QStringLiteral("result"))
                 .toObject()
                 .value(QStringLiteral("tools"))
                 .toArray()
                 .size(),
             6);

    auto created = postStateless(
        QStringLiteral("tools/call"),
        callParams(QStringLiteral("create_task"), {{QStringLiteral("title"), QStringLiteral("s")}}),
        token);
    QCOMPARE(created.status, 200);
    const QJsonObject result =
        QJsonDocument::fromJson(created.body).object().value(QStringLiteral("result")).toObject();
    QCOMPARE(result.value(QStringLiteral("isError")).toBool(), false);
    QCOMPARE(result.value(QStringLiteral("resultType")).toString(), QStringLiteral("complete"));
    QVERIFY(result.value(QStringLiteral("_meta"))
                .toObject()
                .contains(QStringLiteral("io.modelcontextprotocol/serverInfo")));
    const int id = result.value(QStringLiteral("structuredContent"))
                       .toObject()
                       .value(QStringLiteral("task"))
                       .toObject()
                       .value(QStringLiteral("id"))
                       .toInt();
    QVERIFY(id > 0);

    // Scopes and audience still apply to stateless requests.
    auto denied = postStateless(
        QStringLiteral("tools/call"),
        callParams(QStringLiteral("delete_task"), {{QStringLiteral("id"), id}}), token);
    QCOMPARE(denied.status, 403);
    QVERIFY(denied.headers.value("WWW-Authenticate").contains("insufficient_scope"));
    auto anonymous = postStateless(QStringLiteral("tools/list"), {}, {});
    QCOMPARE(anonymous.status, 401);
}

void TestRsMcp::secondEngineOnTheSameStore()
{
    // A second server on the same store and admin token file (another `mcpauth serve`,
    // `mcpauth check-server`) must not break the first one's introspection.
    Core::Engine second;
    Core::ServerConfig config = m_engine.config();
    config.asPort = 0;
    config.rsPort = 0;
    const Core::Status started = second.start(config);
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    const QByteArray token = issue(QStringLiteral("shared"), QStringLiteral("tasks:read"));
    const QByteArray session = initialize(token); // not cached yet: introspected now
    QVERIFY2(!session.isEmpty(), "the first engine can no longer introspect");
    QCOMPARE(post(rpc(1, QStringLiteral("ping")), token, session).status, 200);
    second.stop();
}

QTEST_GUILESS_MAIN(TestRsMcp)
#include "tst_rs_mcp.moc"
