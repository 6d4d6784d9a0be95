#include "resource/frictionadmin.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <vector>

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>

#include "crypto/base64url.h"
#include "crypto/digest.h"
#include "crypto/mask.h"
#include "crypto/random.h"
#include "friction/event.h"
#include "friction/registry.h"
#include "http/responder.h"
#include "http/router.h"
#include "http/sse.h"
#include "store/auditrepository.h"

Q_LOGGING_CATEGORY(lcAdmin, "mcpauth.admin", QtInfoMsg)

namespace Resource {

namespace {

constexpr qint64 kMaxTokenFileBytes = 4096;
constexpr qint64 kConfigBodyLimit = 256 * 1024;
constexpr int kMaxStateLimit = 10000;
constexpr int kCatchAllDepth = 8;
const QByteArray kRealm = QByteArrayLiteral("Bearer realm=\"mcpauth-admin\"");

bool isBase64UrlChar(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

QString timestampNow()
{
    return QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
}

Http::Response jsonError(int status, QByteArrayView code, const QString &description)
{
    return Http::Response::error(status, code, description);
}

Http::Response jsonOk(const QJsonObject &object)
{
    return Http::Response::json(200, QJsonDocument(object));
}

qint64 steadyMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

/// Failed authentications per remote address in fixed windows; bounded.
class FailureLimiter final
{
public:
    FailureLimiter(int limit, int windowSeconds, int maxAddresses, std::function<qint64()> clock)
        : m_limit(std::max(1, limit))
        , m_windowMs(qint64(std::max(1, windowSeconds)) * 1000)
        , m_maxAddresses(std::max(1, maxAddresses))
        , m_clock(clock ? std::move(clock) : std::function<qint64()>(steadyMs))
    {}

    /// Seconds until `address` may try again, or 0 when it may try now.
    int retryAfter(const QByteArray &address)
    {
        const qint64 now = m_clock();
        QMutexLocker locker(&m_mutex);
        const auto it = m_entries.constFind(address);
        if (it == m_entries.constEnd() || now - it->windowStart >= m_windowMs ||
            it->failures < m_limit)
            return 0;
        return int(std::max<qint64>(1, (it->windowStart + m_windowMs - now + 999) / 1000));
    }

    void recordFailure(const QByteArray &address)
    {
        const qint64 now = m_clock();
        QMutexLocker locker(&m_mutex);
        auto it = m_entries.find(address);
        if (it == m_entries.end()) {
            if (m_entries.size() >= m_maxAddresses)
                makeRoom(now);
            it = m_entries.insert(address, Entry{now, 0});
        } else if (now - it->windowStart >= m_windowMs) {
            *it = Entry{now, 0};
        }
        ++it->failures;
    }

private:
    struct Entry
    {
        qint64 windowStart = 0;
        int failures = 0;
    };

    void makeRoom(qint64 now)
    {
        for (auto it = m_entries.begin(); it != m_entries.end();)
            it = now - it->windowStart >= m_windowMs ? m_entries.erase(it) : std::next(it);
        if (m_entries.size() < m_maxAddresses)
            return;
        auto oldest = std::min_element(
            m_entries.begin(), m_entries.end(),
            [](const Entry &a, const Entry &b) { return a.windowStart < b.windowStart; });
        m_entries.erase(oldest);
    }

    const int m_limit;
    const qint64 m_windowMs;
    const qsizetype m_maxAddresses;
    std::function<qint64()> m_clock;
    QMutex m_mutex;
    QHash<QByteArray, Entry> m_entries;
};

/// One event stream and the events waiting for it.
struct Subscriber
{
    struct Queued
    {
        QByteArray event;
        QByteArray data;
        QByteArray id;
    };

    Http::EventStream stream;
    quint32 typeMask = 0; ///< bit per Friction::EventType; 0 = every type
    QString principal;    ///< empty = every principal
    QMutex mutex;
    std::deque<Queued> queue;
    qint64 dropped = 0;

    [[nodiscard]] bool wants(const Friction::Event &event) const
    {
        if (typeMask != 0 && !(typeMask & (1u << unsigned(event.type))))
            return false;
        return principal.isEmpty() || principal == event.principal;
    }

    /// Sends what the consumer has room for. Caller holds `mutex`.
    void pump(qint64 maxBacklog)
    {
        while (stream.isOpen() && stream.backlogBytes() < maxBacklog) {
            if (dropped > 0) {
                const QJsonObject notice{{QStringLiteral("count"), dropped},
                                         {QStringLiteral("timestamp"), timestampNow()}};
                if (!stream.send(QJsonDocument(notice).toJson(QJsonDocument::Compact), "dropped"))
                    return;
                dropped = 0;
                continue;
            }
            if (queue.empty())
                return;
            const Queued &front = queue.front();
            if (!stream.send(front.data, front.event, front.id))
                return;
            queue.pop_front();
        }
    }
};

std::optional<Friction::EventType> eventTypeFromName(QStringView name)
{
    for (int i = int(Friction::EventType::Check); i <= int(Friction::EventType::PrincipalRestored);
         ++i) {
        const auto type = Friction::EventType(i);
        if (Friction::eventTypeName(type) == name)
            return type;
    }
    return std::nullopt;
}

QStringList knownEventTypeNames()
{
    QStringList names;
    for (int i = int(Friction::EventType::Check); i <= int(Friction::EventType::PrincipalRestored);
         ++i)
        names.append(Friction::eventTypeName(Friction::EventType(i)));
    return names;
}

} // namespace

// ---------------------------------------------------------------------------------------
// AdminToken

QString AdminToken::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/admin-token");
}

Core::Result<AdminToken> AdminToken::fromSecret(QByteArrayView secret)
{
    if (secret.size() < minimumLength ||
        !std::all_of(secret.begin(), secret.end(), isBase64UrlChar))
        return Core::makeError(
            QStringLiteral("invalid_admin_token"),
            QStringLiteral("an admin token must be at least %1 characters of the base64url "
                           "alphabet (A-Z a-z 0-9 - _)")
                .arg(minimumLength));
    AdminToken token;
    token.m_digest = Crypto::sha256(secret);
    return token;
}

Core::Result<AdminToken> AdminToken::loadOrCreate(const QString &path)
{
    if (path.isEmpty())
        return Core::makeError(QStringLiteral("admin_token_unavailable"),
                               QStringLiteral("no admin token file given and no application "
                                              "data directory to put one in"));
    const QFileInfo info(path);
    if (info.exists()) {
        QFile file(path);
        if (!info.isFile() || !file.open(QIODevice::ReadOnly))
            return Core::makeError(QStringLiteral("admin_token_unavailable"),
                                   QStringLiteral("cannot read the admin token file %1: %2")
                                       .arg(path, file.errorString()));
        if (file.size() > kMaxTokenFileBytes)
            return Core::makeError(QStringLiteral("invalid_admin_token"),
                                   QStringLiteral("the admin token file %1 is larger than %2 "
                                                  "bytes; it must hold one token")
                                       .arg(path)
                                       .arg(kMaxTokenFileBytes));
        if (info.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther))
            qCWarning(lcAdmin).noquote()
                << "the admin token file" << path
                << "is readable by other users; restrict it to its owner (chmod 600)";
        const QByteArray secret = file.readAll().trimmed();
        auto token = fromSecret(secret);
        if (!token)
            return Core::makeError(token.error().code,
                                   QStringLiteral("the admin token file %1 is not usable: %2; "
                                                  "fix it, or delete it to have a new token "
                                                  "generated")
                                       .arg(path, token.error().message));
        return token;
    }
    if (!QDir().mkpath(info.absolutePath()))
        return Core::makeError(QStringLiteral("admin_token_unavailable"),
                               QStringLiteral("cannot create the directory %1 for the admin "
                                              "token file")
                                   .arg(info.absolutePath()));
    const QByteArray secret = Crypto::randomToken(32);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Core::makeError(QStringLiteral("admin_token_unavailable"),
                               QStringLiteral("cannot create the admin token file %1: %2")
                                   .arg(path, file.errorString()));
    // Restrict the temporary file before the secret is written into it.
    const bool restricted = file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    if (!restricted || file.write(secret + '\n') != secret.size() + 1 || !file.commit())
        return Core::makeError(QStringLiteral("admin_token_unavailable"),
                               QStringLiteral("cannot write the admin token file %1: %2")
                                   .arg(path, file.errorString()));
    qCInfo(lcAdmin).noquote() << "generated the admin token" << Crypto::maskSecret(secret) << "in"
                              << path;
    return fromSecret(secret);
}

