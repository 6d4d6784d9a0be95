#include "exchangemodel.h"

#include <QLocale>

namespace Core {

bool ExchangeFilter::accepts(const Http::Exchange &exchange) const
{
    if (side && exchange.side != *side)
        return false;
    switch (status) {
    case StatusClass::Any:
        break;
    case StatusClass::Success:
        if (exchange.status < 200 || exchange.status >= 400)
            return false;
        break;
    case StatusClass::ClientError:
        if (exchange.status < 400 || exchange.status >= 500)
            return false;
        break;
    case StatusClass::ServerError:
        if (exchange.status < 500)
            return false;
        break;
    case StatusClass::Failed:
        if (exchange.status != 0)
            return false;
        break;
    }
    if (text.isEmpty())
        return true;
    return QString::fromLatin1(exchange.method).contains(text, Qt::CaseInsensitive) ||
           exchange.url.contains(text, Qt::CaseInsensitive) ||
           exchange.tag.contains(text, Qt::CaseInsensitive);
}

ExchangeTableModel::ExchangeTableModel(Http::ExchangeLog *log, QObject *parent)
    : QAbstractTableModel(parent)
    , m_log(log)
{
    // Connect before taking the snapshot so nothing captured in between is missed; the
    // handler skips what the snapshot already holds.
    connect(log, &Http::ExchangeLog::exchangeCaptured, this,
            &ExchangeTableModel::handleExchangeCaptured, Qt::QueuedConnection);
    connect(log, &Http::ExchangeLog::cleared, this, &ExchangeTableModel::handleLogCleared,
            Qt::QueuedConnection);
    const QList<Http::Exchange> existing = log->snapshot();
    m_rows.assign(existing.begin(), existing.end());
}

int ExchangeTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int ExchangeTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ExchangeTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Http::Exchange &e = m_rows[static_cast<size_t>(index.row())];
    if (role == ExchangeIdRole)
        return QVariant::fromValue(e.id);
    if (role == Qt::TextAlignmentRole &&
        (index.column() == StatusColumn || index.column() == DurationColumn))
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return e.startedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    case SideColumn:
        return e.side == Http::Exchange::Side::Server ? tr("server") : tr("client");
    case MethodColumn:
        return QString::fromLatin1(e.method);
    case UrlColumn:
        return e.url;
    case StatusColumn:
        return e.status == 0 ? (e.error.isEmpty() ? tr("—") : e.error) : QString::number(e.status);
    case DurationColumn:
        return QString(QLocale().toString(static_cast<double>(e.durationMicros) / 1000.0, 'f', 2) +
                       QStringLiteral(" ms"));
    case TagColumn:
        return e.tag;
    default:
        return {};
    }
}

QVariant ExchangeTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case SideColumn:
        return tr("Side");
    case MethodColumn:
        return tr("Method");
    case UrlColumn:
        return tr("URL");
    case StatusColumn:
        return tr("Status");
    case DurationColumn:
        return tr("Duration");
    case TagColumn:
        return tr("Tag");
    default:
        return {};
    }
}

const Http::Exchange &ExchangeTableModel::exchangeAt(int row) const
{
    return m_rows[static_cast<size_t>(row)];
}

void ExchangeTableModel::handleExchangeCaptured(const Http::Exchange &exchange)
{
    if (!m_rows.empty() && exchange.id <= m_rows.back().id)
        return;
    const auto capacity = static_cast<size_t>(m_log->capacity());
    if (capacity > 0 && m_rows.size() >= capacity) {
        const int excess = static_cast<int>(m_rows.size() - capacity + 1);
        beginRemoveRows({}, 0, excess - 1);
        m_rows.erase(m_rows.begin(), m_rows.begin() + excess);
        endRemoveRows();
    }
    const int row = static_cast<int>(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.push_back(exchange);
    endInsertRows();
}

void ExchangeTableModel::handleLogCleared()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

} // namespace Core
