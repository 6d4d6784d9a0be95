#include "registry.h"

#include <algorithm>
#include <cmath>
#include <list>

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QJsonArray>
#include <QMetaMethod>
#include <QMutex>

namespace Friction {

namespace {

constexpr qsizetype kMaxJustificationInEvent = 1024;

QString encodeComponent(const QString &value)
{
    const bool plain = std::none_of(value.cbegin(), value.cend(), [](QChar c) {
        return c == QLatin1Char('%') || c == QLatin1Char('|');
    });
    if (plain)
        return value;
    QString out = value;
    out.replace(QLatin1Char('%'), QStringLiteral("%25"));
    out.replace(QLatin1Char('|'), QStringLiteral("%7C"));
    return out;
}

QString issuerPrefix(const Principal &principal)
{
    return principal.issuer.isEmpty()
               ? QString()
               : QStringLiteral("iss=") + encodeComponent(principal.issuer) + QLatin1Char('|');
}

/// Principals of the same subject share a family: penalties are handed on within it.
/// Without a subject the principal is its own family.
QString familyKey(const Principal &principal, const QString &key)
{
    if (principal.subject.isEmpty())
        return key;
    return issuerPrefix(principal) + QStringLiteral("sub=") + encodeComponent(principal.subject);
}

QString formatNumber(double value)
{
    return QString::number(value, 'f', 2);
}

QString blockedMessage(const CheckResult &check)
{
    if (check.band != Band::Blocked)
        return QStringLiteral("Tool '%1' is refused by friction control: the call costs %2 and "
                              "the remaining budget is %3.")
            .arg(check.tool, formatNumber(check.cost), formatNumber(check.budgetRemaining));
    QString text =
        QStringLiteral("Tool '%1' is blocked by friction control: friction %2 is at "
                       "or above the block threshold %3. ")
            .arg(check.tool, formatNumber(check.friction), formatNumber(check.hardBlockThreshold));
    if (std::isinf(check.secondsUntilUnblocked))
        return text + QStringLiteral("It does not fall with idle time (time_decay_rate is 0).");
    const double seconds = std::max(1.0, std::ceil(check.secondsUntilUnblocked));
    return text + QStringLiteral("At idle it falls below the threshold in about %1 s.")
                      .arg(static_cast<qint64>(seconds));
}

QString justificationMessage(const CheckResult &check)
{
    return QStringLiteral("Tool '%1' needs a justification: friction %2 is at or above the "
                          "justification threshold %3. Send the reason in _meta.justification "
                          "or as a 'justification' argument.")
        .arg(check.tool, formatNumber(check.friction), formatNumber(check.justificationThreshold));
}

/// The tool with the highest friction in a penalty (empty when there is none).
QString worstTool(const Penalty &penalty)
{
    QString tool;
    double worst = -1;
    for (auto it = penalty.friction.cbegin(); it != penalty.friction.cend(); ++it) {
        if (it.value() > worst) {
            worst = it.value();
            tool = it.key();
        }
    }
    return tool;
}

struct Slot
{
    explicit Slot(std::shared_ptr<const Layout> layout)
        : controller(std::move(layout))
    {}
    QMutex mutex;
    Controller controller;
    QString key;
    QString clientId;
    QString family;
};

} // namespace

QString outcomeName(Outcome outcome)
{
    switch (outcome) {
    case Outcome::Allowed:
        return QStringLiteral("allowed");
    case Outcome::Justified:
        return QStringLiteral("justified");
    case Outcome::Blocked:
        return QStringLiteral("blocked");
    case Outcome::JustificationMissing:
        return QStringLiteral("justification_missing");
    }
    return QStringLiteral("allowed");
}

struct Registry::Private
{
    struct Entry
    {
        std::shared_ptr<Slot> slot;
        std::list<QString>::iterator lru;
    };
    struct Memory
    {
        Penalty penalty;
        std::list<QString>::iterator lru;
    };

