#include <QTest>

#include "http/ssrfguard.h"

using namespace Http;

class TestSsrfGuard final : public QObject
{
    Q_OBJECT

private slots:
    void urlText_data();
    void urlText();
    void urlObjectAgreesForCanonicalForms();
    void policyVariants_data();
    void policyVariants();
    void addresses_data();
    void addresses();
    void resolvedAddressesMustAllPass();
    void resolvedHttpMustBeLoopback();
};

void TestSsrfGuard::urlText_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("allowed");

    // Allowed with the default policy.
    QTest::newRow("https public name") << u"https://as.example.com/.well-known/x"_qs << true;
    QTest::newRow("https public ip") << u"https://8.8.8.8/"_qs << true;
    QTest::newRow("https public ipv6") << u"https://[2606:4700::1111]/"_qs << true;
    QTest::newRow("http loopback ip") << u"http://127.0.0.1:8080/cb"_qs << true;
    QTest::newRow("http loopback 127/8") << u"http://127.5.6.7/"_qs << true;
    QTest::newRow("http localhost") << u"http://localhost:9000/"_qs << true;
    QTest::newRow("http LOCALHOST trailing dot") << u"http://LOCALHOST./"_qs << true;
    QTest::newRow("http sub.localhost") << u"http://mcp.localhost/"_qs << true;
    QTest::newRow("http ipv6 loopback") << u"http://[::1]:8080/"_qs << true;
    QTest::newRow("https localhost") << u"https://localhost:8443/"_qs << true;
    QTest::newRow("uppercase scheme") << u"HTTPS://as.example.com/"_qs << true;

    // Odd IPv4 spellings.
    QTest::newRow("decimal") << u"http://2130706433/"_qs << false;
    QTest::newRow("hex") << u"http://0x7f000001/"_qs << false;
    QTest::newRow("hex dotted") << u"http://0x7f.0.0.1/"_qs << false;
    QTest::newRow("octal") << u"http://0177.0.0.1/"_qs << false;
    QTest::newRow("octal whole") << u"http://017700000001/"_qs << false;
    QTest::newRow("short two parts") << u"http://127.1/"_qs << false;
    QTest::newRow("short three parts") << u"http://127.0.1/"_qs << false;
    QTest::newRow("five parts") << u"http://1.2.3.4.5/"_qs << false;
    QTest::newRow("leading zero") << u"https://8.8.8.08/"_qs << false;
    QTest::newRow("over 255") << u"https://8.8.8.256/"_qs << false;
    QTest::newRow("https decimal public") << u"https://134744072/"_qs << false;
    QTest::newRow("percent-encoded host") << u"http://%31%32%37.0.0.1/"_qs << false;
    QTest::newRow("circled digits")
        << QString::fromUtf8("http://\u2460\u2461\u2466.0.0.1/") << false;
    QTest::newRow("full-width decimal")
        << QString::fromUtf8("https://\uFF11\uFF13\uFF14\uFF17\uFF14\uFF14\uFF10\uFF17\uFF12/")
        << false;
    QTest::newRow("ideographic dots")
        << QString::fromUtf8("http://127\u30020\u30020\u30021/") << false;
    QTest::newRow("backslash") << u"http://127.0.0.1\\@evil.com/"_qs << false;

    // IPv6 forms.
    QTest::newRow("mapped private") << u"https://[::ffff:10.0.0.1]/"_qs << false;
    QTest::newRow("mapped private hex") << u"https://[::ffff:a00:1]/"_qs << false;
    QTest::newRow("mapped metadata") << u"https://[::ffff:169.254.169.254]/"_qs << false;
    QTest::newRow("compatible private") << u"https://[::192.168.0.1]/"_qs << false;
    QTest::newRow("nat64 private") << u"https://[64:ff9b::10.1.1.1]/"_qs << false;
    QTest::newRow("6to4 private") << u"https://[2002:c0a8:0101::1]/"_qs << false;
    QTest::newRow("link-local v6") << u"https://[fe80::1]/"_qs << false;
    QTest::newRow("link-local v6 scoped") << u"https://[fe80::1%25eth0]/"_qs << false;
    QTest::newRow("unique-local fc") << u"https://[fc00::1]/"_qs << false;
    QTest::newRow("unique-local fd") << u"https://[fd12:3456::1]/"_qs << false;
    QTest::newRow("multicast v6") << u"https://[ff02::1]/"_qs << false;
    QTest::newRow("unspecified v6") << u"https://[::]/"_qs << false;
    QTest::newRow("mapped public") << u"https://[::ffff:8.8.8.8]/"_qs << true;

    // IPv4 ranges.
    QTest::newRow("10/8") << u"https://10.1.2.3/"_qs << false;
    QTest::newRow("172.16/12") << u"https://172.16.0.1/"_qs << false;
    QTest::newRow("172.31 edge") << u"https://172.31.255.255/"_qs << false;
    QTest::newRow("172.32 public") << u"https://172.32.0.1/"_qs << true;
    QTest::newRow("192.168/16") << u"https://192.168.1.1/"_qs << false;
    QTest::newRow("cgnat") << u"https://100.64.0.1/"_qs << false;
    QTest::newRow("cgnat edge") << u"https://100.127.255.255/"_qs << false;
    QTest::newRow("100.128 public") << u"https://100.128.0.1/"_qs << true;
    QTest::newRow("metadata") << u"https://169.254.169.254/latest/meta-data"_qs << false;
    QTest::newRow("zero") << u"https://0.0.0.0/"_qs << false;
    QTest::newRow("zero/8") << u"https://0.1.2.3/"_qs << false;
    QTest::newRow("multicast") << u"https://224.0.0.1/"_qs << false;
    QTest::newRow("broadcast") << u"https://255.255.255.255/"_qs << false;
    QTest::newRow("reserved 240") << u"https://240.0.0.1/"_qs << false;

    // Structure.
    QTest::newRow("userinfo") << u"https://user:pass@as.example.com/"_qs << false;
    QTest::newRow("user only") << u"https://user@as.example.com/"_qs << false;
    QTest::newRow("empty userinfo") << u"https://@as.example.com/"_qs << false;
    QTest::newRow("userinfo trick") << u"http://127.0.0.1%2f@evil.com/"_qs << false;
    QTest::newRow("empty host") << u"https:///path"_qs << false;
    QTest::newRow("no authority") << u"https:path"_qs << false;
    QTest::newRow("ftp") << u"ftp://as.example.com/"_qs << false;
    QTest::newRow("file") << u"file:///etc/passwd"_qs << false;
    QTest::newRow("gopher") << u"gopher://127.0.0.1:6379/_"_qs << false;
    QTest::newRow("javascript") << u"javascript:alert(1)"_qs << false;
    QTest::newRow("relative") << u"/token"_qs << false;
    QTest::newRow("whitespace") << u"https://as.example.com /"_qs << false;
    QTest::newRow("newline") << u"https://as.example.com/\n"_qs << false;
    QTest::newRow("http public name") << u"http://as.example.com/"_qs << false;
    QTest::newRow("http public ip") << u"http://8.8.8.8/"_qs << false;
    QTest::newRow("http private ip") << u"http://192.168.0.10/"_qs << false;
    QTest::newRow("bad port") << u"https://as.example.com:99999/"_qs << false;
}

