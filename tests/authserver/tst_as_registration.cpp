// POST /register (RFC 7591) over loopback HTTP on SQLite and PostgreSQL: what is accepted,
// what is refused and why, the secret returned once and stored only as a hash.
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

#include "authserver/oauth.h"
#include "clienttestcase.h"
#include "crypto/digest.h"
#include "crypto/jwks.h"
#include "crypto/key.h"
#include "store/clientrepository.h"
#include "store/database.h"

namespace {

QJsonArray list(std::initializer_list<const char *> items)
{
    QJsonArray out;
    for (const char *item : items)
        out.append(QString::fromUtf8(item));
    return out;
}

QJsonObject withRedirect(QJsonObject body)
{
    if (!body.contains(QStringLiteral("redirect_uris")))
        body.insert(QStringLiteral("redirect_uris"), list({"http://127.0.0.1/callback"}));
    return body;
}

QJsonObject publicJwks()
{
    auto key = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    Crypto::Jwks jwks;
    if (key)
        (void)jwks.add(key->publicKey());
    return QJsonDocument::fromJson(jwks.toJson()).object();
}

} // namespace

class TestAsRegistration final : public TestSupport::ClientTestCase
{
    Q_OBJECT

private slots:
    void registersConfidentialClientSecretOnce();
    void registersPublicNativeClient();
    void registersPrivateKeyJwtClient();
    void refuses_data();
    void refuses();
    void refusesMalformedBodies_data();
    void refusesMalformedBodies();
    void closedRegistration();
    void rateLimited();
    void cors();

private:
    /// Every text column of every clients row, to look for a clear secret.
    QStringList allClientCells();
};

QStringList TestAsRegistration::allClientCells()
{
    QStringList cells;
    const auto status = db()->transaction([&](QSqlDatabase &connection) -> Core::Status {
        QSqlQuery q(connection);
        if (q.exec(QStringLiteral("SELECT * FROM clients")))
            while (q.next())
                for (int i = 0; i < q.record().count(); ++i)
                    cells.append(q.value(i).toString());
        return {};
    });
    Q_UNUSED(status);
    return cells;
}

void TestAsRegistration::registersConfidentialClientSecretOnce()
{
    QVERIFY(startServer());
    const qint64 before = clientCount();
    const int registeredBefore = auditCount(QStringLiteral("client.registered"));
    const QJsonObject request = {
        {QStringLiteral("client_name"), QStringLiteral("My <b>Tool</b>")},
        {QStringLiteral("redirect_uris"), list({"https://tool.example/cb", "http://127.0.0.1/cb"})},
        {QStringLiteral("grant_types"), list({"authorization_code", "refresh_token"})},
        {QStringLiteral("scope"), QStringLiteral("tasks:read tasks:write")},
        {QStringLiteral("client_uri"), QStringLiteral("https://tool.example")},
        {QStringLiteral("contacts"), list({"ops@tool.example"})},
        {QStringLiteral("software_id"), QStringLiteral("tool")},
        {QStringLiteral("x_unknown_member"), QStringLiteral("dropped")},
        {QStringLiteral("client_secret"), QStringLiteral("chosen-by-client")},
    };
    const auto response = as().postJson(QStringLiteral("/register"), request);
    QCOMPARE(response.status, 201);
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    const QJsonObject body = TestSupport::AsFixture::json(response);
    const QString clientId = body.value(QStringLiteral("client_id")).toString();
    const QString secret = body.value(QStringLiteral("client_secret")).toString();
    QVERIFY2(clientId.startsWith(QLatin1String("mcp_")), qPrintable(clientId));
    QVERIFY2(secret.startsWith(QLatin1String("mcs_")) && secret.size() > 40, qPrintable(secret));
    QVERIFY(secret != QLatin1String("chosen-by-client"));
    QCOMPARE(body.value(QStringLiteral("client_secret_expires_at")).toInteger(-1), 0);
    QVERIFY(body.value(QStringLiteral("client_id_issued_at")).toInteger() > 1700000000);
    // RFC 7591 section 2: client_secret_basic by default.
    QCOMPARE(body.value(QStringLiteral("token_endpoint_auth_method")).toString(),
             QStringLiteral("client_secret_basic"));
    QCOMPARE(body.value(QStringLiteral("application_type")).toString(), QStringLiteral("web"));
    QCOMPARE(body.value(QStringLiteral("response_types")).toArray(), list({"code"}));
    QCOMPARE(body.value(QStringLiteral("client_name")).toString(),
             QStringLiteral("My <b>Tool</b>"));
    QCOMPARE(body.value(QStringLiteral("contacts")).toArray(), list({"ops@tool.example"}));
    QVERIFY(!body.contains(QStringLiteral("x_unknown_member")));
    QCOMPARE(clientCount(), before + 1);

    auto stored = Store::ClientRepository(db()).get(clientId);
    QVERIFY(stored.ok());
    QCOMPARE(stored->source, QStringLiteral("dynamic"));
    QVERIFY(stored->secret.has_value());
    QCOMPARE(stored->secret->hex(), QString::fromLatin1(Crypto::sha256Hex(secret.toUtf8())));
    QVERIFY(!stored->metadata.contains(QStringLiteral("x_unknown_member")));
    QCOMPARE(stored->scope, QStringLiteral("tasks:read tasks:write"));
    for (const QString &cell : allClientCells())
        QVERIFY2(!cell.contains(secret), "the clear client secret is in the clients table");
    QCOMPARE(auditCount(QStringLiteral("client.registered")), registeredBefore + 1);

    // Registering the same metadata again is a new client with a new secret.
    const auto again = as().postJson(QStringLiteral("/register"), request);
    QCOMPARE(again.status, 201);
    const QJsonObject second = TestSupport::AsFixture::json(again);
    QVERIFY(second.value(QStringLiteral("client_id")).toString() != clientId);
    QVERIFY(second.value(QStringLiteral("client_secret")).toString() != secret);
}

