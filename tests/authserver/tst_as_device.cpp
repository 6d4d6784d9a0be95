// The device authorization grant (RFC 8628) over loopback HTTP on both store engines:
// /device_authorization, the verification page /device (a real browser-like exchange:
// cookie, CSRF token, sign-in, decision) and polling /token.
#include <QRegularExpression>
#include <QTest>

#include "authserver/deviceusercode.h"
#include "store/devicecoderepository.h"
#include "tokentestcase.h"

using TestSupport::AsFixture;

namespace {

const QString kPublic = QStringLiteral("public-app");
const QString kOther = QStringLiteral("other-app");
const QString kCodeOnly = QStringLiteral("code-only-app");
const QString kDevice = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");

using Browser = TestSupport::FormBrowser;

} // namespace

class TestAsDevice final : public TestSupport::TokenTestCase
{
    Q_OBJECT

private slots:
    void deviceAuthorization();
    void deviceAuthorizationErrors_data();
    void deviceAuthorizationErrors();
    void pollingTooFastSlowsDown();
    void approvalThroughVerificationPage();
    void denial();
    void expiry();
    void otherClientCannotPoll();
    void verificationPageErrors_data();
    void verificationPageErrors();
    void userCodeTypedLoosely_data();
    void userCodeTypedLoosely();
    void signedInBrowserNeedsNoPassword();
    void valuesAreEscaped();
    void autoApprove();
    void rateLimited();

private:
    bool setUp(Auth::Config config = testConfig());
    /// POST /device_authorization for the public client; the JSON answer.
    QJsonObject authorize(const QString &clientId = kPublic, const QStringList &extra = {});
    Http::ClientResponse poll(const QString &deviceCode, const QString &clientId = kPublic);
    /// Opens verification_uri_complete in `browser`, signs in as demo and decides.
    Http::ClientResponse decide(Browser &browser, const QString &userCode, const QString &decision,
                                bool signIn = true);
    Store::DeviceCode storedCode(const QString &userCode) const;
};

bool TestAsDevice::setUp(Auth::Config config)
{
    if (!startServer(std::move(config)))
        return false;
    return reusedServer() || (addClient(kPublic, {},
                                        {QStringLiteral("authorization_code"),
                                         QStringLiteral("refresh_token"), kDevice}) &&
                              addClient(kOther, {}, {kDevice}) && addClient(kCodeOnly, {}, {}));
}

QJsonObject TestAsDevice::authorize(const QString &clientId, const QStringList &extra)
{
    const Http::FormData form{{QStringLiteral("client_id"), clientId},
                              {QStringLiteral("scope"), QStringLiteral("tasks:read tasks:write")}};
    const auto response =
        as().postForm(QStringLiteral("/device_authorization"), changeForm(form, extra));
    if (response.status != 200)
        qWarning("device authorization failed: %s", qPrintable(describe(response)));
    return AsFixture::json(response);
}

Http::ClientResponse TestAsDevice::poll(const QString &deviceCode, const QString &clientId)
{
    return postToken({{QStringLiteral("grant_type"), kDevice},
                      {QStringLiteral("device_code"), deviceCode},
                      {QStringLiteral("client_id"), clientId}});
}

Http::ClientResponse TestAsDevice::decide(Browser &browser, const QString &userCode,
                                          const QString &decision, bool signIn)
{
    const auto page = as().get(QStringLiteral("/device?user_code=") + userCode, browser.headers());
    if (page.status != 200)
        qWarning("verification page: %s", qPrintable(describe(page)));
    browser.take(page);
    Http::FormData form{{QStringLiteral("csrf_token"), browser.csrf()},
                        {QStringLiteral("user_code"), userCode},
                        {QStringLiteral("decision"), decision}};
    if (signIn) {
        form.append(QStringLiteral("username"), QStringLiteral("demo"));
        form.append(QStringLiteral("password"), demoPassword());
    }
    const auto answer = as().postForm(QStringLiteral("/device"), form, browser.headers());
    browser.take(answer);
    return answer;
}

