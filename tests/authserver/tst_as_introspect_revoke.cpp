// POST /introspect (RFC 7662) and POST /revoke (RFC 7009) over loopback HTTP on both store
// engines: who may see and revoke which token, what an active answer holds, the errors.
#include <QJsonArray>
#include <QTest>

#include "tokentestcase.h"

using TestSupport::AsFixture;

namespace {

const QString kConf = QStringLiteral("conf-app");
const QString kOtherConf = QStringLiteral("other-conf");
const QString kResourceServer = QStringLiteral("rs-app");
const QString kDynamic = QStringLiteral("dyn-app");
const QString kPublic = QStringLiteral("public-app");
const QString kSecret = QStringLiteral("secret-0123456789abcdef");

Http::Headers basic(const QString &clientId, const QString &secret = kSecret)
{
    Http::Headers headers;
    headers.set(QByteArrayLiteral("Authorization"),
                AsFixture::basicAuthorization(clientId, secret));
    return headers;
}

} // namespace

class TestAsIntrospectRevoke final : public TestSupport::TokenTestCase
{
    Q_OBJECT

private slots:
    void introspectClientCredentialsToken();
    void introspectUserTokens();
    void introspectJwtAccessToken();
    void introspectWho_data();
    void introspectWho();
    void introspectErrors_data();
    void introspectErrors();
    void revoke_data();
    void revoke();
    void revokeErrors_data();
    void revokeErrors();
    void revokedRefreshTokenCannotRefresh();
    void revokeCors();

private:
    bool setUp(Auth::Config config = testConfig());
    /// A client_credentials access token of `clientId`.
    QString ccToken(const QString &clientId = kConf);
    /// The access and refresh token of a code grant of conf-app for the demo user.
    QJsonObject userTokens(const QString &clientId = kConf);
    Http::ClientResponse introspect(const QString &token, const QString &caller = kConf,
                                    const QStringList &extra = {});
    Http::ClientResponse revokeToken(const QString &token, const QString &caller = kConf);
};

bool TestAsIntrospectRevoke::setUp(Auth::Config config)
{
    if (!startServer(std::move(config)))
        return false;
    if (reusedServer())
        return true;
    const QStringList grants{QStringLiteral("authorization_code"), QStringLiteral("refresh_token"),
                             QStringLiteral("client_credentials")};
    if (!addClient(kConf, kSecret, grants) || !addClient(kOtherConf, kSecret, grants) ||
        !addClient(kResourceServer, kSecret, grants, {}, QStringLiteral("introspect")) ||
        !addClient(kDynamic, kSecret, grants, {}, QStringLiteral("introspect")) ||
        !addClient(kPublic, {}, grants.mid(0, 2)))
        return false;
    // A dynamically registered client cannot grant itself the right to see every token.
    auto dynamic = Store::ClientRepository(db()).get(kDynamic);
    if (!dynamic)
        return false;
    dynamic->source = QStringLiteral("dynamic");
    return Store::ClientRepository(db()).update(*dynamic).ok();
}

QString TestAsIntrospectRevoke::ccToken(const QString &clientId)
{
    const auto response = postToken(
        {{QStringLiteral("grant_type"), QStringLiteral("client_credentials")}}, basic(clientId));
    if (response.status != 200)
        qWarning("client_credentials failed: %s", qPrintable(describe(response)));
    return AsFixture::json(response).value(QStringLiteral("access_token")).toString();
}

QJsonObject TestAsIntrospectRevoke::userTokens(const QString &clientId)
{
    CodeOptions options;
    options.clientId = clientId;
    options.subject = QStringLiteral("demo");
    Http::FormData form{{QStringLiteral("grant_type"), QStringLiteral("authorization_code")},
                        {QStringLiteral("code"), insertCode(options)},
                        {QStringLiteral("redirect_uri"), kRedirect},
                        {QStringLiteral("code_verifier"), kVerifier}};
    Http::Headers headers;
    if (clientId == kPublic)
        form.append(QStringLiteral("client_id"), clientId);
    else
        headers = basic(clientId);
    const auto response = postToken(form, headers);
    if (response.status != 200)
        qWarning("code exchange failed: %s", qPrintable(describe(response)));
    return AsFixture::json(response);
}

Http::ClientResponse TestAsIntrospectRevoke::introspect(const QString &token, const QString &caller,
                                                        const QStringList &extra)
{
    return as().postForm(QStringLiteral("/introspect"),
                         changeForm({{QStringLiteral("token"), token}}, extra), basic(caller));
}