bool AdminToken::matches(QByteArrayView presented) const
{
    if (m_digest.isEmpty())
        return false;
    return Crypto::constantTimeEquals(Crypto::sha256(presented), m_digest);
}

QByteArray AdminToken::derivedSecret(QByteArrayView purpose) const
{
    if (m_digest.isEmpty())
        return {};
    const QByteArray input = m_digest + '\0' + purpose.toByteArray();
    return Crypto::base64UrlEncode(Crypto::sha256(input));
}

// ---------------------------------------------------------------------------------------
// FrictionAdmin

struct FrictionAdmin::Private
{
    Private(Options o, AdminToken t, std::shared_ptr<Friction::Registry> r,
            std::shared_ptr<Store::Database> s)
        : options(std::move(o))
        , token(std::move(t))
        , registry(std::move(r))
        , store(std::move(s))
        , limiter(options.failureLimit, options.failureWindowSeconds, options.maxTrackedAddresses,
                  options.clockMs)
    {}

    /// Checks the admin token; returns the refusal, or nullopt when the caller may proceed.
    std::optional<Http::Response> authenticate(const Http::Request &request);
    void dispatch(const Friction::Event &event);
    void pumpAll();
    void remove(const Subscriber *subscriber);
    std::vector<std::shared_ptr<Subscriber>> subscribersCopy() const;

