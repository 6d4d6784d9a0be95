// `mcpauth flow` with the two interactive browser modes and with a Client ID Metadata
// Document, each a whole PKCE walk against a real `mcpauth serve` (embedded AS + RS, real
// loopback HTTP, --auto-approve so the authorization endpoint redirects at once):
//   --browser system   the CLI starts the desktop's URL opener, xdg-open (the program Qt's
//                      QDesktopServices also tries first on Linux). A fake xdg-open first in
//                      PATH plays the browser: it records the URL and follows it with curl
//                      to the walk's loopback redirect listener.
//   --browser manual   the CLI prints the authorization URL and reads the redirect URL from
//                      stdin; the test follows the URL itself and pastes the Location. Closing
//                      stdin instead cancels the walk.
//   CIMD               --client-metadata-url naming a document this test serves on loopback
//                      (the AS runs with --allow-loopback-cimd, as for tests/authserver):
//                      our AS fetches it and the walk completes with that URL as client_id.
#include <atomic>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "http/client.h"
#include "http/router.h"
#include "http/server.h"

namespace {

QJsonObject parseRun(const QByteArray &out)
{
    return QJsonDocument::fromJson(out).object();
}

/// The checks of a run, as "rule=verdict".
QStringList checks(const QJsonObject &run)
{
    QStringList out;
    for (const QJsonValue &step : run.value(QStringLiteral("steps")).toArray())
        for (const QJsonValue &check : step.toObject().value(QStringLiteral("checks")).toArray())
            out.append(check.toObject().value(QStringLiteral("rule")).toString() +
                       QLatin1Char('=') +
                       check.toObject().value(QStringLiteral("verdict")).toString());
    return out;
}

} // namespace

class TestFlowCliBrowser final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void systemBrowserThroughXdgOpen();
    void manualPasteOfTheRedirect();
    void manualWithClosedStdinCancels();
    void clientIdMetadataDocument();

private:
    void
    startFlow(QProcess &process, const QStringList &extra,
              const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment());
    [[nodiscard]] QJsonObject finish(QProcess &process, int expectedExit);

    QTemporaryDir m_dir;
    QProcess m_serve;
    QString m_mcp;
    std::unique_ptr<Http::Server> m_docs;
    QJsonObject m_document;
    std::atomic<int> m_documentFetches{0};
};

void TestFlowCliBrowser::initTestCase()
{
    QVERIFY(m_dir.isValid());
    const QString ready = m_dir.filePath(QStringLiteral("ready.json"));
    m_serve.start(QStringLiteral(MCPAUTH_CLI),
                  {QStringLiteral("serve"), QStringLiteral("--store"),
                   QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("flow.db")),
                   QStringLiteral("--as-port"), QStringLiteral("0"), QStringLiteral("--rs-port"),
                   QStringLiteral("0"), QStringLiteral("--workers"), QStringLiteral("2"),
                   QStringLiteral("--admin-token-file"), m_dir.filePath(QStringLiteral("admin")),
                   QStringLiteral("--auto-approve"), QStringLiteral("--allow-loopback-cimd"),
                   QStringLiteral("--ready-file"), ready});
    QVERIFY(m_serve.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(ready), 20000);
    QFile file(ready);
    QVERIFY(file.open(QIODevice::ReadOnly));
    m_mcp = QJsonDocument::fromJson(file.readAll())
                .object()
                .value(QStringLiteral("mcp_resource"))
                .toString();
    QVERIFY(m_mcp.startsWith(QLatin1String("http://127.0.0.1:")));

    m_docs = std::make_unique<Http::Server>();
    m_docs->router().handle("GET", "/client.json", [this](const Http::Request &) {
        ++m_documentFetches;
        return Http::Response::json(200, QJsonDocument(m_document));
    });
    QVERIFY(m_docs->listen(QHostAddress::LocalHost, 0).ok());
}

void TestFlowCliBrowser::cleanupTestCase()
{
    if (m_docs)
        m_docs->close();
    m_serve.terminate();
    if (!m_serve.waitForFinished(10000))
        m_serve.kill();
}

void TestFlowCliBrowser::startFlow(QProcess &process, const QStringList &extra,
                                   const QProcessEnvironment &environment)
{
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(MCPAUTH_CLI),
                  QStringList{QStringLiteral("flow"), m_mcp, QStringLiteral("--json"),
                              QStringLiteral("--timeout"), QStringLiteral("20"),
                              // No client kept in the user's keychain or files by a test.
                              QStringLiteral("--credentials"), QStringLiteral("none")} +
                      extra);
    QVERIFY(process.waitForStarted());
}

QJsonObject TestFlowCliBrowser::finish(QProcess &process, int expectedExit)
{
    if (!process.waitForFinished(40000)) {
        process.kill();
        process.waitForFinished();
        qWarning("mcpauth flow did not finish");
        return {};
    }
    const QByteArray out = process.readAllStandardOutput();
    const QByteArray err = process.readAllStandardError();
    if (process.exitCode() != expectedExit)
        qWarning("exit %d, stderr: %s\nstdout: %s", process.exitCode(), err.constData(),
                 out.left(3000).constData());
    return process.exitCode() == expectedExit ? parseRun(out) : QJsonObject();
}

