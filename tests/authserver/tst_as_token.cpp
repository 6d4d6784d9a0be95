// POST /token over loopback HTTP on both store engines: every grant, and a table for every
// error each grant can answer, with the database checked unchanged where it must be.
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTest>

#include "authserver/context.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/pkce.h"
#include "store/database.h"
#include "store/errors.h"
#include "tokentestcase.h"

using TestSupport::AsFixture;

namespace {

const QString kPublic = QStringLiteral("public-app");
const QString kOther = QStringLiteral("other-app");
const QString kConfidential = QStringLiteral("conf-app");
const QString kConfidentialSecret = QStringLiteral("conf-secret-0123456789");
const QString kPostClient = QStringLiteral("post-app");
const QString kPostSecret = QStringLiteral("post-secret-0123456789");
const QString kNarrow = QStringLiteral("narrow-app");
const QString kCodeOnly = QStringLiteral("code-only-app");
const QString kPublicCc = QStringLiteral("public-cc");
const QString kConfCodeOnly = QStringLiteral("conf-code-only");

const QString kCode = QStringLiteral("authorization_code");
const QString kRefresh = QStringLiteral("refresh_token");
const QString kCc = QStringLiteral("client_credentials");
const QString kDevice = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");

Store::TokenFilter filterOf(const QString &familyId, std::optional<Store::TokenState> state)
{
    Store::TokenFilter filter;
    filter.familyId = familyId;
    filter.state = state;
    return filter;
}

} // namespace

class TestAsToken final : public TestSupport::TokenTestCase
{
    Q_OBJECT

private slots:
    void codeExchange();
    void codeWithoutRefreshGrant();
    void codeErrors_data();
    void codeErrors();
    void codeExpired();
    void codeReuseRevokesWhatItIssued();
    void codeRedeemedOnceUnderConcurrency();
    void plainPkce();
    void jwtAccessToken();

    void refreshRotation();
    void refreshReuseRevokesFamily();
    void refreshNarrowsScope();
    void refreshErrors_data();
    void refreshErrors();
    void refreshRevokedOrExpired();
    void confidentialRefreshWithoutRotation();
    void confidentialRefreshWithRotation();

    void clientCredentials_data();
    void clientCredentials();
    void clientCredentialsErrors_data();
    void clientCredentialsErrors();
    void clientCredentialsWithPrivateKeyJwt();

    void rateLimitPerClient();
    void rateLimitPerAddress();
    void cors();

private:
    bool setUp(Auth::Config config = testConfig());
    /// Redeems a fresh code of the public client; the token response.
    QJsonObject freshTokens();
    Http::ClientResponse refresh(const QString &refreshToken, const QString &clientId = kPublic,
                                 const QStringList &extra = {});
    Http::FormData codeForm(const QString &code) const;
};

bool TestAsToken::setUp(Auth::Config config)
{
    if (!startServer(std::move(config)))
        return false;
    if (reusedServer())
        return true;
    // Two redirect URIs: a token request must then name the one the code went to.
    const bool publicApp =
        as().createClient(kPublic, {}, {kRedirect, QStringLiteral("http://127.0.0.1/other")},
                          {kCode, kRefresh, kDevice})
            .ok();
    return publicApp && addClient(kOther, {}, {kCode, kRefresh}) &&
           addClient(kCodeOnly, {}, {kCode}) &&
           addClient(kConfidential, kConfidentialSecret, {kCode, kRefresh, kCc}) &&
           addClient(kPostClient, kPostSecret, {kCc}, QStringLiteral("client_secret_post")) &&
           addClient(kNarrow, kConfidentialSecret, {kCc}, {}, QStringLiteral("tasks:read")) &&
           addClient(kPublicCc, {}, {kCc}) &&
           addClient(kConfCodeOnly, kConfidentialSecret, {kCode});
}

Http::FormData TestAsToken::codeForm(const QString &code) const
{
    return {{QStringLiteral("grant_type"), kCode},
            {QStringLiteral("code"), code},
            {QStringLiteral("redirect_uri"), kRedirect},
            {QStringLiteral("code_verifier"), kVerifier},
            {QStringLiteral("client_id"), kPublic}};
}

QJsonObject TestAsToken::freshTokens()
{
    const auto response = redeemCode(insertCode());
    if (response.status != 200)
        qWarning("redeeming a code failed: %s", qPrintable(describe(response)));
    return AsFixture::json(response);
}

Http::ClientResponse TestAsToken::refresh(const QString &refreshToken, const QString &clientId,
                                          const QStringList &extra)
{
    Http::FormData form{{QStringLiteral("grant_type"), kRefresh},
                        {QStringLiteral("refresh_token"), refreshToken},
                        {QStringLiteral("client_id"), clientId}};
    return postToken(changeForm(form, extra, {}));
}

// --- authorization_code -----------------------------------------------------------------