    Http::Response state(const Http::Request &request) const;
    Http::Response getConfig() const;
    Http::Response putConfig(const Http::Request &request);
    void events(const Http::Request &request, const Http::Responder &responder,
                const std::shared_ptr<Private> &self);
    QJsonObject summary() const;

    const Options options;
    const AdminToken token;
    const std::shared_ptr<Friction::Registry> registry;
    const std::shared_ptr<Store::Database> store;
    FailureLimiter limiter;
    QMutex configMutex; ///< one configuration change (apply + audit) at a time

    mutable QMutex mutex; ///< guards `subscribers` only; never held while a stream is used
    std::vector<std::shared_ptr<Subscriber>> subscribers;
    std::atomic<int> subscriberCount{0};
    std::atomic<quint64> sequence{0};
};

std::optional<Http::Response> FrictionAdmin::Private::authenticate(const Http::Request &request)
{
    const QByteArray address = request.peerAddress.toString().toLatin1();
    if (const int wait = limiter.retryAfter(address); wait > 0) {
        Http::Response response =
            jsonError(429, "too_many_requests",
                      QStringLiteral("too many failed admin authentications from this address; "
                                     "retry in %1 s")
                          .arg(wait));
        response.headers.set("Retry-After", QByteArray::number(wait));
        return response;
    }
    if (request.queryValue("access_token"))
        return jsonError(400, "invalid_request",
                         QStringLiteral("the admin token must be sent in the Authorization "
                                        "header, never in the URL"));
    if (request.headers.count("Authorization") > 1)
        return jsonError(400, "invalid_request",
                         QStringLiteral("more than one Authorization header"));
    const QByteArray authorization = request.headers.value("Authorization").trimmed();
    QByteArray presented;
    if (authorization.size() > 7 && authorization.first(7).toLower() == "bearer ")
        presented = authorization.sliced(7).trimmed();
    if (presented.isEmpty()) {
        Http::Response response =
            jsonError(401, "invalid_token",
                      QStringLiteral("the admin API needs Authorization: Bearer <admin token>"));
        response.headers.set("WWW-Authenticate", kRealm);
        return response;
    }
    if (!token.matches(presented)) {
        limiter.recordFailure(address);
        qCWarning(lcAdmin).noquote()
            << "admin authentication failed from" << request.peerAddress.toString()
            << "with a token whose SHA-256 begins" << Crypto::sha256Hex(presented).left(12);
        Http::Response response =
            jsonError(401, "invalid_token", QStringLiteral("the admin token is not valid"));
        response.headers.set("WWW-Authenticate", kRealm + ", error=\"invalid_token\"");
        return response;
    }
    return std::nullopt;
}

