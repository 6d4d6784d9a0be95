#include "basetestsupport.h"

namespace TestSupport {

bool BaseTestCase::startServer(Auth::Config config)
{
    QFETCH_GLOBAL(QString, backend);
    m_as = startFixture(backend, std::move(config));
    return m_as != nullptr;
}

bool BaseTestCase::startEnvironment(Auth::Config config)
{
    QFETCH_GLOBAL(QString, backend);
    m_env = std::make_unique<BaseEnvironment>();
    return m_env->start(m_backends, backend, std::move(config));
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
