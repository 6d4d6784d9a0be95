// Parsing for the traffic driver: the --mix syntax, MCP Streamable HTTP answers (JSON and
// SSE), Bearer challenges and the friction outcome of a tools/call result.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "traffic/mcpanswer.h"
#include "traffic/mix.h"
#include "traffic/stats.h"

class TestTrafficParse final : public QObject
{
    Q_OBJECT

private slots:
    void validMix_data();
    void validMix();
    void malformedMix_data();
    void malformedMix();
    void jsonRpcResponse_data();
    void jsonRpcResponse();
    void bearerChallenge_data();
    void bearerChallenge();
    void toolAnswer_data();
    void toolAnswer();
    void latencyPercentiles();
};

void TestTrafficParse::validMix_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("normalized");
    QTest::newRow("one") << QStringLiteral("echo=1") << QStringLiteral("echo=1");
    QTest::newRow("several") << QStringLiteral("create_task=3,delete_task=1,echo=0.5")
                             << QStringLiteral("create_task=3,delete_task=1,echo=0.5");
    QTest::newRow("spaces") << QStringLiteral(" create_task = 2 , echo=1 ")
                            << QStringLiteral("create_task=2,echo=1");
    QTest::newRow("other server's tools") << QStringLiteral("fs.read_file=10,git-commit=1e-2")
                                          << QStringLiteral("fs.read_file=10,git-commit=0.01");
}

void TestTrafficParse::validMix()
{
    QFETCH(QString, text);
    QFETCH(QString, normalized);
    const auto mix = Traffic::parseMix(text);
    QVERIFY2(mix.ok(), mix.ok() ? "" : qPrintable(mix.error().toString()));
    QCOMPARE(Traffic::mixToString(*mix), normalized);
    const auto again = Traffic::parseMix(Traffic::mixToString(*mix));
    QVERIFY(again.ok());
    QCOMPARE(again->size(), mix->size());
}

void TestTrafficParse::malformedMix_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");
    const QString syntax = QStringLiteral("mix entry '%1': expected tool=weight");
    const QString weight =
        QStringLiteral("mix entry '%1': the weight '%2' is not a positive number");
    QTest::newRow("empty") << QString()
                           << QStringLiteral("the mix is empty; give tool=weight,... e.g. "
                                             "create_task=3,delete_task=1");
    QTest::newRow("blank") << QStringLiteral("  ")
                           << QStringLiteral("the mix is empty; give tool=weight,... e.g. "
                                             "create_task=3,delete_task=1");
    QTest::newRow("no weight") << QStringLiteral("echo") << syntax.arg(QStringLiteral("echo"));
    QTest::newRow("colon") << QStringLiteral("echo:1") << syntax.arg(QStringLiteral("echo:1"));
    QTest::newRow("two equals") << QStringLiteral("echo=1=2")
                                << syntax.arg(QStringLiteral("echo=1=2"));
    QTest::newRow("empty entry") << QStringLiteral("echo=1,,get_task=1") << syntax.arg(QString());
    QTest::newRow("trailing comma") << QStringLiteral("echo=1,") << syntax.arg(QString());
    QTest::newRow("no tool")
        << QStringLiteral("=1")
        << QStringLiteral("mix entry '=1': '' is not an MCP tool name (1 to 128 characters of "
                          "A-Z, a-z, 0-9, '_', '-' and '.')");
    QTest::newRow("bad tool name")
        << QStringLiteral("rm -rf=1")
        << QStringLiteral("mix entry 'rm -rf=1': 'rm -rf' is not an MCP tool name (1 to 128 "
                          "characters of A-Z, a-z, 0-9, '_', '-' and '.')");
    QTest::newRow("empty weight") << QStringLiteral("echo=")
                                  << weight.arg(QStringLiteral("echo="), QString());
    QTest::newRow("word weight") << QStringLiteral("echo=lots")
                                 << weight.arg(QStringLiteral("echo=lots"), QStringLiteral("lots"));
    QTest::newRow("zero") << QStringLiteral("echo=0")
                          << weight.arg(QStringLiteral("echo=0"), QStringLiteral("0"));
    QTest::newRow("negative") << QStringLiteral("echo=-2")
                              << weight.arg(QStringLiteral("echo=-2"), QStringLiteral("-2"));
    QTest::newRow("nan") << QStringLiteral("echo=nan")
                         << weight.arg(QStringLiteral("echo=nan"), QStringLiteral("nan"));
    QTest::newRow("infinite") << QStringLiteral("echo=inf")
                              << weight.arg(QStringLiteral("echo=inf"), QStringLiteral("inf"));
    QTest::newRow("percent") << QStringLiteral("echo=50%")
                             << weight.arg(QStringLiteral("echo=50%"), QStringLiteral("50%"));
    QTest::newRow("duplicate") << QStringLiteral("echo=1,create_task=2,echo=3")
                               << QStringLiteral(
                                      "mix entry 'echo=3': the tool echo is named twice");
}

