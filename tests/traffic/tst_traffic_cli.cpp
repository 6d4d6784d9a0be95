// `mcpauth traffic` end to end: a real `mcpauth serve` (friction on delete_task), a
// confidential client added with `mcpauth clients add`, a token from the AS's
// client_credentials grant, then `mcpauth traffic` against the MCP endpoint.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include "clirun.h"

namespace {

using RunResult = TestSupport::CliRun;

RunResult runCli(const QStringList &arguments, int timeoutMs = 25000)
{
    return TestSupport::runProgram(QStringLiteral(MCPAUTH_CLI), arguments, {}, timeoutMs);
}

} // namespace

class TestTrafficCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void usageErrors_data();
    void usageErrors();
    void helpListsTraffic();
    void tableOutput();
    void jsonOutput();
    void badTokenFails();
    void progressOnTerminal();
    void interruptPrintsPartialCounts();

private:
    QTemporaryDir m_dir;
    QProcess m_serve;
    QString m_mcpUrl;
    QString m_tokenFile;
};

void TestTrafficCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString store = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("cli.db"));
    const QJsonObject deleteTask{{QStringLiteral("target_rate"), 0.02},
                                 {QStringLiteral("justification_threshold"), 0.3},
                                 {QStringLiteral("hard_block_threshold"), 0.9}};
    const QJsonObject friction{
        {QStringLiteral("tools"), QJsonObject{{QStringLiteral("delete_task"), deleteTask}}},
        {QStringLiteral("controller"), QJsonObject{{QStringLiteral("warmup_calls"), 2},
                                                   {QStringLiteral("adjustment_rate"), 0.15}}}};
    const QJsonObject settings{
        {QStringLiteral("store"), store},
        {QStringLiteral("as_port"), 0},
        {QStringLiteral("rs_port"), 0},
        {QStringLiteral("workers"), 2},
        {QStringLiteral("resource_server"), QJsonObject{{QStringLiteral("friction"), friction}}}};
    const QString config = m_dir.filePath(QStringLiteral("server.json"));
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QJsonDocument(settings).toJson());
    file.close();

    const RunResult added =
        runCli({QStringLiteral("clients"), QStringLiteral("add"), QStringLiteral("--name"),
                QStringLiteral("traffic agent"), QStringLiteral("--auth-method"),
                QStringLiteral("client_secret_post"), QStringLiteral("--grant"),
                QStringLiteral("client_credentials"), QStringLiteral("--scope"),
                QStringLiteral("tasks:read tasks:write tasks:delete"), QStringLiteral("--json"),
                QStringLiteral("--store"), store});
    QVERIFY2(added.exitCode == 0, qPrintable(added.err));
    const QJsonObject client = QJsonDocument::fromJson(added.out.toUtf8()).object();
    const QString clientId = client.value(QStringLiteral("client_id")).toString();
    const QString secret = client.value(QStringLiteral("client_secret")).toString();
    QVERIFY2(!clientId.isEmpty() && !secret.isEmpty(), qPrintable(added.out));

    const QString ready = m_dir.filePath(QStringLiteral("ready.json"));
    // The server logs a line per friction decision; an undrained pipe would stall it.
    m_serve.setStandardOutputFile(QProcess::nullDevice());
    m_serve.setStandardErrorFile(QProcess::nullDevice());
    m_serve.start(QStringLiteral(MCPAUTH_CLI), {QStringLiteral("serve"), QStringLiteral("--config"),
                                                config, QStringLiteral("--ready-file"), ready});
    QVERIFY(m_serve.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(ready), 15000);
    QFile readyFile(ready);
    QVERIFY(readyFile.open(QIODevice::ReadOnly));
    const QJsonObject urls = QJsonDocument::fromJson(readyFile.readAll()).object();
    m_mcpUrl = urls.value(QStringLiteral("mcp_resource")).toString();
    const QUrl as(urls.value(QStringLiteral("authorization_server")).toString());
    QVERIFY(!m_mcpUrl.isEmpty());

    QUrlQuery form;
    form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
    form.addQueryItem(QStringLiteral("client_id"), clientId);
    form.addQueryItem(QStringLiteral("client_secret"), secret);
    form.addQueryItem(QStringLiteral("scope"),
                      QStringLiteral("tasks:read tasks:write tasks:delete"));
    form.addQueryItem(QStringLiteral("resource"), m_mcpUrl);
    QNetworkAccessManager network;
    QNetworkRequest request(as.resolved(QUrl(QStringLiteral("/token"))));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QStringLiteral("application/x-www-form-urlencoded"));
    QNetworkReply *reply = network.post(
        request,
        form.toString(QUrl::FullyEncoded).replace(QLatin1Char(' '), QLatin1Char('+')).toUtf8());
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    const QByteArray body = reply->readAll();
    reply->deleteLater();
    const QString token =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("access_token")).toString();
    QVERIFY2(!token.isEmpty(), body.constData());
    m_tokenFile = m_dir.filePath(QStringLiteral("token.txt"));
    QFile tokenFile(m_tokenFile);
    QVERIFY(tokenFile.open(QIODevice::WriteOnly));
    tokenFile.write(token.toUtf8() + "\n");
}

