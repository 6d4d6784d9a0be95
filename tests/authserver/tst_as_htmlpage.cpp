// The page templates and their renderer: escaping, sections, partials, render errors, the
// security headers of every page, and that each shipped template renders.
#include <QFile>
#include <QRegularExpression>
#include <QTest>

#include "authserver/htmlpage.h"
#include "crypto/digest.h"

using Auth::HtmlPage;

class TestHtmlPage final : public QObject
{
    Q_OBJECT

private slots:
    void escape_data();
    void escape();
    void render_data();
    void render();
    void renderErrors_data();
    void renderErrors();
    void htmlPartialsAreRendered();
    void shippedTemplates_data();
    void shippedTemplates();
    void securityHeaders();
    void styleHashMatchesStyleSheet();
    void errorPageEscapes();
    void cspSource_data();
    void cspSource();
    void scopeRowsDescribeKnownScopes();
};

void TestHtmlPage::escape_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("plain") << QStringLiteral("MCP client") << QStringLiteral("MCP client");
    QTest::newRow("script") << QStringLiteral("<script>alert(1)</script>")
                            << QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt;");
    QTest::newRow("double quote") << QStringLiteral("a\"b") << QStringLiteral("a&quot;b");
    QTest::newRow("single quote") << QStringLiteral("a'b") << QStringLiteral("a&#39;b");
    QTest::newRow("ampersand first") << QStringLiteral("&lt;") << QStringLiteral("&amp;lt;");
    QTest::newRow("attribute breakout")
        << QStringLiteral("\" onmouseover=\"x") << QStringLiteral("&quot; onmouseover=&quot;x");
    QTest::newRow("non-ascii kept") << QStringLiteral("Zoë ✓") << QStringLiteral("Zoë ✓");
    QTest::newRow("empty") << QString() << QString();
}

void TestHtmlPage::escape()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(Auth::htmlEscape(input), expected);
}

void TestHtmlPage::render_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");
    QTest::newRow("value") << QStringLiteral("<p>{{name}}</p>")
                           << QStringLiteral("<p>&lt;b&gt;Bob&lt;/b&gt;</p>");
    QTest::newRow("no tags") << QStringLiteral("<p>plain</p>") << QStringLiteral("<p>plain</p>");
    QTest::newRow("single brace kept")
        << QStringLiteral("a { b } c") << QStringLiteral("a { b } c");
    QTest::newRow("section rows") << QStringLiteral(
                                         "<ul>{{#items}}<li>{{label}}</li>{{/items}}</ul>")
                                  << QStringLiteral("<ul><li>one</li><li>&lt;two&gt;</li></ul>");
    QTest::newRow("section falls back to page values")
        << QStringLiteral("{{#items}}{{name}}:{{label}};{{/items}}")
        << QStringLiteral("&lt;b&gt;Bob&lt;/b&gt;:one;&lt;b&gt;Bob&lt;/b&gt;:&lt;two&gt;;");
    QTest::newRow("unset section renders nothing")
        << QStringLiteral("a{{#absent}}{{nothing}}{{/absent}}b") << QStringLiteral("ab");
    QTest::newRow("shown conditional") << QStringLiteral("a{{#shown}}[{{name}}]{{/shown}}b")
                                       << QStringLiteral("a[&lt;b&gt;Bob&lt;/b&gt;]b");
    QTest::newRow("nested sections")
        << QStringLiteral("{{#shown}}<{{#items}}{{label}},{{/items}}>{{/shown}}")
        << QStringLiteral("<one,&lt;two&gt;,>");
    QTest::newRow("value that looks like a tag is not expanded")
        << QStringLiteral("{{tricky}}") << QStringLiteral("{{name}}");
    QTest::newRow("partial") << QStringLiteral("<style>{{>style.css}}</style>")
                             << QStringLiteral("STYLE");
}

