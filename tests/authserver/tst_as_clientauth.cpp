// Client authentication (RFC 6749 section 2.3, RFC 7523): every method and how each fails,
// on SQLite and PostgreSQL. private_key_jwt keys come inline or from a jwks_uri served by
// a loopback server.
#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTest>

#include "authserver/clientauthenticator.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "clienttestcase.h"
#include "crypto/base64url.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "http/body.h"
#include "store/clientrepository.h"
#include "store/database.h"
#include "store/secrethash.h"

using TestSupport::AsFixture;

namespace {

const QByteArray kBasicSecret = "mcs_basic-secret-0123456789";
const QByteArray kPostSecret = "mcs_post-secret-0123456789";
const QByteArray kOddId = "odd id:with+plus&amp";
const QByteArray kOddSecret = "p@ss:w\xc3\xb6rd+x%y";
const QByteArray kJwtType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

using Headers = QList<QPair<QByteArray, QByteArray>>;
/// Form parameters as UTF-8 (the table is written with plain literals).
using Form = QList<QPair<QByteArray, QByteArray>>;

QByteArray basic(const QByteArray &id, const QByteArray &secret)
{
    return AsFixture::basicAuthorization(QString::fromUtf8(id), QString::fromUtf8(secret));
}

QByteArray rawBasic(const QByteArray &pair)
{
    return QByteArrayLiteral("Basic ") + pair.toBase64();
}

QByteArray unsignedToken(const QJsonObject &header, const QJsonObject &claims,
                         const QByteArray &signature)
{
    return Crypto::base64UrlEncode(QJsonDocument(header).toJson(QJsonDocument::Compact)) + '.' +
           Crypto::base64UrlEncode(QJsonDocument(claims).toJson(QJsonDocument::Compact)) + '.' +
           Crypto::base64UrlEncode(signature);
}

} // namespace

class TestAsClientAuth final : public TestSupport::ClientTestCase
{
    Q_OBJECT

private slots:
    void secretsAndNone_data();
    void secretsAndNone();
    void privateKeyJwt_data();
    void privateKeyJwt();
    void jtiReplay();
    void jtiReplayAtSkewEdge();
    void jwksUriCachedAndRefetchedOnUnknownKid();
    void metadataDocumentClientAsNone();

private:
    /// Starts the server with the test clients; `shared`: once per table and backend.
    bool setUpClients(bool shared = false);
    Core::Result<Auth::AuthenticatedClient> authenticate(const Headers &headers, const Form &form,
                                                         const QString &audience = {});
    /// A signed assertion for "jwt-app" with `claims` merged over valid defaults.
    QByteArray assertion(const QJsonObject &overrides = {}, const QStringList &remove = {},
                         const Crypto::Key *key = nullptr, const QString &clientId = {});
    QJsonObject defaultClaims(const QString &clientId);
    qint64 jtiRows();

    Crypto::Key m_key;      ///< registered for jwt-app (kid "k1")
    Crypto::Key m_otherKey; ///< never registered (kid "k1" too)
};

bool TestAsClientAuth::setUpClients(bool shared)
{
    if (shared && sharedServerRunning())
        return true;
    if (!startServer(testConfig(), shared))
        return false;
    bool ok =
        as().createClient(QStringLiteral("public-app")).ok() &&
        as().createClient(QStringLiteral("basic-app"), QString::fromUtf8(kBasicSecret)).ok() &&
        as().createClient(QStringLiteral("post-app"), QString::fromUtf8(kPostSecret), {}, {},
                          QStringLiteral("client_secret_post"))
            .ok() &&
        as().createClient(QString::fromUtf8(kOddId), QString::fromUtf8(kOddSecret)).ok();
    auto expired =
        as().createClient(QStringLiteral("expired-app"), QString::fromUtf8(kBasicSecret));
    ok = ok && expired.ok();
    if (expired) {
        Store::Client client = *expired;
        client.secretExpiresAt = as().now() - 1000;
        ok = ok && Store::ClientRepository(db()).update(client).ok();
    }
    auto generated = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    auto other = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    if (!generated || !other)
        return false;
    m_key = generated->withKid(QStringLiteral("k1"));
    m_otherKey = other->withKid(QStringLiteral("k1"));
    Crypto::Jwks jwks;
    ok = ok && jwks.add(m_key.publicKey()).ok();
    auto jwtClient =
        as().createClient(QStringLiteral("jwt-app"), {}, {}, {QStringLiteral("client_credentials")},
                          QStringLiteral("private_key_jwt"));
    ok = ok && jwtClient.ok();
    if (jwtClient) {
        Store::Client client = *jwtClient;
        client.jwks = QString::fromUtf8(jwks.toJson());
        ok = ok && Store::ClientRepository(db()).update(client).ok();
    }
    return ok;
}

