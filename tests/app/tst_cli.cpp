#include <csignal>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include "clirun.h"
#include "pgserver.h"

namespace {

using RunResult = TestSupport::CliRun;

RunResult runCli(const QStringList &arguments, int timeoutMs = 30000)
{
    return TestSupport::runProgram(QStringLiteral(MCPAUTH_CLI), arguments, {}, timeoutMs);
}

QJsonObject httpGetJson(const QUrl &url, int *status)
{
    QNetworkAccessManager network;
    QNetworkReply *reply = network.get(QNetworkRequest(url));
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(10000, &loop, &QEventLoop::quit);
    loop.exec();
    *status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    return body;
}

} // namespace

class TestCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const auto started = m_pg.start();
        QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
        m_pgUrl = *started;
    }

    void version()
    {
        const RunResult r = runCli({QStringLiteral("--version")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("mcpauth " MCPAUTH_VERSION " (Qt ")),
                 qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("OpenSSL 3")));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("no command") << QStringList{} << 2 << "no command given";
        QTest::newRow("unknown command")
            << QStringList{QStringLiteral("frobnicate")} << 2 << "unknown command 'frobnicate'";
        QTest::newRow("bad port") << QStringList{QStringLiteral("serve"),
                                                 QStringLiteral("--as-port"),
                                                 QStringLiteral("http")}
                                  << 2 << "--as-port: 'http' is not a port number";
        QTest::newRow("port too big")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--rs-port"),
                           QStringLiteral("65536")}
            << 2 << "--rs-port: '65536' is not a port number";
        QTest::newRow("bad bind") << QStringList{QStringLiteral("serve"), QStringLiteral("--bind"),
                                                 QStringLiteral("localhost")}
                                  << 2 << "--bind: 'localhost' is not an IP address";
        QTest::newRow("unknown option")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--nope")} << 2
            << "Unknown option 'nope'";
        QTest::newRow("same ports")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--as-port"),
                           QStringLiteral("9999"), QStringLiteral("--rs-port"),
                           QStringLiteral("9999")}
            << 2 << "rs_port: must differ from as_port";
        QTest::newRow("db without subcommand")
            << QStringList{QStringLiteral("db")} << 2 << "needs a subcommand";
        QTest::newRow("db unknown") << QStringList{QStringLiteral("db"), QStringLiteral("drop")}
                                    << 2 << "unknown db subcommand 'drop'";
        QTest::newRow("missing config")
            << QStringList{QStringLiteral("serve"), QStringLiteral("--config"),
                           QStringLiteral("/nonexistent/mcpauth.json")}
            << 1 << "cannot read /nonexistent/mcpauth.json";
        QTest::newRow("bad store url")
            << QStringList{QStringLiteral("db"), QStringLiteral("status"),
                           QStringLiteral("--store"),
                           QStringLiteral("mysql://u:hunter2secret@h/db")}
            << 1 << "mysql";
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const RunResult r = runCli(arguments);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY2(!r.err.contains(QStringLiteral("hunter2secret")), qPrintable(r.err));
    }

    void help()
    {
        const RunResult r = runCli({QStringLiteral("help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QStringLiteral("serve")));
        const RunResult serveHelp = runCli({QStringLiteral("serve"), QStringLiteral("--help")});
        QCOMPARE(serveHelp.exitCode, 0);
        QVERIFY(serveHelp.out.contains(QStringLiteral("--ready-file")));
    }

    void backends_data()
    {
        QTest::addColumn<QString>("store");
        QTest::newRow("sqlite") << QStringLiteral("sqlite://") +
                                       m_dir.filePath(QStringLiteral("cli.db"));
        QTest::newRow("postgresql") << m_pgUrl;
    }

    void dbMigrateAndStatus_data() { backends_data(); }
    void dbMigrateAndStatus()
    {
        QFETCH(QString, store);
        const RunResult before =
            runCli({QStringLiteral("db"), QStringLiteral("status"), QStringLiteral("--store"),
                    store, QStringLiteral("--json")});
        QCOMPARE(before.exitCode, 0);
        const QJsonObject pending = QJsonDocument::fromJson(before.out.toUtf8()).object();
        QCOMPARE(pending.value(QStringLiteral("current_version")).toInt(), 0);
        const int latest = pending.value(QStringLiteral("latest_version")).toInt();
        QVERIFY(latest >= 1);
        for (const QJsonValue &m : pending.value(QStringLiteral("migrations")).toArray())
            QVERIFY(!m.toObject().value(QStringLiteral("applied")).toBool());
        QVERIFY(
            !pending.value(QStringLiteral("store")).toString().contains(QStringLiteral("pass")));

        const RunResult migrate = runCli(
            {QStringLiteral("db"), QStringLiteral("migrate"), QStringLiteral("--store"), store});
        QCOMPARE(migrate.exitCode, 0);
        QVERIFY2(migrate.out.contains(QStringLiteral("Applied %1 migration(s).").arg(latest)),
                 qPrintable(migrate.out));

        const RunResult again = runCli(
            {QStringLiteral("db"), QStringLiteral("migrate"), QStringLiteral("--store"), store});
        QCOMPARE(again.exitCode, 0);
        QVERIFY(again.out.contains(QStringLiteral("Already up to date.")));

        const RunResult after =
            runCli({QStringLiteral("db"), QStringLiteral("status"), QStringLiteral("--store"),
                    store, QStringLiteral("--json")});
        const QJsonObject applied = QJsonDocument::fromJson(after.out.toUtf8()).object();
        QCOMPARE(applied.value(QStringLiteral("current_version")).toInt(), latest);
        for (const QJsonValue &m : applied.value(QStringLiteral("migrations")).toArray())
            QVERIFY(m.toObject().value(QStringLiteral("applied")).toBool());
    }

    void serveHealthAndCleanStop_data() { backends_data(); }
    void serveHealthAndCleanStop()
    {
        QFETCH(QString, store);
        const QString ready = m_dir.filePath(
            QStringLiteral("ready-%1.json").arg(QLatin1String(QTest::currentDataTag())));
        QProcess process;
        process.start(QStringLiteral(MCPAUTH_CLI),
                      {QStringLiteral("serve"), QStringLiteral("--store"), store,
                       QStringLiteral("--as-port"), QStringLiteral("0"),
                       QStringLiteral("--rs-port"), QStringLiteral("0"),
                       QStringLiteral("--ready-file"), ready});
        QVERIFY(process.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(ready), 15000);
        QFile file(ready);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject urls = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(urls.value(QStringLiteral("pid")).toInteger(), process.processId());
        const QUrl as(urls.value(QStringLiteral("authorization_server")).toString());
        const QUrl rs(urls.value(QStringLiteral("resource_server")).toString());
        QCOMPARE(as.host(), QStringLiteral("127.0.0.1"));
        QVERIFY(as.port() > 0 && rs.port() > 0 && as.port() != rs.port());
        QCOMPARE(urls.value(QStringLiteral("issuer")).toString(),
                 QStringLiteral("http://127.0.0.1:%1").arg(as.port()));

        for (const auto &[url, role] : {std::pair{as, QStringLiteral("authorization_server")},
                                        std::pair{rs, QStringLiteral("resource_server")}}) {
            int status = 0;
            const QJsonObject health =
                httpGetJson(url.resolved(QUrl(QStringLiteral("/healthz"))), &status);
            QCOMPARE(status, 200);
            QCOMPARE(health.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
            QCOMPARE(health.value(QStringLiteral("role")).toString(), role);
        }
        int status = 0;
        httpGetJson(as.resolved(QUrl(QStringLiteral("/no-such-route"))), &status);
        QCOMPARE(status, 404);

        ::kill(static_cast<pid_t>(process.processId()), SIGTERM);
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 0);
        const QString out = QString::fromUtf8(process.readAllStandardOutput());
        QVERIFY2(out.contains(QStringLiteral("Stopped.")), qPrintable(out));
        // The demo password is masked in output that ends up in logs.
        QVERIFY2(out.contains(QStringLiteral("(--show-demo-password to print it)")),
                 qPrintable(out));
        QVERIFY(out.contains(as.toString()));
    }

    void serveConfigFile()
    {
        const QString config = m_dir.filePath(QStringLiteral("server.json"));
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QJsonObject settings;
        settings.insert(
            QStringLiteral("store"),
            QString(QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("config.db"))));
        settings.insert(QStringLiteral("as_port"), 0);
        settings.insert(QStringLiteral("rs_port"), 0);
        settings.insert(QStringLiteral("issuer"), QStringLiteral("https://issuer.example/tenant"));
        file.write(QJsonDocument(settings).toJson());
        file.close();
        const QString ready = m_dir.filePath(QStringLiteral("ready-config.json"));
        QProcess process;
        process.start(QStringLiteral(MCPAUTH_CLI),
                      {QStringLiteral("serve"), QStringLiteral("--config"), config,
                       QStringLiteral("--ready-file"), ready});
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(ready), 15000);
        QFile readyFile(ready);
        QVERIFY(readyFile.open(QIODevice::ReadOnly));
        QCOMPARE(
            QJsonDocument::fromJson(readyFile.readAll()).object().value(QStringLiteral("issuer")),
            QJsonValue(QStringLiteral("https://issuer.example/tenant")));
        process.terminate(); // SIGTERM
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitCode(), 0);

        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{\"as_port\": 0, \"rs_port\": 0, \"colour\": \"blue\"}");
        file.close();
        const RunResult bad = runCli({QStringLiteral("serve"), QStringLiteral("--config"), config});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains(QStringLiteral("colour: unknown setting")), qPrintable(bad.err));
    }

    void servePortInUse()
    {
        QTcpServer blocker;
        QVERIFY(blocker.listen(QHostAddress::LocalHost, 0));
        const RunResult r =
            runCli({QStringLiteral("serve"), QStringLiteral("--store"),
                    QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("busy.db")),
                    QStringLiteral("--as-port"), QString::number(blocker.serverPort()),
                    QStringLiteral("--rs-port"), QStringLiteral("0")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("authorization server")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QString::number(blocker.serverPort())), qPrintable(r.err));
    }

private:
    QTemporaryDir m_dir;
    TestSupport::PgServer m_pg;
    QString m_pgUrl;
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
