#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QNetworkReply>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QUrl>

#include "common/result.h"
#include "friction/config.h"
#include "friction/event.h"

class QNetworkAccessManager;

namespace Core {

/// One message of a text/event-stream: its `event:` name and its `data:` lines joined.
struct ServerSentEvent
{
    QByteArray type; ///< empty when the message named none
    QByteArray data;
};

/// Incremental text/event-stream parser (the /admin/friction/events format). Lines are
/// ended by LF or CRLF; comments (":" lines) and messages without data are skipped. An
/// unterminated message longer than maxPendingBytes is discarded, so a peer that never
/// ends a message cannot grow memory without bound.
class ServerSentEventParser final
{
public:
    static constexpr qsizetype maxPendingBytes = 1024 * 1024;

    /// Appends `bytes` and returns the messages they completed, in order.
    [[nodiscard]] QList<ServerSentEvent> feed(QByteArrayView bytes);
    /// Bytes discarded because a message exceeded maxPendingBytes.
    [[nodiscard]] qint64 discardedBytes() const { return m_discarded; }

private:
    QByteArray m_buffer;
    qint64 m_discarded = 0;
};

/// A friction event from its JSON form (Friction::Event::toJson()). Errors (code
/// "invalid_response") name the member that is missing or has the wrong type.
[[nodiscard]] Result<Friction::Event> frictionEventFromJson(const QJsonObject &object);

/// The admin API's `{"error", "error_description"}` answer (or any other body) as an error
/// whose message starts with "the server answered <status>".
[[nodiscard]] Error adminAnswerError(int status, const QByteArray &body);

/// Reads the admin token from `path` (the file `mcpauth serve` writes), trimmed and checked
/// for the token alphabet and length. Errors name the file and never contain the token.
[[nodiscard]] Result<QByteArray> readAdminTokenFile(const QString &path);

/// An asynchronous client of a resource server's friction admin API
/// (Resource::FrictionAdmin): reads and replaces the configuration and follows the event
/// stream. Everything runs on the event loop of the thread it lives in; nothing blocks.
/// Events are delivered in batches (one eventsReceived() per chunk read from the socket),
/// never one signal per event. Owns its network access manager. The admin token is only
/// ever sent in the Authorization header.
class FrictionAdminClient final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrictionAdminClient)

public:
    explicit FrictionAdminClient(QObject *parent = nullptr);
    ~FrictionAdminClient() override;

    /// `baseUrl` is the resource server's base URL (http or https; a trailing slash and any
    /// path below it are kept as the prefix of /admin/...). `trusted` are certificates
    /// trusted for this target besides the system's CAs (the embedded servers' own, see
    /// Engine::trustedCertificates()); verification is never turned off. Errors (code
    /// "invalid_request") say what is wrong with the URL or the token. Ends a running event
    /// stream.
    [[nodiscard]] Status setTarget(const QUrl &baseUrl, const QByteArray &adminToken,
                                   const QList<QSslCertificate> &trusted = {});
    [[nodiscard]] QUrl baseUrl() const { return m_base; }

    /// GET /admin/friction/config; answers with configFetched() or requestFailed().
    void fetchConfig();
    /// PUT /admin/friction/config; answers with configApplied() or requestFailed().
    void applyConfig(const Friction::ControllerConfig &config);

    /// Opens GET /admin/friction/events; streamOpened() once the server answered 200,
    /// streamEnded() when it closes or fails. Replaces a stream already open.
    void openEventStream();
    /// Closes the stream without emitting streamEnded().
    void closeEventStream();
    [[nodiscard]] bool isStreaming() const { return m_stream != nullptr; }

signals:
    void configFetched(const Friction::ControllerConfig &config);
    void configApplied(const Friction::ControllerConfig &config);
    /// `operation` is "fetch_config" or "apply_config".
    void requestFailed(const QString &operation, const Core::Error &error);
    /// The stream's `hello` message: enabled, principal_count, tools, ...
    void streamOpened(const QJsonObject &hello);
    void eventsReceived(const QList<Friction::Event> &events);
    /// The server dropped `count` events because this client read too slowly.
    void eventsDropped(qint64 count);
    void streamEnded(const Core::Error &error);

private:
    QNetworkReply *send(const QByteArray &method, const QString &path, const QByteArray &body);
    void handleConfigReply(QNetworkReply *reply, const QString &operation);
    void handleStreamData();
    void handleStreamFinished();

    QNetworkAccessManager *m_network;
    QUrl m_base;
    QByteArray m_token;
    QSslConfiguration m_ssl;
    QPointer<QNetworkReply> m_stream;
    ServerSentEventParser m_parser;
    QByteArray m_errorBody;
    bool m_helloSeen = false;
};

} // namespace Core
