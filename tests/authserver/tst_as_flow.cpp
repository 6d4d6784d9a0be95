// The whole authorization code + PKCE flow as a browser and a client go through it, over
// loopback HTTP on both store engines: /authorize, the real login and consent forms (cookie,
// CSRF token), the redirect with code, state and iss, /token, then refresh rotation, reuse
// detection, revocation and introspection by a resource server.
#include <QRegularExpression>
#include <QTest>
#include <QUrlQuery>

#include "crypto/pkce.h"
#include "tokentestcase.h"

using TestSupport::AsFixture;

namespace {

const QString kClient = QStringLiteral("mcpauth-demo"); // the demo public client
const QString kRedirectUri = QStringLiteral("http://127.0.0.1:43111/callback");
const QString kResourceServer = QStringLiteral("rs-app");
const QString kRsSecret = QStringLiteral("rs-secret-0123456789abcdef");

using Browser = TestSupport::FormBrowser;

} // namespace

class TestAsFlow final : public TestSupport::TokenTestCase
{
    Q_OBJECT

private slots:
    void codeFlowThroughLoginAndConsent();
    void deniedConsentRedirectsWithAccessDenied();

private:
    bool setUp();
    /// GET /authorize with PKCE for kClient; the response (the login or consent page).
    Http::ClientResponse startAuthorization(Browser &browser, const QString &state);
    /// Follows a 303 Location inside the AS.
    Http::ClientResponse follow(Browser &browser, const Http::ClientResponse &redirect);
    QJsonObject introspect(const QString &token);
    QJsonObject redeem(const QString &code, int expectedStatus = 200);
    Http::ClientResponse refreshWith(const QString &refreshToken);
};

bool TestAsFlow::setUp()
{
    return startServer() &&
           addClient(kResourceServer, kRsSecret, {QStringLiteral("client_credentials")}, {},
                     QStringLiteral("introspect"));
}

Http::ClientResponse TestAsFlow::startAuthorization(Browser &browser, const QString &state)
{
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("response_type"), QStringLiteral("code"));
    query.addQueryItem(QStringLiteral("client_id"), kClient);
    query.addQueryItem(QStringLiteral("redirect_uri"), kRedirectUri);
    query.addQueryItem(QStringLiteral("scope"), QStringLiteral("tasks:read tasks:write"));
    query.addQueryItem(QStringLiteral("state"), state);
    query.addQueryItem(QStringLiteral("resource"), kResource);
    query.addQueryItem(QStringLiteral("code_challenge"),
                       QString::fromLatin1(Crypto::Pkce::s256Challenge(kVerifier.toUtf8())));
    query.addQueryItem(QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
    QUrl url = as().url(QStringLiteral("/authorize"));
    url.setQuery(query.toString(QUrl::FullyEncoded));
    const auto response = as().get(url.toString(QUrl::FullyEncoded), browser.headers());
    browser.take(response);
    return response;
}

Http::ClientResponse TestAsFlow::follow(Browser &browser, const Http::ClientResponse &redirect)
{
    const auto response =
        as().get(QString::fromUtf8(redirect.headers.value("Location")), browser.headers());
    browser.take(response);
    return response;
}

QJsonObject TestAsFlow::introspect(const QString &token)
{
    Http::Headers headers;
    headers.set(QByteArrayLiteral("Authorization"),
                AsFixture::basicAuthorization(kResourceServer, kRsSecret));
    return AsFixture::json(
        as().postForm(QStringLiteral("/introspect"), {{QStringLiteral("token"), token}}, headers));
}

QJsonObject TestAsFlow::redeem(const QString &code, int expectedStatus)
{
    const auto response =
        postToken({{QStringLiteral("grant_type"), QStringLiteral("authorization_code")},
                   {QStringLiteral("code"), code},
                   {QStringLiteral("redirect_uri"), kRedirectUri},
                   {QStringLiteral("code_verifier"), kVerifier},
                   {QStringLiteral("client_id"), kClient}});
    if (response.status != expectedStatus)
        qWarning("redeem: %s", qPrintable(describe(response)));
    return AsFixture::json(response);
}

