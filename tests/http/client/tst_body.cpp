#include <QJsonObject>
#include <QTest>

#include "http/body.h"

using namespace Http;

class TestBody final : public QObject
{
    Q_OBJECT

private slots:
    void parseFormValid_data();
    void parseFormValid();
    void parseFormInvalid_data();
    void parseFormInvalid();
    void repeatedParameterNamesTheParameter();
    void repeatableNames();
    void parameterLimits();
    void parseQuerySameRules();
    void encodeFormRoundTrip_data();
    void encodeFormRoundTrip();
    void formContentType_data();
    void formContentType();
    void parseJsonValid_data();
    void parseJsonValid();
    void parseJsonInvalid_data();
    void parseJsonInvalid();
    void jsonDepthBombIsCheap();
};

void TestBody::parseFormValid_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QStringList>("values");

    QTest::newRow("empty") << QByteArray() << QStringList{} << QStringList{};
    QTest::newRow("one") << QByteArray("a=1") << QStringList{u"a"_qs} << QStringList{u"1"_qs};
    QTest::newRow("plus is space") << QByteArray("scope=read+write") << QStringList{u"scope"_qs}
                                   << QStringList{u"read write"_qs};
    QTest::newRow("encoded plus stays plus")
        << QByteArray("v=a%2Bb") << QStringList{u"v"_qs} << QStringList{u"a+b"_qs};
    QTest::newRow("percent lower and upper")
        << QByteArray("u=http%3a%2F%2Fx") << QStringList{u"u"_qs} << QStringList{u"http://x"_qs};
    QTest::newRow("utf8") << QByteArray("n=%C3%A9t%C3%A9") << QStringList{u"n"_qs}
                          << QStringList{QString::fromUtf8("\xC3\xA9t\xC3\xA9")};
    QTest::newRow("raw utf8") << QByteArray("n=\xC3\xA9") << QStringList{u"n"_qs}
                              << QStringList{QString::fromUtf8("\xC3\xA9")};
    QTest::newRow("no equals") << QByteArray("flag") << QStringList{u"flag"_qs}
                               << QStringList{QString()};
    QTest::newRow("empty value") << QByteArray("a=") << QStringList{u"a"_qs}
                                 << QStringList{QString()};
    QTest::newRow("empty pairs skipped") << QByteArray("a=1&&b=2&") << QStringList{u"a"_qs, u"b"_qs}
                                         << QStringList{u"1"_qs, u"2"_qs};
    QTest::newRow("order kept") << QByteArray("z=1&a=2&m=3")
                                << QStringList{u"z"_qs, u"a"_qs, u"m"_qs}
                                << QStringList{u"1"_qs, u"2"_qs, u"3"_qs};
    QTest::newRow("equals in value")
        << QByteArray("a=b=c") << QStringList{u"a"_qs} << QStringList{u"b=c"_qs};
    QTest::newRow("case differs is not a repeat")
        << QByteArray("a=1&A=2") << QStringList{u"a"_qs, u"A"_qs} << QStringList{u"1"_qs, u"2"_qs};
}

void TestBody::parseFormValid()
{
    QFETCH(QByteArray, body);
    QFETCH(QStringList, names);
    QFETCH(QStringList, values);
    const auto form = parseForm(body);
    QVERIFY2(form.ok(), qPrintable(form.ok() ? QString() : form.error().toString()));
    QCOMPARE(form->size(), names.size());
    for (qsizetype i = 0; i < names.size(); ++i) {
        QCOMPARE(form->entries().at(i).first, names.at(i));
        QCOMPARE(form->entries().at(i).second, values.at(i));
        QCOMPARE(form->value(names.at(i)), std::optional<QString>(values.at(i)));
    }
    QVERIFY(!form->value(u"absent").has_value());
}

