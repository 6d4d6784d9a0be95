#pragma once

#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <QByteArray>
#include <QHash>
#include <QSslCertificate>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "common/result.h"
#include "crypto/jwks.h"
#include "crypto/jwsalgorithm.h"
#include "http/ssrfguard.h"

namespace Http {
class ExchangeLog;
}

/// The resource server's side of OAuth: who sent this bearer token, and may it be used here.
namespace Resource {

/// The caller a valid access token stands for.
struct Principal
{
    QString subject;
    QString clientId;
    QString issuer;
    QStringList scopes;
    qint64 expiresAt = 0; ///< seconds since the epoch
};

/// Error codes of BearerVerifier::verify(): "invalid_token" (refuse with 401) or
/// "temporarily_unavailable" (the AS could not be asked: answer 503, cache nothing).
namespace VerifyError {
inline const QString InvalidToken = QStringLiteral("invalid_token");
inline const QString Unavailable = QStringLiteral("temporarily_unavailable");
} // namespace VerifyError

/// Checks a bearer token for one resource (the canonical MCP URI). Implementations are
/// thread-safe: the resource server calls verify() from every worker thread.
class BearerVerifier
{
public:
    virtual ~BearerVerifier() = default;
    /// The principal of `token`, or an error whose message says why (never the token).
    [[nodiscard]] virtual Core::Result<Principal> verify(const QByteArray &token) = 0;
    /// Forgets what is cached about the token whose SHA-256 (lower-case hex) is
    /// `tokenHash`, e.g. because it was just revoked in this process.
    virtual void invalidate(const QByteArray &tokenHash) { Q_UNUSED(tokenHash) }
};

/// Milliseconds since the epoch; injected by tests.
using Clock = std::function<qint64()>;

/// A bounded LRU cache of verification results by token hash. Thread-safe.
class VerificationCache final
{
    Q_DISABLE_COPY_MOVE(VerificationCache)

public:
    explicit VerificationCache(int capacity);
    [[nodiscard]] std::optional<Core::Result<Principal>> find(const QByteArray &hash, qint64 now);
    void insert(const QByteArray &hash, const Core::Result<Principal> &result, qint64 expiresAt);
    void remove(const QByteArray &hash);
    [[nodiscard]] qsizetype size() const;

private:
    struct Entry
    {
        Core::Result<Principal> result;
        qint64 expiresAt;
        std::list<QByteArray>::iterator order;
    };
    mutable std::mutex m_mutex;
    int m_capacity;
    std::list<QByteArray> m_order; ///< most recently used first
    QHash<QByteArray, Entry> m_entries;
};

/// Tokens revoked in this process, each kept until it expires, so that verification that
/// never asks the AS again (a JWT, a cached introspection answer) refuses them at once.
/// Bounded: beyond `capacity` the entries that expire first are dropped, and the list
/// then calls itself incomplete until they would have expired. Thread-safe.
class RevocationList final
{
    Q_DISABLE_COPY_MOVE(RevocationList)

public:
    explicit RevocationList(int capacity = 100000, Clock clock = {});
    /// `hashHex`: lower-case hex SHA-256 of the token; `expiresAtMs`: epoch ms.
    void add(const QByteArray &hashHex, qint64 expiresAtMs);
    /// Some tokens that stay valid until `untilMs` were revoked without being listed.
    void markIncomplete(qint64 untilMs);
    [[nodiscard]] bool contains(const QByteArray &hashHex);
    /// False while a revoked token might be missing from the list: then ask the store.
    [[nodiscard]] bool complete();
    [[nodiscard]] qsizetype size() const;

private:
    void prune(qint64 now);
    [[nodiscard]] qint64 now() const;

    mutable std::mutex m_mutex;
    int m_capacity;
    Clock m_clock;
    QHash<QByteArray, qint64> m_expiry;
    std::multimap<qint64, QByteArray> m_byExpiry;
    qint64 m_incompleteUntil = 0;
};

/// RFC 7662 token introspection against any authorization server.
class IntrospectionVerifier final : public BearerVerifier
{
    Q_DISABLE_COPY_MOVE(IntrospectionVerifier)

public:
    enum class AuthMethod { ClientSecretBasic, ClientSecretPost, Bearer, None };

