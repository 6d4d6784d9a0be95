#include "frictionmodel.h"

#include <algorithm>

#include <QTimer>

#include "friction/registry.h"

namespace Core {

struct FrictionModel::ToolEntry
{
    FrictionToolState state;
    std::vector<FrictionSample> history; ///< a ring once it holds historyLength samples
    int historyHead = 0;                 ///< index of the oldest sample when full
    double newestSampleStart = 0;        ///< event time that opened the newest sample
    qint64 touchedInBatch = -1;
    double lastTime = 0;
};

struct FrictionModel::PrincipalState
{
    QString key;
    std::vector<ToolEntry> tools; ///< in row order
    QHash<QString, int> index;    ///< tool -> position in tools
    qint64 lastSequence = 0;      ///< when it was last active
    bool hasHistory = false;
};

FrictionModel::FrictionModel(QObject *parent)
    : FrictionModel(Options{}, parent)
{}

FrictionModel::FrictionModel(Options options, QObject *parent)
    : QAbstractTableModel(parent)
    , m_options(options)
    , m_placeholder(std::make_shared<PrincipalState>())
{
    m_options.historyLength = std::max(2, m_options.historyLength);
    m_options.maxPrincipals = std::max(1, m_options.maxPrincipals);
    m_options.historyPrincipals =
        std::clamp(m_options.historyPrincipals, 1, m_options.maxPrincipals);
    m_options.maxQueuedEvents = std::max(1, m_options.maxQueuedEvents);
    if (m_options.updateIntervalMs > 0) {
        m_timer = new QTimer(this);
        m_timer->setInterval(m_options.updateIntervalMs);
        connect(m_timer, &QTimer::timeout, this, &FrictionModel::flush);
        m_timer->start();
    }
}

FrictionModel::~FrictionModel()
{
    detach();
}

int FrictionModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_shownRows;
}

int FrictionModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FrictionModel::displayValue(const FrictionToolState &state, int column) const
{
    switch (column) {
    case ToolColumn:
        return state.tool;
    case BandColumn:
        return Friction::bandName(state.band);
    case FrictionColumn:
        return QString::number(state.friction, 'f', 3);
    case RateColumn:
        return QString::number(state.ema, 'f', 3);
    case TargetColumn:
        return QString::number(state.target, 'f', 3);
    case EffectiveTargetColumn:
        return QString::number(state.effectiveTarget, 'f', 3);
    case CostColumn:
        return QString::number(state.cost, 'f', 2);
    case AllowedColumn:
        return state.allowed;
    case JustifiedColumn:
        return state.justified;
    case BlockedColumn:
        return state.blocked;
    case JustificationMissingColumn:
        return state.justificationMissing;
    case SaturatedColumn:
        return state.saturated ? tr("yes") : tr("no");
    default:
        return {};
    }
}

QVariant FrictionModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const FrictionToolState &state = stateAt(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(state, index.column());
    case BandRole:
        return static_cast<int>(state.band);
    case ValueRole:
        switch (index.column()) {
        case FrictionColumn:
            return state.friction;
        case RateColumn:
            return state.ema;
        case TargetColumn:
            return state.target;
        case EffectiveTargetColumn:
            return state.effectiveTarget;
        case CostColumn:
            return state.cost;
        case BandColumn:
            return static_cast<int>(state.band);
        case SaturatedColumn:
            return state.saturated;
        default:
            return displayValue(state, index.column());
        }
    case Qt::TextAlignmentRole:
        return index.column() == ToolColumn || index.column() == BandColumn
                   ? QVariant()
                   : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
        if (index.column() == ToolColumn && !state.lastJustification.isEmpty())
            return tr("Last justification: %1").arg(state.lastJustification);
        return {};
    default:
        return {};
    }
}

QVariant FrictionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case ToolColumn:
        return tr("Tool");
    case BandColumn:
        return tr("Band");
    case FrictionColumn:
        return tr("Friction");
    case RateColumn:
        return tr("Rate (EMA)");
    case TargetColumn:
        return tr("Target");
    case EffectiveTargetColumn:
        return tr("Effective target");
    case CostColumn:
        return tr("Cost");
    case AllowedColumn:
        return tr("Allowed");
    case JustifiedColumn:
        return tr("Justified");
    case BlockedColumn:
        return tr("Blocked");
    case JustificationMissingColumn:
        return tr("Unjustified");
    case SaturatedColumn:
        return tr("Saturated");
    default:
        return {};
    }
}

