// DPoP proofs (RFC 9449 §4.2, §4.3 and §7.1) as the flow walker builds them: header typ,
// alg and public jwk; htm, htu without query and fragment, iat, a fresh jti, ath of the
// access token, and the nonce of the server the request goes to. Each proof is verified
// with the public key it carries.
#include <QJsonDocument>
#include <QtTest>

#include "crypto/base64url.h"
#include "crypto/jws.h"
#include "flow/dpop.h"

class TestFlowDpop final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void proof_data();
    void proof();
    void ath_data();
    void ath();
    void freshJti();
    void keyIsPublicAndThumbprinted();
    void nullKeyRefused();

private:
    std::optional<Flow::DpopProver> m_prover;
};

void TestFlowDpop::initTestCase()
{
    auto prover = Flow::DpopProver::generate();
    QVERIFY2(prover, qPrintable(prover ? QString() : prover.error().toString()));
    m_prover.emplace(std::move(*prover));
    QCOMPARE(m_prover->algorithm(), QStringLiteral("ES256"));
    // Nonces handed out by two servers; each proof carries the one of its origin only.
    m_prover->setNonce(QUrl(QStringLiteral("https://as.example/token")), QStringLiteral("as-n1"));
    m_prover->setNonce(QUrl(QStringLiteral("https://as.example/token")), QString());
    m_prover->setNonce(QUrl(QStringLiteral("https://RS.example:8443/mcp")),
                       QStringLiteral("rs-n1"));
}

void TestFlowDpop::proof_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("htu");
    QTest::addColumn<QString>("nonce");

    QTest::newRow("token request, AS nonce")
        << QByteArray("POST") << QStringLiteral("https://as.example/token") << QString()
        << QStringLiteral("https://as.example/token") << QStringLiteral("as-n1");
    QTest::newRow("query and fragment left out of htu")
        << QByteArray("GET") << QStringLiteral("https://as.example/a/b?x=1&y=2#frag") << QString()
        << QStringLiteral("https://as.example/a/b") << QStringLiteral("as-n1");
    QTest::newRow("user info left out of htu")
        << QByteArray("POST") << QStringLiteral("https://user:pw@as.example/token") << QString()
        << QStringLiteral("https://as.example/token") << QStringLiteral("as-n1");
    QTest::newRow("resource request with ath and the RS's nonce")
        << QByteArray("POST") << QStringLiteral("https://rs.example:8443/mcp")
        << QStringLiteral("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")
        << QStringLiteral("https://rs.example:8443/mcp") << QStringLiteral("rs-n1");
    QTest::newRow("another origin: no nonce")
        << QByteArray("POST") << QStringLiteral("https://other.example/mcp")
        << QStringLiteral("tok") << QStringLiteral("https://other.example/mcp") << QString();
    QTest::newRow("another port: no nonce")
        << QByteArray("POST") << QStringLiteral("https://rs.example:9443/mcp")
        << QStringLiteral("tok") << QStringLiteral("https://rs.example:9443/mcp") << QString();
}