void TestAsToken::codeExchange()
{
    QVERIFY(setUp());
    const QString code = insertCode();
    const auto response = redeemCode(code);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(response.headers.value("Pragma"), QByteArray("no-cache"));
    QCOMPARE(response.contentType(), QByteArray("application/json"));
    const QJsonObject body = AsFixture::json(response);
    QCOMPARE(body.value(QStringLiteral("token_type")).toString(), QStringLiteral("Bearer"));
    QCOMPARE(body.value(QStringLiteral("expires_in")).toInt(), 3600);
    QCOMPARE(body.value(QStringLiteral("scope")).toString(),
             QStringLiteral("tasks:read tasks:write"));
    const QString access = body.value(QStringLiteral("access_token")).toString();
    const QString refresh = body.value(QStringLiteral("refresh_token")).toString();
    QVERIFY(access.startsWith(QLatin1String("mat_")));
    QVERIFY(refresh.startsWith(QLatin1String("mrt_")));

    auto accessRow = tokenRow(access);
    auto refreshRow = tokenRow(refresh);
    QVERIFY(accessRow.ok() && refreshRow.ok());
    QCOMPARE(accessRow->kind, Store::TokenKind::Access);
    QCOMPARE(accessRow->clientId, kPublic);
    QCOMPARE(accessRow->subject, QStringLiteral("alice"));
    QCOMPARE(accessRow->resource, kResource);
    QCOMPARE(refreshRow->kind, Store::TokenKind::Refresh);
    QCOMPARE(refreshRow->familyId, accessRow->familyId);
    QVERIFY(accessRow->authorizationCodeId.has_value());
    QCOMPARE(refreshRow->authorizationCodeId, accessRow->authorizationCodeId);
    auto codeRow = Store::AuthorizationCodeRepository(db()).findByHash(
        Store::SecretHash::fromSecret(code.toUtf8()));
    QVERIFY(codeRow.ok());
    QVERIFY(codeRow->usedAt.has_value());
    QCOMPARE(*accessRow->authorizationCodeId, codeRow->id);
    QCOMPARE(countAudit(QStringLiteral("token.issued")), 1);
    // The clear tokens never reach the audit log or the store.
    QVERIFY(!response.body.isEmpty());
}

void TestAsToken::codeWithoutRefreshGrant()
{
    QVERIFY(setUp());
    CodeOptions options;
    options.clientId = kCodeOnly;
    // With a single registered redirect URI, which /authorize used, redirect_uri may be
    // left out here as it may be there.
    const auto response = postToken(
        changeForm(codeForm(insertCode(options)),
                   {QStringLiteral("-redirect_uri"), QStringLiteral("client_id=") + kCodeOnly}));
    QCOMPARE(response.status, 200);
    QVERIFY(!AsFixture::json(response).contains(QStringLiteral("refresh_token")));
    QCOMPARE(countTokens(), 1);
}

void TestAsToken::codeErrors_data()
{
    QTest::addColumn<QStringList>("changes");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("codeClient");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");

    const QString req = QStringLiteral("invalid_request");
    const QString grant = QStringLiteral("invalid_grant");
    const QString target = QStringLiteral("invalid_target");
    const QByteArray form;
    const QString otherVerifier = QString(43, QLatin1Char('a'));

    auto row = [&](const char *name, QStringList changes, int status, const QString &error,
                   const QByteArray &contentType = {}, const QString &codeClient = kPublic) {
        QTest::newRow(name) << changes << contentType << codeClient << status << error;
    };
    row("missing grant_type", {QStringLiteral("-grant_type")}, 400, req);
    row("empty grant_type", {QStringLiteral("grant_type=")}, 400, req);
    row("unknown grant_type", {QStringLiteral("grant_type=password")}, 400,
        QStringLiteral("unsupported_grant_type"));
    row("implicit", {QStringLiteral("grant_type=implicit")}, 400,
        QStringLiteral("unsupported_grant_type"));
    row("repeated grant_type", {QStringLiteral("+grant_type=authorization_code")}, 400, req);
    row("missing code", {QStringLiteral("-code")}, 400, req);
    row("empty code", {QStringLiteral("code=")}, 400, req);
    row("repeated code", {QStringLiteral("+code=$code")}, 400, req);
    row("unknown code", {QStringLiteral("code=mac_unknown")}, 400, grant);
    row("missing code_verifier", {QStringLiteral("-code_verifier")}, 400, req);
    row("repeated code_verifier", {QStringLiteral("+code_verifier=$verifier")}, 400, req);
    row("PKCE mismatch", {QStringLiteral("code_verifier=") + otherVerifier}, 400, grant);
    row("verifier 42 chars", {QStringLiteral("code_verifier=") + kVerifier.left(42)}, 400, grant);
    row("verifier 129 chars",
        {QStringLiteral("code_verifier=") + kVerifier + QString(129 - kVerifier.size(), u'x')}, 400,
        grant);
    row("verifier + trailing newline", {QStringLiteral("code_verifier=$verifier\n")}, 400, grant);
    row("verifier + trailing CRLF", {QStringLiteral("code_verifier=$verifier\r\n")}, 400, grant);
    row("verifier + leading space", {QStringLiteral("code_verifier= $verifier")}, 400, grant);
    row("verifier with '+'",
        {QStringLiteral("code_verifier=") + kVerifier.left(50) + QStringLiteral("+/=")}, 400,
        grant);
    row("verifier non-ASCII",
        {QStringLiteral("code_verifier=") + kVerifier.left(50) + QStringLiteral("é")}, 400, grant);
    row("challenge as verifier (downgrade to plain)",
        {QStringLiteral("code_verifier=") +
         QString::fromLatin1(Crypto::Pkce::s256Challenge(kVerifier.toUtf8()))},
        400, grant);
    row("redirect_uri missing", {QStringLiteral("-redirect_uri")}, 400, grant);
    row("redirect_uri other path", {QStringLiteral("redirect_uri=http://127.0.0.1:5173/other")},
        400, grant);
    row("redirect_uri other port", {QStringLiteral("redirect_uri=http://127.0.0.1:5174/callback")},
        400, grant);
    row("redirect_uri trailing slash",
        {QStringLiteral("redirect_uri=http://127.0.0.1:5173/callback/")}, 400, grant);
    row("redirect_uri localhost for 127.0.0.1",
        {QStringLiteral("redirect_uri=http://localhost:5173/callback")}, 400, grant);
    row("resource not the bound one", {QStringLiteral("+resource=http://127.0.0.1:9/other")}, 400,
        target);
    row("resource twice",
        {QStringLiteral("+resource=") + kResource,
         QStringLiteral("+resource=http://127.0.0.1:9/other")},
        400, target);
    row("resource with fragment", {QStringLiteral("+resource=") + kResource + QStringLiteral("#x")},
        400, target);
    row("code of another client", {}, 400, grant, form, kOther);
    row("unknown client", {QStringLiteral("client_id=nobody")}, 401,
        QStringLiteral("invalid_client"));
    row("no client_id", {QStringLiteral("-client_id")}, 401, QStringLiteral("invalid_client"));
    row("client without the grant", {QStringLiteral("client_id=public-cc")}, 400,
        QStringLiteral("unauthorized_client"));
    row("JSON body", {}, 400, req, QByteArrayLiteral("application/json"));
    row("text/plain body", {}, 400, req, QByteArrayLiteral("text/plain"));
    row("multipart body", {}, 400, req, QByteArrayLiteral("multipart/form-data; boundary=x"));
    row("latin-1 charset", {}, 400, req,
        QByteArrayLiteral("application/x-www-form-urlencoded; charset=iso-8859-1"));
}