    struct Options
    {
        QUrl endpoint;
        QString resource;       ///< canonical URI the token's aud / resource must name
        QString expectedIssuer; ///< if set, an introspected `iss` must equal it; also the
                                ///< issuer of tokens whose answer has none
        AuthMethod method = AuthMethod::ClientSecretBasic;
        QString clientId;
        QByteArray credential; ///< client secret, or the bearer token for AuthMethod::Bearer
        int cacheSize = 10000;
        int positiveCacheSeconds = 300;
        int negativeCacheSeconds = 10;
        Http::SsrfPolicy ssrfPolicy;
        QList<QSslCertificate> trustedCertificates; ///< extra CAs, e.g. our self-signed cert
        Http::ExchangeLog *exchangeLog = nullptr;   ///< captures the calls; not owned
        Clock clock;                                ///< empty: the system clock
        /// Called on every cache hit with the token hash; returning false drops the entry
        /// (a cheap same-process revocation check). Empty: cache hits are trusted.
        std::function<bool(const QByteArray &tokenHash)> stillActive;
    };

    explicit IntrospectionVerifier(Options options);
    Core::Result<Principal> verify(const QByteArray &token) override;
    void invalidate(const QByteArray &tokenHash) override;
    [[nodiscard]] qsizetype cacheSize() const { return m_cache.size(); }

    /// Reads an introspection answer (no network): active, token_type, audience, exp.
    [[nodiscard]] static Core::Result<Principal> readAnswer(const QJsonObject &answer,
                                                            const Options &options, qint64 nowMs);

private:
    Core::Result<Principal> introspect(const QByteArray &token);

    Options m_options;
    VerificationCache m_cache;
};

/// Local verification of RFC 9068 JWT access tokens with the AS's JWKS.
class JwtVerifier final : public BearerVerifier
{
    Q_DISABLE_COPY_MOVE(JwtVerifier)

public:
    struct Options
    {
        QUrl jwksUri;
        QString issuer;   ///< required `iss`
        QString resource; ///< required in `aud`
        QList<Crypto::JwsAlgorithm> algorithms = {
            Crypto::JwsAlgorithm::RS256, Crypto::JwsAlgorithm::PS256, Crypto::JwsAlgorithm::ES256};
        int leewaySeconds = 60;
        int jwksMaxAgeSeconds = 300; ///< refetched after this
        int minRefetchSeconds = 10;  ///< at most one fetch per this interval (unknown kid)
        /// Verified tokens remembered by hash (signature and claims are not re-checked
        /// until the token expires or jwksMaxAgeSeconds pass, whichever is first).
        int cacheSize = 10000;
        Http::SsrfPolicy ssrfPolicy;
        QList<QSslCertificate> trustedCertificates;
        Http::ExchangeLog *exchangeLog = nullptr; ///< captures the fetches; not owned
        Clock clock;
        /// Called with the token hash after a token verified; false refuses it as revoked
        /// (the embedded AS keeps every JWT it issued, so revocation applies at once).
        std::function<bool(const QByteArray &tokenHash)> stillActive;
    };

    explicit JwtVerifier(Options options);
    Core::Result<Principal> verify(const QByteArray &token) override;
    void invalidate(const QByteArray &tokenHash) override;
    [[nodiscard]] qsizetype cacheSize() const { return m_cache.size(); }
    /// Number of JWKS fetches so far (for tests of the rate limit).
    [[nodiscard]] int fetchCount() const;

private:
    Core::Result<Crypto::Jwks> keys(bool refresh);
    /// One GET of the JWKS (no lock held).
    [[nodiscard]] Core::Result<Crypto::Jwks> fetchKeys() const;
    Core::Result<Principal> verifyUncached(const QByteArray &token);

    Options m_options;
    VerificationCache m_cache;
    mutable std::mutex m_mutex;
    std::optional<Crypto::Jwks> m_jwks;
    qint64 m_fetchedAt = 0;
    qint64 m_lastAttempt = -1;
    int m_fetches = 0;
    /// One fetch at a time: other threads wait for it instead of failing.
    bool m_fetching = false;
    std::thread::id m_fetcher;
    std::condition_variable m_fetchDone;
};

/// Lower-case hex SHA-256 of `token`: the cache key and what invalidate() takes.
[[nodiscard]] QByteArray tokenHash(const QByteArray &token);

} // namespace Resource
