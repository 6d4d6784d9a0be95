#include "tokenmodel.h"

#include <QDateTime>
#include <QSet>

#include "admin/service.h"
#include "adminworker.h"
#include "authserver/endpoints.h"
#include "authserver/tokenissuer.h"
#include "store/database.h"

namespace Core {

namespace {

/// The store answers at most this many rows per call.
constexpr int kMaxPage = 10000;

bool sameRecord(const Admin::TokenRecord &a, const Admin::TokenRecord &b)
{
    return a.id == b.id && a.state == b.state && a.revokedAt == b.revokedAt &&
           a.rotatedAt == b.rotatedAt && a.expiresAt == b.expiresAt &&
           a.revocationReason == b.revocationReason && a.scope == b.scope &&
           a.resource == b.resource && a.familyId == b.familyId;
}

/// What refresh() reads: the rows up to the cursor again, and the page after it.
struct Reread
{
    QList<Admin::TokenRecord> rows;
    std::optional<Admin::TokenPage> next;
};

Core::Result<Reread> reread(Admin::Service &service, Store::TokenFilter filter, qint64 cursor,
                            bool complete, int pageSize)
{
    Reread out;
    filter.limit = kMaxPage;
    filter.offset = 0;
    filter.afterId.reset();
    while (cursor > 0) {
        auto page = service.listTokens(filter);
        if (!page)
            return page.error();
        for (const Admin::TokenRecord &token : page->tokens) {
            if (token.id > cursor)
                break;
            out.rows.append(token);
        }
        if (!page->nextAfterId || *page->nextAfterId >= cursor)
            break;
        filter.afterId = page->nextAfterId;
    }
    if (complete) {
        filter.limit = pageSize;
        if (cursor > 0)
            filter.afterId = cursor;
        else
            filter.afterId.reset();
        auto next = service.listTokens(filter);
        if (!next)
            return next.error();
        out.next = *next;
    }
    return out;
}

} // namespace

Result<TokenInsight> inspectToken(const std::shared_ptr<Store::Database> &db, const QString &issuer,
                                  qint64 id)
{
    auto token = Store::TokenRepository(db).get(id);
    if (!token)
        return token.error();
    TokenInsight insight;
    insight.token = *token;
    if (token->format == Store::TokenFormat::Jwt) {
        insight.jwtHeader = QJsonObject{{QStringLiteral("typ"), QStringLiteral("at+jwt")}};
        insight.jwtClaims = Auth::accessTokenClaims(issuer, *token);
    }
    const qint64 now = db->now();
    insight.introspection = Auth::introspectionResponse(issuer, db, *token, now);
    switch (token->state(now)) {
    case Store::TokenState::Active:
        break;
    case Store::TokenState::Expired:
        insight.inactiveReason = QStringLiteral("expired at %1").arg(displayTime(token->expiresAt));
        break;
    case Store::TokenState::Revoked:
        insight.inactiveReason = token->revocationReason.isEmpty()
                                     ? QStringLiteral("revoked")
                                     : QStringLiteral("revoked (%1)").arg(token->revocationReason);
        break;
    }
    return insight;
}

QString tokenStateTitle(Store::TokenState state)
{
    switch (state) {
    case Store::TokenState::Active:
        return TokenTableModel::tr("Active");
    case Store::TokenState::Expired:
        return TokenTableModel::tr("Expired");
    case Store::TokenState::Revoked:
        break;
    }
    return TokenTableModel::tr("Revoked");
}

QString tokenKindTitle(Store::TokenKind kind)
{
    return kind == Store::TokenKind::Access ? TokenTableModel::tr("Access")
                                            : TokenTableModel::tr("Refresh");
}

QString displayTime(qint64 epochMs)
{
    if (epochMs == 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(epochMs).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

TokenChange tokenChangeOf(const Store::AuditEvent &event)
{
    if (event.type == QLatin1String("token.issued"))
        return TokenChange::Issued;
    static const QSet<QString> changing = {
        QStringLiteral("token.revoked"),        QStringLiteral("token.purged"),
        QStringLiteral("refresh_token.reused"), QStringLiteral("authorization_code.reused"),
        QStringLiteral("client.removed"),       QStringLiteral("user.removed"),
    };
    return changing.contains(event.type) ? TokenChange::Any : TokenChange::None;
}

TokenTableModel::TokenTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{}

void TokenTableModel::setWorker(AdminWorker *worker)
{
    m_worker = worker;
    setFilter(m_filter);
}

void TokenTableModel::setFilter(const Store::TokenFilter &filter)
{
    ++m_generation;
    beginResetModel();
    m_filter = filter;
    m_filter.offset = 0;
    m_filter.afterId.reset();
    m_rows.clear();
    m_loaded = false;
    m_hasMore = false;
    m_wantNewRows = false;
    m_wantRefresh = false;
    m_wantPage = false;
    endResetModel();
    setInFlight(false);
    if (m_worker)
        startRequest(Pending::Page);
}

void TokenTableModel::setPageSize(int rows)
{
    m_pageSize = qBound(1, rows, kMaxPage);
}

int TokenTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int TokenTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant TokenTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Admin::TokenRecord &token = m_rows.at(index.row());
    switch (role) {
    case TokenIdRole:
        return token.id;
    case FamilyIdRole:
        return token.familyId;
    case StateRole:
        return static_cast<int>(token.state);
    case Qt::ToolTipRole:
        if (token.state == Store::TokenState::Revoked)
            return tr("Revoked %1 (%2)")
                .arg(displayTime(token.revokedAt.value_or(0)), token.revocationReason);
        return {};
    case Qt::DisplayRole:
        break;
    default:
        return {};
    }
    switch (index.column()) {
    case IdColumn:
        return token.id;
    case KindColumn:
        return tokenKindTitle(token.kind);
    case StateColumn:
        return tokenStateTitle(token.state);
    case ClientColumn:
        return token.clientId;
    case SubjectColumn:
        return token.subject;
    case ScopeColumn:
        return token.scope;
    case ResourceColumn:
        return token.resource;
    case IssuedColumn:
        return displayTime(token.issuedAt);
    case ExpiresColumn:
        return displayTime(token.expiresAt);
    case TokenColumn:
        return token.display;
    default:
        return {};
    }
}

QVariant TokenTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case IdColumn:
        return tr("ID");
    case KindColumn:
        return tr("Kind");
    case StateColumn:
        return tr("State");
    case ClientColumn:
        return tr("Client");
    case SubjectColumn:
        return tr("Subject");
    case ScopeColumn:
        return tr("Scope");
    case ResourceColumn:
        return tr("Resource");
    case IssuedColumn:
        return tr("Issued");
    case ExpiresColumn:
        return tr("Expires");
    case TokenColumn:
        return tr("Token");
    default:
        return {};
    }
}