Store::DeviceCode TestAsDevice::storedCode(const QString &userCode) const
{
    auto code = Store::DeviceCodeRepository(db()).findByUserCode(
        Auth::DeviceUserCode::normalize(userCode).value_or(QString()));
    if (!code)
        qWarning("storedCode: %s", qPrintable(code.error().toString()));
    return code.valueOr({});
}

void TestAsDevice::deviceAuthorization()
{
    QVERIFY(setUp());
    const auto response = as().postForm(QStringLiteral("/device_authorization"),
                                        {{QStringLiteral("client_id"), kPublic}});
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    const QJsonObject body = AsFixture::json(response);
    const QString deviceCode = body.value(QStringLiteral("device_code")).toString();
    const QString userCode = body.value(QStringLiteral("user_code")).toString();
    QVERIFY(deviceCode.startsWith(QLatin1String("mdc_")));
    QVERIFY(deviceCode.size() >= 4 + 43);
    QVERIFY2(
        QRegularExpression(QStringLiteral("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$"))
            .match(userCode)
            .hasMatch(),
        qPrintable(userCode));
    const QString verification = as().issuer() + QStringLiteral("/device");
    QCOMPARE(body.value(QStringLiteral("verification_uri")).toString(), verification);
    QCOMPARE(body.value(QStringLiteral("verification_uri_complete")).toString(),
             verification + QStringLiteral("?user_code=") + userCode);
    QCOMPARE(body.value(QStringLiteral("expires_in")).toInt(), 600);
    QCOMPARE(body.value(QStringLiteral("interval")).toInt(), 5);

    const Store::DeviceCode stored = storedCode(userCode);
    QCOMPARE(stored.clientId, kPublic);
    QCOMPARE(stored.scope, QStringLiteral("tasks:read")); // the default scope
    QCOMPARE(stored.resource, kResource);
    QCOMPARE(stored.status, Store::DeviceCodeStatus::Pending);
    QCOMPARE(stored.deviceCode, Store::SecretHash::fromSecret(deviceCode.toUtf8()));
    QCOMPARE(countAudit(QStringLiteral("device_authorization.issued")), 1);
}

void TestAsDevice::deviceAuthorizationErrors_data()
{
    QTest::addColumn<QStringList>("form");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    auto row = [](const char *name, const QStringList &form, int status, const QString &error,
                  const QByteArray &contentType = {}) {
        QTest::newRow(name) << form << contentType << status << error;
    };
    row("client without the device grant", {QStringLiteral("client_id=code-only-app")}, 400,
        QStringLiteral("unauthorized_client"));
    row("unknown client", {QStringLiteral("client_id=nobody")}, 401,
        QStringLiteral("invalid_client"));
    row("no client", {}, 401, QStringLiteral("invalid_client"));
    row("unsupported scope",
        {QStringLiteral("client_id=public-app"), QStringLiteral("scope=admin")}, 400,
        QStringLiteral("invalid_scope"));
    row("resource with fragment",
        {QStringLiteral("client_id=public-app"), QStringLiteral("resource=https://rs.example/#a")},
        400, QStringLiteral("invalid_target"));
    row("relative resource",
        {QStringLiteral("client_id=public-app"), QStringLiteral("resource=mcp")}, 400,
        QStringLiteral("invalid_target"));
    row("repeated scope",
        {QStringLiteral("client_id=public-app"), QStringLiteral("scope=tasks:read"),
         QStringLiteral("scope=tasks:write")},
        400, QStringLiteral("invalid_request"));
    row("repeated client_id",
        {QStringLiteral("client_id=public-app"), QStringLiteral("client_id=public-app")}, 400,
        QStringLiteral("invalid_request"));
    row("JSON body", {QStringLiteral("client_id=public-app")}, 400,
        QStringLiteral("invalid_request"), QByteArrayLiteral("application/json"));
}

