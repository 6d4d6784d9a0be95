#pragma once

#include <memory>
#include <optional>

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>
#include <QPointer>

#include "admin/records.h"
#include "store/auditrepository.h"
#include "store/tokenrepository.h"

namespace Core {

class AdminWorker;

/// Display name of a token state, kind or format, for tables and filters.
[[nodiscard]] QString tokenStateTitle(Store::TokenState state);
[[nodiscard]] QString tokenKindTitle(Store::TokenKind kind);
/// Local time "yyyy-MM-dd HH:mm:ss" of UTC epoch milliseconds; empty for 0.
[[nodiscard]] QString displayTime(qint64 epochMs);

/// What the Tokens panel's detail pane shows of one stored token beyond its row.
struct TokenInsight
{
    Store::Token token;
    /// A JWT access token's JOSE header and claims as the issuer signed them, rebuilt from
    /// the stored row (Auth::accessTokenClaims); empty for opaque tokens. The token and its
    /// signature are never stored (only a hash), so the header shows only `typ`.
    QJsonObject jwtHeader;
    QJsonObject jwtClaims;
    /// What the AS's /introspect answers about it now (Auth::introspectionResponse).
    QJsonObject introspection;
    /// Why introspection says inactive ("expired", "revoked: <reason>"); empty when active.
    QString inactiveReason;
};

/// Reads token `id` from `db` and builds its TokenInsight for the issuer `issuer`. Runs
/// store queries: call it off the GUI thread (an AdminWorker). Errors: not_found, store
/// errors.
[[nodiscard]] Result<TokenInsight> inspectToken(const std::shared_ptr<Store::Database> &db,
                                                const QString &issuer, qint64 id);

/// Whether an audit event may have changed which tokens exist or their state.
enum class TokenChange {
    None,   ///< nothing to do
    Issued, ///< new rows only
    Any     ///< rows may have been revoked, rotated, removed or purged
};
[[nodiscard]] TokenChange tokenChangeOf(const Store::AuditEvent &event);

/// The tokens of a store matching a Store::TokenFilter, in id order, fetched lazily in
/// pages (keyset paging, so a million rows cost only the pages a view scrolls to). Every
/// store call runs on an AdminWorker; the model never blocks its thread. Does not own the
/// worker.
class TokenTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TokenTableModel)

public:
    enum Column {
        IdColumn,
        KindColumn,
        StateColumn,
        ClientColumn,
        SubjectColumn,
        ScopeColumn,
        ResourceColumn,
        IssuedColumn,
        ExpiresColumn,
        TokenColumn,
        ColumnCount
    };
    enum Role { TokenIdRole = Qt::UserRole + 1, FamilyIdRole, StateRole };

    explicit TokenTableModel(QObject *parent = nullptr);

    /// The worker that reads the store; null empties the model.
    void setWorker(AdminWorker *worker);
    /// Shows the tokens matching `filter` (limit, offset and afterId are the model's):
    /// empties the model and loads the first page.
    void setFilter(const Store::TokenFilter &filter);
    [[nodiscard]] const Store::TokenFilter &filter() const { return m_filter; }
    /// Rows per page (default 500, at most 10000).
    void setPageSize(int rows);
    [[nodiscard]] int pageSize() const { return m_pageSize; }

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index,
                                int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;
    /// True while the store may hold more matching rows past the last one loaded and no
    /// request is in flight.
    [[nodiscard]] bool canFetchMore(const QModelIndex &parent = {}) const override;
    /// Asks for the next page; the rows arrive later (pageLoaded()).
    void fetchMore(const QModelIndex &parent = {}) override;

    /// Re-reads the rows loaded so far (state changes, removals, rows that now match) and
    /// appends newer rows when the whole list is loaded.
    void refresh();
    /// Reacts to audit events (see tokenChangeOf()): new rows, or a refresh.
    void handleAuditEvents(const QList<Store::AuditEvent> &events);

    /// Precondition: 0 <= row < rowCount().
    [[nodiscard]] const Admin::TokenRecord &tokenAt(int row) const;
    /// The row showing token `id`, or -1.
    [[nodiscard]] int rowOfId(qint64 id) const;
    [[nodiscard]] bool isLoading() const { return m_inFlight; }
    /// Every matching row is loaded.
    [[nodiscard]] bool isComplete() const { return m_loaded && !m_hasMore; }

signals:
    void loadingChanged(bool loading);
    /// A page, a refresh or new rows were applied.
    void pageLoaded();
    void errorOccurred(const QString &message);

private:
    enum class Pending { None, Page, NewRows, Refresh };
    void startRequest(Pending what);
    void startNext();
    void setInFlight(bool inFlight);
    void applyPage(const Admin::TokenPage &page);
    void appendRows(const QList<Admin::TokenRecord> &rows);
    void mergeRows(const QList<Admin::TokenRecord> &fresh);

    QPointer<AdminWorker> m_worker;
    Store::TokenFilter m_filter;
    QList<Admin::TokenRecord> m_rows;
    int m_pageSize = 500;
    bool m_loaded = false;  ///< the first page arrived
    bool m_hasMore = false; ///< the last page was full
    bool m_inFlight = false;
    bool m_wantNewRows = false;
    bool m_wantRefresh = false;
    bool m_wantPage = false;
    quint64 m_generation = 0;
};

} // namespace Core
