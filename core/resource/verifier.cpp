#include "resource/verifier.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QSslConfiguration>
#include <QThreadStorage>
#include <QUrlQuery>

#include "crypto/digest.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "http/body.h"
#include "http/client.h"
#include "resource/outbound.h"

namespace Resource {

namespace {

qint64 nowMs(const Clock &clock)
{
    return clock ? clock() : QDateTime::currentMSecsSinceEpoch();
}

Core::Error invalidToken(const QString &message)
{
    return Core::makeError(VerifyError::InvalidToken, message);
}

Core::Error unavailable(const QString &message)
{
    return Core::makeError(VerifyError::Unavailable, message);
}

QStringList stringOrArray(const QJsonValue &value)
{
    if (value.isString())
        return {value.toString()};
    QStringList out;
    for (const QJsonValue &item : value.toArray())
        if (item.isString())
            out.append(item.toString());
    return out;
}

} // namespace

/// One outbound request through the SSRF guard. A Client lives in one thread and verify()
/// runs on any worker thread, so each thread keeps its own (as the AS's fetches do); the
/// per-verifier settings are applied on every call.
Core::Result<Http::ClientResponse> fetchOutbound(Http::ClientRequest request,
                                                 const Http::SsrfPolicy &policy,
                                                 const QList<QSslCertificate> &trusted,
                                                 Http::ExchangeLog *log)
{
    static QThreadStorage<Http::Client *> clients;
    if (!clients.hasLocalData())
        clients.setLocalData(new Http::Client);
    Http::Client *client = clients.localData();
    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    if (!trusted.isEmpty())
        ssl.addCaCertificates(trusted);
    client->setSslConfiguration(ssl);
    client->setPolicy(policy);
    client->setExchangeLog(log);
    request.timeout = std::chrono::seconds(5);
    request.maxResponseBytes = 256 * 1024;
    return client->sendAndWait(std::move(request));
}

QByteArray tokenHash(const QByteArray &token)
{
    return Crypto::sha256Hex(token);
}

// --- RevocationList

RevocationList::RevocationList(int capacity, Clock clock)
    : m_capacity(qMax(1, capacity))
    , m_clock(std::move(clock))
{}

qint64 RevocationList::now() const
{
    return m_clock ? m_clock() : QDateTime::currentMSecsSinceEpoch();
}

void RevocationList::prune(qint64 time)
{
    while (!m_byExpiry.empty() && m_byExpiry.begin()->first <= time) {
        m_expiry.remove(m_byExpiry.begin()->second);
        m_byExpiry.erase(m_byExpiry.begin());
    }
}

void RevocationList::add(const QByteArray &hashHex, qint64 expiresAtMs)
{
    const qint64 time = now();
    if (expiresAtMs <= time)
        return;
    std::lock_guard lock(m_mutex);
    prune(time);
    if (m_expiry.contains(hashHex))
        return;
    if (m_expiry.size() >= m_capacity) {
        // Forget the entry that expires first, and say the list is incomplete until then.
        auto first = m_byExpiry.begin();
        m_incompleteUntil = qMax(m_incompleteUntil, first->first);
        m_expiry.remove(first->second);
        m_byExpiry.erase(first);
    }
    m_expiry.insert(hashHex, expiresAtMs);
    m_byExpiry.emplace(expiresAtMs, hashHex);
}

void RevocationList::markIncomplete(qint64 untilMs)
{
    std::lock_guard lock(m_mutex);
    m_incompleteUntil = qMax(m_incompleteUntil, untilMs);
}

bool RevocationList::contains(const QByteArray &hashHex)
{
    const qint64 time = now();
    std::lock_guard lock(m_mutex);
    auto it = m_expiry.constFind(hashHex);
    return it != m_expiry.constEnd() && *it > time;
}

bool RevocationList::complete()
{
    const qint64 time = now();
    std::lock_guard lock(m_mutex);
    return m_incompleteUntil <= time;
}

qsizetype RevocationList::size() const
{
    std::lock_guard lock(m_mutex);
    return m_expiry.size();
}

// --- VerificationCache

VerificationCache::VerificationCache(int capacity)
    : m_capacity(qMax(1, capacity))
{}

std::optional<Core::Result<Principal>> VerificationCache::find(const QByteArray &hash, qint64 now)
{
    std::lock_guard lock(m_mutex);
    auto it = m_entries.find(hash);
    if (it == m_entries.end())
        return std::nullopt;
    if (it->expiresAt <= now) {
        m_order.erase(it->order);
        m_entries.erase(it);
        return std::nullopt;
    }
    m_order.splice(m_order.begin(), m_order, it->order);
    return it->result;
}

void VerificationCache::insert(const QByteArray &hash, const Core::Result<Principal> &result,
                               qint64 expiresAt)
{
    std::lock_guard lock(m_mutex);
    if (auto it = m_entries.find(hash); it != m_entries.end()) {
        m_order.erase(it->order);
        m_entries.erase(it);
    }
    while (m_entries.size() >= m_capacity) {
        m_entries.remove(m_order.back());
        m_order.pop_back();
    }
    m_order.push_front(hash);
    m_entries.insert(hash, Entry{result, expiresAt, m_order.begin()});
}

void VerificationCache::remove(const QByteArray &hash)
{
    std::lock_guard lock(m_mutex);
    if (auto it = m_entries.find(hash); it != m_entries.end()) {
        m_order.erase(it->order);
        m_entries.erase(it);
    }
}

qsizetype VerificationCache::size() const
{
    std::lock_guard lock(m_mutex);
    return m_entries.size();
}

// --- IntrospectionVerifier

IntrospectionVerifier::IntrospectionVerifier(Options options)
    : m_options(std::move(options))
    , m_cache(m_options.cacheSize)
{}

Core::Result<Principal> IntrospectionVerifier::verify(const QByteArray &token)
{
    const QByteArray hash = tokenHash(token);
    const qint64 now = nowMs(m_options.clock);
    if (auto cached = m_cache.find(hash, now)) {
        if (!cached->ok() || !m_options.stillActive || m_options.stillActive(hash))
            return *cached;
        m_cache.remove(hash);
        return invalidToken(QStringLiteral("the access token was revoked"));
    }
    Core::Result<Principal> result = introspect(token);
    if (!result && result.error().code == VerifyError::Unavailable)
        return result; // not cached: the next request asks again
    qint64 until = now + qint64(m_options.negativeCacheSeconds) * 1000;
    if (result)
        until = qMin(now + qint64(m_options.positiveCacheSeconds) * 1000, result->expiresAt * 1000);
    if (until > now)
        m_cache.insert(hash, result, until);
    return result;
}

void IntrospectionVerifier::invalidate(const QByteArray &tokenHash)
{
    m_cache.remove(tokenHash);
}

Core::Result<Principal> IntrospectionVerifier::introspect(const QByteArray &token)
{
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("token"), QString::fromLatin1(token));
    form.addQueryItem(QStringLiteral("token_type_hint"), QStringLiteral("access_token"));
    Http::ClientRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = m_options.endpoint;
    request.headers.set(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
    request.headers.set(QByteArrayLiteral("Content-Type"),
                        QByteArrayLiteral("application/x-www-form-urlencoded"));
    request.tag = QStringLiteral("rs.introspect");
    const auto encode = [](const QString &value) { return QUrl::toPercentEncoding(value); };
    switch (m_options.method) {
    case AuthMethod::ClientSecretBasic:
        // RFC 6749 section 2.3.1: both parts form-urlencoded before base64.
        request.headers.set(QByteArrayLiteral("Authorization"),
                            QByteArrayLiteral("Basic ") +
                                QByteArray(encode(m_options.clientId) + ':' +
                                           encode(QString::fromUtf8(m_options.credential)))
                                    .toBase64());
        break;
    case AuthMethod::ClientSecretPost:
        form.addQueryItem(QStringLiteral("client_id"), m_options.clientId);
        form.addQueryItem(QStringLiteral("client_secret"), QString::fromUtf8(m_options.credential));
        break;
    case AuthMethod::Bearer:
        request.headers.set(QByteArrayLiteral("Authorization"),
                            QByteArrayLiteral("Bearer ") + m_options.credential);
        break;
    case AuthMethod::None:
        if (!m_options.clientId.isEmpty())
            form.addQueryItem(QStringLiteral("client_id"), m_options.clientId);
        break;
    }
    // QUrlQuery leaves '+' alone; a form decodes it as a space.
    request.body = form.toString(QUrl::FullyEncoded).toLatin1().replace('+', "%2B");
    auto response = fetchOutbound(std::move(request), m_options.ssrfPolicy,
                                  m_options.trustedCertificates, m_options.exchangeLog);
    if (!response)
        return unavailable(QStringLiteral("introspection at ") + m_options.endpoint.toString() +
                           QStringLiteral(" failed: ") + response.error().message);
    if (response->status != 200)
        return unavailable(QStringLiteral("introspection at ") + m_options.endpoint.toString() +
                           QStringLiteral(" answered HTTP ") + QString::number(response->status));
    auto document = Http::parseJson(response->body);
    if (!document)
        return unavailable(QStringLiteral("the introspection answer is not a JSON object: ") +
                           document.error().message);
    return readAnswer(document->object(), m_options, nowMs(m_options.clock));
}

Core::Result<Principal> IntrospectionVerifier::readAnswer(const QJsonObject &answer,
                                                          const Options &options, qint64 nowMs)
{
    if (answer.value(QStringLiteral("active")) != QJsonValue(true))
        return invalidToken(QStringLiteral("the access token is not active"));
    const QString tokenType = answer.value(QStringLiteral("token_type")).toString();
    if (!tokenType.isEmpty() && tokenType.compare(QLatin1String("Bearer"), Qt::CaseInsensitive) &&
        tokenType != QLatin1String("access_token"))
        return invalidToken(QStringLiteral("the token is a ") + tokenType +
                            QStringLiteral(", not an access token"));
    const QString issuer = answer.value(QStringLiteral("iss")).toString();
    if (!options.expectedIssuer.isEmpty() && !issuer.isEmpty() && issuer != options.expectedIssuer)
        return invalidToken(QStringLiteral("the token was issued by ") + issuer +
                            QStringLiteral(", not by ") + options.expectedIssuer);
    QStringList audience = stringOrArray(answer.value(QStringLiteral("aud")));
    audience += stringOrArray(answer.value(QStringLiteral("resource")));
    if (!audience.contains(options.resource))
        return invalidToken(
            QStringLiteral("the token is not for this resource (") + options.resource +
            QStringLiteral("); its audience is ") +
            (audience.isEmpty() ? QStringLiteral("empty") : audience.join(QStringLiteral(", "))));
    Principal principal;
    principal.expiresAt = answer.value(QStringLiteral("exp")).toInteger();
    if (principal.expiresAt <= 0)
        return invalidToken(QStringLiteral("the introspection answer has no exp"));
    if (principal.expiresAt * 1000 <= nowMs)
        return invalidToken(QStringLiteral("the access token has expired"));
    principal.subject = answer.value(QStringLiteral("sub")).toString();
    principal.clientId = answer.value(QStringLiteral("client_id")).toString();
    if (principal.clientId.isEmpty())
        return invalidToken(QStringLiteral("the introspection answer names no client_id"));
    principal.issuer = issuer.isEmpty() ? options.expectedIssuer : issuer;
    principal.scopes = answer.value(QStringLiteral("scope"))
                           .toString()
                           .split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return principal;
}

// --- JwtVerifier

JwtVerifier::JwtVerifier(Options options)
    : m_options(std::move(options))
    , m_cache(m_options.cacheSize)
{}

void JwtVerifier::invalidate(const QByteArray &tokenHash)
{
    m_cache.remove(tokenHash);
}

Core::Result<Principal> JwtVerifier::verify(const QByteArray &token)
{
    const QByteArray hash = tokenHash(token);
    const qint64 now = nowMs(m_options.clock);
    auto result = m_cache.find(hash, now);
    if (!result) {
        result = verifyUncached(token);
        if (!*result)
            return *result;
        // Remembered no longer than the token lives and than the keys are trusted unseen.
        const qint64 until = qMin((result->value().expiresAt + m_options.leewaySeconds) * 1000,
                                  now + qint64(m_options.jwksMaxAgeSeconds) * 1000);
        m_cache.insert(hash, *result, until);
    }
    if (m_options.stillActive && !m_options.stillActive(hash)) {
        m_cache.remove(hash);
        return invalidToken(QStringLiteral("the access token was revoked"));
    }
    return *result;
}

int JwtVerifier::fetchCount() const
{
    std::lock_guard lock(m_mutex);
    return m_fetches;
}

Core::Result<Crypto::Jwks> JwtVerifier::keys(bool refresh)
{
    qint64 now = nowMs(m_options.clock);
    {
        std::unique_lock lock(m_mutex);
        for (;;) {
            const bool stale =
                !m_jwks || now - m_fetchedAt > qint64(m_options.jwksMaxAgeSeconds) * 1000;
            const bool limited = m_lastAttempt >= 0 &&
                                 now - m_lastAttempt < qint64(m_options.minRefetchSeconds) * 1000;
            if (m_jwks && (!(refresh || stale) || limited))
                return *m_jwks;
            if (!m_fetching) {
                if (!m_jwks && limited)
                    return unavailable(QStringLiteral("the JWKS could not be fetched recently; "
                                                      "retrying is rate-limited"));
                break;
            }
            // Another request is fetching: wait for its answer (the first requests after a
            // start all need the keys). The fetching thread itself can get here again from
            // a nested event loop; it must not wait for itself.
            if (m_fetcher == std::this_thread::get_id())
                return m_jwks ? Core::Result<Crypto::Jwks>(*m_jwks)
                              : unavailable(QStringLiteral("the JWKS is being fetched"));
            m_fetchDone.wait_for(lock, std::chrono::seconds(30), [this] { return !m_fetching; });
            if (m_fetching)
                return unavailable(QStringLiteral("the JWKS fetch is taking too long"));
            refresh = false; // what that fetch brought is as fresh as it gets
            now = nowMs(m_options.clock);
        }
        m_fetching = true;
        m_fetcher = std::this_thread::get_id();
        m_lastAttempt = now;
        ++m_fetches;
    }
    const auto fetched = fetchKeys();
    std::lock_guard lock(m_mutex);
    m_fetching = false;
    m_fetcher = {};
    if (fetched) {
        m_jwks = *fetched;
        m_fetchedAt = now;
    }
    m_fetchDone.notify_all();
    return fetched;
}

Core::Result<Crypto::Jwks> JwtVerifier::fetchKeys() const
{
    Http::ClientRequest request;
    request.url = m_options.jwksUri;
    request.tag = QStringLiteral("rs.jwks");
    auto response = fetchOutbound(std::move(request), m_options.ssrfPolicy,
                                  m_options.trustedCertificates, m_options.exchangeLog);
    if (!response || response->status != 200)
        return unavailable(QStringLiteral("fetching the JWKS at ") + m_options.jwksUri.toString() +
                           QStringLiteral(" failed: ") +
                           (response ? QStringLiteral("HTTP ") + QString::number(response->status)
                                     : response.error().message));
    auto jwks = Crypto::Jwks::fromJson(response->body);
    if (!jwks)
        return unavailable(QStringLiteral("the JWKS is invalid: ") + jwks.error().message);
    return *jwks;
}

Core::Result<Principal> JwtVerifier::verifyUncached(const QByteArray &token)
{
    auto parsed = Crypto::Jws::parseCompact(token);
    if (!parsed)
        return invalidToken(QStringLiteral("not a JWT access token: ") + parsed.error().message);
    const QString typ = parsed->header.value(QStringLiteral("typ")).toString();
    if (typ.compare(QLatin1String("at+jwt"), Qt::CaseInsensitive) &&
        typ.compare(QLatin1String("application/at+jwt"), Qt::CaseInsensitive))
        return invalidToken(QStringLiteral("the JWT's typ is \"") + typ +
                            QStringLiteral("\", not \"at+jwt\" (RFC 9068 section 4)"));
    auto jwks = keys(false);
    if (!jwks)
        return jwks.error();
    auto verified = Crypto::Jws::verifyWithJwks(token, *jwks, m_options.algorithms);
    if (!verified && (verified.error().code == QLatin1String("unknown_kid") ||
                      verified.error().code == QLatin1String("no_matching_key"))) {
        jwks = keys(true);
        if (!jwks)
            return jwks.error();
        verified = Crypto::Jws::verifyWithJwks(token, *jwks, m_options.algorithms);
    }
    if (!verified)
        return invalidToken(QStringLiteral("the JWT signature was not accepted: ") +
                            verified.error().message);
    auto claims = Crypto::Jwt::parseClaims(verified->payload);
    if (!claims)
        return invalidToken(claims.error().message);
    Crypto::Jwt::ClaimChecks checks;
    checks.now = nowMs(m_options.clock) / 1000;
    checks.leewaySeconds = m_options.leewaySeconds;
    checks.issuer = m_options.issuer;
    checks.audience = m_options.resource;
    if (auto checked = Crypto::Jwt::checkClaims(*claims, checks); !checked)
        return invalidToken(checked.error().message);
    Principal principal;
    principal.subject = claims->value(QStringLiteral("sub")).toString();
    principal.clientId = claims->value(QStringLiteral("client_id")).toString();
    principal.issuer = claims->value(QStringLiteral("iss")).toString();
    principal.expiresAt = claims->value(QStringLiteral("exp")).toInteger();
    principal.scopes = claims->value(QStringLiteral("scope"))
                           .toString()
                           .split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (principal.subject.isEmpty() || principal.clientId.isEmpty())
        return invalidToken(
            QStringLiteral("the JWT lacks sub or client_id (RFC 9068 section 2.2)"));
    return principal;
}

} // namespace Resource
