// A run's exports: JSON round trip of the essential fields, and the HTML report escaping
// hostile strings and showing secrets only masked.
#include <QJsonDocument>
#include <QtTest>

#include "crypto/mask.h"
#include "flow/types.h"
#include "flowtest.h"
#include "http/exchangelog.h"

namespace {

const QByteArray kAccessToken = "mat_SECRETaccess0123456789abcdefghijklmnop";
const QByteArray kClientSecret = "cs_SECRETclient0123456789abcdefghijklmn";
const QByteArray kCode = "mac_SECRETcode0123456789abcdefghijklmnopq";

/// A run with one step whose exchange went through the exchange log (masked there).
Flow::Run sampleRun(const QString &hostile)
{
    Http::ExchangeLog log;
    Http::Exchange raw;
    raw.side = Http::Exchange::Side::Client;
    raw.method = "POST";
    raw.url = QStringLiteral("http://127.0.0.1:9400/token");
    raw.requestHeaders.add("Authorization", "Bearer " + kAccessToken);
    raw.requestHeaders.add("Content-Type", "application/x-www-form-urlencoded");
    raw.requestBody =
        "grant_type=authorization_code&code=" + kCode + "&client_secret=" + kClientSecret;
    raw.status = 400;
    raw.responseHeaders.add("Content-Type", "application/json");
    raw.responseBody =
        QJsonDocument(QJsonObject{{QStringLiteral("error"), QStringLiteral("invalid_grant")},
                                  {QStringLiteral("error_description"), hostile}})
            .toJson(QJsonDocument::Compact);
    raw.tag = QStringLiteral("token");
    log.capture(raw);

    Flow::Run run;
    Flow::Options options;
    options.serverUrl = QUrl(QStringLiteral("http://127.0.0.1:9401/mcp"));
    options.clientId = QStringLiteral("client-1");
    options.clientSecret = QString::fromLatin1(kClientSecret);
    options.password = QStringLiteral("hunter2-password");
    options.browser = Flow::BrowserMode::Headless;
    options.username = QStringLiteral("demo");
    run.options = options.toJson();
    run.outcome = Flow::Outcome::Failed;
    run.error = QStringLiteral("Token request: ") + hostile;
    run.startedAt = QDateTime(QDate(2026, 1, 2), QTime(3, 4, 5, 6), Qt::UTC);
    run.finishedAt = run.startedAt.addSecs(2);
    run.tokens.clientId = QStringLiteral("client-1");
    run.tokens.accessToken = Crypto::maskSecret(kAccessToken);
    run.tokens.scope = QStringLiteral("tasks:read");

    Flow::Step step;
    step.index = 0;
    step.id = QStringLiteral("token");
    step.title = QStringLiteral("Token request");
    step.status = Flow::StepStatus::Failed;
    step.summary = hostile;
    step.checks.append({QStringLiteral("token.ok"), Flow::Level::Must, Flow::Verdict::Fail,
                        QStringLiteral("RFC 6749 §5.2: ") + hostile});
    step.checks.append({QStringLiteral("token.expires_in"), Flow::Level::Should,
                        Flow::Verdict::Warn, QStringLiteral("RFC 6749 §5.1")});
    step.exchanges = log.snapshot();
    step.startedAt = run.startedAt;
    step.finishedAt = run.finishedAt;
    run.steps.append(step);
    return run;
}

} // namespace

class TestFlowReport final : public QObject
{
    Q_OBJECT

private slots:
    void jsonRoundTrip();
    void jsonRefusesOtherFormats_data();
    void jsonRefusesOtherFormats();
    void htmlEscapesHostileStrings_data();
    void htmlEscapesHostileStrings();
    void htmlHasNoUnmaskedSecret();
    void secretScannerFindsWholeSecrets();
};

void TestFlowReport::jsonRoundTrip()
{
    const Flow::Run run = sampleRun(QStringLiteral("plain description"));
    const QJsonObject json = run.toJson();
    const QByteArray text = QJsonDocument(json).toJson();
    auto back = Flow::Run::fromJson(QJsonDocument::fromJson(text).object());
    QVERIFY2(back.ok(), back.ok() ? "" : qPrintable(back.error().toString()));
    QCOMPARE(back->outcome, run.outcome);
    QCOMPARE(back->error, run.error);
    QCOMPARE(back->options, run.options);
    QCOMPARE(back->startedAt, run.startedAt);
    QCOMPARE(back->finishedAt, run.finishedAt);
    QCOMPARE(back->tokens.toJson(), run.tokens.toJson());
    QCOMPARE(back->steps.size(), 1);
    const Flow::Step &step = back->steps.first();
    QCOMPARE(step.id, QStringLiteral("token"));
    QCOMPARE(step.status, Flow::StepStatus::Failed);
    QCOMPARE(step.checks, run.steps.first().checks);
    QCOMPARE(step.exchanges.size(), 1);
    QCOMPARE(step.exchanges.first().url, run.steps.first().exchanges.first().url);
    QCOMPARE(step.exchanges.first().requestBody, run.steps.first().exchanges.first().requestBody);
    QCOMPARE(step.exchanges.first().status, 400);
    QCOMPARE(back->toJson(), json);
    QCOMPARE(json.value(QStringLiteral("summary")).toObject().value(QStringLiteral("fail")).toInt(),
             1);
    QCOMPARE(json.value(QStringLiteral("summary")).toObject().value(QStringLiteral("warn")).toInt(),
             1);
    // No secret in the export: the options' secret is masked, the password left out.
    QVERIFY(!text.contains(kClientSecret));
    QVERIFY(!text.contains(kAccessToken));
    QVERIFY(!text.contains(kCode));
    QVERIFY(!text.contains("hunter2-password"));
}