QJsonObject FrictionAdmin::Private::summary() const
{
    const Friction::ControllerConfig config = registry->config();
    QJsonArray tools;
    for (auto it = config.tools.begin(); it != config.tools.end(); ++it)
        tools.append(it.key());
    return {
        {QStringLiteral("enabled"), config.enabled},
        {QStringLiteral("principal_count"), registry->principalCount()},
        {QStringLiteral("remembered_count"), registry->rememberedCount()},
        {QStringLiteral("tools"), tools},
        {QStringLiteral("time"), Friction::Registry::monotonicNow()},
        {QStringLiteral("timestamp"), timestampNow()},
    };
}

Http::Response FrictionAdmin::Private::state(const Http::Request &request) const
{
    int limit = 1000;
    if (const auto value = request.queryValue("limit")) {
        bool ok = false;
        const bool digits =
            !value->isEmpty() && value->size() <= 6 &&
            std::all_of(value->begin(), value->end(), [](QChar c) { return c.isDigit(); });
        limit = digits ? value->toInt(&ok) : 0;
        if (!ok || limit < 1 || limit > kMaxStateLimit)
            return jsonError(
                400, "invalid_request",
                QStringLiteral("limit: must be a whole number from 1 to %1").arg(kMaxStateLimit));
    }
    const double now = Friction::Registry::monotonicNow();
    const Friction::ControllerConfig config = registry->config();
    return jsonOk({
        {QStringLiteral("enabled"), config.enabled},
        {QStringLiteral("config"), config.toJson()},
        {QStringLiteral("principals"), registry->snapshot(now, limit)},
        {QStringLiteral("time"), now},
        {QStringLiteral("timestamp"), timestampNow()},
    });
}

Http::Response FrictionAdmin::Private::getConfig() const
{
    return jsonOk(registry->config().toJson());
}

Http::Response FrictionAdmin::Private::putConfig(const Http::Request &request)
{
    if (request.contentType() != "application/json")
        return jsonError(415, "invalid_request",
                         QStringLiteral("the configuration must be sent as application/json"));
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return jsonError(400, "invalid_request",
                         QStringLiteral("the body is not JSON: %1 at offset %2")
                             .arg(parseError.errorString())
                             .arg(parseError.offset));
    if (!document.isObject())
        return jsonError(400, "invalid_request",
                         QStringLiteral("the body must be the \"friction\" JSON object"));
    auto config = Friction::ControllerConfig::fromJson(document.object());
    if (!config)
        return jsonError(400, "invalid_config", config.error().message);

    if (!store)
        return jsonError(500, "server_error",
                         QStringLiteral("configuration changes need the audit log, and this "
                                        "server has no store"));
    QMutexLocker locker(&configMutex);
    const Friction::ControllerConfig previous = registry->config();
    if (auto applied = registry->setConfig(*config); !applied)
        return jsonError(400, "invalid_config", applied.error().message);
    Store::AuditEvent audit;
    audit.type = QStringLiteral("friction.config_changed");
    audit.actor = QStringLiteral("admin");
    audit.remoteAddress = request.peerAddress.toString();
    audit.detail = {{QStringLiteral("previous"), previous.toJson()},
                    {QStringLiteral("config"), config->toJson()}};
    if (auto recorded = Store::AuditRepository(store).append(audit); !recorded) {
        // Nothing may change without its audit record.
        (void)registry->setConfig(previous);
        qCWarning(lcAdmin).noquote()
            << "friction configuration change undone, audit failed:" << recorded.error().message;
        return jsonError(500, "server_error",
                         QStringLiteral("the change was not applied: recording it in the audit "
                                        "log failed: ") +
                             recorded.error().message);
    }
    qCInfo(lcAdmin).noquote() << "friction configuration changed by"
                              << request.peerAddress.toString();
    return jsonOk(registry->config().toJson());
}

std::vector<std::shared_ptr<Subscriber>> FrictionAdmin::Private::subscribersCopy() const
{
    QMutexLocker locker(&mutex);
    return subscribers;
}

