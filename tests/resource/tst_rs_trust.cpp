// The resource server trusting external authorization servers
// ("resource_server.trusted_issuers"): the config rules and their field-named errors, the
// CLI spec form, Resource::IssuerRouter and ExternalIssuerVerifier against a scripted AS on
// a real loopback socket (JWKS and introspection endpoints discovered from RFC 8414
// metadata), and Core::Engine serving MCP to tokens of a trusted external issuer while
// refusing an unknown issuer's with 401 invalid_token.
#include <atomic>
#include <mutex>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QUrlQuery>
#include <QtTest>

#include "crypto/jws.h"
#include "crypto/key.h"
#include "engine.h"
#include "http/client.h"
#include "http/router.h"
#include "http/server.h"
#include "resource/config.h"
#include "resource/trust.h"
#include "serverconfig.h"

using namespace Resource;

namespace {

const QString kResource = QStringLiteral("http://127.0.0.1:1/mcp");
const QString kSecret = QStringLiteral("S3CRET-never-shown");

/// The scripted external AS: metadata for the issuers `base` and `base/tenant`, a JWKS and
/// an introspection endpoint answering what the test set.
struct FakeAs
{
    std::mutex mutex;
    QJsonObject introspection;
    QByteArray jwks;
    QString metadataIssuerOverride; ///< non-empty: the metadata names this issuer instead
    Http::Headers lastIntrospectHeaders;
    QByteArray lastIntrospectBody;
    std::atomic<int> metadataFetches{0};
};

/// An embedded-AS stand-in that knows no token.
class RefusingVerifier final : public BearerVerifier
{
public:
    Core::Result<Principal> verify(const QByteArray &) override
    {
        ++calls;
        return Core::makeError(VerifyError::InvalidToken, QStringLiteral("unknown here"));
    }
    int calls = 0;
};

QJsonObject object(std::initializer_list<QPair<QString, QJsonValue>> members)
{
    QJsonObject out;
    for (const auto &[key, value] : members)
        out.insert(key, value);
    return out;
}

} // namespace

class TestRsTrust final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void configErrorsNameTheField_data();
    void configErrorsNameTheField();
    void configRoundTripAndMetadataServers();
    void specForm_data();
    void specForm();
    void credentialFile();
    void jwtOfTrustedIssuerWithDiscoveredJwks();
    void jwtRefusals_data();
    void jwtRefusals();
    void opaqueTokenIntrospectedInOrder();
    void metadataNamingAnotherIssuerIsUnavailable();
    void engineServesTrustedIssuerAndRefusesUnknown();

private:
    [[nodiscard]] QByteArray signJwt(const Crypto::Key &key, QJsonObject claims) const;
    [[nodiscard]] QJsonObject claims() const;
    [[nodiscard]] QString base() const { return m_base; }
    [[nodiscard]] std::shared_ptr<BearerVerifier> router(const QString &resource,
                                                         std::shared_ptr<RefusingVerifier> embedded,
                                                         QStringList algorithms = {});

    FakeAs m_as;
    std::unique_ptr<Http::Server> m_server;
    QString m_base;
    Crypto::Key m_key;
    Crypto::Key m_strangerKey;
    QTemporaryDir m_dir;
};

