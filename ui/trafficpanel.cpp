#include "trafficpanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "adminsupport.h"
#include "engine.h"
#include "exchangedetailview.h"
#include "exchangemodel.h"

namespace Ui {

/// Delegates the rule to Core::ExchangeFilter.
class ExchangeFilterProxy final : public QSortFilterProxyModel
{
public:
    explicit ExchangeFilterProxy(Core::ExchangeTableModel *source, QObject *parent)
        : QSortFilterProxyModel(parent)
        , m_source(source)
    {
        setSourceModel(source);
    }

    void setFilter(const Core::ExchangeFilter &filter)
    {
        m_filter = filter;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &) const override
    {
        return m_filter.accepts(m_source->exchangeAt(sourceRow));
    }

private:
    Core::ExchangeTableModel *m_source;
    Core::ExchangeFilter m_filter;
};

TrafficPanel::TrafficPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_model(new Core::ExchangeTableModel(engine->exchangeLog(), this))
    , m_proxy(new ExchangeFilterProxy(m_model, this))
    , m_search(new QLineEdit(this))
    , m_status(new QComboBox(this))
    , m_table(new QTableView(this))
    , m_detail(new ExchangeDetailView(this))
    , m_splitter(new QSplitter(Qt::Vertical, this))
{
    m_search->setObjectName(QStringLiteral("trafficSearch"));
    m_search->setPlaceholderText(tr("Filter by method, URL or tag"));
    m_search->setClearButtonEnabled(true);
    m_search->setAccessibleName(tr("Traffic filter"));
    m_status->setObjectName(QStringLiteral("trafficStatus"));
    m_status->setAccessibleName(tr("Status filter"));
    using SC = Core::ExchangeFilter::StatusClass;
    m_status->addItem(tr("All statuses"), QVariant::fromValue(static_cast<int>(SC::Any)));
    m_status->addItem(tr("2xx–3xx"), QVariant::fromValue(static_cast<int>(SC::Success)));
    m_status->addItem(tr("4xx"), QVariant::fromValue(static_cast<int>(SC::ClientError)));
    m_status->addItem(tr("5xx"), QVariant::fromValue(static_cast<int>(SC::ServerError)));
    m_status->addItem(tr("No response"), QVariant::fromValue(static_cast<int>(SC::Failed)));

    m_table->setModel(m_proxy);
    setUpRecordTable(m_table, QStringLiteral("trafficTable"), tr("HTTP exchanges"),
                     QAbstractItemView::SingleSelection, Core::ExchangeTableModel::UrlColumn);
    m_detail->setObjectName(QStringLiteral("trafficDetail"));

    m_splitter->setObjectName(QStringLiteral("trafficSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(m_detail);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    auto *filters = new QHBoxLayout;
    filters->addWidget(m_search, 1);
    filters->addWidget(m_status);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Traffic")), this));
    layout->addLayout(filters);
    layout->addWidget(m_splitter, 1);

    connect(m_search, &QLineEdit::textChanged, this, &TrafficPanel::handleFilterChanged);
    connect(m_status, &QComboBox::currentIndexChanged, this, &TrafficPanel::handleFilterChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &TrafficPanel::handleCurrentRowChanged);
    restoreLayout(this, QStringLiteral("TrafficPanel"));
}

TrafficPanel::~TrafficPanel()
{
    saveLayout(this, QStringLiteral("TrafficPanel"));
}

void TrafficPanel::handleFilterChanged()
{
    Core::ExchangeFilter filter;
    filter.text = m_search->text().trimmed();
    filter.status = static_cast<Core::ExchangeFilter::StatusClass>(m_status->currentData().toInt());
    m_proxy->setFilter(filter);
}

void TrafficPanel::handleCurrentRowChanged()
{
    const QModelIndex index = m_proxy->mapToSource(m_table->currentIndex());
    if (!index.isValid()) {
        m_detail->clear();
        return;
    }
    m_detail->showExchange(m_model->exchangeAt(index.row()));
}

} // namespace Ui