void TestAsToken::codeErrors()
{
    QFETCH(QStringList, changes);
    QFETCH(QByteArray, contentType);
    QFETCH(QString, codeClient);
    QFETCH(int, status);
    QFETCH(QString, error);
    QVERIFY(setUp());
    CodeOptions options;
    options.clientId = codeClient;
    const QString code = insertCode(options);
    const qint64 tokensBefore = countTokens();
    const qint64 refusalsBefore = countAudit(QStringLiteral("token.refused"));
    const Http::FormData form =
        changeForm(codeForm(code), changes,
                   {{QStringLiteral("$code"), code}, {QStringLiteral("$verifier"), kVerifier}});
    const auto response = postToken(form, headersOf({}, contentType));
    QVERIFY(isError(response, status, error));
    QVERIFY(
        !AsFixture::json(response).value(QStringLiteral("error_description")).toString().isEmpty());
    // Nothing changed: no token, the code still unused and still redeemable by its client.
    QCOMPARE(countTokens(), tokensBefore);
    QCOMPARE(countAudit(QStringLiteral("token.refused")), refusalsBefore + 1);
    auto codeRow = Store::AuthorizationCodeRepository(db()).findByHash(
        Store::SecretHash::fromSecret(code.toUtf8()));
    QVERIFY(codeRow.ok());
    QVERIFY(!codeRow->usedAt.has_value());
    QCOMPARE(redeemCode(code, codeClient).status, 200);
}

void TestAsToken::codeExpired()
{
    QVERIFY(setUp());
    const QString code = insertCode();
    as().advance(60001);
    QVERIFY(isError(redeemCode(code), 400, QStringLiteral("invalid_grant")));
    QCOMPARE(countTokens(), 0);
}

void TestAsToken::codeReuseRevokesWhatItIssued()
{
    QVERIFY(setUp());
    const QString code = insertCode();
    const QJsonObject first = AsFixture::json(redeemCode(code));
    const QString access = first.value(QStringLiteral("access_token")).toString();
    const QString refreshToken = first.value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!access.isEmpty());
    // Tokens derived later in the same family are revoked too.
    const QJsonObject rotated = AsFixture::json(refresh(refreshToken));
    const QString access2 = rotated.value(QStringLiteral("access_token")).toString();
    const QString refresh2 = rotated.value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!refresh2.isEmpty());
    QCOMPARE(tokenState(access), Store::TokenState::Active);
    QCOMPARE(tokenState(refresh2), Store::TokenState::Active);

    QVERIFY(isError(redeemCode(code), 400, QStringLiteral("invalid_grant")));
    QCOMPARE(countTokens(), 4);
    for (const QString &token : {access, refreshToken, access2, refresh2})
        QCOMPARE(tokenState(token), Store::TokenState::Revoked);
    QCOMPARE(countAudit(QStringLiteral("authorization_code.reused")), 1);
    // Unrelated grants are untouched.
    const QJsonObject other = freshTokens();
    QCOMPARE(tokenState(other.value(QStringLiteral("access_token")).toString()),
             Store::TokenState::Active);
}

