#include "asfixture.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QtTest>

#include "authserver/context.h"
#include "store/secrethash.h"

namespace TestSupport {

AsFixture::AsFixture() = default;

AsFixture::~AsFixture()
{
    stop();
}

Core::Status AsFixture::start(std::shared_ptr<Store::Database> db, Auth::Config config)
{
    stop();
    m_db = std::move(db);
    Http::ServerOptions options;
    options.workerThreads = 2;
    m_server = std::make_unique<Http::Server>(options);
    m_server->setExchangeLog(&m_log);
    if (auto listening = m_server->listen(QHostAddress(QHostAddress::LocalHost), 0); !listening)
        return listening;
    if (config.issuer.isEmpty())
        config.issuer = m_server->baseUrl().toString();
    if (config.defaultResource.isEmpty())
        config.defaultResource = QStringLiteral("http://127.0.0.1:9/mcp");
    m_as = std::make_unique<Auth::AuthorizationServer>(
        config, m_db, [this] { return now(); }, &m_log);
    if (auto prepared = m_as->prepare(); !prepared)
        return prepared;
    // Routes may only be added while no request is being served; nothing has connected
    // yet, and the router is read-only from here on.
    m_as->install(m_server->router());
    m_client = std::make_unique<Http::Client>();
    Http::SsrfPolicy policy;
    policy.allowLoopback = true;
    m_client->setPolicy(policy);
    return {};
}

void AsFixture::stop()
{
    if (m_server)
        m_server->close();
    m_server.reset();
    m_as.reset();
    m_client.reset();
}

Auth::Context &AsFixture::context() const
{
    return m_as->context();
}

QString AsFixture::issuer() const
{
    return m_as->context().issuer();
}

QUrl AsFixture::url(const QString &path) const
{
    if (path.startsWith(QLatin1String("http://")) || path.startsWith(QLatin1String("https://")))
        return QUrl(path);
    return QUrl(m_server->baseUrl().toString() + path);
}

qint64 AsFixture::now() const
{
    return QDateTime::currentMSecsSinceEpoch() + m_offset.load();
}

Http::ClientResponse AsFixture::request(Http::ClientRequest request)
{
    auto result = m_client->sendAndWait(std::move(request));
    if (!result) {
        Http::ClientResponse failed;
        failed.body = result.error().toString().toUtf8();
        return failed;
    }
    return *result;
}

Http::ClientResponse AsFixture::get(const QString &pathOrUrl, Http::Headers headers)
{
    Http::ClientRequest r;
    r.url = url(pathOrUrl);
    r.headers = std::move(headers);
    return request(std::move(r));
}

Http::ClientResponse AsFixture::postForm(const QString &pathOrUrl, const Http::FormData &form,
                                         Http::Headers headers)
{
    Http::ClientRequest r;
    r.method = QByteArrayLiteral("POST");
    r.url = url(pathOrUrl);
    r.headers = std::move(headers);
    if (!r.headers.contains("Content-Type"))
        r.headers.set(QByteArrayLiteral("Content-Type"),
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    r.body = Http::encodeForm(form);
    return request(std::move(r));
}

Http::ClientResponse AsFixture::postJson(const QString &pathOrUrl, const QJsonObject &body,
                                         Http::Headers headers)
{
    Http::ClientRequest r;
    r.method = QByteArrayLiteral("POST");
    r.url = url(pathOrUrl);
    r.headers = std::move(headers);
    r.headers.set(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json"));
    r.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    return request(std::move(r));
}

QJsonObject AsFixture::json(const Http::ClientResponse &response)
{
    return QJsonDocument::fromJson(response.body).object();
}

QByteArray AsFixture::basicAuthorization(const QString &clientId, const QString &secret)
{
    const QByteArray pair =
        QUrl::toPercentEncoding(clientId) + ':' + QUrl::toPercentEncoding(secret);
    return QByteArrayLiteral("Basic ") + pair.toBase64();
}

Core::Result<Store::Client> AsFixture::createClient(const QString &clientId, const QString &secret,
                                                    QStringList redirectUris,
                                                    QStringList grantTypes,
                                                    const QString &authMethod, const QString &scope)
{
    Store::Client client;
    client.clientId = clientId;
    client.name = clientId;
    if (!secret.isEmpty())
        client.secret = Store::SecretHash::fromSecret(secret.toUtf8());
    client.authMethod = !authMethod.isEmpty() ? authMethod
                        : secret.isEmpty()    ? QStringLiteral("none")
                                              : QStringLiteral("client_secret_basic");
    client.redirectUris = redirectUris.isEmpty()
                              ? QStringList{QStringLiteral("http://127.0.0.1/callback")}
                              : redirectUris;
    client.grantTypes = grantTypes.isEmpty() ? QStringList{QStringLiteral("authorization_code"),
                                                           QStringLiteral("refresh_token")}
                                             : grantTypes;
    client.responseTypes = {QStringLiteral("code")};
    client.scope = scope;
    return Store::ClientRepository(m_db).create(client);
}

Http::Headers FormBrowser::headers() const
{
    Http::Headers h;
    if (!cookie.isEmpty())
        h.set(QByteArrayLiteral("Cookie"), cookie);
    return h;
}

void FormBrowser::take(const Http::ClientResponse &response)
{
    for (const QByteArray &header : response.headers.values("Set-Cookie"))
        cookie = header.split(';').first().trimmed();
    static const QRegularExpression field(
        QStringLiteral("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\""));
    auto it = field.globalMatch(QString::fromUtf8(response.body));
    if (it.hasNext())
        hidden.clear();
    while (it.hasNext()) {
        const auto match = it.next();
        hidden.insert(match.captured(1), match.captured(2));
    }
}

std::unique_ptr<AsFixture> BackendTestCase::startFixture(const QString &backend,
                                                         Auth::Config config)
{
    auto fixture = std::make_unique<AsFixture>();
    Store::OpenOptions options;
    options.synchronous = Store::Synchronous::Normal; // durability is not under test here
    options.clock = [raw = fixture.get()] { return raw->now(); };
    auto db = m_backends.freshDatabase(backend, options);
    if (!db) {
        qWarning("cannot open a %s store: %s", qPrintable(backend),
                 qPrintable(db.error().toString()));
        return nullptr;
    }
    const Core::Status started = fixture->start(*db, std::move(config));
    if (!started) {
        qWarning("cannot start the server: %s", qPrintable(started.error().toString()));
        return nullptr;
    }
    return fixture;
}

Auth::Config BackendTestCase::unlimitedConfig()
{
    Auth::Config config;
    config.tokenPerClient = {};
    config.tokenPerAddress = {};
    config.registerPerAddress = {};
    config.devicePerAddress = {};
    config.loginPerAddress = {};
    return config;
}

void BackendTestCase::initTestCase_data()
{
    StoreBackends::addBackendRows();
}

void BackendTestCase::initTestCase()
{
    const Core::Status started = m_backends.start();
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().toString()));
}

} // namespace TestSupport