void TestAsRegistration::registersPublicNativeClient()
{
    QVERIFY(startServer());
    const auto response = as().postJson(
        QStringLiteral("/register"),
        {{QStringLiteral("client_name"), QStringLiteral("Desktop")},
         {QStringLiteral("application_type"), QStringLiteral("native")},
         {QStringLiteral("token_endpoint_auth_method"), QStringLiteral("none")},
         {QStringLiteral("redirect_uris"),
          list({"http://127.0.0.1/callback", "http://[::1]/callback",
                "com.example.desktop:/oauth"})},
         {QStringLiteral("grant_types"), list({"authorization_code", "refresh_token",
                                               "urn:ietf:params:oauth:grant-type:device_code"})}});
    QCOMPARE(response.status, 201);
    const QJsonObject body = TestSupport::AsFixture::json(response);
    QVERIFY(!body.contains(QStringLiteral("client_secret")));
    QVERIFY(!body.contains(QStringLiteral("client_secret_expires_at")));
    auto stored =
        Store::ClientRepository(db()).get(body.value(QStringLiteral("client_id")).toString());
    QVERIFY(stored.ok());
    QVERIFY(!stored->secret.has_value());
    QCOMPARE(stored->authMethod, QStringLiteral("none"));
    QCOMPARE(stored->applicationType, QStringLiteral("native"));
    QCOMPARE(stored->redirectUris.size(), 3);
}

void TestAsRegistration::registersPrivateKeyJwtClient()
{
    QVERIFY(startServer());
    const auto response = as().postJson(
        QStringLiteral("/register"),
        {{QStringLiteral("token_endpoint_auth_method"), QStringLiteral("private_key_jwt")},
         {QStringLiteral("grant_types"), list({"client_credentials"})},
         {QStringLiteral("jwks"), publicJwks()}});
    QCOMPARE(response.status, 201);
    const QJsonObject body = TestSupport::AsFixture::json(response);
    QVERIFY(!body.contains(QStringLiteral("client_secret")));
    QCOMPARE(body.value(QStringLiteral("response_types")).toArray(), QJsonArray());
    QCOMPARE(body.value(QStringLiteral("jwks"))
                 .toObject()
                 .value(QStringLiteral("keys"))
                 .toArray()
                 .size(),
             1);
}