void FrictionModel::attach(const std::shared_ptr<Friction::Registry> &registry)
{
    detach();
    if (!registry)
        return;
    m_registry = registry;
    // Direct: the registry emits on the server's worker threads, and enqueue() only appends
    // under a mutex; posting one queued signal per event would flood the event loop.
    m_registryConnection = connect(
        registry.get(), &Friction::Registry::eventOccurred, this,
        [this](const Friction::Event &event) { enqueue(event); }, Qt::DirectConnection);
    setConfig(registry->config());
}

void FrictionModel::detach()
{
    if (m_registryConnection)
        disconnect(m_registryConnection);
    m_registryConnection = {};
    m_registry.reset();
}

void FrictionModel::enqueue(const Friction::Event &event)
{
    std::lock_guard locker(m_queueMutex);
    if (m_queue.size() >= m_options.maxQueuedEvents) {
        ++m_discarded;
        return;
    }
    m_queue.append(event);
}

void FrictionModel::enqueue(const QList<Friction::Event> &events)
{
    std::lock_guard locker(m_queueMutex);
    const qsizetype room = std::max<qsizetype>(0, m_options.maxQueuedEvents - m_queue.size());
    const qsizetype taken = std::min(room, events.size());
    m_queue.append(events.mid(0, taken));
    m_discarded += events.size() - taken;
}

qint64 FrictionModel::discardedCount() const
{
    std::lock_guard locker(m_queueMutex);
    return m_discarded;
}

void FrictionModel::flush()
{
    QList<Friction::Event> batch;
    {
        std::lock_guard locker(m_queueMutex);
        batch.swap(m_queue);
    }
    if (!batch.isEmpty())
        addEvents(batch);
}

FrictionModel::PrincipalState *FrictionModel::currentState() const
{
    if (!m_current.isEmpty())
        if (auto it = m_principals.constFind(m_current); it != m_principals.constEnd())
            return it->get();
    return m_placeholder.get();
}

int FrictionModel::ensureTool(PrincipalState &principal, const QString &tool)
{
    if (auto it = principal.index.constFind(tool); it != principal.index.constEnd())
        return *it;
    ToolEntry entry;
    entry.state.tool = tool;
    if (const Friction::ToolConfig *settings = m_config.tool(tool)) {
        entry.state.target = settings->targetRate;
        entry.state.effectiveTarget = settings->targetRate;
        entry.state.cost = settings->minCost;
    }
    const int position = static_cast<int>(principal.tools.size());
    principal.tools.push_back(std::move(entry));
    principal.index.insert(tool, position);
    return position;
}

FrictionModel::PrincipalState &FrictionModel::principalFor(const QString &key)
{
    auto it = m_principals.find(key);
    if (it != m_principals.end())
        return **it;
    auto principal = std::make_shared<PrincipalState>();
    principal->key = key;
    for (auto tool = m_config.tools.cbegin(); tool != m_config.tools.cend(); ++tool)
        ensureTool(*principal, tool.key());
    return **m_principals.insert(key, std::move(principal));
}

void FrictionModel::applyEvent(PrincipalState &principal, const Friction::Event &event)
{
    using T = Friction::EventType;
    if (event.type == T::PrincipalEvicted || event.type == T::PrincipalRestored ||
        event.tool.isEmpty())
        return;
    ToolEntry &entry = principal.tools[static_cast<size_t>(ensureTool(principal, event.tool))];
    FrictionToolState &s = entry.state;
    s.band = event.band;
    s.friction = event.friction;
    s.ema = event.ema;
    s.target = event.target;
    s.effectiveTarget = event.effectiveTarget;
    s.cost = event.cost;
    s.saturated = event.saturated;
    s.lastWallTimeMs = event.wallTimeMs;
    switch (event.type) {
    case T::Check:
        ++s.allowed;
        break;
    case T::Justification:
        ++s.justified;
        s.lastJustification = event.justification;
        break;
    case T::Block:
        ++s.blocked;
        break;
    case T::JustificationMissing:
        ++s.justificationMissing;
        break;
    default:
        break;
    }
    entry.lastTime = event.time;
    if (entry.touchedInBatch != m_batchCount) {
        entry.touchedInBatch = m_batchCount;
        principal.hasHistory = true;
    }
}

