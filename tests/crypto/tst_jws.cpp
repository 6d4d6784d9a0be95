#include <atomic>
#include <thread>
#include <vector>

#include <QJsonArray>
#include <QMessageAuthenticationCode>
#include <QTest>

#include "crypto/base64url.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "rfcvectors.h"
#include "testutil.h"

using namespace Crypto;
using TestUtil::jsonObject;

Q_DECLARE_METATYPE(Crypto::JwsAlgorithm)
Q_DECLARE_METATYPE(QList<Crypto::JwsAlgorithm>)

namespace {

QByteArray compact(QByteArrayView header, QByteArrayView payload, QByteArrayView signature)
{
    return base64UrlEncode(header) + '.' + base64UrlEncode(payload) + '.' +
           base64UrlEncode(signature);
}

QByteArray part(const QByteArray &token, int index)
{
    return token.split('.').value(index);
}

QByteArray replacePart(const QByteArray &token, int index, const QByteArray &value)
{
    QList<QByteArray> parts = token.split('.');
    parts[index] = value;
    return parts.join('.');
}

QByteArray decodedSignature(const QByteArray &token)
{
    return base64UrlDecode(part(token, 2)).valueOr({});
}

QByteArray hmacToken(const char *alg, const QByteArray &secret, QCryptographicHash::Algorithm hash)
{
    const QByteArray input = base64UrlEncode(QByteArray("{\"alg\":\"" + QByteArray(alg) + "\"}")) +
                             '.' + base64UrlEncode("{\"sub\":\"admin\"}");
    return input + '.' + base64UrlEncode(QMessageAuthenticationCode::hash(input, secret, hash));
}

} // namespace

class TestJws final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void algorithmNames();
    void rfc7515A2Rs256();
    void rfc7515A3Es256();
    void rfc7515A4Es512();
    void roundTrip_data();
    void roundTrip();
    void signHeader();
    void signRejects();
    void parseCompact();
    void rejects_data();
    void rejects();
    void sharedKeyAcrossThreads();
    void jwksSelection();
    void jwksRejects_data();
    void jwksRejects();

private:
    Key m_rsa;
    Key m_rsaOther;
    Key m_p256;
    Key m_p384;
    Key m_p521;
    Key m_rfcRsa;
    QList<JwsAlgorithm> m_all;
};

void TestJws::initTestCase()
{
    m_rsa = *Key::generate(Key::Kind::Rsa);
    m_rsaOther = *Key::generate(Key::Kind::Rsa);
    m_p256 = *Key::generate(Key::Kind::EcP256);
    m_p384 = *Key::generate(Key::Kind::EcP384);
    m_p521 = *Key::generate(Key::Kind::EcP521);
    const auto rfc = Key::fromJwk(jsonObject(RfcVectors::kRsaJwk));
    QVERIFY2(rfc.ok(), TestUtil::describe(rfc).constData());
    m_rfcRsa = *rfc;
    m_all = allJwsAlgorithms();
    QCOMPARE(m_all.size(), 9);
}

void TestJws::algorithmNames()
{
    for (const JwsAlgorithm alg : m_all)
        QCOMPARE(jwsAlgorithmFromName(jwsAlgorithmName(alg)), std::optional<JwsAlgorithm>(alg));
    for (const char *name : {"none", "HS256", "rs256", "ES256K", "EdDSA", "", "RS256 "})
        QVERIFY2(!jwsAlgorithmFromName(QString::fromLatin1(name)).has_value(), name);
    QCOMPARE(Jws::defaultAlgorithm(m_rsa), JwsAlgorithm::RS256);
    QCOMPARE(Jws::defaultAlgorithm(m_p384), JwsAlgorithm::ES384);
    QCOMPARE(Jws::defaultAlgorithm(m_p521), JwsAlgorithm::ES512);
    QCOMPARE(Jws::defaultAlgorithm(*m_rsa.withAlgorithm(JwsAlgorithm::PS256)), JwsAlgorithm::PS256);
}

