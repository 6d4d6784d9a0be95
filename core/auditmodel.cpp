#include "auditmodel.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QSaveFile>

#include "admin/records.h"
#include "admin/service.h"
#include "adminworker.h"
#include "auditfollower.h"
#include "tokenmodel.h"

namespace Core {

namespace {

constexpr int kMaxPage = 10000;

bool contains(const QString &haystack, const QString &needle)
{
    return haystack.contains(needle, Qt::CaseInsensitive);
}

Store::AuditFilter olderThan(Store::AuditFilter filter, qint64 oldestAt)
{
    // Events at the same millisecond as the oldest one seen are asked again and skipped
    // by id: the store pages the log by time only.
    const qint64 until = oldestAt + 1;
    if (!filter.until || *filter.until > until)
        filter.until = until;
    return filter;
}

} // namespace

bool AuditQuery::accepts(const Store::AuditEvent &event) const
{
    if (!filter.type.isEmpty() && event.type != filter.type)
        return false;
    if (!filter.clientId.isEmpty() && event.clientId != filter.clientId)
        return false;
    if (!filter.subject.isEmpty() && event.subject != filter.subject)
        return false;
    if (filter.since && event.occurredAt < *filter.since)
        return false;
    if (filter.until && event.occurredAt >= *filter.until)
        return false;
    if (text.isEmpty())
        return true;
    return contains(event.type, text) || contains(event.actor, text) ||
           contains(event.clientId, text) || contains(event.subject, text) ||
           contains(event.remoteAddress, text) || contains(auditDetailText(event), text);
}

QString auditDetailText(const Store::AuditEvent &event)
{
    if (event.detail.isEmpty())
        return {};
    return QString::fromUtf8(QJsonDocument(event.detail).toJson(QJsonDocument::Compact));
}

QString csvField(const QString &value)
{
    QString out = value;
    if (!out.isEmpty() && (out.front() == QLatin1Char('=') || out.front() == QLatin1Char('+') ||
                           out.front() == QLatin1Char('-') || out.front() == QLatin1Char('@') ||
                           out.front() == QLatin1Char('\t')))
        out.prepend(QLatin1Char('\''));
    if (!out.contains(QLatin1Char(',')) && !out.contains(QLatin1Char('"')) &&
        !out.contains(QLatin1Char('\n')) && !out.contains(QLatin1Char('\r')))
        return out;
    out.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + out + QLatin1Char('"');
}

QByteArray auditCsvHeader()
{
    return QByteArrayLiteral("id,time,type,actor,client_id,subject,remote_address,detail\r\n");
}

QByteArray auditCsvLine(const Store::AuditEvent &event)
{
    const QStringList fields = {QString::number(event.id),     Admin::isoTime(event.occurredAt),
                                csvField(event.type),          csvField(event.actor),
                                csvField(event.clientId),      csvField(event.subject),
                                csvField(event.remoteAddress), csvField(auditDetailText(event))};
    return fields.join(QLatin1Char(',')).toUtf8() + QByteArrayLiteral("\r\n");
}

Core::Result<qint64> exportAuditCsv(Admin::Service &service, const AuditQuery &query,
                                    const QString &path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("cannot write %1: %2").arg(path, file.errorString()));
    const auto writeAll = [&file](const QByteArray &bytes) {
        return file.write(bytes) == bytes.size();
    };
    if (!writeAll(auditCsvHeader()))
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("writing %1: %2").arg(path, file.errorString()));
    Store::AuditFilter filter = query.filter;
    filter.limit = kMaxPage;
    qint64 after = 0;
    qint64 written = 0;
    for (;;) {
        auto events = service.auditAfter(after, filter);
        if (!events)
            return events.error();
        for (const Store::AuditEvent &event : std::as_const(*events)) {
            if (!query.accepts(event))
                continue;
            if (!writeAll(auditCsvLine(event)))
                return Core::makeError(
                    QStringLiteral("io_error"),
                    QStringLiteral("writing %1: %2").arg(path, file.errorString()));
            ++written;
        }
        if (events->size() < kMaxPage)
            break;
        after = events->last().id;
    }
    if (!file.commit())
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("saving %1: %2").arg(path, file.errorString()));
    return written;
}

AuditTableModel::AuditTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_follower(new AuditFollower(this))
{
    connect(m_follower, &AuditFollower::eventsArrived, this, &AuditTableModel::handleNewEvents);
    connect(m_follower, &AuditFollower::errorOccurred, this, &AuditTableModel::errorOccurred);
}

void AuditTableModel::setWorker(AdminWorker *worker)
{
    m_worker = worker;
    m_follower->setWorker(worker);
    setQuery(m_query);
}

void AuditTableModel::setQuery(const AuditQuery &query)
{
    ++m_generation;
    m_follower->stop();
    beginResetModel();
    m_query = query;
    m_query.filter.afterId.reset();
    m_rows.clear();
    m_hasOlder = false;
    m_oldestId = 0;
    m_oldestAt = 0;
    m_oldestSeen = 0;
    endResetModel();
    setInFlight(false);
    if (m_worker)
        loadFirstPage();
}

void AuditTableModel::setPageSize(int events)
{
    m_pageSize = qBound(1, events, kMaxPage);
}

void AuditTableModel::setPollInterval(int milliseconds)
{
    m_follower->setInterval(milliseconds);
}