void TestFlowDpop::proof()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, url);
    QFETCH(QString, token);
    QFETCH(QString, htu);
    QFETCH(QString, nonce);

    const qint64 now = 1'800'000'000;
    auto proof = m_prover->proof(method, QUrl(url), token, now);
    QVERIFY2(proof, qPrintable(proof ? QString() : proof.error().toString()));

    auto parsed = Crypto::Jws::parseCompact(*proof);
    QVERIFY(parsed);
    QCOMPARE(parsed->header.value(QStringLiteral("typ")).toString(), QStringLiteral("dpop+jwt"));
    QCOMPARE(parsed->algorithm, QStringLiteral("ES256"));
    QVERIFY(!parsed->header.contains(QStringLiteral("kid")));
    const QJsonObject jwk = parsed->header.value(QStringLiteral("jwk")).toObject();
    QVERIFY(!jwk.contains(QStringLiteral("d")));
    // RFC 9449 §4.3 step 6/7: the signature verifies with the key in the header.
    auto key = Crypto::Key::fromJwk(jwk);
    QVERIFY(key);
    QVERIFY(Crypto::Jws::verify(*proof, *key, {Crypto::JwsAlgorithm::ES256}));

    const QJsonObject claims = QJsonDocument::fromJson(parsed->payload).object();
    QCOMPARE(claims.value(QStringLiteral("htm")).toString(), QString::fromLatin1(method));
    QCOMPARE(claims.value(QStringLiteral("htu")).toString(), htu);
    QCOMPARE(claims.value(QStringLiteral("iat")).toInteger(), now);
    QVERIFY(claims.value(QStringLiteral("jti")).toString().size() >= 16);
    QCOMPARE(claims.contains(QStringLiteral("ath")), !token.isEmpty());
    if (!token.isEmpty())
        QCOMPARE(claims.value(QStringLiteral("ath")).toString(), Flow::DpopProver::ath(token));
    QCOMPARE(claims.value(QStringLiteral("nonce")).toString(), nonce);
    QCOMPARE(claims.contains(QStringLiteral("nonce")), !nonce.isEmpty());
}

void TestFlowDpop::ath_data()
{
    QTest::addColumn<QString>("token");
    QTest::addColumn<QString>("ath");
    // RFC 9449 §7.1, the example access token and its ath.
    QTest::newRow("RFC 9449 example")
        << QStringLiteral("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU")
        << QStringLiteral("fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
    // SHA-256 of the empty string, base64url without padding.
    QTest::newRow("empty") << QString()
                           << QStringLiteral("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
}

void TestFlowDpop::ath()
{
    QFETCH(QString, token);
    QFETCH(QString, ath);
    QCOMPARE(Flow::DpopProver::ath(token), ath);
}

void TestFlowDpop::freshJti()
{
    const QUrl url(QStringLiteral("https://as.example/token"));
    QSet<QString> seen;
    for (int i = 0; i < 20; ++i) {
        auto proof = m_prover->proof("POST", url, {}, 1);
        QVERIFY(proof);
        auto parsed = Crypto::Jws::parseCompact(*proof);
        QVERIFY(parsed);
        const QString jti = QJsonDocument::fromJson(parsed->payload)
                                .object()
                                .value(QStringLiteral("jti"))
                                .toString();
        QVERIFY2(!seen.contains(jti), "a jti was used twice (RFC 9449 §4.2: unique per proof)");
        seen.insert(jti);
    }
}

void TestFlowDpop::keyIsPublicAndThumbprinted()
{
    const QJsonObject jwk = m_prover->publicJwk();
    QCOMPARE(jwk.value(QStringLiteral("kty")).toString(), QStringLiteral("EC"));
    QCOMPARE(jwk.value(QStringLiteral("crv")).toString(), QStringLiteral("P-256"));
    QVERIFY(!jwk.contains(QStringLiteral("d")));
    auto key = Crypto::Key::fromJwk(jwk);
    QVERIFY(key);
    QCOMPARE(m_prover->thumbprint(), QString::fromLatin1(key->thumbprint()));
    QCOMPARE(Crypto::base64UrlDecode(m_prover->thumbprint().toLatin1())->size(), 32);
    // Two runs never share a key.
    auto other = Flow::DpopProver::generate();
    QVERIFY(other);
    QVERIFY(other->thumbprint() != m_prover->thumbprint());
}

void TestFlowDpop::nullKeyRefused()
{
    const Flow::DpopProver empty{Crypto::Key()};
    QVERIFY(empty.isNull());
    auto proof = empty.proof("POST", QUrl(QStringLiteral("https://as.example/token")), {}, 1);
    QVERIFY(!proof);
    QCOMPARE(proof.error().code, QStringLiteral("no_key"));
}

QTEST_GUILESS_MAIN(TestFlowDpop)
#include "tst_flow_dpop.moc"