void FrictionModel::addEvents(const QList<Friction::Event> &events)
{
    if (events.isEmpty())
        return;
    ++m_batchCount;
    const qsizetype before = m_principals.size();
    PrincipalState *cached = nullptr;
    for (const Friction::Event &event : events) {
        if (!cached || cached->key != event.principal)
            cached = &principalFor(event.principal);
        cached->lastSequence = ++m_sequence;
        applyEvent(*cached, event);
    }
    m_eventCount += events.size();

    // One history sample per tool that changed in this batch; a batch less than
    // historyIntervalSeconds after the moment the tool's newest sample was opened replaces
    // that sample, so frequent batches keep the chart's head live without shortening the
    // history.
    const auto historyLength = static_cast<size_t>(m_options.historyLength);
    for (auto &principal : m_principals) {
        if (principal->lastSequence <= m_sequence - events.size())
            continue;
        for (ToolEntry &entry : principal->tools) {
            if (entry.touchedInBatch != m_batchCount)
                continue;
            const FrictionSample sample{entry.lastTime, static_cast<float>(entry.state.ema),
                                        static_cast<float>(entry.state.effectiveTarget),
                                        static_cast<float>(entry.state.target),
                                        static_cast<float>(entry.state.friction)};
            if (!entry.history.empty() &&
                sample.time - entry.newestSampleStart < m_options.historyIntervalSeconds &&
                sample.time >= entry.newestSampleStart) {
                const size_t newest =
                    entry.history.size() < historyLength
                        ? entry.history.size() - 1
                        : static_cast<size_t>((entry.historyHead + m_options.historyLength - 1) %
                                              m_options.historyLength);
                entry.history[newest] = sample;
                continue;
            }
            entry.newestSampleStart = sample.time;
            if (entry.history.size() < historyLength) {
                entry.history.push_back(sample);
            } else {
                entry.history[static_cast<size_t>(entry.historyHead)] = sample;
                entry.historyHead = (entry.historyHead + 1) % m_options.historyLength;
            }
        }
    }
    evictPrincipals();
    trimHistories();
    if (m_principals.size() != before)
        emit principalsChanged();

    const QString latest = cached ? cached->key : QString();
    if ((m_follow && latest != m_current) || !m_principals.contains(m_current)) {
        QString next = m_follow ? latest : m_current;
        if (!m_principals.contains(next))
            next = m_principals.isEmpty() ? QString() : principals().value(0);
        switchTo(next);
    } else {
        const int shown = m_shownRows;
        const int now = static_cast<int>(currentState()->tools.size());
        // New tools were appended to the principal already; rowCount() counts them only
        // from here on.
        if (now > shown) {
            beginInsertRows({}, shown, now - 1);
            m_shownRows = now;
            endInsertRows();
        }
        if (shown > 0)
            emit dataChanged(index(0, 0), index(shown - 1, ColumnCount - 1));
    }
    emit batchApplied(static_cast<int>(events.size()));
}

void FrictionModel::evictPrincipals()
{
    const qsizetype excess = m_principals.size() - m_options.maxPrincipals;
    if (excess <= 0)
        return;
    std::vector<std::pair<qint64, QString>> order;
    order.reserve(static_cast<size_t>(m_principals.size()));
    for (const auto &principal : std::as_const(m_principals))
        order.emplace_back(principal->lastSequence, principal->key);
    std::nth_element(order.begin(), order.begin() + excess - 1, order.end());
    for (qsizetype i = 0; i < excess; ++i) {
        const QString &key = order[static_cast<size_t>(i)].second;
        if (key == m_current && !m_follow)
            continue; // the principal someone is looking at stays
        m_principals.remove(key);
    }
}

