#pragma once

#include <functional>
#include <memory>

#include <QByteArray>
#include <QByteArrayView>
#include <QLoggingCategory>
#include <QObject>
#include <QString>

#include "common/result.h"

Q_DECLARE_LOGGING_CATEGORY(lcAdmin)

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

/// The secret that authenticates the admin API (/admin/*) of a resource server. Deliberately
/// not an OAuth scope: any dynamically registered client could ask for a scope. Only the
/// SHA-256 of the token is kept in memory; the token itself lives in a 0600 file that the
/// operator (or the app) reads.
class AdminToken final
{
public:
    /// Shortest accepted token, in characters of the base64url alphabet.
    static constexpr qsizetype minimumLength = 32;

    AdminToken() = default;

    /// `<QStandardPaths::AppDataLocation>/admin-token`.
    [[nodiscard]] static QString defaultPath();
    /// Reads the token from `path` (surrounding whitespace trimmed), or, when the file does
    /// not exist, generates a random one (256 bits) and writes it atomically with
    /// permissions 0600, creating the directory. Errors ("invalid_admin_token",
    /// "admin_token_unavailable") name the file and never contain the token.
    [[nodiscard]] static Core::Result<AdminToken> loadOrCreate(const QString &path);
    /// A token from its text; at least minimumLength characters of A-Z a-z 0-9 - _.
    [[nodiscard]] static Core::Result<AdminToken> fromSecret(QByteArrayView secret);

    [[nodiscard]] bool isNull() const { return m_digest.isEmpty(); }
    /// Whether `presented` is this token; compares SHA-256 digests in constant time.
    [[nodiscard]] bool matches(QByteArrayView presented) const;
    /// A secret for `purpose` derived from the token (base64url of SHA-256 over the token's
    /// digest and the purpose): every engine that shares this admin token file derives the
    /// same one, so engines sharing a store agree on it. Empty for a null token.
    [[nodiscard]] QByteArray derivedSecret(QByteArrayView purpose) const;

private:
    QByteArray m_digest; ///< SHA-256 of the token
};

/// The friction admin API on the resource server's port (issue 4), authenticated by the
/// AdminToken (`Authorization: Bearer <token>`), with failed attempts rate limited per
/// remote address:
///   GET /admin/friction/state[?limit=N]  configuration and every principal's state
///   GET /admin/friction/config           the "friction" configuration object
///   PUT /admin/friction/config           replaces it at run time (audited)
///   GET /admin/friction/events           server-sent events, one per friction event
///                                        (?types=a,b filters by type, ?principal=key)
/// Everything else under /admin/ answers a JSON 404 (405 for a known path).
///
/// Event streams: each subscriber has a bounded queue; a consumer that reads more slowly
/// than events arrive loses the oldest queued events and is told how many with an
/// `event: dropped` message, so memory stays bounded whatever the consumer does.
///
/// Shares ownership of the registry and the store; the routes share ownership of the
/// internal state, so the object may be destroyed before or after the HTTP server. Create
/// and destroy it in a thread with an event loop (it runs a timer there that resumes
/// streams held back by slow consumers). Handlers run on the server's worker threads.
class FrictionAdmin final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FrictionAdmin)

public:
    struct Options
    {
        int maxQueuedEvents = 1000;          ///< per subscriber; beyond it the oldest is dropped
        qint64 maxBacklogBytes = 256 * 1024; ///< per stream, unread bytes before holding back
        int maxSubscribers = 32;             ///< more event streams at once get 503
        int failureLimit = 20;               ///< failed authentications per address per window
        int failureWindowSeconds = 60;
        int maxTrackedAddresses = 4096;  ///< bound of the failure table
        int resumeIntervalMs = 100;      ///< how often held-back streams are retried
        std::function<qint64()> clockMs; ///< monotonic ms for the rate limit; empty: steady
    };

    FrictionAdmin(Options options, AdminToken token, std::shared_ptr<Friction::Registry> registry,
                  std::shared_ptr<Store::Database> store, QObject *parent = nullptr);
    /// Closes every event stream.
    ~FrictionAdmin() override;

    /// Adds the /admin routes. Call before the server accepts connections.
    void install(Http::Router &router);
    /// Ends every open event stream (the engine calls it when it stops).
    void closeStreams();

    /// Open event streams.
    [[nodiscard]] int subscriberCount() const;
    /// Events queued over all streams, waiting for slow consumers.
    [[nodiscard]] qsizetype queuedEventCount() const;

private:
    struct Private;
    std::shared_ptr<Private> d;
};

} // namespace Resource