void TestRsTrust::initTestCase()
{
    QVERIFY(m_dir.isValid());
    auto key = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    auto stranger = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    QVERIFY(key.ok() && stranger.ok());
    m_key = key->withKid(QStringLiteral("ext-1"));
    m_strangerKey = stranger->withKid(QStringLiteral("ext-1"));
    m_as.jwks = QJsonDocument(QJsonObject{{QStringLiteral("keys"), QJsonArray{m_key.toJwk(false)}}})
                    .toJson(QJsonDocument::Compact);

    m_server = std::make_unique<Http::Server>();
    const auto metadata = [this](const QString &issuerPath) {
        return [this, issuerPath](const Http::Request &) -> Http::Response {
            std::lock_guard lock(m_as.mutex);
            ++m_as.metadataFetches;
            const QString issuer = m_as.metadataIssuerOverride.isEmpty()
                                       ? QString(m_base + issuerPath)
                                       : m_as.metadataIssuerOverride;
            return Http::Response::json(
                200, QJsonDocument(object(
                         {{QStringLiteral("issuer"), issuer},
                          {QStringLiteral("jwks_uri"), QString(m_base + QStringLiteral("/jwks"))},
                          {QStringLiteral("introspection_endpoint"),
                           QString(m_base + QStringLiteral("/introspect"))}})));
        };
    };
    m_server->router().handle("GET", "/.well-known/oauth-authorization-server", metadata({}));
    m_server->router().handle("GET", "/.well-known/oauth-authorization-server/tenant",
                              metadata(QStringLiteral("/tenant")));
    m_server->router().handle("GET", "/jwks", [this](const Http::Request &) {
        std::lock_guard lock(m_as.mutex);
        return Http::Response::text(200, m_as.jwks, "application/json");
    });
    m_server->router().handle("POST", "/introspect", [this](const Http::Request &request) {
        std::lock_guard lock(m_as.mutex);
        m_as.lastIntrospectHeaders = request.headers;
        m_as.lastIntrospectBody = request.body;
        return Http::Response::json(200, QJsonDocument(m_as.introspection));
    });
    QVERIFY(m_server->listen(QHostAddress::LocalHost, 0).ok());
    m_base = m_server->baseUrl().toString();
}

void TestRsTrust::cleanupTestCase()
{
    m_server->close();
}

void TestRsTrust::init()
{
    std::lock_guard lock(m_as.mutex);
    m_as.introspection = object({{QStringLiteral("active"), false}});
    m_as.metadataIssuerOverride.clear();
    m_as.metadataFetches = 0;
}

QJsonObject TestRsTrust::claims() const
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    return object({{QStringLiteral("iss"), m_base},
                   {QStringLiteral("sub"), QStringLiteral("ext-user")},
                   {QStringLiteral("aud"), kResource},
                   {QStringLiteral("client_id"), QStringLiteral("ext-client")},
                   {QStringLiteral("scope"), QStringLiteral("tasks:read")},
                   {QStringLiteral("jti"), QString(QString::number(now) + QStringLiteral("-x"))},
                   {QStringLiteral("iat"), now},
                   {QStringLiteral("exp"), now + 300}});
}

QByteArray TestRsTrust::signJwt(const Crypto::Key &key, QJsonObject body) const
{
    const QJsonObject header{{QStringLiteral("typ"), QStringLiteral("at+jwt")}};
    auto token = Crypto::Jws::sign(header, QJsonDocument(body).toJson(QJsonDocument::Compact), key,
                                   Crypto::JwsAlgorithm::ES256);
    return token ? *token : QByteArray();
}

std::shared_ptr<BearerVerifier> TestRsTrust::router(const QString &resource,
                                                    std::shared_ptr<RefusingVerifier> embedded,
                                                    QStringList algorithms)
{
    Config config;
    TrustedIssuer jwt;
    jwt.issuer = m_base;
    if (!algorithms.isEmpty())
        jwt.algorithms = algorithms;
    TrustedIssuer introspected;
    introspected.issuer = m_base + QStringLiteral("/tenant");
    introspected.verification = QStringLiteral("introspection");
    introspected.authMethod = QStringLiteral("client_secret_post");
    introspected.clientId = QStringLiteral("our-rs");
    introspected.clientSecret = kSecret;
    config.trustedIssuers = {jwt, introspected};
    config.negativeCacheSeconds = 0;
    auto verifier = trustIssuers(embedded, QStringLiteral("https://embedded.example"), true, config,
                                 resource, nullptr);
    if (!verifier) {
        qWarning() << verifier.error().toString();
        return {};
    }
    return *verifier;
}

