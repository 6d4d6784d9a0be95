#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "crypto/mask.h"
#include "http/body.h"
#include "http/masking.h"

using namespace Http;

namespace {

const QStringList kSensitive = {
    u"token"_qs,
    u"code"_qs,
    u"code_verifier"_qs,
    u"client_secret"_qs,
    u"client_assertion"_qs,
    u"refresh_token"_qs,
    u"access_token"_qs,
    u"id_token"_qs,
    u"password"_qs,
    u"device_code"_qs,
    u"assertion"_qs,
    u"subject_token"_qs,
    u"private_key"_qs,
};

const QByteArray kSecret = "s3cr3t-VALUE-0123456789";

QByteArray mask(QByteArrayView secret)
{
    return Crypto::maskSecret(secret).toUtf8();
}

} // namespace

class TestMasking final : public QObject
{
    Q_OBJECT

private slots:
    void sensitiveNames_data();
    void sensitiveNames();
    void formMasksEverySensitiveName_data();
    void formMasksEverySensitiveName();
    void formKeepsOrderAndNonSecrets();
    void formMaskedValueDecodesToMask();
    void formMalformedInputDoesNotLeak_data();
    void formMalformedInputDoesNotLeak();
    void queryAndUrl_data();
    void queryAndUrl();
    void jsonMasksEverySensitiveName_data();
    void jsonMasksEverySensitiveName();
    void jsonNestedAndJwk();
    void jsonUntouchedWhenNothingSecret();
    void headers_data();
    void headers();
    void sameSecretMasksIdentically();
    void bodyDispatch_data();
    void bodyDispatch();
};

void TestMasking::sensitiveNames_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("sensitive");
    for (const QString &name : kSensitive) {
        QTest::newRow(qPrintable(name)) << name << true;
        QTest::newRow(qPrintable(name.toUpper())) << name.toUpper() << true;
    }
    for (const char *name : {"state", "scope", "client_id", "token_type", "code_challenge",
                             "grant_type", "redirect_uri", "expires_in", "tokens", "codes"})
        QTest::newRow(name) << QString::fromLatin1(name) << false;
}

void TestMasking::sensitiveNames()
{
    QFETCH(QString, name);
    QFETCH(bool, sensitive);
    QCOMPARE(isSensitiveName(name), sensitive);
}

void TestMasking::formMasksEverySensitiveName_data()
{
    QTest::addColumn<QString>("name");
    for (const QString &name : kSensitive)
        QTest::newRow(qPrintable(name)) << name;
    QTest::newRow("upper case") << u"CLIENT_SECRET"_qs;
}

void TestMasking::formMasksEverySensitiveName()
{
    QFETCH(QString, name);
    const QByteArray body = "client_id=app&" + name.toUtf8() + "=" + kSecret + "&state=xyz";
    const QByteArray masked = maskForm(body);
    QVERIFY2(!masked.contains(kSecret), masked.constData());
    QVERIFY(masked.contains("client_id=app"));
    QVERIFY(masked.contains("state=xyz"));
    const auto parsed = parseForm(masked);
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->value(name)->toUtf8(), mask(kSecret));
    QCOMPARE(maskQuery(body), masked);
}

void TestMasking::formKeepsOrderAndNonSecrets()
{
    const QByteArray body =
        "grant_type=authorization_code&code=abc123XYZ&redirect_uri=http%3A%2F%2F"
        "127.0.0.1%2Fcb&code_verifier=verifier-verifier-verifier";
    const QByteArray masked = maskForm(body);
    QVERIFY(masked.startsWith("grant_type=authorization_code&code="));
    QVERIFY(masked.contains("&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb&code_verifier="));
    QVERIFY(!masked.contains("abc123XYZ"));
    QVERIFY(!masked.contains("verifier-verifier"));
    QCOMPARE(maskForm("a=1&b=2"), QByteArray("a=1&b=2"));
    QCOMPARE(maskForm(QByteArray()), QByteArray());
}