void TestJws::rfc7515A2Rs256()
{
    const auto verified =
        Jws::verify(RfcVectors::kRs256Token, m_rfcRsa.publicKey(), {JwsAlgorithm::RS256});
    QVERIFY2(verified.ok(), TestUtil::describe(verified).constData());
    QCOMPARE(verified->payload, QByteArray(RfcVectors::kPayload));
    QCOMPARE(verified->algorithm, JwsAlgorithm::RS256);
    QCOMPARE(verified->header, jsonObject(R"({"alg":"RS256"})"));

    // RSASSA-PKCS1-v1_5 is deterministic: signing the same input reproduces the RFC bytes.
    const auto signedToken = Jws::sign({}, RfcVectors::kPayload, m_rfcRsa, JwsAlgorithm::RS256);
    QVERIFY2(signedToken.ok(), TestUtil::describe(signedToken).constData());
    QCOMPARE(*signedToken, QByteArray(RfcVectors::kRs256Token));
}

void TestJws::rfc7515A3Es256()
{
    const Key key = Key::fromJwk(jsonObject(RfcVectors::kEs256Jwk))->publicKey();
    const auto verified = Jws::verify(RfcVectors::kEs256Token, key, {JwsAlgorithm::ES256});
    QVERIFY2(verified.ok(), TestUtil::describe(verified).constData());
    QCOMPARE(verified->payload, QByteArray(RfcVectors::kPayload));
    QCOMPARE(verified->algorithm, JwsAlgorithm::ES256);
}

void TestJws::rfc7515A4Es512()
{
    const Key key = Key::fromJwk(jsonObject(RfcVectors::kEs512Jwk))->publicKey();
    const auto verified = Jws::verify(RfcVectors::kEs512Token, key, {JwsAlgorithm::ES512});
    QVERIFY2(verified.ok(), TestUtil::describe(verified).constData());
    QCOMPARE(verified->payload, QByteArray("Payload"));
    QCOMPARE(verified->algorithm, JwsAlgorithm::ES512);
}

void TestJws::roundTrip_data()
{
    QTest::addColumn<JwsAlgorithm>("alg");
    QTest::addColumn<Key>("key");
    QTest::addColumn<int>("signatureBytes");
    QTest::newRow("RS256") << JwsAlgorithm::RS256 << m_rsa << 256;
    QTest::newRow("RS384") << JwsAlgorithm::RS384 << m_rsa << 256;
    QTest::newRow("RS512") << JwsAlgorithm::RS512 << m_rsa << 256;
    QTest::newRow("PS256") << JwsAlgorithm::PS256 << m_rsa << 256;
    QTest::newRow("PS384") << JwsAlgorithm::PS384 << m_rsa << 256;
    QTest::newRow("PS512") << JwsAlgorithm::PS512 << m_rsa << 256;
    QTest::newRow("ES256") << JwsAlgorithm::ES256 << m_p256 << 64;
    QTest::newRow("ES384") << JwsAlgorithm::ES384 << m_p384 << 96;
    QTest::newRow("ES512") << JwsAlgorithm::ES512 << m_p521 << 132;
    QTest::newRow("PS256 RFC key") << JwsAlgorithm::PS256 << m_rfcRsa << 256;
}

void TestJws::roundTrip()
{
    QFETCH(JwsAlgorithm, alg);
    QFETCH(Key, key);
    QFETCH(int, signatureBytes);
    for (const QByteArray &payload :
         {QByteArray("{\"sub\":\"alice\"}"), QByteArray(), QByteArray(40000, 'x')}) {
        const auto token =
            Jws::sign({{QStringLiteral("typ"), QStringLiteral("JWT")}}, payload, key, alg);
        QVERIFY2(token.ok(), TestUtil::describe(token).constData());
        QCOMPARE(decodedSignature(*token).size(), signatureBytes);
        const auto verified = Jws::verify(*token, key.publicKey(), {alg});
        QVERIFY2(verified.ok(), TestUtil::describe(verified).constData());
        QCOMPARE(verified->payload, payload);
        QCOMPARE(verified->algorithm, alg);
        QCOMPARE(verified->header.value(QLatin1String("typ")).toString(), QStringLiteral("JWT"));
        QCOMPARE(verified->header.value(QLatin1String("alg")).toString(), jwsAlgorithmName(alg));
        // The private key verifies too, and so does a list with every algorithm.
        QVERIFY(Jws::verify(*token, key, m_all).ok());
    }
}

