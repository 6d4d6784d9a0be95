#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "authserver/config.h"

using namespace Auth;

class TestAsConfig final : public QObject
{
    Q_OBJECT

private:
    /// `json` with single quotes for double quotes, to keep the tables readable (moc does
    /// not parse raw string literals well).
    static Core::Result<Config> parse(QByteArray json)
    {
        json.replace('\'', '"');
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(json, &error);
        if (error.error != QJsonParseError::NoError)
            qFatal("test JSON is broken: %s", json.constData());
        return Config::fromJson(document.object());
    }

private slots:
    void defaults()
    {
        const Config config;
        QVERIFY(config.validate().ok());
        QCOMPARE(config.signingAlgorithm, QStringLiteral("ES256"));
        QCOMPARE(config.defaultTokenFormat, AccessTokenFormat::Opaque);
        QVERIFY(!config.autoApprove);
        QVERIFY(!config.allowPlainPkce);
        QVERIFY(!config.defaultScope.contains(QStringLiteral("offline_access")));
        // An empty object is the defaults.
        const auto empty = Config::fromJson(QJsonObject());
        QVERIFY(empty.ok());
        QCOMPARE(empty->toJson(), config.toJson());
    }

    void roundTrip()
    {
        Config config;
        config.issuer = QStringLiteral("https://auth.example/tenant");
        config.defaultResource = QStringLiteral("https://rs.example/mcp");
        config.allowedResources = {QStringLiteral("https://rs.example/mcp"),
                                   QStringLiteral("https://rs2.example/")};
        config.scopesSupported = {QStringLiteral("a"), QStringLiteral("b:c"),
                                  QStringLiteral("offline_access")};
        config.defaultScope = QStringLiteral("a b:c");
        config.authorizationCodeLifetime = 600;
        config.accessTokenLifetime = 1;
        config.refreshTokenLifetime = 365 * 24 * 3600;
        config.deviceCodeLifetime = 300;
        config.devicePollInterval = 60;
        config.clockSkew = 0;
        config.defaultTokenFormat = AccessTokenFormat::Jwt;
        config.tokenFormatByResource.insert(QStringLiteral("https://rs2.example/"),
                                            AccessTokenFormat::Opaque);
        config.signingAlgorithm = QStringLiteral("PS512");
        config.allowPlainPkce = true;
        config.rotateConfidentialRefreshTokens = true;
        config.autoApprove = true;
        config.allowLoopbackCimd = true;
        config.openRegistration = false;
        config.corsOrigins = {QStringLiteral("*"), QStringLiteral("http://localhost:5173")};
        config.tokenPerClient = {5, 10};
        config.tokenPerAddress = {0, 60};
        config.registerPerAddress = {1, 86400};
        config.devicePerAddress = {7, 1};
        config.loginPerAddress = {9, 30};
        QVERIFY(config.validate().ok());

        const QJsonObject json = config.toJson();
        QCOMPARE(json.value(QStringLiteral("access_token_lifetime")).toInt(), 1);
        QCOMPARE(json.value(QStringLiteral("token_format_by_resource"))
                     .toObject()
                     .value(QStringLiteral("https://rs2.example/"))
                     .toString(),
                 QStringLiteral("opaque"));
        QCOMPARE(json.value(QStringLiteral("rate_limits"))
                     .toObject()
                     .value(QStringLiteral("token_per_client"))
                     .toObject()
                     .value(QStringLiteral("window_seconds"))
                     .toInt(),
                 10);
        const auto back = Config::fromJson(json);
        QVERIFY2(back.ok(), qPrintable(back.ok() ? QString() : back.error().message));
        QCOMPARE(back->toJson(), json);
        QCOMPARE(back->issuer, config.issuer);
        QCOMPARE(back->tokenPerClient.limit, 5);
        QCOMPARE(back->loginPerAddress.windowSeconds, 30);
        QCOMPARE(back->corsOrigins, config.corsOrigins);
        QVERIFY(back->autoApprove);
        QVERIFY(!back->openRegistration);
    }

