#pragma once

#include <QAbstractTableModel>
#include <QList>
#include <QPointer>

#include "common/result.h"
#include "store/auditrepository.h"

namespace Admin {
class Service;
}

namespace Core {

class AdminWorker;
class AuditFollower;

/// Which audit events a view shows: the store's filter (type, client, subject, time range)
/// and a free text. The rule lives here so it is tested without a GUI.
struct AuditQuery
{
    Store::AuditFilter filter; ///< afterId and limit are ignored
    /// Case-insensitive; matches the type, actor, client, subject, address or detail JSON.
    QString text;

    /// Whether `event` matches the filter and the text.
    [[nodiscard]] bool accepts(const Store::AuditEvent &event) const;
};

/// The compact JSON text of an event's detail.
[[nodiscard]] QString auditDetailText(const Store::AuditEvent &event);

/// One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF (quotes
/// doubled); a leading = + - @ or tab is prefixed with ' so spreadsheets do not run it as a
/// formula (the audit log holds client-chosen names).
[[nodiscard]] QString csvField(const QString &value);
/// The header line and one line per event, CRLF-terminated, UTF-8:
/// id,time,type,actor,client_id,subject,remote_address,detail (time in UTC ISO 8601).
[[nodiscard]] QByteArray auditCsvHeader();
[[nodiscard]] QByteArray auditCsvLine(const Store::AuditEvent &event);

/// Writes every event matching `query` (oldest first) to `path` as CSV, atomically
/// (QSaveFile: the file appears only when complete). Returns how many events it wrote.
/// Runs on the caller's thread; the GUI runs it on an AdminWorker.
[[nodiscard]] Core::Result<qint64> exportAuditCsv(Admin::Service &service, const AuditQuery &query,
                                                  const QString &path);

/// The audit log, newest first: the newest page on setQuery(), older pages on fetchMore(),
/// and new events at the top as they are written (an AuditFollower polls the store, so
/// events of other processes on a shared store appear too). Store calls run on an
/// AdminWorker, which the model does not own.
class AuditTableModel final : public QAbstractTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(AuditTableModel)

public:
    enum Column {
        TimeColumn,
        TypeColumn,
        ActorColumn,
        ClientColumn,
        SubjectColumn,
        AddressColumn,
        DetailColumn,
        ColumnCount
    };
    enum Role { EventIdRole = Qt::UserRole + 1 };

    explicit AuditTableModel(QObject *parent = nullptr);

    /// The worker that reads the store; null empties the model and stops following.
    void setWorker(AdminWorker *worker);
    /// Shows the events matching `query`: empties the model and loads the newest page.
    void setQuery(const AuditQuery &query);
    [[nodiscard]] const AuditQuery &query() const { return m_query; }
    /// Events per page (default 500, at most 10000).
    void setPageSize(int events);
    /// Milliseconds between two polls for new events (default 1000).
    void setPollInterval(int milliseconds);

    [[nodiscard]] int rowCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] int columnCount(const QModelIndex &parent = {}) const override;
    [[nodiscard]] QVariant data(const QModelIndex &index,
                                int role = Qt::DisplayRole) const override;
    [[nodiscard]] QVariant headerData(int section, Qt::Orientation orientation,
                                      int role = Qt::DisplayRole) const override;
    /// Older events may exist and no request is in flight.
    [[nodiscard]] bool canFetchMore(const QModelIndex &parent = {}) const override;
    void fetchMore(const QModelIndex &parent = {}) override;

    /// Precondition: 0 <= row < rowCount().
    [[nodiscard]] const Store::AuditEvent &eventAt(int row) const;
    [[nodiscard]] bool isLoading() const { return m_inFlight; }
    [[nodiscard]] AuditFollower *follower() const { return m_follower; }

signals:
    void loadingChanged(bool loading);
    /// A page or new events were applied.
    void eventsLoaded();
    void errorOccurred(const QString &message);

private:
    struct FirstPage
    {
        QList<Store::AuditEvent> events;
        qint64 newestId = 0;
    };
    void loadFirstPage();
    void handleNewEvents(const QList<Store::AuditEvent> &events);
    void setInFlight(bool inFlight);
    /// Remembers where the next older page starts; `page` is oldest first.
    void noteOldest(const QList<Store::AuditEvent> &page);
    /// Whether an answer to request `generation` is current and a success; reports errors.
    template <typename T>
    bool settle(quint64 generation, const Core::Result<T> &answer)
    {
        if (generation != m_generation)
            return false;
        setInFlight(false);
        if (!answer)
            emit errorOccurred(answer.error().message);
        return answer.ok();
    }

    QPointer<AdminWorker> m_worker;
    AuditFollower *m_follower;
    AuditQuery m_query;
    QList<Store::AuditEvent> m_rows; ///< newest first
    int m_pageSize = 500;
    bool m_hasOlder = false;
    bool m_inFlight = false;
    quint64 m_generation = 0;
    /// Paging back by time: the oldest event seen so far (shown or filtered out).
    qint64 m_oldestId = 0;
    qint64 m_oldestAt = 0;
    int m_oldestSeen = 0; ///< events seen that occurred at m_oldestAt
};

} // namespace Core
