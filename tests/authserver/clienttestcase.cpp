#include "clienttestcase.h"

#include <QJsonDocument>
#include <QMutexLocker>
#include <QTest>

#include "store/auditrepository.h"
#include "store/clientrepository.h"

namespace TestSupport {

DocumentServer::DocumentServer()
    : m_server([] {
        Http::ServerOptions options;
        options.workerThreads = 1;
        return options;
    }())
{
    m_server.router().handle("GET", "/docs/:name", [this](const Http::Request &request) {
        const QString name = QString::fromUtf8(request.pathParams.value("name"));
        QMutexLocker lock(&m_mutex);
        ++m_hits[name];
        return m_documents.value(name, Http::Response::text(404, "no such document"));
    });
}

DocumentServer::~DocumentServer()
{
    m_server.close();
}

Core::Status DocumentServer::start()
{
    return m_server.listen(QHostAddress(QHostAddress::LocalHost), 0);
}

QString DocumentServer::url(const QString &name) const
{
    return m_server.baseUrl().toString() + QStringLiteral("/docs/") + name;
}

void DocumentServer::put(const QString &name, Http::Response response)
{
    QMutexLocker lock(&m_mutex);
    m_documents.insert(name, std::move(response));
}

void DocumentServer::putJson(const QString &name, const QJsonObject &body,
                             const QByteArray &cacheControl)
{
    Http::Response response = Http::Response::json(200, QJsonDocument(body));
    if (!cacheControl.isEmpty())
        response.headers.set(QByteArrayLiteral("Cache-Control"), cacheControl);
    put(name, std::move(response));
}

int DocumentServer::hits(const QString &name) const
{
    QMutexLocker lock(&m_mutex);
    return m_hits.value(name);
}

void ClientTestCase::cleanup()
{
    if (m_sharedKey.isEmpty())
        m_fixture.reset();
}

void ClientTestCase::cleanupTestCase()
{
    m_sharedKey.clear();
    m_fixture.reset();
    m_backends.stop();
}

Auth::Config ClientTestCase::testConfig()
{
    Auth::Config config = unlimitedConfig();
    config.allowLoopbackCimd = true;
    return config;
}

namespace {

QString sharedKey()
{
    QFETCH_GLOBAL(QString, backend);
    return QString::fromLatin1(QTest::currentTestFunction()) + QLatin1Char('/') + backend;
}

} // namespace

bool ClientTestCase::sharedServerRunning() const
{
    return m_fixture && !m_sharedKey.isEmpty() && m_sharedKey == sharedKey();
}

bool ClientTestCase::startServer(Auth::Config config, bool shared)
{
    QFETCH_GLOBAL(QString, backend);
    if (shared && sharedServerRunning())
        return true;
    m_sharedKey = shared ? sharedKey() : QString();
    m_fixture.reset();
    m_fixture = startFixture(backend, std::move(config));
    return m_fixture != nullptr;
}

qint64 ClientTestCase::clientCount() const
{
    return Store::ClientRepository(m_fixture->db()).count().valueOr(-1);
}

int ClientTestCase::auditCount(const QString &type) const
{
    Store::AuditFilter filter;
    filter.type = type;
    filter.limit = 10000;
    auto events = Store::AuditRepository(m_fixture->db()).list(filter);
    return events ? int(events->size()) : -1;
}

} // namespace TestSupport