void TestAsToken::codeRedeemedOnceUnderConcurrency()
{
    QVERIFY(setUp());
    const QString code = insertCode();
    // Two redemptions sent at once on two connections: exactly one gets tokens.
    Http::Client client;
    Http::SsrfPolicy policy;
    policy.allowLoopback = true;
    client.setPolicy(policy);
    QList<Http::ClientReply *> replies;
    for (int i = 0; i < 2; ++i) {
        Http::ClientRequest request;
        request.method = QByteArrayLiteral("POST");
        request.url = as().url(QStringLiteral("/token"));
        request.headers.set(QByteArrayLiteral("Content-Type"),
                            QByteArrayLiteral("application/x-www-form-urlencoded"));
        request.body = Http::encodeForm(codeForm(code));
        replies.append(client.send(request));
    }
    QTRY_VERIFY_WITH_TIMEOUT(replies[0]->isFinished() && replies[1]->isFinished(), 15000);
    int ok = 0;
    int refused = 0;
    for (Http::ClientReply *reply : std::as_const(replies)) {
        QVERIFY(reply->result().ok());
        if (reply->result()->status == 200)
            ++ok;
        else if (AsFixture::json(*reply->result()).value(QStringLiteral("error")).toString() ==
                 QLatin1String("invalid_grant"))
            ++refused;
        reply->deleteLater();
    }
    QCOMPARE(ok, 1);
    QCOMPARE(refused, 1);
    // The loser counts as a reuse: what the winner got is revoked.
    QCOMPARE(countTokens(filterOf({}, Store::TokenState::Active)), 0);
}

void TestAsToken::plainPkce()
{
    Auth::Config config = testConfig();
    config.allowPlainPkce = true;
    QVERIFY(setUp(config));
    CodeOptions options;
    options.method = QStringLiteral("plain");
    options.challenge = kVerifier;
    QCOMPARE(redeemCode(insertCode(options)).status, 200);
    // A plain code is not redeemed with the S256 challenge of the verifier.
    Http::FormData form = codeForm(insertCode(options));
    form = changeForm(form,
                      {QStringLiteral("code_verifier=") +
                       QString::fromLatin1(Crypto::Pkce::s256Challenge(kVerifier.toUtf8()))},
                      {});
    QVERIFY(isError(postToken(form), 400, QStringLiteral("invalid_grant")));
}

void TestAsToken::jwtAccessToken()
{
    Auth::Config config = testConfig();
    config.tokenFormatByResource.insert(kResource, Auth::AccessTokenFormat::Jwt);
    QVERIFY(setUp(config));
    const QJsonObject body = freshTokens();
    const QString access = body.value(QStringLiteral("access_token")).toString();
    QCOMPARE(access.count(QLatin1Char('.')), 2);
    auto row = tokenRow(access);
    QVERIFY(row.ok());
    QCOMPARE(row->format, Store::TokenFormat::Jwt);
    QVERIFY(!row->jti.isEmpty());
    QVERIFY(
        body.value(QStringLiteral("refresh_token")).toString().startsWith(QLatin1String("mrt_")));
}

// --- refresh_token ----------------------------------------------------------------------

void TestAsToken::refreshRotation()
{
    QVERIFY(setUp());
    const QJsonObject first = freshTokens();
    const QString oldRefresh = first.value(QStringLiteral("refresh_token")).toString();
    auto oldRow = tokenRow(oldRefresh);
    QVERIFY(oldRow.ok());
    as().advance(5000);
    const auto response = refresh(oldRefresh);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    const QJsonObject body = AsFixture::json(response);
    const QString newRefresh = body.value(QStringLiteral("refresh_token")).toString();
    QVERIFY(newRefresh.startsWith(QLatin1String("mrt_")));
    QVERIFY(newRefresh != oldRefresh);
    QCOMPARE(body.value(QStringLiteral("scope")).toString(), oldRow->scope);

    auto rotated = tokenRow(oldRefresh);
    QVERIFY(rotated.ok());
    QVERIFY(rotated->rotatedAt.has_value());
    QCOMPARE(rotated->state(as().now()), Store::TokenState::Revoked);
    auto next = tokenRow(newRefresh);
    QVERIFY(next.ok());
    QCOMPARE(next->familyId, oldRow->familyId);
    QCOMPARE(next->parentId, std::optional<qint64>(oldRow->id));
    QCOMPARE(next->expiresAt, oldRow->expiresAt); // rotation does not extend the grant
    QCOMPARE(next->authorizationCodeId, oldRow->authorizationCodeId);
    QCOMPARE(tokenState(body.value(QStringLiteral("access_token")).toString()),
             Store::TokenState::Active);
    // The first access token stays valid until it expires.
    QCOMPARE(tokenState(first.value(QStringLiteral("access_token")).toString()),
             Store::TokenState::Active);
    // And the chain goes on.
    QCOMPARE(refresh(newRefresh).status, 200);
}

void TestAsToken::refreshReuseRevokesFamily()
{
    QVERIFY(setUp());
    const QJsonObject first = freshTokens();
    const QString oldRefresh = first.value(QStringLiteral("refresh_token")).toString();
    const QJsonObject second = AsFixture::json(refresh(oldRefresh));
    const QString newRefresh = second.value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!newRefresh.isEmpty());
    const QJsonObject unrelated = freshTokens();

    QVERIFY(isError(refresh(oldRefresh), 400, QStringLiteral("invalid_grant")));
    auto family = tokenRow(oldRefresh)->familyId;
    QCOMPARE(countTokens(filterOf(family, std::nullopt)), 4);
    QCOMPARE(countTokens(filterOf(family, Store::TokenState::Active)), 0);
    QCOMPARE(tokenState(newRefresh), Store::TokenState::Revoked);
    QCOMPARE(tokenState(second.value(QStringLiteral("access_token")).toString()),
             Store::TokenState::Revoked);
    QCOMPARE(countAudit(QStringLiteral("refresh_token.reused")), 1);
    // The legitimate holder of the newest token is refused too: the family is gone.
    QVERIFY(isError(refresh(newRefresh), 400, QStringLiteral("invalid_grant")));
    QCOMPARE(tokenState(unrelated.value(QStringLiteral("refresh_token")).toString()),
             Store::TokenState::Active);
}