    void tokenFormatFor()
    {
        const auto config = parse("{'default_token_format': 'opaque', "
                                  "'token_format_by_resource': {'https://rs.example/mcp': 'jwt'}}");
        QVERIFY(config.ok());
        QCOMPARE(config->tokenFormatFor(QStringLiteral("https://rs.example/mcp")),
                 AccessTokenFormat::Jwt);
        // Exact match only: another path or a trailing slash is another resource.
        QCOMPARE(config->tokenFormatFor(QStringLiteral("https://rs.example/mcp/")),
                 AccessTokenFormat::Opaque);
        QCOMPARE(config->tokenFormatFor(QString()), AccessTokenFormat::Opaque);
        QCOMPARE(accessTokenFormatName(AccessTokenFormat::Jwt), QStringLiteral("jwt"));
        QCOMPARE(accessTokenFormatName(AccessTokenFormat::Opaque), QStringLiteral("opaque"));
    }

    void valid_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::newRow("lifetime max") << QByteArray("{'access_token_lifetime': 31536000}");
        QTest::newRow("code 600") << QByteArray("{'authorization_code_lifetime': 600}");
        QTest::newRow("interval 1") << QByteArray("{'device_poll_interval': 1}");
        QTest::newRow("every alg RS256") << QByteArray("{'signing_algorithm': 'RS256'}");
        QTest::newRow("every alg ES512") << QByteArray("{'signing_algorithm': 'ES512'}");
        QTest::newRow("rate limit off")
            << QByteArray("{'rate_limits': {'login_per_address': {'limit': 0}}}");
        QTest::newRow("cors any") << QByteArray("{'cors_origins': ['*']}");
        QTest::newRow("resource with query")
            << QByteArray("{'allowed_resources': ['https://rs.example/mcp?tenant=1']}");
        QTest::newRow("default scope two")
            << QByteArray("{'default_scope': 'tasks:read tasks:write'}");
    }

    void valid()
    {
        QFETCH(QByteArray, json);
        const auto config = parse(json);
        QVERIFY2(config.ok(), qPrintable(config.ok() ? QString() : config.error().message));
    }

    void invalid_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("unknown member")
            << QByteArray("{'acces_token_lifetime': 5}") << "acces_token_lifetime";
        QTest::newRow("camelCase name")
            << QByteArray("{'accessTokenLifetime': 5}") << "accessTokenLifetime";
        QTest::newRow("lifetime string")
            << QByteArray("{'access_token_lifetime': '5'}") << "access_token_lifetime";
        QTest::newRow("lifetime zero")
            << QByteArray("{'access_token_lifetime': 0}") << "access_token_lifetime";
        QTest::newRow("lifetime fraction")
            << QByteArray("{'access_token_lifetime': 1.5}") << "access_token_lifetime";
        QTest::newRow("lifetime over a year")
            << QByteArray("{'refresh_token_lifetime': 31536001}") << "refresh_token_lifetime";
        QTest::newRow("lifetime huge")
            << QByteArray("{'access_token_lifetime': 1e300}") << "access_token_lifetime";
        QTest::newRow("code over 600")
            << QByteArray("{'authorization_code_lifetime': 601}") << "authorization_code_lifetime";
        QTest::newRow("device lifetime 0")
            << QByteArray("{'device_code_lifetime': 0}") << "device_code_lifetime";
        QTest::newRow("interval 0")
            << QByteArray("{'device_poll_interval': 0}") << "device_poll_interval";
        QTest::newRow("interval 61")
            << QByteArray("{'device_poll_interval': 61}") << "device_poll_interval";
        QTest::newRow("clock skew negative") << QByteArray("{'clock_skew': -1}") << "clock_skew";
        QTest::newRow("alg none") << QByteArray("{'signing_algorithm': 'none'}")
                                  << "signing_algorithm";
        QTest::newRow("alg HS256")
            << QByteArray("{'signing_algorithm': 'HS256'}") << "signing_algorithm";
        QTest::newRow("alg lower case")
            << QByteArray("{'signing_algorithm': 'es256'}") << "signing_algorithm";
        QTest::newRow("bool as string") << QByteArray("{'auto_approve': 'true'}") << "auto_approve";
        QTest::newRow("bool as number")
            << QByteArray("{'allow_plain_pkce': 1}") << "allow_plain_pkce";
        QTest::newRow("issuer trailing slash")
            << QByteArray("{'issuer': 'https://a.example/'}") << "issuer";
        QTest::newRow("issuer query")
            << QByteArray("{'issuer': 'https://a.example?x=1'}") << "issuer";
        QTest::newRow("issuer fragment")
            << QByteArray("{'issuer': 'https://a.example#f'}") << "issuer";
        QTest::newRow("issuer ftp") << QByteArray("{'issuer': 'ftp://a.example'}") << "issuer";
        QTest::newRow("issuer relative") << QByteArray("{'issuer': '/as'}") << "issuer";
        QTest::newRow("issuer userinfo")
            << QByteArray("{'issuer': 'https://u:p@a.example'}") << "issuer";
        QTest::newRow("resource fragment")
            << QByteArray("{'default_resource': 'https://rs.example/mcp#x'}") << "default_resource";
        QTest::newRow("allowed resource relative")
            << QByteArray("{'allowed_resources': ['mcp']}") << "allowed_resources";
        QTest::newRow("allowed resources not array")
            << QByteArray("{'allowed_resources': 'https://rs.example'}") << "allowed_resources";
        QTest::newRow("allowed resources number item")
            << QByteArray("{'allowed_resources': [1]}") << "allowed_resources";
        QTest::newRow("format unknown")
            << QByteArray("{'default_token_format': 'paseto'}") << "default_token_format";
        QTest::newRow("format per resource unknown")
            << QByteArray("{'token_format_by_resource': {'https://rs.example/': 'JWT'}}")
            << "token_format_by_resource.https://rs.example/";
        QTest::newRow("format per resource not object")
            << QByteArray("{'token_format_by_resource': ['jwt']}") << "token_format_by_resource";
        QTest::newRow("format per resource bad uri")
            << QByteArray("{'token_format_by_resource': {'rs': 'jwt'}}")
            << "token_format_by_resource";
        QTest::newRow("scopes empty")
            << QByteArray("{'scopes_supported': []}") << "scopes_supported";
        QTest::newRow("scope with space")
            << QByteArray("{'scopes_supported': ['a b'], 'default_scope': 'a'}")
            << "scopes_supported";
        QTest::newRow("scope with quote")
            << QByteArray("{'scopes_supported': ['a\\'', 'b'], 'default_scope': 'b'}")
            << "scopes_supported";
        QTest::newRow("scope twice")
            << QByteArray("{'scopes_supported': ['a', 'a'], 'default_scope': 'a'}")
            << "scopes_supported";
        QTest::newRow("default scope unknown")
            << QByteArray("{'default_scope': 'tasks:admin'}") << "default_scope";
        QTest::newRow("default scope empty")
            << QByteArray("{'default_scope': ' '}") << "default_scope";
        QTest::newRow("default scope offline_access")
            << QByteArray("{'default_scope': 'tasks:read offline_access'}") << "default_scope";
        QTest::newRow("cors path")
            << QByteArray("{'cors_origins': ['https://a.example/x']}") << "cors_origins";
        QTest::newRow("cors not url")
            << QByteArray("{'cors_origins': ['a.example']}") << "cors_origins";
        QTest::newRow("rate limits unknown")
            << QByteArray("{'rate_limits': {'token_per_user': {'limit': 1}}}")
            << "rate_limits.token_per_user";
        QTest::newRow("rate limit unknown member")
            << QByteArray("{'rate_limits': {'token_per_client': {'max': 1}}}")
            << "rate_limits.token_per_client.max";
        QTest::newRow("rate limit negative")
            << QByteArray("{'rate_limits': {'token_per_client': {'limit': -1}}}")
            << "rate_limits.token_per_client.limit";
        QTest::newRow("rate window zero")
            << QByteArray("{'rate_limits': {'register_per_address': {'window_seconds': 0}}}")
            << "rate_limits.register_per_address.window_seconds";
        QTest::newRow("rate window string")
            << QByteArray("{'rate_limits': {'login_per_address': {'window_seconds': '60'}}}")
            << "rate_limits.login_per_address.window_seconds";
        QTest::newRow("rate limits not object")
            << QByteArray("{'rate_limits': 5}") << "rate_limits";
    }

    void invalid()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        const auto config = parse(json);
        QVERIFY(!config.ok());
        QCOMPARE(config.error().code, QStringLiteral("invalid_config"));
        const QString expected = QStringLiteral("authorization_server.") + field + QLatin1Char(':');
        QVERIFY2(config.error().message.startsWith(expected), qPrintable(config.error().message));
    }

    void validateDirect()
    {
        Config config;
        config.accessTokenLifetime = 0;
        QVERIFY(!config.validate().ok());
        config = Config();
        config.signingAlgorithm = QStringLiteral("EdDSA");
        QVERIFY(!config.validate().ok());
        config = Config();
        config.defaultScope = QStringLiteral("offline_access");
        QVERIFY(!config.validate().ok());
    }
};

QTEST_GUILESS_MAIN(TestAsConfig)
#include "tst_as_config.moc"
