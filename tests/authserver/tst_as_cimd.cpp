// Client ID Metadata Documents: client_ids that are URLs, fetched from a loopback server
// (Config::allowLoopbackCimd), validated, and cached per the response's headers, on SQLite
// and PostgreSQL.
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include "authserver/clientresolver.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "clienttestcase.h"
#include "store/clientrepository.h"

namespace {

const QString kDoc = QStringLiteral("app.json");

} // namespace

class TestAsCimd final : public TestSupport::ClientTestCase
{
    Q_OBJECT

private slots:
    void init();
    void happyPath();
    void refused_data();
    void refused();
    void httpRefusedWithoutLoopbackFlag();
    void cacheHonoured_data();
    void cacheHonoured();
    void failedRefetchFailsClosed();

private:
    QJsonObject document() const;
    Core::Result<Store::Client> resolve(const QString &url)
    {
        return as().context().clients().resolve(url);
    }

    std::unique_ptr<TestSupport::DocumentServer> m_docs;
};

void TestAsCimd::init()
{
    m_docs = std::make_unique<TestSupport::DocumentServer>();
    QVERIFY(m_docs->start().ok());
}

QJsonObject TestAsCimd::document() const
{
    return {
        {QStringLiteral("client_id"), m_docs->url(kDoc)},
        {QStringLiteral("client_name"), QStringLiteral("Doc App")},
        {QStringLiteral("client_uri"), QStringLiteral("https://app.example")},
        {QStringLiteral("redirect_uris"), QJsonArray{QStringLiteral("http://127.0.0.1/callback"),
                                                     QStringLiteral("https://app.example/cb")}},
        {QStringLiteral("grant_types"),
         QJsonArray{QStringLiteral("authorization_code"), QStringLiteral("refresh_token")}},
        {QStringLiteral("software_version"), QStringLiteral("1.2")}};
}

void TestAsCimd::happyPath()
{
    QVERIFY(startServer());
    const QString url = m_docs->url(kDoc);
    m_docs->putJson(kDoc, document());
    QVERIFY(Auth::ClientResolver::isMetadataDocumentUrl(url));
    auto client = resolve(url);
    QVERIFY2(client.ok(), qPrintable(client.ok() ? QString() : client.error().toString()));
    QCOMPARE(client->clientId, url);
    QCOMPARE(client->name, QStringLiteral("Doc App"));
    QCOMPARE(client->authMethod, QStringLiteral("none"));
    QCOMPARE(client->source, QStringLiteral("cimd"));
    QCOMPARE(client->metadataUrl, url);
    QVERIFY(!client->secret.has_value());
    QCOMPARE(client->redirectUris.size(), 2);
    QCOMPARE(client->metadata.value(QStringLiteral("software_version")).toString(),
             QStringLiteral("1.2"));
    auto stored = Store::ClientRepository(db()).get(url);
    QVERIFY(stored.ok());
    QCOMPARE(stored->source, QStringLiteral("cimd"));
    // No Cache-Control: one hour.
    QVERIFY(stored->metadataFetchedAt.has_value());
    QCOMPARE(*stored->metadataExpiresAt - *stored->metadataFetchedAt, qint64(3600 * 1000));
    QCOMPARE(m_docs->hits(kDoc), 1);
    QCOMPARE(auditCount(QStringLiteral("client.metadata_fetched")), 1);
}

void TestAsCimd::refused_data()
{
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("reason"); // part of the message

    QTest::newRow("client_id mismatch") << "mismatch"
                                        << "does not equal";
    QTest::newRow("client_id missing") << "no client_id"
                                       << "does not equal";
    QTest::newRow("client_id trailing slash") << "trailing slash"
                                              << "does not equal";
    QTest::newRow("redirect_uris missing") << "no redirects"
                                           << "redirect_uris";
    QTest::newRow("redirect_uris bad") << "bad redirect"
                                       << "loopback";
    QTest::newRow("client secret inside") << "secret"
                                          << "client_secret";
    QTest::newRow("secret-based auth method") << "basic method"
                                              << "no shared secrets";
    QTest::newRow("private_key_jwt without keys") << "jwt no keys"
                                                  << "jwks";
    QTest::newRow("too large") << "too large"
                               << "64 KiB";
    QTest::newRow("not JSON") << "not json"
                              << "not a JSON object";
    QTest::newRow("JSON array") << "array"
                                << "not a JSON object";
    QTest::newRow("redirect") << "redirect"
                              << "redirect";
    QTest::newRow("not found") << "404"
                               << "HTTP 404";
    QTest::newRow("server error") << "500"
                                  << "HTTP 500";
    QTest::newRow("no path") << "no path"
                             << "path";
    QTest::newRow("dot segment") << "dot segment"
                                 << ". or ..";
    QTest::newRow("fragment") << "fragment"
                              << "fragment";
    QTest::newRow("nothing listening") << "closed port"
                                       << "could not be fetched";
}

