#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "crypto/base64url.h"
#include "crypto/key.h"
#include "rfcvectors.h"
#include "testutil.h"

using namespace Crypto;
using TestUtil::jsonObject;

Q_DECLARE_METATYPE(Crypto::Key::Kind)

namespace {

/// PEM of `pkey` written by OpenSSL directly, in a form Key itself never writes.
enum class PemForm { Traditional, EncryptedPkcs8 };
QByteArray opensslPem(EVP_PKEY *pkey, PemForm form)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = 0;
    if (form == PemForm::Traditional) {
        ok = PEM_write_bio_PrivateKey_traditional(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    } else {
        static char passphrase[] = "correct horse";
        ok = PEM_write_bio_PKCS8PrivateKey(bio, pkey, EVP_aes_256_cbc(), passphrase,
                                           static_cast<int>(sizeof passphrase - 1), nullptr,
                                           nullptr);
    }
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray out = ok == 1 ? QByteArray(data, size) : QByteArray();
    BIO_free(bio);
    return out;
}

/// PKCS#8 PEM of a fresh key of a type or curve Key does not support.
QByteArray foreignPem(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    QByteArray pem(data, size);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return pem;
}

const QJsonValue kRemove(QJsonValue::Undefined);

QJsonObject withMember(QJsonObject o, const char *name, const QJsonValue &value)
{
    if (value.isUndefined())
        o.remove(QLatin1String(name));
    else
        o.insert(QLatin1String(name), value);
    return o;
}

QString b64(const QByteArray &raw)
{
    return QString::fromLatin1(base64UrlEncode(raw));
}

QByteArray member(const QJsonObject &jwk, const char *name)
{
    return base64UrlDecode(jwk.value(QLatin1String(name)).toString().toLatin1()).valueOr({});
}

} // namespace

class TestKey final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void generate_data();
    void generate();
    void generateRejects_data();
    void generateRejects();
    void copiesShareTheHandle();
    void pemRoundTrip_data();
    void pemRoundTrip();
    void traditionalPem_data();
    void traditionalPem();
    void pemRejects_data();
    void pemRejects();
    void savePrivatePem();
    void savePrivatePemErrors();
    void jwkRoundTrip_data();
    void jwkRoundTrip();
    void ecCoordinatesArePadded();
    void rfc7638Thumbprint();
    void rfc7515Keys();
    void jwkMetadata();
    void jwkRejects_data();
    void jwkRejects();

private:
    Key m_rsa;
    Key m_p256;
    Key m_p384;
    Key m_p521;
    QJsonObject m_rsaJwk; // RFC 7515 A.2, private
    QJsonObject m_ecJwk;  // RFC 7515 A.3, private
    QTemporaryDir m_dir;
};

void TestKey::initTestCase()
{
    QVERIFY(m_dir.isValid());
    auto rsa = Key::generate(Key::Kind::Rsa);
    QVERIFY2(rsa.ok(), TestUtil::describe(rsa).constData());
    m_rsa = *rsa;
    m_p256 = *Key::generate(Key::Kind::EcP256);
    m_p384 = *Key::generate(Key::Kind::EcP384);
    m_p521 = *Key::generate(Key::Kind::EcP521);
    m_rsaJwk = jsonObject(RfcVectors::kRsaJwk);
    m_ecJwk = jsonObject(RfcVectors::kEs256Jwk);
}

void TestKey::generate_data()
{
    QTest::addColumn<Key::Kind>("kind");
    QTest::addColumn<int>("bits");
    QTest::newRow("P-256") << Key::Kind::EcP256 << 256;
    QTest::newRow("P-384") << Key::Kind::EcP384 << 384;
    QTest::newRow("P-521") << Key::Kind::EcP521 << 521;
    QTest::newRow("RSA 3072") << Key::Kind::Rsa << 3072;
}