Http::ClientResponse TestAsIntrospectRevoke::revokeToken(const QString &token,
                                                         const QString &caller)
{
    if (caller == kPublic)
        return as().postForm(QStringLiteral("/revoke"), {{QStringLiteral("token"), token},
                                                         {QStringLiteral("client_id"), caller}});
    return as().postForm(QStringLiteral("/revoke"), {{QStringLiteral("token"), token}},
                         basic(caller));
}

void TestAsIntrospectRevoke::introspectClientCredentialsToken()
{
    QVERIFY(setUp());
    const QString token = ccToken();
    auto row = tokenRow(token);
    QVERIFY(row.ok());
    const auto response = introspect(token);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    QCOMPARE(response.contentType(), QByteArray("application/json"));
    const QJsonObject body = AsFixture::json(response);
    QCOMPARE(body.value(QStringLiteral("active")).toBool(), true);
    QCOMPARE(body.value(QStringLiteral("client_id")).toString(), kConf);
    QCOMPARE(body.value(QStringLiteral("sub")).toString(), kConf);
    QCOMPARE(body.value(QStringLiteral("scope")).toString(), QStringLiteral("tasks:read"));
    QCOMPARE(body.value(QStringLiteral("aud")).toString(), kResource);
    QCOMPARE(body.value(QStringLiteral("iss")).toString(), as().issuer());
    QCOMPARE(body.value(QStringLiteral("token_type")).toString(), QStringLiteral("Bearer"));
    QCOMPARE(body.value(QStringLiteral("exp")).toInteger(), row->expiresAt / 1000);
    QCOMPARE(body.value(QStringLiteral("iat")).toInteger(), row->issuedAt / 1000);
    QVERIFY(!body.contains(QStringLiteral("username")));
}

void TestAsIntrospectRevoke::introspectUserTokens()
{
    QVERIFY(setUp());
    const QJsonObject tokens = userTokens();
    const QJsonObject access =
        AsFixture::json(introspect(tokens.value(QStringLiteral("access_token")).toString()));
    QCOMPARE(access.value(QStringLiteral("active")).toBool(), true);
    QCOMPARE(access.value(QStringLiteral("sub")).toString(), QStringLiteral("demo"));
    QCOMPARE(access.value(QStringLiteral("username")).toString(), QStringLiteral("demo"));
    QCOMPARE(access.value(QStringLiteral("scope")).toString(),
             QStringLiteral("tasks:read tasks:write"));
    const QJsonObject refresh =
        AsFixture::json(introspect(tokens.value(QStringLiteral("refresh_token")).toString()));
    QCOMPARE(refresh.value(QStringLiteral("active")).toBool(), true);
    // Not a bearer access token: a resource server checking token_type refuses it.
    QCOMPARE(refresh.value(QStringLiteral("token_type")).toString(),
             QStringLiteral("refresh_token"));
}

void TestAsIntrospectRevoke::introspectJwtAccessToken()
{
    Auth::Config config = testConfig();
    config.defaultTokenFormat = Auth::AccessTokenFormat::Jwt;
    QVERIFY(setUp(config));
    const QString token = ccToken();
    QCOMPARE(token.count(QLatin1Char('.')), 2);
    const QJsonObject body = AsFixture::json(introspect(token));
    QCOMPARE(body.value(QStringLiteral("active")).toBool(), true);
    QCOMPARE(body.value(QStringLiteral("jti")).toString(), tokenRow(token)->jti);
}

void TestAsIntrospectRevoke::introspectWho_data()
{
    QTest::addColumn<QString>("token"); ///< own, own-revoked, own-expired, unknown
    QTest::addColumn<QString>("caller");
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<bool>("active");
    auto row = [](const char *name, const QString &token, const QString &caller, bool active,
                  const QStringList &extra = {}) {
        QTest::newRow(name) << token << caller << extra << active;
    };
    const QString own = QStringLiteral("own");
    row("own token", own, kConf, true);
    row("own revoked token", QStringLiteral("own-revoked"), kConf, false);
    row("own expired token", QStringLiteral("own-expired"), kConf, false);
    row("unknown token", QStringLiteral("unknown"), kConf, false);
    row("another client's token", own, kOtherConf, false);
    row("static resource server with introspect", own, kResourceServer, true);
    row("dynamic client claiming introspect", own, kDynamic, false);
    row("hint refresh_token on an access token", own, kConf, true,
        {QStringLiteral("token_type_hint=refresh_token")});
    row("unknown hint", own, kConf, true, {QStringLiteral("token_type_hint=id_token")});
}

