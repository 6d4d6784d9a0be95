#include "storebackends.h"

#include <QTest>

#include "store/databaseurl.h"

namespace TestSupport {

void StoreBackends::addBackendRows()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("sqlite") << QStringLiteral("sqlite");
    QTest::newRow("postgresql") << QStringLiteral("postgresql");
}

Core::Status StoreBackends::start()
{
    if (!m_dir.isValid())
        return Core::makeError(QStringLiteral("pg_harness"),
                               QStringLiteral("cannot create a temporary directory"));
    auto url = m_pg.start();
    if (!url)
        return url.error();
    return {};
}

void StoreBackends::stop()
{
    m_pg.stop();
}

Core::Result<QString> StoreBackends::freshUrl(const QString &backend)
{
    const int n = ++m_counter;
    if (backend == u"sqlite")
        return Store::sqliteUrlForPath(m_dir.filePath(QStringLiteral("store-%1.db").arg(n)));
    if (backend == u"postgresql") {
        // A schema per fresh store: CREATE DATABASE costs about a second, a schema nothing.
        if (m_pgUrl.isEmpty()) {
            auto url = m_pg.createDatabase(QStringLiteral("stores"));
            if (!url)
                return url.error();
            m_pgUrl = *url;
        }
        return QString(m_pgUrl + QStringLiteral("?schema=store_%1").arg(n));
    }
    return Core::makeError(QStringLiteral("pg_harness"),
                           QStringLiteral("unknown backend '%1'").arg(backend));
}

Core::Result<std::shared_ptr<Store::Database>>
StoreBackends::freshDatabase(const QString &backend, Store::OpenOptions options)
{
    auto url = freshUrl(backend);
    if (!url)
        return url.error();
    return Store::Database::open(*url, std::move(options));
}

} // namespace TestSupport
