#include <QTest>

#include "crypto/strictjson.h"
#include "testutil.h"

using namespace Crypto;

class TestStrictJson final : public QObject
{
    Q_OBJECT

private slots:
    void accepts_data();
    void accepts();
    void rejects_data();
    void rejects();
};

void TestStrictJson::accepts_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::newRow("empty object") << QByteArray("{}");
    QTest::newRow("same name in sibling objects") << QByteArray(R"({"a":{"x":1},"b":{"x":2}})");
    QTest::newRow("same name at two levels") << QByteArray(R"({"x":{"x":1}})");
    QTest::newRow("name repeated as a value") << QByteArray(R"({"a":"a","b":["a","a"]})");
    QTest::newRow("objects in an array") << QByteArray(R"({"k":[{"a":1},{"a":2}]})");
    QTest::newRow("escaped quote in a name") << QByteArray(R"({"a\"b":1,"a":2,"b":3})");
    QTest::newRow("brackets inside strings") << QByteArray(R"({"a":"{[[[[[[[[[[","b":"}"})");
    QTest::newRow("depth 4") << QByteArray(R"({"a":[[{"b":1}]]})");
    QTest::newRow("whitespace before colon") << QByteArray("{ \"a\" : 1 , \"b\"\n:\t2 }");
}

void TestStrictJson::accepts()
{
    QFETCH(QByteArray, json);
    const auto parsed = parseStrictJsonObject(json, 1024, 4);
    QVERIFY2(parsed.ok(), TestUtil::describe(parsed).constData());
}

void TestStrictJson::rejects_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("duplicate") << QByteArray(R"({"a":1,"a":2})")
                               << QStringLiteral("duplicate member name \"a\"");
    QTest::newRow("duplicate, spaced")
        << QByteArray("{\"a\" :1, \"a\"\n: 2}") << QStringLiteral("duplicate");
    QTest::newRow("duplicate via \\u escape")
        << QByteArray(R"({"a":1,"\u0061":2})") << QStringLiteral("duplicate");
    QTest::newRow("duplicate via \\/ escape")
        << QByteArray(R"({"a/b":1,"a\/b":2})") << QStringLiteral("duplicate");
    QTest::newRow("duplicate, nested")
        << QByteArray(R"({"o":{"k":1,"k":2}})") << QStringLiteral("duplicate");
    QTest::newRow("duplicate in array element")
        << QByteArray(R"({"l":[{"k":1,"k":1}]})") << QStringLiteral("duplicate");
    QTest::newRow("too deep") << QByteArray(R"({"a":[[[{}]]]})")
                              << QStringLiteral("nesting deeper than 4");
    QTest::newRow("too large") << "{\"a\":\"" + QByteArray(1100, 'x') + "\"}"
                               << QStringLiteral("exceed the limit");
    QTest::newRow("unbalanced") << QByteArray(R"({"a":[}])") << QStringLiteral("unbalanced");
    QTest::newRow("extra close") << QByteArray("{}}") << QStringLiteral("unbalanced");
    QTest::newRow("unterminated string")
        << QByteArray(R"({"a":"x)") << QStringLiteral("unterminated");
    QTest::newRow("control char in string")
        << QByteArray("{\"a\":\"x\ny\"}") << QStringLiteral("control character");
    QTest::newRow("bad escape") << QByteArray(R"({"a":"\x"})") << QStringLiteral("invalid escape");
    QTest::newRow("bad \\u escape")
        << QByteArray(R"({"a":"\u12G4"})") << QStringLiteral("\\u escape");
    QTest::newRow("truncated \\u escape")
        << QByteArray(R"({"a":"\u12)") << QStringLiteral("\\u escape");
    QTest::newRow("array at top") << QByteArray("[]") << QStringLiteral("not an object");
    QTest::newRow("number at top") << QByteArray("1") << QStringLiteral("invalid JSON");
    QTest::newRow("trailing comma") << QByteArray(R"({"a":1,})") << QStringLiteral("invalid JSON");
    QTest::newRow("single quotes") << QByteArray("{'a':1}") << QStringLiteral("invalid JSON");
    QTest::newRow("garbage after") << QByteArray("{} x") << QStringLiteral("invalid JSON");
    QTest::newRow("invalid UTF-8")
        << QByteArray("{\"a\":\"\xff\"}") << QStringLiteral("invalid JSON");
    QTest::newRow("empty") << QByteArray() << QStringLiteral("invalid JSON");
}

void TestStrictJson::rejects()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, fragment);
    EXPECT_ERROR(parseStrictJsonObject(json, 1024, 4), QStringLiteral("malformed_json"), fragment);
}

QTEST_GUILESS_MAIN(TestStrictJson)
#include "tst_strictjson.moc"