void TestFlowCliBrowser::systemBrowserThroughXdgOpen()
{
    const QString curl = QStandardPaths::findExecutable(QStringLiteral("curl"));
    if (curl.isEmpty())
        QSKIP("curl is needed by the fake browser");
    const QString bin = m_dir.filePath(QStringLiteral("bin"));
    QVERIFY(QDir().mkpath(bin));
    const QString log = m_dir.filePath(QStringLiteral("browser.log"));
    QFile script(bin + QStringLiteral("/xdg-open"));
    QVERIFY(script.open(QIODevice::WriteOnly));
    // A browser that shows nothing: it records the URL, then follows the redirects to the
    // walk's loopback listener, as a real one would after the user approved.
    script.write("#!/bin/sh\n"
                 "printf '%s\\n' \"$1\" >>'" +
                 log.toUtf8() + "'\nexec '" + curl.toUtf8() +
                 "' -s -L --max-redirs 10 -o /dev/null \"$1\"\n");
    script.close();
    QVERIFY(script.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));

    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("PATH"),
                       bin + QLatin1Char(':') + environment.value(QStringLiteral("PATH")));
    QProcess flow;
    startFlow(flow, {QStringLiteral("--browser"), QStringLiteral("system")}, environment);
    const QJsonObject run = finish(flow, 0);
    QCOMPARE(run.value(QStringLiteral("outcome")).toString(), QStringLiteral("succeeded"));
    QVERIFY(checks(run).contains(QStringLiteral("mcp.tools_call=pass")));
    // The URL really went through the system browser.
    QFile opened(log);
    QVERIFY(opened.open(QIODevice::ReadOnly));
    const QString url = QString::fromUtf8(opened.readAll()).trimmed();
    QVERIFY2(url.contains(QLatin1String("/authorize?")) &&
                 url.contains(QLatin1String("code_challenge_method=S256")),
             qPrintable(url));
}

void TestFlowCliBrowser::manualPasteOfTheRedirect()
{
    QProcess flow;
    startFlow(flow, {QStringLiteral("--browser"), QStringLiteral("manual")});
    // With --json the prompt goes to stderr: the message, the URL, then "Redirect URL: ".
    static const QRegularExpression authorizeUrl(QStringLiteral("(http://\\S+/authorize\\?\\S+)"));
    QString prompt;
    QTRY_VERIFY_WITH_TIMEOUT((prompt += QString::fromUtf8(flow.readAllStandardError()),
                              prompt.contains(QLatin1String("Redirect URL:"))),
                             20000);
    const auto match = authorizeUrl.match(prompt);
    QVERIFY2(match.hasMatch(), qPrintable(prompt));

    // Play the user: open the URL (the AS approves at once), copy where it redirects.
    Http::Client client;
    Http::ClientRequest request;
    request.url = QUrl(match.captured(1));
    auto response = client.sendAndWait(request);
    QVERIFY(response.ok());
    QCOMPARE(response->status, 302);
    const QByteArray location = response->headers.value("Location");
    QVERIFY2(location.contains("code="), location.constData());
    flow.write(location + '\n');
    const QJsonObject run = finish(flow, 0);
    QCOMPARE(run.value(QStringLiteral("outcome")).toString(), QStringLiteral("succeeded"));
    QVERIFY(checks(run).contains(QStringLiteral("authorization.state=pass")));
    QVERIFY(checks(run).contains(QStringLiteral("mcp.tools_call=pass")));
}

void TestFlowCliBrowser::manualWithClosedStdinCancels()
{
    QProcess flow;
    startFlow(flow, {QStringLiteral("--browser"), QStringLiteral("manual")});
    QString prompt;
    QTRY_VERIFY_WITH_TIMEOUT((prompt += QString::fromUtf8(flow.readAllStandardError()),
                              prompt.contains(QLatin1String("Redirect URL:"))),
                             20000);
    flow.closeWriteChannel();
    const QJsonObject run = finish(flow, 1);
    QVERIFY(!run.isEmpty());
    QVERIFY(run.value(QStringLiteral("outcome")).toString() != QLatin1String("succeeded"));
}

void TestFlowCliBrowser::clientIdMetadataDocument()
{
    const QString url = m_docs->baseUrl().toString() + QStringLiteral("/client.json");
    m_document = {
        {QStringLiteral("client_id"), url},
        {QStringLiteral("client_name"), QStringLiteral("tst_flow_cli_browser")},
        {QStringLiteral("redirect_uris"), QJsonArray{QStringLiteral("http://127.0.0.1/callback")}},
        {QStringLiteral("grant_types"),
         QJsonArray{QStringLiteral("authorization_code"), QStringLiteral("refresh_token")}},
        {QStringLiteral("response_types"), QJsonArray{QStringLiteral("code")}},
        {QStringLiteral("token_endpoint_auth_method"), QStringLiteral("none")}};
    QProcess flow;
    startFlow(flow, {QStringLiteral("--browser"), QStringLiteral("headless"),
                     QStringLiteral("--client-metadata-url"), url});
    const QJsonObject run = finish(flow, 0);
    QCOMPARE(run.value(QStringLiteral("outcome")).toString(), QStringLiteral("succeeded"));
    QVERIFY(m_documentFetches.load() >= 1); // our AS read the document
    const QStringList seen = checks(run);
    // http on loopback is accepted only because the AS runs for tests: the walker says so.
    QVERIFY2(seen.contains(QStringLiteral("registration.cimd_https=warn")),
             qPrintable(seen.join(QLatin1Char(' '))));
    QVERIFY(seen.contains(QStringLiteral("mcp.tools_call=pass")));
    QVERIFY(!seen.contains(QStringLiteral("registration.dcr_status=pass")));
}

QTEST_GUILESS_MAIN(TestFlowCliBrowser)
#include "tst_flow_cli_browser.moc"
