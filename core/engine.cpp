#include "engine.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>

#include <openssl/crypto.h>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "crypto/random.h"
#include "friction/registry.h"
#include "http/exchangelog.h"
#include "http/server.h"
#include "http/tls.h"
#include "resource/mcpserver.h"
#include "resource/trust.h"
#include "store/clientrepository.h"
#include "store/database.h"
#include "store/databaseurl.h"
#include "store/tokenrepository.h"

namespace Core {

namespace {

const QString kIntrospectionClientId = QStringLiteral("mcpauth-rs");

Status pingStore(Store::Database *store)
{
    if (!store)
        return makeError(QStringLiteral("store_closed"), QStringLiteral("the store is closed"));
    return store->transaction(
        [](QSqlDatabase &db) -> Status {
            QSqlQuery query(db);
            if (!query.exec(QStringLiteral("SELECT 1")) || !query.next())
                return makeError(QStringLiteral("store_unavailable"), query.lastError().text());
            return {};
        },
        Store::TransactionMode::Read);
}

} // namespace

/// A start in progress: what beginLaunch() made on the engine's thread (the checked
/// config, the bound but paused servers), then what prepareStore() opened.
struct Engine::Launch
{
    ServerConfig config;
    QString adminTokenFile;
    Auth::Config asConfig;
    std::optional<Http::TlsCredentials> tls;
    std::unique_ptr<Http::Server> as;
    std::unique_ptr<Http::Server> rs;
    Http::ExchangeLog *exchangeLog = nullptr;
    // Filled by prepareStore().
    Resource::AdminToken adminToken;
    std::shared_ptr<Store::Database> db;
    std::unique_ptr<Auth::AuthorizationServer> authorizationServer;
    Auth::DemoData demo;
    QByteArray introspectionSecret; ///< empty with JWT verification
    Status status;

