#include "authserver/browsersession.h"

#include <map>

#include <QJsonObject>

#include "authserver/auditlog.h"
#include "authserver/clientrequest.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "authserver/passwords.h"
#include "authserver/ratelimiter.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "store/errors.h"

namespace Auth {

namespace {

constexpr qsizetype kIdBytes = 32;
constexpr qsizetype kRequestIdBytes = 16;
constexpr qsizetype kMaxUsernameLength = 256;

bool looksLikeToken(QByteArrayView value, qsizetype length)
{
    if (value.size() != length)
        return false;
    for (const char c : value) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

// base64url length of n random bytes without padding.
constexpr qsizetype encodedLength(qsizetype bytes)
{
    return (bytes * 4 + 2) / 3;
}

} // namespace

bool BrowserSession::csrfMatches(QStringView submitted) const
{
    if (csrfToken.isEmpty())
        return false;
    return Crypto::constantTimeEquals(submitted.toUtf8(), csrfToken);
}

BrowserSessions::BrowserSessions(const Context &context)
    : m_context(context)
    , m_secure(context.issuer().startsWith(QLatin1String("https://"), Qt::CaseInsensitive))
{}

std::shared_ptr<BrowserSessions> BrowserSessions::forContext(const Context &context)
{
    static QMutex registryMutex;
    static std::map<const Context *, std::weak_ptr<BrowserSessions>> registry;
    QMutexLocker lock(&registryMutex);
    for (auto it = registry.begin(); it != registry.end();) {
        if (it->second.expired())
            it = registry.erase(it);
        else
            ++it;
    }
    if (auto existing = registry[&context].lock())
        return existing;
    auto sessions = std::make_shared<BrowserSessions>(context);
    registry[&context] = sessions;
    return sessions;
}

QByteArray BrowserSessions::cookieName() const
{
    // "__Host-" makes browsers insist on Secure, Path=/ and no Domain (RFC 6265bis).
    return m_secure ? QByteArrayLiteral("__Host-mcpauth_session")
                    : QByteArrayLiteral("mcpauth_session");
}

QByteArray BrowserSessions::cookieValue(const Http::Request &request) const
{
    const QByteArray name = cookieName();
    QByteArray found;
    for (const QByteArray &header : request.headers.values("Cookie")) {
        for (const QByteArray &pair : header.split(';')) {
            const QByteArray trimmed = pair.trimmed();
            const qsizetype eq = trimmed.indexOf('=');
            if (eq <= 0 || trimmed.left(eq) != name)
                continue;
            // Two cookies of that name (e.g. one planted for a parent domain) are ambiguous.
            if (!found.isEmpty())
                return {};
            found = trimmed.mid(eq + 1);
        }
    }
    return looksLikeToken(found, encodedLength(kIdBytes)) ? found : QByteArray();
}

BrowserSessions::Entry *BrowserSessions::lookupLocked(const QByteArray &sessionId, qint64 now)
{
    auto it = m_sessions.find(sessionId);
    if (it == m_sessions.end())
        return nullptr;
    const BrowserSession &s = it->session;
    if (now - s.lastSeenAt > kIdleTimeout || now - s.createdAt > kAbsoluteTimeout) {
        m_sessions.erase(it);
        return nullptr;
    }
    it->session.lastSeenAt = now;
    return &*it;
}

void BrowserSessions::evictLocked(qint64 now)
{
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        const BrowserSession &s = it->session;
        if (now - s.lastSeenAt > kIdleTimeout || now - s.createdAt > kAbsoluteTimeout)
            it = m_sessions.erase(it);
        else
            ++it;
    }
    while (m_sessions.size() >= kMaxSessions) {
        auto oldest = m_sessions.begin();
        for (auto it = m_sessions.begin(); it != m_sessions.end(); ++it) {
            if (it->session.lastSeenAt < oldest->session.lastSeenAt)
                oldest = it;
        }
        m_sessions.erase(oldest);
    }
}

std::optional<BrowserSession> BrowserSessions::find(const Http::Request &request)
{
    const QByteArray id = cookieValue(request);
    if (id.isEmpty())
        return std::nullopt;
    QMutexLocker lock(&m_mutex);
    if (Entry *entry = lookupLocked(id, m_context.now()))
        return entry->session;
    return std::nullopt;
}

BrowserSession BrowserSessions::findOrCreate(const Http::Request &request, bool *created)
{
    if (auto existing = find(request)) {
        if (created)
            *created = false;
        return *existing;
    }
    const qint64 now = m_context.now();
    BrowserSession session;
    session.id = Crypto::randomToken(kIdBytes);
    session.csrfToken = Crypto::randomToken(kIdBytes);
    session.createdAt = now;
    session.lastSeenAt = now;
    QMutexLocker lock(&m_mutex);
    evictLocked(now);
    m_sessions.insert(session.id, Entry{session, {}, {}});
    if (created)
        *created = true;
    return session;
}

std::optional<BrowserSession> BrowserSessions::signIn(const QByteArray &sessionId,
                                                      const QString &username)
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_context.now();
    Entry *entry = lookupLocked(sessionId, now);
    if (!entry)
        return std::nullopt;
    Entry moved = std::move(*entry);
    m_sessions.remove(sessionId);
    moved.session.id = Crypto::randomToken(kIdBytes);
    moved.session.csrfToken = Crypto::randomToken(kIdBytes);
    moved.session.username = username;
    const BrowserSession result = moved.session;
    m_sessions.insert(result.id, std::move(moved));
    return result;
}

