// `mcpauth friction state|watch|set-config` against a real Core::Engine on loopback: the
// CLI binary runs as a child process; events are made in-process on the engine's registry.
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "clirun.h"
#include "engine.h"
#include "friction/registry.h"

namespace {

using RunResult = TestSupport::CliRun;

RunResult runCli(const QStringList &arguments)
{
    return TestSupport::runProgram(QStringLiteral(MCPAUTH_CLI), arguments, {}, 20000);
}

} // namespace

class TestFrictionCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void commands_data();
    void commands();
    void watchPrintsEventsUntilInterrupted();

private:
    QString writeFile(const QString &name, const QByteArray &content);

    QTemporaryDir m_dir;
    Core::Engine m_engine;
    QString m_url;
};

void TestFrictionCli::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(m_dir.isValid());
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("cli.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    config.adminTokenFile = m_dir.filePath(QStringLiteral("admin-token"));
    const Core::Status started = m_engine.start(config);
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    m_url = m_engine.resourceServerUrl().toString();
}

void TestFrictionCli::cleanupTestCase()
{
    m_engine.stop();
}

QString TestFrictionCli::writeFile(const QString &name, const QByteArray &content)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (file.open(QIODevice::WriteOnly))
        file.write(content);
    return path;
}

void TestFrictionCli::commands_data()
{
    QTest::addColumn<QStringList>("arguments"); // TOKENFILE, URL and CONFIG are replaced
    QTest::addColumn<QByteArray>("config");     // content of CONFIG
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("out"); // must appear on stdout
    QTest::addColumn<QString>("err"); // must appear on stderr

    const QStringList target{QStringLiteral("--url"), QStringLiteral("URL"),
                             QStringLiteral("--admin-token-file"), QStringLiteral("TOKENFILE")};
    QTest::newRow("state") << (QStringList{QStringLiteral("friction"), QStringLiteral("state")} +
                               target)
                           << QByteArray() << 0 << QStringLiteral("\"principals\"") << QString();
    QTest::newRow("state, limit") << (QStringList{QStringLiteral("friction"),
                                                  QStringLiteral("state"),
                                                  QStringLiteral("--limit"), QStringLiteral("5")} +
                                      target)
                                  << QByteArray() << 0 << QStringLiteral("\"config\"") << QString();
    QTest::newRow("state, bad limit")
        << (QStringList{QStringLiteral("friction"), QStringLiteral("state"),
                        QStringLiteral("--limit"), QStringLiteral("0")} +
            target)
        << QByteArray() << 2 << QString() << QStringLiteral("--limit");
    QTest::newRow("set-config") << (QStringList{QStringLiteral("friction"),
                                                QStringLiteral("set-config"),
                                                QStringLiteral("CONFIG")} +
                                    target)
                                << QByteArray("{\"tools\":{\"echo\":{\"target_rate\":0.25}}}") << 0
                                << QStringLiteral("\"target_rate\": 0.25") << QString();
    QTest::newRow("set-config, invalid")
        << (QStringList{QStringLiteral("friction"), QStringLiteral("set-config"),
                        QStringLiteral("CONFIG")} +
            target)
        << QByteArray("{\"tools\":{\"echo\":{\"min_cost\":5,\"max_cost\":1}}}") << 1 << QString()
        << QStringLiteral("friction.tools.echo.max_cost");
    QTest::newRow("set-config, not json")
        << (QStringList{QStringLiteral("friction"), QStringLiteral("set-config"),
                        QStringLiteral("CONFIG")} +
            target)
        << QByteArray("{tools") << 1 << QString() << QStringLiteral("offset");
    QTest::newRow("set-config, no file")
        << (QStringList{QStringLiteral("friction"), QStringLiteral("set-config")} + target)
        << QByteArray() << 2 << QString() << QStringLiteral("configuration file");
    QTest::newRow("wrong token file") << QStringList{QStringLiteral("friction"),
                                                     QStringLiteral("state"),
                                                     QStringLiteral("--url"),
                                                     QStringLiteral("URL"),
                                                     QStringLiteral("--admin-token-file"),
                                                     QStringLiteral("CONFIG")}
                                      << QByteArray("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                                      << 1 << QString() << QStringLiteral("not valid");
    QTest::newRow("missing token file")
        << QStringList{QStringLiteral("friction"),
                       QStringLiteral("state"),
                       QStringLiteral("--url"),
                       QStringLiteral("URL"),
                       QStringLiteral("--admin-token-file"),
                       QStringLiteral("/nonexistent/admin-token")}
        << QByteArray() << 1 << QString() << QStringLiteral("/nonexistent/admin-token");
    QTest::newRow("bad url") << QStringList{QStringLiteral("friction"),
                                            QStringLiteral("state"),
                                            QStringLiteral("--url"),
                                            QStringLiteral("ftp://x"),
                                            QStringLiteral("--admin-token-file"),
                                            QStringLiteral("TOKENFILE")}
                             << QByteArray() << 2 << QString() << QStringLiteral("--url");
    QTest::newRow("unknown type") << (QStringList{
                                          QStringLiteral("friction"), QStringLiteral("watch"),
                                          QStringLiteral("--types"), QStringLiteral("nope")} +
                                      target)
                                  << QByteArray() << 1 << QString()
                                  << QStringLiteral("unknown event type 'nope'");
    QTest::newRow("no subcommand") << QStringList{QStringLiteral("friction")} << QByteArray() << 2
                                   << QString() << QStringLiteral("subcommand");
    QTest::newRow("unknown subcommand")
        << QStringList{QStringLiteral("friction"), QStringLiteral("reset")} << QByteArray() << 2
        << QString() << QStringLiteral("reset");
}

void TestFrictionCli::commands()
{
    QFETCH(QStringList, arguments);
    QFETCH(QByteArray, config);
    QFETCH(int, exitCode);
    QFETCH(QString, out);
    QFETCH(QString, err);
    const QString configPath = writeFile(
        QStringLiteral("config-%1").arg(QString::fromLatin1(QTest::currentDataTag())), config);
    for (QString &argument : arguments) {
        if (argument == QLatin1String("URL"))
            argument = m_url;
        else if (argument == QLatin1String("TOKENFILE"))
            argument = m_engine.adminTokenFile();
        else if (argument == QLatin1String("CONFIG"))
            argument = configPath;
    }
    const RunResult result = runCli(arguments);
    QVERIFY2(result.exitCode == exitCode, qPrintable(result.out + result.err));
    QVERIFY2(result.out.contains(out), qPrintable(result.out));
    QVERIFY2(result.err.contains(err), qPrintable(result.err));
    QFile tokenFile(m_engine.adminTokenFile());
    QVERIFY(tokenFile.open(QIODevice::ReadOnly));
    const QString token = QString::fromLatin1(tokenFile.readAll().trimmed());
    QVERIFY(!result.out.contains(token) && !result.err.contains(token));
}

void TestFrictionCli::watchPrintsEventsUntilInterrupted()
{
    auto friction = Friction::ControllerConfig::fromJson(
        QJsonDocument::fromJson("{\"tools\":{\"echo\":{\"target_rate\":0.02,"
                                "\"justification_threshold\":0.3,\"hard_block_threshold\":0.6}},"
                                "\"controller\":{\"warmup_calls\":2,\"adjustment_rate\":0.3}}")
            .object());
    QVERIFY(friction.ok());
    QVERIFY(m_engine.frictionRegistry()->setConfig(*friction).ok());

    QProcess watch;
    watch.start(QStringLiteral(MCPAUTH_CLI),
                {QStringLiteral("friction"), QStringLiteral("watch"), QStringLiteral("--url"),
                 m_url, QStringLiteral("--admin-token-file"), m_engine.adminTokenFile(),
                 QStringLiteral("--types"), QStringLiteral("friction_block,friction_check")});
    QVERIFY(watch.waitForStarted());
    QString output;
    const auto read = [&] {
        output += QString::fromUtf8(watch.readAllStandardOutput());
        return output;
    };
    QTRY_VERIFY2_WITH_TIMEOUT(read().contains(QStringLiteral("watching: friction enabled")),
                              qPrintable(output), 10000);
    const Friction::Principal caller{QStringLiteral("watched"), QStringLiteral("cli-client"),
                                     QStringLiteral("https://as.test")};
    const double now = Friction::Registry::monotonicNow();
    bool blocked = false;
    for (int i = 0; i < 20 && !blocked; ++i) {
        auto decision = m_engine.frictionRegistry()->evaluate(
            caller, QStringLiteral("echo"), QStringLiteral("because"), now + i * 0.001);
        QVERIFY(decision.ok());
        blocked = decision->outcome == Friction::Outcome::Blocked;
    }
    QVERIFY(blocked);
    QTRY_VERIFY2_WITH_TIMEOUT(read().contains(QStringLiteral(" friction_block ")),
                              qPrintable(output), 10000);
    const QStringList lines = output.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const QString blockLine = lines.filter(QStringLiteral(" friction_block ")).first();
    QVERIFY2(blockLine.contains(QStringLiteral("tool=echo")) &&
                 blockLine.contains(QStringLiteral("band=blocked")) &&
                 blockLine.contains(QStringLiteral("allowed=no")) &&
                 blockLine.contains(QStringLiteral("sub=watched")),
             qPrintable(blockLine));
    QVERIFY(!lines.filter(QStringLiteral(" friction_check ")).isEmpty());
    QVERIFY(lines.filter(QStringLiteral("friction_justification")).isEmpty());

    watch.terminate(); // SIGTERM, as Ctrl+C would
    QVERIFY(watch.waitForFinished(10000));
    QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
    QCOMPARE(watch.exitCode(), 0);
}

QTEST_GUILESS_MAIN(TestFrictionCli)
#include "tst_friction_cli.moc"
