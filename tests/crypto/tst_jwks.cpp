#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "crypto/jwks.h"
#include "rfcvectors.h"
#include "testutil.h"

using namespace Crypto;
using TestUtil::jsonObject;

namespace {
QByteArray keySet(const QJsonArray &keys)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("keys"), keys}})
        .toJson(QJsonDocument::Compact);
}
} // namespace

class TestJwks final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void parsesRsaAndEc();
    void skipsUnsupportedKeys();
    void toJsonPublishesPublicPartsOnly();
    void addAndFind();
    void privateMembersAreDroppedAndReported();
    void rejects_data();
    void rejects();

private:
    Key m_rsa;
    Key m_p256;
    QJsonObject m_rfcRsa;
    QJsonObject m_rfcEc;
};

void TestJwks::initTestCase()
{
    m_rsa = *Key::generate(Key::Kind::Rsa);
    m_p256 = *Key::generate(Key::Kind::EcP256);
    m_rfcRsa = jsonObject(RfcVectors::kThumbprintJwk);
    m_rfcEc = jsonObject(RfcVectors::kEs256Jwk);
    m_rfcEc.remove(QLatin1String("d"));
    m_rfcEc.insert(QLatin1String("kid"), QStringLiteral("ec-a3"));
}

void TestJwks::parsesRsaAndEc()
{
    QJsonObject noKid = jsonObject(RfcVectors::kEs512Jwk);
    noKid.remove(QLatin1String("d"));
    const auto jwks = Jwks::fromJson(keySet({m_rfcRsa, m_rfcEc, noKid}));
    QVERIFY2(jwks.ok(), TestUtil::describe(jwks).constData());
    QCOMPARE(jwks->size(), 3);
    QVERIFY(jwks->skipped().isEmpty());
    const auto rsa = jwks->find(u"2011-04-29");
    QVERIFY(rsa.has_value());
    QCOMPARE(rsa->thumbprint(), QByteArray(RfcVectors::kThumbprint));
    QCOMPARE(jwks->find(u"ec-a3")->kind(), Key::Kind::EcP256);
    QVERIFY(!jwks->find(u"").has_value()); // the kid-less key is never found by kid
    QVERIFY(!jwks->find(u"2011-04-2").has_value());
    QCOMPARE(jwks->keys().at(2).kind(), Key::Kind::EcP521);
}

void TestJwks::skipsUnsupportedKeys()
{
    QJsonObject enc = m_p256.toJwk();
    enc.insert(QLatin1String("use"), QStringLiteral("enc"));
    enc.insert(QLatin1String("kid"), QStringLiteral("enc-1"));
    QJsonObject small = m_rfcRsa;
    small.insert(QLatin1String("n"), QStringLiteral("AQAB"));
    small.insert(QLatin1String("kid"), QStringLiteral("tiny"));
    QJsonObject duplicate = m_p256.toJwk();
    duplicate.insert(QLatin1String("kid"), QStringLiteral("ec-a3"));
    const QJsonArray keys{
        jsonObject(R"({"kty":"oct","kid":"hmac","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMko"})"),
        m_rfcEc,
        enc,
        jsonObject(
            R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})"),
        small,
        duplicate,
    };
    const auto jwks = Jwks::fromJson(keySet(keys));
    QVERIFY2(jwks.ok(), TestUtil::describe(jwks).constData());
    QCOMPARE(jwks->size(), 1);
    QVERIFY(jwks->find(u"ec-a3")->samePublicKey(*Key::fromJwk(m_rfcEc)));
    const auto &skipped = jwks->skipped();
    QCOMPARE(skipped.size(), 5);
    QCOMPARE(skipped[0].index, 0);
    QCOMPARE(skipped[0].kid, QStringLiteral("hmac"));
    QVERIFY(skipped[0].reason.contains(QLatin1String("\"oct\"")));
    QCOMPARE(skipped[1].kid, QStringLiteral("enc-1"));
    QVERIFY(skipped[1].reason.contains(QLatin1String("\"enc\"")));
    QCOMPARE(skipped[2].index, 3);
    QVERIFY(skipped[2].kid.isEmpty());
    QCOMPARE(skipped[3].kid, QStringLiteral("tiny"));
    QVERIFY(skipped[3].reason.contains(QLatin1String("17 bits")));
    QCOMPARE(skipped[4].index, 5);
    QVERIFY(skipped[4].reason.contains(QLatin1String("repeats")));
}

void TestJwks::toJsonPublishesPublicPartsOnly()
{
    Jwks jwks;
    QVERIFY(jwks.add(m_rsa).ok());
    QVERIFY(jwks.add(m_p256.withKid(QStringLiteral("ec"))).ok());
    const QByteArray json = jwks.toJson();
    for (const char *secret : {"\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\""})
        QVERIFY2(!json.contains(secret), secret);
    const auto reread = Jwks::fromJson(json);
    QVERIFY2(reread.ok(), TestUtil::describe(reread).constData());
    QCOMPARE(reread->size(), 2);
    QVERIFY(!reread->keys().at(0).isPrivate());
    QCOMPARE(reread->keys().at(0).kid(), defaultKid(m_rsa));
    QVERIFY(reread->find(defaultKid(m_rsa))->samePublicKey(m_rsa));
    QVERIFY(reread->find(u"ec")->samePublicKey(m_p256));
    QCOMPARE(reread->toJson(), json);
}