void FrictionAdmin::Private::remove(const Subscriber *subscriber)
{
    QMutexLocker locker(&mutex);
    std::erase_if(subscribers, [subscriber](const auto &s) { return s.get() == subscriber; });
    subscriberCount.store(int(subscribers.size()));
}

void FrictionAdmin::Private::dispatch(const Friction::Event &event)
{
    if (subscriberCount.load(std::memory_order_relaxed) == 0)
        return;
    const auto targets = subscribersCopy();
    Subscriber::Queued queued;
    bool formatted = false;
    for (const auto &subscriber : targets) {
        if (!subscriber->wants(event))
            continue;
        if (!formatted) {
            queued = {Friction::eventTypeName(event.type).toLatin1(), event.toJsonLine(),
                      QByteArray::number(sequence.fetch_add(1) + 1)};
            formatted = true;
        }
        QMutexLocker locker(&subscriber->mutex);
        if (qsizetype(subscriber->queue.size()) >= options.maxQueuedEvents) {
            subscriber->queue.pop_front();
            ++subscriber->dropped;
        }
        subscriber->queue.push_back(queued);
        subscriber->pump(options.maxBacklogBytes);
    }
}

void FrictionAdmin::Private::pumpAll()
{
    if (subscriberCount.load(std::memory_order_relaxed) == 0)
        return;
    for (const auto &subscriber : subscribersCopy()) {
        QMutexLocker locker(&subscriber->mutex);
        if (!subscriber->queue.empty() || subscriber->dropped > 0)
            subscriber->pump(options.maxBacklogBytes);
    }
}

void FrictionAdmin::Private::events(const Http::Request &request, const Http::Responder &responder,
                                    const std::shared_ptr<Private> &self)
{
    auto subscriber = std::make_shared<Subscriber>();
    QStringList typeNames;
    if (const auto types = request.queryValue("types"); types && !types->isEmpty()) {
        for (const QString &name : types->split(QLatin1Char(','))) {
            const auto type = eventTypeFromName(name.trimmed());
            if (!type) {
                responder.send(jsonError(
                    400, "invalid_request",
                    QStringLiteral("types: unknown event type '%1'; known types: %2")
                        .arg(name.left(64), knownEventTypeNames().join(QStringLiteral(", ")))));
                return;
            }
            subscriber->typeMask |= 1u << unsigned(*type);
            typeNames.append(name.trimmed());
        }
    }
    if (const auto principal = request.queryValue("principal"))
        subscriber->principal = *principal;

    QMutexLocker subscriberLocker(&subscriber->mutex);
    {
        QMutexLocker locker(&mutex);
        if (int(subscribers.size()) >= options.maxSubscribers) {
            locker.unlock();
            Http::Response response =
                jsonError(503, "temporarily_unavailable",
                          QStringLiteral("too many friction event streams are open (at most %1)")
                              .arg(options.maxSubscribers));
            response.headers.set("Retry-After", "5");
            responder.send(std::move(response));
            return;
        }
        Http::Headers headers;
        headers.set("X-Accel-Buffering", "no");
        subscriber->stream = responder.startEventStream(headers);
        subscribers.push_back(subscriber);
        subscriberCount.store(int(subscribers.size()));
    }
    // Registered before hello is sent, under the subscriber's lock: events that race in wait
    // for the lock and follow hello.
    QJsonObject hello = summary();
    hello.insert(QStringLiteral("types"), QJsonArray::fromStringList(typeNames));
    hello.insert(QStringLiteral("principal"), subscriber->principal);
    hello.insert(QStringLiteral("max_queued_events"), options.maxQueuedEvents);
    subscriber->stream.send(QJsonDocument(hello).toJson(QJsonDocument::Compact), "hello");
    std::weak_ptr<Private> weak = self;
    const Subscriber *key = subscriber.get();
    subscriberLocker.unlock();
    subscriber->stream.setClosedCallback([weak, key] {
        if (const auto d = weak.lock())
            d->remove(key);
    });
}

