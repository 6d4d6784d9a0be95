#pragma once

#include <memory>

#include <QObject>
#include <QSslCertificate>
#include <QUrl>

#include "common/result.h"
#include "resource/frictionadmin.h"
#include "serverconfig.h"

class QThread;

namespace Http {
class ExchangeLog;
class Server;
} // namespace Http

namespace Store {
class Database;
}

namespace Auth {
class AuthorizationServer;
}

namespace Friction {
class Registry;
}

namespace Resource {
class McpServer;
}

namespace Core {

/// The one facade the front ends use: owns the store, the exchange log and the embedded
/// servers, and says what happened through signals. The CLI and the GUI drive the same
/// engine, which is what makes everything the GUI does testable from the command line.
/// Lives in the thread that created it (the GUI or CLI main thread); request handlers run
/// on the servers' worker threads.
class Engine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Engine)

public:
    explicit Engine(QObject *parent = nullptr);
    ~Engine() override;

    /// Opens the store (applying migrations) and starts the authorization server and the
    /// resource server. On error nothing is left running. Blocks while the store opens.
    Status start(const ServerConfig &config);
    /// start() for an event-driven front end: the checks and the ports happen at once, the
    /// slow part (admin token file, opening and migrating the store, which may wait for a
    /// PostgreSQL connect_timeout, the signing key, the demo data) on a worker thread, and
    /// the servers start accepting back on this thread. Ends with started() or
    /// startFailed(); isStarting() is true in between. A call while running or starting
    /// fails at once (startFailed() with "already_running").
    void startInBackground(const ServerConfig &config);
    /// Stops the servers and closes the store. Safe to call when not running. A start in
    /// the background is not interrupted (see isStarting()).
    void stop();

    [[nodiscard]] bool isRunning() const { return m_running; }
    /// For a GUI: the servers' worker threads run at a lower CPU priority than the UI thread
    /// (nice 10), so a busy server never makes the window stutter. Takes effect on the next
    /// start.
    void setServeInBackground(bool background) { m_serveInBackground = background; }
    /// A startInBackground() is in progress.
    [[nodiscard]] bool isStarting() const { return m_startThread != nullptr; }
    [[nodiscard]] const ServerConfig &config() const { return m_config; }
    /// Base URLs of the running servers (empty when stopped).
    [[nodiscard]] QUrl authorizationServerUrl() const;
    [[nodiscard]] QUrl resourceServerUrl() const;
    /// The issuer identifier in use (the configured one, or derived from the AS URL).
    [[nodiscard]] QString issuer() const;
    /// SHA-256 fingerprint of the TLS certificate in use, empty without TLS.
    [[nodiscard]] QString tlsFingerprint() const { return m_tlsFingerprint; }
    /// The TLS certificate the servers present; null without TLS or when stopped.
    [[nodiscard]] QSslCertificate tlsCertificate() const { return m_tlsCertificate; }
    /// What an in-app client of the embedded servers trusts besides the system's CAs:
    /// exactly tlsCertificate() (a generated self-signed one is its own CA, and only this
    /// engine holds its key), or nothing without TLS. Verification stays on.
    [[nodiscard]] QList<QSslCertificate> trustedCertificates() const;
    /// The open store, or null when stopped. Shared: callers may keep it while they work.
    [[nodiscard]] std::shared_ptr<Store::Database> store() const { return m_store; }
    /// Every HTTP exchange of the embedded servers and of the engine's clients. Owned by
    /// the engine, alive as long as it is.
    [[nodiscard]] Http::ExchangeLog *exchangeLog() const { return m_exchangeLog; }
    /// The embedded authorization server while running, else null.
    [[nodiscard]] Auth::AuthorizationServer *authorizationServer() const
    {
        return m_authorizationServer.get();
    }
    /// The demo account and client (shown so a new user can log in at once).
    [[nodiscard]] QString demoUsername() const { return m_demoUsername; }
    [[nodiscard]] QString demoPassword() const { return m_demoPassword; }
    [[nodiscard]] QString demoClientId() const { return m_demoClientId; }
    /// The canonical URI of the embedded MCP server (the default token audience).
    [[nodiscard]] QString mcpResourceUri() const;
    /// The protected MCP server on the RS port; null when stopped. Owned by the engine.
    [[nodiscard]] Resource::McpServer *mcpServer() const { return m_mcpServer.get(); }
    /// The friction controllers of the MCP tools; null when stopped.
    [[nodiscard]] std::shared_ptr<Friction::Registry> frictionRegistry() const
    {
        return m_friction;
    }
    /// The file holding the admin API's token (see Resource::AdminToken); set by start().
    [[nodiscard]] QString adminTokenFile() const { return m_adminTokenFile; }
    /// The friction admin API (/admin/friction/*) on the RS port; null when stopped.
    [[nodiscard]] Resource::FrictionAdmin *frictionAdmin() const { return m_frictionAdmin.get(); }

signals:
    void started();
    void stopped();
    /// startInBackground() failed; nothing is left running.
    void startFailed(const Core::Error &error);
    /// isStarting() changed.
    void startingChanged(bool starting);

private:
    struct Launch;
    [[nodiscard]] Result<std::shared_ptr<Launch>> beginLaunch(const ServerConfig &config);
    /// The slow part of a start; touches nothing of the engine, so it runs on any thread.
    static Status prepareStore(Launch &launch);
    Status finishLaunch(Launch &launch);
    void installHealthRoute(Http::Server &server, const QString &role);
    /// Builds the MCP server (verifier against the embedded AS) for `rs`.
    Status prepareResourceServer(const ServerConfig &config, Http::Server &as, Http::Server &rs,
                                 Auth::AuthorizationServer &authorizationServer,
                                 const std::shared_ptr<Store::Database> &db,
                                 const QList<QSslCertificate> &trusted,
                                 const QByteArray &introspectionSecret);

    ServerConfig m_config;
    bool m_running = false;
    bool m_serveInBackground = false;
    QThread *m_startThread = nullptr; ///< the worker of startInBackground(), owned
    QString m_tlsFingerprint;
    QSslCertificate m_tlsCertificate;
    std::shared_ptr<Store::Database> m_store;
    Http::ExchangeLog *m_exchangeLog = nullptr;
    std::unique_ptr<Http::Server> m_asHttp;
    std::unique_ptr<Http::Server> m_rsHttp;
    std::unique_ptr<Auth::AuthorizationServer> m_authorizationServer;
    std::shared_ptr<Friction::Registry> m_friction;
    std::unique_ptr<Resource::McpServer> m_mcpServer;
    int m_revocationListener = 0; ///< on m_store, feeding the verifier's revocation list
    QString m_adminTokenFile;
    Resource::AdminToken m_adminToken; ///< only its SHA-256
    std::unique_ptr<Resource::FrictionAdmin> m_frictionAdmin;
    QString m_issuer;
    QString m_demoUsername;
    QString m_demoPassword;
    QString m_demoClientId;
};

/// Sets the organisation, application name and version that QSettings and
/// QStandardPaths use, identically for the CLI and the GUI (so both find the same default
/// store), and selects Qt's plain event dispatcher for the server threads. Call before
/// creating the Q(Core)Application.
void prepareApplication();
/// Names the application once the Q(Core)Application exists (see prepareApplication()).
void applyApplicationIdentity();

/// The version line shown by `mcpauth --version` and the About dialog.
[[nodiscard]] QString versionLine();
/// Versions of the libraries the engine runs on (Qt, OpenSSL, SQLite), for the About dialog.
[[nodiscard]] QList<QPair<QString, QString>> componentVersions();

} // namespace Core
