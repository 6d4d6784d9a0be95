#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "asfixture.h"
#include "authserver/auditlog.h"
#include "authserver/context.h"
#include "authserver/keymanager.h"
#include "basetestsupport.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "store/auditrepository.h"
#include "store/signingkeyrepository.h"
#include "storebackends.h"

using namespace TestSupport;

class TestAsKeys final : public BaseTestCase
{
    Q_OBJECT

private:
    /// GET /jwks over HTTP, parsed the way a resource server would.
    Crypto::Jwks servedJwks()
    {
        const Http::ClientResponse response = m_as->get(QStringLiteral("/jwks"));
        if (response.status != 200) {
            qWarning("GET /jwks: %d %s", response.status, response.body.constData());
            return {};
        }
        auto jwks = Crypto::Jwks::fromJson(response.body);
        if (!jwks) {
            qWarning("JWKS: %s", qPrintable(jwks.error().toString()));
            return {};
        }
        return *jwks;
    }

    QStringList servedKids()
    {
        QStringList kids;
        const Crypto::Jwks jwks = servedJwks();
        for (const Crypto::Key &key : jwks.keys())
            kids.append(key.kid());
        return kids;
    }

    QByteArray sign(const QString &subject)
    {
        const qint64 now = m_as->now() / 1000;
        auto jwt = m_as->context().keys().signJwt({{QStringLiteral("iss"), m_as->issuer()},
                                                   {QStringLiteral("sub"), subject},
                                                   {QStringLiteral("exp"), now + 600},
                                                   {QStringLiteral("iat"), now}},
                                                  QStringLiteral("at+jwt"));
        if (!jwt)
            qWarning("signJwt: %s", qPrintable(jwt.error().toString()));
        return jwt.valueOr({});
    }

private slots:
    void firstKey()
    {
        QVERIFY(startServer());
        auto rows = Store::SigningKeyRepository(m_as->db()).list();
        QVERIFY(rows.ok());
        QCOMPARE(rows->size(), 1);
        // ensureKey is idempotent: preparing again keeps the key.
        QVERIFY(m_as->context().keys().ensureKey().ok());
        rows = Store::SigningKeyRepository(m_as->db()).list();
        QCOMPARE(rows->size(), 1);

        auto current = m_as->context().keys().current();
        QVERIFY(current.ok());
        QCOMPARE(current->alg, QStringLiteral("ES256"));
        QCOMPARE(current->key.kind(), Crypto::Key::Kind::EcP256);
        QCOMPARE(current->kid, QString::fromLatin1(current->key.thumbprint())); // RFC 7638
        QCOMPARE(rows->first().kid, current->kid);

        const Http::ClientResponse response = m_as->get(QStringLiteral("/jwks"));
        QCOMPARE(response.status, 200);
        QVERIFY(response.headers.value("Content-Type").startsWith("application/json"));
        QVERIFY(response.headers.value("Cache-Control").contains("max-age"));
        const QJsonArray keys = AsFixture::json(response).value(QStringLiteral("keys")).toArray();
        QCOMPARE(keys.size(), 1);
        const QJsonObject jwk = keys.first().toObject();
        QCOMPARE(jwk.value(QStringLiteral("kid")).toString(), current->kid);
        QCOMPARE(jwk.value(QStringLiteral("alg")).toString(), QStringLiteral("ES256"));
        QCOMPARE(jwk.value(QStringLiteral("use")).toString(), QStringLiteral("sig"));
        QVERIFY(!jwk.contains(QStringLiteral("d"))); // never the private key
        auto jwks = Crypto::Jwks::fromJson(response.body);
        QVERIFY(jwks.ok());
        QVERIFY(jwks->warnings().isEmpty());

        Store::AuditFilter filter;
        filter.type = QStringLiteral("key.created");
        QCOMPARE(Store::AuditRepository(m_as->db()).list(filter)->size(), 1);
    }

    void algorithms_data()
    {
        QTest::addColumn<QString>("alg");
        QTest::addColumn<int>("kind");
        QTest::newRow("RS256") << "RS256" << int(Crypto::Key::Kind::Rsa);
        QTest::newRow("PS384") << "PS384" << int(Crypto::Key::Kind::Rsa);
        QTest::newRow("ES384") << "ES384" << int(Crypto::Key::Kind::EcP384);
        QTest::newRow("ES512") << "ES512" << int(Crypto::Key::Kind::EcP521);
    }

