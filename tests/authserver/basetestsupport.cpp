#include "basetestsupport.h"

namespace TestSupport {

bool BaseTestCase::startServer(Auth::Config config)
{
    QFETCH_GLOBAL(QString, backend);
    m_as = std::make_unique<AsFixture>();
    Store::OpenOptions options;
    options.synchronous = Store::Synchronous::Normal; // durability is not under test here
    AsFixture *fixture = m_as.get();
    options.clock = [fixture] { return fixture->now(); };
    auto db = m_backends.freshDatabase(backend, options);
    if (!db) {
        qWarning("cannot open a %s store: %s", qPrintable(backend),
                 qPrintable(db.error().toString()));
        return false;
    }
    const Core::Status started = m_as->start(*db, std::move(config));
    if (!started)
        qWarning("cannot start the server: %s", qPrintable(started.error().toString()));
    return started.ok();
}

bool BaseTestCase::startEnvironment(Auth::Config config)
{
    QFETCH_GLOBAL(QString, backend);
    m_env = std::make_unique<BaseEnvironment>();
    return m_env->start(m_backends, backend, std::move(config));
}

void BaseTestCase::initTestCase_data()
{
    StoreBackends::addBackendRows();
}

void BaseTestCase::initTestCase()
{
    const Core::Status started = m_backends.start();
    QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().toString()));
}

void BaseTestCase::cleanup()
{
    m_as.reset();
    m_env.reset();
}

void BaseTestCase::cleanupTestCase()
{
    cleanup();
    m_backends.stop();
}

} // namespace TestSupport