void TestRsTrust::configErrorsNameTheField_data()
{
    QTest::addColumn<QJsonValue>("trusted");
    QTest::addColumn<QString>("field");
    const auto item = [](std::initializer_list<QPair<QString, QJsonValue>> extra) {
        QJsonObject out{{QStringLiteral("issuer"), QStringLiteral("https://as.example")}};
        for (const auto &[key, value] : extra)
            out.insert(key, value);
        return QJsonValue(QJsonArray{out});
    };
    const QString first = QStringLiteral("resource_server.trusted_issuers[0]");
    QTest::newRow("not an array") << QJsonValue(QStringLiteral("x"))
                                  << QStringLiteral("resource_server.trusted_issuers");
    QTest::newRow("item not an object") << QJsonValue(QJsonArray{1}) << first;
    QTest::newRow("no issuer") << QJsonValue(QJsonArray{QJsonObject{}})
                               << first + QStringLiteral(".issuer");
    QTest::newRow("issuer not a string")
        << QJsonValue(QJsonArray{QJsonObject{{QStringLiteral("issuer"), 5}}})
        << first + QStringLiteral(".issuer");
    QTest::newRow("issuer ftp") << QJsonValue(QJsonArray{QJsonObject{
                                       {QStringLiteral("issuer"), QStringLiteral("ftp://as")}}})
                                << first + QStringLiteral(".issuer");
    QTest::newRow("issuer plain http off loopback")
        << QJsonValue(QJsonArray{
               QJsonObject{{QStringLiteral("issuer"), QStringLiteral("http://as.example")}}})
        << first + QStringLiteral(".issuer");
    QTest::newRow("issuer with query")
        << QJsonValue(QJsonArray{
               QJsonObject{{QStringLiteral("issuer"), QStringLiteral("https://as.example?a=1")}}})
        << first + QStringLiteral(".issuer");
    QTest::newRow("unknown member") << item({{QStringLiteral("colour"), QStringLiteral("red")}})
                                    << first + QStringLiteral(".colour");
    QTest::newRow("verification") << item({{QStringLiteral("verification"), QStringLiteral("x")}})
                                  << first + QStringLiteral(".verification");
    QTest::newRow("algorithm none")
        << item({{QStringLiteral("algorithms"), QJsonArray{QStringLiteral("none")}}})
        << first + QStringLiteral(".algorithms");
    QTest::newRow("algorithm HS256")
        << item({{QStringLiteral("algorithms"), QJsonArray{QStringLiteral("HS256")}}})
        << first + QStringLiteral(".algorithms");
    QTest::newRow("no algorithm") << item({{QStringLiteral("algorithms"), QJsonArray{}}})
                                  << first + QStringLiteral(".algorithms");
    QTest::newRow("jwks private address")
        << item({{QStringLiteral("jwks_uri"), QStringLiteral("https://10.1.2.3/jwks")}})
        << first + QStringLiteral(".jwks_uri");
    QTest::newRow("introspection endpoint not a URL")
        << item({{QStringLiteral("introspection_endpoint"), QStringLiteral("introspect")}})
        << first + QStringLiteral(".introspection_endpoint");
    QTest::newRow("auth method")
        << item({{QStringLiteral("verification"), QStringLiteral("introspection")},
                 {QStringLiteral("auth_method"), QStringLiteral("private_key_jwt")}})
        << first + QStringLiteral(".auth_method");
    QTest::newRow("basic without client id")
        << item({{QStringLiteral("verification"), QStringLiteral("introspection")},
                 {QStringLiteral("client_secret"), kSecret}})
        << first + QStringLiteral(".client_id");
    QTest::newRow("basic without secret")
        << item({{QStringLiteral("verification"), QStringLiteral("introspection")},
                 {QStringLiteral("client_id"), QStringLiteral("rs")}})
        << first + QStringLiteral(".client_secret");
    QTest::newRow("secret and secret file")
        << item({{QStringLiteral("verification"), QStringLiteral("introspection")},
                 {QStringLiteral("client_id"), QStringLiteral("rs")},
                 {QStringLiteral("client_secret"), kSecret},
                 {QStringLiteral("client_secret_file"), QStringLiteral("/x")}})
        << first + QStringLiteral(".client_secret_file");
    QTest::newRow("bearer without token")
        << item({{QStringLiteral("verification"), QStringLiteral("introspection")},
                 {QStringLiteral("auth_method"), QStringLiteral("bearer")}})
        << first + QStringLiteral(".bearer_token");
    QTest::newRow("secret with method none")
        << item({{QStringLiteral("verification"), QStringLiteral("introspection")},
                 {QStringLiteral("auth_method"), QStringLiteral("none")},
                 {QStringLiteral("client_secret"), kSecret}})
        << first + QStringLiteral(".client_secret");
    QTest::newRow("private network flag type")
        << item({{QStringLiteral("allow_private_network"), QStringLiteral("yes")}})
        << first + QStringLiteral(".allow_private_network");
    QTest::newRow("listed twice")
        << QJsonValue(QJsonArray{
               QJsonObject{{QStringLiteral("issuer"), QStringLiteral("https://as.example")}},
               QJsonObject{{QStringLiteral("issuer"), QStringLiteral("https://as.example")}}})
        << QStringLiteral("resource_server.trusted_issuers[1].issuer");
}