FrictionAdmin::FrictionAdmin(Options options, AdminToken token,
                             std::shared_ptr<Friction::Registry> registry,
                             std::shared_ptr<Store::Database> store, QObject *parent)
    : QObject(parent)
    , d(std::make_shared<Private>(std::move(options), std::move(token), std::move(registry),
                                  std::move(store)))
{
    std::weak_ptr<Private> weak = d;
    // Direct: events are queued on the emitting worker thread; the registry outlives
    // nothing here, so the connection is tied to this object.
    connect(
        d->registry.get(), &Friction::Registry::eventOccurred, this,
        [weak](const Friction::Event &event) {
            if (const auto p = weak.lock())
                p->dispatch(event);
        },
        Qt::DirectConnection);
    auto *timer = new QTimer(this);
    timer->setInterval(std::max(10, d->options.resumeIntervalMs));
    connect(timer, &QTimer::timeout, this, [weak] {
        if (const auto p = weak.lock())
            p->pumpAll();
    });
    timer->start();
}

FrictionAdmin::~FrictionAdmin()
{
    closeStreams();
}

void FrictionAdmin::install(Http::Router &router)
{
    const std::shared_ptr<Private> p = d;
    const auto guarded = [p](auto handler) {
        return [p, handler](const Http::Request &request) {
            if (auto refusal = p->authenticate(request))
                return std::move(*refusal);
            return handler(request);
        };
    };
    router.handle("GET", "/admin/friction/state",
                  guarded([p](const Http::Request &r) { return p->state(r); }));
    router.handle("GET", "/admin/friction/config",
                  guarded([p](const Http::Request &) { return p->getConfig(); }));
    Http::RouteOptions putOptions;
    putOptions.bodyLimit = kConfigBodyLimit;
    router.handle("PUT", "/admin/friction/config",
                  guarded([p](const Http::Request &r) { return p->putConfig(r); }), putOptions);
    router.handleAsync("GET", "/admin/friction/events",
                       [p](const Http::Request &request, Http::Responder responder) {
                           if (auto refusal = p->authenticate(request)) {
                               responder.send(std::move(*refusal));
                               return;
                           }
                           if (request.method == "HEAD") {
                               Http::Response response = jsonError(
                                   405, "invalid_request",
                                   QStringLiteral("the event stream is only available by GET"));
                               response.headers.set("Allow", "GET");
                               responder.send(std::move(response));
                               return;
                           }
                           p->events(request, responder, p);
                       });

    // Everything else under /admin answers JSON after authentication, so that probing
    // without the token learns nothing about which paths exist.
    static const QHash<QByteArray, QByteArray> known = {
        {"/admin/friction/state", "GET, HEAD"},
        {"/admin/friction/config", "GET, HEAD, PUT"},
        {"/admin/friction/events", "GET"},
    };
    const auto fallback = guarded([](const Http::Request &request) {
        if (const auto it = known.constFind(request.path); it != known.constEnd()) {
            Http::Response response = jsonError(
                405, "invalid_request",
                QStringLiteral("%1 does not support %2")
                    .arg(QString::fromUtf8(request.path), QString::fromLatin1(request.method)));
            response.headers.set("Allow", *it);
            return response;
        }
        return jsonError(404, "not_found",
                         QStringLiteral("no admin resource at %1")
                             .arg(QString::fromUtf8(request.path.left(200))));
    });
    QByteArray pattern = "/admin";
    for (int depth = 0; depth <= kCatchAllDepth; ++depth) {
        for (const char *method : {"GET", "POST", "PUT", "PATCH", "DELETE"})
            router.handle(method, pattern, fallback);
        pattern += "/:p" + QByteArray::number(depth);
    }
}

void FrictionAdmin::closeStreams()
{
    std::vector<std::shared_ptr<Subscriber>> closing;
    {
        QMutexLocker locker(&d->mutex);
        closing.swap(d->subscribers);
        d->subscriberCount.store(0);
    }
    for (const auto &subscriber : closing)
        subscriber->stream.close();
}

int FrictionAdmin::subscriberCount() const
{
    return d->subscriberCount.load();
}

qsizetype FrictionAdmin::queuedEventCount() const
{
    qsizetype total = 0;
    for (const auto &subscriber : d->subscribersCopy()) {
        QMutexLocker locker(&subscriber->mutex);
        total += qsizetype(subscriber->queue.size());
    }
    return total;
}

} // namespace Resource