void TestTrafficCli::cleanupTestCase()
{
    if (m_serve.state() != QProcess::NotRunning) {
        m_serve.terminate();
        if (!m_serve.waitForFinished(10000))
            m_serve.kill();
    }
}

void TestTrafficCli::usageErrors_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    const QString url = QStringLiteral("http://127.0.0.1:9/mcp");
    const QStringList base{QStringLiteral("traffic"), url,
                           QStringLiteral("--token"), QStringLiteral("abc"),
                           QStringLiteral("--mix"),   QStringLiteral("echo=1"),
                           QStringLiteral("--rate"),  QStringLiteral("10")};
    QTest::newRow("no url") << QStringList{QStringLiteral("traffic")}
                            << QStringLiteral("the MCP server URL is missing");
    QTest::newRow("no token") << QStringList{QStringLiteral("traffic"), url,
                                             QStringLiteral("--mix"), QStringLiteral("echo=1")}
                              << QStringLiteral("give exactly one of --token and --token-file");
    QTest::newRow("two tokens") << base + QStringList{QStringLiteral("--token-file"),
                                                      QStringLiteral("/x"),
                                                      QStringLiteral("--calls"),
                                                      QStringLiteral("5")}
                                << QStringLiteral("give exactly one of --token and --token-file");
    QTest::newRow("no mix") << QStringList{QStringLiteral("traffic"), url,
                                           QStringLiteral("--token"), QStringLiteral("abc")}
                            << QStringLiteral("--mix is required");
    QTest::newRow("bad mix")
        << QStringList{QStringLiteral("traffic"), url,
                       QStringLiteral("--token"), QStringLiteral("abc"),
                       QStringLiteral("--mix"),   QStringLiteral("echo=x")}
        << QStringLiteral("--mix: mix entry 'echo=x': the weight 'x' is not a positive number");
    QTest::newRow("duplicate tool")
        << QStringList{QStringLiteral("traffic"), url,
                       QStringLiteral("--token"), QStringLiteral("abc"),
                       QStringLiteral("--mix"),   QStringLiteral("echo=1,echo=2")}
        << QStringLiteral("the tool echo is named twice");
    QTest::newRow("no rate") << QStringList{QStringLiteral("traffic"), url,
                                            QStringLiteral("--token"), QStringLiteral("abc"),
                                            QStringLiteral("--mix"),   QStringLiteral("echo=1")}
                             << QStringLiteral("--rate is required");
    QTest::newRow("rate word") << QStringList{QStringLiteral("traffic"), url,
                                              QStringLiteral("--token"), QStringLiteral("abc"),
                                              QStringLiteral("--mix"),   QStringLiteral("echo=1"),
                                              QStringLiteral("--rate"),  QStringLiteral("fast"),
                                              QStringLiteral("--calls"), QStringLiteral("3")}
                               << QStringLiteral("--rate: 'fast' is not a number");
    QTest::newRow("rate too high")
        << base.mid(0, 7) +
               QStringList{QStringLiteral("5000"), QStringLiteral("--calls"), QStringLiteral("3")}
        << QStringLiteral("rate: must be more than 0 and at most 1000 calls per second");
    QTest::newRow("no length") << base
                               << QStringLiteral("give exactly one of --duration and --calls");
    QTest::newRow("both lengths") << base + QStringList{QStringLiteral("--calls"),
                                                        QStringLiteral("3"),
                                                        QStringLiteral("--duration"),
                                                        QStringLiteral("2")}
                                  << QStringLiteral("give exactly one of --duration and --calls");
    QTest::newRow("bad calls") << base +
                                      QStringList{QStringLiteral("--calls"), QStringLiteral("-4")}
                               << QStringLiteral("--calls: '-4' is not a positive whole number");
    QTest::newRow("bad duration") << base + QStringList{QStringLiteral("--duration"),
                                                        QStringLiteral("soon")}
                                  << QStringLiteral(
                                         "--duration: 'soon' is not a positive number of seconds");
    QTest::newRow("bad concurrency")
        << base + QStringList{QStringLiteral("--calls"), QStringLiteral("3"),
                              QStringLiteral("--concurrency"), QStringLiteral("999")}
        << QStringLiteral("concurrency: must be from 1 to 256");
    QTest::newRow("bad seed") << base + QStringList{QStringLiteral("--calls"), QStringLiteral("3"),
                                                    QStringLiteral("--seed"), QStringLiteral("-1")}
                              << QStringLiteral("--seed: '-1' is not a non-negative whole number");
    QTest::newRow("bad url") << QStringList{QStringLiteral("traffic"), QStringLiteral("mcp"),
                                            QStringLiteral("--token"), QStringLiteral("abc"),
                                            QStringLiteral("--mix"),   QStringLiteral("echo=1"),
                                            QStringLiteral("--rate"),  QStringLiteral("1"),
                                            QStringLiteral("--calls"), QStringLiteral("1")}
                             << QStringLiteral("url: 'mcp' is not an http(s) URL");
    QTest::newRow("extra argument")
        << QStringList{QStringLiteral("traffic"), url, QStringLiteral("more")}
        << QStringLiteral("unexpected argument 'more'");
}