Http::ClientResponse TestAsFlow::refreshWith(const QString &refreshToken)
{
    return postToken({{QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
                      {QStringLiteral("refresh_token"), refreshToken},
                      {QStringLiteral("client_id"), kClient}});
}

void TestAsFlow::codeFlowThroughLoginAndConsent()
{
    QVERIFY(setUp());
    Browser browser;

    // 1. /authorize shows the login form.
    const auto login = startAuthorization(browser, QStringLiteral("state-1"));
    QVERIFY2(login.status == 200, qPrintable(describe(login)));
    QCOMPARE(login.headers.value("X-Frame-Options"), QByteArray("DENY"));
    QVERIFY(login.headers.value("Content-Security-Policy").contains("frame-ancestors 'none'"));
    QVERIFY(!browser.cookie.isEmpty());
    QVERIFY(browser.hidden.contains(QStringLiteral("csrf_token")));
    QVERIFY(browser.hidden.contains(QStringLiteral("request")));

    // 2. Signing in leads to the consent page (post/redirect/get).
    const QByteArray anonymousCookie = browser.cookie;
    const auto signedIn = as().postForm(
        QStringLiteral("/login"),
        {{QStringLiteral("csrf_token"), browser.hidden.value(QStringLiteral("csrf_token"))},
         {QStringLiteral("request"), browser.hidden.value(QStringLiteral("request"))},
         {QStringLiteral("username"), QStringLiteral("demo")},
         {QStringLiteral("password"), demoPassword()}},
        browser.headers());
    QVERIFY2(signedIn.status == 303, qPrintable(describe(signedIn)));
    browser.take(signedIn);
    QVERIFY(browser.cookie != anonymousCookie); // a new session id after sign-in
    const auto consent = follow(browser, signedIn);
    QVERIFY2(consent.status == 200, qPrintable(describe(consent)));
    const QString consentHtml = QString::fromUtf8(consent.body);
    QVERIFY(consentHtml.contains(QStringLiteral("tasks:write")));
    QVERIFY(consentHtml.contains(QStringLiteral("127.0.0.1")));
    QVERIFY(consentHtml.contains(kResource));

    // 3. Approving redirects to the client with code, state and iss.
    const auto approved = as().postForm(
        QStringLiteral("/consent"),
        {{QStringLiteral("csrf_token"), browser.hidden.value(QStringLiteral("csrf_token"))},
         {QStringLiteral("request"), browser.hidden.value(QStringLiteral("request"))},
         {QStringLiteral("decision"), QStringLiteral("approve")}},
        browser.headers());
    QVERIFY2(approved.status == 303, qPrintable(describe(approved)));
    const QUrl callback(QString::fromUtf8(approved.headers.value("Location")));
    QCOMPARE(callback.toString(QUrl::RemoveQuery), kRedirectUri);
    const QUrlQuery params(callback);
    QCOMPARE(params.queryItemValue(QStringLiteral("state")), QStringLiteral("state-1"));
    QCOMPARE(params.queryItemValue(QStringLiteral("iss"), QUrl::FullyDecoded), as().issuer());
    const QString code = params.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded);
    QVERIFY(code.startsWith(QLatin1String("mac_")));

    // 4. The client redeems the code with its verifier.
    const QJsonObject tokens = redeem(code);
    const QString access = tokens.value(QStringLiteral("access_token")).toString();
    const QString refresh = tokens.value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!access.isEmpty() && !refresh.isEmpty());
    QCOMPARE(tokens.value(QStringLiteral("scope")).toString(),
             QStringLiteral("tasks:read tasks:write"));
    const QJsonObject seen = introspect(access);
    QCOMPARE(seen.value(QStringLiteral("active")).toBool(), true);
    QCOMPARE(seen.value(QStringLiteral("sub")).toString(), QStringLiteral("demo"));
    QCOMPARE(seen.value(QStringLiteral("client_id")).toString(), kClient);
    QCOMPARE(seen.value(QStringLiteral("aud")).toString(), kResource);
    QCOMPARE(seen.value(QStringLiteral("token_type")).toString(), QStringLiteral("Bearer"));

    // 5. Refresh rotation: a new pair; the old refresh token is spent.
    const auto rotated = refreshWith(refresh);
    QCOMPARE(rotated.status, 200);
    const QString access2 =
        AsFixture::json(rotated).value(QStringLiteral("access_token")).toString();
    const QString refresh2 =
        AsFixture::json(rotated).value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!refresh2.isEmpty() && refresh2 != refresh);
    QCOMPARE(introspect(refresh).value(QStringLiteral("active")).toBool(true), false);
    QCOMPARE(introspect(access2).value(QStringLiteral("active")).toBool(), true);

    // 6. Reuse of the spent refresh token: refused, and the whole family is revoked.
    QVERIFY(isError(refreshWith(refresh), 400, QStringLiteral("invalid_grant")));
    for (const QString &token : {access, access2, refresh2})
        QCOMPARE(introspect(token).value(QStringLiteral("active")).toBool(true), false);
    QVERIFY(isError(refreshWith(refresh2), 400, QStringLiteral("invalid_grant")));

    // 7. The code cannot be redeemed again.
    QCOMPARE(redeem(code, 400).value(QStringLiteral("error")).toString(),
             QStringLiteral("invalid_grant"));

    // 8. A second authorization in the same browser: already signed in, straight to consent.
    const auto again = startAuthorization(browser, QStringLiteral("state-2"));
    QCOMPARE(again.status, 200);
    QVERIFY(QString::fromUtf8(again.body).contains(QStringLiteral("name=\"decision\"")));
    const auto approvedAgain = as().postForm(
        QStringLiteral("/consent"),
        {{QStringLiteral("csrf_token"), browser.hidden.value(QStringLiteral("csrf_token"))},
         {QStringLiteral("request"), browser.hidden.value(QStringLiteral("request"))},
         {QStringLiteral("decision"), QStringLiteral("approve")}},
        browser.headers());
    QCOMPARE(approvedAgain.status, 303);
    const QUrlQuery params2(QUrl(QString::fromUtf8(approvedAgain.headers.value("Location"))));
    QCOMPARE(params2.queryItemValue(QStringLiteral("state")), QStringLiteral("state-2"));
    const QJsonObject tokens2 =
        redeem(params2.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded));
    const QString access3 = tokens2.value(QStringLiteral("access_token")).toString();
    const QString refresh3 = tokens2.value(QStringLiteral("refresh_token")).toString();
    QCOMPARE(introspect(access3).value(QStringLiteral("active")).toBool(), true);

    // 9. The client revokes its refresh token: the grant ends, access token included.
    const auto revoked =
        as().postForm(QStringLiteral("/revoke"),
                      {{QStringLiteral("token"), refresh3},
                       {QStringLiteral("token_type_hint"), QStringLiteral("refresh_token")},
                       {QStringLiteral("client_id"), kClient}});
    QCOMPARE(revoked.status, 200);
    QCOMPARE(introspect(access3).value(QStringLiteral("active")).toBool(true), false);
    QVERIFY(isError(refreshWith(refresh3), 400, QStringLiteral("invalid_grant")));
    QVERIFY(countAudit(QStringLiteral("token.revoked")) >= 1);
    QCOMPARE(countAudit(QStringLiteral("refresh_token.reused")), 1);
    QCOMPARE(countAudit(QStringLiteral("authorization_code.reused")), 1);
}

