#include <QTest>

#include "crypto/jwt.h"
#include "testutil.h"

using namespace Crypto;
using TestUtil::jsonObject;

class TestJwt final : public QObject
{
    Q_OBJECT

private slots:
    void checkClaims_data();
    void checkClaims();
    void optionalChecks();
    void parseClaims_data();
    void parseClaims();
};

namespace {
constexpr qint64 kNow = 1700000000;

Jwt::ClaimChecks defaultChecks()
{
    Jwt::ClaimChecks checks;
    checks.now = kNow;
    checks.leewaySeconds = 60;
    checks.issuer = QStringLiteral("https://as.example");
    checks.audience = QStringLiteral("https://mcp.example/mcp");
    return checks;
}
} // namespace

void TestJwt::checkClaims_data()
{
    QTest::addColumn<QByteArray>("claims");
    QTest::addColumn<QString>("code"); // empty = valid
    QTest::addColumn<QString>("fragment");
    const QByteArray iss = R"("iss":"https://as.example")";
    const QByteArray aud = R"("aud":"https://mcp.example/mcp")";
    const auto claims = [&](const QByteArray &times, const QByteArray &extra = {}) -> QByteArray {
        QByteArray out = "{" + iss + "," + aud + "," + times;
        if (!extra.isEmpty())
            out += "," + extra;
        return out + "}";
    };
    const QString expired = QStringLiteral("token_expired");
    const QString early = QStringLiteral("token_not_yet_valid");
    const QString malformedClaims = QStringLiteral("malformed_claims");

    QTest::newRow("valid") << claims(R"("exp":1700000600,"nbf":1699999000,"iat":1699999000)")
                           << QString() << QString();
    QTest::newRow("aud array") << QByteArray(R"({"iss":"https://as.example","exp":1700000600,)"
                                             R"("aud":["other","https://mcp.example/mcp"]})")
                               << QString() << QString();
    QTest::newRow("exp fractional") << claims(R"("exp":1700000000.5)") << QString() << QString();
    QTest::newRow("exp inside leeway") << claims(R"("exp":1699999941)") << QString() << QString();
    QTest::newRow("exp at leeway edge")
        << claims(R"("exp":1699999940)") << expired << QStringLiteral("expired at 1699999940");
    QTest::newRow("exp long past")
        << claims(R"("exp":1000)") << expired << QStringLiteral("leeway 60");
    QTest::newRow("exp huge") << claims(R"("exp":1e300)") << QString() << QString();
    QTest::newRow("nbf inside leeway")
        << claims(R"("exp":1700000600,"nbf":1700000060)") << QString() << QString();
    QTest::newRow("nbf future") << claims(R"("exp":1700000600,"nbf":1700000061)") << early
                                << QStringLiteral("not valid before 1700000061");
    QTest::newRow("iat future") << claims(R"("exp":1700000600,"iat":1700000500)") << early
                                << QStringLiteral("issued in the future");
    QTest::newRow("exp string") << claims(R"("exp":"1700000600")") << malformedClaims
                                << QStringLiteral("\"exp\" must be a JSON number");
    QTest::newRow("nbf string") << claims(R"("exp":1700000600,"nbf":"0")") << malformedClaims
                                << QStringLiteral("\"nbf\"");
    QTest::newRow("iat bool") << claims(R"("exp":1700000600,"iat":true)") << malformedClaims
                              << QStringLiteral("\"iat\"");
    QTest::newRow("exp null") << claims(R"("exp":null)") << malformedClaims
                              << QStringLiteral("\"exp\"");
    QTest::newRow("exp missing") << claims(R"("nbf":1)") << malformedClaims
                                 << QStringLiteral("no \"exp\"");
    QTest::newRow("wrong issuer")
        << QByteArray(R"({"iss":"https://evil.example","exp":1700000600,)" + aud + "}")
        << QStringLiteral("wrong_issuer") << QStringLiteral("\"https://evil.example\"");
    QTest::newRow("issuer trailing slash")
        << QByteArray(R"({"iss":"https://as.example/","exp":1700000600,)" + aud + "}")
        << QStringLiteral("wrong_issuer") << QString();
    QTest::newRow("no issuer") << QByteArray(R"({"exp":1700000600,)" + aud + "}")
                               << QStringLiteral("wrong_issuer") << QStringLiteral("no \"iss\"");
    QTest::newRow("issuer number") << QByteArray(R"({"iss":1,"exp":1700000600,)" + aud + "}")
                                   << malformedClaims << QStringLiteral("\"iss\" must be a string");
    QTest::newRow("wrong audience")
        << QByteArray(R"({"iss":"https://as.example","exp":1700000600,"aud":"https://other"})")
        << QStringLiteral("wrong_audience") << QStringLiteral("https://other");
    QTest::newRow("audience array without ours")
        << QByteArray(R"({"iss":"https://as.example","exp":1700000600,"aud":["a","b"]})")
        << QStringLiteral("wrong_audience") << QStringLiteral("a b");
    QTest::newRow("empty audience array")
        << QByteArray(R"({"iss":"https://as.example","exp":1700000600,"aud":[]})")
        << QStringLiteral("wrong_audience") << QStringLiteral("no \"aud\"");
    QTest::newRow("no audience") << QByteArray(R"({"iss":"https://as.example","exp":1700000600})")
                                 << QStringLiteral("wrong_audience")
                                 << QStringLiteral("no \"aud\"");
    QTest::newRow("audience number")
        << QByteArray(R"({"iss":"https://as.example","exp":1700000600,"aud":5})") << malformedClaims
        << QStringLiteral("\"aud\"");
    QTest::newRow("audience array with number")
        << QByteArray(
               R"({"iss":"https://as.example","exp":1700000600,"aud":["https://mcp.example/mcp",5]})")
        << malformedClaims << QStringLiteral("\"aud\"");
    QTest::newRow("sub number") << claims(R"("exp":1700000600)", R"("sub":42)") << malformedClaims
                                << QStringLiteral("\"sub\"");
    QTest::newRow("jti object") << claims(R"("exp":1700000600)", R"("jti":{})") << malformedClaims
                                << QStringLiteral("\"jti\"");
}

void TestJwt::checkClaims()
{
    QFETCH(QByteArray, claims);
    QFETCH(QString, code);
    QFETCH(QString, fragment);
    const auto parsed = Jwt::parseClaims(claims);
    QVERIFY2(parsed.ok(), TestUtil::describe(parsed).constData());
    const auto status = Jwt::checkClaims(*parsed, defaultChecks());
    if (code.isEmpty()) {
        QVERIFY2(status.ok(), TestUtil::describe(status).constData());
    } else {
        EXPECT_ERROR(status, code, fragment);
    }
}

void TestJwt::optionalChecks()
{
    Jwt::ClaimChecks checks;
    checks.now = kNow;
    checks.requireExp = false;
    QVERIFY(Jwt::checkClaims({}, checks).ok());
    QVERIFY(Jwt::checkClaims(jsonObject(R"({"iss":"anyone","aud":"anything"})"), checks).ok());
    checks.leewaySeconds = 0;
    EXPECT_ERROR(Jwt::checkClaims(jsonObject(R"({"exp":1700000000})"), checks),
                 QStringLiteral("token_expired"), QString());
    QVERIFY(Jwt::checkClaims(jsonObject(R"({"exp":1700000001})"), checks).ok());
}

void TestJwt::parseClaims_data()
{
    QTest::addColumn<QByteArray>("payload");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("not JSON") << QByteArray("exp=1");
    QTest::newRow("array") << QByteArray("[1]");
    QTest::newRow("string") << QByteArray("\"x\"");
    QTest::newRow("duplicate exp") << QByteArray(R"({"exp":1,"exp":9999999999})");
    QTest::newRow("deep") << "{\"x\":" + QByteArray(64, '[') + QByteArray(64, ']') + "}";
    QTest::newRow("huge") << "{\"x\":\"" + QByteArray(70000, 'a') + "\"}";
}

void TestJwt::parseClaims()
{
    QFETCH(QByteArray, payload);
    EXPECT_ERROR(Jwt::parseClaims(payload), QStringLiteral("malformed_claims"), QString());
}

QTEST_GUILESS_MAIN(TestJwt)
#include "tst_jwt.moc"