void TestKey::generate()
{
    QFETCH(Key::Kind, kind);
    QFETCH(int, bits);
    const auto key = Key::generate(kind, kind == Key::Kind::Rsa ? bits : 2048);
    QVERIFY2(key.ok(), TestUtil::describe(key).constData());
    QCOMPARE(key->kind(), kind);
    QCOMPARE(key->bits(), bits);
    QVERIFY(key->isPrivate());
    QVERIFY(!key->isNull());
    QCOMPARE(key->isRsa(), kind == Key::Kind::Rsa);
    QCOMPARE(key->isEc(), kind != Key::Kind::Rsa);
    const Key pub = key->publicKey();
    QVERIFY(!pub.isPrivate());
    QCOMPARE(pub.kind(), kind);
    QVERIFY(pub.samePublicKey(*key));
    QVERIFY(!pub.samePublicKey(m_p256));
}

void TestKey::generateRejects_data()
{
    QTest::addColumn<Key::Kind>("kind");
    QTest::addColumn<int>("bits");
    QTest::newRow("RSA 1024") << Key::Kind::Rsa << 1024;
    QTest::newRow("RSA 2047") << Key::Kind::Rsa << 2047;
    QTest::newRow("RSA 16384") << Key::Kind::Rsa << 16384;
    QTest::newRow("none") << Key::Kind::None << 2048;
}

void TestKey::generateRejects()
{
    QFETCH(Key::Kind, kind);
    QFETCH(int, bits);
    EXPECT_ERROR(Key::generate(kind, bits), QStringLiteral("unsupported_key"), QString());
}

void TestKey::copiesShareTheHandle()
{
    const Key copy = m_p256;
    QCOMPARE(copy.nativeHandle(), m_p256.nativeHandle());
    const Key named = m_p256.withKid(QStringLiteral("k1"));
    QCOMPARE(named.nativeHandle(), m_p256.nativeHandle());
    QCOMPARE(named.kid(), QStringLiteral("k1"));
    QVERIFY(m_p256.kid().isEmpty());
    QVERIFY(Key().isNull());
    EXPECT_ERROR(Key().toPublicPem(), QStringLiteral("invalid_key"), QString());
    QVERIFY(Key().toJwk().isEmpty());
    QVERIFY(Key().thumbprint().isEmpty());
}

void TestKey::pemRoundTrip_data()
{
    QTest::addColumn<Key>("key");
    QTest::newRow("RSA") << m_rsa;
    QTest::newRow("P-256") << m_p256;
    QTest::newRow("P-384") << m_p384;
    QTest::newRow("P-521") << m_p521;
}

void TestKey::pemRoundTrip()
{
    QFETCH(Key, key);
    const auto privatePem = key.toPrivatePem();
    QVERIFY2(privatePem.ok(), TestUtil::describe(privatePem).constData());
    QVERIFY(privatePem->startsWith("-----BEGIN PRIVATE KEY-----"));
    const auto reread = Key::fromPem(*privatePem);
    QVERIFY2(reread.ok(), TestUtil::describe(reread).constData());
    QVERIFY(reread->isPrivate());
    QCOMPARE(reread->kind(), key.kind());
    QVERIFY(reread->samePublicKey(key));
    QCOMPARE(reread->toJwk(true), key.toJwk(true));

    const auto publicPem = key.toPublicPem();
    QVERIFY2(publicPem.ok(), TestUtil::describe(publicPem).constData());
    QVERIFY(publicPem->startsWith("-----BEGIN PUBLIC KEY-----"));
    const auto pub = Key::fromPem(*publicPem);
    QVERIFY2(pub.ok(), TestUtil::describe(pub).constData());
    QVERIFY(!pub->isPrivate());
    QVERIFY(pub->samePublicKey(key));
    EXPECT_ERROR(pub->toPrivatePem(), QStringLiteral("invalid_key"), QStringLiteral("public key"));
    QCOMPARE(key.publicKey().toPublicPem().valueOr({}), *publicPem);
}

