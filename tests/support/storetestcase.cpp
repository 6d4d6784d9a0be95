#include "storetestcase.h"

#include <QTest>

namespace TestSupport {

void StoreTestCase::initTestCase_data()
{
    StoreBackends::addBackendRows();
}

void StoreTestCase::initTestCase()
{
    const Core::Status started = m_backends.start();
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().toString()));
}

void StoreTestCase::init()
{
    m_now = kStart;
}

void StoreTestCase::cleanupTestCase()
{
    m_backends.stop();
}

std::shared_ptr<Store::Database> StoreTestCase::freshDatabase(Store::OpenOptions options)
{
    QFETCH_GLOBAL(QString, backend);
    if (!options.synchronous) // durability is not under test here; speed is welcome
        options.synchronous = Store::Synchronous::Normal;
    if (!options.clock)
        options.clock = [this] { return m_now.load(); };
    auto db = m_backends.freshDatabase(backend, std::move(options));
    if (!db) {
        qWarning("cannot open a fresh %s database: %s", qPrintable(backend),
                 qPrintable(db.error().toString()));
        return nullptr;
    }
    return *db;
}

bool StoreTestCase::addClient(const std::shared_ptr<Store::Database> &db, const QString &clientId)
{
    Store::Client client;
    client.clientId = clientId;
    client.name = QStringLiteral("Client ") + clientId;
    client.redirectUris = {QStringLiteral("http://127.0.0.1/callback")};
    client.grantTypes = {QStringLiteral("authorization_code"), QStringLiteral("refresh_token")};
    auto created = Store::ClientRepository(db).create(client);
    if (!created)
        qWarning("addClient: %s", qPrintable(created.error().toString()));
    return created.ok();
}

} // namespace TestSupport
