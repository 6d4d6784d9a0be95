#pragma once

#include <atomic>
#include <memory>

#include <QObject>
#include <QString>

#include "store/clientrepository.h"
#include "store/database.h"
#include "storebackends.h"

namespace TestSupport {

/// Base class for store test classes: every test function runs once per backend
/// (global data column `backend`), against a fresh database whose clock is the injected
/// `now()` (advance it with advance(), never sleep).
class StoreTestCase : public QObject
{
    Q_OBJECT

public:
    /// The injected clock starts here (2025-01-01T00:00:00Z).
    static constexpr qint64 kStart = 1735689600000;

protected:
    /// A fresh, migrated database of this row's backend, on the injected clock; QVERIFY it.
    std::shared_ptr<Store::Database> freshDatabase(Store::OpenOptions options = {});
    /// Registers a client `clientId` (public, authorization_code) and returns success.
    static bool addClient(const std::shared_ptr<Store::Database> &db, const QString &clientId);

    [[nodiscard]] qint64 now() const { return m_now.load(); }
    void advance(qint64 ms) { m_now += ms; }

    StoreBackends m_backends;

private slots:
    void initTestCase_data();
    void initTestCase();
    void init();
    void cleanupTestCase();

private:
    std::atomic<qint64> m_now{kStart};
};

} // namespace TestSupport