void TestJws::signHeader()
{
    const Key named = m_p256.withKid(QStringLiteral("key-1"));
    auto token = Jws::sign({{QStringLiteral("alg"), QStringLiteral("none")}}, "x", named,
                           JwsAlgorithm::ES256);
    QVERIFY(token.ok());
    auto parsed = Jws::parseCompact(*token);
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->algorithm, QStringLiteral("ES256")); // the caller's alg is overwritten
    QCOMPARE(parsed->kid, QStringLiteral("key-1"));

    token = Jws::sign({{QStringLiteral("kid"), QStringLiteral("explicit")}}, "x", named,
                      JwsAlgorithm::ES256);
    QCOMPARE(Jws::parseCompact(*token)->kid, QStringLiteral("explicit"));
    token = Jws::sign({}, "x", m_p256, JwsAlgorithm::ES256);
    QVERIFY(!Jws::parseCompact(*token)->header.contains(QLatin1String("kid")));
}

void TestJws::signRejects()
{
    EXPECT_ERROR(Jws::sign({}, "x", m_rsa.publicKey(), JwsAlgorithm::RS256),
                 QStringLiteral("sign_failed"), QStringLiteral("private key"));
    EXPECT_ERROR(Jws::sign({}, "x", m_rsa, JwsAlgorithm::ES256), QStringLiteral("alg_key_mismatch"),
                 QStringLiteral("ES256 needs an EC P-256 key, the key is RSA"));
    EXPECT_ERROR(Jws::sign({}, "x", m_p256, JwsAlgorithm::ES384),
                 QStringLiteral("alg_key_mismatch"), QStringLiteral("P-384"));
    EXPECT_ERROR(Jws::sign({}, "x", m_p384, JwsAlgorithm::PS256),
                 QStringLiteral("alg_key_mismatch"), QStringLiteral("RSA key"));
    EXPECT_ERROR(Jws::sign({}, "x", *m_rsa.withAlgorithm(JwsAlgorithm::RS256), JwsAlgorithm::PS256),
                 QStringLiteral("alg_key_mismatch"), QStringLiteral("restricted to RS256"));
    EXPECT_ERROR(Jws::sign({}, "x", Key(), JwsAlgorithm::RS256), QStringLiteral("alg_key_mismatch"),
                 QStringLiteral("no key"));
}

void TestJws::parseCompact()
{
    const QByteArray token(RfcVectors::kEs256Token);
    const auto parsed = Jws::parseCompact(token);
    QVERIFY2(parsed.ok(), TestUtil::describe(parsed).constData());
    QCOMPARE(parsed->algorithm, QStringLiteral("ES256"));
    QVERIFY(parsed->kid.isEmpty());
    QCOMPARE(parsed->payload, QByteArray(RfcVectors::kPayload));
    QCOMPARE(parsed->signingInput, token.left(token.lastIndexOf('.')));
    QCOMPARE(parsed->signature.size(), 64);
    // parseCompact does not judge the algorithm; verify does.
    const auto none = Jws::parseCompact(compact(R"({"alg":"none"})", "{}", ""));
    QVERIFY2(none.ok(), TestUtil::describe(none).constData());
    QCOMPARE(none->algorithm, QStringLiteral("none"));
    QVERIFY(none->signature.isEmpty());
}