void TestAsDevice::deviceAuthorizationErrors()
{
    QFETCH(QStringList, form);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, error);
    QVERIFY(setUp());
    const Http::FormData data = formOf(form);
    const Http::Headers headers = headersOf({}, contentType);
    const qint64 before = countRows(QStringLiteral("device_codes"));
    QVERIFY(isError(as().postForm(QStringLiteral("/device_authorization"), data, headers), status,
                    error));
    QCOMPARE(countRows(QStringLiteral("device_codes")), before);
}

void TestAsDevice::pollingTooFastSlowsDown()
{
    QVERIFY(setUp());
    const QJsonObject started = authorize();
    const QString deviceCode = started.value(QStringLiteral("device_code")).toString();
    const QString userCode = started.value(QStringLiteral("user_code")).toString();
    QVERIFY(isError(poll(deviceCode), 400, QStringLiteral("authorization_pending")));
    QCOMPARE(storedCode(userCode).intervalSeconds, 5);
    // Each poll inside the interval: slow_down, and the interval grows by 5 s (remembered).
    QVERIFY(isError(poll(deviceCode), 400, QStringLiteral("slow_down")));
    QCOMPARE(storedCode(userCode).intervalSeconds, 10);
    as().advance(6000); // past the old interval, inside the new one
    QVERIFY(isError(poll(deviceCode), 400, QStringLiteral("slow_down")));
    QCOMPARE(storedCode(userCode).intervalSeconds, 15);
    as().advance(15000);
    QVERIFY(isError(poll(deviceCode), 400, QStringLiteral("authorization_pending")));
    QCOMPARE(storedCode(userCode).intervalSeconds, 15);
    QCOMPARE(countTokens(), 0);
}

void TestAsDevice::approvalThroughVerificationPage()
{
    QVERIFY(setUp());
    const QJsonObject started = authorize();
    const QString deviceCode = started.value(QStringLiteral("device_code")).toString();
    const QString userCode = started.value(QStringLiteral("user_code")).toString();
    QVERIFY(isError(poll(deviceCode), 400, QStringLiteral("authorization_pending")));

    Browser browser;
    const QUrl complete(started.value(QStringLiteral("verification_uri_complete")).toString());
    const auto page = as().get(complete.toString(), browser.headers());
    QCOMPARE(page.status, 200);
    QCOMPARE(page.contentType(), QByteArray("text/html"));
    QCOMPARE(page.headers.value("X-Frame-Options"), QByteArray("DENY"));
    QVERIFY(page.headers.value("Content-Security-Policy").contains("frame-ancestors 'none'"));
    QCOMPARE(page.headers.value("Cache-Control"), QByteArray("no-store"));
    QVERIFY(page.headers.value("Set-Cookie").contains("HttpOnly"));
    const QString html = QString::fromUtf8(page.body);
    QVERIFY(html.contains(userCode));
    QVERIFY(html.contains(kPublic));
    QVERIFY(html.contains(QStringLiteral("tasks:write")));
    QVERIFY(html.contains(kResource));
    QVERIFY(html.contains(QStringLiteral("name=\"password\"")));
    browser.take(page);
    QVERIFY(!browser.csrf().isEmpty());

    const auto done = as().postForm(QStringLiteral("/device"),
                                    {{QStringLiteral("csrf_token"), browser.csrf()},
                                     {QStringLiteral("user_code"), userCode},
                                     {QStringLiteral("username"), QStringLiteral("demo")},
                                     {QStringLiteral("password"), demoPassword()},
                                     {QStringLiteral("decision"), QStringLiteral("approve")}},
                                    browser.headers());
    QVERIFY2(done.status == 200, qPrintable(describe(done)));
    QCOMPARE(done.headers.value("X-Frame-Options"), QByteArray("DENY"));
    QVERIFY(QString::fromUtf8(done.body).contains(QStringLiteral("Device connected")));
    // Signing in renews the session (no fixation).
    QVERIFY(done.headers.contains("Set-Cookie"));
    QVERIFY(done.headers.value("Set-Cookie").left(done.headers.value("Set-Cookie").indexOf(';')) !=
            browser.cookie);
    QCOMPARE(storedCode(userCode).status, Store::DeviceCodeStatus::Approved);
    QCOMPARE(storedCode(userCode).subject, QStringLiteral("demo"));

    as().advance(5000);
    const auto tokens = poll(deviceCode);
    QCOMPARE(tokens.status, 200);
    QCOMPARE(tokens.headers.value("Cache-Control"), QByteArray("no-store"));
    const QJsonObject body = AsFixture::json(tokens);
    QCOMPARE(body.value(QStringLiteral("scope")).toString(),
             QStringLiteral("tasks:read tasks:write"));
    QVERIFY(
        body.value(QStringLiteral("refresh_token")).toString().startsWith(QLatin1String("mrt_")));
    auto row = tokenRow(body.value(QStringLiteral("access_token")).toString());
    QVERIFY(row.ok());
    QCOMPARE(row->subject, QStringLiteral("demo"));
    QCOMPARE(row->resource, kResource);
    // Single use.
    as().advance(5000);
    QVERIFY(isError(poll(deviceCode), 400, QStringLiteral("invalid_grant")));
    QCOMPARE(countTokens(), 2);
    QCOMPARE(countAudit(QStringLiteral("device.approved")), 1);
}

