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