void TestTrafficParse::malformedMix()
{
    QFETCH(QString, text);
    QFETCH(QString, message);
    const auto mix = Traffic::parseMix(text);
    QVERIFY(!mix.ok());
    QCOMPARE(mix.error().code, QStringLiteral("invalid_mix"));
    QCOMPARE(mix.error().message, message);
}

void TestTrafficParse::jsonRpcResponse_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("error"); // empty: parses, and result.value == 7
    const QByteArray response = "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"value\":7}}";
    const QByteArray other = "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"value\":1}}";
    const QByteArray note = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}";
    QTest::newRow("json") << QByteArray("application/json") << response << QString();
    QTest::newRow("json with charset")
        << QByteArray("application/json; charset=utf-8") << response << QString();
    QTest::newRow("sse") << QByteArray("text/event-stream")
                         << QByteArray("event: message\ndata: " + response + "\n\n") << QString();
    QTest::newRow("sse crlf, notification first, other id")
        << QByteArray("text/event-stream")
        << QByteArray(": keep-alive\r\ndata: " + note + "\r\n\r\nid: 9\r\ndata: " + other +
                      "\r\n\r\ndata: " + response + "\r\n\r\n")
        << QString();
    QTest::newRow("sse data split over lines")
        << QByteArray("text/event-stream")
        << QByteArray("data: {\"jsonrpc\":\"2.0\",\ndata: \"id\":3,\"result\":{\"value\":7}}\n")
        << QString();
    QTest::newRow("sse without the response")
        << QByteArray("text/event-stream") << QByteArray("data: " + note + "\n\n")
        << QStringLiteral("the event stream ended without the response to request 3");
    QTest::newRow("sse not json") << QByteArray("text/event-stream")
                                  << QByteArray("data: hello\n\n")
                                  << QStringLiteral("an event of the stream is not a JSON-RPC");
    QTest::newRow("html") << QByteArray("text/html") << QByteArray("<html>")
                          << QStringLiteral("HTTP 200 with Content-Type 'text/html'");
    QTest::newRow("json not rpc") << QByteArray("application/json") << QByteArray("{\"a\":1}")
                                  << QStringLiteral("neither result nor error");
    QTest::newRow("json broken") << QByteArray("application/json") << QByteArray("{\"a\":")
                                 << QStringLiteral("the body is not a JSON-RPC message");
}

void TestTrafficParse::jsonRpcResponse()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(QString, error);
    Http::ClientResponse response;
    response.status = 200;
    response.headers.set("Content-Type", contentType);
    response.body = body;
    const auto message = Traffic::jsonRpcResponse(response, QJsonValue(3));
    if (error.isEmpty()) {
        QVERIFY2(message.ok(), message.ok() ? "" : qPrintable(message.error().toString()));
        QCOMPARE(message->value(QStringLiteral("result"))
                     .toObject()
                     .value(QStringLiteral("value"))
                     .toInt(),
                 7);
    } else {
        QVERIFY(!message.ok());
        QCOMPARE(message.error().code, QStringLiteral("invalid_response"));
        QVERIFY2(message.error().message.contains(error), qPrintable(message.error().message));
    }
}