void TestJws::rejects_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<Key>("key");
    QTest::addColumn<QList<JwsAlgorithm>>("allowed");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("fragment");

    const QString malformed = QStringLiteral("malformed");
    const QString notAllowed = QStringLiteral("alg_not_allowed");
    const QString mismatch = QStringLiteral("alg_key_mismatch");
    const QString badSignature = QStringLiteral("bad_signature");
    const QByteArray rs = *Jws::sign({}, "{\"sub\":\"alice\"}", m_rsa, JwsAlgorithm::RS256);
    const QByteArray ps = *Jws::sign({}, "{\"sub\":\"alice\"}", m_rsa, JwsAlgorithm::PS256);
    const QByteArray es = *Jws::sign({}, "{\"sub\":\"alice\"}", m_p256, JwsAlgorithm::ES256);
    const QByteArray es384 = *Jws::sign({}, "{\"sub\":\"alice\"}", m_p384, JwsAlgorithm::ES384);
    const QByteArray publicPem = m_rsa.toPublicPem().valueOr({});
    const QByteArray jwkN = m_rsa.toJwk().value(QLatin1String("n")).toString().toLatin1();
    const Key rsaPub = m_rsa.publicKey();
    const QList<JwsAlgorithm> all = m_all;

    // The algorithm gate.
    QTest::newRow("alg none") << compact(R"({"alg":"none"})", "{\"sub\":\"admin\"}", "") << rsaPub
                              << all << notAllowed << QStringLiteral("\"none\"");
    QTest::newRow("alg None") << compact(R"({"alg":"None"})", "{}", "") << rsaPub << all
                              << notAllowed << QStringLiteral("\"none\"");
    QTest::newRow("alg none with RSA signature")
        << replacePart(rs, 0, base64UrlEncode(R"({"alg":"none"})")) << rsaPub << all << notAllowed
        << QStringLiteral("\"none\"");
    QTest::newRow("HS256 with the PEM as secret")
        << hmacToken("HS256", publicPem, QCryptographicHash::Sha256) << rsaPub << all << notAllowed
        << QStringLiteral("HMAC");
    QTest::newRow("HS256 with n as secret")
        << hmacToken("HS256", jwkN, QCryptographicHash::Sha256) << rsaPub << all << notAllowed
        << QStringLiteral("HMAC");
    QTest::newRow("HS512 with the PEM as secret")
        << hmacToken("HS512", publicPem, QCryptographicHash::Sha512) << rsaPub << all << notAllowed
        << QStringLiteral("HMAC");
    QTest::newRow("HS256 against an EC key")
        << hmacToken("HS256", "secret", QCryptographicHash::Sha256) << m_p256 << all << notAllowed
        << QStringLiteral("HMAC");
    QTest::newRow("unknown alg") << replacePart(es, 0, base64UrlEncode(R"({"alg":"EdDSA"})"))
                                 << m_p256 << all << notAllowed
                                 << QStringLiteral("unsupported alg");
    QTest::newRow("lower-case alg")
        << replacePart(rs, 0, base64UrlEncode(R"({"alg":"rs256"})")) << rsaPub << all << notAllowed
        << QStringLiteral("unsupported alg");
    QTest::newRow("alg outside the list")
        << rs << rsaPub << QList<JwsAlgorithm>{JwsAlgorithm::ES256, JwsAlgorithm::PS256}
        << notAllowed << QStringLiteral("RS256 is not in the allowed list (ES256, PS256)");
    QTest::newRow("empty list") << rs << rsaPub << QList<JwsAlgorithm>{} << notAllowed
                                << QStringLiteral("none allowed");

    // Algorithm and key must agree.
    QTest::newRow("RS256 token, EC key")
        << rs << m_p256 << all << mismatch << QStringLiteral("RS256 needs an RSA key");
    QTest::newRow("PS256 token, EC key")
        << ps << m_p256 << all << mismatch << QStringLiteral("PS256 needs an RSA key");
    QTest::newRow("ES256 token, RSA key")
        << es << rsaPub << all << mismatch << QStringLiteral("ES256 needs an EC P-256 key");
    QTest::newRow("ES256 token, P-384 key")
        << es << m_p384 << all << mismatch << QStringLiteral("the key is EC P-384");
    QTest::newRow("ES384 token, P-256 key")
        << es384 << m_p256 << all << mismatch << QStringLiteral("ES384 needs an EC P-384 key");
    QTest::newRow("ES256 header on P-384 signature")
        << replacePart(es384, 0, base64UrlEncode(R"({"alg":"ES256"})")) << m_p384 << all << mismatch
        << QStringLiteral("ES256 needs an EC P-256 key");
    QTest::newRow("PS256 token, key restricted to RS256")
        << ps << *rsaPub.withAlgorithm(JwsAlgorithm::RS256) << all << mismatch
        << QStringLiteral("restricted to RS256");
    QTest::newRow("null key") << rs << Key() << all << mismatch << QStringLiteral("no key");

    // Structure.
    QTest::newRow("empty") << QByteArray() << rsaPub << all << malformed
                           << QStringLiteral("exactly three parts");
    QTest::newRow("one part") << part(rs, 0) << rsaPub << all << malformed
                              << QStringLiteral("this has 1");
    QTest::newRow("two parts") << rs.left(rs.lastIndexOf('.')) << rsaPub << all << malformed
                               << QStringLiteral("this has 2");
    QTest::newRow("four parts") << rs + ".AAAA" << rsaPub << all << malformed
                                << QStringLiteral("this has 4");
    QTest::newRow("trailing dot") << rs + '.' << rsaPub << all << malformed
                                  << QStringLiteral("this has 4");
    QTest::newRow("JWE-like five parts")
        << QByteArray("a.b.c.d.e") << rsaPub << all << malformed << QStringLiteral("this has 5");
    QTest::newRow("dots only") << QByteArray("..") << rsaPub << all << malformed
                               << QStringLiteral("header part is empty");
    QTest::newRow("padded header") << replacePart(rs, 0, part(rs, 0) + "==") << rsaPub << all
                                   << malformed << QStringLiteral("header part");
    QTest::newRow("padded signature") << replacePart(es, 2, part(es, 2) + "==") << m_p256 << all
                                      << malformed << QStringLiteral("signature part");
    QTest::newRow("standard base64 payload")
        << replacePart(rs, 1, "eyJzdWIiOiJhbGljZT8/In0=") << rsaPub << all << malformed
        << QStringLiteral("payload part");
    QTest::newRow("space in signature") << replacePart(rs, 2, part(rs, 2).insert(10, ' ')) << rsaPub
                                        << all << malformed << QStringLiteral("signature part");
    QTest::newRow("newline after token")
        << rs + '\n'
        << rsaPub << all << malformed << QStringLiteral("signature part");
    // A 16-byte header leaves 4 unused bits in its last character; setting one keeps the
    // decoded bytes but makes the encoding non-canonical.
    QByteArray loose = base64UrlEncode(R"({"alg":"RS256" })");
    loose.back() = static_cast<char>(loose.back() + 1);
    QTest::newRow("non-canonical header tail") << replacePart(rs, 0, loose) << rsaPub << all
                                               << malformed << QStringLiteral("non-canonical");
    QTest::newRow("header not JSON") << compact("alg=RS256", "{}", "x") << rsaPub << all
                                     << malformed << QStringLiteral("header: invalid JSON");
    QTest::newRow("header array") << compact(R"(["alg","RS256"])", "{}", "x") << rsaPub << all
                                  << malformed << QStringLiteral("not an object");
    QTest::newRow("header without alg") << compact(R"({"typ":"JWT"})", "{}", "x") << rsaPub << all
                                        << malformed << QStringLiteral("no \"alg\"");
    QTest::newRow("alg number") << compact(R"({"alg":256})", "{}", "x") << rsaPub << all
                                << malformed << QStringLiteral("\"alg\" is not a string");
    QTest::newRow("alg null") << compact(R"({"alg":null})", "{}", "x") << rsaPub << all << malformed
                              << QStringLiteral("\"alg\" is not a string");
    QTest::newRow("duplicate alg")
        << compact(R"({"alg":"RS256","alg":"none"})", "{}", "x") << rsaPub << all << malformed
        << QStringLiteral("duplicate member name \"alg\"");
    QTest::newRow("duplicate alg, escaped")
        << compact(R"({"alg":"RS256","\u0061lg":"none"})", "{}", "x") << rsaPub << all << malformed
        << QStringLiteral("duplicate member name \"alg\"");
    QTest::newRow("crit") << compact(R"({"alg":"RS256","crit":["exp"],"exp":1})", "{}", "x")
                          << rsaPub << all << malformed << QStringLiteral("crit");
    QTest::newRow("crit b64") << compact(R"({"alg":"RS256","b64":false,"crit":["b64"]})", "{}", "x")
                              << rsaPub << all << malformed << QStringLiteral("crit");
    QTest::newRow("kid number") << compact(R"({"alg":"RS256","kid":1})", "{}", "x") << rsaPub << all
                                << malformed << QStringLiteral("\"kid\" is not a string");
    QTest::newRow("deep header") << compact(QByteArray(
                                                "{\"alg\":\"RS256\",\"x\":" + QByteArray(40, '[') +
                                                QByteArray(40, ']') + "}"),
                                            "{}", "x")
                                 << rsaPub << all << malformed << QStringLiteral("nesting deeper");
    QTest::newRow("header with trailing garbage")
        << compact(R"({"alg":"RS256"}x)", "{}", "x") << rsaPub << all << malformed
        << QStringLiteral("invalid JSON");
    QTest::newRow("huge token") << rs + QByteArray(70 * 1024, 'A') << rsaPub << all << malformed
                                << QStringLiteral("exceeds the limit");
    QTest::newRow("huge header") << compact(QByteArray("{\"alg\":\"RS256\",\"x\":\"" +
                                                       QByteArray(60000, 'a') + "\"}"),
                                            "{}", "x")
                                 << rsaPub << all << malformed
                                 << QStringLiteral("exceeds the limit");

    // Signatures.
    QTest::newRow("tampered payload")
        << replacePart(rs, 1, base64UrlEncode("{\"sub\":\"admin\"}")) << rsaPub << all
        << badSignature << QStringLiteral("does not verify");
    QTest::newRow("tampered header")
        << replacePart(rs, 0, base64UrlEncode(R"({"alg":"RS256","kid":"x"})")) << rsaPub << all
        << badSignature << QStringLiteral("does not verify");
    QTest::newRow("RS256 relabelled PS256")
        << replacePart(rs, 0, base64UrlEncode(R"({"alg":"PS256"})")) << rsaPub << all
        << badSignature << QStringLiteral("PS256 signature does not verify");
    QByteArray flipped = decodedSignature(rs);
    flipped[100] = static_cast<char>(flipped[100] ^ 0x01);
    QTest::newRow("tampered RSA signature")
        << replacePart(rs, 2, base64UrlEncode(flipped)) << rsaPub << all << badSignature
        << QStringLiteral("does not verify");
    QTest::newRow("truncated RSA signature")
        << replacePart(rs, 2, base64UrlEncode(decodedSignature(rs).chopped(1))) << rsaPub << all
        << badSignature << QStringLiteral("does not verify");
    QTest::newRow("empty RSA signature") << replacePart(rs, 2, "") << rsaPub << all << badSignature
                                         << QStringLiteral("does not verify");
    QTest::newRow("other RSA key")
        << rs << m_rsaOther.publicKey() << all << badSignature << QStringLiteral("does not verify");
    QByteArray esFlipped = decodedSignature(es);
    esFlipped[40] = static_cast<char>(esFlipped[40] ^ 0x80);
    QTest::newRow("tampered ES signature")
        << replacePart(es, 2, base64UrlEncode(esFlipped)) << m_p256 << all << badSignature
        << QStringLiteral("does not verify");
    QTest::newRow("ES256 signature 63 octets")
        << replacePart(es, 2, base64UrlEncode(decodedSignature(es).chopped(1))) << m_p256 << all
        << badSignature << QStringLiteral("must be 64 octets (R||S), got 63");
    QTest::newRow("ES256 signature 65 octets")
        << replacePart(es, 2, base64UrlEncode(QByteArray(decodedSignature(es) + '\0'))) << m_p256
        << all << badSignature << QStringLiteral("must be 64 octets (R||S), got 65");
    QTest::newRow("ES256 signature as DER")
        << replacePart(es, 2, base64UrlEncode(QByteArray(71, '\x30'))) << m_p256 << all
        << badSignature << QStringLiteral("got 71");
    QTest::newRow("ES256 empty signature")
        << replacePart(es, 2, "") << m_p256 << all << badSignature << QStringLiteral("got 0");
    QTest::newRow("ES256 zero R and S")
        << replacePart(es, 2, base64UrlEncode(QByteArray(64, '\0'))) << m_p256 << all
        << badSignature << QStringLiteral("does not verify");
    QTest::newRow("ES256 R and S all ones")
        << replacePart(es, 2, base64UrlEncode(QByteArray(64, '\xff'))) << m_p256 << all
        << badSignature << QStringLiteral("does not verify");
    QTest::newRow("ES512 signature 130 octets")
        << compact(R"({"alg":"ES512"})", "{}", QByteArray(130, '\x01')) << m_p521 << all
        << badSignature << QStringLiteral("must be 132 octets");
    // Keys named by the token itself (jwk, jku, x5u) are never used.
    const Key attacker = *Key::generate(Key::Kind::EcP256);
    QTest::newRow("embedded jwk header")
        << *Jws::sign({{QStringLiteral("jwk"), attacker.toJwk()},
                       {QStringLiteral("jku"), QStringLiteral("https://attacker.example/jwks")}},
                      "{\"sub\":\"admin\"}", attacker, JwsAlgorithm::ES256)
        << m_p256 << all << badSignature << QStringLiteral("does not verify");
    QTest::newRow("other EC key") << es << *Key::generate(Key::Kind::EcP256) << all << badSignature
                                  << QStringLiteral("does not verify");
}