void TestMasking::formMaskedValueDecodesToMask()
{
    // Whatever the prefix contains, the masked form stays a valid form and decodes to the
    // mask of the decoded secret.
    for (const QByteArray &secret :
         {QByteArray("a&b=c+d%e#f g-long-enough"), QByteArray("plain-secret-value")}) {
        const QByteArray body = "password=" + QUrl::toPercentEncoding(QString::fromUtf8(secret));
        const auto parsed = parseForm(maskForm(body));
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->size(), 1);
        QCOMPARE(parsed->value(u"password"), std::optional<QString>(Crypto::maskSecret(secret)));
    }
}

void TestMasking::formMalformedInputDoesNotLeak_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::newRow("bad escape") << QByteArray("code=") + kSecret + "%zz";
    QTest::newRow("repeated") << QByteArray("code=") + kSecret + "&code=" + kSecret;
    QTest::newRow("encoded name") << QByteArray("c%6Fde=") + kSecret;
    QTest::newRow("invalid utf8") << QByteArray("token=\xFF") + kSecret;
}

void TestMasking::formMalformedInputDoesNotLeak()
{
    QFETCH(QByteArray, body);
    QVERIFY(!maskForm(body).contains(kSecret));
}

void TestMasking::queryAndUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("secret");
    QTest::addColumn<QStringList>("kept");

    QTest::newRow("code in query")
        << u"http://127.0.0.1:8080/cb?code=AUTHCODE-12345&state=st1"_qs << u"AUTHCODE-12345"_qs
        << QStringList{u"http://127.0.0.1:8080/cb?code="_qs, u"&state=st1"_qs};
    QTest::newRow("token in fragment")
        << u"https://app.example/cb#access_token=AT-abcdefgh&token_type=Bearer"_qs
        << u"AT-abcdefgh"_qs
        << QStringList{u"https://app.example/cb#access_token="_qs, u"token_type=Bearer"_qs};
    QTest::newRow("password in userinfo")
        << u"https://user:hunter2-pass@example.com/x?a=1"_qs << u"hunter2-pass"_qs
        << QStringList{u"https://user:"_qs, u"@example.com/x?a=1"_qs};
    QTest::newRow("nothing secret") << u"https://example.com/a?b=c#d"_qs << QString()
                                    << QStringList{u"https://example.com/a?b=c#d"_qs};
}

void TestMasking::queryAndUrl()
{
    QFETCH(QString, url);
    QFETCH(QString, secret);
    QFETCH(QStringList, kept);
    const QString masked = maskUrl(url);
    if (!secret.isEmpty()) {
        QVERIFY2(!masked.contains(secret), qPrintable(masked));
        QVERIFY(masked.contains(u"%23"_qs + Crypto::maskSecret(secret.toUtf8()).right(8)));
    }
    for (const QString &part : kept)
        QVERIFY2(masked.contains(part), qPrintable(masked));
    // The masked URL still parses with the secret-free parts in place.
    QVERIFY(QUrl(masked).isValid());
}

void TestMasking::jsonMasksEverySensitiveName_data()
{
    QTest::addColumn<QString>("name");
    for (const QString &name : kSensitive)
        QTest::newRow(qPrintable(name)) << name;
    QTest::newRow("mixed case") << u"Access_Token"_qs;
}

void TestMasking::jsonMasksEverySensitiveName()
{
    QFETCH(QString, name);
    QJsonObject object{{name, QString::fromUtf8(kSecret)},
                       {u"token_type"_qs, u"Bearer"_qs},
                       {u"expires_in"_qs, 3600}};
    const QByteArray masked = maskJson(QJsonDocument(object).toJson());
    QVERIFY2(!masked.contains(kSecret), masked.constData());
    const QJsonObject result = QJsonDocument::fromJson(masked).object();
    QCOMPARE(result.value(name).toString().toUtf8(), mask(kSecret));
    QCOMPARE(result.value(u"token_type").toString(), u"Bearer"_qs);
    QCOMPARE(result.value(u"expires_in").toInt(), 3600);
}