void TestTrafficParse::bearerChallenge_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("error");
    QTest::addColumn<QString>("description");
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QString>("metadata");
    QTest::newRow("full") << QByteArray("Bearer error=\"insufficient_scope\", scope=\"tasks:delete "
                                        "tasks:read\", resource_metadata=\"http://h/.well-known/"
                                        "oauth-protected-resource/mcp\", error_description=\"the "
                                        "tool needs \\\"x\\\"\"")
                          << QStringLiteral("insufficient_scope")
                          << QStringLiteral("the tool needs \"x\"")
                          << QStringLiteral("tasks:delete tasks:read")
                          << QStringLiteral("http://h/.well-known/oauth-protected-resource/mcp");
    QTest::newRow("token values") << QByteArray("bearer error=invalid_token")
                                  << QStringLiteral("invalid_token") << QString() << QString()
                                  << QString();
    QTest::newRow("after another scheme")
        << QByteArray("Basic realm=\"x\", Bearer error=\"invalid_token\"")
        << QStringLiteral("invalid_token") << QString() << QString() << QString();
    QTest::newRow("no params") << QByteArray("Bearer") << QString() << QString() << QString()
                               << QString();
    QTest::newRow("not bearer") << QByteArray("Basic realm=\"error\"") << QString() << QString()
                                << QString() << QString();
    QTest::newRow("unterminated") << QByteArray("Bearer error=\"invalid_tok")
                                  << QStringLiteral("invalid_tok") << QString() << QString()
                                  << QString();
    QTest::newRow("empty") << QByteArray() << QString() << QString() << QString() << QString();
}

void TestTrafficParse::bearerChallenge()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, error);
    QFETCH(QString, description);
    QFETCH(QString, scope);
    QFETCH(QString, metadata);
    const Traffic::BearerChallenge challenge = Traffic::parseBearerChallenge(header);
    QCOMPARE(challenge.error, error);
    QCOMPARE(challenge.description, description);
    QCOMPARE(challenge.scope, scope);
    QCOMPARE(challenge.resourceMetadata, metadata);
}

void TestTrafficParse::toolAnswer_data()
{
    QTest::addColumn<QByteArray>("result");
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("friction");
    QTest::addColumn<QString>("band");
    QTest::addColumn<double>("retryAfter");
    using Kind = Traffic::ToolAnswer::Kind;
    const auto meta = [](const char *outcome, const char *band,
                         const char *extra = "") -> QByteArray {
        return QByteArray("\"_meta\":{\"studio.mcpauth/friction\":{\"outcome\":\"") + outcome +
               "\",\"friction\":0.5,\"band\":\"" + band + "\",\"cost\":3" + extra + "}}";
    };
    QTest::newRow("allowed") << QByteArray("{\"content\":[],\"isError\":false," +
                                           meta("allowed", "medium") + "}")
                             << int(Kind::Allowed) << 0.5 << QStringLiteral("medium") << -1.0;
    QTest::newRow("justified") << QByteArray("{\"isError\":false," + meta("justified", "high") +
                                             "}")
                               << int(Kind::Justified) << 0.5 << QStringLiteral("high") << -1.0;
    QTest::newRow("blocked") << QByteArray(
                                    "{\"isError\":true," +
                                    meta("blocked", "blocked", ",\"retry_after_seconds\":42") + "}")
                             << int(Kind::Blocked) << 0.5 << QStringLiteral("blocked") << 42.0;
    QTest::newRow("justification missing")
        << QByteArray("{\"isError\":true," + meta("justification_missing", "high") + "}")
        << int(Kind::JustificationMissing) << 0.5 << QStringLiteral("high") << -1.0;
    QTest::newRow("allowed, tool failed")
        << QByteArray("{\"isError\":true," + meta("allowed", "low") + "}") << int(Kind::ToolError)
        << 0.5 << QStringLiteral("low") << -1.0;
    QTest::newRow("third party ok") << QByteArray("{\"content\":[{\"type\":\"text\",\"text\":"
                                                  "\"hi\"}]}")
                                    << int(Kind::Allowed) << -1.0 << QString() << -1.0;
    QTest::newRow("third party error")
        << QByteArray("{\"isError\":true}") << int(Kind::ToolError) << -1.0 << QString() << -1.0;
}