void TestKey::traditionalPem_data()
{
    pemRoundTrip_data();
}

void TestKey::traditionalPem()
{
    QFETCH(Key, key);
    const QByteArray pem = opensslPem(key.nativeHandle(), PemForm::Traditional);
    QVERIFY(pem.startsWith(key.isRsa() ? "-----BEGIN RSA PRIVATE KEY-----"
                                       : "-----BEGIN EC PRIVATE KEY-----"));
    const auto reread = Key::fromPem(pem);
    QVERIFY2(reread.ok(), TestUtil::describe(reread).constData());
    QVERIFY(reread->isPrivate());
    QVERIFY(reread->samePublicKey(key));
}

void TestKey::pemRejects_data()
{
    QTest::addColumn<QByteArray>("pem");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("fragment");
    const QByteArray good = m_p256.toPrivatePem().valueOr({});
    QTest::newRow("empty") << QByteArray() << QStringLiteral("invalid_key")
                           << QStringLiteral("no PEM block");
    QTest::newRow("text") << QByteArray("hello") << QStringLiteral("invalid_key")
                          << QStringLiteral("no PEM block");
    QTest::newRow("certificate") << QByteArray("-----BEGIN CERTIFICATE-----\nMIIB\n-----END "
                                               "CERTIFICATE-----\n")
                                 << QStringLiteral("invalid_key") << QStringLiteral("no PEM block");
    QTest::newRow("truncated") << good.left(good.size() / 2) << QStringLiteral("invalid_key")
                               << QStringLiteral("unreadable");
    QByteArray corrupted = good;
    corrupted[40] = '*';
    QTest::newRow("bad base64 body")
        << corrupted << QStringLiteral("invalid_key") << QStringLiteral("unreadable");
    QTest::newRow("public header, private body")
        << QByteArray(good).replace("PRIVATE KEY", "PUBLIC KEY") << QStringLiteral("invalid_key")
        << QStringLiteral("unreadable");
    QTest::newRow("encrypted PKCS#8")
        << opensslPem(m_p256.nativeHandle(), PemForm::EncryptedPkcs8)
        << QStringLiteral("unsupported_key") << QStringLiteral("encrypted");
    QTest::newRow("Ed25519") << foreignPem(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"))
                             << QStringLiteral("unsupported_key") << QStringLiteral("ED25519");
    QTest::newRow("secp256k1") << foreignPem(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"))
                               << QStringLiteral("unsupported_key") << QStringLiteral("secp256k1");
    QTest::newRow("RSA 1024") << foreignPem(
                                     EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}))
                              << QStringLiteral("unsupported_key") << QStringLiteral("1024 bits");
    QTest::newRow("huge") << QByteArray(70000, 'A') << QStringLiteral("invalid_key")
                          << QStringLiteral("exceeds");
}

void TestKey::pemRejects()
{
    QFETCH(QByteArray, pem);
    QFETCH(QString, code);
    QFETCH(QString, fragment);
    EXPECT_ERROR(Key::fromPem(pem), code, fragment);
}

void TestKey::savePrivatePem()
{
    const QString path = m_dir.filePath(QStringLiteral("signing.pem"));
    // An existing, world-readable file must end up 0600 too.
    QFile existing(path);
    QVERIFY(existing.open(QIODevice::WriteOnly));
    existing.write("old");
    existing.close();
    QVERIFY(existing.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                    QFileDevice::ReadGroup | QFileDevice::ReadOther));

    const auto saved = m_p384.savePrivatePem(path);
    QVERIFY2(saved.ok(), TestUtil::describe(saved).constData());
    const QFile::Permissions expected = QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                        QFileDevice::ReadUser | QFileDevice::WriteUser;
    QCOMPARE(QFile::permissions(path), expected);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const auto reread = Key::fromPem(file.readAll());
    QVERIFY2(reread.ok(), TestUtil::describe(reread).constData());
    QVERIFY(reread->samePublicKey(m_p384));
    // No temporary file left behind.
    QCOMPARE(QDir(m_dir.path()).entryList(QDir::Files), QStringList{QStringLiteral("signing.pem")});
}

