// The walker's browser helpers: reading an AS's forms, HTML entities, the cookie jar, and
// the loopback redirect listener over a real socket (wrong path, bad and oversized
// requests, a redirect while none is expected, timeout).
#include <QSignalSpy>
#include <QTcpSocket>
#include <QtTest>

#include "flow/browser.h"

using Fields = QList<QPair<QString, QString>>;

namespace {

/// Sends raw bytes to the listener and returns what it answered, keeping the event loop
/// running (the listener lives in this thread).
QByteArray exchange(const QUrl &base, const QByteArray &raw)
{
    QTcpSocket socket;
    QByteArray answer;
    bool closed = false;
    QObject::connect(&socket, &QTcpSocket::connected, &socket, [&] { socket.write(raw); });
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [&] { answer += socket.readAll(); });
    QObject::connect(&socket, &QTcpSocket::disconnected, &socket, [&] { closed = true; });
    QObject::connect(&socket, &QTcpSocket::errorOccurred, &socket, [&] { closed = true; });
    socket.connectToHost(QHostAddress::LocalHost, quint16(base.port()));
    if (!QTest::qWaitFor([&] { return closed; }, 5000))
        qWarning() << "the listener did not close the connection";
    return answer + socket.readAll();
}

} // namespace

class TestFlowBrowser final : public QObject
{
    Q_OBJECT

private slots:
    void entities_data();
    void entities();
    void forms_data();
    void forms();
    void formControls_data();
    void formControls();
    void noForm();
    void cookies();
    void cookiePaths_data();
    void cookiePaths();
    void loopbackReceiver();
    void loopbackRefusesBadRequests_data();
    void loopbackRefusesBadRequests();
    void loopbackTimesOut();
};

void TestFlowBrowser::entities_data()
{
    QTest::addColumn<QString>("in");
    QTest::addColumn<QString>("out");
    QTest::newRow("plain") << QStringLiteral("abc") << QStringLiteral("abc");
    QTest::newRow("named") << QStringLiteral("a&amp;b&lt;c&gt;&quot;&apos;")
                           << QStringLiteral("a&b<c>\"'");
    QTest::newRow("decimal") << QStringLiteral("&#39;x&#47;") << QStringLiteral("'x/");
    QTest::newRow("hex") << QStringLiteral("&#x2F;&#X41;") << QStringLiteral("/A");
    QTest::newRow("astral") << QStringLiteral("&#x1F600;") << QString::fromUcs4(U"\U0001F600", 1);
    QTest::newRow("unknown kept") << QStringLiteral("&nbsp;&bogus")
                                  << QStringLiteral("&nbsp;&bogus");
    QTest::newRow("surrogate dropped") << QStringLiteral("a&#xD800;b") << QStringLiteral("ab");
    QTest::newRow("out of range dropped") << QStringLiteral("a&#x110000;b") << QStringLiteral("ab");
    QTest::newRow("double decoding not done")
        << QStringLiteral("&amp;lt;") << QStringLiteral("&lt;");
}

void TestFlowBrowser::entities()
{
    QFETCH(QString, in);
    QFETCH(QString, out);
    QCOMPARE(Flow::decodeHtmlEntities(in), out);
}

void TestFlowBrowser::forms_data()
{
    QTest::addColumn<QByteArray>("html");
    QTest::addColumn<QString>("action");
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<Fields>("fields");
    QTest::addColumn<QStringList>("inputs");
    QTest::addColumn<QStringList>("decisions");

    QTest::newRow("login page")
        << QByteArray("<html><form method=\"post\" action=\"http://as.test/login\">"
                      "<input type=\"hidden\" name=\"csrf_token\" value=\"a&amp;b\">"
                      "<input type=\"hidden\" name=\"request\" value=\"r1\">"
                      "<input type=\"text\" id=\"username\" name=\"username\" value=\"\" required "
                      "autofocus>"
                      "<input type=\"password\" id=\"password\" name=\"password\" required>"
                      "<button type=\"submit\" class=\"primary\">Sign in</button></form></html>")
        << QStringLiteral("http://as.test/login") << QByteArray("POST")
        << Fields{{QStringLiteral("csrf_token"), QStringLiteral("a&b")},
                  {QStringLiteral("request"), QStringLiteral("r1")},
                  {QStringLiteral("username"), QString()}}
        << QStringList{QStringLiteral("csrf_token"), QStringLiteral("request"),
                       QStringLiteral("username"), QStringLiteral("password")}
        << QStringList{};
    QTest::newRow("consent page, relative action, single quotes")
        << QByteArray("<FORM METHOD=post action='/consent'>"
                      "<input type=hidden name=csrf_token value=t>"
                      "<input type=\"checkbox\" name=\"remember\" value=\"1\">"
                      "<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"
                      "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
                      "</FORM><form action=\"/second\"></form>")
        << QStringLiteral("https://as.test/consent") << QByteArray("POST")
        << Fields{{QStringLiteral("csrf_token"), QStringLiteral("t")}}
        << QStringList{QStringLiteral("csrf_token"), QStringLiteral("remember")}
        << QStringList{QStringLiteral("approve"), QStringLiteral("deny")};
    QTest::newRow("unterminated form, GET default")
        << QByteArray("<form action=\"next?x=1\"><input name=q value=\"&quot;v&quot;\">")
        << QStringLiteral("https://as.test/a/next?x=1") << QByteArray("GET")
        << Fields{{QStringLiteral("q"), QStringLiteral("\"v\"")}}
        << QStringList{QStringLiteral("q")} << QStringList{};
}

