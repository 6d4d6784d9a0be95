// IntrospectionVerifier and JwtVerifier against a scripted authorization server on a real
// loopback socket: client authentication methods, the cache rules, SSRF refusal, and the
// JWKS refetch on an unknown kid with its rate limit. Time is an injected clock.
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>
#include <QUrlQuery>
#include <QtTest>

#include "crypto/jws.h"
#include "crypto/key.h"
#include "http/router.h"
#include "http/server.h"
#include "resource/verifier.h"

using namespace Resource;

namespace {

constexpr qint64 kStart = 1'700'000'000'000; // ms

/// The scripted AS: answers /introspect and /jwks with what the test set, and records.
struct FakeAs
{
    std::mutex mutex;
    int introspectStatus = 200;
    QJsonObject answer;
    QByteArray jwks = "{\"keys\": []}";
    Http::Headers lastHeaders;
    QByteArray lastBody;
    std::atomic<int> introspections{0};
    std::atomic<int> jwksFetches{0};
    std::atomic<int> jwksDelayMs{0};
};

} // namespace

class TestRsRemote final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void authMethods_data();
    void authMethods();
    void positiveEntryNeverOutlivesToken();
    void negativeEntriesAreShort();
    void unavailableIsNotCached();
    void invalidateForgetsAtOnce();
    void ssrfGuardRefusesPrivateEndpoint();
    void jwtVerifiesAndRefetchesUnknownKid();
    void jwtCacheNeverOutlivesToken();
    void jwksFetchedOnceForConcurrentFirstRequests();
    void jwtClaimsChecked_data();
    void jwtClaimsChecked();

private:
    IntrospectionVerifier::Options introspectionOptions();
    /// Verifies against the fake AS's /jwks for issuer http://as, resource http://rs/mcp, on
    /// the test's clock.
    JwtVerifier::Options jwtOptions();
    QByteArray signJwt(const Crypto::Key &key, QJsonObject claims, const QString &typ = {});
    QJsonObject claims() const;

    FakeAs m_as;
    std::unique_ptr<Http::Server> m_server;
    QString m_base;
    qint64 m_now = kStart;
    Crypto::Key m_key1;
    Crypto::Key m_key2;
};

void TestRsRemote::initTestCase()
{
    m_server = std::make_unique<Http::Server>();
    m_server->router().handle("POST", "/introspect", [this](const Http::Request &request) {
        std::lock_guard lock(m_as.mutex);
        ++m_as.introspections;
        m_as.lastHeaders = request.headers;
        m_as.lastBody = request.body;
        return Http::Response::json(m_as.introspectStatus, QJsonDocument(m_as.answer));
    });
    m_server->router().handle("GET", "/jwks", [this](const Http::Request &) {
        if (const int delay = m_as.jwksDelayMs.load(); delay > 0)
            QThread::msleep(static_cast<unsigned long>(delay));
        std::lock_guard lock(m_as.mutex);
        ++m_as.jwksFetches;
        return Http::Response::text(200, m_as.jwks, "application/json");
    });
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0).ok());
    m_base = m_server->baseUrl().toString();
    auto key1 = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    auto key2 = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    QVERIFY(key1.ok() && key2.ok());
    m_key1 = key1->withKid(QStringLiteral("k1"));
    m_key2 = key2->withKid(QStringLiteral("k2"));
}

void TestRsRemote::cleanupTestCase()
{
    m_server->close();
}

void TestRsRemote::init()
{
    std::lock_guard lock(m_as.mutex);
    m_now = kStart;
    m_as.introspectStatus = 200;
    m_as.answer = {{QStringLiteral("active"), true},
                   {QStringLiteral("client_id"), QStringLiteral("c1")},
                   {QStringLiteral("sub"), QStringLiteral("alice")},
                   {QStringLiteral("aud"), QStringLiteral("http://rs/mcp")},
                   {QStringLiteral("exp"), kStart / 1000 + 100}};
    m_as.introspections = 0;
    m_as.jwksFetches = 0;
    m_as.jwksDelayMs = 0;
}

IntrospectionVerifier::Options TestRsRemote::introspectionOptions()
{
    IntrospectionVerifier::Options options;
    options.endpoint = QUrl(m_base + QStringLiteral("/introspect"));
    options.resource = QStringLiteral("http://rs/mcp");
    options.clientId = QStringLiteral("rs client");
    options.credential = "s3cret+/=";
    options.clock = [this] { return m_now; };
    return options;
}