void TestAsRegistration::refuses_data()
{
    QTest::addColumn<QJsonObject>("request");
    QTest::addColumn<QString>("error");

    const QString badUri = Auth::OAuthError::InvalidRedirectUri;
    const QString badMeta = Auth::OAuthError::InvalidClientMetadata;
    auto uris = [](std::initializer_list<const char *> items) {
        return QJsonObject{{QStringLiteral("redirect_uris"), list(items)}};
    };
    auto with = [](QJsonObject body, const char *key, const QJsonValue &value) {
        body.insert(QString::fromUtf8(key), value);
        return withRedirect(body);
    };

    QTest::newRow("redirect missing") << QJsonObject{} << badUri;
    QTest::newRow("redirect empty array") << uris({}) << badUri;
    QTest::newRow("redirect http non-loopback") << uris({"http://tool.example/cb"}) << badUri;
    QTest::newRow("redirect fragment") << uris({"https://tool.example/cb#x"}) << badUri;
    QTest::newRow("redirect javascript") << uris({"javascript:alert(1)"}) << badUri;
    QTest::newRow("redirect data") << uris({"data:text/html,hi"}) << badUri;
    QTest::newRow("redirect relative") << uris({"/callback"}) << badUri;
    QTest::newRow("redirect userinfo") << uris({"https://a:b@tool.example/cb"}) << badUri;
    QTest::newRow("redirect one bad of two")
        << uris({"https://tool.example/cb", "http://evil.example/cb"}) << badUri;
    QTest::newRow("redirect private-use for web") << uris({"com.example.app:/cb"}) << badUri;
    QTest::newRow("redirect not a string")
        << QJsonObject{{QStringLiteral("redirect_uris"), QJsonArray{42}}} << badUri;
    QTest::newRow("redirect_uris a string")
        << QJsonObject{{QStringLiteral("redirect_uris"), QStringLiteral("https://tool.example/cb")}}
        << badUri;
    QTest::newRow("grant implicit") << with({}, "grant_types", list({"implicit"})) << badMeta;
    QTest::newRow("grant password") << with({}, "grant_types", list({"password"})) << badMeta;
    QTest::newRow("grant unknown") << with({}, "grant_types", list({"magic"})) << badMeta;
    QTest::newRow("grant empty") << with({}, "grant_types", QJsonArray()) << badMeta;
    QTest::newRow("response token") << with({}, "response_types", list({"token"})) << badMeta;
    QTest::newRow("response code without grant")
        << with({{QStringLiteral("grant_types"), list({"client_credentials"})}}, "response_types",
                list({"code"}))
        << badMeta;
    QTest::newRow("authorization_code without code")
        << with({}, "response_types", QJsonArray()) << badMeta;
    QTest::newRow("auth method unknown")
        << with({}, "token_endpoint_auth_method", QStringLiteral("client_secret_jwt")) << badMeta;
    QTest::newRow("auth method not a string")
        << with({}, "token_endpoint_auth_method", 1) << badMeta;
    QTest::newRow("client_credentials for a public client")
        << QJsonObject{{QStringLiteral("token_endpoint_auth_method"), QStringLiteral("none")},
                       {QStringLiteral("grant_types"), list({"client_credentials"})}}
        << badMeta;
    QTest::newRow("private_key_jwt without keys")
        << with({}, "token_endpoint_auth_method", QStringLiteral("private_key_jwt")) << badMeta;
    QTest::newRow("jwks and jwks_uri")
        << with({{QStringLiteral("token_endpoint_auth_method"), QStringLiteral("private_key_jwt")},
                 {QStringLiteral("jwks"), publicJwks()}},
                "jwks_uri", QStringLiteral("https://tool.example/jwks"))
        << badMeta;
    QTest::newRow("jwks not a key set")
        << with({{QStringLiteral("token_endpoint_auth_method"), QStringLiteral("private_key_jwt")}},
                "jwks", QJsonObject{{QStringLiteral("keys"), QStringLiteral("nope")}})
        << badMeta;
    QTest::newRow("application_type unknown")
        << with({}, "application_type", QStringLiteral("desktop")) << badMeta;
    QTest::newRow("scope unsupported")
        << with({}, "scope", QStringLiteral("tasks:read admin")) << badMeta;
    QTest::newRow("client_uri http")
        << with({}, "client_uri", QStringLiteral("http://tool.example")) << badMeta;
    QTest::newRow("logo_uri javascript")
        << with({}, "logo_uri", QStringLiteral("javascript:alert(1)")) << badMeta;
    QTest::newRow("contacts not an array")
        << with({}, "contacts", QStringLiteral("a@b.c")) << badMeta;
    QTest::newRow("client_name too long") << with({}, "client_name", QString(500, u'x')) << badMeta;
    QTest::newRow("client_name with control characters")
        << with({}, "client_name", QStringLiteral("a\nb")) << badMeta;
    QTest::newRow("software_id a number") << with({}, "software_id", 7) << badMeta;
}

void TestAsRegistration::refuses()
{
    QFETCH(QJsonObject, request);
    QFETCH(QString, error);
    QVERIFY(startServer(testConfig(), true));
    const qint64 before = clientCount();
    const int refusalsBefore = auditCount(QStringLiteral("client.registration_refused"));
    const auto response = as().postJson(QStringLiteral("/register"), request);
    QCOMPARE(response.status, 400);
    const QJsonObject body = TestSupport::AsFixture::json(response);
    QCOMPARE(body.value(QStringLiteral("error")).toString(), error);
    QVERIFY(!body.value(QStringLiteral("error_description")).toString().isEmpty());
    QCOMPARE(clientCount(), before);
    QCOMPARE(auditCount(QStringLiteral("client.registration_refused")), refusalsBefore + 1);
}