void TestRsTrust::configErrorsNameTheField()
{
    QFETCH(QJsonValue, trusted);
    QFETCH(QString, field);
    const QJsonObject rs{{QStringLiteral("trusted_issuers"), trusted}};
    // Through the whole server config, as `mcpauth serve --config` and the Servers panel read it.
    auto config = Core::ServerConfig::fromJson({{QStringLiteral("resource_server"), rs}});
    QVERIFY(!config.ok());
    QCOMPARE(config.error().code, QStringLiteral("invalid_config"));
    QVERIFY2(config.error().message.startsWith(field + QStringLiteral(": ")),
             qPrintable(config.error().message));
    QVERIFY2(!config.error().message.contains(kSecret), qPrintable(config.error().message));
}

void TestRsTrust::configRoundTripAndMetadataServers()
{
    const QJsonObject rs{
        {QStringLiteral("authorization_servers"), QJsonArray{QStringLiteral("https://b.example")}},
        {QStringLiteral("trusted_issuers"),
         QJsonArray{
             QJsonObject{{QStringLiteral("issuer"), QStringLiteral("https://a.example")},
                         {QStringLiteral("algorithms"), QJsonArray{QStringLiteral("PS384")}},
                         {QStringLiteral("jwks_uri"), QStringLiteral("https://a.example/k")}},
             QJsonObject{{QStringLiteral("issuer"), QStringLiteral("https://b.example")},
                         {QStringLiteral("verification"), QStringLiteral("introspection")},
                         {QStringLiteral("auth_method"), QStringLiteral("bearer")},
                         {QStringLiteral("bearer_token_file"), QStringLiteral("/etc/t")},
                         {QStringLiteral("allow_private_network"), true}}}}};
    auto config = Config::fromJson(rs);
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().toString()));
    QCOMPARE(config->trustedIssuers.size(), 2);
    QCOMPARE(config->trustedIssuers.at(0).algorithms, QStringList{QStringLiteral("PS384")});
    QVERIFY(config->trustedIssuers.at(1).allowPrivateNetwork);
    auto again = Config::fromJson(config->toJson());
    QVERIFY(again.ok());
    QCOMPARE(again->toJson(), config->toJson());
    QCOMPARE(
        config->metadataAuthorizationServers(QStringLiteral("https://ours.example")),
        QStringList({QStringLiteral("https://ours.example"), QStringLiteral("https://b.example"),
                     QStringLiteral("https://a.example")}));

    // Protected by the external issuers alone: the embedded AS is neither named nor asked.
    auto external = Config::fromJson(QJsonObject{{QStringLiteral("trust_embedded_issuer"), false}});
    QVERIFY(!external.ok());
    QVERIFY2(external.error().message.startsWith(
                 QStringLiteral("resource_server.trust_embedded_issuer: ")),
             qPrintable(external.error().message));
    QJsonObject externalOnly = rs;
    externalOnly.insert(QStringLiteral("trust_embedded_issuer"), false);
    external = Config::fromJson(externalOnly);
    QVERIFY(external.ok());
    QCOMPARE(
        external->metadataAuthorizationServers(QStringLiteral("https://ours.example")),
        QStringList({QStringLiteral("https://b.example"), QStringLiteral("https://a.example")}));
    external->trustedIssuers.removeLast(); // its bearer_token_file does not exist
    auto embedded = std::make_shared<RefusingVerifier>();
    auto verifier = trustIssuers(embedded, QStringLiteral("https://ours.example"), true, *external,
                                 kResource, nullptr);
    QVERIFY(verifier.ok());
    QVERIFY(!(*verifier)->verify("opaque").ok());
    QCOMPARE(embedded->calls, 0);
}