void TestRsRemote::authMethods_data()
{
    QTest::addColumn<int>("method");
    QTest::addColumn<QByteArray>("authorization");
    QTest::addColumn<QStringList>("formHas");
    QTest::addColumn<QStringList>("formLacks");
    using M = IntrospectionVerifier::AuthMethod;
    const QString id = QStringLiteral("client_id");
    const QString secret = QStringLiteral("client_secret");
    QTest::newRow("client_secret_basic")
        << int(M::ClientSecretBasic)
        << QByteArray("Basic " + QByteArray("rs%20client:s3cret%2B%2F%3D").toBase64())
        << QStringList() << QStringList{id, secret};
    QTest::newRow("client_secret_post")
        << int(M::ClientSecretPost) << QByteArray() << QStringList{id, secret} << QStringList();
    QTest::newRow("bearer") << int(M::Bearer) << QByteArray("Bearer s3cret+/=") << QStringList()
                            << QStringList{id, secret};
    QTest::newRow("none") << int(M::None) << QByteArray() << QStringList{id} << QStringList{secret};
}

void TestRsRemote::authMethods()
{
    QFETCH(int, method);
    QFETCH(QByteArray, authorization);
    QFETCH(QStringList, formHas);
    QFETCH(QStringList, formLacks);
    auto options = introspectionOptions();
    options.method = IntrospectionVerifier::AuthMethod(method);
    IntrospectionVerifier verifier(options);
    auto principal = verifier.verify("tok+en/1");
    QVERIFY2(principal.ok(), principal.ok() ? "" : qPrintable(principal.error().toString()));
    QCOMPARE(principal->subject, QStringLiteral("alice"));
    std::lock_guard lock(m_as.mutex);
    QCOMPARE(m_as.lastHeaders.value("Authorization"), authorization);
    const QUrlQuery form(QString::fromLatin1(m_as.lastBody));
    QCOMPARE(form.queryItemValue(QStringLiteral("token"), QUrl::FullyDecoded),
             QStringLiteral("tok+en/1"));
    for (const QString &name : formHas)
        QVERIFY2(form.hasQueryItem(name), qPrintable(name));
    for (const QString &name : formLacks)
        QVERIFY2(!form.hasQueryItem(name), qPrintable(name));
    if (formHas.contains(QStringLiteral("client_secret")))
        QCOMPARE(form.queryItemValue(QStringLiteral("client_secret"), QUrl::FullyDecoded),
                 QStringLiteral("s3cret+/="));
}

void TestRsRemote::positiveEntryNeverOutlivesToken()
{
    auto options = introspectionOptions();
    options.positiveCacheSeconds = 300; // longer than the token's remaining 100 s
    IntrospectionVerifier verifier(options);
    QVERIFY(verifier.verify("t").ok());
    m_now += 99'000;
    QVERIFY(verifier.verify("t").ok());
    QCOMPARE(m_as.introspections.load(), 1);
    m_now += 1'000; // at exp: the entry is gone, and the AS's (stale) answer is refused
    auto expired = verifier.verify("t");
    QVERIFY(!expired.ok());
    QCOMPARE(expired.error().code, VerifyError::InvalidToken);
    QCOMPARE(m_as.introspections.load(), 2);
}

void TestRsRemote::negativeEntriesAreShort()
{
    {
        std::lock_guard lock(m_as.mutex);
        m_as.answer = {{QStringLiteral("active"), false}};
    }
    auto options = introspectionOptions();
    options.negativeCacheSeconds = 10;
    IntrospectionVerifier verifier(options);
    QVERIFY(!verifier.verify("t").ok());
    m_now += 9'000;
    QVERIFY(!verifier.verify("t").ok());
    QCOMPARE(m_as.introspections.load(), 1);
    m_now += 1'000;
    QVERIFY(!verifier.verify("t").ok());
    QCOMPARE(m_as.introspections.load(), 2);
}

void TestRsRemote::unavailableIsNotCached()
{
    {
        std::lock_guard lock(m_as.mutex);
        m_as.introspectStatus = 500;
    }
    IntrospectionVerifier verifier(introspectionOptions());
    for (int i = 1; i <= 2; ++i) {
        auto result = verifier.verify("t");
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, VerifyError::Unavailable);
        QCOMPARE(m_as.introspections.load(), i);
    }
    QVERIFY(!verifier.verify("t").error().message.contains(QLatin1String("s3cret")));
}

void TestRsRemote::invalidateForgetsAtOnce()
{
    IntrospectionVerifier verifier(introspectionOptions());
    QVERIFY(verifier.verify("t").ok());
    QCOMPARE(verifier.cacheSize(), 1);
    verifier.invalidate(tokenHash("t"));
    QCOMPARE(verifier.cacheSize(), 0);
    {
        std::lock_guard lock(m_as.mutex);
        m_as.answer = {{QStringLiteral("active"), false}};
    }
    QVERIFY(!verifier.verify("t").ok());
    QCOMPARE(m_as.introspections.load(), 2);
}

