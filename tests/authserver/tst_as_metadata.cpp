#include <QJsonArray>
#include <QtTest>

#include "asfixture.h"
#include "basetestsupport.h"
#include "storebackends.h"

using namespace TestSupport;

namespace {
QStringList strings(const QJsonValue &value)
{
    QStringList out;
    for (const QJsonValue &v : value.toArray())
        out.append(v.toString());
    return out;
}
} // namespace

class TestAsMetadata final : public BaseTestCase
{
    Q_OBJECT

private:
private slots:
    void oauthMetadata()
    {
        QVERIFY(startServer());
        const QString issuer = m_as->issuer();
        QVERIFY(!issuer.endsWith(QLatin1Char('/')));
        QVERIFY(issuer.startsWith(QStringLiteral("http://127.0.0.1:")));

        const Http::ClientResponse response =
            m_as->get(QStringLiteral("/.well-known/oauth-authorization-server"));
        QCOMPARE(response.status, 200);
        QVERIFY(response.headers.value("Content-Type").startsWith("application/json"));
        const QByteArray cache = response.headers.value("Cache-Control");
        QVERIFY2(cache.contains("public") && cache.contains("max-age="), cache.constData());
        const QJsonObject doc = AsFixture::json(response);

        QCOMPARE(doc.value(QStringLiteral("issuer")).toString(), issuer); // string-identical
        QCOMPARE(doc.value(QStringLiteral("authorization_endpoint")).toString(),
                 issuer + QStringLiteral("/authorize"));
        QCOMPARE(doc.value(QStringLiteral("token_endpoint")).toString(),
                 issuer + QStringLiteral("/token"));
        QCOMPARE(doc.value(QStringLiteral("registration_endpoint")).toString(),
                 issuer + QStringLiteral("/register"));
        QCOMPARE(doc.value(QStringLiteral("revocation_endpoint")).toString(),
                 issuer + QStringLiteral("/revoke"));
        QCOMPARE(doc.value(QStringLiteral("introspection_endpoint")).toString(),
                 issuer + QStringLiteral("/introspect"));
        QCOMPARE(doc.value(QStringLiteral("device_authorization_endpoint")).toString(),
                 issuer + QStringLiteral("/device_authorization"));
        QCOMPARE(doc.value(QStringLiteral("jwks_uri")).toString(),
                 issuer + QStringLiteral("/jwks"));
        QCOMPARE(strings(doc.value(QStringLiteral("scopes_supported"))),
                 Auth::Config().scopesSupported);
        QCOMPARE(strings(doc.value(QStringLiteral("response_types_supported"))),
                 QStringList{QStringLiteral("code")});
        QCOMPARE(strings(doc.value(QStringLiteral("response_modes_supported"))),
                 QStringList{QStringLiteral("query")});
        QCOMPARE(strings(doc.value(QStringLiteral("grant_types_supported"))),
                 (QStringList{QStringLiteral("authorization_code"), QStringLiteral("refresh_token"),
                              QStringLiteral("client_credentials"),
                              QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")}));
        const QStringList methods{QStringLiteral("none"), QStringLiteral("client_secret_basic"),
                                  QStringLiteral("client_secret_post"),
                                  QStringLiteral("private_key_jwt")};
        QCOMPARE(strings(doc.value(QStringLiteral("token_endpoint_auth_methods_supported"))),
                 methods);
        QCOMPARE(strings(doc.value(QStringLiteral("revocation_endpoint_auth_methods_supported"))),
                 methods);
        QCOMPARE(
            strings(doc.value(QStringLiteral("introspection_endpoint_auth_methods_supported"))),
            methods.mid(1));
        const QStringList algs{
            QStringLiteral("RS256"), QStringLiteral("RS384"), QStringLiteral("RS512"),
            QStringLiteral("PS256"), QStringLiteral("PS384"), QStringLiteral("PS512"),
            QStringLiteral("ES256"), QStringLiteral("ES384"), QStringLiteral("ES512")};
        for (const char *member : {"token_endpoint_auth_signing_alg_values_supported",
                                   "revocation_endpoint_auth_signing_alg_values_supported",
                                   "introspection_endpoint_auth_signing_alg_values_supported"})
            QCOMPARE(strings(doc.value(QLatin1String(member))), algs);
        QCOMPARE(strings(doc.value(QStringLiteral("code_challenge_methods_supported"))),
                 QStringList{QStringLiteral("S256")});
        QCOMPARE(doc.value(QStringLiteral("authorization_response_iss_parameter_supported")),
                 QJsonValue(true));
        QCOMPARE(doc.value(QStringLiteral("client_id_metadata_document_supported")),
                 QJsonValue(true));
        // Nothing the server does not do.
        for (const char *absent : {"id_token_signing_alg_values_supported", "userinfo_endpoint",
                                   "dpop_signing_alg_values_supported",
                                   "request_parameter_supported", "subject_types_supported"})
            QVERIFY2(!doc.contains(QLatin1String(absent)), absent);
    }

    void oidcDiscovery()
    {
        QVERIFY(startServer());
        const Http::ClientResponse response =
            m_as->get(QStringLiteral("/.well-known/openid-configuration"));
        QCOMPARE(response.status, 200);
        const QJsonObject doc = AsFixture::json(response);
        QCOMPARE(doc.value(QStringLiteral("issuer")).toString(), m_as->issuer());
        // The members OpenID Connect Discovery requires that we can state truthfully.
        for (const char *required :
             {"authorization_endpoint", "token_endpoint", "jwks_uri", "response_types_supported"})
            QVERIFY2(doc.contains(QLatin1String(required)), required);
        QCOMPARE(strings(doc.value(QStringLiteral("subject_types_supported"))),
                 QStringList{QStringLiteral("public")});
        // No ID tokens are issued, so no ID token algorithms are claimed.
        QVERIFY(!doc.contains(QStringLiteral("id_token_signing_alg_values_supported")));
        // Otherwise the same document as RFC 8414's.
        QJsonObject oauth =
            AsFixture::json(m_as->get(QStringLiteral("/.well-known/oauth-authorization-server")));
        QJsonObject trimmed = doc;
        trimmed.remove(QStringLiteral("subject_types_supported"));
        QCOMPARE(trimmed, oauth);
    }

    void plainPkceOnlyWhenEnabled()
    {
        Auth::Config config;
        config.allowPlainPkce = true;
        QVERIFY(startServer(config));
        const QJsonObject doc =
            AsFixture::json(m_as->get(QStringLiteral("/.well-known/oauth-authorization-server")));
        QCOMPARE(strings(doc.value(QStringLiteral("code_challenge_methods_supported"))),
                 (QStringList{QStringLiteral("S256"), QStringLiteral("plain")}));
    }

    void issuerWithPath_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<int>("status");
        QTest::newRow("RFC 8414 inserted")
            << "/.well-known/oauth-authorization-server/tenant/a" << 200;
        QTest::newRow("RFC 8414 root") << "/.well-known/oauth-authorization-server" << 200;
        QTest::newRow("OIDC inserted") << "/.well-known/openid-configuration/tenant/a" << 200;
        QTest::newRow("OIDC appended") << "/tenant/a/.well-known/openid-configuration" << 200;
        QTest::newRow("OIDC root") << "/.well-known/openid-configuration" << 200;
        QTest::newRow("other path") << "/.well-known/oauth-authorization-server/tenant/b" << 404;
        QTest::newRow("appended RFC 8414 form is not standard")
            << "/tenant/a/.well-known/oauth-authorization-server" << 404;
    }

    void issuerWithPath()
    {
        QFETCH(QString, path);
        QFETCH(int, status);
        Auth::Config config;
        config.issuer = QStringLiteral("https://as.example/tenant/a");
        QVERIFY(startServer(config));
        const Http::ClientResponse response = m_as->get(path);
        QCOMPARE(response.status, status);
        if (status == 200) {
            const QJsonObject doc = AsFixture::json(response);
            QCOMPARE(doc.value(QStringLiteral("issuer")).toString(),
                     QStringLiteral("https://as.example/tenant/a"));
            QCOMPARE(doc.value(QStringLiteral("token_endpoint")).toString(),
                     QStringLiteral("https://as.example/tenant/a/token"));
        }
    }

    void cors_data()
    {
        QTest::addColumn<QStringList>("origins");
        QTest::addColumn<QByteArray>("origin");
        QTest::addColumn<QByteArray>("allowed");
        const QStringList list{QStringLiteral("https://app.example"),
                               QStringLiteral("http://localhost:5173")};
        QTest::newRow("listed") << list << QByteArray("https://app.example")
                                << QByteArray("https://app.example");
        QTest::newRow("listed with port")
            << list << QByteArray("http://localhost:5173") << QByteArray("http://localhost:5173");
        QTest::newRow("not listed") << list << QByteArray("https://evil.example") << QByteArray();
        QTest::newRow("other port") << list << QByteArray("http://localhost:5174") << QByteArray();
        QTest::newRow("null origin") << list << QByteArray("null") << QByteArray();
        QTest::newRow("any") << QStringList{QStringLiteral("*")}
                             << QByteArray("https://whoever.example") << QByteArray("*");
        QTest::newRow("none configured")
            << QStringList() << QByteArray("https://app.example") << QByteArray();
    }

    void cors()
    {
        QFETCH(QStringList, origins);
        QFETCH(QByteArray, origin);
        QFETCH(QByteArray, allowed);
        Auth::Config config;
        config.corsOrigins = origins;
        QVERIFY(startServer(config));
        for (const QString &path :
             {QStringLiteral("/.well-known/oauth-authorization-server"),
              QStringLiteral("/.well-known/openid-configuration"), QStringLiteral("/jwks")}) {
            Http::Headers headers;
            headers.set(QByteArrayLiteral("Origin"), origin);
            const Http::ClientResponse response = m_as->get(path, headers);
            QCOMPARE(response.status, 200);
            QCOMPARE(response.headers.value("Access-Control-Allow-Origin"), allowed);
            QVERIFY(!response.headers.contains("Access-Control-Allow-Credentials"));

            Http::ClientRequest preflight;
            preflight.method = QByteArrayLiteral("OPTIONS");
            preflight.url = m_as->url(path);
            preflight.headers.set(QByteArrayLiteral("Origin"), origin);
            preflight.headers.set(QByteArrayLiteral("Access-Control-Request-Method"),
                                  QByteArrayLiteral("GET"));
            const Http::ClientResponse answer = m_as->request(preflight);
            QCOMPARE(answer.status, 204);
            QCOMPARE(answer.headers.value("Access-Control-Allow-Origin"), allowed);
            QCOMPARE(answer.headers.contains("Access-Control-Allow-Methods"), !allowed.isEmpty());
        }
    }

    void wrongMethod()
    {
        QVERIFY(startServer());
        const Http::ClientResponse response = m_as->postJson(
            QStringLiteral("/.well-known/oauth-authorization-server"), QJsonObject());
        QCOMPARE(response.status, 405);
    }
};

QTEST_GUILESS_MAIN(TestAsMetadata)
#include "tst_as_metadata.moc"