void TestKey::savePrivatePemErrors()
{
    EXPECT_ERROR(m_p256.publicKey().savePrivatePem(m_dir.filePath(QStringLiteral("pub.pem"))),
                 QStringLiteral("invalid_key"), QStringLiteral("public key"));
    QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("pub.pem"))));
    EXPECT_ERROR(m_p256.savePrivatePem(m_dir.filePath(QStringLiteral("missing/dir/key.pem"))),
                 QStringLiteral("key_error"), QStringLiteral("cannot write"));
}

void TestKey::jwkRoundTrip_data()
{
    pemRoundTrip_data();
}

void TestKey::jwkRoundTrip()
{
    QFETCH(Key, key);
    const QJsonObject pub = key.toJwk();
    for (const char *secret : {"d", "p", "q", "dp", "dq", "qi"})
        QVERIFY2(!pub.contains(QLatin1String(secret)), secret);
    const QJsonObject priv = key.toJwk(true);
    QVERIFY(priv.contains(QLatin1String("d")));
    if (key.isRsa()) {
        for (const char *crt : {"p", "q", "dp", "dq", "qi"})
            QVERIFY2(priv.contains(QLatin1String(crt)), crt);
    }

    const auto fromPublic = Key::fromJwk(pub);
    QVERIFY2(fromPublic.ok(), TestUtil::describe(fromPublic).constData());
    QVERIFY(!fromPublic->isPrivate());
    QVERIFY(fromPublic->samePublicKey(key));
    QCOMPARE(fromPublic->toJwk(), pub);
    QCOMPARE(fromPublic->thumbprint(), key.thumbprint());

    const auto fromPrivate = Key::fromJwk(priv);
    QVERIFY2(fromPrivate.ok(), TestUtil::describe(fromPrivate).constData());
    QVERIFY(fromPrivate->isPrivate());
    QCOMPARE(fromPrivate->toJwk(true), priv);
    QCOMPARE(key.publicKey().toJwk(true), pub);
}

void TestKey::ecCoordinatesArePadded()
{
    // P-521 coordinates always have a leading octet of 0 or 1; P-256 ones have a leading
    // zero octet about once in 128 keys. Both must be left-padded to the field size.
    for (const char *name : {"x", "y", "d"})
        QCOMPARE(member(m_p521.toJwk(true), name).size(), 66);
    bool sawLeadingZero = false;
    for (int i = 0; i < 4000 && !sawLeadingZero; ++i) {
        const Key key = *Key::generate(Key::Kind::EcP256);
        const QJsonObject jwk = key.toJwk(true);
        for (const char *name : {"x", "y", "d"}) {
            const QByteArray v = member(jwk, name);
            QCOMPARE(v.size(), 32);
            if (v.front() == '\0') {
                sawLeadingZero = true;
                const auto back = Key::fromJwk(jwk);
                QVERIFY2(back.ok(), TestUtil::describe(back).constData());
                QVERIFY(back->samePublicKey(key));
            }
        }
    }
    QVERIFY(sawLeadingZero);
}

void TestKey::rfc7638Thumbprint()
{
    const auto key = Key::fromJwk(jsonObject(RfcVectors::kThumbprintJwk));
    QVERIFY2(key.ok(), TestUtil::describe(key).constData());
    QCOMPARE(key->thumbprint(), QByteArray(RfcVectors::kThumbprint));
    QCOMPARE(key->kid(), QStringLiteral("2011-04-29"));
    QCOMPARE(key->algorithm(), std::optional<JwsAlgorithm>(JwsAlgorithm::RS256));
    QCOMPARE(key->bits(), 2048);
    // Optional members do not change it; private members do not either.
    QCOMPARE(key->withKid(QStringLiteral("other")).thumbprint(), key->thumbprint());
    const Key a2 = *Key::fromJwk(jsonObject(RfcVectors::kRsaJwk));
    QCOMPARE(a2.thumbprint(), a2.publicKey().thumbprint());
    QVERIFY(a2.thumbprint() != key->thumbprint());
    QCOMPARE(m_p256.thumbprint().size(), 43);
}