QByteArray BrowserSessions::addPending(const QByteArray &sessionId, AuthorizationRequest request)
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_context.now();
    Entry *entry = lookupLocked(sessionId, now);
    if (!entry)
        return {};
    while (entry->pendingOrder.size() >= kMaxPendingPerSession)
        entry->pending.remove(entry->pendingOrder.takeFirst());
    const QByteArray id = Crypto::randomToken(kRequestIdBytes);
    request.expiresAt = now + kPendingTimeout;
    entry->pending.insert(id, std::move(request));
    entry->pendingOrder.append(id);
    return id;
}

std::optional<AuthorizationRequest> BrowserSessions::pending(const QByteArray &sessionId,
                                                             QStringView requestId)
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_context.now();
    Entry *entry = lookupLocked(sessionId, now);
    if (!entry)
        return std::nullopt;
    const QByteArray id = requestId.toLatin1();
    auto it = entry->pending.find(id);
    if (it == entry->pending.end())
        return std::nullopt;
    if (it->expiresAt <= now) {
        entry->pending.erase(it);
        entry->pendingOrder.removeOne(id);
        return std::nullopt;
    }
    return *it;
}

std::optional<AuthorizationRequest> BrowserSessions::takePending(const QByteArray &sessionId,
                                                                 QStringView requestId)
{
    auto found = pending(sessionId, requestId);
    if (!found)
        return std::nullopt;
    QMutexLocker lock(&m_mutex);
    Entry *entry = lookupLocked(sessionId, m_context.now());
    const QByteArray id = requestId.toLatin1();
    // Of two concurrent decisions on one request only the one that removes it goes on.
    if (!entry || entry->pending.remove(id) == 0)
        return std::nullopt;
    entry->pendingOrder.removeOne(id);
    return found;
}

QByteArray BrowserSessions::setCookieValue(const BrowserSession &session) const
{
    QByteArray value = cookieName() + '=' + session.id +
                       QByteArrayLiteral("; Path=/; HttpOnly; SameSite=Lax; Max-Age=") +
                       QByteArray::number(kAbsoluteTimeout / 1000);
    if (m_secure)
        value += QByteArrayLiteral("; Secure");
    return value;
}

int BrowserSessions::size() const
{
    QMutexLocker lock(&m_mutex);
    return int(m_sessions.size());
}

int SignInResult::status() const
{
    switch (outcome) {
    case Outcome::SignedIn:
        return 200;
    case Outcome::WrongCredentials:
        return 401;
    case Outcome::Disabled:
        return 403;
    case Outcome::RateLimited:
        return 429;
    case Outcome::Unavailable:
        return 503;
    }
    return 500;
}

SignInResult signInWithPassword(Context &context, const Http::Request &request,
                                const QString &username, const QString &password)
{
    SignInResult result;
    const QString address = clientAddress(request);
    auto fail = [&](SignInResult::Outcome outcome, const QString &reason, const QString &message) {
        result.outcome = outcome;
        result.message = message;
        context.audit().record(QStringLiteral("login.failed"), username.left(kMaxUsernameLength),
                               {}, username.left(kMaxUsernameLength),
                               {{QStringLiteral("reason"), reason}}, &request);
        return result;
    };

    const RateLimiter::Decision decision = context.rateLimiter().hit(
        QStringLiteral("login:addr:") + address, context.config().loginPerAddress);
    if (!decision.allowed) {
        result.retryAfterSeconds = decision.retryAfterSeconds;
        return fail(SignInResult::Outcome::RateLimited, QStringLiteral("rate_limited"),
                    QStringLiteral("Too many sign-in attempts from your address. Try again in "
                                   "%1 seconds.")
                        .arg(decision.retryAfterSeconds));
    }

    const QString wrong = QStringLiteral("Wrong username or password.");
    // An unknown user costs the same scrypt work as a wrong password, so response times do
    // not tell which usernames exist.
    static const QString dummyHash =
        Passwords::hash(QByteArrayLiteral("mcpauth-timing-equaliser")).valueOr(QString());
    if (username.isEmpty() || username.size() > kMaxUsernameLength) {
        (void)Passwords::verify(password.toUtf8(), dummyHash);
        return fail(SignInResult::Outcome::WrongCredentials, QStringLiteral("unknown_user"), wrong);
    }
    Store::UserRepository users(context.db());
    auto user = users.get(username);
    if (!user) {
        if (user.error().code != Store::ErrorCode::NotFound) {
            qCWarning(lcAuthServer) << "login: cannot read users:" << user.error().toString();
            return fail(SignInResult::Outcome::Unavailable, QStringLiteral("store_error"),
                        QStringLiteral("Signing in is not possible right now. Try again later."));
        }
        (void)Passwords::verify(password.toUtf8(), dummyHash);
        return fail(SignInResult::Outcome::WrongCredentials, QStringLiteral("unknown_user"), wrong);
    }
    if (!Passwords::verify(password.toUtf8(), user->passwordHash))
        return fail(SignInResult::Outcome::WrongCredentials, QStringLiteral("wrong_password"),
                    wrong);
    // Only someone who knows the password learns that the account is disabled.
    if (user->disabled)
        return fail(SignInResult::Outcome::Disabled, QStringLiteral("disabled"),
                    QStringLiteral("This account is disabled. Ask the administrator of this "
                                   "server to enable it."));
    if (Passwords::needsRehash(user->passwordHash)) {
        if (auto rehashed = Passwords::hash(password.toUtf8()); rehashed)
            (void)users.setPasswordHash(user->username, *rehashed);
    }
    result.outcome = SignInResult::Outcome::SignedIn;
    result.user = *user;
    context.audit().record(QStringLiteral("login.succeeded"), user->username, {}, user->username,
                           {}, &request);
    return result;
}

} // namespace Auth
