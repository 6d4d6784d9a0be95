#pragma once

#include <memory>
#include <mutex>
#include <variant>

#include <QHash>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "http/message.h"
#include "resource/challenge.h"
#include "resource/config.h"
#include "resource/verifier.h"

namespace Http {
class Router;
}

namespace Store {
class Database;
}

namespace Friction {
class Registry;
}

namespace Resource {

/// The MCP protocol revisions this server speaks, newest first: the stateless 2026-07-28
/// revision (every request self-describing, no sessions) and the session-based ones.
[[nodiscard]] QStringList supportedProtocolVersions();
/// The revisions that begin with initialize and use Mcp-Session-Id, newest first.
[[nodiscard]] QStringList legacyProtocolVersions();

/// The protected MCP server: Protected Resource Metadata (RFC 9728) and MCP Streamable
/// HTTP on /mcp (JSON-RPC 2.0 over POST, sessions bound to the principal that made them),
/// with the demo task tools, per-tool scopes and friction. Thread-safe after install():
/// every route may run on any worker thread at once.
class McpServer final
{
    Q_DISABLE_COPY_MOVE(McpServer)

public:
    struct Options
    {
        Config config;
        QString resourceUri;              ///< canonical MCP URI, e.g. http://127.0.0.1:9401/mcp
        QStringList authorizationServers; ///< issuers named in the metadata
        Clock clock;                      ///< epoch ms, for session idling; empty: the system clock
    };

    /// Shares ownership of the verifier, the store and the friction registry; all three
    /// must be thread-safe (they are).
    McpServer(Options options, std::shared_ptr<BearerVerifier> verifier,
              std::shared_ptr<Store::Database> db, std::shared_ptr<Friction::Registry> friction);
    ~McpServer();

    /// Adds GET /.well-known/oauth-protected-resource[/mcp] and POST/GET/DELETE /mcp.
    /// The McpServer must outlive the router's use.
    void install(Http::Router &router);

    /// The Protected Resource Metadata URL of the MCP resource (path-inserted, RFC 9728 3.1).
    [[nodiscard]] QString metadataUrl() const;
    [[nodiscard]] QJsonObject metadata() const;
    [[nodiscard]] const Challenge &challenge() const { return m_challenge; }
    [[nodiscard]] qsizetype sessionCount() const;

    [[nodiscard]] Http::Response handlePost(const Http::Request &request);
    [[nodiscard]] Http::Response handleDelete(const Http::Request &request);
    [[nodiscard]] Http::Response handleGet(const Http::Request &request);

private:
    struct Session;
    struct Call;

    /// The principal of the request's token, or the refusal (400/401/403/503).
    std::variant<Principal, Http::Response> authenticate(const Http::Request &request);
    /// A tools/call result object, or the whole refusal (HTTP 403, JSON-RPC error).
    using ToolReply = std::variant<QJsonObject, Http::Response>;

    Http::Response dispatch(const Http::Request &request, const Principal &principal,
                            const QJsonObject &message);
    /// 2025-06-18 / 2025-11-25: initialize, then Mcp-Session-Id on every request.
    Http::Response dispatchLegacy(const Http::Request &request, const Principal &principal,
                                  const Call &call);
    /// 2026-07-28: no session; version, capabilities and routing headers on every request.
    Http::Response dispatchStateless(const Http::Request &request, const Principal &principal,
                                     const Call &call);
    ToolReply callTool(const Principal &principal, const QJsonValue &id, const QJsonObject &params);
    static Http::Response reply(const QJsonValue &id, const ToolReply &reply);
    Core::Result<QJsonObject> runTool(const Principal &principal, const QString &tool,
                                      const QJsonObject &arguments);
    QString createSession(const Principal &principal, const QString &version);
    /// The session `id` if it exists and belongs to `principal`.
    std::optional<QString> sessionVersion(const QString &id, const Principal &principal);
    [[nodiscard]] qint64 now() const;

    Options m_options;
    std::shared_ptr<BearerVerifier> m_verifier;
    std::shared_ptr<Store::Database> m_db;
    std::shared_ptr<Friction::Registry> m_friction;
    Challenge m_challenge;
    mutable std::mutex m_sessionMutex;
    QHash<QString, std::shared_ptr<Session>> m_sessions;
};

} // namespace Resource