void TestSsrfGuard::urlText()
{
    QFETCH(QString, url);
    QFETCH(bool, allowed);
    const SsrfGuard guard;
    const auto status = guard.checkUrl(url);
    QVERIFY2(status.ok() == allowed,
             qPrintable(status.ok() ? u"allowed"_qs : status.error().toString()));
    if (!allowed) {
        QCOMPARE(status.error().code, u"ssrf_blocked"_qs);
        QVERIFY(!status.error().message.isEmpty());
    }
}

void TestSsrfGuard::urlObjectAgreesForCanonicalForms()
{
    // QUrl canonicalises "http://2130706433/" to 127.0.0.1 before checkUrl(QUrl) sees it,
    // so the object check judges the address every connector will use.
    const SsrfGuard guard;
    QVERIFY(guard.checkUrl(QUrl(u"http://127.0.0.1/"_qs)).ok());
    QVERIFY(!guard.checkUrl(QUrl(u"https://0xa000001/"_qs)).ok()); // 10.0.0.1
    QVERIFY(!guard.checkUrl(QUrl(u"https://a:b@x.example/"_qs)).ok());
    QVERIFY(!guard.checkUrl(QUrl()).ok());
    QVERIFY(guard.parseUrl(u"https://as.example.com/a?b=c"_qs).ok());
    QCOMPARE(guard.parseUrl(u"https://as.example.com/a?b=c"_qs)->host(), u"as.example.com"_qs);
}