    mutable QMutex mutex;
    std::shared_ptr<const Layout> layout = Layout::make(ControllerConfig{});
    QHash<QString, Entry> entries;
    std::list<QString> lru;               ///< most recently used first
    QHash<QString, QStringList> families; ///< family -> keys of live principals
    QHash<QString, Memory> memories;      ///< family -> penalty left by evicted principals
    std::list<QString> memoryLru;

    [[nodiscard]] double decayRate() const { return layout->config.timeDecayRate; }

    /// Event about a principal as a whole: its most penalised tool.
    static Event principalEvent(EventType type, Slot &slot, const Penalty &penalty, double now)
    {
        Event event;
        event.type = type;
        event.time = now;
        event.principal = slot.key;
        event.clientId = slot.clientId;
        const QString tool = worstTool(penalty);
        event.setCheck(slot.controller.check(tool, now));
        event.tool = tool;
        event.budgetRemaining = penalty.budgetRemaining;
        return event;
    }

    void remember(const QString &family, const Penalty &penalty)
    {
        if (penalty.isEmpty())
            return;
        auto it = memories.find(family);
        if (it != memories.end()) {
            it->penalty.merge(penalty, decayRate());
            memoryLru.splice(memoryLru.begin(), memoryLru, it->lru);
            return;
        }
        memoryLru.push_front(family);
        memories.insert(family, Memory{penalty, memoryLru.begin()});
        while (memories.size() > layout->config.maxPrincipals) {
            memories.remove(memoryLru.back());
            memoryLru.pop_back();
        }
    }

    /// What a new principal of `family` starts from: the remembered penalty merged with
    /// every live principal of the family. `take` removes the remembered part.
    Penalty familyPenalty(const QString &family, double now, bool take)
    {
        Penalty penalty;
        penalty.time = now;
        if (auto it = memories.find(family); it != memories.end()) {
            penalty.merge(it->penalty, decayRate());
            if (take) {
                memoryLru.erase(it->lru);
                memories.erase(it);
            }
        }
        for (const QString &key : families.value(family)) {
            Slot &sibling = *entries.value(key).slot;
            QMutexLocker locker(&sibling.mutex);
            penalty.merge(sibling.controller.penalty(now), decayRate());
        }
        return penalty;
    }

    void evict(const QString &key, double now, QList<Event> &events, bool wantEvents)
    {
        const Entry entry = entries.take(key);
        lru.erase(entry.lru);
        Slot &slot = *entry.slot;
        QStringList &siblings = families[slot.family];
        siblings.removeOne(key);
        if (siblings.isEmpty())
            families.remove(slot.family);
        QMutexLocker locker(&slot.mutex);
        const Penalty penalty = slot.controller.penalty(now);
        remember(slot.family, penalty);
        if (wantEvents)
            events.append(principalEvent(EventType::PrincipalEvicted, slot, penalty, now));
    }

    void evictOverflow(double now, QList<Event> &events, bool wantEvents)
    {
        while (entries.size() > layout->config.maxPrincipals)
            evict(lru.back(), now, events, wantEvents);
    }

