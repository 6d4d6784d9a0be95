#pragma once

#include <memory>

#include <QHash>
#include <QMutex>
#include <QObject>
#include <QString>

#include "asfixture.h"
#include "authserver/config.h"
#include "http/message.h"
#include "http/server.h"
#include "storebackends.h"

namespace TestSupport {

/// A loopback HTTP server that serves whatever the test put at /docs/<name> (CIMD
/// documents, JWK sets, redirects, oversize bodies) and counts the requests per name.
class DocumentServer final
{
    Q_DISABLE_COPY_MOVE(DocumentServer)

public:
    DocumentServer();
    ~DocumentServer();

    Core::Status start();
    /// http://127.0.0.1:<port>/docs/<name>
    [[nodiscard]] QString url(const QString &name) const;
    void put(const QString &name, Http::Response response);
    void putJson(const QString &name, const QJsonObject &body, const QByteArray &cacheControl = {});
    [[nodiscard]] int hits(const QString &name) const;

private:
    Http::Server m_server;
    mutable QMutex m_mutex;
    QHash<QString, Http::Response> m_documents;
    QHash<QString, int> m_hits;
};

/// Base of the client tests: every test function runs once per store engine (global
/// column `backend`) with a fresh store and AS whose clock — the store's clock too — the
/// test moves with as().advance(). Rate limits are off unless a test sets them.
class ClientTestCase : public BackendTestCase
{
    Q_OBJECT

protected:
    [[nodiscard]] static Auth::Config testConfig();
    /// Opens a fresh store of this row's backend and starts the AS over it. With `shared`,
    /// the rows of one data-driven test function on one backend share the server (for
    /// tables whose rows only compare counts before and after).
    [[nodiscard]] bool startServer(Auth::Config config = testConfig(), bool shared = false);
    /// Whether the shared server of this test function and backend is already running.
    [[nodiscard]] bool sharedServerRunning() const;
    [[nodiscard]] AsFixture &as() { return *m_fixture; }
    [[nodiscard]] const std::shared_ptr<Store::Database> &db() const { return m_fixture->db(); }
    [[nodiscard]] qint64 clientCount() const;
    /// Audit events of `type` so far.
    [[nodiscard]] int auditCount(const QString &type) const;

    std::unique_ptr<AsFixture> m_fixture;
    QString m_sharedKey; ///< test function + backend of a shared server, else empty

private slots:
    void cleanup();
    void cleanupTestCase();
};

} // namespace TestSupport