void TestJws::rejects()
{
    QFETCH(QByteArray, token);
    QFETCH(Key, key);
    QFETCH(QList<JwsAlgorithm>, allowed);
    QFETCH(QString, code);
    QFETCH(QString, fragment);
    const auto result = Jws::verify(token, key, allowed);
    EXPECT_ERROR(result, code, fragment);
    // The token never appears whole in the message.
    if (token.size() > 40)
        QVERIFY(!result.error().message.contains(QString::fromLatin1(token.left(40))));
}

void TestJws::sharedKeyAcrossThreads()
{
    // Copies of one Key share an EVP_PKEY; servers sign and verify with it from many threads.
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            const Key key = t % 2 == 0 ? m_rsa : m_p256;
            const JwsAlgorithm alg = t % 2 == 0 ? JwsAlgorithm::PS256 : JwsAlgorithm::ES256;
            for (int i = 0; i < 40; ++i) {
                const QByteArray payload = QByteArray::number(t * 1000 + i);
                const auto token = Jws::sign({}, payload, key, alg);
                const auto verified = token ? Jws::verify(*token, key.publicKey(), {alg})
                                            : Core::Result<VerifiedJws>(token.error());
                if (!verified || verified->payload != payload)
                    ++failures;
            }
        });
    }
    for (auto &thread : threads)
        thread.join();
    QCOMPARE(failures.load(), 0);
}