void TestMasking::jsonNestedAndJwk()
{
    const QByteArray body = R"({
        "outer": {"list": [{"refresh_token": "RT-secret-1"}, {"x": 1}]},
        "keys": [{"kty": "RSA", "kid": "k1", "n": "modulus", "e": "AQAB", "d": "PRIV-D",
                  "p": "PRIV-P", "q": "PRIV-Q", "dp": "PRIV-DP", "dq": "PRIV-DQ", "qi": "PRIV-QI"},
                 {"kty": "oct", "k": "PRIV-K"}],
        "not_a_jwk": {"d": "keep-me", "p": "keep-me-too"},
        "private_key": {"kty": "EC", "d": "PRIV-EC"},
        "error": {"code": -32600, "message": "Invalid Request"}
    })";
    const QByteArray masked = maskJson(body);
    for (const char *secret : {"RT-secret-1", "PRIV-D", "PRIV-P", "PRIV-Q", "PRIV-DP", "PRIV-DQ",
                               "PRIV-QI", "PRIV-K", "PRIV-EC"})
        QVERIFY2(!masked.contains(secret), secret);
    const QJsonObject result = QJsonDocument::fromJson(masked).object();
    const QJsonObject rsa = result.value(u"keys").toArray().at(0).toObject();
    QCOMPARE(rsa.value(u"n").toString(), u"modulus"_qs);
    QCOMPARE(rsa.value(u"kid").toString(), u"k1"_qs);
    QCOMPARE(rsa.value(u"d").toString().toUtf8(), mask("PRIV-D"));
    QCOMPARE(result.value(u"not_a_jwk").toObject().value(u"d").toString(), u"keep-me"_qs);
    QCOMPARE(result.value(u"private_key").type(), QJsonValue::String);
    // A numeric JSON-RPC error code is not an authorization code.
    QCOMPARE(result.value(u"error").toObject().value(u"code").toInt(), -32600);
}

void TestMasking::jsonUntouchedWhenNothingSecret()
{
    const QByteArray body = "{\n  \"issuer\": \"https://as.example\",\n  \"scopes\": [\"a\"]\n}\n";
    QCOMPARE(maskJson(body), body);
    const QByteArray broken = R"({"issuer": "https://as.example", )";
    QCOMPARE(maskJson(broken), broken);
    const QByteArray brokenSecret = R"({"access_token": "AT-0123456789)";
    QVERIFY(!maskJson(brokenSecret).contains("AT-0123456789"));
}