void TestAsDevice::denial()
{
    QVERIFY(setUp());
    const QJsonObject started = authorize();
    Browser browser;
    const auto answer = decide(browser, started.value(QStringLiteral("user_code")).toString(),
                               QStringLiteral("deny"));
    QCOMPARE(answer.status, 200);
    QVERIFY(QString::fromUtf8(answer.body).contains(QStringLiteral("denied")));
    QVERIFY(isError(poll(started.value(QStringLiteral("device_code")).toString()), 400,
                    QStringLiteral("access_denied")));
    QCOMPARE(countTokens(), 0);
    QCOMPARE(countAudit(QStringLiteral("device.denied")), 1);
}

void TestAsDevice::expiry()
{
    QVERIFY(setUp());
    const QJsonObject started = authorize();
    const QString userCode = started.value(QStringLiteral("user_code")).toString();
    as().advance(600001);
    QVERIFY(isError(poll(started.value(QStringLiteral("device_code")).toString()), 400,
                    QStringLiteral("expired_token")));
    // The page says so too, and approving is no longer possible.
    Browser browser;
    const auto page = as().get(QStringLiteral("/device?user_code=") + userCode);
    QCOMPARE(page.status, 400);
    QVERIFY(QString::fromUtf8(page.body).contains(QStringLiteral("expired")));
    QCOMPARE(storedCode(userCode).status, Store::DeviceCodeStatus::Pending);
}

void TestAsDevice::otherClientCannotPoll()
{
    QVERIFY(setUp());
    const QJsonObject started = authorize();
    const QString deviceCode = started.value(QStringLiteral("device_code")).toString();
    QVERIFY(isError(poll(deviceCode, kOther), 400, QStringLiteral("invalid_grant")));
    QVERIFY(isError(poll(QStringLiteral("mdc_unknown")), 400, QStringLiteral("invalid_grant")));
    QVERIFY(isError(postToken({{QStringLiteral("grant_type"), kDevice},
                               {QStringLiteral("client_id"), kPublic}}),
                    400, QStringLiteral("invalid_request")));
    // The refused poll was not recorded: the owner's first poll is not "too fast".
    QVERIFY(isError(poll(deviceCode), 400, QStringLiteral("authorization_pending")));
    QVERIFY(
        storedCode(started.value(QStringLiteral("user_code")).toString()).lastPollAt.has_value());
}