void TestKey::rfc7515Keys()
{
    const auto rsa = Key::fromJwk(m_rsaJwk);
    QVERIFY2(rsa.ok(), TestUtil::describe(rsa).constData());
    QVERIFY(rsa->isPrivate());
    QCOMPARE(rsa->kind(), Key::Kind::Rsa);
    QCOMPARE(rsa->bits(), 2048);
    QCOMPARE(rsa->toJwk(true), m_rsaJwk);

    const auto ec = Key::fromJwk(m_ecJwk);
    QVERIFY2(ec.ok(), TestUtil::describe(ec).constData());
    QVERIFY(ec->isPrivate());
    QCOMPARE(ec->kind(), Key::Kind::EcP256);
    QCOMPARE(ec->toJwk(true), m_ecJwk);

    const auto p521 = Key::fromJwk(jsonObject(RfcVectors::kEs512Jwk));
    QVERIFY2(p521.ok(), TestUtil::describe(p521).constData());
    QCOMPARE(p521->kind(), Key::Kind::EcP521);
    QCOMPARE(p521->bits(), 521);
}

void TestKey::jwkMetadata()
{
    QJsonObject jwk = m_ecJwk;
    jwk.insert(QLatin1String("use"), QStringLiteral("sig"));
    jwk.insert(QLatin1String("key_ops"),
               QJsonArray{QStringLiteral("sign"), QStringLiteral("verify")});
    jwk.insert(QLatin1String("alg"), QStringLiteral("ES256"));
    jwk.insert(QLatin1String("kid"), QStringLiteral("ec-1"));
    const auto key = Key::fromJwk(jwk);
    QVERIFY2(key.ok(), TestUtil::describe(key).constData());
    QCOMPARE(key->kid(), QStringLiteral("ec-1"));
    QCOMPARE(key->algorithm(), std::optional<JwsAlgorithm>(JwsAlgorithm::ES256));
    const QJsonObject out = key->toJwk();
    QCOMPARE(out.value(QLatin1String("use")).toString(), QStringLiteral("sig"));
    QCOMPARE(out.value(QLatin1String("alg")).toString(), QStringLiteral("ES256"));
    QCOMPARE(out.value(QLatin1String("kid")).toString(), QStringLiteral("ec-1"));
    QCOMPARE(key->publicKey().kid(), QStringLiteral("ec-1"));

    EXPECT_ERROR(m_p256.withAlgorithm(JwsAlgorithm::ES384), QStringLiteral("unsupported_key"),
                 QStringLiteral("ES384"));
    EXPECT_ERROR(m_p256.withAlgorithm(JwsAlgorithm::RS256), QStringLiteral("unsupported_key"),
                 QString());
    QVERIFY(m_rsa.withAlgorithm(JwsAlgorithm::PS512).ok());
    QVERIFY(m_p521.supports(JwsAlgorithm::ES512));
    QVERIFY(!m_p521.supports(JwsAlgorithm::ES256));
}