void TestMasking::headers_data()
{
    QTest::addColumn<QByteArray>("name");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("bearer") << QByteArray("Authorization") << QByteArray("Bearer ") + kSecret
                            << QByteArray("Bearer ") + mask(kSecret);
    QTest::newRow("basic") << QByteArray("authorization") << QByteArray("Basic YWxpY2U6c2VjcmV0")
                           << QByteArray("Basic ") + mask("YWxpY2U6c2VjcmV0");
    QTest::newRow("dpop scheme") << QByteArray("Authorization") << QByteArray("DPoP ") + kSecret
                                 << QByteArray("DPoP ") + mask(kSecret);
    QTest::newRow("no scheme") << QByteArray("Authorization") << kSecret << mask(kSecret);
    QTest::newRow("proxy") << QByteArray("Proxy-Authorization") << QByteArray("Basic ") + kSecret
                           << QByteArray("Basic ") + mask(kSecret);
    QTest::newRow("cookie") << QByteArray("Cookie") << QByteArray("sid=") + kSecret + "; theme=dark"
                            << QByteArray("sid=") + mask(kSecret) + "; theme=" + mask("dark");
    QTest::newRow("set-cookie") << QByteArray("Set-Cookie")
                                << QByteArray("sid=") + kSecret + "; Path=/; HttpOnly"
                                << QByteArray("sid=") + mask(kSecret) + "; Path=/; HttpOnly";
    QTest::newRow("dpop proof") << QByteArray("DPoP") << kSecret << mask(kSecret);
    QTest::newRow("token in name") << QByteArray("X-Refresh-Token") << kSecret << mask(kSecret);
    QTest::newRow("secret in name") << QByteArray("x-client-SECRET") << kSecret << mask(kSecret);
    QTest::newRow("api key") << QByteArray("X-Api-Key") << kSecret << mask(kSecret);
    QTest::newRow("location code")
        << QByteArray("Location") << QByteArray("http://127.0.0.1/cb?code=") + kSecret + "&state=s"
        << QByteArray("http://127.0.0.1/cb?code=") + mask(kSecret).replace("#", "%23") + "&state=s";
    QTest::newRow("content-type") << QByteArray("Content-Type") << QByteArray("application/json")
                                  << QByteArray("application/json");
    QTest::newRow("www-authenticate")
        << QByteArray("WWW-Authenticate")
        << QByteArray(R"(Bearer error="invalid_token", resource_metadata="https://x/y")")
        << QByteArray(R"(Bearer error="invalid_token", resource_metadata="https://x/y")");
    QTest::newRow("user-agent") << QByteArray("User-Agent") << QByteArray("mcpauth/0.1")
                                << QByteArray("mcpauth/0.1");
}

void TestMasking::headers()
{
    QFETCH(QByteArray, name);
    QFETCH(QByteArray, value);
    QFETCH(QByteArray, expected);
    Headers in;
    in.add("Accept", "*/*");
    in.add(name, value);
    const Headers out = maskHeaders(in);
    QCOMPARE(out.entries().size(), 2);
    QCOMPARE(out.entries().at(0), Headers::Entry("Accept", "*/*"));
    QCOMPARE(out.entries().at(1).first, name);
    QCOMPARE(out.entries().at(1).second, expected);
}

void TestMasking::sameSecretMasksIdentically()
{
    const QByteArray fromForm =
        parseForm(maskForm("refresh_token=" + kSecret))->value(u"refresh_token").value().toUtf8();
    const QByteArray fromJson =
        QJsonDocument::fromJson(maskJson(R"({"refresh_token":")" + kSecret + R"("})"))
            .object()
            .value(u"refresh_token")
            .toString()
            .toUtf8();
    Headers headers;
    headers.add("Authorization", "Bearer " + kSecret);
    const QByteArray fromHeader = maskHeaders(headers).value("authorization").sliced(7);
    QCOMPARE(fromForm, mask(kSecret));
    QCOMPARE(fromJson, fromForm);
    QCOMPARE(fromHeader, fromForm);
    QVERIFY(mask("other-secret-value") != fromForm);
}

void TestMasking::bodyDispatch_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("form") << QByteArray("application/x-www-form-urlencoded; charset=utf-8")
                          << QByteArray("code=") + kSecret
                          << QByteArray("code=") + mask(kSecret).replace("#", "%23");
    QTest::newRow("json") << QByteArray("application/json") << QByteArray(R"({"code":"XYZ"})")
                          << QByteArray(R"({"code":")") + mask("XYZ") + R"("})";
    QTest::newRow("json suffix") << QByteArray("application/token-introspection+json")
                                 << QByteArray(R"({"token":"XYZ"})")
                                 << QByteArray(R"({"token":")") + mask("XYZ") + R"("})";
    QTest::newRow("jwt") << QByteArray("application/jwt") << kSecret << mask(kSecret);
    QTest::newRow("text without secret names")
        << QByteArray("text/plain") << QByteArray("hello world") << QByteArray("hello world");
    QTest::newRow("text mentioning a secret name")
        << QByteArray("text/plain") << QByteArray("password: hunter2")
        << QByteArray("[masked: 17 bytes that could not be parsed and mention a secret-bearing "
                      "name]");
    QTest::newRow("word boundaries")
        << QByteArray("text/plain") << QByteArray("unicode encoder tokens")
        << QByteArray("unicode encoder tokens");
    QTest::newRow("json without type") << QByteArray() << QByteArray(R"({"password":"pw"})")
                                       << QByteArray(R"({"password":")") + mask("pw") + R"("})";
    QTest::newRow("empty") << QByteArray("application/json") << QByteArray() << QByteArray();
}

void TestMasking::bodyDispatch()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QByteArray, expected);
    QCOMPARE(maskBody(contentType, body), expected);
}

QTEST_APPLESS_MAIN(TestMasking)
#include "tst_masking.moc"