void TestJws::jwksSelection()
{
    Jwks jwks;
    QVERIFY(jwks.add(m_rsa.withKid(QStringLiteral("rsa-1"))).ok());
    QVERIFY(jwks.add(m_rsaOther.withKid(QStringLiteral("rsa-2"))).ok());
    QVERIFY(jwks.add(m_p256.withKid(QStringLiteral("ec-1"))).ok());
    QVERIFY(jwks.add(m_p384).ok()); // kid = thumbprint

    const auto token =
        Jws::sign({}, "hello", m_rsaOther.withKid(QStringLiteral("rsa-2")), JwsAlgorithm::PS384);
    auto verified = Jws::verifyWithJwks(*token, jwks, m_all);
    QVERIFY2(verified.ok(), TestUtil::describe(verified).constData());
    QCOMPARE(verified->kid, QStringLiteral("rsa-2"));
    QVERIFY(verified->key.samePublicKey(m_rsaOther));

    // No kid: every RSA key is tried, the second one verifies.
    const auto noKid = Jws::sign({}, "hello", m_rsaOther, JwsAlgorithm::RS256);
    verified = Jws::verifyWithJwks(*noKid, jwks, m_all);
    QVERIFY2(verified.ok(), TestUtil::describe(verified).constData());
    QVERIFY(verified->key.samePublicKey(m_rsaOther));

    // The kid of a thumbprint-named key.
    const auto byThumbprint =
        Jws::sign({}, "hello", m_p384.withKid(defaultKid(m_p384)), JwsAlgorithm::ES384);
    QVERIFY(Jws::verifyWithJwks(*byThumbprint, jwks, m_all).ok());

    // A JWKS that went through JSON (public keys only) verifies the same way.
    const auto reread = Jwks::fromJson(jwks.toJson());
    QVERIFY2(reread.ok(), TestUtil::describe(reread).constData());
    QVERIFY(Jws::verifyWithJwks(*token, *reread, m_all).ok());
}