void TestRsTrust::specForm_data()
{
    QTest::addColumn<QString>("spec");
    QTest::addColumn<QString>("error"); ///< empty: accepted
    QTest::newRow("issuer only") << QStringLiteral("https://as.example") << QString();
    QTest::newRow("jwt with algorithms")
        << QStringLiteral("https://as.example,verification=jwt,algorithms=ES256+RS256")
        << QString();
    QTest::newRow("introspection with a secret file")
        << QStringLiteral("http://127.0.0.1:8080,verification=introspection,client_id=rs,"
                          "client_secret_file=/run/secret")
        << QString();
    QTest::newRow("inline secret refused")
        << QStringLiteral("https://as.example,verification=introspection,client_id=rs,"
                          "client_secret=") +
               kSecret
        << QStringLiteral("--trust-issuer client_secret: a secret on the command line");
    QTest::newRow("inline bearer refused")
        << QStringLiteral("https://as.example,bearer_token=") + kSecret
        << QStringLiteral("--trust-issuer bearer_token:");
    QTest::newRow("not key=value") << QStringLiteral("https://as.example,jwt")
                                   << QStringLiteral("--trust-issuer: \"jwt\" is not key=value");
    QTest::newRow("unknown key") << QStringLiteral("https://as.example,colour=red")
                                 << QStringLiteral("--trust-issuer.colour: unknown member");
    QTest::newRow("bad algorithm") << QStringLiteral("https://as.example,algorithms=HS256")
                                   << QStringLiteral("--trust-issuer.algorithms:");
}

void TestRsTrust::specForm()
{
    QFETCH(QString, spec);
    QFETCH(QString, error);
    auto trusted = TrustedIssuer::fromSpec(spec);
    if (error.isEmpty()) {
        QVERIFY2(trusted.ok(), trusted.ok() ? "" : qPrintable(trusted.error().toString()));
        QCOMPARE(trusted->issuer, spec.section(QLatin1Char(','), 0, 0));
        return;
    }
    QVERIFY(!trusted.ok());
    QVERIFY2(trusted.error().message.startsWith(error), qPrintable(trusted.error().message));
    QVERIFY(!trusted.error().message.contains(kSecret));
}