Core::Result<Auth::AuthenticatedClient>
TestAsClientAuth::authenticate(const Headers &headers, const Form &form, const QString &audience)
{
    Http::Request request;
    request.method = "POST";
    request.path = "/token";
    request.peerAddress = QHostAddress(QHostAddress::LocalHost);
    for (const auto &[name, value] : headers)
        request.headers.add(name, value);
    Http::FormData data;
    for (const auto &[name, value] : form)
        data.append(QString::fromUtf8(name), QString::fromUtf8(value));
    const QString aud = audience.isEmpty() ? as().issuer() + QStringLiteral("/token") : audience;
    return as().context().clientAuthenticator().authenticate(request, data, aud);
}

QJsonObject TestAsClientAuth::defaultClaims(const QString &clientId)
{
    const qint64 now = as().now() / 1000;
    return {{QStringLiteral("iss"), clientId},
            {QStringLiteral("sub"), clientId},
            {QStringLiteral("aud"), QString(as().issuer() + QStringLiteral("/token"))},
            {QStringLiteral("iat"), now},
            {QStringLiteral("exp"), now + 60},
            {QStringLiteral("jti"), QString::fromLatin1(Crypto::randomToken(12))}};
}

QByteArray TestAsClientAuth::assertion(const QJsonObject &overrides, const QStringList &remove,
                                       const Crypto::Key *key, const QString &clientId)
{
    QJsonObject claims = defaultClaims(clientId.isEmpty() ? QStringLiteral("jwt-app") : clientId);
    for (auto it = overrides.begin(); it != overrides.end(); ++it)
        claims.insert(it.key(), it.value());
    for (const QString &name : remove)
        claims.remove(name);
    const Crypto::Key &signer = key ? *key : m_key;
    auto token = Crypto::Jws::sign({}, QJsonDocument(claims).toJson(QJsonDocument::Compact), signer,
                                   Crypto::Jws::defaultAlgorithm(signer));
    return token.valueOr({});
}

qint64 TestAsClientAuth::jtiRows()
{
    qint64 count = -1;
    const auto status = db()->transaction([&](QSqlDatabase &connection) -> Core::Status {
        QSqlQuery q(connection);
        if (q.exec(QStringLiteral("SELECT COUNT(*) FROM jti_replay")) && q.next())
            count = q.value(0).toLongLong();
        return {};
    });
    Q_UNUSED(status);
    return count;
}