    void algorithms()
    {
        QFETCH(QString, alg);
        QFETCH(int, kind);
        Auth::Config config;
        config.signingAlgorithm = alg;
        QVERIFY(startServer(config));
        auto current = m_as->context().keys().current();
        QVERIFY(current.ok());
        QCOMPARE(current->alg, alg);
        QCOMPARE(int(current->key.kind()), kind);
        if (current->key.isRsa())
            QCOMPARE(current->key.bits(), 2048);

        const QByteArray jwt = sign(QStringLiteral("alice"));
        QVERIFY(!jwt.isEmpty());
        const auto expected = Crypto::jwsAlgorithmFromName(alg);
        auto verified = Crypto::Jws::verifyWithJwks(jwt, servedJwks(), {*expected});
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().message));
        QCOMPARE(verified->algorithm, *expected);
    }

    void signedJwtVerifiesAgainstServedJwks()
    {
        QVERIFY(startServer());
        const QByteArray jwt = sign(QStringLiteral("alice"));
        auto parsed = Crypto::Jws::parseCompact(jwt);
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->header.value(QStringLiteral("typ")).toString(), QStringLiteral("at+jwt"));
        QCOMPARE(parsed->kid, m_as->context().keys().current()->kid);

        auto verified =
            Crypto::Jws::verifyWithJwks(jwt, servedJwks(), {Crypto::JwsAlgorithm::ES256});
        QVERIFY(verified.ok());
        auto claims = Crypto::Jwt::parseClaims(verified->payload);
        QVERIFY(claims.ok());
        Crypto::Jwt::ClaimChecks checks;
        checks.now = m_as->now() / 1000;
        checks.issuer = m_as->issuer();
        QVERIFY(Crypto::Jwt::checkClaims(*claims, checks).ok());
        QCOMPARE(claims->value(QStringLiteral("sub")).toString(), QStringLiteral("alice"));

        // A tampered payload does not verify.
        QByteArray tampered = jwt;
        const qsizetype dot = tampered.indexOf('.');
        tampered[dot + 2] = tampered[dot + 2] == 'A' ? 'B' : 'A';
        QVERIFY(!Crypto::Jws::verifyWithJwks(tampered, servedJwks(), {Crypto::JwsAlgorithm::ES256})
                     .ok());
    }

    void rotationKeepsPreviousKeyPublished()
    {
        Auth::Config config;
        config.accessTokenLifetime = 300;
        config.clockSkew = 60;
        QVERIFY(startServer(config));
        Auth::KeyManager &keys = m_as->context().keys();
        const QString first = keys.current()->kid;
        const QByteArray before = sign(QStringLiteral("before"));

        auto rotated = keys.rotate();
        QVERIFY(rotated.ok());
        QVERIFY(*rotated != first);
        QCOMPARE(keys.current()->kid, *rotated); // this server sees its own rotation at once
        const QByteArray after = sign(QStringLiteral("after"));
        QCOMPARE(Crypto::Jws::parseCompact(after)->kid, *rotated);

        // Both keys are published; tokens of either verify against the served set.
        QCOMPARE(servedKids(), (QStringList{*rotated, first}));
        const Crypto::Jwks served = servedJwks();
        QVERIFY(Crypto::Jws::verifyWithJwks(before, served, {Crypto::JwsAlgorithm::ES256}).ok());
        QVERIFY(Crypto::Jws::verifyWithJwks(after, served, {Crypto::JwsAlgorithm::ES256}).ok());

        Store::AuditFilter filter;
        filter.type = QStringLiteral("key.rotated");
        QCOMPARE(Store::AuditRepository(m_as->db()).list(filter)->size(), 1);

        // Until the last token the old key signed has expired (lifetime + skew), it stays.
        m_as->advance((300 + 60) * 1000 - 1000);
        QCOMPARE(servedKids(), (QStringList{*rotated, first}));
        m_as->advance(2000);
        QCOMPARE(servedKids(), QStringList{*rotated});
        QVERIFY(
            !Crypto::Jws::verifyWithJwks(before, servedJwks(), {Crypto::JwsAlgorithm::ES256}).ok());
    }

    void rotationByAnotherServerIsPickedUp()
    {
        QVERIFY(startServer());
        Auth::KeyManager &keys = m_as->context().keys();
        const QString first = keys.current()->kid;
        QVERIFY(keys.jwks().ok()); // cache loaded

        // A second server on the same store rotates.
        AsFixture *fixture = m_as.get();
        Auth::Context other(m_as->context().config(), m_as->db(),
                            [fixture] { return fixture->now(); });
        auto rotated = other.keys().rotate();
        QVERIFY(rotated.ok());

        // The first server keeps its cached key for a few seconds, then follows.
        QCOMPARE(keys.current()->kid, first);
        m_as->advance(6000);
        QCOMPARE(keys.current()->kid, *rotated);
        const QJsonArray published = keys.jwks()->value(QStringLiteral("keys")).toArray();
        QCOMPARE(published.size(), 2);
    }
};

QTEST_GUILESS_MAIN(TestAsKeys)
#include "tst_as_keys.moc"
