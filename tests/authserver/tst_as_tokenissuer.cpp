#include <QJsonDocument>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QtTest>

#include "authserver/keymanager.h"
#include "authserver/tokenissuer.h"
#include "basetestsupport.h"
#include "crypto/digest.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "store/clientrepository.h"

using namespace TestSupport;

namespace {
const QString kJwtResource = QStringLiteral("https://jwt.example/mcp");
const QString kOpaqueResource = QStringLiteral("https://rs.example/mcp");
} // namespace

class TestAsTokenIssuer final : public BaseTestCase
{
    Q_OBJECT

private:
    bool start()
    {
        Auth::Config config;
        config.tokenFormatByResource.insert(kJwtResource, Auth::AccessTokenFormat::Jwt);
        config.accessTokenLifetime = 900;
        config.refreshTokenLifetime = 86400;
        if (!startEnvironment(config))
            return false;
        if (!m_env->context().keys().ensureKey())
            return false;
        Store::Client client;
        client.clientId = QStringLiteral("app");
        client.redirectUris = {QStringLiteral("http://127.0.0.1/cb")};
        return Store::ClientRepository(m_env->db()).create(client).ok();
    }

    Auth::Grant grant(const QString &resource = kOpaqueResource) const
    {
        Auth::Grant g;
        g.clientId = QStringLiteral("app");
        g.subject = QStringLiteral("alice");
        g.scope = QStringLiteral("tasks:read tasks:write");
        g.resource = resource;
        return g;
    }

    qint64 tokenCount() const { return Store::TokenRepository(m_env->db()).count({}).valueOr(-1); }

    /// Every column of every stored token row, as text.
    QStringList storedText() const
    {
        QStringList out;
        QSqlDatabase connection = m_env->db()->connection();
        QSqlQuery query(connection);
        if (!query.exec(QStringLiteral("SELECT * FROM tokens")))
            return {QStringLiteral("query failed")};
        while (query.next())
            for (int i = 0; i < query.record().count(); ++i)
                out.append(query.value(i).toString());
        return out;
    }

private slots:
    void opaqueAccessToken()
    {
        QVERIFY(start());
        auto issued = m_env->context().tokens().issue(grant());
        QVERIFY2(issued.ok(), qPrintable(issued.ok() ? QString() : issued.error().toString()));
        QVERIFY(issued->accessToken.startsWith("mat_"));
        QCOMPARE(issued->accessToken.size(), 4 + 43);
        QVERIFY(issued->refreshToken.isEmpty()); // only when asked
        QVERIFY(!issued->refreshRow);
        QCOMPARE(issued->expiresIn, 900);
        QCOMPARE(tokenCount(), 1);

        const Store::Token &row = issued->accessRow;
        QVERIFY(row.id > 0);
        QCOMPARE(row.kind, Store::TokenKind::Access);
        QCOMPARE(row.format, Store::TokenFormat::Opaque);
        QCOMPARE(row.clientId, QStringLiteral("app"));
        QCOMPARE(row.subject, QStringLiteral("alice"));
        QCOMPARE(row.scope, QStringLiteral("tasks:read tasks:write"));
        QCOMPARE(row.resource, kOpaqueResource);
        QCOMPARE(row.expiresAt - row.issuedAt, 900 * 1000);
        QVERIFY(!row.familyId.isEmpty());

        // The store holds the hash and a short display prefix only, never the token.
        QCOMPARE(row.token.hex(), QString::fromLatin1(Crypto::sha256Hex(issued->accessToken)));
        const QStringList stored = storedText();
        QVERIFY(stored.contains(row.token.hex()));
        for (const QString &value : stored)
            QVERIFY2(!value.contains(QString::fromLatin1(issued->accessToken.mid(4, 16))),
                     "a stored column holds part of the clear token");
        auto found = Store::TokenRepository(m_env->db())
                         .findByHash(Store::SecretHash::fromSecret(issued->accessToken));
        QVERIFY(found.ok());
        QCOMPARE(found->id, row.id);

        const QJsonObject json = issued->toJson();
        QCOMPARE(json.value(QStringLiteral("token_type")).toString(), QStringLiteral("Bearer"));
        QCOMPARE(json.value(QStringLiteral("access_token")).toString(),
                 QString::fromLatin1(issued->accessToken));
        QCOMPARE(json.value(QStringLiteral("expires_in")).toInt(), 900);
        QCOMPARE(json.value(QStringLiteral("scope")).toString(),
                 QStringLiteral("tasks:read tasks:write"));
        QVERIFY(!json.contains(QStringLiteral("refresh_token")));
    }

    void tokensAreUnique()
    {
        QVERIFY(start());
        auto a = m_env->context().tokens().issue(grant());
        auto b = m_env->context().tokens().issue(grant());
        QVERIFY(a.ok() && b.ok());
        QVERIFY(a->accessToken != b->accessToken);
        QVERIFY(a->accessRow.familyId != b->accessRow.familyId); // a new grant, a new family
    }