void TestAsIntrospectRevoke::introspectWho()
{
    QFETCH(QString, token);
    QFETCH(QString, caller);
    QFETCH(QStringList, extra);
    QFETCH(bool, active);
    QVERIFY(setUp());
    QString value = ccToken();
    if (token == QLatin1String("own-revoked"))
        QVERIFY(Store::TokenRepository(db()).revoke(tokenRow(value)->id, QStringLiteral("t")).ok());
    else if (token == QLatin1String("own-expired"))
        as().advance(3600001);
    else if (token == QLatin1String("unknown"))
        value = QStringLiteral("mat_unknown");
    const auto response = introspect(value, caller, extra);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    const QJsonObject body = AsFixture::json(response);
    QCOMPARE(body.value(QStringLiteral("active")).toBool(), active);
    if (!active)
        QCOMPARE(body.keys(), QStringList{QStringLiteral("active")}); // nothing else leaks
}

void TestAsIntrospectRevoke::introspectErrors_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<QStringList>("form");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    QTest::addColumn<bool>("challenge");
    const QByteArray good = AsFixture::basicAuthorization(kConf, kSecret);
    const QStringList token{QStringLiteral("token=mat_x")};
    auto row = [](const char *name, const QByteArray &authorization, const QStringList &form,
                  int status, const QString &error, bool challenge = false,
                  const QByteArray &contentType = {}) {
        QTest::newRow(name) << authorization << form << contentType << status << error << challenge;
    };
    row("no authentication", {}, token, 401, QStringLiteral("invalid_client"));
    row("public client", {}, token + QStringList{QStringLiteral("client_id=public-app")}, 401,
        QStringLiteral("invalid_client"));
    row("wrong secret", AsFixture::basicAuthorization(kConf, QStringLiteral("nope")), token, 401,
        QStringLiteral("invalid_client"), true);
    row("missing token", good, {}, 400, QStringLiteral("invalid_request"));
    row("empty token", good, {QStringLiteral("token=")}, 400, QStringLiteral("invalid_request"));
    row("repeated token", good, token + token, 400, QStringLiteral("invalid_request"));
    row("JSON body", good, token, 400, QStringLiteral("invalid_request"), false,
        QByteArrayLiteral("application/json"));
}

void TestAsIntrospectRevoke::introspectErrors()
{
    QFETCH(QByteArray, authorization);
    QFETCH(QStringList, form);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, error);
    QFETCH(bool, challenge);
    QVERIFY(setUp());
    const auto response = as().postForm(QStringLiteral("/introspect"), formOf(form),
                                        headersOf(authorization, contentType));
    QVERIFY(isError(response, status, error));
    QCOMPARE(response.headers.contains("WWW-Authenticate"), challenge);
}

void TestAsIntrospectRevoke::revoke_data()
{
    QTest::addColumn<QString>("which");    ///< access | refresh | rotated | unknown
    QTest::addColumn<QString>("owner");    ///< whose grant
    QTest::addColumn<QString>("caller");   ///< who revokes
    QTest::addColumn<int>("revokedAfter"); ///< revoked tokens of the grant after; 0 = unchanged
    // A grant: the access and refresh token of a code, then one rotation (public clients)
    // or a second access token (confidential, no rotation).
    QTest::newRow("own access token") << "access" << kConf << kConf << 1;
    QTest::newRow("own refresh token revokes the grant") << "refresh" << kConf << kConf << 3;
    QTest::newRow("another client's refresh token") << "refresh" << kConf << kOtherConf << 0;
    QTest::newRow("another client's access token") << "access" << kConf << kOtherConf << 0;
    QTest::newRow("unknown token") << "unknown" << kConf << kConf << 0;
    QTest::newRow("public client, own refresh token") << "refresh" << kPublic << kPublic << 4;
    QTest::newRow("public client, rotated refresh token") << "rotated" << kPublic << kPublic << 4;
}