void TestJws::jwksRejects_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("fragment");
    const Key rsa1 = m_rsa.withKid(QStringLiteral("rsa-1"));
    QTest::newRow("unknown kid") << *Jws::sign({}, "x", m_rsa.withKid(QStringLiteral("rsa-9")),
                                               JwsAlgorithm::RS256)
                                 << QStringLiteral("unknown_kid") << QStringLiteral("\"rsa-9\"");
    QTest::newRow("empty kid") << *Jws::sign({{QStringLiteral("kid"), QString()}}, "x", m_rsa,
                                             JwsAlgorithm::RS256)
                               << QStringLiteral("unknown_kid") << QString();
    QTest::newRow("kid of an RSA key, ES256 token")
        << *Jws::sign({{QStringLiteral("kid"), QStringLiteral("rsa-1")}}, "x", m_p256,
                      JwsAlgorithm::ES256)
        << QStringLiteral("alg_key_mismatch") << QStringLiteral("ES256 needs an EC P-256 key");
    QTest::newRow("no kid, no key of that type")
        << *Jws::sign({}, "x", m_p521, JwsAlgorithm::ES512) << QStringLiteral("no_matching_key")
        << QStringLiteral("EC P-521");
    QTest::newRow("no kid, no key verifies")
        << *Jws::sign({}, "x", *Key::generate(Key::Kind::EcP256), JwsAlgorithm::ES256)
        << QStringLiteral("bad_signature") << QStringLiteral("none of the 1 candidate");
    QTest::newRow("right kid, wrong key")
        << *Jws::sign({{QStringLiteral("kid"), QStringLiteral("rsa-1")}}, "x", m_rsaOther,
                      JwsAlgorithm::RS256)
        << QStringLiteral("bad_signature") << QStringLiteral("does not verify");
    QTest::newRow("alg none") << compact(R"({"alg":"none","kid":"rsa-1"})", "{}", "")
                              << QStringLiteral("alg_not_allowed") << QStringLiteral("\"none\"");
    QTest::newRow("HS256, public PEM as secret")
        << hmacToken("HS256", m_rsa.toPublicPem().valueOr({}), QCryptographicHash::Sha256)
        << QStringLiteral("alg_not_allowed") << QStringLiteral("HMAC");
    QTest::newRow("malformed") << QByteArray("a.b") << QStringLiteral("malformed") << QString();
}

void TestJws::jwksRejects()
{
    QFETCH(QByteArray, token);
    QFETCH(QString, code);
    QFETCH(QString, fragment);
    Jwks jwks;
    QVERIFY(jwks.add(m_rsa.withKid(QStringLiteral("rsa-1"))).ok());
    QVERIFY(jwks.add(m_p256.withKid(QStringLiteral("ec-1"))).ok());
    EXPECT_ERROR(Jws::verifyWithJwks(token, jwks, m_all), code, fragment);
}

QTEST_GUILESS_MAIN(TestJws)
#include "tst_jws.moc"