void TestAsRegistration::refusesMalformedBodies_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");

    const QByteArray json = "application/json";
    QTest::newRow("not JSON") << json << QByteArray("redirect_uris=x") << 400;
    QTest::newRow("JSON array") << json << QByteArray("[]") << 400;
    QTest::newRow("duplicate member")
        << json << QByteArray(R"({"redirect_uris":["https://a.example/cb"],"redirect_uris":[]})")
        << 400;
    QTest::newRow("form content type")
        << QByteArray("application/x-www-form-urlencoded")
        << QByteArray(R"({"redirect_uris":["https://a.example/cb"]})") << 400;
    QTest::newRow("empty body") << json << QByteArray() << 400;
    QTest::newRow("too deep") << json << QByteArray(40, '[') << 400;
    QTest::newRow("too large") << json
                               << QByteArray(R"({"client_name":")") + QByteArray(70000, 'a') +
                                      QByteArray(R"("})")
                               << 413;
}

void TestAsRegistration::refusesMalformedBodies()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QVERIFY(startServer(testConfig(), true));
    const qint64 before = clientCount();
    Http::ClientRequest request;
    request.method = "POST";
    request.url = as().url(QStringLiteral("/register"));
    request.headers.set("Content-Type", contentType);
    request.body = body;
    const auto response = as().request(request);
    QCOMPARE(response.status, status);
    if (status == 400)
        QCOMPARE(TestSupport::AsFixture::json(response).value(QStringLiteral("error")).toString(),
                 Auth::OAuthError::InvalidClientMetadata);
    QCOMPARE(clientCount(), before);
}

void TestAsRegistration::closedRegistration()
{
    Auth::Config config = testConfig();
    config.openRegistration = false;
    QVERIFY(startServer(config));
    const qint64 before = clientCount();
    const auto response = as().postJson(QStringLiteral("/register"), withRedirect({}));
    QCOMPARE(response.status, 403);
    const QJsonObject body = TestSupport::AsFixture::json(response);
    QCOMPARE(body.value(QStringLiteral("error")).toString(), Auth::OAuthError::AccessDenied);
    QVERIFY(body.value(QStringLiteral("error_description")).toString().contains(u"initial access"));
    QCOMPARE(clientCount(), before);
}

void TestAsRegistration::rateLimited()
{
    Auth::Config config = testConfig();
    config.registerPerAddress = {2, 60};
    QVERIFY(startServer(config));
    QCOMPARE(as().postJson(QStringLiteral("/register"), withRedirect({})).status, 201);
    QCOMPARE(as().postJson(QStringLiteral("/register"), withRedirect({})).status, 201);
    const qint64 before = clientCount();
    const auto limited = as().postJson(QStringLiteral("/register"), withRedirect({}));
    QCOMPARE(limited.status, 429);
    QVERIFY(limited.headers.value("Retry-After").toInt() > 0);
    QCOMPARE(clientCount(), before);
}

void TestAsRegistration::cors()
{
    Auth::Config config = testConfig();
    config.corsOrigins = {QStringLiteral("https://inspector.example")};
    QVERIFY(startServer(config));
    Http::ClientRequest preflight;
    preflight.method = "OPTIONS";
    preflight.url = as().url(QStringLiteral("/register"));
    preflight.headers.set("Origin", "https://inspector.example");
    preflight.headers.set("Access-Control-Request-Method", "POST");
    preflight.headers.set("Access-Control-Request-Headers", "content-type");
    const auto answer = as().request(preflight);
    QCOMPARE(answer.status, 204);
    QCOMPARE(answer.headers.value("Access-Control-Allow-Origin"),
             QByteArray("https://inspector.example"));
    QVERIFY(answer.headers.value("Access-Control-Allow-Methods").contains("POST"));

    Http::Headers origin;
    origin.set("Origin", "https://inspector.example");
    const auto registered = as().postJson(QStringLiteral("/register"), withRedirect({}), origin);
    QCOMPARE(registered.status, 201);
    QCOMPARE(registered.headers.value("Access-Control-Allow-Origin"),
             QByteArray("https://inspector.example"));

    Http::Headers stranger;
    stranger.set("Origin", "https://evil.example");
    const auto refused = as().postJson(QStringLiteral("/register"), withRedirect({}), stranger);
    QVERIFY(!refused.headers.contains("Access-Control-Allow-Origin"));
}

QTEST_GUILESS_MAIN(TestAsRegistration)
#include "tst_as_registration.moc"
