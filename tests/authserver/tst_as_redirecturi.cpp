// The redirect URI rules shared by registration, metadata documents and /authorize
// (RFC 8252 sections 7.1-7.3, OAuth 2.1 section 2.3.1).
#include <QTest>

#include "authserver/clientresolver.h"
#include "authserver/oauth.h"

class TestAsRedirectUri final : public QObject
{
    Q_OBJECT

private slots:
    void validate_data();
    void validate();
    void matches_data();
    void matches();
};

void TestAsRedirectUri::validate_data()
{
    QTest::addColumn<QString>("uri");
    QTest::addColumn<bool>("valid");

    QTest::newRow("https") << "https://app.example/cb" << true;
    QTest::newRow("https with port and query") << "https://app.example:8443/cb?x=1" << true;
    QTest::newRow("loopback ipv4") << "http://127.0.0.1/callback" << true;
    QTest::newRow("loopback ipv4 port") << "http://127.0.0.1:5173/callback" << true;
    QTest::newRow("loopback ipv6") << "http://[::1]:8080/cb" << true;
    QTest::newRow("localhost") << "http://localhost:3000/cb" << true;
    QTest::newRow("private-use scheme") << "com.example.app:/oauth2redirect" << true;
    QTest::newRow("private-use with authority") << "com.example.app://cb" << true;

    QTest::newRow("empty") << "" << false;
    QTest::newRow("relative") << "/callback" << false;
    QTest::newRow("no scheme") << "app.example/cb" << false;
    QTest::newRow("http non-loopback") << "http://app.example/cb" << false;
    QTest::newRow("http private address") << "http://192.168.1.2/cb" << false;
    QTest::newRow("http 127.0.0.2") << "http://127.0.0.2/cb" << false;
    QTest::newRow("http short loopback") << "http://127.1/cb" << false;
    QTest::newRow("http decimal loopback") << "http://2130706433/cb" << false;
    QTest::newRow("http localhost suffix") << "http://localhost.evil.example/cb" << false;
    QTest::newRow("http loopback userinfo host") << "http://127.0.0.1@evil.example/cb" << false;
    QTest::newRow("fragment") << "https://app.example/cb#frag" << false;
    QTest::newRow("empty fragment") << "https://app.example/cb#" << false;
    QTest::newRow("loopback fragment") << "http://127.0.0.1/cb#x" << false;
    QTest::newRow("javascript") << "javascript:alert(1)" << false;
    QTest::newRow("javascript upper") << "JavaScript:alert(1)" << false;
    QTest::newRow("data") << "data:text/html,<script>alert(1)</script>" << false;
    QTest::newRow("file") << "file:///etc/passwd" << false;
    QTest::newRow("vbscript") << "vbscript:msgbox" << false;
    QTest::newRow("userinfo") << "https://user:pass@app.example/cb" << false;
    QTest::newRow("https no host") << "https:///cb" << false;
    QTest::newRow("scheme without dot") << "myapp:/cb" << false;
    QTest::newRow("space") << "https://app.example/c b" << false;
    QTest::newRow("trailing newline") << "https://app.example/cb\n" << false;
    QTest::newRow("backslash") << "https://app.example\\@evil.example/cb" << false;
    QTest::newRow("non-ascii") << QStringLiteral("https://app.example/c\u00e9") << false;
    QTest::newRow("bad port") << "http://127.0.0.1:99999/cb" << false;
    QTest::newRow("too long") << QStringLiteral("https://app.example/") + QString(3000, u'a')
                              << false;
}

void TestAsRedirectUri::validate()
{
    QFETCH(QString, uri);
    QFETCH(bool, valid);
    const Core::Status status = Auth::validateRedirectUri(uri);
    QVERIFY2(status.ok() == valid,
             qPrintable(status.ok() ? QStringLiteral("accepted") : status.error().toString()));
    if (!valid) {
        QCOMPARE(status.error().code, Auth::OAuthError::InvalidRedirectUri);
        QVERIFY(!status.error().message.isEmpty());
    }
}

