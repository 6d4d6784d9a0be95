#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>

#include "serverconfig.h"

class TestServerConfig final : public QObject
{
    Q_OBJECT

private slots:
    void defaults()
    {
        const Core::ServerConfig config;
        QCOMPARE(config.bindAddress, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(config.asPort, quint16(9400));
        QCOMPARE(config.rsPort, quint16(9401));
        QVERIFY(config.validate().ok());
    }

    void roundTrip()
    {
        Core::ServerConfig config;
        config.storeUrl = QStringLiteral("sqlite:///tmp/x.db");
        config.bindAddress = QHostAddress(QStringLiteral("::1"));
        config.asPort = 0;
        config.rsPort = 0;
        config.issuer = QStringLiteral("https://auth.example/tenant1");
        config.workerThreads = 3;
        const auto back = Core::ServerConfig::fromJson(config.toJson());
        QVERIFY2(back.ok(), qPrintable(back.ok() ? QString() : back.error().message));
        QCOMPARE(back->toJson(), config.toJson());
    }

    void invalid_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("unknown key") << QByteArray("{\"prot\": 1}") << "prot";
        QTest::newRow("port string") << QByteArray("{\"as_port\": \"80\"}") << "as_port";
        QTest::newRow("port too big") << QByteArray("{\"rs_port\": 70000}") << "rs_port";
        QTest::newRow("port negative") << QByteArray("{\"as_port\": -1}") << "as_port";
        QTest::newRow("port fraction") << QByteArray("{\"as_port\": 80.5}") << "as_port";
        QTest::newRow("same ports")
            << QByteArray("{\"as_port\": 80, \"rs_port\": 80}") << "rs_port";
        QTest::newRow("bind not ip") << QByteArray("{\"bind\": \"localhost\"}") << "bind";
        QTest::newRow("bind number") << QByteArray("{\"bind\": 127}") << "bind";
        QTest::newRow("issuer slash")
            << QByteArray("{\"issuer\": \"http://a.example/\"}") << "issuer";
        QTest::newRow("issuer query")
            << QByteArray("{\"issuer\": \"http://a.example?x=1\"}") << "issuer";
        QTest::newRow("issuer scheme")
            << QByteArray("{\"issuer\": \"ftp://a.example\"}") << "issuer";
        QTest::newRow("issuer relative") << QByteArray("{\"issuer\": \"/x\"}") << "issuer";
        QTest::newRow("workers") << QByteArray("{\"workers\": 1000}") << "workers";
        QTest::newRow("tls type") << QByteArray("{\"tls\": \"yes\"}") << "tls";
        QTest::newRow("tls key alone")
            << QByteArray("{\"tls\": true, \"tls_key\": \"k.pem\"}") << "tls_cert";
        QTest::newRow("cert without tls")
            << QByteArray("{\"tls_cert\": \"c.pem\", \"tls_key\": \"k.pem\"}") << "tls";
        QTest::newRow("as not object")
            << QByteArray("{\"authorization_server\": []}") << "authorization_server";
        QTest::newRow("as unknown member")
            << QByteArray("{\"authorization_server\": {\"acess_token_lifetime\": 60}}")
            << "authorization_server.acess_token_lifetime";
        QTest::newRow("as lifetime range")
            << QByteArray("{\"authorization_server\": {\"access_token_lifetime\": 0}}")
            << "authorization_server.access_token_lifetime";
        QTest::newRow("as format")
            << QByteArray("{\"authorization_server\": {\"token_format_by_resource\": "
                          "{\"https://rs.example/mcp\": \"paseto\"}}}")
            << "authorization_server.token_format_by_resource.https://rs.example/mcp";
        QTest::newRow("as rate limit")
            << QByteArray("{\"authorization_server\": {\"rate_limits\": {\"token_per_client\": "
                          "{\"limit\": -1}}}}")
            << "authorization_server.rate_limits.token_per_client.limit";
    }

    void authorizationServer()
    {
        const auto parsed = Core::ServerConfig::fromJson(
            QJsonDocument::fromJson("{\"as_port\": 0, \"rs_port\": 0, \"authorization_server\": "
                                    "{\"access_token_lifetime\": 120, \"auto_approve\": true, "
                                    "\"cors_origins\": [\"https://app.example\"], "
                                    "\"token_format_by_resource\": {\"https://rs.example/mcp\": "
                                    "\"jwt\"}}}")
                .object());
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        const Auth::Config &as = parsed->authorizationServer;
        QCOMPARE(as.accessTokenLifetime, 120);
        QVERIFY(as.autoApprove);
        QCOMPARE(as.corsOrigins, QStringList{QStringLiteral("https://app.example")});
        QCOMPARE(as.tokenFormatFor(QStringLiteral("https://rs.example/mcp")),
                 Auth::AccessTokenFormat::Jwt);
        QCOMPARE(as.tokenFormatFor(QStringLiteral("https://other.example/mcp")),
                 Auth::AccessTokenFormat::Opaque);
        // Defaults stay for the members the file does not name.
        QCOMPARE(as.refreshTokenLifetime, Auth::Config().refreshTokenLifetime);

        const auto back = Core::ServerConfig::fromJson(parsed->toJson());
        QVERIFY(back.ok());
        QCOMPARE(back->toJson(), parsed->toJson());
        QCOMPARE(back->authorizationServer.toJson(), as.toJson());

        // A config without the object has the defaults.
        const auto plain = Core::ServerConfig::fromJson(QJsonObject());
        QVERIFY(plain.ok());
        QCOMPARE(plain->authorizationServer.toJson(), Auth::Config().toJson());

        // validate() checks the embedded settings too.
        Core::ServerConfig config;
        config.authorizationServer.defaultScope = QStringLiteral("offline_access");
        const Core::Status status = config.validate();
        QVERIFY(!status.ok());
        QVERIFY2(status.error().message.startsWith(
                     QStringLiteral("authorization_server.default_scope:")),
                 qPrintable(status.error().message));
    }

    void invalid()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        const auto result = Core::ServerConfig::fromJson(QJsonDocument::fromJson(json).object());
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, QStringLiteral("invalid_config"));
        QVERIFY2(result.error().message.startsWith(field + QLatin1Char(':')),
                 qPrintable(result.error().message));
    }

    void fromFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("c.json"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"as_port\": 0, \"rs_port\": 0, \"bind\": \"127.0.0.1\"}");
        file.close();
        const auto ok = Core::ServerConfig::fromFile(path);
        QVERIFY(ok.ok());
        QCOMPARE(ok->asPort, quint16(0));

        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\"as_port\": ");
        file.close();
        const auto broken = Core::ServerConfig::fromFile(path);
        QVERIFY(!broken.ok());
        QVERIFY(broken.error().message.contains(QStringLiteral("offset")));

        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("[1, 2]");
        file.close();
        QVERIFY(!Core::ServerConfig::fromFile(path).ok());

        const auto missing = Core::ServerConfig::fromFile(dir.filePath(QStringLiteral("no")));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(QStringLiteral("cannot read")));
    }
};

QTEST_GUILESS_MAIN(TestServerConfig)
#include "tst_serverconfig.moc"
