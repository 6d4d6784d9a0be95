// `mcpauth check-server` end to end: a real `mcpauth serve` process is the target, and
// check-server runs as another process on the SAME store with the SAME issuer, so the
// tokens it mints are signed with the target's key and committed in the target's token
// table: the target's RS (introspection, the default) accepts them as its own AS's. With
// another issuer the target's metadata does not name the minting AS and the command says
// how to make it trust it.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "clirun.h"

namespace {

using Ran = TestSupport::CliRun;

Ran runCli(const QStringList &arguments, int timeoutMs = 60000)
{
    return TestSupport::runProgram(QStringLiteral(MCPAUTH_CLI), arguments, {}, timeoutMs);
}

QStringList stepIds(const QJsonObject &run)
{
    QStringList ids;
    for (const QJsonValue &step : run.value(QStringLiteral("steps")).toArray())
        ids.append(step.toObject().value(QStringLiteral("id")).toString());
    return ids;
}

} // namespace

class TestCheckCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void usageErrors_data();
    void usageErrors();
    void auditsServeAsJsonWithReport();
    void textOutputStateless();
    void untrustedIssuerExplainsHowToTrust();

private:
    QTemporaryDir m_dir;
    QProcess m_serve;
    QString m_store;
    QString m_mcp;
    QString m_issuer;
};

void TestCheckCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString ready = m_dir.filePath(QStringLiteral("ready.json"));
    m_store = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("check.db"));
    m_serve.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_serve.setStandardOutputFile(m_dir.filePath(QStringLiteral("serve.log")));
    m_serve.start(
        QStringLiteral(MCPAUTH_CLI),
        {QStringLiteral("serve"), QStringLiteral("--store"), m_store, QStringLiteral("--as-port"),
         QStringLiteral("0"), QStringLiteral("--rs-port"), QStringLiteral("0"),
         QStringLiteral("--workers"), QStringLiteral("2"), QStringLiteral("--admin-token-file"),
         m_dir.filePath(QStringLiteral("admin-token")), QStringLiteral("--ready-file"), ready});
    QVERIFY(m_serve.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(ready), 20000);
    QFile file(ready);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject object = QJsonDocument::fromJson(file.readAll()).object();
    m_mcp = object.value(QStringLiteral("mcp_resource")).toString();
    m_issuer = object.value(QStringLiteral("issuer")).toString();
    QVERIFY(m_mcp.startsWith(QLatin1String("http://127.0.0.1:")));
    QVERIFY(m_issuer.startsWith(QLatin1String("http://127.0.0.1:")));
}

void TestCheckCli::cleanupTestCase()
{
    m_serve.terminate();
    QVERIFY(m_serve.waitForFinished(10000));
}

void TestCheckCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");

    QTest::newRow("no url") << QStringList{} << QStringLiteral("exactly one MCP server URL");
    QTest::newRow("two urls") << QStringList{QStringLiteral("http://a/mcp"),
                                             QStringLiteral("http://b/mcp")}
                              << QStringLiteral("exactly one MCP server URL");
    QTest::newRow("not http") << QStringList{QStringLiteral("ftp://example.com/mcp")}
                              << QStringLiteral("is not an http(s) URL");
    QTest::newRow("relative") << QStringList{QStringLiteral("/mcp")}
                              << QStringLiteral("is not an http(s) URL");
    QTest::newRow("bad format") << QStringList{QStringLiteral("http://127.0.0.1:1/mcp"),
                                               QStringLiteral("--format"), QStringLiteral("paseto")}
                                << QStringLiteral("--format must be jwt, opaque or both");
    QTest::newRow("bad version") << QStringList{QStringLiteral("http://127.0.0.1:1/mcp"),
                                                QStringLiteral("--protocol-version"),
                                                QStringLiteral("2024-11-05")}
                                 << QStringLiteral("--protocol-version must be");
    QTest::newRow("bad port") << QStringList{QStringLiteral("http://127.0.0.1:1/mcp"),
                                             QStringLiteral("--as-port"), QStringLiteral("70000")}
                              << QStringLiteral("is not a port number");
    QTest::newRow("unknown option")
        << QStringList{QStringLiteral("http://127.0.0.1:1/mcp"), QStringLiteral("--bogus")}
        << QStringLiteral("bogus");
}

void TestCheckCli::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Ran ran = runCli(QStringList{QStringLiteral("check-server")} + arguments);
    QCOMPARE(ran.exitCode, 2);
    QVERIFY2(ran.err.contains(message), qPrintable(ran.err));
}