void TestTrafficParse::toolAnswer()
{
    QFETCH(QByteArray, result);
    QFETCH(int, kind);
    QFETCH(double, friction);
    QFETCH(QString, band);
    QFETCH(double, retryAfter);
    const QJsonDocument document = QJsonDocument::fromJson(result);
    QVERIFY(document.isObject());
    const Traffic::ToolAnswer answer = Traffic::readToolAnswer(document.object());
    QCOMPARE(int(answer.kind), kind);
    QCOMPARE(answer.friction, friction);
    QCOMPARE(answer.band, band);
    QCOMPARE(answer.retryAfterSeconds, retryAfter);
    QCOMPARE(answer.hasFriction, friction >= 0);
}

void TestTrafficParse::latencyPercentiles()
{
    // 1..1000 ms recorded with a reservoir of 100: min and max are exact, the percentiles
    // come from the sample (a uniform one, so near the true values).
    Traffic::StatsRecorder small({QStringLiteral("echo")}, 1, 100);
    Traffic::StatsRecorder exact({QStringLiteral("echo")}, 1);
    for (int i = 1000; i >= 1; --i) {
        small.record(QStringLiteral("echo"), Traffic::Outcome::Allowed, i);
        exact.record(QStringLiteral("echo"),
                     i % 2 ? Traffic::Outcome::Allowed : Traffic::Outcome::Error, i,
                     QStringLiteral("http_500"));
    }
    Traffic::Summary summary;
    exact.fill(summary);
    QCOMPARE(summary.totals.latency.count, 1000);
    QCOMPARE(summary.totals.latency.minMs, 1.0);
    QCOMPARE(summary.totals.latency.p50Ms, 500.0);
    QCOMPARE(summary.totals.latency.p99Ms, 990.0);
    QCOMPARE(summary.totals.latency.maxMs, 1000.0);
    QCOMPARE(summary.tools.first().allowed, 500);
    QCOMPARE(summary.tools.first().errors, 500);
    QCOMPARE(summary.tools.first().errorKinds.value(QStringLiteral("http_500")), 500);
    QCOMPARE(summary.totals.calls(), 1000);
    // A server inventing error codes cannot grow the counts without bound.
    Traffic::StatsRecorder kinds({QStringLiteral("x")}, 1);
    for (int code = 0; code < 100; ++code)
        kinds.record(QStringLiteral("x"), Traffic::Outcome::Error, 1,
                     QStringLiteral("jsonrpc_%1").arg(code));
    Traffic::Summary bounded;
    kinds.fill(bounded);
    QCOMPARE(bounded.tools.first().errors, 100);
    QCOMPARE(bounded.tools.first().errorKinds.size(), 33);
    QCOMPARE(bounded.tools.first().errorKinds.value(QStringLiteral("other")), 68);
    small.fill(summary);
    QCOMPARE(summary.totals.latency.minMs, 1.0);
    QCOMPARE(summary.totals.latency.maxMs, 1000.0);
    QVERIFY2(summary.totals.latency.p50Ms > 300 && summary.totals.latency.p50Ms < 700,
             qPrintable(QString::number(summary.totals.latency.p50Ms)));
}

QTEST_GUILESS_MAIN(TestTrafficParse)
#include "tst_traffic_parse.moc"