void TestRsTrust::credentialFile()
{
    TrustedIssuer trusted;
    trusted.issuer = QStringLiteral("https://as.example");
    trusted.verification = QStringLiteral("introspection");
    trusted.clientId = QStringLiteral("rs");
    trusted.clientSecretFile = m_dir.filePath(QStringLiteral("missing"));
    ExternalIssuerVerifier::Options options;
    options.trusted = trusted;
    auto missing = ExternalIssuerVerifier::create(options);
    QVERIFY(!missing.ok());
    QVERIFY(missing.error().message.contains(trusted.clientSecretFile));

    QFile file(m_dir.filePath(QStringLiteral("secret")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kSecret.toUtf8() + "\nignored\n");
    file.close();
    options.trusted.clientSecretFile = file.fileName();
    auto credential = options.trusted.credential();
    QVERIFY(credential.ok());
    QCOMPARE(*credential, kSecret.toUtf8());
}

void TestRsTrust::jwtOfTrustedIssuerWithDiscoveredJwks()
{
    auto embedded = std::make_shared<RefusingVerifier>();
    auto verifier = router(kResource, embedded);
    QVERIFY(verifier);
    auto principal = verifier->verify(signJwt(m_key, claims()));
    QVERIFY2(principal.ok(), principal.ok() ? "" : qPrintable(principal.error().toString()));
    QCOMPARE(principal->issuer, m_base);
    QCOMPARE(principal->subject, QStringLiteral("ext-user"));
    QCOMPARE(principal->clientId, QStringLiteral("ext-client"));
    QCOMPARE(embedded->calls, 0); // routed by iss, never to the embedded AS
    QCOMPARE(m_as.metadataFetches.load(), 1);
    QVERIFY(verifier->verify(signJwt(m_key, claims())).ok());
    QCOMPARE(m_as.metadataFetches.load(), 1); // discovered once
}

void TestRsTrust::jwtRefusals_data()
{
    QTest::addColumn<QString>("claim");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<bool>("strangerKey");
    QTest::addColumn<QStringList>("algorithms");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown issuer")
        << QStringLiteral("iss") << QJsonValue(QStringLiteral("https://evil.example")) << false
        << QStringList() << QStringLiteral("does not trust");
    QTest::newRow("no issuer") << QStringLiteral("iss") << QJsonValue(QJsonValue::Undefined)
                               << false << QStringList() << QStringLiteral("names no issuer");
    QTest::newRow("another resource")
        << QStringLiteral("aud") << QJsonValue(QStringLiteral("http://127.0.0.1:2/mcp")) << false
        << QStringList() << QStringLiteral("aud");
    QTest::newRow("expired") << QStringLiteral("exp")
                             << QJsonValue(QDateTime::currentSecsSinceEpoch() - 3600) << false
                             << QStringList() << QStringLiteral("expired");
    QTest::newRow("unknown signing key")
        << QString() << QJsonValue() << true << QStringList() << QStringLiteral("signature");
    QTest::newRow("algorithm not accepted")
        << QString() << QJsonValue() << false << QStringList{QStringLiteral("RS256")}
        << QStringLiteral("signature");
}

void TestRsTrust::jwtRefusals()
{
    QFETCH(QString, claim);
    QFETCH(QJsonValue, value);
    QFETCH(bool, strangerKey);
    QFETCH(QStringList, algorithms);
    QFETCH(QString, message);
    QJsonObject body = claims();
    if (!claim.isEmpty()) {
        if (value.isUndefined())
            body.remove(claim);
        else
            body.insert(claim, value);
    }
    auto embedded = std::make_shared<RefusingVerifier>();
    auto verifier = router(kResource, embedded, algorithms);
    QVERIFY(verifier);
    auto principal = verifier->verify(signJwt(strangerKey ? m_strangerKey : m_key, body));
    QVERIFY(!principal.ok());
    QCOMPARE(principal.error().code, VerifyError::InvalidToken);
    QVERIFY2(principal.error().message.contains(message, Qt::CaseInsensitive),
             qPrintable(principal.error().message));
}

void TestRsTrust::opaqueTokenIntrospectedInOrder()
{
    auto embedded = std::make_shared<RefusingVerifier>();
    auto verifier = router(kResource, embedded);
    QVERIFY(verifier);
    const QByteArray token = "opaque-token-value";
    auto refused = verifier->verify(token);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, VerifyError::InvalidToken);
    QVERIFY2(refused.error().message.contains(m_base + QStringLiteral("/tenant")),
             qPrintable(refused.error().message));
    QVERIFY(!refused.error().message.contains(QLatin1String(token)));
    QCOMPARE(embedded->calls, 1); // the embedded AS is asked first
    {
        std::lock_guard lock(m_as.mutex);
        // client_secret_post to the endpoint the /tenant issuer's metadata names.
        const QUrlQuery form(QString::fromLatin1(m_as.lastIntrospectBody));
        QCOMPARE(form.queryItemValue(QStringLiteral("client_id")), QStringLiteral("our-rs"));
        QCOMPARE(form.queryItemValue(QStringLiteral("client_secret")), kSecret);
        QVERIFY(!m_as.lastIntrospectHeaders.contains("Authorization"));
        m_as.introspection =
            object({{QStringLiteral("active"), true},
                    {QStringLiteral("iss"), QString(m_base + QStringLiteral("/tenant"))},
                    {QStringLiteral("client_id"), QStringLiteral("c")},
                    {QStringLiteral("sub"), QStringLiteral("u")},
                    {QStringLiteral("aud"), kResource},
                    {QStringLiteral("scope"), QStringLiteral("tasks:read")},
                    {QStringLiteral("exp"), QDateTime::currentSecsSinceEpoch() + 60}});
    }
    auto principal = verifier->verify(token);
    QVERIFY2(principal.ok(), principal.ok() ? "" : qPrintable(principal.error().toString()));
    QCOMPARE(principal->issuer, m_base + QStringLiteral("/tenant"));
    QCOMPARE(principal->scopes, QStringList{QStringLiteral("tasks:read")});
}