bool TokenTableModel::canFetchMore(const QModelIndex &parent) const
{
    return !parent.isValid() && m_worker && m_loaded && m_hasMore && !m_inFlight;
}

void TokenTableModel::fetchMore(const QModelIndex &parent)
{
    if (parent.isValid() || !m_worker || !m_hasMore)
        return;
    startRequest(Pending::Page);
}

void TokenTableModel::refresh()
{
    if (!m_worker)
        return;
    if (!m_loaded) {
        startRequest(Pending::Page);
        return;
    }
    startRequest(Pending::Refresh);
}

void TokenTableModel::handleAuditEvents(const QList<Store::AuditEvent> &events)
{
    bool issued = false;
    QSet<QString> families;
    for (const Store::AuditEvent &event : events) {
        switch (tokenChangeOf(event)) {
        case TokenChange::Any:
            refresh();
            return;
        case TokenChange::Issued:
            issued = true;
            // A refresh grant rotates (revokes) a token of the family it continues.
            if (const QString family = event.detail.value(QStringLiteral("family")).toString();
                !family.isEmpty())
                families.insert(family);
            break;
        case TokenChange::None:
            break;
        }
    }
    if (!issued)
        return;
    if (!families.isEmpty())
        for (const Admin::TokenRecord &token : std::as_const(m_rows))
            if (families.contains(token.familyId)) {
                refresh();
                return;
            }
    if (m_loaded && !m_hasMore)
        startRequest(Pending::NewRows);
}

const Admin::TokenRecord &TokenTableModel::tokenAt(int row) const
{
    return m_rows.at(row);
}

int TokenTableModel::rowOfId(qint64 id) const
{
    const auto it = std::lower_bound(
        m_rows.cbegin(), m_rows.cend(), id,
        [](const Admin::TokenRecord &token, qint64 value) { return token.id < value; });
    return it != m_rows.cend() && it->id == id ? static_cast<int>(it - m_rows.cbegin()) : -1;
}

void TokenTableModel::startRequest(Pending what)
{
    switch (what) {
    case Pending::Page:
        m_wantPage = true;
        break;
    case Pending::NewRows:
        m_wantNewRows = true;
        break;
    case Pending::Refresh:
        m_wantRefresh = true;
        break;
    case Pending::None:
        break;
    }
    if (!m_inFlight)
        startNext();
}