void TestAsIntrospectRevoke::revoke()
{
    QFETCH(QString, which);
    QFETCH(QString, owner);
    QFETCH(QString, caller);
    QFETCH(int, revokedAfter);
    QVERIFY(setUp());
    const QJsonObject first = userTokens(owner);
    const QString firstRefresh = first.value(QStringLiteral("refresh_token")).toString();
    Http::FormData refreshForm{{QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
                               {QStringLiteral("refresh_token"), firstRefresh}};
    Http::Headers headers;
    if (owner == kPublic)
        refreshForm.append(QStringLiteral("client_id"), owner);
    else
        headers = basic(owner);
    const QJsonObject second = AsFixture::json(postToken(refreshForm, headers));
    QVERIFY(second.contains(QStringLiteral("access_token")));
    const QString family = tokenRow(firstRefresh)->familyId;
    auto revokedInFamily = [&] {
        Store::TokenFilter filter;
        filter.familyId = family;
        filter.state = Store::TokenState::Revoked;
        return countTokens(filter);
    };
    const qint64 revokedBefore = revokedInFamily(); // the rotated refresh token, if any
    const qint64 auditBefore = countAudit(QStringLiteral("token.revoked"));

    QString value;
    if (which == QLatin1String("access"))
        value = first.value(QStringLiteral("access_token")).toString();
    else if (which == QLatin1String("rotated"))
        value = firstRefresh;
    else if (which == QLatin1String("refresh"))
        value = second.value(QStringLiteral("refresh_token")).toString(firstRefresh);
    else
        value = QStringLiteral("mrt_unknown");
    const auto response = revokeToken(value, caller);
    QVERIFY2(response.status == 200, qPrintable(describe(response)));
    QCOMPARE(response.headers.value("Cache-Control"), QByteArray("no-store"));
    QVERIFY(response.body.isEmpty());
    QCOMPARE(revokedInFamily(), revokedAfter ? qint64(revokedAfter) : revokedBefore);
    QCOMPARE(countAudit(QStringLiteral("token.revoked")), auditBefore + (revokedAfter ? 1 : 0));
    if (which == QLatin1String("access") && revokedAfter) {
        // Revoking an access token leaves the rest of the grant alone.
        QCOMPARE(tokenState(firstRefresh), Store::TokenState::Active);
        QCOMPARE(tokenState(value), Store::TokenState::Revoked);
    }
}

void TestAsIntrospectRevoke::revokeErrors_data()
{
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<QStringList>("form");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");
    const QByteArray good = AsFixture::basicAuthorization(kConf, kSecret);
    auto row = [](const char *name, const QByteArray &authorization, const QStringList &form,
                  int status, const QString &error, const QByteArray &contentType = {}) {
        QTest::newRow(name) << authorization << form << contentType << status << error;
    };
    row("no authentication", {}, {QStringLiteral("token=$token")}, 401,
        QStringLiteral("invalid_client"));
    row("wrong secret", AsFixture::basicAuthorization(kConf, QStringLiteral("nope")),
        {QStringLiteral("token=$token")}, 401, QStringLiteral("invalid_client"));
    row("confidential client without its secret", {},
        {QStringLiteral("token=$token"), QStringLiteral("client_id=conf-app")}, 401,
        QStringLiteral("invalid_client"));
    row("missing token", good, {}, 400, QStringLiteral("invalid_request"));
    row("repeated token", good, {QStringLiteral("token=$token"), QStringLiteral("token=$token")},
        400, QStringLiteral("invalid_request"));
    row("text/plain body", good, {QStringLiteral("token=$token")}, 400,
        QStringLiteral("invalid_request"), QByteArrayLiteral("text/plain"));
}

void TestAsIntrospectRevoke::revokeErrors()
{
    QFETCH(QByteArray, authorization);
    QFETCH(QStringList, form);
    QFETCH(QByteArray, contentType);
    QFETCH(int, status);
    QFETCH(QString, error);
    QVERIFY(setUp());
    const QString token = ccToken();
    QVERIFY(isError(as().postForm(QStringLiteral("/revoke"),
                                  formOf(form, {{QStringLiteral("$token"), token}}),
                                  headersOf(authorization, contentType)),
                    status, error));
    QCOMPARE(tokenState(token), Store::TokenState::Active);
}

void TestAsIntrospectRevoke::revokedRefreshTokenCannotRefresh()
{
    QVERIFY(setUp());
    const QJsonObject tokens = userTokens();
    const QString refresh = tokens.value(QStringLiteral("refresh_token")).toString();
    QCOMPARE(revokeToken(refresh).status, 200);
    QVERIFY(isError(postToken({{QStringLiteral("grant_type"), QStringLiteral("refresh_token")},
                               {QStringLiteral("refresh_token"), refresh}},
                              basic(kConf)),
                    400, QStringLiteral("invalid_grant")));
    QCOMPARE(AsFixture::json(introspect(tokens.value(QStringLiteral("access_token")).toString()))
                 .value(QStringLiteral("active"))
                 .toBool(true),
             false);
}

void TestAsIntrospectRevoke::revokeCors()
{
    Auth::Config config = testConfig();
    config.corsOrigins = {QStringLiteral("https://app.example")};
    QVERIFY(setUp(config));
    Http::Headers headers;
    headers.set(QByteArrayLiteral("Origin"), QByteArrayLiteral("https://app.example"));
    const auto response = as().postForm(QStringLiteral("/revoke"),
                                        {{QStringLiteral("token"), QStringLiteral("mat_x")},
                                         {QStringLiteral("client_id"), kPublic}},
                                        headers);
    QCOMPARE(response.status, 200);
    QCOMPARE(response.headers.value("Access-Control-Allow-Origin"),
             QByteArray("https://app.example"));
}

QTEST_GUILESS_MAIN(TestAsIntrospectRevoke)
#include "tst_as_introspect_revoke.moc"