void TestAsClientAuth::secretsAndNone_data()
{
    QTest::addColumn<Headers>("headers");
    QTest::addColumn<Form>("form");
    QTest::addColumn<QByteArray>("error"); // empty: success
    QTest::addColumn<QByteArray>("clientId");
    QTest::addColumn<QByteArray>("method");

    const QByteArray auth = "Authorization";
    const QByteArray id = "client_id";
    const QByteArray secret = "client_secret";
    const QByteArray invalidClient = Auth::OAuthError::InvalidClient.toUtf8();
    const QByteArray invalidRequest = Auth::OAuthError::InvalidRequest.toUtf8();

    QTest::newRow("none") << Headers{} << Form{{id, "public-app"}} << QByteArray("")
                          << QByteArray("public-app") << QByteArray("none");
    QTest::newRow("none unknown client")
        << Headers{} << Form{{id, "nobody"}} << invalidClient << QByteArray("") << QByteArray("");
    QTest::newRow("nothing at all")
        << Headers{} << Form{} << invalidClient << QByteArray("") << QByteArray("");
    QTest::newRow("basic") << Headers{{auth, basic("basic-app", kBasicSecret)}} << Form{}
                           << QByteArray("") << QByteArray("basic-app")
                           << QByteArray("client_secret_basic");
    QTest::newRow("basic lower-case scheme")
        << Headers{{auth, "basic " + basic("basic-app", kBasicSecret).mid(6)}} << Form{}
        << QByteArray("") << QByteArray("basic-app") << QByteArray("client_secret_basic");
    QTest::newRow("basic with same client_id in body")
        << Headers{{auth, basic("basic-app", kBasicSecret)}} << Form{{id, "basic-app"}}
        << QByteArray("") << QByteArray("basic-app") << QByteArray("client_secret_basic");
    QTest::newRow("basic percent-encoded id and secret")
        << Headers{{auth, basic(kOddId, kOddSecret)}} << Form{} << QByteArray("") << kOddId
        << QByteArray("client_secret_basic");
    QTest::newRow("basic pair not form-encoded") // the raw secret has a bare '%'
        << Headers{{auth, rawBasic(kOddId + ':' + kOddSecret)}} << Form{} << invalidRequest
        << QByteArray("") << QByteArray("");
    QTest::newRow("basic wrong secret")
        << Headers{{auth, basic("basic-app", "mcs_wrong")}} << Form{} << invalidClient
        << QByteArray("") << QByteArray("");
    QTest::newRow("basic empty secret") << Headers{{auth, basic("basic-app", "")}} << Form{}
                                        << invalidClient << QByteArray("") << QByteArray("");
    QTest::newRow("basic unknown client")
        << Headers{{auth, basic("nobody", kBasicSecret)}} << Form{} << invalidClient
        << QByteArray("") << QByteArray("");
    QTest::newRow("basic and post") << Headers{{auth, basic("basic-app", kBasicSecret)}}
                                    << Form{{id, "basic-app"}, {secret, kBasicSecret}}
                                    << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic and assertion")
        << Headers{{auth, basic("basic-app", kBasicSecret)}}
        << Form{{"client_assertion_type", kJwtType}, {"client_assertion", "a.b.c"}}
        << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic body id differs")
        << Headers{{auth, basic("basic-app", kBasicSecret)}} << Form{{id, "post-app"}}
        << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic not base64") << Headers{{auth, "Basic %%%not-base64%%%"}} << Form{}
                                      << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic empty") << Headers{{auth, "Basic "}} << Form{} << invalidRequest
                                 << QByteArray("") << QByteArray("");
    QTest::newRow("basic without colon") << Headers{{auth, rawBasic("basic-app")}} << Form{}
                                         << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic bad escape") << Headers{{auth, rawBasic("basic%zzapp:secret")}} << Form{}
                                      << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic not utf-8") << Headers{{auth, rawBasic("basic\xff:secret")}} << Form{}
                                     << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic empty id") << Headers{{auth, rawBasic(":secret")}} << Form{}
                                    << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("two authorization headers")
        << Headers{{auth, basic("basic-app", kBasicSecret)},
                   {auth, basic("basic-app", kBasicSecret)}}
        << Form{} << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("post") << Headers{} << Form{{id, "post-app"}, {secret, kPostSecret}}
                          << QByteArray("") << QByteArray("post-app")
                          << QByteArray("client_secret_post");
    QTest::newRow("post wrong secret")
        << Headers{} << Form{{id, "post-app"}, {secret, kBasicSecret}} << invalidClient
        << QByteArray("") << QByteArray("");
    QTest::newRow("post missing client_id") << Headers{} << Form{{secret, kPostSecret}}
                                            << invalidRequest << QByteArray("") << QByteArray("");
    QTest::newRow("basic client via post")
        << Headers{} << Form{{id, "basic-app"}, {secret, kBasicSecret}} << invalidClient
        << QByteArray("") << QByteArray("");
    QTest::newRow("post client via basic")
        << Headers{{auth, basic("post-app", kPostSecret)}} << Form{} << invalidClient
        << QByteArray("") << QByteArray("");
    QTest::newRow("confidential client as none")
        << Headers{} << Form{{id, "basic-app"}} << invalidClient << QByteArray("")
        << QByteArray("");
    QTest::newRow("public client with a secret")
        << Headers{} << Form{{id, "public-app"}, {secret, "anything"}} << invalidClient
        << QByteArray("") << QByteArray("");
    QTest::newRow("public client via basic") << Headers{{auth, basic("public-app", "x")}} << Form{}
                                             << invalidClient << QByteArray("") << QByteArray("");
    QTest::newRow("jwt client via basic")
        << Headers{{auth, basic("jwt-app", kBasicSecret)}} << Form{} << invalidClient
        << QByteArray("") << QByteArray("");
    QTest::newRow("expired secret") << Headers{{auth, basic("expired-app", kBasicSecret)}} << Form{}
                                    << invalidClient << QByteArray("") << QByteArray("");
    QTest::newRow("bearer header is not client auth")
        << Headers{{auth, "Bearer mat_abc"}} << Form{{id, "public-app"}} << QByteArray("")
        << QByteArray("public-app") << QByteArray("none");
}