void TestAsCimd::refused()
{
    QFETCH(QString, variant);
    QFETCH(QString, reason);
    QVERIFY(startServer(testConfig(), true));
    QString url = m_docs->url(kDoc);
    QJsonObject doc = document();
    auto json = [](const QJsonObject &o) { return Http::Response::json(200, QJsonDocument(o)); };
    Http::Response response = json(doc);
    if (variant == QLatin1String("mismatch")) {
        doc.insert(QStringLiteral("client_id"), QStringLiteral("https://other.example/app.json"));
        response = json(doc);
    } else if (variant == QLatin1String("no client_id")) {
        doc.remove(QStringLiteral("client_id"));
        response = json(doc);
    } else if (variant == QLatin1String("trailing slash")) {
        doc.insert(QStringLiteral("client_id"), QString(url + QLatin1Char('/')));
        response = json(doc);
    } else if (variant == QLatin1String("no redirects")) {
        doc.remove(QStringLiteral("redirect_uris"));
        response = json(doc);
    } else if (variant == QLatin1String("bad redirect")) {
        doc.insert(QStringLiteral("redirect_uris"),
                   QJsonArray{QStringLiteral("http://evil.example/cb")});
        response = json(doc);
    } else if (variant == QLatin1String("secret")) {
        doc.insert(QStringLiteral("client_secret"), QStringLiteral("s3cret"));
        response = json(doc);
    } else if (variant == QLatin1String("basic method")) {
        doc.insert(QStringLiteral("token_endpoint_auth_method"),
                   QStringLiteral("client_secret_basic"));
        response = json(doc);
    } else if (variant == QLatin1String("jwt no keys")) {
        doc.insert(QStringLiteral("token_endpoint_auth_method"), QStringLiteral("private_key_jwt"));
        response = json(doc);
    } else if (variant == QLatin1String("too large")) {
        doc.insert(QStringLiteral("client_name"), QString(70 * 1024, u'x'));
        response = json(doc);
    } else if (variant == QLatin1String("not json")) {
        response = Http::Response::text(200, "<html>hello</html>", "text/html");
    } else if (variant == QLatin1String("array")) {
        response = Http::Response::json(200, QJsonDocument(QJsonArray{1, 2}));
    } else if (variant == QLatin1String("redirect")) {
        response = Http::Response::text(302, "moved");
        response.headers.set("Location", m_docs->url(QStringLiteral("elsewhere.json")).toUtf8());
        m_docs->putJson(QStringLiteral("elsewhere.json"), doc);
    } else if (variant == QLatin1String("404")) {
        url = m_docs->url(QStringLiteral("missing.json"));
    } else if (variant == QLatin1String("500")) {
        response = Http::Response::text(500, "oops");
    } else if (variant == QLatin1String("no path")) {
        url = QUrl(url).adjusted(QUrl::RemovePath).toString() + QLatin1Char('/');
    } else if (variant == QLatin1String("dot segment")) {
        url = QUrl(url).adjusted(QUrl::RemovePath).toString() +
              QStringLiteral("/docs/../docs/app.json");
    } else if (variant == QLatin1String("fragment")) {
        url += QStringLiteral("#frag");
    } else if (variant == QLatin1String("closed port")) {
        url = QStringLiteral("http://127.0.0.1:1/app.json");
    } else {
        QFAIL("unknown variant");
    }
    m_docs->put(kDoc, response);
    const qint64 before = clientCount();
    auto client = resolve(url);
    QVERIFY2(!client.ok(), "resolved although it must not");
    QCOMPARE(client.error().code, Auth::OAuthError::InvalidClient);
    QVERIFY2(client.error().message.contains(reason), qPrintable(client.error().message));
    QCOMPARE(clientCount(), before);
    QCOMPARE(m_docs->hits(QStringLiteral("elsewhere.json")), 0); // redirects never followed
}