void TestTrafficCli::usageErrors()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const RunResult r = runCli(arguments);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
}

void TestTrafficCli::helpListsTraffic()
{
    const RunResult r = runCli({QStringLiteral("help")});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.out.contains(QStringLiteral("traffic")));
    const RunResult own = runCli({QStringLiteral("traffic"), QStringLiteral("--help")});
    QCOMPARE(own.exitCode, 0);
    QVERIFY(own.out.contains(QStringLiteral("--token-file")));
    QVERIFY(own.out.contains(QStringLiteral("--justification")));
}

void TestTrafficCli::tableOutput()
{
    const RunResult r =
        runCli({QStringLiteral("traffic"), m_mcpUrl, QStringLiteral("--token-file"), m_tokenFile,
                QStringLiteral("--mix"), QStringLiteral("create_task=1,delete_task=3,echo=1"),
                QStringLiteral("--rate"), QStringLiteral("400"), QStringLiteral("--calls"),
                QStringLiteral("200"), QStringLiteral("--seed"), QStringLiteral("3")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err)); // no progress line without a terminal
    QVERIFY2(r.out.contains(QStringLiteral("MCP server: ") + m_mcpUrl), qPrintable(r.out));
    const QStringList lines = r.out.split(QLatin1Char('\n'));
    const auto row = [&lines](const QString &name) {
        for (const QString &line : lines)
            if (line.startsWith(name + QLatin1Char(' ')))
                return line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        return QStringList();
    };
    const QStringList header = row(QStringLiteral("TOOL"));
    QCOMPARE(header.join(QLatin1Char(' ')),
             QStringLiteral("TOOL CALLS ALLOWED JUSTIFIED BLOCKED JUST. MISSING ERRORS P50 MS "
                            "P99 MS"));
    qint64 sum = 0;
    for (const QString &tool :
         {QStringLiteral("create_task"), QStringLiteral("delete_task"), QStringLiteral("echo")}) {
        const QStringList cells = row(tool);
        QCOMPARE(cells.size(), 9);
        // calls = allowed + justified + blocked + missing + errors
        qint64 parts = 0;
        for (int i = 2; i <= 6; ++i)
            parts += cells.at(i).toLongLong();
        QCOMPARE(cells.at(1).toLongLong(), parts);
        sum += cells.at(1).toLongLong();
    }
    const QStringList total = row(QStringLiteral("total"));
    QCOMPARE(total.size(), 9);
    QCOMPARE(total.at(1), QStringLiteral("200"));
    QCOMPARE(sum, 200);
    const QStringList deletes = row(QStringLiteral("delete_task"));
    QVERIFY2(deletes.at(3).toLongLong() + deletes.at(4).toLongLong() > 0, qPrintable(r.out));
}

void TestTrafficCli::jsonOutput()
{
    const RunResult r =
        runCli({QStringLiteral("traffic"), m_mcpUrl, QStringLiteral("--token-file"), m_tokenFile,
                QStringLiteral("--mix"), QStringLiteral("create_task=1,delete_task=3"),
                QStringLiteral("--rate"), QStringLiteral("400"), QStringLiteral("--calls"),
                QStringLiteral("150"), QStringLiteral("--concurrency"), QStringLiteral("4"),
                QStringLiteral("--justification"), QStringLiteral("nightly cleanup"),
                QStringLiteral("--json")});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err + r.out));
    const QJsonObject summary = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QVERIFY2(!summary.isEmpty(), qPrintable(r.out));
    QCOMPARE(summary.value(QStringLiteral("completed")).toBool(), true);
    QCOMPARE(summary.value(QStringLiteral("mix")).toString(),
             QStringLiteral("create_task=1,delete_task=3"));
    QCOMPARE(summary.value(QStringLiteral("url")).toString(), m_mcpUrl);
    const QJsonObject totals = summary.value(QStringLiteral("totals")).toObject();
    QCOMPARE(totals.value(QStringLiteral("calls")).toInteger(), 150);
    const QJsonArray tools = summary.value(QStringLiteral("tools")).toArray();
    QCOMPARE(tools.size(), 2);
    QCOMPARE(tools.at(0).toObject().value(QStringLiteral("tool")).toString(),
             QStringLiteral("create_task"));
    const QJsonObject deletes = tools.at(1).toObject();
    QCOMPARE(deletes.value(QStringLiteral("tool")).toString(), QStringLiteral("delete_task"));
    // This client's delete_task friction is already high from tableOutput's run.
    QVERIFY2(deletes.value(QStringLiteral("blocked")).toInteger() > 0, qPrintable(r.out));
    QVERIFY(deletes.value(QStringLiteral("last_band")).isString());
    const QJsonObject latency = totals.value(QStringLiteral("latency_ms")).toObject();
    QCOMPARE(latency.value(QStringLiteral("count")).toInteger(), 150);
    QVERIFY(latency.value(QStringLiteral("p50")).toDouble() <=
            latency.value(QStringLiteral("p99")).toDouble());
}