void AuditTableModel::loadFirstPage()
{
    const quint64 generation = m_generation;
    const Store::AuditFilter filter = m_query.filter;
    const int pageSize = m_pageSize;
    setInFlight(true);
    m_worker->run(
        this,
        [filter, pageSize](Admin::Service &service) -> Core::Result<FirstPage> {
            // The newest id first: whatever is written after it reaches the follower.
            auto newest = service.auditTail(1, {});
            if (!newest)
                return newest.error();
            auto page = service.auditTail(pageSize, filter);
            if (!page)
                return page.error();
            return FirstPage{*page, newest->isEmpty() ? 0 : newest->last().id};
        },
        [this, generation, pageSize](Core::Result<FirstPage> page) {
            if (!settle(generation, page))
                return;
            m_follower->setFilter(m_query.filter);
            qint64 newest = page->newestId;
            if (!page->events.isEmpty()) {
                newest = qMax(newest, page->events.last().id);
                noteOldest(page->events);
            }
            m_hasOlder = page->events.size() >= pageSize;
            QList<Store::AuditEvent> rows;
            for (auto it = page->events.crbegin(); it != page->events.crend(); ++it)
                if (m_query.accepts(*it))
                    rows.append(*it);
            if (!rows.isEmpty()) {
                beginInsertRows({}, 0, static_cast<int>(rows.size()) - 1);
                m_rows = rows;
                endInsertRows();
            }
            m_follower->start(newest);
            emit eventsLoaded();
        });
}

void AuditTableModel::handleNewEvents(const QList<Store::AuditEvent> &events)
{
    const qint64 newest = m_rows.isEmpty() ? 0 : m_rows.first().id;
    QList<Store::AuditEvent> rows;
    for (auto it = events.crbegin(); it != events.crend(); ++it)
        if (it->id > newest && m_query.accepts(*it))
            rows.append(*it);
    if (rows.isEmpty())
        return;
    beginInsertRows({}, 0, static_cast<int>(rows.size()) - 1);
    m_rows = rows + m_rows;
    endInsertRows();
    emit eventsLoaded();
}

int AuditTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int AuditTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Store::AuditEvent &event = m_rows.at(index.row());
    if (role == EventIdRole)
        return event.id;
    if (role == Qt::ToolTipRole && index.column() == DetailColumn)
        return auditDetailText(event);
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return displayTime(event.occurredAt);
    case TypeColumn:
        return event.type;
    case ActorColumn:
        return event.actor;
    case ClientColumn:
        return event.clientId;
    case SubjectColumn:
        return event.subject;
    case AddressColumn:
        return event.remoteAddress;
    case DetailColumn:
        return auditDetailText(event);
    default:
        return {};
    }
}

QVariant AuditTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case TypeColumn:
        return tr("Type");
    case ActorColumn:
        return tr("Actor");
    case ClientColumn:
        return tr("Client");
    case SubjectColumn:
        return tr("Subject");
    case AddressColumn:
        return tr("Address");
    case DetailColumn:
        return tr("Detail");
    default:
        return {};
    }
}

bool AuditTableModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_worker && m_hasOlder && !m_inFlight;
}

void AuditTableModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    const quint64 generation = m_generation;
    const Store::AuditFilter filter = olderThan(m_query.filter, m_oldestAt);
    // The events already seen at the oldest millisecond come again: ask for that many more.
    const int pageSize = qMin(kMaxPage, m_pageSize + m_oldestSeen);
    setInFlight(true);
    m_worker->run(
        this,
        [filter, pageSize](Admin::Service &service) { return service.auditTail(pageSize, filter); },
        [this, generation, pageSize](Core::Result<QList<Store::AuditEvent>> page) {
            if (!settle(generation, page))
                return;
            QList<Store::AuditEvent> rows;
            for (auto it = page->crbegin(); it != page->crend(); ++it) {
                if (it->id >= m_oldestId)
                    continue;
                if (m_query.accepts(*it))
                    rows.append(*it);
            }
            const bool full = page->size() >= pageSize;
            if (!page->isEmpty() && page->first().id < m_oldestId) {
                noteOldest(*page);
            } else if (full) {
                // A whole page within one millisecond already seen: step past it.
                m_oldestAt -= 1;
                m_oldestSeen = 0;
            }
            m_hasOlder = full;
            if (!rows.isEmpty()) {
                const int first = static_cast<int>(m_rows.size());
                beginInsertRows({}, first, first + static_cast<int>(rows.size()) - 1);
                m_rows.append(rows);
                endInsertRows();
            }
            emit eventsLoaded();
        });
}

void AuditTableModel::noteOldest(const QList<Store::AuditEvent> &page)
{
    const qint64 at = page.first().occurredAt;
    m_oldestSeen = at == m_oldestAt ? m_oldestSeen : 0;
    m_oldestId = page.first().id;
    m_oldestAt = at;
    for (const Store::AuditEvent &event : page) {
        if (event.occurredAt != at)
            break;
        ++m_oldestSeen;
    }
}

const Store::AuditEvent &AuditTableModel::eventAt(int row) const
{
    return m_rows.at(row);
}

void AuditTableModel::setInFlight(bool inFlight)
{
    if (m_inFlight == inFlight)
        return;
    m_inFlight = inFlight;
    emit loadingChanged(inFlight);
}

} // namespace Core