void TestFlowReport::jsonRefusesOtherFormats_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty") << QByteArray("{}");
    QTest::newRow("other format") << QByteArray("{\"format\":\"x\",\"outcome\":\"failed\"}");
    QTest::newRow("unknown outcome")
        << QByteArray("{\"format\":\"mcpauth-flow-run/1\",\"outcome\":\"great\"}");
    QTest::newRow("step without status")
        << QByteArray("{\"format\":\"mcpauth-flow-run/"
                      "1\",\"outcome\":\"failed\",\"steps\":[{\"id\":\"probe\"}]}");
    QTest::newRow("check with unknown verdict") << QByteArray(
        "{\"format\":\"mcpauth-flow-run/1\",\"outcome\":\"failed\",\"steps\":[{\"id\":"
        "\"probe\",\"status\":\"failed\",\"checks\":[{\"rule\":\"r\",\"level\":\"MUST\","
        "\"verdict\":\"maybe\"}]}]}");
}

void TestFlowReport::jsonRefusesOtherFormats()
{
    QFETCH(QByteArray, json);
    const auto run = Flow::Run::fromJson(QJsonDocument::fromJson(json).object());
    QVERIFY(!run.ok());
    QCOMPARE(run.error().code, QStringLiteral("invalid_run"));
}

void TestFlowReport::htmlEscapesHostileStrings_data()
{
    QTest::addColumn<QString>("hostile");
    QTest::newRow("script") << QStringLiteral("<script>alert(1)</script>");
    QTest::newRow("attribute breakout") << QStringLiteral("\"><img src=x onerror=alert(1)>");
    QTest::newRow("single quote") << QStringLiteral("'><svg onload=alert(1)>");
    QTest::newRow("style close") << QStringLiteral("</style><script>alert(1)</script>");
}

void TestFlowReport::htmlEscapesHostileStrings()
{
    QFETCH(QString, hostile);
    const QString html = sampleRun(hostile).toHtmlReport();
    QVERIFY(html.startsWith(QLatin1String("<!DOCTYPE html>")));
    QVERIFY(!html.contains(QLatin1String("<script"), Qt::CaseInsensitive));
    QVERIFY(!html.contains(QLatin1String("<img"), Qt::CaseInsensitive));
    QVERIFY(!html.contains(QLatin1String("<svg"), Qt::CaseInsensitive));
    QCOMPARE(html.count(QLatin1String("</style>")), 1);
    QVERIFY(html.contains(QLatin1String("&lt;")));
}

void TestFlowReport::htmlHasNoUnmaskedSecret()
{
    const QString html = sampleRun(QStringLiteral("x")).toHtmlReport();
    for (const QByteArray &secret : {kAccessToken, kClientSecret, kCode})
        QVERIFY2(!html.contains(QString::fromLatin1(secret)), secret.constData());
    QVERIFY(!html.contains(QLatin1String("hunter2-password")));
    // Self-contained: no external resource of any kind.
    QVERIFY(!html.contains(QLatin1String("src=")));
    QVERIFY(!html.contains(QLatin1String("href=")));
    QVERIFY(!html.contains(QLatin1String("@import")));
    QVERIFY(!html.contains(QLatin1String("url(")));
    // The masked forms are there, so the report still correlates the values.
    QVERIFY(html.contains(Crypto::maskSecret(kAccessToken).toHtmlEscaped()));
}

void TestFlowReport::secretScannerFindsWholeSecrets()
{
    // The check the walker tests rely on: masked values pass, a whole token does not.
    Flow::Run run = sampleRun(QStringLiteral("x"));
    QVERIFY(FlowTest::unmaskedSecrets(run).isEmpty());
    run.error = QStringLiteral("leaked mrt_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG");
    QCOMPARE(FlowTest::unmaskedSecrets(run).size(), 2); // JSON and HTML
}

QTEST_MAIN(TestFlowReport)
#include "tst_flow_report.moc"