void TestTrafficCli::badTokenFails()
{
    const QString token = QStringLiteral("bogus-token-5c1e2d3f4a5b6c7d");
    const RunResult r =
        runCli({QStringLiteral("traffic"), m_mcpUrl, QStringLiteral("--token"), token,
                QStringLiteral("--mix"), QStringLiteral("echo=1"), QStringLiteral("--rate"),
                QStringLiteral("50"), QStringLiteral("--calls"), QStringLiteral("10")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("[invalid_token]")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("HTTP 401")), qPrintable(r.err));
    QVERIFY(!r.err.contains(token));
    QVERIFY(!r.out.contains(token));
}

void TestTrafficCli::progressOnTerminal()
{
    // script(1) gives the command a terminal, so the live progress line is drawn on stderr.
    const QString script = QStandardPaths::findExecutable(QStringLiteral("script"));
    if (script.isEmpty())
        QSKIP("script(1) is not installed");
    const QStringList command{QStringLiteral(MCPAUTH_CLI),
                              QStringLiteral("traffic"),
                              m_mcpUrl,
                              QStringLiteral("--token-file"),
                              m_tokenFile,
                              QStringLiteral("--mix"),
                              QStringLiteral("echo=1"),
                              QStringLiteral("--rate"),
                              QStringLiteral("100"),
                              QStringLiteral("--duration"),
                              QStringLiteral("1")};
    QStringList quoted;
    for (const QString &word : command)
        quoted.append(QLatin1Char('\'') + word + QLatin1Char('\''));
    QProcess process;
    process.start(script, {QStringLiteral("-qec"), quoted.join(QLatin1Char(' ')),
                           QStringLiteral("/dev/null")});
    QVERIFY(process.waitForFinished(20000));
    QCOMPARE(process.exitCode(), 0);
    const QString terminal = QString::fromUtf8(process.readAllStandardOutput());
    QVERIFY2(terminal.contains(QRegularExpression(QStringLiteral("\\r[0-9.]+ s  calls [0-9]+  "
                                                                 "allowed [0-9]+  justified 0"))),
             qPrintable(terminal));
    QVERIFY2(terminal.contains(QStringLiteral("TOOL")), qPrintable(terminal));
}

void TestTrafficCli::interruptPrintsPartialCounts()
{
    QProcess process;
    process.start(QStringLiteral(MCPAUTH_CLI),
                  {QStringLiteral("traffic"), m_mcpUrl, QStringLiteral("--token-file"), m_tokenFile,
                   QStringLiteral("--mix"), QStringLiteral("echo=1"), QStringLiteral("--rate"),
                   QStringLiteral("100"), QStringLiteral("--duration"), QStringLiteral("30"),
                   QStringLiteral("--json")});
    QVERIFY(process.waitForStarted());
    // Nothing to observe from outside until it ends: give it time to make some calls.
    QTest::qWait(1000);
    process.terminate(); // SIGTERM, as Ctrl+C's SIGINT: the driver stops cleanly
    QVERIFY(process.waitForFinished(10000));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), 1);
    const QString err = QString::fromUtf8(process.readAllStandardError());
    QVERIFY2(err.contains(QStringLiteral("[interrupted]")), qPrintable(err));
    const QJsonObject summary = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
    QCOMPARE(summary.value(QStringLiteral("stopped")).toBool(), true);
    QCOMPARE(summary.value(QStringLiteral("completed")).toBool(), false);
    const qint64 calls = summary.value(QStringLiteral("totals"))
                             .toObject()
                             .value(QStringLiteral("calls"))
                             .toInteger();
    QVERIFY2(calls > 0 && calls < 3000, qPrintable(QString::number(calls)));
}

QTEST_GUILESS_MAIN(TestTrafficCli)
#include "tst_traffic_cli.moc"