void TokenTableModel::startNext()
{
    if (!m_worker || m_inFlight)
        return;
    const quint64 generation = m_generation;
    Store::TokenFilter filter = m_filter;
    const qint64 cursor = m_filter.afterId.value_or(0);
    if (m_wantRefresh) {
        // A refresh also brings the new rows and whatever page was asked for.
        m_wantRefresh = m_wantNewRows = false;
        const bool complete = isComplete();
        const int pageSize = m_pageSize;
        setInFlight(true);
        m_worker->run(
            this,
            [filter, cursor, complete, pageSize](Admin::Service &service) {
                return reread(service, filter, cursor, complete, pageSize);
            },
            [this, generation](Core::Result<Reread> result) {
                if (generation != m_generation)
                    return;
                setInFlight(false);
                if (!result) {
                    emit errorOccurred(result.error().message);
                } else {
                    mergeRows(result->rows);
                    if (result->next)
                        applyPage(*result->next);
                    emit pageLoaded();
                }
                startNext();
            });
        return;
    }
    if (m_wantPage || m_wantNewRows) {
        if (m_loaded && !m_hasMore && !m_wantNewRows) {
            m_wantPage = false;
            return;
        }
        m_wantPage = m_wantNewRows = false;
        filter.limit = m_pageSize;
        setInFlight(true);
        m_worker->run(
            this, [filter](Admin::Service &service) { return service.listTokens(filter); },
            [this, generation](Core::Result<Admin::TokenPage> page) {
                if (generation != m_generation)
                    return;
                setInFlight(false);
                if (!page)
                    emit errorOccurred(page.error().message);
                else {
                    applyPage(*page);
                    emit pageLoaded();
                }
                startNext();
            });
    }
}

void TokenTableModel::setInFlight(bool inFlight)
{
    if (m_inFlight == inFlight)
        return;
    m_inFlight = inFlight;
    emit loadingChanged(inFlight);
}

void TokenTableModel::applyPage(const Admin::TokenPage &page)
{
    const qint64 cursor = m_filter.afterId.value_or(0);
    QList<Admin::TokenRecord> rows;
    rows.reserve(page.tokens.size());
    for (const Admin::TokenRecord &token : page.tokens)
        if (token.id > cursor)
            rows.append(token);
    m_loaded = true;
    m_hasMore = page.nextAfterId.has_value();
    if (!rows.isEmpty())
        m_filter.afterId = rows.last().id;
    appendRows(rows);
}

void TokenTableModel::appendRows(const QList<Admin::TokenRecord> &rows)
{
    if (rows.isEmpty())
        return;
    const int first = static_cast<int>(m_rows.size());
    beginInsertRows({}, first, first + static_cast<int>(rows.size()) - 1);
    m_rows.append(rows);
    endInsertRows();
}

void TokenTableModel::mergeRows(const QList<Admin::TokenRecord> &fresh)
{
    // Both lists are in id order: walk them together, removing and inserting runs of rows
    // and updating the rows whose state changed.
    qsizetype row = 0;
    qsizetype j = 0;
    while (row < m_rows.size() || j < fresh.size()) {
        if (j == fresh.size() || (row < m_rows.size() && m_rows.at(row).id < fresh.at(j).id)) {
            qsizetype end = row + 1;
            while (end < m_rows.size() && (j == fresh.size() || m_rows.at(end).id < fresh.at(j).id))
                ++end;
            beginRemoveRows({}, static_cast<int>(row), static_cast<int>(end - 1));
            m_rows.remove(row, end - row);
            endRemoveRows();
        } else if (row == m_rows.size() || fresh.at(j).id < m_rows.at(row).id) {
            qsizetype end = j + 1;
            while (end < fresh.size() &&
                   (row == m_rows.size() || fresh.at(end).id < m_rows.at(row).id))
                ++end;
            beginInsertRows({}, static_cast<int>(row), static_cast<int>(row + end - j - 1));
            for (qsizetype k = j; k < end; ++k)
                m_rows.insert(row + (k - j), fresh.at(k));
            endInsertRows();
            row += end - j;
            j = end;
        } else {
            if (!sameRecord(m_rows.at(row), fresh.at(j))) {
                m_rows[row] = fresh.at(j);
                emit dataChanged(index(static_cast<int>(row), 0),
                                 index(static_cast<int>(row), ColumnCount - 1));
            }
            ++row;
            ++j;
        }
    }
}

} // namespace Core
