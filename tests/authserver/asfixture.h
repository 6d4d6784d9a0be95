#pragma once

#include <atomic>
#include <memory>

#include <QJsonObject>
#include <QUrl>

#include "authserver/authorizationserver.h"
#include "authserver/config.h"
#include "common/result.h"
#include "http/body.h"
#include "http/client.h"
#include "http/exchangelog.h"
#include "http/server.h"
#include "store/clientrepository.h"

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

} // namespace TestSupport
