// The WWW-Authenticate parser of the walker's probe: well-formed challenges (quoted strings
// with escapes, several challenges, repeated header fields, token68) and malformed input.
#include <QtTest>

#include "flow/wwwauthenticate.h"

using Params = QMap<QString, QString>;

class TestFlowWwwAuthenticate final : public QObject
{
    Q_OBJECT

private slots:
    void parses_data();
    void parses();
    void refusesMalformed_data();
    void refusesMalformed();
    void severalFields();
    void boundedInput();
};

void TestFlowWwwAuthenticate::parses_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QStringList>("schemes");
    QTest::addColumn<int>("index");
    QTest::addColumn<Params>("params");
    QTest::addColumn<QString>("token68");

    QTest::newRow("bare bearer") << QByteArray("Bearer") << QStringList{QStringLiteral("Bearer")}
                                 << 0 << Params{} << QString();
    QTest::newRow("mcp challenge")
        << QByteArray("Bearer resource_metadata=\"http://127.0.0.1:9401/.well-known/"
                      "oauth-protected-resource/mcp\", scope=\"tasks:read tasks:write\"")
        << QStringList{QStringLiteral("Bearer")} << 0
        << Params{{QStringLiteral("resource_metadata"),
                   QStringLiteral(
                       "http://127.0.0.1:9401/.well-known/oauth-protected-resource/mcp")},
                  {QStringLiteral("scope"), QStringLiteral("tasks:read tasks:write")}}
        << QString();
    QTest::newRow("escapes and commas in quotes")
        << QByteArray("Bearer error_description=\"a \\\"quoted\\\", value\\\\ here\", "
                      "error=invalid_token")
        << QStringList{QStringLiteral("Bearer")} << 0
        << Params{{QStringLiteral("error_description"),
                   QStringLiteral("a \"quoted\", value\\ here")},
                  {QStringLiteral("error"), QStringLiteral("invalid_token")}}
        << QString();
    QTest::newRow("case-insensitive names, spaces around =")
        << QByteArray("bearer  Realm = \"x\" ,SCOPE=\"a\"") << QStringList{QStringLiteral("bearer")}
        << 0
        << Params{{QStringLiteral("realm"), QStringLiteral("x")},
                  {QStringLiteral("scope"), QStringLiteral("a")}}
        << QString();
    QTest::newRow("bearer after basic")
        << QByteArray("Basic realm=\"a, b\", Bearer realm=\"mcp\", error=\"insufficient_scope\"")
        << QStringList{QStringLiteral("Basic"), QStringLiteral("Bearer")} << 1
        << Params{{QStringLiteral("realm"), QStringLiteral("mcp")},
                  {QStringLiteral("error"), QStringLiteral("insufficient_scope")}}
        << QString();
    QTest::newRow("token68 then bearer")
        << QByteArray("Negotiate dGVzdA==, Bearer scope=\"s\"")
        << QStringList{QStringLiteral("Negotiate"), QStringLiteral("Bearer")} << 0 << Params{}
        << QStringLiteral("dGVzdA==");
    QTest::newRow("empty quoted value")
        << QByteArray("Bearer scope=\"\"") << QStringList{QStringLiteral("Bearer")} << 0
        << Params{{QStringLiteral("scope"), QString()}} << QString();
    QTest::newRow("DPoP and Bearer")
        << QByteArray("DPoP algs=\"ES256 PS256\", Bearer")
        << QStringList{QStringLiteral("DPoP"), QStringLiteral("Bearer")} << 0
        << Params{{QStringLiteral("algs"), QStringLiteral("ES256 PS256")}} << QString();
    QTest::newRow("utf-8 in quotes")
        << QByteArray("Bearer error_description=\"caf\xc3\xa9\"")
        << QStringList{QStringLiteral("Bearer")} << 0
        << Params{{QStringLiteral("error_description"), QString::fromUtf8("caf\xc3\xa9")}}
        << QString();
    QTest::newRow("trailing commas")
        << QByteArray(", Bearer scope=a ,, ") << QStringList{QStringLiteral("Bearer")} << 0
        << Params{{QStringLiteral("scope"), QStringLiteral("a")}} << QString();
}

void TestFlowWwwAuthenticate::parses()
{
    QFETCH(QByteArray, header);
    QFETCH(QStringList, schemes);
    QFETCH(int, index);
    QFETCH(Params, params);
    QFETCH(QString, token68);
    const auto parsed = Flow::parseWwwAuthenticate({header});
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : qPrintable(parsed.error().toString()));
    QStringList got;
    for (const Flow::AuthChallenge &challenge : *parsed)
        got.append(challenge.scheme);
    QCOMPARE(got, schemes);
    QCOMPARE(parsed->at(index).params, params);
    QCOMPARE(parsed->at(index).token68, token68);
}

void TestFlowWwwAuthenticate::refusesMalformed_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::newRow("unterminated quote") << QByteArray("Bearer scope=\"tasks:read");
    QTest::newRow("escape at end") << QByteArray("Bearer scope=\"x\\");
    QTest::newRow("parameter before scheme") << QByteArray("scope=\"x\", Bearer");
    QTest::newRow("parameter without value") << QByteArray("Bearer error=x, scope=");
    QTest::newRow("repeated parameter") << QByteArray("Bearer scope=a, SCOPE=b");
    QTest::newRow("garbage after value") << QByteArray("Bearer scope=\"a\" b");
    QTest::newRow("control character") << QByteArray("Bearer scope=\"a\x01\"");
    QTest::newRow("not a token") << QByteArray("Bearer scope=a, @@@");
    QTest::newRow("only equals") << QByteArray("=");
}

void TestFlowWwwAuthenticate::refusesMalformed()
{
    QFETCH(QByteArray, header);
    const auto parsed = Flow::parseWwwAuthenticate({header});
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, QStringLiteral("invalid_challenge"));
    QVERIFY(parsed.error().message.contains(QLatin1String("offset")));
}

void TestFlowWwwAuthenticate::severalFields()
{
    const auto parsed = Flow::parseWwwAuthenticate(
        {QByteArray("Basic realm=\"x\""), QByteArray("Bearer resource_metadata=\"https://a/b\"")});
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->size(), 2);
    QVERIFY(parsed->at(1).isBearer());
    QCOMPARE(parsed->at(1).param(QStringLiteral("resource_metadata")),
             QStringLiteral("https://a/b"));
    QVERIFY(Flow::parseWwwAuthenticate({}).ok());
    QVERIFY(Flow::parseWwwAuthenticate({})->isEmpty());
}

void TestFlowWwwAuthenticate::boundedInput()
{
    const QByteArray huge = "Bearer scope=\"" + QByteArray(20000, 'a') + '"';
    QVERIFY(!Flow::parseWwwAuthenticate({huge}).ok());
    QByteArray many = "Bearer ";
    for (int i = 0; i < 100; ++i)
        many += "p" + QByteArray::number(i) + "=x, ";
    QVERIFY(!Flow::parseWwwAuthenticate({many}).ok());
    QByteArray schemes;
    for (int i = 0; i < 100; ++i)
        schemes += "S" + QByteArray::number(i) + ", ";
    QVERIFY(!Flow::parseWwwAuthenticate({schemes}).ok());
}

QTEST_MAIN(TestFlowWwwAuthenticate)
#include "tst_flow_wwwauthenticate.moc"