void TestHtmlPage::render()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    HtmlPage page = HtmlPage::fromText(QStringLiteral("test"), text);
    page.setValue(QStringLiteral("name"), QStringLiteral("<b>Bob</b>"))
        .setValue(QStringLiteral("tricky"), QStringLiteral("{{name}}"));
    page.setSection(QStringLiteral("items"),
                    {{{QStringLiteral("label"), QStringLiteral("one")}},
                     {{QStringLiteral("label"), QStringLiteral("<two>")}}});
    page.showSection(QStringLiteral("shown"));
    page.showSection(QStringLiteral("hidden"), false);
    auto rendered = page.render();
    QVERIFY2(rendered.ok(), qPrintable(rendered.ok() ? QString() : rendered.error().toString()));
    if (qstrcmp(QTest::currentDataTag(), "partial") == 0) {
        QFile css(QStringLiteral(":/templates/_style.css"));
        QVERIFY(css.open(QIODevice::ReadOnly));
        const QByteArray expectedHtml = "<style>" + css.readAll() + "</style>";
        QCOMPARE(*rendered, expectedHtml);
        return;
    }
    QCOMPARE(QString::fromUtf8(*rendered), expected);
}

void TestHtmlPage::renderErrors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("missing value")
        << QStringLiteral("<p>{{missing}}</p>") << QStringLiteral("no value for {{missing}}");
    QTest::newRow("unclosed tag") << QStringLiteral("<p>{{name</p>") << QStringLiteral("unclosed");
    QTest::newRow("unclosed section")
        << QStringLiteral("{{#items}}x") << QStringLiteral("not closed");
    QTest::newRow("stray close") << QStringLiteral("x{{/items}}")
                                 << QStringLiteral("closes nothing");
    QTest::newRow("bad name") << QStringLiteral("{{Na me}}") << QStringLiteral("bad tag");
    QTest::newRow("empty tag") << QStringLiteral("{{}}") << QStringLiteral("bad tag");
    QTest::newRow("triple mustache is not a raw value")
        << QStringLiteral("{{{name}}}") << QStringLiteral("bad tag");
    QTest::newRow("unknown partial")
        << QStringLiteral("{{>nope.css}}") << QStringLiteral("not compiled");
    QTest::newRow("partial escaping the folder")
        << QStringLiteral("{{>../x}}") << QStringLiteral("bad tag");
}

void TestHtmlPage::renderErrors()
{
    QFETCH(QString, text);
    QFETCH(QString, mentions);
    HtmlPage page = HtmlPage::fromText(QStringLiteral("broken"), text);
    page.setValue(QStringLiteral("name"), QStringLiteral("x"));
    page.setSection(QStringLiteral("items"), {{}});
    auto rendered = page.render();
    QVERIFY(!rendered.ok());
    QCOMPARE(rendered.error().code, QStringLiteral("server_error"));
    QVERIFY2(rendered.error().message.contains(mentions), qPrintable(rendered.error().message));
    QVERIFY(rendered.error().message.contains(QStringLiteral("broken")));

    // A broken template answers a generic 500 page, never a partial render, and says why in
    // the log.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("template broken: ")));
    const Http::Response response = page.response(200);
    QCOMPARE(response.status, 500);
    QVERIFY(!response.body.contains("{{"));
}

void TestHtmlPage::htmlPartialsAreRendered()
{
    HtmlPage page = HtmlPage::fromText(
        QStringLiteral("partials"), QStringLiteral("<head>{{>head.html}}</head>{{>scopes.html}}"));
    page.setSection(QStringLiteral("scopes"),
                    Auth::scopeRows({QStringLiteral("tasks:read"), QStringLiteral("<x>")}));
    auto html = page.render();
    QVERIFY2(html.ok(), qPrintable(html.ok() ? QString() : html.error().toString()));
    QVERIFY(html->contains("<meta charset=\"utf-8\">"));
    QVERIFY(html->contains("<style>:root{"));
    QVERIFY(html->contains("<li>Read your tasks <span class=\"muted\">(<code>tasks:read</code>)"));
    QVERIFY(html->contains("<code>&lt;x&gt;</code>"));
    QVERIFY(!html->contains("{{"));
}