void TestFlowBrowser::forms()
{
    QFETCH(QByteArray, html);
    QFETCH(QString, action);
    QFETCH(QByteArray, method);
    QFETCH(Fields, fields);
    QFETCH(QStringList, inputs);
    QFETCH(QStringList, decisions);
    const auto form = Flow::parseFirstForm(html, QUrl(QStringLiteral("https://as.test/a/page")));
    QVERIFY2(form.ok(), form.ok() ? "" : qPrintable(form.error().toString()));
    QCOMPARE(form->action.toString(), action);
    QCOMPARE(form->method, method);
    QCOMPARE(form->fields, fields);
    QCOMPARE(form->inputNames, inputs);
    QCOMPARE(form->buttons.value(QStringLiteral("decision")), decisions);
}

// Pages of another AS (oidc-provider 9's development pages): the login name in "login",
// a consent form with nothing to fill, a device confirmation form whose buttons sit outside
// it (form="id"), and a form_post page that submits itself.
void TestFlowBrowser::formControls_data()
{
    QTest::addColumn<QByteArray>("html");
    QTest::addColumn<QString>("id");
    QTest::addColumn<QStringList>("text");
    QTest::addColumn<QStringList>("passwords");
    QTest::addColumn<QStringList>("buttons");
    QTest::addColumn<bool>("autoSubmit");

    QTest::newRow("oidc-provider login")
        << QByteArray(
               "<form autocomplete=\"off\" action=\"/interaction/u1/login\" method=\"post\">"
               "<input type=\"hidden\" name=\"prompt\" value=\"login\"/>"
               "<input required type=\"text\" name=\"login\" placeholder=\"Enter any "
               "login\" autofocus=\"on\">"
               "<input required type=\"password\" name=\"password\">"
               "<button type=\"submit\" class=\"login login-submit\">Sign-in</button></form>")
        << QString() << QStringList{QStringLiteral("login")}
        << QStringList{QStringLiteral("password")} << QStringList{} << false;
    QTest::newRow("oidc-provider consent")
        << QByteArray("<ul><li>scopes</li></ul><form autocomplete=\"off\" action=\"/i/u1\" "
                      "method=\"post\"><input type=\"hidden\" name=\"prompt\" value=\"consent\"/>"
                      "<button autofocus type=\"submit\">Continue</button></form>")
        << QString() << QStringList{} << QStringList{} << QStringList{} << false;
    QTest::newRow("device confirmation, buttons outside the form")
        << QByteArray("<form id=\"op.deviceConfirmForm\" method=\"post\" action=\"/device\">"
                      "<input type=\"hidden\" name=\"xsrf\" value=\"x\"/>"
                      "<input type=\"hidden\" name=\"confirm\" value=\"yes\"/></form>"
                      "<button autofocus type=\"submit\" form=\"op.deviceConfirmForm\">Continue"
                      "</button><button type=\"submit\" form=\"op.deviceConfirmForm\" "
                      "value=\"yes\" name=\"abort\">[ Abort ]</button>"
                      "<button type=\"submit\" form=\"another\" name=\"other\">x</button>")
        << QStringLiteral("op.deviceConfirmForm") << QStringList{} << QStringList{}
        << QStringList{QStringLiteral("abort")} << false;
    QTest::newRow("form_post page submitting itself")
        << QByteArray("<head><script>document.addEventListener('DOMContentLoaded', function () "
                      "{ document.forms[0].submit() });</script></head><body>"
                      "<form method=\"post\" action=\"/device\"><input type=\"hidden\" "
                      "name=\"user_code\" value=\"AB-CD\"/><noscript><button autofocus "
                      "type=\"submit\">Continue</button></noscript></form>")
        << QString() << QStringList{} << QStringList{} << QStringList{} << true;
    QTest::newRow("email and untyped inputs are text")
        << QByteArray("<form><input type=email name=e><input name=u><input type=checkbox "
                      "name=c><input type=hidden name=h></form>")
        << QString() << QStringList{QStringLiteral("e"), QStringLiteral("u")} << QStringList{}
        << QStringList{} << false;
}

