#pragma once

#include <functional>
#include <memory>

#include <QString>
#include <QUrl>

#include "authserver/config.h"
#include "common/result.h"

namespace Http {
class ExchangeLog;
struct Request;
} // namespace Http

namespace Store {
class Database;
}

namespace Auth {

class KeyManager;
class RateLimiter;
class TokenIssuer;
class ClientAuthenticator;
class AuditLog;
class ClientResolver;

/// What every endpoint of the authorization server shares. Built once by
/// AuthorizationServer and handed to the endpoints by reference; thread-safe (handlers
/// run on the HTTP server's worker threads), so everything in it is either immutable
/// after construction or synchronised internally.
class Context final
{
    Q_DISABLE_COPY_MOVE(Context)

public:
    /// `clock` returns "now" in UTC epoch milliseconds; tests inject one. `exchangeLog`
    /// (may be null, not owned) receives the exchanges of the AS's outbound requests
    /// (CIMD documents, client jwks_uri).
    Context(Config config, std::shared_ptr<Store::Database> db, std::function<qint64()> clock = {},
            Http::ExchangeLog *exchangeLog = nullptr);
    ~Context();

    [[nodiscard]] const Config &config() const { return m_config; }
    [[nodiscard]] const std::shared_ptr<Store::Database> &db() const { return m_db; }
    [[nodiscard]] qint64 now() const { return m_clock(); }
    [[nodiscard]] Http::ExchangeLog *exchangeLog() const { return m_exchangeLog; }

    /// The issuer identifier, exactly as published (no trailing slash).
    [[nodiscard]] const QString &issuer() const { return m_config.issuer; }
    /// issuer + path, e.g. endpointUrl("/token").
    [[nodiscard]] QString endpointUrl(const QString &path) const;

    [[nodiscard]] KeyManager &keys() const { return *m_keys; }
    [[nodiscard]] RateLimiter &rateLimiter() const { return *m_rateLimiter; }
    [[nodiscard]] TokenIssuer &tokens() const { return *m_tokens; }
    [[nodiscard]] ClientAuthenticator &clientAuthenticator() const
    {
        return *m_clientAuthenticator;
    }
    [[nodiscard]] AuditLog &audit() const { return *m_audit; }
    [[nodiscard]] ClientResolver &clients() const { return *m_clients; }

private:
    Config m_config;
    std::shared_ptr<Store::Database> m_db;
    std::function<qint64()> m_clock;
    Http::ExchangeLog *m_exchangeLog;
    std::unique_ptr<KeyManager> m_keys;
    std::unique_ptr<RateLimiter> m_rateLimiter;
    std::unique_ptr<TokenIssuer> m_tokens;
    std::unique_ptr<ClientAuthenticator> m_clientAuthenticator;
    std::unique_ptr<AuditLog> m_audit;
    std::unique_ptr<ClientResolver> m_clients;
};

} // namespace Auth