    void jwtAccessTokenPerResource()
    {
        QVERIFY(start());
        auto issued = m_env->context().tokens().issue(grant(kJwtResource));
        QVERIFY2(issued.ok(), qPrintable(issued.ok() ? QString() : issued.error().toString()));
        QCOMPARE(issued->accessRow.format, Store::TokenFormat::Jwt);
        QVERIFY(!issued->accessRow.jti.isEmpty());

        auto jwks = m_env->context().keys().jwks();
        QVERIFY(jwks.ok());
        auto set = Crypto::Jwks::fromJson(QJsonDocument(*jwks).toJson());
        QVERIFY(set.ok());
        auto verified =
            Crypto::Jws::verifyWithJwks(issued->accessToken, *set, {Crypto::JwsAlgorithm::ES256});
        QVERIFY2(verified.ok(), qPrintable(verified.ok() ? QString() : verified.error().message));
        QCOMPARE(verified->header.value(QStringLiteral("typ")).toString(),
                 QStringLiteral("at+jwt"));
        auto claims = Crypto::Jwt::parseClaims(verified->payload);
        QVERIFY(claims.ok());
        Crypto::Jwt::ClaimChecks checks;
        checks.now = m_env->now() / 1000;
        checks.issuer = QStringLiteral("https://as.example");
        checks.audience = kJwtResource;
        QVERIFY(Crypto::Jwt::checkClaims(*claims, checks).ok());
        QCOMPARE(claims->value(QStringLiteral("sub")).toString(), QStringLiteral("alice"));
        QCOMPARE(claims->value(QStringLiteral("aud")).toString(), kJwtResource);
        QCOMPARE(claims->value(QStringLiteral("client_id")).toString(), QStringLiteral("app"));
        QCOMPARE(claims->value(QStringLiteral("scope")).toString(),
                 QStringLiteral("tasks:read tasks:write"));
        QCOMPARE(claims->value(QStringLiteral("jti")).toString(), issued->accessRow.jti);
        const qint64 iat = claims->value(QStringLiteral("iat")).toInteger();
        QCOMPARE(claims->value(QStringLiteral("exp")).toInteger() - iat, 900);
        QCOMPARE(issued->accessRow.expiresAt / 1000,
                 claims->value(QStringLiteral("exp")).toInteger());
        QCOMPARE(issued->accessRow.token.hex(),
                 QString::fromLatin1(Crypto::sha256Hex(issued->accessToken)));

        // The other resource still gets opaque tokens.
        auto opaque = m_env->context().tokens().issue(grant(kOpaqueResource));
        QVERIFY(opaque.ok());
        QVERIFY(opaque->accessToken.startsWith("mat_"));
    }

    void defaultResource()
    {
        QVERIFY(start());
        auto issued = m_env->context().tokens().issue(grant(QString()));
        QVERIFY(issued.ok());
        QCOMPARE(issued->accessRow.resource, QStringLiteral("https://rs.example/mcp"));
    }

    void refreshAndRotation()
    {
        QVERIFY(start());
        Auth::Grant first = grant();
        first.issueRefreshToken = true;
        auto issued = m_env->context().tokens().issue(first);
        QVERIFY(issued.ok());
        QVERIFY(issued->refreshToken.startsWith("mrt_"));
        QCOMPARE(issued->refreshToken.size(), 4 + 43);
        QVERIFY(issued->refreshRow.has_value());
        QCOMPARE(issued->refreshRow->kind, Store::TokenKind::Refresh);
        QCOMPARE(issued->refreshRow->familyId, issued->accessRow.familyId);
        QCOMPARE(issued->refreshRow->expiresAt - issued->refreshRow->issuedAt, 86400LL * 1000);
        QCOMPARE(issued->toJson().value(QStringLiteral("refresh_token")).toString(),
                 QString::fromLatin1(issued->refreshToken));
        QCOMPARE(tokenCount(), 2);

        // Rotation: the family continues, the new refresh token points at its parent and
        // keeps the original expiry; a narrower access scope leaves the refresh scope.
        m_env->advance(10000);
        Auth::Grant next = grant();
        next.scope = QStringLiteral("tasks:read");
        next.refreshScope = QStringLiteral("tasks:read tasks:write");
        next.issueRefreshToken = true;
        next.familyId = issued->refreshRow->familyId;
        next.parentId = issued->refreshRow->id;
        next.refreshExpiresAt = issued->refreshRow->expiresAt;
        auto rotated = m_env->context().tokens().issue(next);
        QVERIFY(rotated.ok());
        QCOMPARE(rotated->accessRow.familyId, issued->accessRow.familyId);
        QCOMPARE(rotated->refreshRow->familyId, issued->accessRow.familyId);
        QCOMPARE(rotated->refreshRow->parentId, std::optional<qint64>(issued->refreshRow->id));
        QCOMPARE(rotated->refreshRow->expiresAt, issued->refreshRow->expiresAt);
        QCOMPARE(rotated->accessRow.scope, QStringLiteral("tasks:read"));
        QCOMPARE(rotated->refreshRow->scope, QStringLiteral("tasks:read tasks:write"));
        QCOMPARE(rotated->toJson().value(QStringLiteral("scope")).toString(),
                 QStringLiteral("tasks:read"));
        Store::TokenFilter family;
        family.familyId = issued->accessRow.familyId;
        QCOMPARE(Store::TokenRepository(m_env->db()).count(family).valueOr(-1), 4);
    }

    void failureStoresNothing_data()
    {
        QTest::addColumn<QString>("clientId");
        QTest::addColumn<QString>("subject");
        QTest::newRow("unknown client (foreign key)") << "nobody"
                                                      << "alice";
        QTest::newRow("no client") << ""
                                   << "alice";
        QTest::newRow("no subject") << "app"
                                    << "";
    }

    void failureStoresNothing()
    {
        QFETCH(QString, clientId);
        QFETCH(QString, subject);
        QVERIFY(start());
        Auth::Grant g = grant(kJwtResource);
        g.clientId = clientId;
        g.subject = subject;
        g.issueRefreshToken = true;
        auto issued = m_env->context().tokens().issue(g);
        QVERIFY(!issued.ok());
        QCOMPARE(issued.error().code, QStringLiteral("server_error"));
        QCOMPARE(tokenCount(), 0); // all or nothing
    }
};

QTEST_GUILESS_MAIN(TestAsTokenIssuer)
#include "tst_as_tokenissuer.moc"