    ~Launch()
    {
        if (as)
            as->close();
        if (rs)
            rs->close();
    }
};

Engine::Engine(QObject *parent)
    : QObject(parent)
    , m_exchangeLog(new Http::ExchangeLog(2000, 64 * 1024, this))
{}

Engine::~Engine()
{
    if (m_startThread) {
        // The worker cannot be interrupted; it ends at the latest at the store's timeout.
        m_startThread->disconnect(this);
        m_startThread->wait();
        delete m_startThread;
        m_startThread = nullptr;
    }
    stop();
}

QList<QSslCertificate> Engine::trustedCertificates() const
{
    if (m_tlsCertificate.isNull())
        return {};
    return {m_tlsCertificate};
}

Status Engine::start(const ServerConfig &config)
{
    auto launch = beginLaunch(config);
    if (!launch)
        return launch.error();
    if (auto prepared = prepareStore(**launch); !prepared)
        return prepared;
    return finishLaunch(**launch);
}

void Engine::startInBackground(const ServerConfig &config)
{
    auto launch = beginLaunch(config);
    if (!launch) {
        emit startFailed(launch.error());
        return;
    }
    std::shared_ptr<Launch> pending = *launch;
    m_startThread = QThread::create([pending] { pending->status = prepareStore(*pending); });
    m_startThread->setObjectName(QStringLiteral("engine start"));
    connect(m_startThread, &QThread::finished, this, [this, pending] {
        m_startThread->deleteLater();
        m_startThread = nullptr;
        Status status = pending->status;
        if (status)
            status = finishLaunch(*pending);
        emit startingChanged(false);
        if (!status)
            emit startFailed(status.error());
    });
    m_startThread->start();
    emit startingChanged(true);
}

Result<std::shared_ptr<Engine::Launch>> Engine::beginLaunch(const ServerConfig &config)
{
    if (m_running || m_startThread)
        return makeError(QStringLiteral("already_running"),
                         QStringLiteral("the servers are already running; stop them first"));
    if (auto valid = config.validate(); !valid)
        return valid.error();
    auto launch = std::make_shared<Launch>();
    launch->config = config;
    launch->exchangeLog = m_exchangeLog;
    launch->adminTokenFile = config.adminTokenFile.isEmpty() ? Resource::AdminToken::defaultPath()
                                                             : config.adminTokenFile;
    m_adminTokenFile = launch->adminTokenFile;

    Http::ServerOptions options;
    options.workerThreads = config.workerThreads;
    options.workerNice = m_serveInBackground ? 10 : 0;
    if (config.tls) {
        auto credentials =
            config.tlsCertificateFile.isEmpty()
                ? Http::TlsCredentials::generateSelfSigned()
                : Http::TlsCredentials::fromPemFiles(config.tlsCertificateFile, config.tlsKeyFile);
        if (!credentials)
            return credentials.error();
        options.tls = *credentials;
        launch->tls = *credentials;
    }
    launch->as = std::make_unique<Http::Server>(options);
    launch->rs = std::make_unique<Http::Server>(options);
    launch->as->setExchangeLog(m_exchangeLog);
    launch->rs->setExchangeLog(m_exchangeLog);

    // Bind both ports first with accepting paused: the issuer and the resource URI derive
    // from the bound ports, and every route must be in place before the first request.
    const auto paused = Http::Server::ListenMode::Paused;
    if (auto listening = launch->as->listen(config.bindAddress, config.asPort, paused); !listening)
        return makeError(listening.error().code,
                         QStringLiteral("authorization server: ") + listening.error().message);
    if (auto listening = launch->rs->listen(config.bindAddress, config.rsPort, paused); !listening)
        return makeError(listening.error().code,
                         QStringLiteral("resource server: ") + listening.error().message);

    launch->asConfig = config.authorizationServer;
    if (!config.issuer.isEmpty())
        launch->asConfig.issuer = config.issuer;
    if (launch->asConfig.issuer.isEmpty())
        launch->asConfig.issuer = launch->as->baseUrl().toString();
    if (launch->asConfig.defaultResource.isEmpty())
        launch->asConfig.defaultResource =
            launch->rs->baseUrl().toString() + QStringLiteral("/mcp");
    return launch;
}

Status Engine::prepareStore(Launch &launch)
{
    if (auto token = Resource::AdminToken::loadOrCreate(launch.adminTokenFile); token)
        launch.adminToken = *token;
    else
        return token.error();

    const QString url =
        launch.config.storeUrl.isEmpty() ? Store::defaultUrl() : launch.config.storeUrl;
    auto database = Store::Database::open(url);
    if (!database)
        return makeError(database.error().code,
                         QStringLiteral("store %1: %2")
                             .arg(Store::maskDatabaseUrl(url), database.error().message));
    launch.db = *database;
    launch.authorizationServer = std::make_unique<Auth::AuthorizationServer>(
        launch.asConfig, launch.db, std::function<qint64()>{}, launch.exchangeLog);
    if (auto prepared = launch.authorizationServer->prepare(); !prepared)
        return prepared;
    auto demo = Auth::ensureDemoData(launch.authorizationServer->context());
    if (!demo)
        return demo.error();
    launch.demo = *demo;
    if (launch.config.resourceServer.verification == QLatin1String("jwt"))
        return {};
    // A static client that may introspect every token. Its secret is derived from the
    // admin token, so that engines sharing the store and the admin token file (a second
    // `mcpauth serve`, `mcpauth check-server`) write the same hash instead of each
    // replacing the other's secret.
    const QByteArray secret =
        launch.adminToken.derivedSecret("mcpauth-rs introspection client secret");
    Store::Client client;
    client.clientId = kIntrospectionClientId;
    client.name = QStringLiteral("MCP Auth Studio resource server (introspection)");
    client.secret = Store::SecretHash::fromSecret(secret);
    client.authMethod = QStringLiteral("client_secret_basic");
    client.scope = QStringLiteral("introspect");
    client.source = QStringLiteral("static");
    client.applicationType = QStringLiteral("web");
    if (auto stored = Store::ClientRepository(launch.db).upsert(client); !stored)
        return makeError(stored.error().code,
                         QStringLiteral("creating the resource server's introspection "
                                        "client failed: ") +
                             stored.error().message);
    launch.introspectionSecret = secret;
    return {};
}

Status Engine::finishLaunch(Launch &launch)
{
    if (m_running)
        return makeError(QStringLiteral("already_running"),
                         QStringLiteral("the servers are already running; stop them first"));
    m_adminToken = launch.adminToken;
    QList<QSslCertificate> trusted; // the RS's verifier calls our own AS
    if (launch.tls)
        trusted.append(launch.tls->certificate);
    Http::Server &as = *launch.as;
    Http::Server &rs = *launch.rs;
    launch.authorizationServer->install(as.router());
    if (auto resource = prepareResourceServer(launch.config, as, rs, *launch.authorizationServer,
                                              launch.db, trusted, launch.introspectionSecret);
        !resource)
        return resource;
    m_store = launch.db;
    installHealthRoute(as, QStringLiteral("authorization_server"));
    installHealthRoute(rs, QStringLiteral("resource_server"));
    as.resumeAccepting();
    rs.resumeAccepting();

    m_config = launch.config;
    m_issuer = launch.asConfig.issuer;
    m_demoUsername = launch.demo.username;
    m_demoPassword = launch.demo.password;
    m_demoClientId = launch.demo.clientId;
    m_tlsCertificate = launch.tls ? launch.tls->certificate : QSslCertificate();
    m_tlsFingerprint =
        launch.tls ? QString::fromLatin1(launch.tls->sha256Fingerprint()) : QString();
    m_authorizationServer = std::move(launch.authorizationServer);
    m_asHttp = std::move(launch.as);
    m_rsHttp = std::move(launch.rs);
    m_running = true;
    emit started();
    return {};
}

void Engine::stop()
{
    if (!m_running)
        return;
    m_frictionAdmin->closeStreams();
    m_store->removeRevocationListener(m_revocationListener);
    m_asHttp->close();
    m_rsHttp->close();
    m_asHttp.reset();
    m_rsHttp.reset();
    m_frictionAdmin.reset();
    m_mcpServer.reset();
    m_friction.reset();
    m_authorizationServer.reset();
    m_store.reset();
    m_tlsCertificate = QSslCertificate();
    m_tlsFingerprint.clear();
    m_running = false;
    emit stopped();
}

QUrl Engine::authorizationServerUrl() const
{
    return m_asHttp ? m_asHttp->baseUrl() : QUrl();
}

QUrl Engine::resourceServerUrl() const
{
    return m_rsHttp ? m_rsHttp->baseUrl() : QUrl();
}

QString Engine::issuer() const
{
    return m_running ? m_issuer : QString();
}

QString Engine::mcpResourceUri() const
{
    return m_authorizationServer ? m_authorizationServer->context().config().defaultResource
                                 : QString();
}

Status Engine::prepareResourceServer(const ServerConfig &config, Http::Server &as, Http::Server &rs,
                                     Auth::AuthorizationServer &authorizationServer,
                                     const std::shared_ptr<Store::Database> &db,
                                     const QList<QSslCertificate> &trusted,
                                     const QByteArray &introspectionSecret)
{
    const Resource::Config &rsConfig = config.resourceServer;
    const Auth::Context &context = authorizationServer.context();
    const QString resourceUri = context.config().defaultResource;
    const QString asBase = as.baseUrl().toString();

    // Same process as the AS: every revocation committed through this store (by /revoke,
    // refresh token reuse, a removed client or user, the operator) reaches the verifier at
    // once through the store's revocation listener, with no store query per request. Only
    // when a revocation was too large to list does a verified token get checked against
    // the store, until the tokens it may have covered have expired. Revocations made by
    // another process on a shared PostgreSQL store reach an introspection verifier when
    // its cache entry ends (resource_server.positive_cache_seconds).
    auto revoked = std::make_shared<Resource::RevocationList>();
    std::weak_ptr<Store::Database> weakDb = db;
    const auto stillActive = [weakDb, revoked](const QByteArray &hash) {
        if (revoked->contains(hash))
            return false;
        if (revoked->complete())
            return true;
        const auto store = weakDb.lock();
        auto digest = Store::SecretHash::fromHex(QString::fromLatin1(hash));
        if (!store || !digest)
            return false;
        auto token = Store::TokenRepository(store).findByHash(*digest);
        return token && token->state(store->now()) == Store::TokenState::Active;
    };
    std::shared_ptr<Resource::BearerVerifier> verifier;
    if (rsConfig.verification == QLatin1String("jwt")) {
        Resource::JwtVerifier::Options options;
        options.jwksUri = QUrl(asBase + QLatin1String(Auth::Paths::Jwks));
        options.issuer = context.issuer();
        options.resource = resourceUri;
        options.trustedCertificates = trusted;
        options.exchangeLog = m_exchangeLog;
        options.stillActive = stillActive;
        verifier = std::make_shared<Resource::JwtVerifier>(options);
    } else {
        Resource::IntrospectionVerifier::Options options;
        options.endpoint = QUrl(asBase + QLatin1String(Auth::Paths::Introspect));
        options.resource = resourceUri;
        options.expectedIssuer = context.issuer();
        options.clientId = kIntrospectionClientId;
        options.credential = introspectionSecret;
        options.cacheSize = rsConfig.cacheSize;
        options.positiveCacheSeconds = rsConfig.positiveCacheSeconds;
        options.negativeCacheSeconds = rsConfig.negativeCacheSeconds;
        options.trustedCertificates = trusted;
        options.exchangeLog = m_exchangeLog;
        options.stillActive = stillActive;
        verifier = std::make_shared<Resource::IntrospectionVerifier>(options);
    }

    // External issuers of "resource_server.trusted_issuers" are routed to by the token's iss.
    auto trusting = Resource::trustIssuers(verifier, context.issuer(),
                                           rsConfig.verification != QLatin1String("jwt"), rsConfig,
                                           resourceUri, m_exchangeLog);
    if (!trusting)
        return trusting.error();
    verifier = *trusting;

    const qint64 longestAccessToken = qint64(context.config().accessTokenLifetime) * 1000;
    std::weak_ptr<Resource::BearerVerifier> weakVerifier = verifier;
    m_revocationListener = db->addRevocationListener(
        [revoked, weakVerifier, longestAccessToken](const Store::Revocation &revocation) {
            if (!revocation.complete)
                revoked->markIncomplete(QDateTime::currentMSecsSinceEpoch() + longestAccessToken);
            const auto target = weakVerifier.lock();
            for (const Store::RevokedToken &token : revocation.tokens) {
                revoked->add(token.hashHex, token.expiresAt);
                if (target)
                    target->invalidate(token.hashHex);
            }
        });

    auto friction = std::make_shared<Friction::Registry>();
    if (auto set = friction->setConfig(rsConfig.friction); !set)
        return set;
    Resource::McpServer::Options options;
    options.config = rsConfig;
    options.resourceUri = resourceUri;
    options.authorizationServers = rsConfig.metadataAuthorizationServers(context.issuer());
    auto server = std::make_unique<Resource::McpServer>(options, verifier, db, friction);
    server->install(rs.router());
    auto admin = std::make_unique<Resource::FrictionAdmin>(Resource::FrictionAdmin::Options{},
                                                           m_adminToken, friction, db);
    admin->install(rs.router());
    m_frictionAdmin = std::move(admin);
    m_friction = std::move(friction);
    m_mcpServer = std::move(server);
    return {};
}

void Engine::installHealthRoute(Http::Server &server, const QString &role)
{
    std::weak_ptr<Store::Database> weakStore = m_store;
    server.router().handle(
        QByteArrayLiteral("GET"), QByteArrayLiteral("/healthz"),
        [weakStore, role](const Http::Request &) {
            const auto store = weakStore.lock();
            const Status storeStatus = pingStore(store.get());
            QJsonObject body{
                {QStringLiteral("status"),
                 storeStatus ? QStringLiteral("ok") : QStringLiteral("unavailable")},
                {QStringLiteral("role"), role},
                {QStringLiteral("version"), QStringLiteral(MCPAUTH_VERSION)},
                {QStringLiteral("store"),
                 storeStatus ? QStringLiteral("ok") : storeStatus.error().message},
            };
            return Http::Response::json(storeStatus ? 200 : 503, QJsonDocument(body));
        });
}

void prepareApplication()
{
    // Qt's glib event dispatcher is measurably slower for the server's worker loops.
    qputenv("QT_NO_GLIB", "1");
}

void applyApplicationIdentity()
{
    QCoreApplication::setOrganizationName(QStringLiteral("MCP Auth Studio"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("mcpauth.studio"));
    QCoreApplication::setApplicationName(QStringLiteral("mcpauth-studio"));
    QCoreApplication::setApplicationVersion(QStringLiteral(MCPAUTH_VERSION));
}

QString versionLine()
{
    return QStringLiteral("mcpauth %1 (Qt %2, %3)")
        .arg(QStringLiteral(MCPAUTH_VERSION), QString::fromLatin1(qVersion()),
             QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION)));
}

QList<QPair<QString, QString>> componentVersions()
{
    return {
        {QStringLiteral("Qt"), QString::fromLatin1(qVersion())},
        {QStringLiteral("OpenSSL"), QString::fromLatin1(OpenSSL_version(OPENSSL_VERSION))},
        {QStringLiteral("SQL drivers"), QSqlDatabase::drivers().join(QStringLiteral(", "))},
    };
}

} // namespace Core