void TestRsRemote::ssrfGuardRefusesPrivateEndpoint()
{
    auto options = introspectionOptions();
    options.endpoint = QUrl(QStringLiteral("http://10.11.12.13/introspect"));
    IntrospectionVerifier verifier(options);
    auto result = verifier.verify("t");
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, VerifyError::Unavailable);
    QVERIFY2(result.error().message.contains(QLatin1String("10.11.12.13")),
             qPrintable(result.error().message));
}

QJsonObject TestRsRemote::claims() const
{
    return {{QStringLiteral("iss"), QStringLiteral("http://as")},
            {QStringLiteral("aud"), QStringLiteral("http://rs/mcp")},
            {QStringLiteral("sub"), QStringLiteral("alice")},
            {QStringLiteral("client_id"), QStringLiteral("c1")},
            {QStringLiteral("scope"), QStringLiteral("tasks:read")},
            {QStringLiteral("iat"), m_now / 1000},
            {QStringLiteral("exp"), m_now / 1000 + 300}};
}

QByteArray TestRsRemote::signJwt(const Crypto::Key &key, QJsonObject claims, const QString &typ)
{
    const QJsonObject header{
        {QStringLiteral("typ"), typ.isNull() ? QStringLiteral("at+jwt") : typ}};
    auto token = Crypto::Jws::sign(header, QJsonDocument(claims).toJson(QJsonDocument::Compact),
                                   key, Crypto::JwsAlgorithm::ES256);
    return token ? *token : QByteArray();
}

JwtVerifier::Options TestRsRemote::jwtOptions()
{
    JwtVerifier::Options options;
    options.jwksUri = QUrl(m_base + QStringLiteral("/jwks"));
    options.issuer = QStringLiteral("http://as");
    options.resource = QStringLiteral("http://rs/mcp");
    options.clock = [this] { return m_now; };
    return options;
}

void TestRsRemote::jwtVerifiesAndRefetchesUnknownKid()
{
    const auto publish = [this](const QList<Crypto::Key> &keys) {
        QJsonArray array;
        for (const Crypto::Key &key : keys)
            array.append(key.toJwk(false));
        std::lock_guard lock(m_as.mutex);
        m_as.jwks = QJsonDocument(QJsonObject{{QStringLiteral("keys"), array}}).toJson();
    };
    publish({m_key1});
    JwtVerifier::Options options = jwtOptions();
    options.minRefetchSeconds = 10;
    JwtVerifier verifier(options);

    auto first = verifier.verify(signJwt(m_key1, claims()));
    QVERIFY2(first.ok(), first.ok() ? "" : qPrintable(first.error().toString()));
    QCOMPARE(first->clientId, QStringLiteral("c1"));
    QVERIFY(verifier.verify(signJwt(m_key1, claims())).ok());
    QCOMPARE(m_as.jwksFetches.load(), 1); // cached

    m_now += 20'000;
    const QByteArray rotated = signJwt(m_key2, claims());
    QVERIFY(!verifier.verify(rotated).ok()); // unknown kid: one refetch, still unknown
    QCOMPARE(m_as.jwksFetches.load(), 2);
    publish({m_key1, m_key2});
    QVERIFY(!verifier.verify(rotated).ok()); // refetching again is rate-limited
    QCOMPARE(m_as.jwksFetches.load(), 2);
    m_now += 10'000;
    auto later = verifier.verify(signJwt(m_key2, claims()));
    QVERIFY2(later.ok(), later.ok() ? "" : qPrintable(later.error().toString()));
    QCOMPARE(m_as.jwksFetches.load(), 3);
}

void TestRsRemote::jwksFetchedOnceForConcurrentFirstRequests()
{
    {
        std::lock_guard lock(m_as.mutex);
        m_as.jwks =
            QJsonDocument(QJsonObject{{QStringLiteral("keys"), QJsonArray{m_key1.toJwk(false)}}})
                .toJson();
    }
    m_as.jwksDelayMs = 300;
    JwtVerifier::Options options = jwtOptions();
    options.minRefetchSeconds = 10;
    JwtVerifier verifier(options);

    // The first requests after a start arrive together while the keys are being fetched:
    // they wait for that fetch (they were refused with 503 "could not be fetched recently").
    constexpr int kRequests = 6;
    std::vector<QByteArray> tokens;
    for (int i = 0; i < kRequests; ++i) {
        QJsonObject c = claims();
        c.insert(QStringLiteral("jti"), QStringLiteral("t%1").arg(i));
        tokens.push_back(signJwt(m_key1, c));
    }
    std::vector<QString> failures(kRequests);
    std::vector<std::thread> threads;
    for (int i = 0; i < kRequests; ++i)
        threads.emplace_back([&, i] {
            const auto result = verifier.verify(tokens[size_t(i)]);
            if (!result)
                failures[size_t(i)] = result.error().toString();
        });
    for (auto &thread : threads)
        thread.join();
    for (const QString &failure : failures)
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
    QCOMPARE(m_as.jwksFetches.load(), 1);
}