void TestAsToken::refreshNarrowsScope()
{
    QVERIFY(setUp());
    const QString original = freshTokens().value(QStringLiteral("refresh_token")).toString();
    const auto narrowed = refresh(original, kPublic, {QStringLiteral("scope=tasks:read")});
    QCOMPARE(narrowed.status, 200);
    const QJsonObject body = AsFixture::json(narrowed);
    QCOMPARE(body.value(QStringLiteral("scope")).toString(), QStringLiteral("tasks:read"));
    QCOMPARE(tokenRow(body.value(QStringLiteral("access_token")).toString())->scope,
             QStringLiteral("tasks:read"));
    // RFC 6749 section 6: the new refresh token keeps the grant's scope...
    const QString next = body.value(QStringLiteral("refresh_token")).toString();
    QCOMPARE(tokenRow(next)->scope, QStringLiteral("tasks:read tasks:write"));
    // ...so the next refresh may ask for all of it again.
    const auto full = refresh(next, kPublic, {QStringLiteral("scope=tasks:write tasks:read")});
    QCOMPARE(full.status, 200);
    QCOMPARE(AsFixture::json(full).value(QStringLiteral("scope")).toString(),
             QStringLiteral("tasks:write tasks:read"));
}

void TestAsToken::refreshErrors_data()
{
    QTest::addColumn<QStringList>("changes");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    const QString grant = QStringLiteral("invalid_grant");
    auto row = [](const char *name, const QStringList &changes, int status, const QString &error) {
        QTest::newRow(name) << changes << status << error;
    };
    row("missing refresh_token", {QStringLiteral("-refresh_token")}, 400,
        QStringLiteral("invalid_request"));
    row("repeated refresh_token", {QStringLiteral("+refresh_token=$refresh")}, 400,
        QStringLiteral("invalid_request"));
    row("unknown refresh token", {QStringLiteral("refresh_token=mrt_nope")}, 400, grant);
    row("access token instead", {QStringLiteral("refresh_token=$access")}, 400, grant);
    row("other client's token", {QStringLiteral("client_id=other-app")}, 400, grant);
    row("client without the grant", {QStringLiteral("client_id=code-only-app")}, 400,
        QStringLiteral("unauthorized_client"));
    row("scope escalation", {QStringLiteral("scope=tasks:read tasks:write tasks:delete")}, 400,
        QStringLiteral("invalid_scope"));
    row("unknown scope", {QStringLiteral("scope=admin")}, 400, QStringLiteral("invalid_scope"));
    row("malformed scope", {QStringLiteral("scope=tasks:read \"x\"")}, 400,
        QStringLiteral("invalid_scope"));
    row("other resource", {QStringLiteral("resource=http://127.0.0.1:9/other")}, 400,
        QStringLiteral("invalid_target"));
    row("unknown client", {QStringLiteral("client_id=nobody")}, 401,
        QStringLiteral("invalid_client"));
}

void TestAsToken::refreshErrors()
{
    QFETCH(QStringList, changes);
    QFETCH(int, status);
    QFETCH(QString, error);
    QVERIFY(setUp());
    const QJsonObject tokens = freshTokens();
    const QString refreshToken = tokens.value(QStringLiteral("refresh_token")).toString();
    const QString access = tokens.value(QStringLiteral("access_token")).toString();
    const qint64 before = countTokens();
    Http::FormData form{{QStringLiteral("grant_type"), kRefresh},
                        {QStringLiteral("refresh_token"), refreshToken},
                        {QStringLiteral("client_id"), kPublic}};
    form = changeForm(
        form, changes,
        {{QStringLiteral("$refresh"), refreshToken}, {QStringLiteral("$access"), access}});
    QVERIFY(isError(postToken(form), status, error));
    QCOMPARE(countTokens(), before);
    auto row = tokenRow(refreshToken);
    QVERIFY(!row->rotatedAt.has_value());
    QCOMPARE(row->state(as().now()), Store::TokenState::Active);
    QCOMPARE(tokenState(access), Store::TokenState::Active);
    QCOMPARE(refresh(refreshToken).status, 200);
}

void TestAsToken::refreshRevokedOrExpired()
{
    Auth::Config config = testConfig();
    config.refreshTokenLifetime = 120;
    QVERIFY(setUp(config));
    const QString revoked = freshTokens().value(QStringLiteral("refresh_token")).toString();
    QVERIFY(
        Store::TokenRepository(db()).revoke(tokenRow(revoked)->id, QStringLiteral("test")).ok());
    QVERIFY(isError(refresh(revoked), 400, QStringLiteral("invalid_grant")));

    const QString expiring = freshTokens().value(QStringLiteral("refresh_token")).toString();
    const qint64 before = countTokens();
    as().advance(120001);
    QVERIFY(isError(refresh(expiring), 400, QStringLiteral("invalid_grant")));
    QCOMPARE(countTokens(), before);
}