void TestSsrfGuard::policyVariants_data()
{
    QTest::addColumn<QStringList>("allowedHosts");
    QTest::addColumn<bool>("allowPrivate");
    QTest::addColumn<bool>("allowLoopback");
    QTest::addColumn<QString>("url");
    QTest::addColumn<bool>("allowed");

    QTest::newRow("allowed http host") << QStringList{u"mcp.internal"_qs} << false << true
                                       << u"http://mcp.internal:8080/"_qs << true;
    QTest::newRow("allowed http host case")
        << QStringList{u"MCP.Internal"_qs} << false << true << u"http://mcp.internal/"_qs << true;
    QTest::newRow("other http host") << QStringList{u"mcp.internal"_qs} << false << true
                                     << u"http://other.internal/"_qs << false;
    QTest::newRow("allowed http ip")
        << QStringList{u"192.168.1.20"_qs} << false << true << u"http://192.168.1.20/"_qs << true;
    QTest::newRow("allowed ipv6") << QStringList{u"[fd00::5]"_qs} << false << true
                                  << u"http://[fd00::5]/"_qs << true;
    QTest::newRow("allowed ip still canonical")
        << QStringList{u"192.168.1.20"_qs} << false << true << u"http://3232235796/"_qs << false;
    QTest::newRow("private allowed https")
        << QStringList{} << true << true << u"https://10.0.0.5/"_qs << true;
    QTest::newRow("private allowed, http still not")
        << QStringList{} << true << true << u"http://10.0.0.5/"_qs << false;
    QTest::newRow("private allowed not link-local")
        << QStringList{} << true << true << u"https://169.254.169.254/"_qs << false;
    QTest::newRow("private allowed not zero")
        << QStringList{} << true << true << u"https://0.0.0.0/"_qs << false;
    QTest::newRow("loopback refused")
        << QStringList{} << false << false << u"http://127.0.0.1/"_qs << false;
    QTest::newRow("localhost refused")
        << QStringList{} << false << false << u"http://localhost/"_qs << false;
    QTest::newRow("https loopback refused")
        << QStringList{} << false << false << u"https://[::1]/"_qs << false;
}

void TestSsrfGuard::policyVariants()
{
    QFETCH(QStringList, allowedHosts);
    QFETCH(bool, allowPrivate);
    QFETCH(bool, allowLoopback);
    QFETCH(QString, url);
    QFETCH(bool, allowed);
    const SsrfGuard guard(SsrfPolicy{allowedHosts, allowPrivate, allowLoopback});
    const auto status = guard.checkUrl(url);
    QVERIFY2(status.ok() == allowed,
             qPrintable(status.ok() ? u"allowed"_qs : status.error().toString()));
}