void TestCheckCli::auditsServeAsJsonWithReport()
{
    const QString report = m_dir.filePath(QStringLiteral("report.html"));
    const Ran ran = runCli({QStringLiteral("check-server"), m_mcp, QStringLiteral("--store"),
                            m_store, QStringLiteral("--issuer"), m_issuer, QStringLiteral("--json"),
                            QStringLiteral("--report"), report});
    QVERIFY2(ran.exitCode == 0, qPrintable(ran.out + ran.err));
    const QJsonObject run = QJsonDocument::fromJson(ran.out.toUtf8()).object();
    QCOMPARE(run.value(QStringLiteral("outcome")).toString(), QStringLiteral("succeeded"));
    const QStringList ids = stepIds(run);
    for (const QString &id :
         {QStringLiteral("discovery"), QStringLiteral("no_token"), QStringLiteral("valid"),
          QStringLiteral("other_resource.jwt"), QStringLiteral("expired.opaque"),
          QStringLiteral("tampered.jwt"), QStringLiteral("unknown_token.opaque"),
          QStringLiteral("query_string")})
        QVERIFY2(ids.contains(id), qPrintable(id));
    // Another process revoking: the target's introspection cache keeps the token it had
    // accepted until the entry ends, which the audit reports as a SHOULD (warning) only.
    for (const QJsonValue &value : run.value(QStringLiteral("steps")).toArray()) {
        const QJsonObject step = value.toObject();
        for (const QJsonValue &check : step.value(QStringLiteral("checks")).toArray()) {
            const QString verdict = check.toObject().value(QStringLiteral("verdict")).toString();
            QVERIFY2(verdict != QLatin1String("fail"),
                     qPrintable(check.toObject().value(QStringLiteral("rule")).toString()));
            if (verdict == QLatin1String("warn"))
                QVERIFY(step.value(QStringLiteral("id"))
                            .toString()
                            .startsWith(QLatin1String("revoked_after_use.")));
        }
    }
    QCOMPARE(run.value(QStringLiteral("authorization_server"))
                 .toObject()
                 .value(QStringLiteral("jwks_uri"))
                 .toString(),
             m_issuer + QStringLiteral("/jwks"));
    QVERIFY(!run.contains(QStringLiteral("how_to_trust")));
    QFile html(report);
    QVERIFY(html.open(QIODevice::ReadOnly));
    const QByteArray page = html.readAll();
    QVERIFY(page.startsWith("<!DOCTYPE html>"));
    QVERIFY(page.contains("alg_none.jwt.status"));
}

void TestCheckCli::textOutputStateless()
{
    const Ran ran = runCli({QStringLiteral("check-server"), m_mcp, QStringLiteral("--store"),
                            m_store, QStringLiteral("--issuer"), m_issuer,
                            QStringLiteral("--format"), QStringLiteral("jwt"),
                            QStringLiteral("--protocol-version"), QStringLiteral("2026-07-28"),
                            QStringLiteral("--tool"), QStringLiteral("create_task"),
                            QStringLiteral("--scope"), QStringLiteral("tasks:write")});
    QVERIFY2(ran.exitCode == 0, qPrintable(ran.out + ran.err));
    QVERIFY(ran.out.contains(QStringLiteral("issuer:        ") + m_issuer));
    QVERIFY(ran.out.contains(QStringLiteral("\u2713 expired.jwt")));
    QVERIFY(ran.out.contains(QStringLiteral("\u2713 insufficient_scope.jwt")));
    QVERIFY(ran.out.contains(QStringLiteral("\u2713 query_string")));
    QVERIFY(!ran.out.contains(QStringLiteral(".opaque")));
    QVERIFY(ran.out.contains(QStringLiteral("Server check succeeded")));
}

void TestCheckCli::untrustedIssuerExplainsHowToTrust()
{
    // Same store, but the embedded AS keeps its own issuer: the target names another.
    const Ran json = runCli({QStringLiteral("check-server"), m_mcp, QStringLiteral("--store"),
                             m_store, QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 1);
    const QJsonObject run = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(run.value(QStringLiteral("outcome")).toString(), QStringLiteral("failed"));
    QCOMPARE(stepIds(run), QStringList{QStringLiteral("discovery")});
    const QString issuer = run.value(QStringLiteral("authorization_server"))
                               .toObject()
                               .value(QStringLiteral("issuer"))
                               .toString();
    QVERIFY(issuer != m_issuer);
    QVERIFY(run.value(QStringLiteral("how_to_trust"))
                .toString()
                .contains(issuer + QStringLiteral("/jwks")));

    const Ran text =
        runCli({QStringLiteral("check-server"), m_mcp, QStringLiteral("--store"), m_store});
    QCOMPARE(text.exitCode, 1);
    QVERIFY(text.out.contains(QStringLiteral("\u2717 discovery")));
    QVERIFY(text.out.contains(QStringLiteral("same --store and --issuer")));
    QVERIFY(text.out.contains(QStringLiteral("Server check failed")));
}

QTEST_GUILESS_MAIN(TestCheckCli)
#include "tst_check_cli.moc"