void TestAsFlow::deniedConsentRedirectsWithAccessDenied()
{
    QVERIFY(setUp());
    Browser browser;
    QCOMPARE(startAuthorization(browser, QStringLiteral("s")).status, 200);
    const auto signedIn = as().postForm(
        QStringLiteral("/login"),
        {{QStringLiteral("csrf_token"), browser.hidden.value(QStringLiteral("csrf_token"))},
         {QStringLiteral("request"), browser.hidden.value(QStringLiteral("request"))},
         {QStringLiteral("username"), QStringLiteral("demo")},
         {QStringLiteral("password"), demoPassword()}},
        browser.headers());
    QCOMPARE(signedIn.status, 303);
    browser.take(signedIn);
    QCOMPARE(follow(browser, signedIn).status, 200);
    const auto denied = as().postForm(
        QStringLiteral("/consent"),
        {{QStringLiteral("csrf_token"), browser.hidden.value(QStringLiteral("csrf_token"))},
         {QStringLiteral("request"), browser.hidden.value(QStringLiteral("request"))},
         {QStringLiteral("decision"), QStringLiteral("deny")}},
        browser.headers());
    QCOMPARE(denied.status, 303);
    const QUrlQuery params(QUrl(QString::fromUtf8(denied.headers.value("Location"))));
    QCOMPARE(params.queryItemValue(QStringLiteral("error")), QStringLiteral("access_denied"));
    QCOMPARE(params.queryItemValue(QStringLiteral("state")), QStringLiteral("s"));
    QVERIFY(!params.hasQueryItem(QStringLiteral("code")));
    QCOMPARE(countTokens(), 0);
}

QTEST_GUILESS_MAIN(TestAsFlow)
#include "tst_as_flow.moc"