void TestKey::jwkRejects_data()
{
    QTest::addColumn<QJsonObject>("jwk");
    QTest::addColumn<QString>("code");
    QTest::addColumn<QString>("fragment");
    const QString invalid = QStringLiteral("invalid_key");
    const QString unsupported = QStringLiteral("unsupported_key");
    const QJsonObject rsaPub = withMember(jsonObject(RfcVectors::kThumbprintJwk), "alg", kRemove);
    const QJsonObject rsa = m_rsaJwk;
    const QJsonObject ec = m_ecJwk;
    const QJsonObject ecPub = withMember(ec, "d", kRemove);
    const QString n = rsaPub.value(QLatin1String("n")).toString();
    const QString y = ec.value(QLatin1String("y")).toString();

    QTest::newRow("no kty") << withMember(rsaPub, "kty", kRemove) << invalid
                            << QStringLiteral("\"kty\"");
    QTest::newRow("kty number") << withMember(rsaPub, "kty", 1) << invalid
                                << QStringLiteral("\"kty\" must be a string");
    QTest::newRow("kty lower-case") << withMember(rsaPub, "kty", QStringLiteral("rsa"))
                                    << unsupported << QStringLiteral("\"rsa\"");
    QTest::newRow("kty oct") << jsonObject(
                                    R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMko"})")
                             << unsupported << QStringLiteral("\"oct\"");
    QTest::newRow("kty OKP")
        << jsonObject(
               R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})")
        << unsupported << QStringLiteral("\"OKP\"");

    QTest::newRow("RSA no n") << withMember(rsaPub, "n", kRemove) << invalid
                              << QStringLiteral("\"n\" is missing");
    QTest::newRow("RSA no e") << withMember(rsaPub, "e", kRemove) << invalid
                              << QStringLiteral("\"e\" is missing");
    QTest::newRow("RSA n number") << withMember(rsaPub, "n", 12345) << invalid
                                  << QStringLiteral("must be a string");
    QTest::newRow("RSA n empty") << withMember(rsaPub, "n", QString()) << invalid
                                 << QStringLiteral("empty");
    QTest::newRow("RSA n padded") << withMember(rsaPub, "n", QString(n + QStringLiteral("=")))
                                  << invalid << QStringLiteral("'='");
    QTest::newRow("RSA n standard base64")
        << withMember(rsaPub, "n", QString(n).replace(QLatin1Char('_'), QLatin1Char('/')))
        << invalid << QStringLiteral("'/'");
    QTest::newRow("RSA n with space")
        << withMember(rsaPub, "n", QString(n.left(10) + QLatin1Char(' ') + n.mid(10))) << invalid
        << QStringLiteral("0x20");
    QTest::newRow("RSA n non-ASCII")
        << withMember(rsaPub, "n", QString(n.left(10) + QChar(0x00e9) + n.mid(11))) << invalid
        << QStringLiteral("0xe9");
    // 2048-bit n is 256 octets = 342 characters with 4 unused low bits in the last one.
    QTest::newRow("RSA n non-canonical")
        << withMember(rsaPub, "n", QString(n.left(n.size() - 1) + QLatin1Char('x'))) << invalid
        << QStringLiteral("non-canonical");
    QTest::newRow("RSA 1024-bit n")
        << withMember(rsaPub, "n", b64(QByteArray(127, '\xff') + '\x01')) << unsupported
        << QStringLiteral("1024 bits");
    QTest::newRow("RSA 16384-bit n") << withMember(rsaPub, "n", b64(QByteArray(2048, '\xff')))
                                     << unsupported << QStringLiteral("16384 bits");
    QTest::newRow("RSA n leading zero") << withMember(rsaPub, "n", b64('\0' + member(rsaPub, "n")))
                                        << invalid << QStringLiteral("leading zero");
    QTest::newRow("RSA n even") << withMember(rsaPub, "n", b64(QByteArray(256, '\xfe'))) << invalid
                                << QStringLiteral("even");
    QTest::newRow("RSA e even") << withMember(rsaPub, "e", b64(QByteArray("\x01\x00\x00", 3)))
                                << invalid << QStringLiteral("exponent");
    QTest::newRow("RSA e one") << withMember(rsaPub, "e", b64("\x01")) << invalid
                               << QStringLiteral("exponent");
    QTest::newRow("RSA e 72 bits") << withMember(rsaPub, "e", b64(QByteArray(9, '\x01'))) << invalid
                                   << QStringLiteral("exponent");
    QTest::newRow("RSA e leading zero")
        << withMember(rsaPub, "e", b64(QByteArray("\x00\x01\x00\x01", 4))) << invalid
        << QStringLiteral("leading zero");
    QTest::newRow("RSA oth") << withMember(rsa, "oth", QJsonArray{}) << unsupported
                             << QStringLiteral("multi-prime");
    QTest::newRow("RSA d with only p")
        << withMember(
               withMember(withMember(withMember(rsa, "q", kRemove), "dp", kRemove), "dq", kRemove),
               "qi", kRemove)
        << invalid << QStringLiteral("all of p, q, dp, dq, qi");
    QTest::newRow("RSA p without d")
        << withMember(rsa, "d", kRemove) << invalid << QStringLiteral("no \"d\"");
    QString wrongD = rsa.value(QLatin1String("d")).toString();
    wrongD[0] = QLatin1Char('F');
    QTest::newRow("RSA d mismatched (CRT)")
        << withMember(rsa, "d", wrongD) << invalid << QStringLiteral("do not match");
    QJsonObject dOnly = rsa;
    for (const char *crt : {"p", "q", "dp", "dq", "qi"})
        dOnly.remove(QLatin1String(crt));
    QTest::newRow("RSA d mismatched (no CRT)")
        << withMember(dOnly, "d", wrongD) << invalid << QStringLiteral("do not match");
    QString wrongP = rsa.value(QLatin1String("p")).toString();
    wrongP[0] = QLatin1Char('5');
    QTest::newRow("RSA p mismatched")
        << withMember(rsa, "p", wrongP) << invalid << QStringLiteral("do not match");

    QTest::newRow("EC no crv") << withMember(ecPub, "crv", kRemove) << invalid
                               << QStringLiteral("\"crv\" is missing");
    QTest::newRow("EC crv number")
        << withMember(ecPub, "crv", 256) << invalid << QStringLiteral("must be a string");
    QTest::newRow("EC crv secp256k1") << withMember(ecPub, "crv", QStringLiteral("secp256k1"))
                                      << unsupported << QStringLiteral("secp256k1");
    QTest::newRow("EC crv P-192") << withMember(ecPub, "crv", QStringLiteral("P-192"))
                                  << unsupported << QStringLiteral("P-192");
    QTest::newRow("EC no x") << withMember(ecPub, "x", kRemove) << invalid
                             << QStringLiteral("\"x\" is missing");
    QTest::newRow("EC no y") << withMember(ecPub, "y", kRemove) << invalid
                             << QStringLiteral("\"y\" is missing");
    QTest::newRow("EC x short") << withMember(ecPub, "x", b64(member(ecPub, "x").mid(1))) << invalid
                                << QStringLiteral("31 octets");
    QTest::newRow("EC x long") << withMember(ecPub, "x", b64('\0' + member(ecPub, "x"))) << invalid
                               << QStringLiteral("33 octets");
    QTest::newRow("EC P-256 point labelled P-384")
        << withMember(ecPub, "crv", QStringLiteral("P-384")) << invalid
        << QStringLiteral("exactly 48");
    QByteArray offCurve = member(ecPub, "y");
    offCurve[31] = static_cast<char>(offCurve[31] ^ 1);
    QTest::newRow("EC point off curve")
        << withMember(ecPub, "y", b64(offCurve)) << invalid << QStringLiteral("P-256");
    QTest::newRow("EC point zero") << withMember(withMember(ecPub, "x", b64(QByteArray(32, '\0'))),
                                                 "y", b64(QByteArray(32, '\0')))
                                   << invalid << QStringLiteral("P-256");
    QTest::newRow("EC y bad base64url")
        << withMember(ecPub, "y", QString(y.left(42) + QLatin1Char('+'))) << invalid
        << QStringLiteral("'+'");
    QByteArray otherD = member(ec, "d");
    otherD[5] = static_cast<char>(otherD[5] ^ 0x10);
    QTest::newRow("EC d mismatched")
        << withMember(ec, "d", b64(otherD)) << invalid << QStringLiteral("does not match");
    QTest::newRow("EC d short") << withMember(ec, "d", b64(member(ec, "d").mid(1))) << invalid
                                << QStringLiteral("\"d\" is 31 octets");
    QTest::newRow("EC d zero") << withMember(ec, "d", b64(QByteArray(32, '\0'))) << invalid
                               << QString();

    QTest::newRow("use enc") << withMember(ecPub, "use", QStringLiteral("enc")) << unsupported
                             << QStringLiteral("\"enc\"");
    QTest::newRow("use number") << withMember(ecPub, "use", 1) << invalid
                                << QStringLiteral("\"use\" must be a string");
    QTest::newRow("key_ops encrypt")
        << withMember(ecPub, "key_ops",
                      QJsonArray{QStringLiteral("verify"), QStringLiteral("encrypt")})
        << unsupported << QStringLiteral("\"encrypt\"");
    QTest::newRow("key_ops string") << withMember(ecPub, "key_ops", QStringLiteral("sign"))
                                    << invalid << QStringLiteral("array of strings");
    QTest::newRow("key_ops number entry") << withMember(ecPub, "key_ops", QJsonArray{1}) << invalid
                                          << QStringLiteral("array of strings");
    QTest::newRow("key_ops duplicate")
        << withMember(ecPub, "key_ops",
                      QJsonArray{QStringLiteral("verify"), QStringLiteral("verify")})
        << invalid << QStringLiteral("repeats");
    QTest::newRow("use enc with key_ops sign")
        << withMember(withMember(ecPub, "use", QStringLiteral("enc")), "key_ops",
                      QJsonArray{QStringLiteral("sign")})
        << unsupported << QStringLiteral("\"enc\"");
    QTest::newRow("alg HS256") << withMember(ecPub, "alg", QStringLiteral("HS256")) << unsupported
                               << QStringLiteral("\"HS256\"");
    QTest::newRow("alg none") << withMember(ecPub, "alg", QStringLiteral("none")) << unsupported
                              << QStringLiteral("\"none\"");
    QTest::newRow("alg RSA-OAEP on RSA") << withMember(rsaPub, "alg", QStringLiteral("RSA-OAEP"))
                                         << unsupported << QStringLiteral("RSA-OAEP");
    QTest::newRow("alg ES384 on P-256") << withMember(ecPub, "alg", QStringLiteral("ES384"))
                                        << invalid << QStringLiteral("does not fit");
    QTest::newRow("alg ES256 on RSA") << withMember(rsaPub, "alg", QStringLiteral("ES256"))
                                      << invalid << QStringLiteral("does not fit");
    QTest::newRow("alg RS256 on EC") << withMember(ecPub, "alg", QStringLiteral("RS256")) << invalid
                                     << QStringLiteral("does not fit");
    QTest::newRow("alg number") << withMember(ecPub, "alg", 256) << invalid
                                << QStringLiteral("\"alg\" must be a string");
    QTest::newRow("kid number") << withMember(ecPub, "kid", 7) << invalid
                                << QStringLiteral("\"kid\" must be a string");
}

void TestKey::jwkRejects()
{
    QFETCH(QJsonObject, jwk);
    QFETCH(QString, code);
    QFETCH(QString, fragment);
    const auto key = Key::fromJwk(jwk);
    EXPECT_ERROR(key, code, fragment);
    // Private key material never appears in an error message.
    for (const char *secret : {"d", "p", "q", "dp", "dq", "qi"}) {
        const QString value = jwk.value(QLatin1String(secret)).toString();
        if (value.size() > 8)
            QVERIFY2(!key.error().message.contains(value.left(12)), secret);
    }
}

QTEST_GUILESS_MAIN(TestKey)
#include "tst_key.moc"
