#pragma once

#include <memory>
#include <optional>

#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QString>

#include "authserver/authorizerequest.h"
#include "common/result.h"
#include "http/message.h"
#include "store/userrepository.h"

namespace Auth {

class Context;

/// A browser talking to the authorization server's pages: identified by a random cookie,
/// carrying the CSRF token of every form it is shown, the signed-in user (if any) and the
/// authorization requests waiting for that user.
struct BrowserSession
{
    QByteArray id;        ///< the cookie value: 256 random bits, base64url
    QByteArray csrfToken; ///< 256 random bits, base64url; in every form of this session
    QString username;     ///< empty until signed in
    qint64 createdAt = 0;
    qint64 lastSeenAt = 0;

    [[nodiscard]] bool signedIn() const { return !username.isEmpty(); }
    /// Constant-time comparison of a submitted form token with this session's.
    [[nodiscard]] bool csrfMatches(QStringView submitted) const;
};

/// The browser sessions of one authorization server, in memory (a local AS; a restart
/// signs everyone out). Thread-safe: every method locks, and sessions are handed out as
/// copies. Bounded: at most kMaxSessions sessions (the least recently seen are dropped
/// first) and kMaxPendingPerSession pending authorization requests per session (the
/// oldest dropped first); sessions expire after kIdleTimeout without a request or
/// kAbsoluteTimeout after creation, pending requests after kPendingTimeout. All times are
/// on the Context clock, so tests move them with the fixture's clock.
class BrowserSessions final
{
    Q_DISABLE_COPY_MOVE(BrowserSessions)

public:
    static constexpr int kMaxSessions = 1024;
    static constexpr int kMaxPendingPerSession = 8;
    static constexpr qint64 kIdleTimeout = 30 * 60 * 1000;
    static constexpr qint64 kAbsoluteTimeout = 12 * 3600 * 1000;
    static constexpr qint64 kPendingTimeout = 10 * 60 * 1000;

    explicit BrowserSessions(const Context &context);

    /// The sessions shared by every page of `context`'s server (authorize, login, consent,
    /// device verification): created on first use, kept alive by the routes holding it.
    [[nodiscard]] static std::shared_ptr<BrowserSessions> forContext(const Context &context);

    /// The session named by the request's cookie, if it exists and has not expired.
    [[nodiscard]] std::optional<BrowserSession> find(const Http::Request &request);
    /// find(), or a new anonymous session (then `*created` is set).
    [[nodiscard]] BrowserSession findOrCreate(const Http::Request &request, bool *created);
    /// Marks the session signed in as `username` under a NEW id and CSRF token (no session
    /// fixation); pending requests move along. Nullopt if the session is gone.
    [[nodiscard]] std::optional<BrowserSession> signIn(const QByteArray &sessionId,
                                                       const QString &username);

    /// Keeps `request` for the session; returns its random id (base64url, 128 bits).
    [[nodiscard]] QByteArray addPending(const QByteArray &sessionId, AuthorizationRequest request);
    [[nodiscard]] std::optional<AuthorizationRequest> pending(const QByteArray &sessionId,
                                                              QStringView requestId);
    /// Removes and returns the pending request (each is decided once).
    [[nodiscard]] std::optional<AuthorizationRequest> takePending(const QByteArray &sessionId,
                                                                  QStringView requestId);

    /// The Set-Cookie value for `session`: HttpOnly, SameSite=Lax, Path=/, and Secure with
    /// the "__Host-" name prefix when the issuer is https.
    [[nodiscard]] QByteArray setCookieValue(const BrowserSession &session) const;
    /// The cookie's name for this server.
    [[nodiscard]] QByteArray cookieName() const;

    [[nodiscard]] int size() const;

private:
    struct Entry
    {
        BrowserSession session;
        QHash<QByteArray, AuthorizationRequest> pending;
        QList<QByteArray> pendingOrder; ///< oldest first
    };

    Entry *lookupLocked(const QByteArray &sessionId, qint64 now);
    void evictLocked(qint64 now);
    [[nodiscard]] QByteArray cookieValue(const Http::Request &request) const;

    const Context &m_context;
    const bool m_secure;
    mutable QMutex m_mutex;
    QHash<QByteArray, Entry> m_sessions;
};

/// The outcome of a sign-in attempt with a username and a password.
struct SignInResult
{
    enum class Outcome { SignedIn, WrongCredentials, Disabled, RateLimited, Unavailable };
    Outcome outcome = Outcome::WrongCredentials;
    Store::User user;          ///< when SignedIn
    int retryAfterSeconds = 0; ///< when RateLimited
    QString message;           ///< for the page: what the user can do about it

    [[nodiscard]] bool ok() const { return outcome == Outcome::SignedIn; }
    /// The HTTP status of the page that reports a failure (401, 403, 429, 503).
    [[nodiscard]] int status() const;
};

/// Checks `username` / `password` against the local users (Auth::Passwords, disabled users
/// refused), after the per-address rate limit Config::loginPerAddress. Takes the same time
/// for an unknown user as for a wrong password. Audits login.succeeded / login.failed
/// (with the username and the reason, never the password). Shared by the login page and the
/// device verification page.
[[nodiscard]] SignInResult signInWithPassword(Context &context, const Http::Request &request,
                                              const QString &username, const QString &password);

} // namespace Auth
