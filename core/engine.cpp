#include "engine.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

#include <openssl/crypto.h>

#include "http/exchangelog.h"
#include "http/server.h"
#include "http/tls.h"
#include "store/database.h"
#include "store/databaseurl.h"

namespace Core {

namespace {

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

Engine::Engine(QObject *parent)
    : QObject(parent)
    , m_exchangeLog(new Http::ExchangeLog(2000, 64 * 1024, this))
{}

Engine::~Engine()
{
    stop();
}

Status Engine::start(const ServerConfig &config)
{
    if (m_running)
        return makeError(QStringLiteral("already_running"),
                         QStringLiteral("the servers are already running; stop them first"));
    if (auto valid = config.validate(); !valid)
        return valid;

    const QString url = config.storeUrl.isEmpty() ? Store::defaultUrl() : config.storeUrl;
    auto database = Store::Database::open(url);
    if (!database)
        return database.error();

    Http::ServerOptions options;
    options.workerThreads = config.workerThreads;
    if (config.tls) {
        auto credentials =
            config.tlsCertificateFile.isEmpty()
                ? Http::TlsCredentials::generateSelfSigned()
                : Http::TlsCredentials::fromPemFiles(config.tlsCertificateFile, config.tlsKeyFile);
        if (!credentials)
            return credentials.error();
        m_tlsFingerprint = QString::fromLatin1(credentials->sha256Fingerprint());
        options.tls = *credentials;
    } else {
        m_tlsFingerprint.clear();
    }
    auto as = std::make_unique<Http::Server>(options);
    auto rs = std::make_unique<Http::Server>(options);
    as->setExchangeLog(m_exchangeLog);
    rs->setExchangeLog(m_exchangeLog);
    m_store = *database;
    installHealthRoute(*as, QStringLiteral("authorization_server"));
    installHealthRoute(*rs, QStringLiteral("resource_server"));

    if (auto listening = as->listen(config.bindAddress, config.asPort); !listening) {
        m_store.reset();
        return makeError(listening.error().code,
                         QStringLiteral("authorization server: ") + listening.error().message);
    }
    if (auto listening = rs->listen(config.bindAddress, config.rsPort); !listening) {
        as->close();
        m_store.reset();
        return makeError(listening.error().code,
                         QStringLiteral("resource server: ") + listening.error().message);
    }
    m_config = config;
    m_authorizationServer = std::move(as);
    m_resourceServer = std::move(rs);
    m_running = true;
    emit started();
    return {};
}

void Engine::stop()
{
    if (!m_running)
        return;
    m_authorizationServer->close();
    m_resourceServer->close();
    m_authorizationServer.reset();
    m_resourceServer.reset();
    m_store.reset();
    m_running = false;
    emit stopped();
}

QUrl Engine::authorizationServerUrl() const
{
    return m_authorizationServer ? m_authorizationServer->baseUrl() : QUrl();
}

QUrl Engine::resourceServerUrl() const
{
    return m_resourceServer ? m_resourceServer->baseUrl() : QUrl();
}

QString Engine::issuer() const
{
    if (!m_config.issuer.isEmpty())
        return m_config.issuer;
    QString url = authorizationServerUrl().toString();
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    return url;
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