void TestAsRedirectUri::matches_data()
{
    QTest::addColumn<QString>("registered");
    QTest::addColumn<QString>("requested");
    QTest::addColumn<bool>("match");

    QTest::newRow("identical https") << "https://app.example/cb"
                                     << "https://app.example/cb" << true;
    QTest::newRow("https other port") << "https://app.example/cb"
                                      << "https://app.example:444/cb" << false;
    QTest::newRow("https other path") << "https://app.example/cb"
                                      << "https://app.example/cb/x" << false;
    QTest::newRow("https trailing slash") << "https://app.example/cb"
                                          << "https://app.example/cb/" << false;
    QTest::newRow("https extra query") << "https://app.example/cb"
                                       << "https://app.example/cb?a=1" << false;
    QTest::newRow("https case") << "https://app.example/cb"
                                << "https://APP.example/cb" << false;
    QTest::newRow("loopback any port") << "http://127.0.0.1/callback"
                                       << "http://127.0.0.1:53127/callback" << true;
    QTest::newRow("loopback port to port") << "http://127.0.0.1:8080/callback"
                                           << "http://127.0.0.1:9090/callback" << true;
    QTest::newRow("loopback port dropped") << "http://127.0.0.1:8080/callback"
                                           << "http://127.0.0.1/callback" << true;
    QTest::newRow("ipv6 any port") << "http://[::1]/cb"
                                   << "http://[::1]:61000/cb" << true;
    QTest::newRow("localhost any port") << "http://localhost/cb"
                                        << "http://localhost:3000/cb" << true;
    QTest::newRow("loopback other path") << "http://127.0.0.1/callback"
                                         << "http://127.0.0.1:5000/other" << false;
    QTest::newRow("loopback query differs") << "http://127.0.0.1/cb?a=1"
                                            << "http://127.0.0.1:5000/cb?a=2" << false;
    QTest::newRow("loopback query same") << "http://127.0.0.1/cb?a=1"
                                         << "http://127.0.0.1:5000/cb?a=1" << true;
    QTest::newRow("loopback other host") << "http://127.0.0.1/cb"
                                         << "http://localhost:5000/cb" << false;
    QTest::newRow("ipv4 vs ipv6") << "http://127.0.0.1/cb"
                                  << "http://[::1]:5000/cb" << false;
    QTest::newRow("loopback https not relaxed") << "https://127.0.0.1/cb"
                                                << "https://127.0.0.1:5000/cb" << false;
    QTest::newRow("loopback bad port") << "http://127.0.0.1/cb"
                                       << "http://127.0.0.1:0/cb" << false;
    QTest::newRow("loopback port letters") << "http://127.0.0.1/cb"
                                           << "http://127.0.0.1:8a/cb" << false;
    QTest::newRow("loopback fragment") << "http://127.0.0.1/cb"
                                       << "http://127.0.0.1:80/cb#x" << false;
    QTest::newRow("non-loopback http") << "http://app.example/cb"
                                       << "http://app.example:81/cb" << false;
    QTest::newRow("userinfo trick") << "http://127.0.0.1/cb"
                                    << "http://127.0.0.1:1@evil/cb" << false;
    QTest::newRow("private-use exact") << "com.example.app:/cb"
                                       << "com.example.app:/cb" << true;
    QTest::newRow("private-use other") << "com.example.app:/cb"
                                       << "com.example.app:/cb2" << false;
}

void TestAsRedirectUri::matches()
{
    QFETCH(QString, registered);
    QFETCH(QString, requested);
    QFETCH(bool, match);
    QCOMPARE(Auth::redirectUriMatches(registered, requested), match);
}

QTEST_GUILESS_MAIN(TestAsRedirectUri)
#include "tst_as_redirecturi.moc"