void TestFlowBrowser::formControls()
{
    QFETCH(QByteArray, html);
    QFETCH(QString, id);
    QFETCH(QStringList, text);
    QFETCH(QStringList, passwords);
    QFETCH(QStringList, buttons);
    QFETCH(bool, autoSubmit);
    const auto form = Flow::parseFirstForm(html, QUrl(QStringLiteral("http://127.0.0.1:4000/x")));
    QVERIFY2(form.ok(), form.ok() ? "" : qPrintable(form.error().toString()));
    QCOMPARE(form->id, id);
    QCOMPARE(form->textInputs, text);
    QCOMPARE(form->passwordInputs, passwords);
    QCOMPARE(form->buttons.keys(), buttons);
    QCOMPARE(form->autoSubmit, autoSubmit);
}

void TestFlowBrowser::noForm()
{
    const auto form = Flow::parseFirstForm("<html><p>You can close this tab.</p></html>",
                                           QUrl(QStringLiteral("https://as.test/done")));
    QVERIFY(!form.ok());
    QCOMPARE(form.error().code, QStringLiteral("no_form"));
}

void TestFlowBrowser::cookies()
{
    Flow::CookieJar jar;
    const QUrl as(QStringLiteral("http://127.0.0.1:9400/authorize"));
    Http::Headers headers;
    headers.add("Set-Cookie", "mcpauth_session=abc; Path=/; HttpOnly; SameSite=Lax");
    headers.add("Set-Cookie", "other=1");
    jar.store(as, headers);
    QCOMPARE(jar.header(as), QByteArray("mcpauth_session=abc; other=1"));
    QCOMPARE(jar.header(QUrl(QStringLiteral("http://localhost:9400/"))), QByteArray());
    Http::Headers replaced;
    replaced.add("Set-Cookie", "mcpauth_session=def; Path=/");
    replaced.add("Set-Cookie", "other=; Max-Age=0");
    replaced.add("Set-Cookie", "=novalue");
    jar.store(as, replaced);
    QCOMPARE(jar.header(as), QByteArray("mcpauth_session=def"));
}

void TestFlowBrowser::cookiePaths_data()
{
    QTest::addColumn<QList<QByteArray>>("setCookies"); // from http://as.test/auth/u1
    QTest::addColumn<QString>("requestPath");
    QTest::addColumn<QByteArray>("cookie");

    const QList<QByteArray> interaction{
        "_interaction=i1; path=/interaction/u1; expires=Sun, 22 Nov 2099 03:23:40 GMT; "
        "samesite=lax; httponly\n_interaction_resume=r1; path=/auth/u1; samesite=lax",
        "_session=s1; path=/; httponly"};
    QTest::newRow("folded Set-Cookie, interaction path")
        << interaction << QStringLiteral("/interaction/u1")
        << QByteArray("_interaction=i1; _session=s1");
    QTest::newRow("folded Set-Cookie, resume path")
        << interaction << QStringLiteral("/auth/u1")
        << QByteArray("_interaction_resume=r1; _session=s1");
    QTest::newRow("path prefix only at a segment boundary")
        << interaction << QStringLiteral("/interaction/u10") << QByteArray("_session=s1");
    QTest::newRow("below the path") << interaction << QStringLiteral("/interaction/u1/login")
                                    << QByteArray("_interaction=i1; _session=s1");
    QTest::newRow("expired by a past Expires")
        << QList<QByteArray>{"a=1; path=/", "a=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT"}
        << QStringLiteral("/") << QByteArray();
    QTest::newRow("expired by Max-Age=0, same name on another path kept")
        << QList<QByteArray>{"a=1; path=/", "a=2; path=/x", "a=; Path=/; Max-Age=0"}
        << QStringLiteral("/x/y") << QByteArray("a=2");
    QTest::newRow("default path is the request's directory")
        << QList<QByteArray>{"d=1"} << QStringLiteral("/auth/other") << QByteArray("d=1");
    QTest::newRow("default path does not reach elsewhere")
        << QList<QByteArray>{"d=1"} << QStringLiteral("/device") << QByteArray();
}

void TestFlowBrowser::cookiePaths()
{
    QFETCH(QList<QByteArray>, setCookies);
    QFETCH(QString, requestPath);
    QFETCH(QByteArray, cookie);
    Flow::CookieJar jar;
    for (const QByteArray &value : setCookies) {
        Http::Headers headers;
        headers.add("Set-Cookie", value);
        jar.store(QUrl(QStringLiteral("http://as.test/auth/u1")), headers);
    }
    QCOMPARE(jar.header(QUrl(QStringLiteral("http://as.test") + requestPath)), cookie);
}

