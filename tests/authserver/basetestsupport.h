#pragma once

#include <atomic>
#include <memory>

#include <QDateTime>
#include <QObject>
#include <QTest>

#include "asfixture.h"
#include "authserver/config.h"
#include "authserver/context.h"
#include "store/database.h"
#include "storebackends.h"

namespace TestSupport {

/// For the base tests that need the AS's shared services without HTTP: a fresh store of one
/// backend and an Auth::Context over it, both on one clock the test moves with advance().
class BaseEnvironment final
{
    Q_DISABLE_COPY_MOVE(BaseEnvironment)

public:
    BaseEnvironment() = default;

    /// Opens a fresh store of `backend` and builds the context; false (with a warning) on
    /// failure.
    bool start(StoreBackends &backends, const QString &backend, Auth::Config config = {})
    {
        Store::OpenOptions options;
        options.synchronous = Store::Synchronous::Normal;
        options.clock = [this] { return now(); };
        auto db = backends.freshDatabase(backend, options);
        if (!db) {
            qWarning("cannot open a %s store: %s", qPrintable(backend),
                     qPrintable(db.error().toString()));
            return false;
        }
        m_db = *db;
        if (config.issuer.isEmpty())
            config.issuer = QStringLiteral("https://as.example");
        if (config.defaultResource.isEmpty())
            config.defaultResource = QStringLiteral("https://rs.example/mcp");
        m_context = makeContext(std::move(config));
        return true;
    }

    /// Another server on the same store (e.g. a second process), same clock.
    [[nodiscard]] std::unique_ptr<Auth::Context> makeContext(Auth::Config config) const
    {
        return std::make_unique<Auth::Context>(std::move(config), m_db, [this] { return now(); });
    }

    [[nodiscard]] Auth::Context &context() const { return *m_context; }
    [[nodiscard]] const std::shared_ptr<Store::Database> &db() const { return m_db; }
    [[nodiscard]] qint64 now() const { return m_base + m_offset.load(); }
    void advance(qint64 milliseconds) { m_offset += milliseconds; }

private:
    qint64 m_base = QDateTime::currentMSecsSinceEpoch();
    std::atomic<qint64> m_offset{0};
    std::shared_ptr<Store::Database> m_db;
    std::unique_ptr<Auth::Context> m_context;
};

/// Base of the base engineer's AS tests: every test function runs once per store engine
/// (global column `backend`), either against a running AsFixture over a fresh store whose
/// clock is the fixture's (startServer) or against a bare context (startEnvironment).
class BaseTestCase : public BackendTestCase
{
    Q_OBJECT

protected:
    /// A fresh store of this row's backend and an AS on loopback over it; false with a
    /// warning on failure.
    [[nodiscard]] bool startServer(Auth::Config config = {});
    [[nodiscard]] bool startEnvironment(Auth::Config config = {});

    std::unique_ptr<AsFixture> m_as;
    std::unique_ptr<BaseEnvironment> m_env;

private slots:
    void cleanup();
    void cleanupTestCase();
};

} // namespace TestSupport
