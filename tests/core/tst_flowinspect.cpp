// What the Flows panel computes without widgets: sequence lanes of exchanges, the device
// authorization of a step, the JWKS URI of a run, JWT inspection with signature status
// against a JWKS, the secret vault's reveal and the secrets a response carries.

#include <QJsonDocument>
#include <QtTest>

#include "crypto/base64url.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/mask.h"
#include "flowinspect.h"

Q_DECLARE_METATYPE(Core::SequenceLane)

namespace {

Http::Exchange exchange(const QByteArray &method, const QString &url, const QByteArray &body = {})
{
    Http::Exchange e;
    e.id = 7;
    e.method = method;
    e.url = url;
    e.requestBody = body;
    e.status = 200;
    return e;
}

Flow::Step step(const QString &id, int index = 3)
{
    Flow::Step s;
    s.id = id;
    s.index = index;
    return s;
}

QByteArray json(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

class TestFlowInspect final : public QObject
{
    Q_OBJECT

private slots:
    void arrowLanes_data();
    void arrowLanes();
    void arrowLabels();
    void deviceAuthorization();
    void deviceAuthorizationAbsent_data();
    void deviceAuthorizationAbsent();
    void jwksUriOfRun();
    void jwtSignature();
    void jwtRefused_data();
    void jwtRefused();
    void vaultReveal();
    void harvest();
};

void TestFlowInspect::arrowLanes_data()
{
    QTest::addColumn<QString>("stepId");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<Core::SequenceLane>("from");
    QTest::addColumn<Core::SequenceLane>("to");

    using L = Core::SequenceLane;
    const QString mcp = QStringLiteral("http://127.0.0.1:9401/mcp");
    QTest::newRow("probe") << "probe" << QByteArray("POST") << mcp << QByteArray() << L::Client
                           << L::McpServer;
    QTest::newRow("prm") << "prm" << QByteArray("GET")
                         << "http://127.0.0.1:9401/.well-known/oauth-protected-resource/mcp"
                         << QByteArray() << L::Client << L::McpServer;
    QTest::newRow("prm on the AS origin")
        << "prm" << QByteArray("GET") << "https://as.example/.well-known/oauth-protected-resource"
        << QByteArray() << L::Client << L::McpServer;
    QTest::newRow("as metadata") << "as_metadata" << QByteArray("GET")
                                 << "http://127.0.0.1:9400/.well-known/oauth-authorization-server"
                                 << QByteArray() << L::Client << L::AuthorizationServer;
    QTest::newRow("registration") << "registration" << QByteArray("POST")
                                  << "http://127.0.0.1:9400/register" << QByteArray() << L::Client
                                  << L::AuthorizationServer;
    QTest::newRow("browser page") << "authorization" << QByteArray("GET")
                                  << "http://127.0.0.1:9400/authorize?x=1" << QByteArray()
                                  << L::User << L::AuthorizationServer;
    QTest::newRow("token") << "token" << QByteArray("POST") << "http://127.0.0.1:9400/token"
                           << QByteArray("grant_type=authorization_code") << L::Client
                           << L::AuthorizationServer;
    QTest::newRow("mcp call") << "mcp" << QByteArray("POST") << mcp << QByteArray() << L::Client
                              << L::McpServer;
    QTest::newRow("revocation check at the server")
        << "revocation" << QByteArray("POST") << mcp << QByteArray() << L::Client << L::McpServer;
    QTest::newRow("revocation") << "revocation" << QByteArray("POST")
                                << "http://127.0.0.1:9400/revoke" << QByteArray("token=x")
                                << L::Client << L::AuthorizationServer;
    QTest::newRow("device page") << "device_token" << QByteArray("POST")
                                 << "http://127.0.0.1:9400/device" << QByteArray("user_code=AB")
                                 << L::User << L::AuthorizationServer;
    QTest::newRow("device poll")
        << "device_token" << QByteArray("POST") << "http://127.0.0.1:9400/token"
        << QByteArray("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code")
        << L::Client << L::AuthorizationServer;
}

void TestFlowInspect::arrowLanes()
{
    QFETCH(QString, stepId);
    QFETCH(QByteArray, method);
    QFETCH(QString, url);
    QFETCH(QByteArray, body);
    QFETCH(Core::SequenceLane, from);
    QFETCH(Core::SequenceLane, to);
    const Core::SequenceArrow arrow =
        Core::sequenceArrow(exchange(method, url, body), step(stepId),
                            QUrl(QStringLiteral("http://127.0.0.1:9401/mcp")));
    QCOMPARE(arrow.from, from);
    QCOMPARE(arrow.to, to);
    QCOMPARE(arrow.stepIndex, 3);
    QCOMPARE(arrow.exchangeId, quint64(7));
}

void TestFlowInspect::arrowLabels()
{
    Http::Exchange e = exchange("POST", QStringLiteral("http://127.0.0.1:9400/token?x=1"));
    e.status = 400;
    Core::SequenceArrow arrow = Core::sequenceArrow(e, step(QStringLiteral("token")), QUrl());
    QCOMPARE(arrow.request, QStringLiteral("POST /token"));
    QCOMPARE(arrow.response, QStringLiteral("400"));
    e.status = 0;
    e.error = QStringLiteral("connection refused");
    arrow = Core::sequenceArrow(e, step(QStringLiteral("token")), QUrl());
    QCOMPARE(arrow.response, QStringLiteral("connection refused"));
    QCOMPARE(arrow.status, 0);
}

void TestFlowInspect::deviceAuthorization()
{
    Flow::Step s = step(QStringLiteral("device_authorization"));
    Http::Exchange e = exchange("POST", QStringLiteral("http://as/device_authorization"));
    e.responseBody = json({{QStringLiteral("device_code"), QStringLiteral("dev…#12345678")},
                           {QStringLiteral("user_code"), QStringLiteral("WDJB-MJHT")},
                           {QStringLiteral("verification_uri"), QStringLiteral("http://as/device")},
                           {QStringLiteral("verification_uri_complete"),
                            QStringLiteral("http://as/device?user_code=WDJB-MJHT")},
                           {QStringLiteral("expires_in"), 600}});
    s.exchanges.append(e);
    const auto device = Core::deviceAuthorization(s);
    QVERIFY(device);
    QCOMPARE(device->userCode, QStringLiteral("WDJB-MJHT"));
    QCOMPARE(device->verificationUri, QUrl(QStringLiteral("http://as/device")));
    QCOMPARE(device->verificationUriComplete,
             QUrl(QStringLiteral("http://as/device?user_code=WDJB-MJHT")));
    QCOMPARE(device->expiresIn, 600);
    QCOMPARE(device->interval, 5); // RFC 8628 §3.2: 5 s without an interval
}

void TestFlowInspect::deviceAuthorizationAbsent_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("error status") << 400 << QByteArray("{\"user_code\":\"A\"}");
    QTest::newRow("no user code") << 200 << QByteArray("{\"device_code\":\"A\"}");
    QTest::newRow("not json") << 200 << QByteArray("user_code=A");
    QTest::newRow("json array") << 200 << QByteArray("[\"user_code\"]");
    QTest::newRow("empty") << 200 << QByteArray();
}

void TestFlowInspect::deviceAuthorizationAbsent()
{
    QFETCH(int, status);
    QFETCH(QByteArray, body);
    Flow::Step s = step(QStringLiteral("device_authorization"));
    Http::Exchange e = exchange("POST", QStringLiteral("http://as/device_authorization"));
    e.status = status;
    e.responseBody = body;
    s.exchanges.append(e);
    QVERIFY(!Core::deviceAuthorization(s));
}

void TestFlowInspect::jwksUriOfRun()
{
    Flow::Run run;
    QVERIFY(Core::jwksUri(run).isEmpty());
    Flow::Step metadata = step(QStringLiteral("as_metadata"), 2);
    Http::Exchange e =
        exchange("GET", QStringLiteral("http://as/.well-known/openid-configuration"));
    e.status = 404;
    metadata.exchanges.append(e);
    e.status = 200;
    e.responseBody = json({{QStringLiteral("issuer"), QStringLiteral("http://as")},
                           {QStringLiteral("jwks_uri"), QStringLiteral("http://as/jwks")}});
    metadata.exchanges.append(e);
    run.steps = {step(QStringLiteral("probe"), 0), metadata};
    QCOMPARE(Core::jwksUri(run), QUrl(QStringLiteral("http://as/jwks")));
}

void TestFlowInspect::jwtSignature()
{
    const auto generated = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    QVERIFY(generated);
    const auto key = std::optional(generated->withKid(QStringLiteral("k1")));
    const auto other = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    QVERIFY(other);
    const QByteArray payload = json(
        {{QStringLiteral("sub"), QStringLiteral("demo")}, {QStringLiteral("exp"), 4102444800LL}});
    const auto token = Crypto::Jws::sign({{QStringLiteral("typ"), QStringLiteral("at+jwt")}},
                                         payload, *key, Crypto::JwsAlgorithm::ES256);
    QVERIFY(token);

    const auto unchecked = Core::inspectJwt(*token);
    QVERIFY(unchecked);
    QCOMPARE(unchecked->signature, Core::JwtInspection::Signature::NotChecked);
    QCOMPARE(unchecked->algorithm, QStringLiteral("ES256"));
    QCOMPARE(unchecked->header.value(QStringLiteral("typ")).toString(), QStringLiteral("at+jwt"));
    QCOMPARE(unchecked->payload.value(QStringLiteral("sub")).toString(), QStringLiteral("demo"));

    Crypto::Jwks right;
    QVERIFY(right.add(key->publicKey()));
    const auto valid = Core::inspectJwt(*token, &right);
    QVERIFY(valid);
    QCOMPARE(valid->signature, Core::JwtInspection::Signature::Valid);
    QCOMPARE(valid->kid, QStringLiteral("k1"));
    QVERIFY(valid->signatureMessage.contains(QLatin1String("k1")));

    Crypto::Jwks wrong;
    QVERIFY(wrong.add(other->publicKey().withKid(QStringLiteral("k1"))));
    const auto invalid = Core::inspectJwt(*token, &wrong);
    QVERIFY(invalid);
    QCOMPARE(invalid->signature, Core::JwtInspection::Signature::Invalid);
    QVERIFY2(invalid->signatureMessage.contains(QLatin1String("bad_signature")),
             qPrintable(invalid->signatureMessage));
}

void TestFlowInspect::jwtRefused_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("code");
    const QByteArray header = Crypto::base64UrlEncode("{\"alg\":\"ES256\"}");
    QTest::newRow("opaque") << QByteArray("mcp_at_0123456789abcdef") << "not_a_jwt";
    QTest::newRow("empty") << QByteArray() << "not_a_jwt";
    QTest::newRow("two parts") << QByteArray(header + ".e30") << "not_a_jwt";
    QTest::newRow("bad base64") << QByteArray(header + ".e3!0.AA") << "not_a_jwt";
    QTest::newRow("header not json") << QByteArray("bm9wZQ.e30.AA") << "not_a_jwt";
    QTest::newRow("payload not an object")
        << QByteArray(header + '.' + Crypto::base64UrlEncode("[1]") + ".AA") << "malformed_claims";
}