void TestBody::parseFormInvalid_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("messagePart");

    QTest::newRow("repeated") << QByteArray("a=1&a=2") << u"'a'"_qs;
    QTest::newRow("repeated after decoding") << QByteArray("code=1&c%6Fde=2") << u"'code'"_qs;
    QTest::newRow("repeated empty values") << QByteArray("a&a") << u"'a'"_qs;
    QTest::newRow("empty name") << QByteArray("=x") << u"empty name"_qs;
    QTest::newRow("empty name later") << QByteArray("a=1&=x") << u"empty name"_qs;
    QTest::newRow("lone percent") << QByteArray("a=%") << u"percent"_qs;
    QTest::newRow("one hex digit") << QByteArray("a=%4") << u"percent"_qs;
    QTest::newRow("bad hex") << QByteArray("a=%zz") << u"percent"_qs;
    QTest::newRow("bad hex second") << QByteArray("a=%4g") << u"percent"_qs;
    QTest::newRow("bad escape in name") << QByteArray("%x1=a") << u"percent"_qs;
    QTest::newRow("invalid utf8 escaped") << QByteArray("a=%C3%28") << u"UTF-8"_qs;
    QTest::newRow("invalid utf8 raw") << QByteArray("a=\xFF") << u"UTF-8"_qs;
    QTest::newRow("overlong utf8") << QByteArray("a=%C0%AF") << u"UTF-8"_qs;
    QTest::newRow("surrogate utf8") << QByteArray("a=%ED%A0%80") << u"UTF-8"_qs;
    QTest::newRow("truncated utf8") << QByteArray("a=%E2%82") << u"UTF-8"_qs;
    QTest::newRow("invalid utf8 in name") << QByteArray("%FF=a") << u"UTF-8"_qs;
}

void TestBody::parseFormInvalid()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, messagePart);
    const auto form = parseForm(body);
    QVERIFY(!form.ok());
    QCOMPARE(form.error().code, u"invalid_request"_qs);
    QVERIFY2(form.error().message.contains(messagePart), qPrintable(form.error().message));
}

void TestBody::repeatedParameterNamesTheParameter()
{
    const auto form = parseForm("grant_type=authorization_code&scope=a&scope=b");
    QVERIFY(!form.ok());
    QCOMPARE(form.error().code, u"invalid_request"_qs);
    QVERIFY(form.error().message.contains(u"'scope'"));
    QVERIFY(form.error().message.contains(u"more than once"));
}

void TestBody::repeatableNames()
{
    FormLimits limits;
    limits.repeatableNames = {u"resource"_qs};
    const auto form = parseForm("resource=https%3A%2F%2Fa&resource=https%3A%2F%2Fb", limits);
    QVERIFY(form.ok());
    QCOMPARE(form->values(u"resource"), (QStringList{u"https://a"_qs, u"https://b"_qs}));
    QCOMPARE(form->value(u"resource"), std::optional<QString>(u"https://a"_qs));
    QVERIFY(!parseForm("resource=a&resource=b").ok());
}

void TestBody::parameterLimits()
{
    FormLimits limits;
    limits.maxParameters = 3;
    QVERIFY(parseForm("a=1&b=2&c=3", limits).ok());
    const auto tooMany = parseForm("a=1&b=2&c=3&d=4", limits);
    QVERIFY(!tooMany.ok());
    QVERIFY(tooMany.error().message.contains(u"more than 3 parameters"));

    limits = {};
    limits.maxBytes = 10;
    QVERIFY(parseForm("a=12345678", limits).ok());
    const auto tooBig = parseForm("a=123456789", limits);
    QVERIFY(!tooBig.ok());
    QCOMPARE(tooBig.error().code, u"invalid_request"_qs);
    QVERIFY(tooBig.error().message.contains(u"limit of 10"));

    // The defaults hold a large but sane body, and refuse a huge one without a crash.
    QVERIFY(parseForm(QByteArray(QByteArray("a=") + QByteArray(60 * 1024, 'x'))).ok());
    QVERIFY(!parseForm(QByteArray(QByteArray("a=") + QByteArray(1024 * 1024, 'x'))).ok());
    QByteArray many;
    for (int i = 0; i < 101; ++i)
        many += "p" + QByteArray::number(i) + "=1&";
    QVERIFY(!parseForm(many).ok());
}

