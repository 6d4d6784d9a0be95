#include <QSet>
#include <QTest>

#include "crypto/pkce.h"
#include "rfcvectors.h"
#include "testutil.h"

using namespace Crypto;

class TestPkce final : public QObject
{
    Q_OBJECT

private slots:
    void rfc7636AppendixB();
    void generatedVerifiers_data();
    void generatedVerifiers();
    void generateRejectsBadLengths_data();
    void generateRejectsBadLengths();
    void validateVerifier_data();
    void validateVerifier();
    void verifyChallenge_data();
    void verifyChallenge();
};

void TestPkce::rfc7636AppendixB()
{
    QCOMPARE(Pkce::s256Challenge(RfcVectors::kPkceVerifier),
             QByteArray(RfcVectors::kPkceChallenge));
    const auto status =
        Pkce::verifyChallenge("S256", RfcVectors::kPkceVerifier, RfcVectors::kPkceChallenge);
    QVERIFY2(status.ok(), TestUtil::describe(status).constData());
}

void TestPkce::generatedVerifiers_data()
{
    QTest::addColumn<int>("length");
    QTest::newRow("default") << 0;
    QTest::newRow("min") << 43;
    QTest::newRow("max") << 128;
}

void TestPkce::generatedVerifiers()
{
    QFETCH(int, length);
    QSet<QByteArray> seen;
    for (int i = 0; i < 50; ++i) {
        const auto verifier =
            length == 0 ? Pkce::generateVerifier() : Pkce::generateVerifier(length);
        QVERIFY2(verifier.ok(), TestUtil::describe(verifier).constData());
        QCOMPARE(verifier->size(), length == 0 ? 64 : length);
        const auto valid = Pkce::validateVerifier(*verifier);
        QVERIFY2(valid.ok(), TestUtil::describe(valid).constData());
        seen.insert(*verifier);
    }
    QCOMPARE(seen.size(), 50);
}

void TestPkce::generateRejectsBadLengths_data()
{
    QTest::addColumn<int>("length");
    QTest::newRow("42") << 42;
    QTest::newRow("129") << 129;
    QTest::newRow("0") << 0;
    QTest::newRow("negative") << -1;
}

void TestPkce::generateRejectsBadLengths()
{
    QFETCH(int, length);
    EXPECT_ERROR(Pkce::generateVerifier(length), QStringLiteral("invalid_request"),
                 QStringLiteral("43..128"));
}

void TestPkce::validateVerifier_data()
{
    QTest::addColumn<QByteArray>("verifier");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("fragment");
    const QByteArray a43(43, 'a');
    QTest::newRow("rfc") << QByteArray(RfcVectors::kPkceVerifier) << true << QString();
    QTest::newRow("42 chars") << QByteArray(42, 'a') << false << QStringLiteral("42 characters");
    QTest::newRow("43 chars") << a43 << true << QString();
    QTest::newRow("128 chars") << QByteArray(128, 'Z') << true << QString();
    QTest::newRow("129 chars") << QByteArray(129, 'Z') << false << QStringLiteral("129 characters");
    QTest::newRow("every unreserved char")
        << QByteArray("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") << true
        << QString();
    QTest::newRow("trailing newline") << a43 + '\n' << false << QStringLiteral("0x0a");
    QTest::newRow("42 + newline") << QByteArray(42, 'a') + '\n' << false << QStringLiteral("0x0a");
    QTest::newRow("leading newline") << '\n' + a43 << false << QStringLiteral("offset 0");
    QTest::newRow("space") << QByteArray(20, 'a') + ' ' + QByteArray(22, 'a') << false
                           << QStringLiteral("0x20 at offset 20");
    QTest::newRow("plus") << a43 + '+' << false << QStringLiteral("0x2b");
    QTest::newRow("slash") << a43 + '/' << false << QStringLiteral("0x2f");
    QTest::newRow("equals") << a43 + '=' << false << QStringLiteral("0x3d");
    QTest::newRow("non-ASCII") << a43 + "\xc3\xa9" << false << QStringLiteral("0xc3");
    QTest::newRow("nul") << a43 + QByteArray(1, '\0') << false << QStringLiteral("0x00");
    QTest::newRow("empty") << QByteArray() << false << QStringLiteral("0 characters");
}

void TestPkce::validateVerifier()
{
    QFETCH(QByteArray, verifier);
    QFETCH(bool, valid);
    QFETCH(QString, fragment);
    const auto status = Pkce::validateVerifier(verifier);
    if (valid) {
        QVERIFY2(status.ok(), TestUtil::describe(status).constData());
    } else {
        EXPECT_ERROR(status, QStringLiteral("invalid_grant"), fragment);
    }
}

void TestPkce::verifyChallenge_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("verifier");
    QTest::addColumn<QByteArray>("challenge");
    QTest::addColumn<QString>("code"); // empty = success
    const QByteArray v(RfcVectors::kPkceVerifier);
    const QByteArray c(RfcVectors::kPkceChallenge);
    QTest::newRow("S256 match") << QByteArray("S256") << v << c << QString();
    QTest::newRow("S256 other verifier")
        << QByteArray("S256") << QByteArray(43, 'a') << c << QStringLiteral("invalid_grant");
    QTest::newRow("S256 challenge truncated")
        << QByteArray("S256") << v << c.chopped(1) << QStringLiteral("invalid_grant");
    QTest::newRow("S256 verifier as challenge")
        << QByteArray("S256") << v << v << QStringLiteral("invalid_grant");
    QTest::newRow("S256 empty challenge")
        << QByteArray("S256") << v << QByteArray() << QStringLiteral("invalid_grant");
    QTest::newRow("plain match") << QByteArray("plain") << v << v << QString();
    QTest::newRow("plain mismatch")
        << QByteArray("plain") << v << c << QStringLiteral("invalid_grant");
    QTest::newRow("plain malformed verifier")
        << QByteArray("plain") << QByteArray("short") << QByteArray("short")
        << QStringLiteral("invalid_grant");
    QTest::newRow("S256 malformed verifier")
        << QByteArray("S256") << v + '\n'
        << Pkce::s256Challenge(QByteArray(v + '\n')) << QStringLiteral("invalid_grant");
    QTest::newRow("lower-case method")
        << QByteArray("s256") << v << c << QStringLiteral("invalid_request");
    QTest::newRow("empty method") << QByteArray() << v << c << QStringLiteral("invalid_request");
    QTest::newRow("S512 method") << QByteArray("S512") << v << c
                                 << QStringLiteral("invalid_request");
}

void TestPkce::verifyChallenge()
{
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, verifier);
    QFETCH(QByteArray, challenge);
    QFETCH(QString, code);
    const auto status = Pkce::verifyChallenge(method, verifier, challenge);
    if (code.isEmpty()) {
        QVERIFY2(status.ok(), TestUtil::describe(status).constData());
    } else {
        EXPECT_ERROR(status, code, QString());
    }
}

QTEST_GUILESS_MAIN(TestPkce)
#include "tst_pkce.moc"