void TestSsrfGuard::addresses_data()
{
    QTest::addColumn<QString>("address");
    QTest::addColumn<bool>("allowed");

    QTest::newRow("public v4") << u"93.184.216.34"_qs << true;
    QTest::newRow("public v6") << u"2001:4860:4860::8888"_qs << true;
    QTest::newRow("loopback v4") << u"127.0.0.1"_qs << true;
    QTest::newRow("loopback v6") << u"::1"_qs << true;
    QTest::newRow("mapped loopback") << u"::ffff:127.0.0.1"_qs << true;
    QTest::newRow("10/8") << u"10.255.255.255"_qs << false;
    QTest::newRow("192.168") << u"192.168.100.1"_qs << false;
    QTest::newRow("172.20") << u"172.20.1.1"_qs << false;
    QTest::newRow("cgnat") << u"100.100.1.1"_qs << false;
    QTest::newRow("link-local") << u"169.254.1.1"_qs << false;
    QTest::newRow("fe80") << u"fe80::abcd"_qs << false;
    QTest::newRow("febf") << u"febf::1"_qs << false;
    QTest::newRow("fc00") << u"fc00::"_qs << false;
    QTest::newRow("fdff") << u"fdff:ffff::1"_qs << false;
    QTest::newRow("mapped 192.168") << u"::ffff:192.168.1.1"_qs << false;
    QTest::newRow("compatible 10") << u"::10.0.0.1"_qs << false;
    QTest::newRow("multicast v4") << u"239.255.255.250"_qs << false;
    QTest::newRow("multicast v6") << u"ff05::2"_qs << false;
    QTest::newRow("unspecified v4") << u"0.0.0.0"_qs << false;
    QTest::newRow("unspecified v6") << u"::"_qs << false;
    QTest::newRow("broadcast") << u"255.255.255.255"_qs << false;
    QTest::newRow("documentation v6") << u"2001:db8::1"_qs << false;
}

void TestSsrfGuard::addresses()
{
    QFETCH(QString, address);
    QFETCH(bool, allowed);
    const SsrfGuard guard;
    const QHostAddress parsed(address);
    QVERIFY(!parsed.isNull());
    const auto status = guard.checkAddress(parsed);
    QVERIFY2(status.ok() == allowed,
             qPrintable(status.ok() ? u"allowed"_qs : status.error().toString()));
}

void TestSsrfGuard::resolvedAddressesMustAllPass()
{
    const SsrfGuard guard;
    const QString host = u"as.example.com"_qs;
    QVERIFY(guard.checkResolvedAddresses(host, {QHostAddress(u"93.184.216.34"_qs)}).ok());
    const auto mixed = guard.checkResolvedAddresses(
        host, {QHostAddress(u"93.184.216.34"_qs), QHostAddress(u"10.0.0.1"_qs)});
    QVERIFY(!mixed.ok());
    QCOMPARE(mixed.error().code, u"ssrf_blocked"_qs);
    QVERIFY(mixed.error().message.contains(u"10.0.0.1"));
    QVERIFY(!guard.checkResolvedAddresses(host, {}).ok());

    const SsrfGuard allowing(SsrfPolicy{{u"mcp.internal"_qs}, false, true});
    QVERIFY(
        allowing.checkResolvedAddresses(u"mcp.internal"_qs, {QHostAddress(u"10.0.0.9"_qs)}).ok());
    QVERIFY(!allowing.checkResolvedAddresses(host, {QHostAddress(u"10.0.0.9"_qs)}).ok());
}

void TestSsrfGuard::resolvedHttpMustBeLoopback()
{
    const SsrfGuard guard;
    const QUrl http(u"http://localhost:8080/"_qs);
    QVERIFY(
        guard.checkResolvedAddresses(http, {QHostAddress::LocalHost, QHostAddress::LocalHostIPv6})
            .ok());
    QVERIFY(!guard.checkResolvedAddresses(http, {QHostAddress(u"93.184.216.34"_qs)}).ok());
    const QUrl https(u"https://localhost:8443/"_qs);
    QVERIFY(!guard.checkResolvedAddresses(https, {QHostAddress(u"192.168.0.1"_qs)}).ok());
}

QTEST_APPLESS_MAIN(TestSsrfGuard)
#include "tst_ssrfguard.moc"
