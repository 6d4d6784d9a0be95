// `mcpauth flow` end to end: a real `mcpauth serve` process (ready file, demo account),
// then `mcpauth flow <mcp url> --browser headless ...` as another process.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include "clirun.h"

namespace {

using Ran = TestSupport::CliRun;

Ran runCli(const QStringList &arguments, int timeoutMs = 60000)
{
    return TestSupport::runProgram(QStringLiteral(MCPAUTH_CLI), arguments, {}, timeoutMs);
}

} // namespace

class TestFlowCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void usageErrors_data();
    void usageErrors();
    void headlessWalkAsJsonWithReport();
    void textOutputAndDeniedConsent();
    void statelessRevision();

private:
    QStringList headlessArguments() const;

    QTemporaryDir m_dir;
    QProcess m_serve;
    QString m_mcp;
    QString m_password;
    QString m_passwordFile;
};

void TestFlowCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // The walks below keep their clients in the default store: private XDG folders and no
    // D-Bus session (so no OS keychain) keep them out of the developer's home and keychain,
    // also when this runs outside CTest.
    for (const char *name : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"})
        qputenv(name, QFile::encodeName(m_dir.filePath(QString::fromLatin1(name).toLower())));
    qputenv("DBUS_SESSION_BUS_ADDRESS", "disabled:");
    const QString ready = m_dir.filePath(QStringLiteral("ready.json"));
    m_serve.start(QStringLiteral(MCPAUTH_CLI),
                  {QStringLiteral("serve"), QStringLiteral("--store"),
                   QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("flow.db")),
                   QStringLiteral("--as-port"), QStringLiteral("0"), QStringLiteral("--rs-port"),
                   QStringLiteral("0"), QStringLiteral("--workers"), QStringLiteral("2"),
                   QStringLiteral("--show-demo-password"), QStringLiteral("--ready-file"), ready});
    QVERIFY(m_serve.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(ready), 20000);
    QFile file(ready);
    QVERIFY(file.open(QIODevice::ReadOnly));
    m_mcp = QJsonDocument::fromJson(file.readAll())
                .object()
                .value(QStringLiteral("mcp_resource"))
                .toString();
    QVERIFY(m_mcp.startsWith(QLatin1String("http://127.0.0.1:")));
    // The demo password is printed before the ready file is written.
    static const QRegularExpression demo(QStringLiteral("Demo user:\\s+demo / (\\S+)"));
    QString output;
    QTRY_VERIFY_WITH_TIMEOUT((output += QString::fromUtf8(m_serve.readAllStandardOutput()),
                              demo.match(output).hasMatch()),
                             10000);
    m_password = demo.match(output).captured(1);
    m_passwordFile = m_dir.filePath(QStringLiteral("password.txt"));
    QFile passwordFile(m_passwordFile);
    QVERIFY(passwordFile.open(QIODevice::WriteOnly));
    passwordFile.write(m_password.toUtf8() + '\n');
}

void TestFlowCli::cleanupTestCase()
{
    m_serve.terminate();
    QVERIFY(m_serve.waitForFinished(10000));
}

QStringList TestFlowCli::headlessArguments() const
{
    return {QStringLiteral("flow"),
            m_mcp,
            QStringLiteral("--browser"),
            QStringLiteral("headless"),
            QStringLiteral("--username"),
            QStringLiteral("demo"),
            QStringLiteral("--password-file"),
            m_passwordFile};
}

void TestFlowCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("no url") << QStringList{QStringLiteral("flow")} << QStringLiteral("exactly one");
    QTest::newRow("two urls") << QStringList{QStringLiteral("flow"), QStringLiteral("http://a/"),
                                             QStringLiteral("http://b/")}
                              << QStringLiteral("exactly one");
    QTest::newRow("not http") << QStringList{QStringLiteral("flow"), QStringLiteral("ftp://a/mcp")}
                              << QStringLiteral("not an http(s) URL");
    QTest::newRow("unknown browser")
        << QStringList{QStringLiteral("flow"), QStringLiteral("http://127.0.0.1:1/mcp"),
                       QStringLiteral("--browser"), QStringLiteral("lynx")}
        << QStringLiteral("unknown browser mode");
    QTest::newRow("unknown grant")
        << QStringList{QStringLiteral("flow"), QStringLiteral("http://127.0.0.1:1/mcp"),
                       QStringLiteral("--grant"), QStringLiteral("implicit")}
        << QStringLiteral("unknown grant");
    QTest::newRow("client credentials without a secret")
        << QStringList{QStringLiteral("flow"),        QStringLiteral("http://127.0.0.1:1/mcp"),
                       QStringLiteral("--grant"),     QStringLiteral("client-credentials"),
                       QStringLiteral("--client-id"), QStringLiteral("c")}
        << QStringLiteral("needs --client-id with");
    QTest::newRow("secret without id")
        << QStringList{QStringLiteral("flow"), QStringLiteral("http://127.0.0.1:1/mcp"),
                       QStringLiteral("--client-secret"), QStringLiteral("s")}
        << QStringLiteral("needs --client-id");
    QTest::newRow("jwt bearer without assertion")
        << QStringList{QStringLiteral("flow"),        QStringLiteral("http://127.0.0.1:1/mcp"),
                       QStringLiteral("--grant"),     QStringLiteral("jwt-bearer"),
                       QStringLiteral("--client-id"), QStringLiteral("c")}
        << QStringLiteral("--grant jwt-bearer needs");
    QTest::newRow("idp without id token")
        << QStringList{QStringLiteral("flow"), QStringLiteral("http://127.0.0.1:1/mcp"),
                       QStringLiteral("--idp-token-endpoint"),
                       QStringLiteral("http://127.0.0.1:1/token")}
        << QStringLiteral("needs --idp-id-token-file");
    QTest::newRow("bad protocol version")
        << QStringList{QStringLiteral("flow"), QStringLiteral("http://127.0.0.1:1/mcp"),
                       QStringLiteral("--protocol-version"), QStringLiteral("latest")}
        << QStringLiteral("--protocol-version");
    QTest::newRow("bad timeout") << QStringList{QStringLiteral("flow"),
                                                QStringLiteral("http://127.0.0.1:1/mcp"),
                                                QStringLiteral("--timeout"), QStringLiteral("0")}
                                 << QStringLiteral("--timeout");
}