void FrictionModel::trimHistories()
{
    std::vector<std::pair<qint64, PrincipalState *>> withHistory;
    for (const auto &principal : std::as_const(m_principals))
        if (principal->hasHistory)
            withHistory.emplace_back(principal->lastSequence, principal.get());
    const auto keep = static_cast<size_t>(m_options.historyPrincipals);
    if (withHistory.size() <= keep)
        return;
    std::nth_element(withHistory.begin(), withHistory.begin() + static_cast<long>(keep - 1),
                     withHistory.end(), [](const auto &a, const auto &b) { return a > b; });
    for (size_t i = keep; i < withHistory.size(); ++i) {
        PrincipalState *principal = withHistory[i].second;
        if (principal->key == m_current)
            continue;
        principal->hasHistory = false;
        for (ToolEntry &entry : principal->tools) {
            entry.history = {};
            entry.historyHead = 0;
        }
    }
}

void FrictionModel::switchTo(const QString &principal)
{
    const bool changed = principal != m_current;
    beginResetModel();
    m_current = principal;
    m_shownRows = static_cast<int>(currentState()->tools.size());
    endResetModel();
    if (changed)
        emit currentPrincipalChanged(m_current);
}

void FrictionModel::clear()
{
    {
        std::lock_guard locker(m_queueMutex);
        m_queue.clear();
        m_discarded = 0;
    }
    beginResetModel();
    m_principals.clear();
    m_current.clear();
    m_eventCount = 0;
    m_shownRows = static_cast<int>(currentState()->tools.size());
    endResetModel();
    emit principalsChanged();
    emit currentPrincipalChanged(m_current);
}

void FrictionModel::setConfig(const Friction::ControllerConfig &config)
{
    beginResetModel();
    m_config = config;
    auto placeholder = std::make_shared<PrincipalState>();
    for (auto tool = m_config.tools.cbegin(); tool != m_config.tools.cend(); ++tool)
        ensureTool(*placeholder, tool.key());
    m_placeholder = std::move(placeholder);
    for (const auto &principal : std::as_const(m_principals))
        for (auto tool = m_config.tools.cbegin(); tool != m_config.tools.cend(); ++tool)
            ensureTool(*principal, tool.key());
    m_shownRows = static_cast<int>(currentState()->tools.size());
    endResetModel();
}

const Friction::ToolConfig *FrictionModel::toolConfig(const QString &tool) const
{
    return m_config.tool(tool);
}

QStringList FrictionModel::principals() const
{
    std::vector<std::pair<qint64, QString>> order;
    order.reserve(static_cast<size_t>(m_principals.size()));
    for (const auto &principal : std::as_const(m_principals))
        order.emplace_back(principal->lastSequence, principal->key);
    std::sort(order.begin(), order.end(), [](const auto &a, const auto &b) { return a > b; });
    QStringList keys;
    keys.reserve(static_cast<qsizetype>(order.size()));
    for (auto &entry : order)
        keys.append(std::move(entry.second));
    return keys;
}

void FrictionModel::setPrincipal(const QString &principal)
{
    m_follow = principal.isEmpty();
    QString next = principal;
    if (m_follow)
        next = principals().value(0);
    if (next != m_current)
        switchTo(next);
}

int FrictionModel::rowOf(const QString &tool) const
{
    const PrincipalState *current = currentState();
    return current->index.value(tool, -1);
}

const FrictionToolState &FrictionModel::stateAt(int row) const
{
    return currentState()->tools[static_cast<size_t>(row)].state;
}

const FrictionToolState *FrictionModel::state(const QString &principal, const QString &tool) const
{
    const auto it = m_principals.constFind(principal);
    if (it == m_principals.constEnd())
        return nullptr;
    const int position = (*it)->index.value(tool, -1);
    return position < 0 ? nullptr : &(*it)->tools[static_cast<size_t>(position)].state;
}

std::vector<FrictionSample> FrictionModel::history(const QString &tool) const
{
    const PrincipalState *current = currentState();
    const int position = current->index.value(tool, -1);
    if (position < 0)
        return {};
    const ToolEntry &entry = current->tools[static_cast<size_t>(position)];
    std::vector<FrictionSample> samples;
    samples.reserve(entry.history.size());
    const auto head = entry.history.begin() + entry.historyHead;
    // Oldest first: from the ring's head to its end, then from its start.
    samples.insert(samples.end(), head, entry.history.end());
    samples.insert(samples.end(), entry.history.begin(), head);
    return samples;
}

} // namespace Core