void TestAsToken::confidentialRefreshWithoutRotation()
{
    QVERIFY(setUp());
    CodeOptions options;
    options.clientId = kConfidential;
    Http::FormData form =
        changeForm(codeForm(insertCode(options)), {QStringLiteral("-client_id")}, {});
    const Http::Headers basic = [] {
        Http::Headers h;
        h.set(QByteArrayLiteral("Authorization"),
              AsFixture::basicAuthorization(kConfidential, kConfidentialSecret));
        return h;
    }();
    const auto redeemed = postToken(form, basic);
    QCOMPARE(redeemed.status, 200);
    const QString refreshToken =
        AsFixture::json(redeemed).value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!refreshToken.isEmpty());
    const Http::FormData refreshForm{{QStringLiteral("grant_type"), kRefresh},
                                     {QStringLiteral("refresh_token"), refreshToken}};
    for (int i = 0; i < 2; ++i) {
        const auto response = postToken(refreshForm, basic);
        QCOMPARE(response.status, 200);
        QVERIFY(!AsFixture::json(response).contains(QStringLiteral("refresh_token")));
    }
    QCOMPARE(countTokens(), 4); // one refresh token, three access tokens
    QVERIFY(!tokenRow(refreshToken)->rotatedAt.has_value());
    QCOMPARE(tokenState(refreshToken), Store::TokenState::Active);
    // Without authentication the confidential client's token is refused.
    QVERIFY(isError(
        postToken(changeForm(refreshForm, {QStringLiteral("client_id=") + kConfidential}, {})), 401,
        QStringLiteral("invalid_client")));
}

void TestAsToken::confidentialRefreshWithRotation()
{
    Auth::Config config = testConfig();
    config.rotateConfidentialRefreshTokens = true;
    QVERIFY(setUp(config));
    CodeOptions options;
    options.clientId = kConfidential;
    const Http::FormData form = changeForm(codeForm(insertCode(options)),
                                           {QStringLiteral("client_id=") + kConfidential,
                                            QStringLiteral("client_secret=") + kConfidentialSecret},
                                           {});
    // conf-app is registered for client_secret_basic: the post method is refused.
    QVERIFY(isError(postToken(form), 401, QStringLiteral("invalid_client")));
    Http::Headers basic;
    basic.set(QByteArrayLiteral("Authorization"),
              AsFixture::basicAuthorization(kConfidential, kConfidentialSecret));
    const auto redeemed = postToken(
        changeForm(form, {QStringLiteral("-client_id"), QStringLiteral("-client_secret")}, {}),
        basic);
    QCOMPARE(redeemed.status, 200);
    const QString first =
        AsFixture::json(redeemed).value(QStringLiteral("refresh_token")).toString();
    const Http::FormData refreshForm{{QStringLiteral("grant_type"), kRefresh},
                                     {QStringLiteral("refresh_token"), first}};
    const auto rotated = postToken(refreshForm, basic);
    QCOMPARE(rotated.status, 200);
    const QString second =
        AsFixture::json(rotated).value(QStringLiteral("refresh_token")).toString();
    QVERIFY(!second.isEmpty() && second != first);
    QVERIFY(isError(postToken(refreshForm, basic), 400, QStringLiteral("invalid_grant")));
    QCOMPARE(tokenState(second), Store::TokenState::Revoked);
}

// --- client_credentials -----------------------------------------------------------------

void TestAsToken::clientCredentials_data()
{
    QTest::addColumn<QString>("clientId");
    QTest::addColumn<QString>("method");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QString>("resource");
    const QString defaultResource = kResource;
    QTest::newRow("client_secret_basic, defaults")
        << kConfidential << QStringLiteral("client_secret_basic") << QStringList{}
        << QStringLiteral("tasks:read") << defaultResource;
    QTest::newRow("client_secret_post, defaults")
        << kPostClient << QStringLiteral("client_secret_post") << QStringList{}
        << QStringLiteral("tasks:read") << defaultResource;
    QTest::newRow("scope and resource named")
        << kConfidential << QStringLiteral("client_secret_basic")
        << QStringList{QStringLiteral("scope=tasks:write tasks:delete"),
                       QStringLiteral("resource=https://rs.example/mcp")}
        << QStringLiteral("tasks:write tasks:delete") << QStringLiteral("https://rs.example/mcp");
    QTest::newRow("registered scope") << kNarrow << QStringLiteral("client_secret_basic")
                                      << QStringList{QStringLiteral("scope=tasks:read")}
                                      << QStringLiteral("tasks:read") << defaultResource;
}

void TestAsToken::clientCredentials()
{
    QFETCH(QString, clientId);
    QFETCH(QString, method);
    QFETCH(QStringList, extra);
    QFETCH(QString, scope);
    QFETCH(QString, resource);
    QVERIFY(setUp());
    Http::FormData form{{QStringLiteral("grant_type"), kCc}};
    Http::Headers headers;
    const QString secret = clientId == kPostClient ? kPostSecret : kConfidentialSecret;
    if (method == QLatin1String("client_secret_basic"))
        headers.set(QByteArrayLiteral("Authorization"),
                    AsFixture::basicAuthorization(clientId, secret));
    else
        form = changeForm(
            form,
            {QStringLiteral("client_id=") + clientId, QStringLiteral("client_secret=") + secret},
            {});
    const qint64 tokensBefore = countTokens();
    const auto response = postToken(changeForm(form, extra, {}), headers);
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    const QJsonObject body = AsFixture::json(response);
    QVERIFY(!body.contains(QStringLiteral("refresh_token")));
    QCOMPARE(body.value(QStringLiteral("scope")).toString(), scope);
    auto row = tokenRow(body.value(QStringLiteral("access_token")).toString());
    QVERIFY(row.ok());
    QCOMPARE(row->subject, clientId);
    QCOMPARE(row->clientId, clientId);
    QCOMPARE(row->resource, resource);
    QCOMPARE(countTokens(), tokensBefore + 1);
}