void TestRsRemote::jwtCacheNeverOutlivesToken()
{
    {
        std::lock_guard lock(m_as.mutex);
        m_as.jwks =
            QJsonDocument(QJsonObject{{QStringLiteral("keys"), QJsonArray{m_key1.toJwk(false)}}})
                .toJson();
    }
    JwtVerifier::Options options = jwtOptions();
    options.leewaySeconds = 60;
    options.jwksMaxAgeSeconds = 3600;
    bool active = true;
    options.stillActive = [&active](const QByteArray &) { return active; };
    JwtVerifier verifier(options);

    const QByteArray token = signJwt(m_key1, claims()); // exp = now + 300 s
    QVERIFY(verifier.verify(token).ok());
    QCOMPARE(verifier.cacheSize(), 1);
    QVERIFY(verifier.verify(token).ok()); // from the cache
    QCOMPARE(verifier.cacheSize(), 1);

    active = false; // revoked: refused on a cache hit too, and forgotten
    QVERIFY(!verifier.verify(token).ok());
    QCOMPARE(verifier.cacheSize(), 0);
    active = true;

    QVERIFY(verifier.verify(token).ok());
    verifier.invalidate(tokenHash(token));
    QCOMPARE(verifier.cacheSize(), 0);

    QVERIFY(verifier.verify(token).ok());
    m_now += (300 + 61) * 1000; // past exp + leeway: the entry has ended with the token
    auto expired = verifier.verify(token);
    QVERIFY(!expired.ok());
    QCOMPARE(expired.error().code, VerifyError::InvalidToken);
}

void TestRsRemote::jwtClaimsChecked_data()
{
    QTest::addColumn<QString>("member");
    QTest::addColumn<QJsonValue>("value"); // Undefined: remove the member
    QTest::addColumn<QString>("typ");
    QTest::addColumn<bool>("accepted");
    const QString at = QStringLiteral("at+jwt");
    QTest::newRow("valid") << QString() << QJsonValue() << at << true;
    QTest::newRow("typ application/at+jwt")
        << QString() << QJsonValue() << QStringLiteral("application/at+jwt") << true;
    QTest::newRow("typ JWT") << QString() << QJsonValue() << QStringLiteral("JWT") << false;
    QTest::newRow("no typ") << QString() << QJsonValue() << QString(QLatin1String("")) << false;
    QTest::newRow("wrong aud") << QStringLiteral("aud")
                               << QJsonValue(QStringLiteral("http://x/mcp")) << at << false;
    QTest::newRow("aud array") << QStringLiteral("aud")
                               << QJsonValue(QJsonArray{QStringLiteral("a"),
                                                        QStringLiteral("http://rs/mcp")})
                               << at << true;
    QTest::newRow("wrong iss") << QStringLiteral("iss") << QJsonValue(QStringLiteral("http://evil"))
                               << at << false;
    QTest::newRow("expired") << QStringLiteral("exp") << QJsonValue(kStart / 1000 - 120) << at
                             << false;
    QTest::newRow("expired within leeway")
        << QStringLiteral("exp") << QJsonValue(kStart / 1000 - 30) << at << true;
    QTest::newRow("not yet valid")
        << QStringLiteral("nbf") << QJsonValue(kStart / 1000 + 600) << at << false;
    QTest::newRow("no client_id") << QStringLiteral("client_id")
                                  << QJsonValue(QJsonValue::Undefined) << at << false;
}

void TestRsRemote::jwtClaimsChecked()
{
    QFETCH(QString, member);
    QFETCH(QJsonValue, value);
    QFETCH(QString, typ);
    QFETCH(bool, accepted);
    {
        std::lock_guard lock(m_as.mutex);
        m_as.jwks =
            QJsonDocument(QJsonObject{{QStringLiteral("keys"), QJsonArray{m_key1.toJwk(false)}}})
                .toJson();
    }
    JwtVerifier::Options options = jwtOptions();
    JwtVerifier verifier(options);
    QJsonObject body = claims();
    if (!member.isEmpty()) {
        if (value.isUndefined())
            body.remove(member);
        else
            body.insert(member, value);
    }
    auto result = verifier.verify(signJwt(m_key1, body, typ));
    QCOMPARE(result.ok(), accepted);
    if (!accepted)
        QCOMPARE(result.error().code, VerifyError::InvalidToken);
}

QTEST_GUILESS_MAIN(TestRsRemote)
#include "tst_rs_remote.moc"
