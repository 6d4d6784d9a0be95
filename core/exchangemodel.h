#pragma once

#include <deque>

#include <QAbstractTableModel>

#include "http/exchangelog.h"

namespace Core {

/// Which exchanges a view shows. The rule lives here, not in a proxy, so it is tested
/// without a GUI.
struct ExchangeFilter
{
    enum class StatusClass { Any, Success, ClientError, ServerError, Failed };

    QString text; ///< case-insensitive match on method, URL or tag
    StatusClass status = StatusClass::Any;
    std::optional<Http::Exchange::Side> side;

    [[nodiscard]] bool accepts(const Http::Exchange &exchange) const;
};

/// A live table over an ExchangeLog: starts from the log's snapshot, appends each captured
/// exchange, and drops the oldest rows beyond the log's capacity. Does not own the log.
class ExchangeTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ExchangeTableModel)

public:
    enum Column {
        TimeColumn,
        SideColumn,
        MethodColumn,
        UrlColumn,
        StatusColumn,
        DurationColumn,
        TagColumn,
        ColumnCount
    };
    enum Role { ExchangeIdRole = Qt::UserRole + 1 };

    explicit ExchangeTableModel(Http::ExchangeLog *log, QObject *parent = nullptr);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index,
                                int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;

    /// The exchange shown in `row`. Precondition: 0 <= row < rowCount().
    [[nodiscard]] const Http::Exchange &exchangeAt(int row) const;

private:
    void handleExchangeCaptured(const Http::Exchange &exchange);
    void handleLogCleared();

    Http::ExchangeLog *m_log;
    std::deque<Http::Exchange> m_rows;
};

} // namespace Core