void TestAsToken::clientCredentialsErrors_data()
{
    QTest::addColumn<QString>("clientId");
    QTest::addColumn<QString>("basicSecret"); ///< empty: no Basic header
    QTest::addColumn<QStringList>("changes");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::addColumn<bool>("challenge"); ///< WWW-Authenticate expected
    const QString scope = QStringLiteral("invalid_scope");
    const QString target = QStringLiteral("invalid_target");
    auto row = [](const char *name, const QString &clientId, const QString &basicSecret,
                  const QStringList &changes, int status, const QString &error,
                  bool challenge = false) {
        QTest::newRow(name) << clientId << basicSecret << changes << status << error << challenge;
    };
    row("public client", kPublicCc, {}, {QStringLiteral("client_id=public-cc")}, 400,
        QStringLiteral("unauthorized_client"));
    row("wrong secret (basic)", kConfidential, QStringLiteral("wrong"), {}, 401,
        QStringLiteral("invalid_client"), true);
    row("wrong secret (post)", kPostClient, {},
        {QStringLiteral("client_id=post-app"), QStringLiteral("client_secret=wrong")}, 401,
        QStringLiteral("invalid_client"));
    row("no authentication", kConfidential, {}, {}, 401, QStringLiteral("invalid_client"));
    row("basic and post together", kConfidential, kConfidentialSecret,
        {QStringLiteral("client_id=conf-app"),
         QStringLiteral("client_secret=") + kConfidentialSecret},
        400, QStringLiteral("invalid_request"));
    row("post for a basic client", kConfidential, {},
        {QStringLiteral("client_id=conf-app"),
         QStringLiteral("client_secret=") + kConfidentialSecret},
        401, QStringLiteral("invalid_client"));
    row("unsupported scope", kConfidential, kConfidentialSecret, {QStringLiteral("scope=admin")},
        400, scope);
    row("scope outside the registered one", kNarrow, kConfidentialSecret,
        {QStringLiteral("scope=tasks:write")}, 400, scope);
    row("resource with fragment", kConfidential, kConfidentialSecret,
        {QStringLiteral("resource=https://rs.example/mcp#frag")}, 400, target);
    row("relative resource", kConfidential, kConfidentialSecret, {QStringLiteral("resource=/mcp")},
        400, target);
    row("resource not a URL", kConfidential, kConfidentialSecret,
        {QStringLiteral("resource=tasks")}, 400, target);
    row("ftp resource", kConfidential, kConfidentialSecret,
        {QStringLiteral("resource=ftp://rs.example/mcp")}, 400, target);
    row("empty resource", kConfidential, kConfidentialSecret, {QStringLiteral("resource=")}, 400,
        target);
    row("two resources", kConfidential, kConfidentialSecret,
        {QStringLiteral("+resource=https://a.example/mcp"),
         QStringLiteral("+resource=https://b.example/mcp")},
        400, target);
    row("grant not registered", kConfCodeOnly, kConfidentialSecret, {}, 400,
        QStringLiteral("unauthorized_client"));
}

void TestAsToken::clientCredentialsErrors()
{
    QFETCH(QString, clientId);
    QFETCH(QString, basicSecret);
    QFETCH(QStringList, changes);
    QFETCH(int, status);
    QFETCH(QString, error);
    QFETCH(bool, challenge);
    QVERIFY(setUp());
    Http::Headers headers;
    if (!basicSecret.isEmpty())
        headers.set(QByteArrayLiteral("Authorization"),
                    AsFixture::basicAuthorization(clientId, basicSecret));
    const qint64 refusalsBefore = countAudit(QStringLiteral("token.refused"));
    const auto response =
        postToken(changeForm({{QStringLiteral("grant_type"), kCc}}, changes, {}), headers);
    QVERIFY(isError(response, status, error));
    QCOMPARE(response.headers.contains("WWW-Authenticate"), challenge);
    QCOMPARE(countTokens(), 0);
    QCOMPARE(countAudit(QStringLiteral("token.refused")), refusalsBefore + 1);
}