void TestRsTrust::metadataNamingAnotherIssuerIsUnavailable()
{
    {
        std::lock_guard lock(m_as.mutex);
        m_as.metadataIssuerOverride = QStringLiteral("https://impostor.example");
    }
    auto verifier = router(kResource, std::make_shared<RefusingVerifier>());
    QVERIFY(verifier);
    auto result = verifier->verify(signJwt(m_key, claims()));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, VerifyError::Unavailable);
    QVERIFY2(result.error().message.contains(QLatin1String("RFC 8414")),
             qPrintable(result.error().message));
    // Retrying is rate-limited: no second fetch at once.
    const int fetches = m_as.metadataFetches.load();
    QVERIFY(!verifier->verify(signJwt(m_key, claims())).ok());
    QCOMPARE(m_as.metadataFetches.load(), fetches);
}

void TestRsTrust::engineServesTrustedIssuerAndRefusesUnknown()
{
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("trust.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 1;
    config.adminTokenFile = m_dir.filePath(QStringLiteral("admin-token"));
    auto trusted = TrustedIssuer::fromSpec(m_base + QStringLiteral(",algorithms=ES256"));
    QVERIFY(trusted.ok());
    config.resourceServer.trustedIssuers = {*trusted};
    Core::Engine engine;
    const Core::Status started = engine.start(config);
    QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
    const QString rs = engine.resourceServerUrl().toString();

    Http::Client client;
    Http::ClientRequest prm;
    prm.url = QUrl(rs + QStringLiteral("/.well-known/oauth-protected-resource/mcp"));
    auto metadata = client.sendAndWait(prm);
    QVERIFY(metadata.ok());
    QCOMPARE(metadata->status, 200);
    const QJsonArray servers = QJsonDocument::fromJson(metadata->body)
                                   .object()
                                   .value(QStringLiteral("authorization_servers"))
                                   .toArray();
    QCOMPARE(servers, QJsonArray({engine.issuer(), m_base}));

    const auto initialize = [&](const QByteArray &token) {
        Http::ClientRequest request;
        request.method = "POST";
        request.url = QUrl(rs + QStringLiteral("/mcp"));
        request.headers.set("Authorization", "Bearer " + token);
        request.headers.set("Content-Type", "application/json");
        request.headers.set("Accept", "application/json, text/event-stream");
        request.body =
            QJsonDocument(
                object({{QStringLiteral("jsonrpc"), QStringLiteral("2.0")},
                        {QStringLiteral("id"), 1},
                        {QStringLiteral("method"), QStringLiteral("initialize")},
                        {QStringLiteral("params"),
                         object({{QStringLiteral("protocolVersion"), QStringLiteral("2025-11-25")},
                                 {QStringLiteral("capabilities"), QJsonObject{}},
                                 {QStringLiteral("clientInfo"),
                                  object({{QStringLiteral("name"), QStringLiteral("t")},
                                          {QStringLiteral("version"), QStringLiteral("1")}})}})}}))
                .toJson();
        auto response = client.sendAndWait(request);
        return response ? *response : Http::ClientResponse{};
    };
    QJsonObject body = claims();
    body.insert(QStringLiteral("aud"), engine.mcpResourceUri());
    const auto accepted = initialize(signJwt(m_key, body));
    QCOMPARE(accepted.status, 200);

    body.insert(QStringLiteral("iss"), QStringLiteral("https://unknown.example"));
    const auto refused = initialize(signJwt(m_key, body));
    QCOMPARE(refused.status, 401);
    QVERIFY2(refused.headers.value("WWW-Authenticate").contains("error=\"invalid_token\""),
             refused.headers.value("WWW-Authenticate").constData());

    body = claims(); // the audience of another resource
    QCOMPARE(initialize(signJwt(m_key, body)).status, 401);
    engine.stop();
}

QTEST_GUILESS_MAIN(TestRsTrust)
#include "tst_rs_trust.moc"