void TestHtmlPage::shippedTemplates_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QStringList>("values");
    QTest::addColumn<QStringList>("sections");
    const QStringList request = {QStringLiteral("action"), QStringLiteral("csrf"),
                                 QStringLiteral("request")};
    QTest::newRow("error") << QStringLiteral("error.html")
                           << QStringList{QStringLiteral("title"), QStringLiteral("message")}
                           << QStringList{QStringLiteral("code")};
    QTest::newRow("login") << QStringLiteral("login.html")
                           << (request + QStringList{QStringLiteral("client_name"),
                                                     QStringLiteral("username")})
                           << QStringList{QStringLiteral("error")};
    QTest::newRow("consent") << QStringLiteral("consent.html")
                             << (request + QStringList{QStringLiteral("username"),
                                                       QStringLiteral("client_name"),
                                                       QStringLiteral("client_id"),
                                                       QStringLiteral("redirect_host"),
                                                       QStringLiteral("resource")})
                             << QStringList{QStringLiteral("scopes"), QStringLiteral("cimd")};
    QTest::newRow("device") << QStringLiteral("device.html")
                            << QStringList{QStringLiteral("action"),
                                           QStringLiteral("csrf"),
                                           QStringLiteral("user_code"),
                                           QStringLiteral("username"),
                                           QStringLiteral("client_name"),
                                           QStringLiteral("client_id"),
                                           QStringLiteral("resource")}
                            << QStringList{QStringLiteral("error"), QStringLiteral("request"),
                                           QStringLiteral("login"), QStringLiteral("scopes")};
    QTest::newRow("device-done") << QStringLiteral("device-done.html")
                                 << QStringList{QStringLiteral("title"), QStringLiteral("message")}
                                 << QStringList{};
}