void TestAsClientAuth::secretsAndNone()
{
    QFETCH(Headers, headers);
    QFETCH(Form, form);
    QFETCH(QByteArray, error);
    QFETCH(QByteArray, clientId);
    QFETCH(QByteArray, method);
    QVERIFY(setUpClients(true));
    const int failuresBefore = auditCount(QStringLiteral("client.authentication_failed"));

    auto result = authenticate(headers, form);
    if (error.isEmpty()) {
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
        QCOMPARE(result->client.clientId, QString::fromUtf8(clientId));
        QCOMPARE(result->method, QString::fromUtf8(method));
        QCOMPARE(result->isConfidential(), method != "none");
        return;
    }
    QVERIFY2(!result.ok(), "authenticated although it must not");
    QCOMPARE(result.error().code, QString::fromUtf8(error));
    QVERIFY(!result.error().message.isEmpty());
    for (const QByteArray &secret : {kBasicSecret, kPostSecret, kOddSecret})
        QVERIFY2(!result.error().message.contains(QString::fromUtf8(secret)),
                 qPrintable(result.error().message));
    QCOMPARE(auditCount(QStringLiteral("client.authentication_failed")), failuresBefore + 1);
}

void TestAsClientAuth::privateKeyJwt_data()
{
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("error"); // empty: success

    const QString invalidClient = Auth::OAuthError::InvalidClient;
    const QString invalidRequest = Auth::OAuthError::InvalidRequest;
    QTest::newRow("valid") << "valid"
                           << "";
    QTest::newRow("valid with client_id") << "with client_id"
                                          << "";
    QTest::newRow("aud is the issuer") << "aud issuer"
                                       << "";
    QTest::newRow("aud array with token endpoint") << "aud array"
                                                   << "";
    QTest::newRow("aud is the endpoint called") << "aud endpoint"
                                                << "";
    QTest::newRow("alg none") << "alg none" << invalidClient;
    QTest::newRow("alg HS256") << "alg HS256" << invalidClient;
    QTest::newRow("wrong iss") << "wrong iss" << invalidClient;
    QTest::newRow("wrong sub") << "wrong sub" << invalidClient;
    QTest::newRow("iss and sub another client") << "other client" << invalidClient;
    QTest::newRow("wrong aud") << "wrong aud" << invalidClient;
    QTest::newRow("missing aud") << "missing aud" << invalidClient;
    QTest::newRow("expired") << "expired" << invalidClient;
    QTest::newRow("missing exp") << "missing exp" << invalidClient;
    QTest::newRow("exp as string") << "exp string" << invalidClient;
    QTest::newRow("iat in the future") << "iat future" << invalidClient;
    QTest::newRow("missing iat") << "missing iat" << invalidClient;
    QTest::newRow("lifetime too long") << "long lifetime" << invalidClient;
    QTest::newRow("missing jti") << "missing jti" << invalidClient;
    QTest::newRow("empty jti") << "empty jti" << invalidClient;
    QTest::newRow("signed by another key") << "other key" << invalidClient;
    QTest::newRow("unknown kid") << "unknown kid" << invalidClient;
    QTest::newRow("tampered payload") << "tampered" << invalidClient;
    QTest::newRow("not a JWS") << "garbage" << invalidClient;
    QTest::newRow("client_id differs from sub") << "client_id mismatch" << invalidClient;
    QTest::newRow("wrong assertion type") << "wrong type" << invalidRequest;
    QTest::newRow("missing assertion type") << "missing type" << invalidRequest;
    QTest::newRow("missing assertion") << "missing assertion" << invalidRequest;
    QTest::newRow("assertion for a secret client") << "secret client" << invalidClient;
}