void TestBody::parseQuerySameRules()
{
    const auto query = parseQuery("response_type=code&state=a+b%21");
    QVERIFY(query.ok());
    QCOMPARE(query->value(u"state"), std::optional<QString>(u"a b!"_qs));
    const auto repeated = parseQuery("state=1&state=2");
    QVERIFY(!repeated.ok());
    QVERIFY(repeated.error().message.contains(u"'state'"));
    QVERIFY(repeated.error().message.contains(u"query string") ||
            repeated.error().message.contains(u"more than once"));
    QVERIFY(!parseQuery("a=%G0").ok());
}

void TestBody::encodeFormRoundTrip_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("encoded");

    QTest::newRow("plain") << u"a"_qs << u"b"_qs << QByteArray("a=b");
    QTest::newRow("space") << u"scope"_qs << u"read write"_qs << QByteArray("scope=read+write");
    QTest::newRow("reserved") << u"u"_qs << u"https://x/?a=1&b=2+3"_qs
                              << QByteArray("u=https%3A%2F%2Fx%2F%3Fa%3D1%26b%3D2%2B3");
    QTest::newRow("unicode") << u"n"_qs << QString::fromUtf8("\xC3\xA9") << QByteArray("n=%C3%A9");
    QTest::newRow("unreserved kept") << u"v"_qs << u"A-z_0.9~*"_qs << QByteArray("v=A-z_0.9~*");
}

void TestBody::encodeFormRoundTrip()
{
    QFETCH(QString, name);
    QFETCH(QString, value);
    QFETCH(QByteArray, encoded);
    const FormData form{{name, value}};
    QCOMPARE(encodeForm(form), encoded);
    const auto parsed = parseForm(encoded);
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->value(name), std::optional<QString>(value));
}

void TestBody::formContentType_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<bool>("accepted");

    QTest::newRow("bare") << QByteArray("application/x-www-form-urlencoded") << true;
    QTest::newRow("upper case") << QByteArray("Application/X-WWW-Form-URLEncoded") << true;
    QTest::newRow("charset") << QByteArray("application/x-www-form-urlencoded; charset=utf-8")
                             << true;
    QTest::newRow("charset upper quoted")
        << QByteArray("application/x-www-form-urlencoded;charset=\"UTF-8\"") << true;
    QTest::newRow("spaces") << QByteArray("  application/x-www-form-urlencoded ; charset=UTF-8 ")
                            << true;
    QTest::newRow("latin1") << QByteArray("application/x-www-form-urlencoded; charset=latin1")
                            << false;
    QTest::newRow("json") << QByteArray("application/json") << false;
    QTest::newRow("multipart") << QByteArray("multipart/form-data; boundary=x") << false;
    QTest::newRow("empty") << QByteArray() << false;
    QTest::newRow("prefix only") << QByteArray("application/x-www-form-urlencodedx") << false;
}

void TestBody::formContentType()
{
    QFETCH(QByteArray, contentType);
    QFETCH(bool, accepted);
    const auto status = checkFormContentType(contentType);
    QCOMPARE(status.ok(), accepted);
    if (!accepted)
        QCOMPARE(status.error().code, u"invalid_request"_qs);
}

