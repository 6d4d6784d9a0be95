#include <QTest>

#include "crypto/base64url.h"
#include "crypto/random.h"
#include "testutil.h"

using namespace Crypto;

class TestBase64Url final : public QObject
{
    Q_OBJECT

private slots:
    void encode_data();
    void encode();
    void roundTripEveryLength();
    void rejects_data();
    void rejects();
};

void TestBase64Url::encode_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("encoded");
    // RFC 4648 section 10, without padding, plus the two characters that differ from base64.
    QTest::newRow("empty") << QByteArray() << QByteArray();
    QTest::newRow("f") << QByteArray("f") << QByteArray("Zg");
    QTest::newRow("fo") << QByteArray("fo") << QByteArray("Zm8");
    QTest::newRow("foo") << QByteArray("foo") << QByteArray("Zm9v");
    QTest::newRow("foob") << QByteArray("foob") << QByteArray("Zm9vYg");
    QTest::newRow("fooba") << QByteArray("fooba") << QByteArray("Zm9vYmE");
    QTest::newRow("foobar") << QByteArray("foobar") << QByteArray("Zm9vYmFy");
    QTest::newRow("url alphabet") << QByteArray("\xfb\xff\xbf") << QByteArray("-_-_");
    QTest::newRow("zeros") << QByteArray(4, '\0') << QByteArray("AAAAAA");
}

void TestBase64Url::encode()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, encoded);
    QCOMPARE(base64UrlEncode(raw), encoded);
    const auto decoded = base64UrlDecode(encoded);
    QVERIFY2(decoded.ok(), TestUtil::describe(decoded).constData());
    QCOMPARE(*decoded, raw);
}

void TestBase64Url::roundTripEveryLength()
{
    for (int length = 0; length <= 70; ++length) {
        const QByteArray raw = randomBytes(length);
        const QByteArray encoded = base64UrlEncode(raw);
        QVERIFY(!encoded.contains('=') && !encoded.contains('+') && !encoded.contains('/'));
        const auto decoded = base64UrlDecode(encoded);
        QVERIFY2(decoded.ok(), TestUtil::describe(decoded).constData());
        QCOMPARE(*decoded, raw);
    }
}

void TestBase64Url::rejects_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("padding") << QByteArray("Zg==") << QStringLiteral("'='");
    QTest::newRow("single pad") << QByteArray("Zm8=") << QStringLiteral("'='");
    QTest::newRow("plus") << QByteArray("ab+c") << QStringLiteral("'+'");
    QTest::newRow("slash") << QByteArray("ab/c") << QStringLiteral("'/'");
    QTest::newRow("leading space") << QByteArray(" Zg") << QStringLiteral("0x20");
    QTest::newRow("trailing newline") << QByteArray("Zg\n") << QStringLiteral("0x0a");
    QTest::newRow("inner tab") << QByteArray("Zm\t8") << QStringLiteral("0x09");
    QTest::newRow("CR LF") << QByteArray("Zm9v\r\n") << QStringLiteral("0x0d");
    QTest::newRow("nul") << QByteArray("Zm\0v", 4) << QStringLiteral("0x00");
    QTest::newRow("non-ASCII") << QByteArray("Zm\xc3\xa9") << QStringLiteral("0xc3");
    QTest::newRow("dot") << QByteArray("Zm.v") << QStringLiteral("'.'");
    QTest::newRow("length 1") << QByteArray("Z") << QStringLiteral("1 mod 4");
    QTest::newRow("length 5") << QByteArray("Zm9vY") << QStringLiteral("1 mod 4");
    QTest::newRow("non-canonical 2 chars") << QByteArray("Zh") << QStringLiteral("non-canonical");
    QTest::newRow("non-canonical 3 chars") << QByteArray("Zm9") << QStringLiteral("non-canonical");
    QTest::newRow("non-canonical url char") << QByteArray("-_") << QStringLiteral("non-canonical");
}

void TestBase64Url::rejects()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, fragment);
    EXPECT_ERROR(base64UrlDecode(input), QStringLiteral("invalid_base64url"), fragment);
}

QTEST_GUILESS_MAIN(TestBase64Url)
#include "tst_base64url.moc"