void TestJwks::addAndFind()
{
    Jwks jwks;
    QVERIFY(jwks.isEmpty());
    QVERIFY(jwks.add(m_p256).ok());
    QCOMPARE(jwks.keys().at(0).kid(), QString::fromLatin1(m_p256.thumbprint()));
    EXPECT_ERROR(jwks.add(m_p256), QStringLiteral("invalid_jwks"), QStringLiteral("already"));
    EXPECT_ERROR(jwks.add(m_rsa.withKid(defaultKid(m_p256))), QStringLiteral("invalid_jwks"),
                 QStringLiteral("already"));
    EXPECT_ERROR(jwks.add(Key()), QStringLiteral("invalid_jwks"), QStringLiteral("null"));
    QCOMPARE(jwks.size(), 1);
}

void TestJwks::privateMembersAreDroppedAndReported()
{
    QJsonObject leaked = jsonObject(RfcVectors::kRsaJwk);
    leaked.insert(QLatin1String("kid"), QStringLiteral("leaky"));
    QJsonObject brokenPrivate = jsonObject(RfcVectors::kEs256Jwk);
    brokenPrivate.insert(QLatin1String("d"), QStringLiteral("not*base64"));
    const auto jwks = Jwks::fromJson(keySet({leaked, m_rfcEc, brokenPrivate}));
    QVERIFY2(jwks.ok(), TestUtil::describe(jwks).constData());
    QCOMPARE(jwks->size(), 3);
    for (const Key &key : jwks->keys())
        QVERIFY(!key.isPrivate());
    QCOMPARE(jwks->warnings().size(), 2);
    QVERIFY(jwks->warnings().at(0).contains(
        QLatin1String("keys[0] (kid \"leaky\") publishes private")));
    QVERIFY(jwks->warnings().at(1).startsWith(QLatin1String("keys[2] publishes private")));
    const QByteArray d =
        jsonObject(RfcVectors::kRsaJwk).value(QLatin1String("d")).toString().toLatin1();
    QVERIFY(!jwks->warnings().join(QString()).contains(QString::fromLatin1(d.left(12))));
}

void TestJwks::rejects_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("fragment");
    QJsonObject badPoint = m_rfcEc;
    badPoint.insert(QLatin1String("y"), badPoint.value(QLatin1String("x")));
    QJsonArray many;
    for (int i = 0; i < 65; ++i)
        many.append(m_rfcEc);
    QTest::newRow("empty") << QByteArray() << QStringLiteral("invalid JSON");
    QTest::newRow("not JSON") << QByteArray("keys") << QStringLiteral("invalid JSON");
    QTest::newRow("array") << QByteArray("[]") << QStringLiteral("not an object");
    QTest::newRow("no keys") << QByteArray("{}") << QStringLiteral("no \"keys\"");
    QTest::newRow("keys object") << QByteArray(R"({"keys":{}})") << QStringLiteral("not an array");
    QTest::newRow("keys null") << QByteArray(R"({"keys":null})") << QStringLiteral("not an array");
    QTest::newRow("entry string") << QByteArray(R"({"keys":["x"]})")
                                  << QStringLiteral("keys[0] is not an object");
    QTest::newRow("point off curve")
        << keySet({badPoint}) << QStringLiteral("keys[0] (kid \"ec-a3\")");
    QTest::newRow("bad base64url")
        << QByteArray(R"({"keys":[{"kty":"EC","crv":"P-256","x":"a+b","y":"abc"}]})")
        << QStringLiteral("keys[0]: member \"x\"");
    QTest::newRow("too many keys") << keySet(many) << QStringLiteral("65 keys");
    QTest::newRow("too large") << "{\"keys\":[],\"x\":\"" + QByteArray(300 * 1024, 'a') + "\"}"
                               << QStringLiteral("exceed the limit");
    QTest::newRow("duplicate keys member")
        << QByteArray(R"({"keys":[],"keys":[{"kty":"EC"}]})") << QStringLiteral("duplicate");
    QTest::newRow("duplicate member in a key")
        << QByteArray(R"({"keys":[{"kty":"EC","kty":"RSA"}]})") << QStringLiteral("duplicate");
    QTest::newRow("deep") << "{\"keys\":[],\"x\":" + QByteArray(20, '[') + QByteArray(20, ']') + "}"
                          << QStringLiteral("nesting");
    QTest::newRow("trailing garbage")
        << QByteArray(R"({"keys":[]} {})") << QStringLiteral("invalid JSON");
}

void TestJwks::rejects()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, fragment);
    EXPECT_ERROR(Jwks::fromJson(json), QStringLiteral("invalid_jwks"), fragment);
}

QTEST_GUILESS_MAIN(TestJwks)
#include "tst_jwks.moc"