void TestFlowInspect::jwtRefused()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, code);
    const auto inspected = Core::inspectJwt(token);
    QVERIFY(!inspected);
    QCOMPARE(inspected.error().code, code);
    QVERIFY(!inspected.error().message.isEmpty());
}

void TestFlowInspect::vaultReveal()
{
    Core::SecretVault vault;
    const QByteArray token("mcp_at_SECRET_access_token_value_0123456789");
    const QString mask = Crypto::maskSecret(token);
    QCOMPARE(vault.reveal(QStringLiteral("Authorization: Bearer ") + mask),
             QStringLiteral("Authorization: Bearer ") + mask);
    vault.add(token);
    vault.add({}); // ignored
    QCOMPARE(vault.size(), 1);
    QCOMPARE(vault.secretFor(mask), QString::fromLatin1(token));
    QCOMPARE(vault.reveal(QStringLiteral("Authorization: Bearer ") + mask),
             QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(token));
    // A masked form body carries the mask percent-encoded.
    const QString form = QStringLiteral("token=") +
                         QString::fromLatin1(mask.toUtf8().toPercentEncoding()) +
                         QStringLiteral("&x=1");
    QCOMPARE(vault.reveal(form),
             QStringLiteral("token=") + QString::fromLatin1(token) + QStringLiteral("&x=1"));
    vault.clear();
    QVERIFY(vault.isEmpty());
}

void TestFlowInspect::harvest()
{
    Http::Headers headers;
    headers.set("Location", "http://127.0.0.1:5000/callback?code=AUTH%2BCODE&state=s");
    const QByteArray body = json({{QStringLiteral("access_token"), QStringLiteral("at1")},
                                  {QStringLiteral("refresh_token"), QStringLiteral("rt1")},
                                  {QStringLiteral("token_type"), QStringLiteral("Bearer")},
                                  {QStringLiteral("expires_in"), 3600}});
    const Core::HarvestedSecrets found = Core::harvestSecrets(headers, body);
    QCOMPARE(found.accessToken, QByteArray("at1"));
    QCOMPARE(found.secrets, (QList<QByteArray>{"at1", "rt1", "AUTH+CODE"}));

    const Core::HarvestedSecrets none = Core::harvestSecrets({}, "not json");
    QVERIFY(none.secrets.isEmpty());
    QVERIFY(none.accessToken.isEmpty());
}

QTEST_GUILESS_MAIN(TestFlowInspect)
#include "tst_flowinspect.moc"