void TestHtmlPage::shippedTemplates()
{
    QFETCH(QString, name);
    QFETCH(QStringList, values);
    QFETCH(QStringList, sections);
    auto page = HtmlPage::load(name);
    QVERIFY2(page.ok(), qPrintable(page.ok() ? QString() : page.error().toString()));
    const QString hostile = QStringLiteral("<script>alert(\"x\")</script>'");
    for (const QString &value : values)
        page->setValue(value, hostile);
    for (const QString &section : sections) {
        HtmlPage::Values row;
        row.insert(QStringLiteral("code"), hostile);
        row.insert(QStringLiteral("message"), hostile);
        row.insert(QStringLiteral("name"), hostile);
        row.insert(QStringLiteral("description"), hostile);
        page->setSection(section, {row});
    }
    auto html = page->render();
    QVERIFY2(html.ok(), qPrintable(html.ok() ? QString() : html.error().toString()));
    QVERIFY(html->startsWith("<!DOCTYPE html>"));
    QVERIFY(html->contains("<html lang=\"en\">"));
    QVERIFY(html->contains("MCP Auth Studio"));
    QVERIFY(html->contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;"));
    QVERIFY(!html->contains("<script"));
    QVERIFY(!html->contains("{{"));
    // No external resources: nothing is loaded from anywhere.
    QVERIFY(!html->contains("src="));
    QVERIFY(!html->contains("<link"));
    QVERIFY(!html->contains("style=\""));
    // Every visible input has a label.
    const QString text = QString::fromUtf8(*html);
    static const QRegularExpression inputId(
        QStringLiteral("<input type=\"(?:text|password|checkbox)\" id=\"([a-z_]+)\""));
    for (auto it = inputId.globalMatch(text); it.hasNext();) {
        const QString id = it.next().captured(1);
        QVERIFY2(text.contains(QStringLiteral("<label for=\"%1\"").arg(id)) ||
                     text.contains(QStringLiteral("class=\"check\" for=\"%1\"").arg(id)),
                 qPrintable(id));
    }
    if (text.contains(QStringLiteral("<form")))
        QVERIFY(text.contains(QStringLiteral("name=\"csrf_token\"")));
}

void TestHtmlPage::securityHeaders()
{
    const Http::Response response = Auth::htmlResponse(
        418, QByteArrayLiteral("<p>x</p>"), {QStringLiteral("http://127.0.0.1:5173"), QString()});
    QCOMPARE(response.status, 418);
    QCOMPARE(response.headers.value("Content-Type"), QByteArray("text/html; charset=utf-8"));
    QCOMPARE(response.headers.value("X-Frame-Options"), QByteArray("DENY"));
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(response.headers.value("Referrer-Policy"), QByteArray("no-referrer"));
    QCOMPARE(response.headers.value("X-Content-Type-Options"), QByteArray("nosniff"));
    const QByteArray csp = response.headers.value("Content-Security-Policy");
    QVERIFY2(csp.startsWith("default-src 'none'; "), csp.constData());
    QVERIFY2(csp.contains("; frame-ancestors 'none'"), csp.constData());
    QVERIFY2(csp.contains("; form-action 'self' http://127.0.0.1:5173;"), csp.constData());
    QVERIFY2(csp.contains("; base-uri 'none'"), csp.constData());
    QVERIFY2(!csp.contains("script-src"), csp.constData());
    QVERIFY2(!csp.contains("unsafe"), csp.constData());
}

void TestHtmlPage::styleHashMatchesStyleSheet()
{
    QFile css(QStringLiteral(":/templates/_style.css"));
    QVERIFY(css.open(QIODevice::ReadOnly));
    const QByteArray expected =
        "style-src 'sha256-" + Crypto::sha256(css.readAll()).toBase64() + "';";
    const QByteArray csp = Auth::htmlResponse(200, {}).headers.value("Content-Security-Policy");
    QVERIFY2(csp.contains(expected), csp.constData());
}

void TestHtmlPage::errorPageEscapes()
{
    const Http::Response response =
        Auth::errorPage(400, QStringLiteral("Bad <title>"), QStringLiteral("<img src=x onerror=1>"),
                        QStringLiteral("invalid_request"));
    QCOMPARE(response.status, 400);
    QVERIFY(response.body.contains("Bad &lt;title&gt;"));
    QVERIFY(response.body.contains("&lt;img src=x onerror=1&gt;"));
    QVERIFY(response.body.contains("<code>invalid_request</code>"));
    QVERIFY(!response.body.contains("<img"));
    const Http::Response noCode = Auth::errorPage(404, QStringLiteral("t"), QStringLiteral("m"));
    QVERIFY(!noCode.body.contains("Error code"));
}

void TestHtmlPage::cspSource_data()
{
    QTest::addColumn<QString>("uri");
    QTest::addColumn<QString>("expected");
    QTest::newRow("loopback with port") << QStringLiteral("http://127.0.0.1:5173/callback?x=1")
                                        << QStringLiteral("http://127.0.0.1:5173");
    QTest::newRow("https default port") << QStringLiteral("https://App.Example.com/cb")
                                        << QStringLiteral("https://app.example.com");
    QTest::newRow("ipv6 loopback")
        << QStringLiteral("http://[::1]:8080/cb") << QStringLiteral("http://[::1]:8080");
    QTest::newRow("private-use scheme")
        << QStringLiteral("com.example.app:/oauth") << QStringLiteral("com.example.app:");
    QTest::newRow("relative") << QStringLiteral("/callback") << QString();
    QTest::newRow("garbage") << QStringLiteral("http://exa mple.com/") << QString();
    QTest::newRow("directive injection")
        << QStringLiteral("http://a.example;script-src */") << QString();
    QTest::newRow("sub-delims in host") << QStringLiteral("http://a.example;b/") << QString();
    QTest::newRow("idn is punycode") << QStringLiteral("https://bücher.example/cb")
                                     << QStringLiteral("https://xn--bcher-kva.example");
}

void TestHtmlPage::cspSource()
{
    QFETCH(QString, uri);
    QFETCH(QString, expected);
    QCOMPARE(Auth::cspSourceForUri(uri), expected);
}

void TestHtmlPage::scopeRowsDescribeKnownScopes()
{
    const auto rows = Auth::scopeRows({QStringLiteral("tasks:read"), QStringLiteral("custom:x")});
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[0].value(QStringLiteral("name")), QStringLiteral("tasks:read"));
    QCOMPARE(rows[0].value(QStringLiteral("description")), QStringLiteral("Read your tasks"));
    QCOMPARE(rows[1].value(QStringLiteral("description")), QStringLiteral("custom:x"));
    QVERIFY(Auth::scopeDescription(QStringLiteral("custom:x")).isEmpty());
}

QTEST_GUILESS_MAIN(TestHtmlPage)
#include "tst_as_htmlpage.moc"