void TestAsDevice::verificationPageErrors_data()
{
    QTest::addColumn<QString>("csrf");     ///< "ok", "missing", "wrong"
    QTest::addColumn<QString>("userCode"); ///< "ok" = the pending code, else literal
    QTest::addColumn<QString>("password"); ///< "ok" = the demo password, else literal
    QTest::addColumn<QString>("decision");
    QTest::addColumn<qint64>("advanceMs");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("text");
    auto row = [](const char *name, const QString &csrf, const QString &userCode,
                  const QString &password, const QString &decision, qint64 advanceMs, int status,
                  const QString &text) {
        QTest::newRow(name) << csrf << userCode << password << decision << advanceMs << status
                            << text;
    };
    const QString ok = QStringLiteral("ok");
    const QString approve = QStringLiteral("approve");
    row("missing CSRF token", QStringLiteral("missing"), ok, ok, approve, 0, 403,
        QStringLiteral("CSRF"));
    row("wrong CSRF token", QStringLiteral("wrong"), ok, ok, approve, 0, 403,
        QStringLiteral("CSRF"));
    row("wrong password", ok, ok, QStringLiteral("not-the-password"), approve, 0, 401,
        QStringLiteral("name=\"password\""));
    row("malformed code", ok, QStringLiteral("ABC"), ok, approve, 0, 400,
        QStringLiteral("not a valid code"));
    row("code with a vowel", ok, QStringLiteral("BCDF-GHJA"), ok, approve, 0, 400,
        QStringLiteral("not a valid code"));
    row("unknown code", ok, QStringLiteral("BCDF-GHJK"), ok, approve, 0, 400,
        QStringLiteral("No device is waiting"));
    row("expired code", ok, ok, ok, approve, 600001, 400, QStringLiteral("expired"));
    row("no decision", ok, ok, ok, QString(), 0, 400, QStringLiteral("Approve or Deny"));
    row("unknown decision", ok, ok, ok, QStringLiteral("maybe"), 0, 400,
        QStringLiteral("Approve or Deny"));
}

void TestAsDevice::verificationPageErrors()
{
    QFETCH(QString, csrf);
    QFETCH(QString, userCode);
    QFETCH(QString, password);
    QFETCH(QString, decision);
    QFETCH(qint64, advanceMs);
    QFETCH(int, status);
    QFETCH(QString, text);
    QVERIFY(setUp());
    const QJsonObject started = authorize();
    const QString pending = started.value(QStringLiteral("user_code")).toString();
    Browser browser;
    browser.take(as().get(QStringLiteral("/device"), browser.headers()));
    QVERIFY(!browser.cookie.isEmpty());
    QVERIFY(!browser.csrf().isEmpty());
    as().advance(advanceMs);
    Http::FormData form;
    if (csrf == QLatin1String("ok"))
        form.append(QStringLiteral("csrf_token"), browser.csrf());
    else if (csrf == QLatin1String("wrong"))
        form.append(QStringLiteral("csrf_token"), QString(43, QLatin1Char('A')));
    form.append(QStringLiteral("user_code"), userCode == QLatin1String("ok") ? pending : userCode);
    form.append(QStringLiteral("username"), QStringLiteral("demo"));
    form.append(QStringLiteral("password"),
                password == QLatin1String("ok") ? demoPassword() : password);
    if (!decision.isEmpty())
        form.append(QStringLiteral("decision"), decision);
    const auto answer = as().postForm(QStringLiteral("/device"), form, browser.headers());
    QVERIFY2(answer.status == status, qPrintable(describe(answer)));
    QCOMPARE(answer.contentType(), QByteArray("text/html"));
    QCOMPARE(answer.headers.value("X-Frame-Options"), QByteArray("DENY"));
    QCOMPARE(answer.headers.value("Cache-Control"), QByteArray("no-store"));
    QVERIFY2(QString::fromUtf8(answer.body).contains(text), answer.body.constData());
    QCOMPARE(storedCode(pending).status, Store::DeviceCodeStatus::Pending);
    QCOMPARE(countTokens(), 0);
}

void TestAsDevice::userCodeTypedLoosely_data()
{
    QTest::addColumn<int>("form"); ///< 0 lower case, 1 no dash, 2 spaces
    QTest::newRow("lower case") << 0;
    QTest::newRow("without the dash") << 1;
    QTest::newRow("with spaces") << 2;
}