void TestFlowCli::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Ran ran = runCli(arguments);
    QCOMPARE(ran.exitCode, 2);
    QVERIFY2(ran.err.contains(message), qPrintable(ran.err));
}

void TestFlowCli::headlessWalkAsJsonWithReport()
{
    const QString report = m_dir.filePath(QStringLiteral("report.html"));
    const Ran ran = runCli(headlessArguments() + QStringList{QStringLiteral("--json"),
                                                             QStringLiteral("--report"), report});
    QVERIFY2(ran.exitCode == 0, qPrintable(ran.out + ran.err));
    const QJsonObject run = QJsonDocument::fromJson(ran.out.toUtf8()).object();
    QCOMPARE(run.value(QStringLiteral("outcome")).toString(), QStringLiteral("succeeded"));
    QCOMPARE(run.value(QStringLiteral("summary")).toObject().value(QStringLiteral("fail")).toInt(),
             0);
    QStringList ids;
    for (const QJsonValue &step : run.value(QStringLiteral("steps")).toArray())
        ids.append(step.toObject().value(QStringLiteral("id")).toString());
    QCOMPARE(ids.first(), QStringLiteral("probe"));
    QVERIFY(ids.contains(QStringLiteral("mcp")));
    QCOMPARE(ids.last(), QStringLiteral("revocation"));
    QVERIFY(!ran.out.contains(m_password));
    QFile file(report);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QString html = QString::fromUtf8(file.readAll());
    QVERIFY(html.startsWith(QLatin1String("<!DOCTYPE html>")));
    QVERIFY(html.contains(QLatin1String("succeeded")));
    QVERIFY(!html.contains(m_password));
}

void TestFlowCli::textOutputAndDeniedConsent()
{
    const Ran ok = runCli(headlessArguments());
    QVERIFY2(ok.exitCode == 0, qPrintable(ok.out + ok.err));
    QVERIFY(ok.out.contains(QStringLiteral("\u2713 prm.resource_matches (MUST)")));
    QVERIFY(ok.out.contains(QLatin1String("Walk succeeded")));

    const Ran denied = runCli(headlessArguments() + QStringList{QStringLiteral("--deny")});
    QCOMPARE(denied.exitCode, 1);
    QVERIFY2(denied.out.contains(QStringLiteral("\u2717 authorization.granted (MUST)")),
             qPrintable(denied.out));
    QVERIFY(denied.out.contains(QLatin1String("Walk failed")));
    QVERIFY(denied.out.contains(QLatin1String("access_denied")));
}

// MCP 2026-07-28: server/discover instead of initialize, no session, every request stamped.
void TestFlowCli::statelessRevision()
{
    const Ran ran = runCli(headlessArguments() + QStringList{QStringLiteral("--protocol-version"),
                                                             QStringLiteral("2026-07-28"),
                                                             QStringLiteral("--json")});
    QVERIFY2(ran.exitCode == 0, qPrintable(ran.out + ran.err));
    const QJsonObject run = QJsonDocument::fromJson(ran.out.toUtf8()).object();
    QCOMPARE(run.value(QStringLiteral("outcome")).toString(), QStringLiteral("succeeded"));
    QStringList rules;
    QStringList requests;
    for (const QJsonValue &step : run.value(QStringLiteral("steps")).toArray()) {
        for (const QJsonValue &check : step.toObject().value(QStringLiteral("checks")).toArray())
            rules.append(check.toObject().value(QStringLiteral("rule")).toString());
        if (step.toObject().value(QStringLiteral("id")).toString() == QLatin1String("mcp"))
            for (const QJsonValue &exchange :
                 step.toObject().value(QStringLiteral("exchanges")).toArray())
                requests.append(QString::fromUtf8(QJsonDocument(exchange.toObject()).toJson()));
    }
    QVERIFY2(rules.contains(QStringLiteral("mcp.discover")), qPrintable(rules.join(u' ')));
    QVERIFY(!rules.contains(QStringLiteral("mcp.initialize")));
    QVERIFY(rules.contains(QStringLiteral("mcp.tools_call")));
    QVERIFY(!requests.isEmpty());
    for (const QString &request : std::as_const(requests)) {
        QVERIFY2(request.contains(QLatin1String("2026-07-28")), qPrintable(request));
        QVERIFY2(request.contains(QLatin1String("Mcp-Method"), Qt::CaseInsensitive),
                 qPrintable(request));
        QVERIFY(!request.contains(QLatin1String("Mcp-Session-Id"), Qt::CaseInsensitive));
    }
}

QTEST_MAIN(TestFlowCli)
#include "tst_flow_cli.moc"