void TestAsClientAuth::privateKeyJwt()
{
    QFETCH(QString, variant);
    QFETCH(QString, error);
    QVERIFY(setUpClients(true));
    const qint64 now = as().now() / 1000;
    const QString tokenUrl = as().issuer() + QStringLiteral("/token");
    QString audience; // the endpoint called; default the token endpoint

    QByteArray token;
    Form form;
    QByteArray type = kJwtType;
    auto claims = [&](const QString &k, const QJsonValue &v) { return assertion({{k, v}}); };
    if (variant == QLatin1String("valid") || variant == QLatin1String("with client_id")) {
        token = assertion();
        if (variant == QLatin1String("with client_id"))
            form.append(qMakePair(QByteArray("client_id"), QByteArray("jwt-app")));
    } else if (variant == QLatin1String("aud issuer")) {
        token = claims(QStringLiteral("aud"), as().issuer());
    } else if (variant == QLatin1String("aud array")) {
        token = claims(QStringLiteral("aud"),
                       QJsonArray{QStringLiteral("https://x.example"), tokenUrl});
    } else if (variant == QLatin1String("aud endpoint")) {
        audience = as().issuer() + QStringLiteral("/introspect");
        token = claims(QStringLiteral("aud"), audience);
    } else if (variant == QLatin1String("alg none") || variant == QLatin1String("alg HS256")) {
        const bool none = variant == QLatin1String("alg none");
        token = unsignedToken(
            {{QStringLiteral("alg"), none ? QStringLiteral("none") : QStringLiteral("HS256")},
             {QStringLiteral("kid"), QStringLiteral("k1")}},
            defaultClaims(QStringLiteral("jwt-app")), none ? QByteArray() : QByteArray(32, 'x'));
    } else if (variant == QLatin1String("wrong iss")) {
        token = claims(QStringLiteral("iss"), QStringLiteral("someone-else"));
    } else if (variant == QLatin1String("wrong sub")) {
        token = claims(QStringLiteral("sub"), QStringLiteral("someone-else"));
    } else if (variant == QLatin1String("other client")) {
        token = assertion({}, {}, nullptr, QStringLiteral("public-app"));
    } else if (variant == QLatin1String("wrong aud")) {
        token = claims(QStringLiteral("aud"), QStringLiteral("https://elsewhere.example/token"));
    } else if (variant == QLatin1String("missing aud")) {
        token = assertion({}, {QStringLiteral("aud")});
    } else if (variant == QLatin1String("expired")) {
        token = assertion({{QStringLiteral("iat"), now - 400}, {QStringLiteral("exp"), now - 200}});
    } else if (variant == QLatin1String("missing exp")) {
        token = assertion({}, {QStringLiteral("exp")});
    } else if (variant == QLatin1String("exp string")) {
        token = claims(QStringLiteral("exp"), QString::number(now + 60));
    } else if (variant == QLatin1String("iat future")) {
        token = assertion({{QStringLiteral("iat"), now + 300}, {QStringLiteral("exp"), now + 360}});
    } else if (variant == QLatin1String("missing iat")) {
        token = assertion({}, {QStringLiteral("iat")});
    } else if (variant == QLatin1String("long lifetime")) {
        token = claims(QStringLiteral("exp"), now + 3600);
    } else if (variant == QLatin1String("missing jti")) {
        token = assertion({}, {QStringLiteral("jti")});
    } else if (variant == QLatin1String("empty jti")) {
        token = claims(QStringLiteral("jti"), QString());
    } else if (variant == QLatin1String("other key")) {
        token = assertion({}, {}, &m_otherKey);
    } else if (variant == QLatin1String("unknown kid")) {
        const Crypto::Key stranger = m_key.withKid(QStringLiteral("k2"));
        token = assertion({}, {}, &stranger);
    } else if (variant == QLatin1String("tampered")) {
        token = assertion();
        QList<QByteArray> parts = token.split('.');
        QJsonObject forged = defaultClaims(QStringLiteral("jwt-app"));
        forged.insert(QStringLiteral("exp"), now + 120);
        parts[1] = Crypto::base64UrlEncode(QJsonDocument(forged).toJson(QJsonDocument::Compact));
        token = parts.join('.');
    } else if (variant == QLatin1String("garbage")) {
        token = "not-a-jws";
    } else if (variant == QLatin1String("client_id mismatch")) {
        token = assertion();
        form.append(qMakePair(QByteArray("client_id"), QByteArray("public-app")));
    } else if (variant == QLatin1String("wrong type")) {
        token = assertion();
        type = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer";
    } else if (variant == QLatin1String("missing type")) {
        token = assertion();
        type.clear();
    } else if (variant == QLatin1String("missing assertion")) {
        token.clear();
    } else if (variant == QLatin1String("secret client")) {
        token = assertion({}, {}, nullptr, QStringLiteral("basic-app"));
    } else {
        QFAIL("unknown variant");
    }
    if (!type.isEmpty())
        form.append(qMakePair(QByteArray("client_assertion_type"), type));
    if (!token.isEmpty() || variant == QLatin1String("missing assertion"))
        form.append(qMakePair(QByteArray("client_assertion"), token));

    const qint64 jtisBefore = jtiRows();
    auto result = authenticate({}, form, audience);
    if (error.isEmpty()) {
        QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
        QCOMPARE(result->client.clientId, QStringLiteral("jwt-app"));
        QCOMPARE(result->method, QStringLiteral("private_key_jwt"));
        QCOMPARE(jtiRows(), jtisBefore + 1);
        return;
    }
    QVERIFY2(!result.ok(), "authenticated although it must not");
    QCOMPARE(result.error().code, error);
    QCOMPARE(jtiRows(), jtisBefore); // a refused assertion does not burn its jti
}

