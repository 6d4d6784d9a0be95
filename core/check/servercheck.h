#pragma once

#include <chrono>
#include <memory>

#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QString>
#include <QUrl>

#include "authserver/config.h"
#include "flow/types.h"
#include "http/ssrfguard.h"

namespace Http {
struct Exchange;
}

namespace Store {
class Database;
}

namespace Flow {

/// What ServerCheck audits and with which authorization server's tokens.
struct ServerCheckOptions
{
    QUrl serverUrl; ///< the MCP endpoint under test, e.g. http://127.0.0.1:9401/mcp
    /// The embedded authorization server's configuration, its issuer set (e.g. from
    /// engine.authorizationServer()->context().config()). Tokens carry this issuer.
    Auth::Config authorizationServer;
    /// The embedded AS's store: minted tokens are committed there, so the AS introspects
    /// them, and its signing key signs them. Shared.
    std::shared_ptr<Store::Database> store;
    QString clientId; ///< client the tokens are issued to (must exist in the store)
    QString subject;  ///< the user the tokens stand for
    /// Audit even when the server's Protected Resource Metadata does not name the issuer
    /// (the user says the server trusts it, e.g. by configuration).
    bool assumeTrusted = false;
    /// Token formats to send; a format the server does not take at all (an RS verifying
    /// JWTs locally cannot read opaque tokens) has its cases skipped.
    QList<Auth::AccessTokenFormat> formats = {Auth::AccessTokenFormat::Jwt,
                                              Auth::AccessTokenFormat::Opaque};
    /// Tool to call with a token lacking a scope; empty: one from tools/list, read-only first.
    QString tool;
    /// The scope that tool needs; empty: the token has no scope at all and the server's
    /// 403 challenge names what it wanted.
    QString scope;
    /// MCP revision of the probing requests: "2025-11-25" (initialize, Mcp-Session-Id) or
    /// "2026-07-28" (stateless, version and routing headers on every request).
    QString protocolVersion = QStringLiteral("2025-11-25");
    Http::SsrfPolicy ssrfPolicy;
    QList<QSslCertificate> trustedCertificates; ///< extra CAs (self-signed test servers)
    std::chrono::milliseconds requestTimeout = std::chrono::seconds(10);

    /// For the run's `options` member: no secrets in it.
    [[nodiscard]] QJsonObject toJson() const;
};

/// Audits the token checks of an MCP server that trusts the embedded authorization server:
/// mints tokens it must refuse (for another resource, expired, revoked, lacking a scope,
/// signed by an unknown key, `alg: none`, a tampered payload, sent in the query string, an
/// opaque token never issued, none at all) and ones it must accept, sends each with an MCP
/// request (tools/list or tools/call over Streamable HTTP, either revision) and checks the
/// status and the WWW-Authenticate challenge against RFC 6750, RFC 9728, RFC 8707,
/// RFC 9068 and the MCP authorization spec.
///
/// The result is a Flow::Run: one Step per case ("discovery", "no_token", "valid",
/// "expired.jwt", ...) with its checks and masked exchanges, so it exports as JSON and as
/// the same HTML report as a walk. Lives in the thread that creates it; never blocks on the
/// network (minting is a short store transaction per token). Owns its HTTP client.
class ServerCheck final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ServerCheck)

public:
    explicit ServerCheck(ServerCheckOptions options, QObject *parent = nullptr);
    ~ServerCheck() override;

    [[nodiscard]] const ServerCheckOptions &options() const { return m_options; }
    /// The run so far (complete after finished()). Outcome Succeeded when no MUST failed.
    [[nodiscard]] const Run &run() const { return m_run; }
    [[nodiscard]] bool isFinished() const;

    /// Runs every case, one after the other. Once only.
    void start();
    /// Stops: the pending request is aborted, finished() is emitted (Cancelled).
    void cancel();

    /// How to make a server trust the embedded AS: its issuer, JWKS and introspection URLs.
    [[nodiscard]] QString trustInstructions() const;

signals:
    void caseStarted(const Flow::Step &step);
    void caseFinished(const Flow::Step &step);
    void exchangeRecorded(int stepIndex, const Http::Exchange &exchange);
    void finished(const Flow::Run &run);
    /// A token about to be sent, unmasked (exchangeRecorded() carries the masked capture).
    /// For in-process viewers that reveal secrets on request: never log, store or export it.
    void tokenSent(const QByteArray &token);

private:
    class Private;
    friend class Private;
    std::unique_ptr<Private> d;
    ServerCheckOptions m_options;
    Run m_run;
};

} // namespace Flow