void TestAsToken::clientCredentialsWithPrivateKeyJwt()
{
    QVERIFY(setUp());
    auto generated = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    QVERIFY(generated.ok());
    const Crypto::Key key = generated->withKid(QStringLiteral("k1"));
    Crypto::Jwks jwks;
    QVERIFY(jwks.add(key.publicKey()).ok());
    auto client = as().createClient(QStringLiteral("jwt-app"), {}, {kRedirect}, {kCc},
                                    QStringLiteral("private_key_jwt"));
    QVERIFY(client.ok());
    client->jwks = QString::fromUtf8(jwks.toJson());
    QVERIFY(Store::ClientRepository(db()).update(*client).ok());

    const qint64 now = as().now() / 1000;
    const QJsonObject claims{
        {QStringLiteral("iss"), QStringLiteral("jwt-app")},
        {QStringLiteral("sub"), QStringLiteral("jwt-app")},
        {QStringLiteral("aud"), QString(as().issuer() + QStringLiteral("/token"))},
        {QStringLiteral("iat"), now},
        {QStringLiteral("exp"), now + 60},
        {QStringLiteral("jti"), QStringLiteral("jti-1")}};
    auto assertion = Crypto::Jws::sign({}, QJsonDocument(claims).toJson(QJsonDocument::Compact),
                                       key, Crypto::Jws::defaultAlgorithm(key));
    QVERIFY(assertion.ok());
    const Http::FormData form{
        {QStringLiteral("grant_type"), kCc},
        {QStringLiteral("client_assertion_type"),
         QStringLiteral("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")},
        {QStringLiteral("client_assertion"), QString::fromLatin1(*assertion)}};
    const auto response = postToken(form);
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    QCOMPARE(tokenRow(AsFixture::json(response).value(QStringLiteral("access_token")).toString())
                 ->clientId,
             QStringLiteral("jwt-app"));
    // The same assertion again is a replay.
    QVERIFY(isError(postToken(form), 401, QStringLiteral("invalid_client")));
    QCOMPARE(countTokens(), 1);
}

// --- limits and CORS --------------------------------------------------------------------

void TestAsToken::rateLimitPerClient()
{
    Auth::Config config = testConfig();
    config.tokenPerClient = {2, 60};
    QVERIFY(setUp(config));
    Http::Headers basic;
    basic.set(QByteArrayLiteral("Authorization"),
              AsFixture::basicAuthorization(kConfidential, kConfidentialSecret));
    const Http::FormData form{{QStringLiteral("grant_type"), kCc}};
    QCOMPARE(postToken(form, basic).status, 200);
    QCOMPARE(postToken(form, basic).status, 200);
    const auto limited = postToken(form, basic);
    QCOMPARE(limited.status, 429);
    QVERIFY(limited.headers.value("Retry-After").toInt() >= 1);
    QCOMPARE(limited.headers.value("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(countTokens(), 2);
    // Another client is not held back by this one.
    Http::Headers other;
    other.set(QByteArrayLiteral("Authorization"),
              AsFixture::basicAuthorization(kNarrow, kConfidentialSecret));
    QCOMPARE(postToken(form, other).status, 200);
    as().advance(121000);
    QCOMPARE(postToken(form, basic).status, 200);
}

void TestAsToken::rateLimitPerAddress()
{
    Auth::Config config = testConfig();
    config.tokenPerAddress = {3, 60};
    QVERIFY(setUp(config));
    Http::FormData form{{QStringLiteral("grant_type"), kCc}};
    Http::Headers basic;
    basic.set(QByteArrayLiteral("Authorization"),
              AsFixture::basicAuthorization(kConfidential, kConfidentialSecret));
    QCOMPARE(postToken(form, basic).status, 200);
    // Failed attempts count too: the limit slows down secret guessing.
    Http::Headers wrong;
    wrong.set(QByteArrayLiteral("Authorization"),
              AsFixture::basicAuthorization(kConfidential, QStringLiteral("guess")));
    QCOMPARE(postToken(form, wrong).status, 401);
    QCOMPARE(postToken(form, wrong).status, 401);
    const auto limited = postToken(form, basic);
    QCOMPARE(limited.status, 429);
    QVERIFY(limited.headers.contains("Retry-After"));
}

void TestAsToken::cors()
{
    Auth::Config config = testConfig();
    config.corsOrigins = {QStringLiteral("https://app.example")};
    QVERIFY(setUp(config));
    Http::Headers headers;
    headers.set(QByteArrayLiteral("Origin"), QByteArrayLiteral("https://app.example"));
    const auto allowed = postToken({{QStringLiteral("grant_type"), kRefresh},
                                    {QStringLiteral("refresh_token"), QStringLiteral("mrt_x")},
                                    {QStringLiteral("client_id"), kPublic}},
                                   headers);
    QCOMPARE(allowed.status, 400);
    QCOMPARE(allowed.headers.value("Access-Control-Allow-Origin"),
             QByteArray("https://app.example"));
    headers.set(QByteArrayLiteral("Origin"), QByteArrayLiteral("https://evil.example"));
    const auto refused = postToken({{QStringLiteral("grant_type"), kCc}}, headers);
    QVERIFY(!refused.headers.contains("Access-Control-Allow-Origin"));

    Http::ClientRequest preflight;
    preflight.method = QByteArrayLiteral("OPTIONS");
    preflight.url = as().url(QStringLiteral("/token"));
    preflight.headers.set(QByteArrayLiteral("Origin"), QByteArrayLiteral("https://app.example"));
    preflight.headers.set(QByteArrayLiteral("Access-Control-Request-Method"),
                          QByteArrayLiteral("POST"));
    const auto answer = as().request(preflight);
    QVERIFY(answer.status == 204 || answer.status == 200);
    QCOMPARE(answer.headers.value("Access-Control-Allow-Origin"),
             QByteArray("https://app.example"));
    QVERIFY(answer.headers.value("Access-Control-Allow-Methods").contains("POST"));
}

QTEST_GUILESS_MAIN(TestAsToken)
#include "tst_as_token.moc"