void TestAsClientAuth::jtiReplay()
{
    QVERIFY(setUpClients());
    const QByteArray token = assertion();
    const Form form = {{"client_assertion_type", kJwtType}, {"client_assertion", token}};
    auto first = authenticate({}, form);
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
    auto second = authenticate({}, form);
    QVERIFY(!second.ok());
    QCOMPARE(second.error().code, Auth::OAuthError::InvalidClient);
    QVERIFY2(second.error().message.contains(QLatin1String("assertion jti already used")),
             qPrintable(second.error().message));

    // The same jti in a new, validly signed assertion is a replay too.
    const QJsonObject parsed =
        QJsonDocument::fromJson(*Crypto::base64UrlDecode(token.split('.').at(1))).object();
    const QByteArray again =
        assertion({{QStringLiteral("jti"), parsed.value(QStringLiteral("jti"))},
                   {QStringLiteral("exp"), as().now() / 1000 + 90}});
    auto third =
        authenticate({}, {{"client_assertion_type", kJwtType}, {"client_assertion", again}});
    QVERIFY(!third.ok());
    QVERIFY(third.error().message.contains(QLatin1String("already used")));
}

void TestAsClientAuth::jtiReplayAtSkewEdge()
{
    QVERIFY(setUpClients());
    const qint64 skew = as().context().config().clockSkew;
    const qint64 now = as().now() / 1000;
    const qint64 exp = now + 30;
    const QByteArray token = assertion({{QStringLiteral("exp"), exp}});
    const Form form = {{"client_assertion_type", kJwtType}, {"client_assertion", token}};
    QVERIFY(authenticate({}, form).ok());

    // One second before exp + skew the assertion itself would still pass the time checks,
    // so only the replay store stands between it and a second use.
    as().advance((exp + skew - 1 - now) * 1000);
    auto replay = authenticate({}, form);
    QVERIFY(!replay.ok());
    QVERIFY2(replay.error().message.contains(QLatin1String("already used")),
             qPrintable(replay.error().message));
    // A fresh jti with the same exp is still within the window then.
    QVERIFY(authenticate({}, {{"client_assertion_type", kJwtType},
                              {"client_assertion", assertion({{QStringLiteral("exp"), exp},
                                                              {QStringLiteral("iat"), now}})}})
                .ok());
    // From exp + skew on, the assertion is expired: refused for that, not let through.
    as().advance(1000);
    auto late = authenticate({}, form);
    QVERIFY(!late.ok());
    QCOMPARE(late.error().code, Auth::OAuthError::InvalidClient);
    QVERIFY2(late.error().message.contains(QLatin1String("expired")),
             qPrintable(late.error().message));
}