void TestBody::parseJsonValid_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("members");

    QTest::newRow("empty object") << QByteArray("{}") << 0;
    QTest::newRow("members") << QByteArray(R"({"a":1,"b":"x","c":[1,2]})") << 3;
    QTest::newRow("same key in sibling objects") << QByteArray(R"({"a":{"k":1},"b":{"k":2}})") << 2;
    QTest::newRow("brackets in strings") << QByteArray(R"({"a":"{{{[[[","b":"\"}"})") << 2;
    QTest::newRow("escaped quote in key") << QByteArray(R"({"a\"":1,"a":2})") << 2;
    QTest::newRow("whitespace") << QByteArray(" \n{ \"a\" : 1 }\n") << 1;
    QTest::newRow("depth 32") << QByteArray("{\"a\":") + QByteArray(31, '[') + QByteArray(31, ']') +
                                     "}"
                              << 1;
}

void TestBody::parseJsonValid()
{
    QFETCH(QByteArray, body);
    QFETCH(int, members);
    const auto json = parseJson(body);
    QVERIFY2(json.ok(), qPrintable(json.ok() ? QString() : json.error().toString()));
    QVERIFY(json->isObject());
    QCOMPARE(json->object().size(), members);
}

void TestBody::parseJsonInvalid_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<qsizetype>("maxBytes");
    QTest::addColumn<QString>("messagePart");

    const qsizetype mib = 1024 * 1024;
    QTest::newRow("duplicate key") << QByteArray(R"({"a":1,"a":2})") << mib << u"duplicate"_qs;
    QTest::newRow("duplicate via escape")
        << QByteArray(R"({"a":1,"\u0061":2})") << mib << u"duplicate"_qs;
    QTest::newRow("duplicate nested")
        << QByteArray(R"({"x":{"k":1,"k":1}})") << mib << u"duplicate"_qs;
    QTest::newRow("duplicate in array object")
        << QByteArray(R"({"x":[{"k":1,"k":2}]})") << mib << u"duplicate"_qs;
    QTest::newRow("depth bomb") << QByteArray(100000, '[') << mib << u"nesting"_qs;
    QTest::newRow("depth 33 objects")
        << QByteArray("{\"a\":") + QByteArray(32, '[') + QByteArray(32, ']') + "}" << mib
        << u"nesting"_qs;
    QTest::newRow("too large") << QByteArray(R"({"a":"xxxxxxxxxx"})") << qsizetype(10)
                               << u"limit"_qs;
    QTest::newRow("syntax error offset") << QByteArray(R"({"a":1,})") << mib << u"offset"_qs;
    QTest::newRow("truncated") << QByteArray(R"({"a":)") << mib << u"offset"_qs;
    QTest::newRow("not an object") << QByteArray("[1,2]") << mib << u"object"_qs;
    QTest::newRow("empty") << QByteArray() << mib << u"JSON"_qs;
    QTest::newRow("garbage") << QByteArray("a=1&b=2") << mib << u"JSON"_qs;
    QTest::newRow("unterminated string") << QByteArray(R"({"a":"xx)") << mib << u"JSON"_qs;
}

void TestBody::parseJsonInvalid()
{
    QFETCH(QByteArray, body);
    QFETCH(qsizetype, maxBytes);
    QFETCH(QString, messagePart);
    JsonLimits limits;
    limits.maxBytes = maxBytes;
    const auto json = parseJson(body, limits);
    QVERIFY(!json.ok());
    QCOMPARE(json.error().code, u"invalid_request"_qs);
    QVERIFY2(json.error().message.contains(messagePart, Qt::CaseInsensitive),
             qPrintable(json.error().message));
}

void TestBody::jsonDepthBombIsCheap()
{
    // Ten megabytes of '[' must be refused by the size check, and a megabyte of '['
    // by the depth check, before QJsonDocument recurses into it.
    QVERIFY(!parseJson(QByteArray(10 * 1024 * 1024, '[')).ok());
    JsonLimits limits;
    limits.maxBytes = 2 * 1024 * 1024;
    const auto deep = parseJson(QByteArray(1024 * 1024, '['), limits);
    QVERIFY(!deep.ok());
    QVERIFY(deep.error().message.contains(u"nesting"));
}

QTEST_APPLESS_MAIN(TestBody)
#include "tst_body.moc"