    std::shared_ptr<Slot> slotFor(const QString &key, const Principal &principal, double now,
                                  QList<Event> &events, bool wantEvents)
    {
        if (auto it = entries.find(key); it != entries.end()) {
            lru.splice(lru.begin(), lru, it->lru);
            return it->slot;
        }
        auto slot = std::make_shared<Slot>(layout);
        slot->key = key;
        slot->clientId = principal.clientId;
        slot->family = familyKey(principal, key);
        const Penalty penalty = familyPenalty(slot->family, now, true);
        if (!penalty.isEmpty()) {
            slot->controller.applyPenalty(penalty, now);
            if (wantEvents)
                events.append(principalEvent(EventType::PrincipalRestored, *slot, penalty, now));
        }
        lru.push_front(key);
        entries.insert(key, Entry{slot, lru.begin()});
        families[slot->family].append(key);
        evictOverflow(now, events, wantEvents);
        return slot;
    }
};

Registry::Registry(QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>())
{
    qRegisterMetaType<Friction::Event>();
}

Registry::~Registry() = default;

Core::Status Registry::setConfig(const ControllerConfig &config, double now)
{
    if (auto status = config.validate(); !status)
        return status;
    auto layout = Layout::make(config);
    QList<Event> events;
    const bool wantEvents = true;
    {
        QMutexLocker locker(&d->mutex);
        const bool modeChanged = config.principalMode != d->layout->config.principalMode;
        d->layout = layout;
        if (modeChanged) {
            // Keys mean something else now: hand every penalty on through its family.
            while (!d->entries.isEmpty())
                d->evict(d->lru.back(), now, events, wantEvents);
        } else {
            for (auto &entry : d->entries) {
                QMutexLocker slotLocker(&entry.slot->mutex);
                entry.slot->controller.reconfigure(layout);
            }
            d->evictOverflow(now, events, wantEvents);
        }
    }
    publish(events);
    return {};
}

ControllerConfig Registry::config() const
{
    QMutexLocker locker(&d->mutex);
    return d->layout->config;
}

Core::Result<QString> Registry::principalKey(const Principal &principal, PrincipalMode mode)
{
    if (principal.clientId.isEmpty())
        return Core::makeError(QStringLiteral("invalid_token"),
                               QStringLiteral("the access token carries no client_id, so "
                                              "friction control cannot tell who is calling; the "
                                              "call is refused as unauthenticated"));
    const QString client = QStringLiteral("client=") + encodeComponent(principal.clientId);
    const QString subject = QStringLiteral("sub=") + encodeComponent(principal.subject);
    const QString prefix = issuerPrefix(principal);
    QString key;
    switch (mode) {
    case PrincipalMode::Subject:
        key = prefix + (principal.subject.isEmpty() ? client : subject);
        break;
    case PrincipalMode::Client:
        key = prefix + client;
        break;
    case PrincipalMode::SubjectAndClient:
        key = principal.subject.isEmpty() ? QString(prefix + client)
                                          : QString(prefix + subject + QLatin1Char('|') + client);
        break;
    }
    return key;
}

Core::Result<Decision> Registry::evaluate(const Principal &principal, const QString &tool,
                                          const QString &justification, double now)
{
    if (!isValidToolName(tool))
        return Core::makeError(QStringLiteral("invalid_request"),
                               QStringLiteral("'%1' is not an MCP tool name (1 to 128 characters "
                                              "of A-Z, a-z, 0-9, '_', '-' and '.')")
                                   .arg(tool.left(64)));
    static const QMetaMethod signal = QMetaMethod::fromSignal(&Registry::eventOccurred);
    const bool connected = isSignalConnected(signal);
    const bool wantEvents = connected || lcFriction().isInfoEnabled();
    const bool wantCheckEvents = connected || lcFriction().isDebugEnabled();

    QList<Event> events;
    std::shared_ptr<Slot> slot;
    Decision decision;
    {
        QMutexLocker locker(&d->mutex);
        if (!d->layout->config.enabled) {
            decision.check.tool = tool;
            return decision;
        }
        auto key = principalKey(principal, d->layout->config.principalMode);
        if (!key)
            return key.error();
        decision.principal = *key;
        slot = d->slotFor(*key, principal, now, events, wantEvents);
    }

    QStringList saturated;
    {
        QMutexLocker locker(&slot->mutex);
        decision.check = slot->controller.check(tool, now);
        const CheckResult &check = decision.check;
        const bool justified = !justification.trimmed().isEmpty();
        if (!check.allowed) {
            decision.outcome = Outcome::Blocked;
            decision.message = blockedMessage(check);
        } else if (check.justificationRequired && !justified) {
            decision.outcome = Outcome::JustificationMissing;
            decision.message = justificationMessage(check);
        } else {
            decision.outcome = check.justificationRequired ? Outcome::Justified : Outcome::Allowed;
            saturated = slot->controller.record(tool, now).newlySaturated;
        }
        for (const QString &name : std::as_const(saturated)) {
            if (!wantEvents)
                break;
            Event event;
            event.type = EventType::Saturation;
            event.time = now;
            event.principal = decision.principal;
            event.clientId = principal.clientId;
            event.setCheck(slot->controller.check(name, now));
            events.append(event);
        }
    }

    const bool isCheck = decision.outcome == Outcome::Allowed;
    if (isCheck ? wantCheckEvents : wantEvents) {
        Event event;
        switch (decision.outcome) {
        case Outcome::Allowed:
            event.type = EventType::Check;
            break;
        case Outcome::Justified:
            event.type = EventType::Justification;
            event.justification = justification.trimmed().left(kMaxJustificationInEvent);
            break;
        case Outcome::Blocked:
            event.type = EventType::Block;
            break;
        case Outcome::JustificationMissing:
            event.type = EventType::JustificationMissing;
            break;
        }
        event.time = now;
        event.principal = decision.principal;
        event.clientId = principal.clientId;
        event.setCheck(decision.check);
        event.message = decision.message;
        events.prepend(event);
    }
    publish(events);
    return decision;
}

Core::Result<CheckResult> Registry::peek(const Principal &principal, const QString &tool,
                                         double now)
{
    QMutexLocker locker(&d->mutex);
    auto key = principalKey(principal, d->layout->config.principalMode);
    if (!key)
        return key.error();
    if (auto it = d->entries.find(*key); it != d->entries.end()) {
        std::shared_ptr<Slot> slot = it->slot;
        QMutexLocker slotLocker(&slot->mutex);
        return slot->controller.check(tool, now);
    }
    Controller fresh(d->layout);
    const Penalty penalty = d->familyPenalty(familyKey(principal, *key), now, false);
    if (!penalty.isEmpty())
        fresh.applyPenalty(penalty, now);
    return fresh.check(tool, now);
}

QJsonObject Registry::snapshot(double now, int limit) const
{
    QMutexLocker locker(&d->mutex);
    QJsonArray principals;
    for (const QString &key : d->lru) {
        if (principals.size() >= limit)
            break;
        Slot &slot = *d->entries.value(key).slot;
        QMutexLocker slotLocker(&slot.mutex);
        QJsonObject object = slot.controller.snapshot(now);
        object.insert(QStringLiteral("principal"), slot.key);
        object.insert(QStringLiteral("client_id"), slot.clientId);
        object.insert(QStringLiteral("subject_family"), slot.family);
        principals.append(object);
    }
    return QJsonObject{
        {QStringLiteral("time"), now},
        {QStringLiteral("enabled"), d->layout->config.enabled},
        {QStringLiteral("principal_mode"), principalModeName(d->layout->config.principalMode)},
        {QStringLiteral("principal_count"), d->entries.size()},
        {QStringLiteral("max_principals"), d->layout->config.maxPrincipals},
        {QStringLiteral("remembered_count"), d->memories.size()},
        {QStringLiteral("principals"), principals},
    };
}

qsizetype Registry::principalCount() const
{
    QMutexLocker locker(&d->mutex);
    return d->entries.size();
}

qsizetype Registry::rememberedCount() const
{
    QMutexLocker locker(&d->mutex);
    return d->memories.size();
}

double Registry::monotonicNow()
{
    static const QElapsedTimer timer = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return static_cast<double>(timer.nsecsElapsed()) / 1e9;
}

void Registry::publish(QList<Event> &events)
{
    if (events.isEmpty())
        return;
    const qint64 wallTime = QDateTime::currentMSecsSinceEpoch();
    for (Event &event : events) {
        event.wallTimeMs = wallTime;
        if (event.type == EventType::Check) {
            if (lcFriction().isDebugEnabled())
                qCDebug(lcFriction).noquote() << QString::fromUtf8(event.toJsonLine());
        } else if (lcFriction().isInfoEnabled()) {
            qCInfo(lcFriction).noquote() << QString::fromUtf8(event.toJsonLine());
        }
        emit eventOccurred(event);
    }
}

} // namespace Friction