void TestAsClientAuth::jwksUriCachedAndRefetchedOnUnknownKid()
{
    QVERIFY(setUpClients());
    TestSupport::DocumentServer docs;
    QVERIFY(docs.start().ok());
    Crypto::Jwks published;
    QVERIFY(published.add(m_key.publicKey()).ok());
    docs.putJson(QStringLiteral("jwks"), QJsonDocument::fromJson(published.toJson()).object());
    auto created =
        as().createClient(QStringLiteral("uri-app"), {}, {}, {QStringLiteral("client_credentials")},
                          QStringLiteral("private_key_jwt"));
    QVERIFY(created.ok());
    Store::Client client = *created;
    client.jwksUri = docs.url(QStringLiteral("jwks"));
    QVERIFY(Store::ClientRepository(db()).update(client).ok());
    auto withAssertion = [&](const QByteArray &token) {
        return authenticate({}, {{"client_assertion_type", kJwtType}, {"client_assertion", token}});
    };
    const QString id = QStringLiteral("uri-app");

    auto first = withAssertion(assertion({}, {}, nullptr, id));
    QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
    QCOMPARE(docs.hits(QStringLiteral("jwks")), 1);
    QVERIFY(withAssertion(assertion({}, {}, nullptr, id)).ok());
    QCOMPARE(docs.hits(QStringLiteral("jwks")), 1); // cached

    // The client rotates to a new key: the unknown kid makes the server look again.
    auto rotated = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    QVERIFY(rotated.ok());
    const Crypto::Key newKey = rotated->withKid(QStringLiteral("k2"));
    Crypto::Jwks next;
    QVERIFY(next.add(newKey.publicKey()).ok());
    docs.putJson(QStringLiteral("jwks"), QJsonDocument::fromJson(next.toJson()).object());
    // ...but not more often than every few seconds, whatever kids an attacker invents.
    auto tooSoon = withAssertion(assertion({}, {}, &newKey, id));
    QVERIFY(!tooSoon.ok());
    QCOMPARE(docs.hits(QStringLiteral("jwks")), 1);
    as().advance((Auth::ClientAuthenticator::kJwksRefetchSeconds + 1) * 1000);
    auto afterRotation = withAssertion(assertion({}, {}, &newKey, id));
    QVERIFY2(afterRotation.ok(),
             qPrintable(afterRotation.ok() ? QString() : afterRotation.error().toString()));
    QCOMPARE(docs.hits(QStringLiteral("jwks")), 2);

    // A kid the client never published stays unknown after the one refetch.
    as().advance((Auth::ClientAuthenticator::kJwksRefetchSeconds + 1) * 1000);
    const Crypto::Key stranger = m_otherKey.withKid(QStringLiteral("k9"));
    auto unknown = withAssertion(assertion({}, {}, &stranger, id));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, Auth::OAuthError::InvalidClient);
    QCOMPARE(docs.hits(QStringLiteral("jwks")), 3);

    // The jwks_uri failing is an actionable invalid_client.
    docs.put(QStringLiteral("jwks"), Http::Response::text(500, "down"));
    as().advance(Auth::ClientAuthenticator::kJwksCacheSeconds * 1000 + 1000);
    auto down = withAssertion(assertion({}, {}, &newKey, id));
    QVERIFY(!down.ok());
    QVERIFY2(down.error().message.contains(QLatin1String("HTTP 500")),
             qPrintable(down.error().message));
}

void TestAsClientAuth::metadataDocumentClientAsNone()
{
    QVERIFY(setUpClients());
    TestSupport::DocumentServer docs;
    QVERIFY(docs.start().ok());
    const QString url = docs.url(QStringLiteral("client.json"));
    docs.putJson(
        QStringLiteral("client.json"),
        {{QStringLiteral("client_id"), url},
         {QStringLiteral("client_name"), QStringLiteral("Doc App")},
         {QStringLiteral("redirect_uris"), QJsonArray{QStringLiteral("http://127.0.0.1/cb")}}});
    auto result = authenticate({}, {{"client_id", url.toUtf8()}});
    QVERIFY2(result.ok(), qPrintable(result.ok() ? QString() : result.error().toString()));
    QCOMPARE(result->client.clientId, url);
    QCOMPARE(result->client.source, QStringLiteral("cimd"));
    QCOMPARE(result->method, QStringLiteral("none"));
    // A metadata document client has no secret to present.
    auto withSecret = authenticate({{"Authorization", basic(url.toUtf8(), "guess")}}, {});
    QVERIFY(!withSecret.ok());
    QCOMPARE(withSecret.error().code, Auth::OAuthError::InvalidClient);
}

QTEST_GUILESS_MAIN(TestAsClientAuth)
#include "tst_as_clientauth.moc"