void TestFlowBrowser::loopbackReceiver()
{
    Flow::LoopbackReceiver receiver;
    QVERIFY(receiver.redirectUri().isEmpty());
    QVERIFY(receiver.listen().ok());
    const QUrl uri = receiver.redirectUri();
    QCOMPARE(uri.host(), QStringLiteral("127.0.0.1"));
    QCOMPARE(uri.path(), QStringLiteral("/callback"));
    QVERIFY(uri.port() > 0);
    QSignalSpy received(&receiver, &Flow::LoopbackReceiver::redirectReceived);

    // Nothing expected yet: refused, nothing emitted.
    QVERIFY(exchange(uri, "GET /callback?code=early HTTP/1.1\r\nHost: x\r\n\r\n")
                .startsWith("HTTP/1.1 404"));
    receiver.expectRedirect(std::chrono::seconds(10));
    QVERIFY(exchange(uri, "GET /favicon.ico HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404"));
    // The request arrives in two pieces.
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, quint16(uri.port()));
    QVERIFY(socket.waitForConnected(5000));
    socket.write("GET /callback?code=c1&state=s1 HTTP/1.1\r\n");
    socket.flush();
    QTRY_VERIFY(socket.bytesToWrite() == 0);
    socket.write("Host: 127.0.0.1\r\n\r\n");
    QVERIFY(received.wait(5000));
    QTRY_VERIFY(socket.bytesAvailable() > 0 || socket.state() != QAbstractSocket::ConnectedState);
    const QByteArray answer = socket.readAll();
    QVERIFY(answer.startsWith("HTTP/1.1 200"));
    QVERIFY(answer.contains("close this tab"));
    const QUrl url = received.first().first().toUrl();
    QCOMPARE(url.query(), QStringLiteral("code=c1&state=s1"));
    QCOMPARE(url.port(), uri.port());
    // One redirect per wait; the port stays open for the next one.
    QVERIFY(exchange(uri, "GET /callback?code=again HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 404"));
    receiver.expectRedirect(std::chrono::seconds(10));
    QVERIFY(exchange(uri, "GET /callback?code=c2 HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 200"));
    QCOMPARE(received.count(), 2);
    receiver.close();
    QVERIFY(exchange(uri, "GET /callback HTTP/1.1\r\n\r\n").isEmpty());
}

void TestFlowBrowser::loopbackRefusesBadRequests_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QByteArray>("status");
    QTest::newRow("POST") << QByteArray("POST /callback HTTP/1.1\r\n\r\n") << QByteArray("400");
    QTest::newRow("absolute target")
        << QByteArray("GET http://evil/callback HTTP/1.1\r\n\r\n") << QByteArray("400");
    QTest::newRow("garbage") << QByteArray("hello\r\n\r\n") << QByteArray("400");
    QTest::newRow("oversized head")
        << QByteArray("GET /callback?" + QByteArray(20000, 'a')) << QByteArray("431");
}

void TestFlowBrowser::loopbackRefusesBadRequests()
{
    QFETCH(QByteArray, raw);
    QFETCH(QByteArray, status);
    Flow::LoopbackReceiver receiver;
    QVERIFY(receiver.listen().ok());
    receiver.expectRedirect(std::chrono::seconds(10));
    QSignalSpy received(&receiver, &Flow::LoopbackReceiver::redirectReceived);
    QVERIFY(exchange(receiver.redirectUri(), raw).startsWith(QByteArray("HTTP/1.1 " + status)));
    QCOMPARE(received.count(), 0);
    // Still waiting for the real redirect.
    QVERIFY(exchange(receiver.redirectUri(), "GET /callback?code=x HTTP/1.1\r\n\r\n")
                .startsWith("HTTP/1.1 200"));
    QCOMPARE(received.count(), 1);
}

void TestFlowBrowser::loopbackTimesOut()
{
    Flow::LoopbackReceiver receiver;
    QVERIFY(receiver.listen().ok());
    QSignalSpy timedOut(&receiver, &Flow::LoopbackReceiver::timedOut);
    receiver.expectRedirect(std::chrono::milliseconds(50));
    QVERIFY(timedOut.wait(5000));
    QVERIFY(exchange(receiver.redirectUri(), "GET /callback?code=late HTTP/1.1\r\n\r\n")
                .startsWith("HTTP/1.1 404"));
}

QTEST_MAIN(TestFlowBrowser)
#include "tst_flow_browser.moc"
