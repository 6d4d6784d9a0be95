#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QString>
#include <QUrl>

#include "common/result.h"
#include "http/message.h"
#include "http/ssrfguard.h"

class QNetworkAccessManager;

namespace Http {

class ExchangeLog;

/// One outbound request.
struct ClientRequest
{
    QByteArray method = QByteArrayLiteral("GET");
    QUrl url{};
    Headers headers{}; ///< sent as given; Host is always set by the client
    QByteArray body{};
    std::chrono::milliseconds timeout = std::chrono::seconds(10); ///< whole request, all hops
    qint64 maxResponseBytes = 1024 * 1024; ///< body bytes; exceeding it aborts at once
    bool followRedirects = false;
    int maxRedirects = 5;
    QString tag{}; ///< copied into every captured Exchange
};

/// A response that arrived, whatever its status (4xx and 5xx are responses, not errors).
struct ClientResponse
{
    int status = 0;
    Headers headers;
    QByteArray body{};
    QUrl url;     ///< the URL that answered, after any redirects followed
    QString peer; ///< the checked address:port that was contacted
    int redirectsFollowed = 0;

    /// The media type of Content-Type without parameters, lower case.
    [[nodiscard]] QByteArray contentType() const;
};

/// The pending result of Client::send(). Owned by the Client (its QObject parent) until
/// the caller deletes it; call deleteLater() once `finished` has been handled.
class ClientReply final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClientReply)

public:
    ~ClientReply() override;

    [[nodiscard]] bool isFinished() const { return m_result.has_value(); }
    /// Precondition: isFinished(). Errors: "ssrf_blocked", "timeout", "network_error",
    /// "tls_error", "response_too_large", "too_many_redirects", "invalid_redirect",
    /// "aborted".
    [[nodiscard]] const Core::Result<ClientResponse> &result() const { return *m_result; }
    /// Stops the request; it finishes with the error "aborted".
    void abort();

signals:
    /// Emitted once, always from the event loop (never inside Client::send()).
    void finished();

private:
    friend class Client;
    class Private;
    explicit ClientReply(QObject *parent);

    std::unique_ptr<Private> d;
    std::optional<Core::Result<ClientResponse>> m_result;
};

/// An HTTP/1.1 client on QNetworkAccessManager for every outbound request of the engine.
/// Every hop is checked by the SsrfGuard before a connection is made and captured into the
/// attached ExchangeLog (client side, secrets masked). Redirects are returned, not followed,
/// unless the request asks. No proxy, no cookie jar, no cache, no automatic decompression.
/// Lives in one thread; use it from that thread.
class Client final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Client)

public:
    using Callback = std::function<void(const Core::Result<ClientResponse> &)>;

    explicit Client(QObject *parent = nullptr);
    ~Client() override;

    void setPolicy(SsrfPolicy policy);
    [[nodiscard]] const SsrfGuard &guard() const { return m_guard; }
    /// Not owned; captures stop when set to nullptr. The log must outlive its use here.
    void setExchangeLog(ExchangeLog *log);
    [[nodiscard]] ExchangeLog *exchangeLog() const { return m_log; }
    /// Replaces the TLS configuration (default: the system's).
    void setSslConfiguration(const QSslConfiguration &configuration);
    /// Trusts these CA (or self-signed) certificates in addition to the current ones.
    void addTrustedCaCertificates(const QList<QSslCertificate> &certificates);
    [[nodiscard]] const QSslConfiguration &sslConfiguration() const { return m_ssl; }

    /// Starts `request`. The reply is a child of this client; see ClientReply.
    [[nodiscard]] ClientReply *send(ClientRequest request);
    [[nodiscard]] ClientReply *get(const QUrl &url, Headers headers = {}, QString tag = {});
    [[nodiscard]] ClientReply *post(const QUrl &url, QByteArray body, QByteArray contentType,
                                    Headers headers = {}, QString tag = {});
    /// Starts `request` and calls `callback` with the result in `context`'s thread, unless
    /// `context` is destroyed first. The reply deletes itself.
    void send(ClientRequest request, QObject *context, Callback callback);
    /// Blocks in a local event loop until the request finishes (for the CLI and tests).
    [[nodiscard]] Core::Result<ClientResponse> sendAndWait(ClientRequest request);

private:
    friend class ClientReply;

    QNetworkAccessManager *m_manager;
    SsrfGuard m_guard;
    ExchangeLog *m_log = nullptr;
    QSslConfiguration m_ssl;
};

} // namespace Http