void TestAsCimd::httpRefusedWithoutLoopbackFlag()
{
    Auth::Config config = testConfig();
    config.allowLoopbackCimd = false;
    QVERIFY(startServer(config));
    m_docs->putJson(kDoc, document());
    auto client = resolve(m_docs->url(kDoc));
    QVERIFY(!client.ok());
    QCOMPARE(client.error().code, Auth::OAuthError::InvalidClient);
    QVERIFY2(client.error().message.contains(QLatin1String("https")),
             qPrintable(client.error().message));
    QCOMPARE(m_docs->hits(kDoc), 0);
    // https on loopback is still refused by the SSRF guard without the flag.
    auto loopbackHttps = resolve(QStringLiteral("https://127.0.0.1:1/app.json"));
    QVERIFY(!loopbackHttps.ok());
    QCOMPARE(loopbackHttps.error().code, Auth::OAuthError::InvalidClient);
}

void TestAsCimd::cacheHonoured_data()
{
    QTest::addColumn<QByteArray>("cacheControl");
    QTest::addColumn<qint64>("freshSeconds"); // the cache lifetime the server must apply

    QTest::newRow("max-age 600") << QByteArray("public, max-age=600") << qint64(600);
    QTest::newRow("no header: 1 h") << QByteArray() << qint64(3600);
    QTest::newRow("max-age 10: at least 5 min") << QByteArray("max-age=10") << qint64(300);
    QTest::newRow("no-store: at least 5 min") << QByteArray("no-store") << qint64(300);
    QTest::newRow("max-age 1 week: at most 24 h")
        << QByteArray("max-age=604800") << qint64(24 * 3600);
}

void TestAsCimd::cacheHonoured()
{
    QFETCH(QByteArray, cacheControl);
    QFETCH(qint64, freshSeconds);
    QVERIFY(startServer());
    const QString url = m_docs->url(kDoc);
    m_docs->putJson(kDoc, document(), cacheControl);
    QVERIFY(resolve(url).ok());
    QCOMPARE(m_docs->hits(kDoc), 1);

    // Still fresh a second before the end: no refetch, even if the document changed.
    QJsonObject changed = document();
    changed.insert(QStringLiteral("client_name"), QStringLiteral("Renamed"));
    m_docs->putJson(kDoc, changed, cacheControl);
    as().advance((freshSeconds - 1) * 1000);
    auto cached = resolve(url);
    QVERIFY(cached.ok());
    QCOMPARE(cached->name, QStringLiteral("Doc App"));
    QCOMPARE(m_docs->hits(kDoc), 1);

    as().advance(2000);
    auto refreshed = resolve(url);
    QVERIFY(refreshed.ok());
    QCOMPARE(refreshed->name, QStringLiteral("Renamed"));
    QCOMPARE(m_docs->hits(kDoc), 2);
    QCOMPARE(Store::ClientRepository(db()).get(url)->name, QStringLiteral("Renamed"));
}

void TestAsCimd::failedRefetchFailsClosed()
{
    QVERIFY(startServer());
    const QString url = m_docs->url(kDoc);
    m_docs->putJson(kDoc, document(), "max-age=300");
    QVERIFY(resolve(url).ok());
    m_docs->put(kDoc, Http::Response::text(503, "maintenance"));
    as().advance(301 * 1000);
    auto client = resolve(url);
    QVERIFY(!client.ok());
    QCOMPARE(client.error().code, Auth::OAuthError::InvalidClient);
    QVERIFY2(client.error().message.contains(QLatin1String("HTTP 503")) &&
                 client.error().message.contains(QLatin1String("cached copy has expired")),
             qPrintable(client.error().message));
    QCOMPARE(auditCount(QStringLiteral("client.metadata_fetch_failed")), 1);
    // Once the document is back, the client resolves again.
    m_docs->putJson(kDoc, document(), "max-age=300");
    QVERIFY(resolve(url).ok());
}

QTEST_GUILESS_MAIN(TestAsCimd)
#include "tst_as_cimd.moc"
