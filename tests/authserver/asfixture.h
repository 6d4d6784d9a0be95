#pragma once

#include <atomic>
#include <memory>

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QUrl>

#include "authserver/authorizationserver.h"
#include "authserver/config.h"
#include "common/result.h"
#include "http/body.h"
#include "http/client.h"
#include "http/exchangelog.h"
#include "http/server.h"
#include "store/clientrepository.h"
#include "storebackends.h"

namespace TestSupport {

/// A running authorization server for endpoint tests: an Http::Server on 127.0.0.1 with
/// an ephemeral port and Auth::AuthorizationServer installed over the given store, plus
/// blocking HTTP helpers that go over real loopback sockets, and a clock the test can
/// move forward (expiry without sleeping).
class AsFixture final
{
    Q_DISABLE_COPY_MOVE(AsFixture)

public:
    AsFixture();
    ~AsFixture();

    /// Listens first (the issuer is http://127.0.0.1:<port> unless config.issuer is set),
    /// then prepares the AS (signing key, demo data) and installs its routes.
    Core::Status start(std::shared_ptr<Store::Database> db, Auth::Config config = {});
    void stop();

    [[nodiscard]] Auth::Context &context() const;
    [[nodiscard]] const std::shared_ptr<Store::Database> &db() const { return m_db; }
    [[nodiscard]] QString issuer() const;
    /// The server's base URL + `path`.
    [[nodiscard]] QUrl url(const QString &path) const;
    [[nodiscard]] Http::ExchangeLog &exchangeLog() { return m_log; }

    /// Epoch ms as the AS sees it: the real time plus the offset advance() added.
    [[nodiscard]] qint64 now() const;
    void advance(qint64 milliseconds) { m_offset += milliseconds; }

    /// Blocking requests over loopback. A transport failure fails with QFAIL-friendly
    /// status 0 and the error in the body.
    Http::ClientResponse request(Http::ClientRequest request);
    Http::ClientResponse get(const QString &pathOrUrl, Http::Headers headers = {});
    Http::ClientResponse postForm(const QString &pathOrUrl, const Http::FormData &form,
                                  Http::Headers headers = {});
    Http::ClientResponse postJson(const QString &pathOrUrl, const QJsonObject &body,
                                  Http::Headers headers = {});
    /// The response body as a JSON object (empty when it is not one).
    [[nodiscard]] static QJsonObject json(const Http::ClientResponse &response);
    /// "Basic base64(urlencode(id):urlencode(secret))" (RFC 6749 section 2.3.1).
    [[nodiscard]] static QByteArray basicAuthorization(const QString &clientId,
                                                       const QString &secret);

    /// Registers a client directly in the store. With a non-empty `secret` the client is
    /// confidential (its hash is stored) and `authMethod` defaults to client_secret_basic.
    Core::Result<Store::Client> createClient(const QString &clientId, const QString &secret = {},
                                             QStringList redirectUris = {},
                                             QStringList grantTypes = {},
                                             const QString &authMethod = {},
                                             const QString &scope = {});

private:
    std::shared_ptr<Store::Database> m_db;
    Http::ExchangeLog m_log;
    std::unique_ptr<Http::Server> m_server;
    std::unique_ptr<Auth::AuthorizationServer> m_as;
    std::unique_ptr<Http::Client> m_client;
    std::atomic<qint64> m_offset{0};
};

/// The smallest browser for the AS's HTML pages: the session cookie the server set last,
/// and the hidden fields of the last form it was shown (the CSRF token among them).
struct FormBrowser
{
    QByteArray cookie; ///< "name=value"
    QHash<QString, QString> hidden;

    [[nodiscard]] Http::Headers headers() const;
    /// Takes the cookie and the hidden form fields of `response`.
    void take(const Http::ClientResponse &response);
    [[nodiscard]] QString csrf() const { return hidden.value(QStringLiteral("csrf_token")); }
};

/// Base of the AS test cases that run every test function once per store engine (the
/// global column `backend`): starts the store backends and starts AS fixtures on them.
class BackendTestCase : public QObject
{
    Q_OBJECT

protected:
    /// An AS on loopback over a fresh store of `backend` whose clock is the fixture's
    /// (durability is not under test: synchronous=NORMAL). Null, with a warning, on failure.
    [[nodiscard]] std::unique_ptr<AsFixture> startFixture(const QString &backend,
                                                          Auth::Config config = {});
    /// The default configuration with every rate limit off (tests that are not about
    /// rate limits make many requests from one address).
    [[nodiscard]] static Auth::Config unlimitedConfig();

    StoreBackends m_backends;

private slots:
    void initTestCase_data();
    void initTestCase();
};

} // namespace TestSupport