void TestAsDevice::userCodeTypedLoosely()
{
    QFETCH(int, form);
    QVERIFY(setUp());
    const QJsonObject started = authorize();
    QString typed = started.value(QStringLiteral("user_code")).toString();
    if (form == 0)
        typed = typed.toLower();
    else if (form == 1)
        typed.remove(QLatin1Char('-'));
    else
        typed = QStringLiteral(" ") + typed.replace(QLatin1Char('-'), QLatin1Char(' ')) +
                QStringLiteral(" ");
    Browser browser;
    const auto answer = decide(browser, typed, QStringLiteral("approve"));
    QVERIFY2(answer.status == 200, qPrintable(describe(answer)));
    QCOMPARE(storedCode(started.value(QStringLiteral("user_code")).toString()).status,
             Store::DeviceCodeStatus::Approved);
}

void TestAsDevice::signedInBrowserNeedsNoPassword()
{
    QVERIFY(setUp());
    Browser browser;
    QCOMPARE(decide(browser, authorize().value(QStringLiteral("user_code")).toString(),
                    QStringLiteral("approve"))
                 .status,
             200);
    const QString second = authorize().value(QStringLiteral("user_code")).toString();
    const auto page = as().get(QStringLiteral("/device?user_code=") + second, browser.headers());
    QCOMPARE(page.status, 200);
    QVERIFY(!QString::fromUtf8(page.body).contains(QStringLiteral("name=\"password\"")));
    QCOMPARE(decide(browser, second, QStringLiteral("approve"), false).status, 200);
    QCOMPARE(storedCode(second).status, Store::DeviceCodeStatus::Approved);
}

void TestAsDevice::valuesAreEscaped()
{
    QVERIFY(setUp());
    auto client = as().createClient(QStringLiteral("evil-app"), {}, {kRedirect}, {kDevice});
    QVERIFY(client.ok());
    Store::Client renamed = *client;
    renamed.name = QStringLiteral("<script>alert(1)</script>\"'&");
    QVERIFY(Store::ClientRepository(db()).update(renamed).ok());
    const QString userCode =
        authorize(QStringLiteral("evil-app")).value(QStringLiteral("user_code")).toString();
    const auto page = as().get(QStringLiteral("/device?user_code=") + userCode);
    QCOMPARE(page.status, 200);
    const QString html = QString::fromUtf8(page.body);
    QVERIFY(!html.contains(QStringLiteral("<script>alert")));
    QVERIFY(html.contains(QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt;")));
    // A typed code is reflected escaped as well.
    const auto reflected = as().get(QStringLiteral("/device?user_code=%22%3E%3Cimg%20src%3Dx%3E"));
    QCOMPARE(reflected.status, 400);
    QVERIFY(!QString::fromUtf8(reflected.body).contains(QStringLiteral("<img")));
}

void TestAsDevice::autoApprove()
{
    Auth::Config config = testConfig();
    config.autoApprove = true;
    QVERIFY(setUp(config));
    const QJsonObject started = authorize();
    const auto page =
        as().get(started.value(QStringLiteral("verification_uri_complete")).toString());
    QCOMPARE(page.status, 200);
    QCOMPARE(storedCode(started.value(QStringLiteral("user_code")).toString()).status,
             Store::DeviceCodeStatus::Approved);
    QCOMPARE(poll(started.value(QStringLiteral("device_code")).toString()).status, 200);
}

void TestAsDevice::rateLimited()
{
    Auth::Config config = testConfig();
    config.devicePerAddress = {2, 60};
    QVERIFY(setUp(config));
    QVERIFY(!authorize().isEmpty());
    QVERIFY(!authorize().isEmpty());
    const auto limited = as().postForm(QStringLiteral("/device_authorization"),
                                       {{QStringLiteral("client_id"), kPublic}});
    QCOMPARE(limited.status, 429);
    QVERIFY(limited.headers.value("Retry-After").toInt() >= 1);
    QCOMPARE(countRows(QStringLiteral("device_codes")), 2);
}

QTEST_GUILESS_MAIN(TestAsDevice)
#include "tst_as_device.moc"
