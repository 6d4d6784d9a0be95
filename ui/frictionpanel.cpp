#include "frictionpanel.h"

#include <algorithm>

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFontDatabase>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSlider>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTime>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>

#include "adminsupport.h"
#include "agentsimulator.h"
#include "engine.h"
#include "friction/registry.h"
#include "frictionadminclient.h"
#include "frictionmodel.h"
#include "traffic/mix.h"

namespace Ui {

namespace {

constexpr int kRefreshMs = 33; // charts and counts: up to 30 redraws a second
constexpr double kChartSeconds = 60;

const QString kBannerStyle =
    QStringLiteral("QLabel { background: #fde8e8; color: #8a1c1c; border: 1px solid #f5b5b5;"
                   " border-radius: 4px; padding: 6px; }");

QColor bandColour(Friction::Band band)
{
    switch (band) {
    case Friction::Band::None:
        return QColor(0xd9, 0xf2, 0xd9);
    case Friction::Band::Low:
        return QColor(0xe8, 0xf5, 0xc8);
    case Friction::Band::Medium:
        return QColor(0xff, 0xeb, 0xb3);
    case Friction::Band::High:
        return QColor(0xff, 0xc8, 0x8c);
    case Friction::Band::Blocked:
        return QColor(0xf4, 0x9a, 0x9a);
    }
    return {};
}

/// One series of a chart: a name, a colour and whether it is a threshold (dashed).
struct SeriesSpec
{
    QString name;
    QColor colour;
    bool dashed = false;
};

} // namespace

/// Sorts by the raw values and colours the band column; the band rule stays in core.
class FrictionSortProxy final : public QSortFilterProxyModel
{
public:
    explicit FrictionSortProxy(QObject *parent)
        : QSortFilterProxyModel(parent)
    {
        setSortRole(Core::FrictionModel::ValueRole);
    }

    QVariant data(const QModelIndex &index, int role) const override
    {
        if (index.column() == Core::FrictionModel::BandColumn &&
            (role == Qt::BackgroundRole || role == Qt::ForegroundRole)) {
            if (role == Qt::ForegroundRole)
                return QColor(Qt::black);
            const int band =
                QSortFilterProxyModel::data(index, Core::FrictionModel::BandRole).toInt();
            return bandColour(static_cast<Friction::Band>(band));
        }
        return QSortFilterProxyModel::data(index, role);
    }
};

/// A line chart whose series are replaced as a whole (never appended point by point).
class FrictionChart final : public QChartView
{
public:
    FrictionChart(const QString &title, const QList<SeriesSpec> &specs, QWidget *parent)
        : QChartView(parent)
        , m_x(new QValueAxis(this))
        , m_y(new QValueAxis(this))
    {
        auto *chart = new QChart;
        chart->setTitle(title);
        chart->setAnimationOptions(QChart::NoAnimation);
        chart->legend()->setAlignment(Qt::AlignBottom);
        chart->setMargins(QMargins(4, 4, 4, 4));
        m_x->setRange(-kChartSeconds, 0);
        m_x->setTitleText(QObject::tr("seconds"));
        m_x->setLabelFormat(QStringLiteral("%d"));
        m_y->setRange(0, 1);
        chart->addAxis(m_x, Qt::AlignBottom);
        chart->addAxis(m_y, Qt::AlignLeft);
        for (const SeriesSpec &spec : specs) {
            auto *series = new QLineSeries(chart);
            series->setName(spec.name);
            QPen pen(spec.colour);
            pen.setWidthF(spec.dashed ? 1.2 : 2.0);
            if (spec.dashed)
                pen.setStyle(Qt::DashLine);
            series->setPen(pen);
            series->setUseOpenGL(false);
            chart->addSeries(series);
            series->attachAxis(m_x);
            series->attachAxis(m_y);
            m_series.append(series);
        }
        setChart(chart);
        setRenderHint(QPainter::Antialiasing);
        setMinimumHeight(110);
    }

    /// `points[i]` replaces series i; the y axis grows to fit (at least `minimumTop`).
    void replace(const QList<QList<QPointF>> &points, double minimumTop)
    {
        double top = minimumTop;
        for (qsizetype i = 0; i < points.size() && i < m_series.size(); ++i) {
            for (const QPointF &point : points[i])
                top = std::max(top, point.y());
            m_series[i]->replace(points[i]);
        }
        m_y->setRange(0, top * 1.1);
    }

private:
    QValueAxis *m_x;
    QValueAxis *m_y;
    QList<QLineSeries *> m_series;
};

FrictionPanel::FrictionPanel(Core::Engine *engine, QWidget *parent)
    : QWidget(parent)
    , m_engine(engine)
    , m_model(new Core::FrictionModel(this))
    , m_proxy(new FrictionSortProxy(this))
    , m_admin(new Core::FrictionAdminClient(this))
    , m_simulator(new Core::AgentSimulator(engine, this))
    , m_refresh(new QTimer(this))
    , m_source(new QComboBox(this))
    , m_remoteUrl(new QLineEdit(this))
    , m_remoteToken(new QLineEdit(this))
    , m_connect(new QPushButton(tr("&Connect"), this))
    , m_sourceState(new QLabel(this))
    , m_principal(new QComboBox(this))
    , m_error(new QLabel(this))
    , m_table(new QTableView(this))
    , m_rateChart(new FrictionChart(tr("Rate (EMA) against the target"),
                                    {{tr("Rate (EMA)"), QColor(0x1f, 0x6f, 0xd1)},
                                     {tr("Effective target"), QColor(0x2e, 0x9e, 0x44)},
                                     {tr("Target"), QColor(0x55, 0x55, 0x55), true}},
                                    this))
    , m_levelChart(new FrictionChart(tr("Friction and its thresholds"),
                                     {{tr("Friction"), QColor(0xc0, 0x39, 0x2b)},
                                      {tr("Medium (0.3)"), QColor(0xd4, 0xa0, 0x17), true},
                                      {tr("Justification"), QColor(0xe6, 0x7e, 0x22), true},
                                      {tr("Block"), QColor(0x8e, 0x1b, 0x1b), true}},
                                     this))
    , m_chartTitle(new QLabel(this))
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_configEditor(new QPlainTextEdit(this))
    , m_configError(new QLabel(this))
    , m_configStatus(new QLabel(this))
    , m_applyConfig(new QPushButton(tr("&Apply"), this))
    , m_reloadConfig(new QPushButton(tr("&Reload"), this))
    , m_mixTable(new QTableWidget(0, 2, this))
    , m_rateSlider(new QSlider(Qt::Horizontal, this))
    , m_rateBox(new QSpinBox(this))
    , m_simulate(new QPushButton(this))
    , m_simulatorState(new QLabel(this))
    , m_simulatorCounts(new QTableWidget(0, 6, this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->setDynamicSortFilter(true);

    m_source->setObjectName(QStringLiteral("frictionSource"));
    m_source->setAccessibleName(tr("Friction source"));
    m_source->addItem(tr("Embedded engine"), static_cast<int>(Source::Embedded));
    m_source->addItem(tr("Remote server"), static_cast<int>(Source::Remote));
    m_remoteUrl->setObjectName(QStringLiteral("frictionRemoteUrl"));
    m_remoteUrl->setAccessibleName(tr("Remote resource server URL"));
    m_remoteUrl->setPlaceholderText(tr("http://127.0.0.1:9401"));
    m_remoteToken->setObjectName(QStringLiteral("frictionRemoteToken"));
    m_remoteToken->setAccessibleName(tr("Admin token of the remote server"));
    m_remoteToken->setPlaceholderText(tr("admin token (from the server's admin token file)"));
    m_remoteToken->setEchoMode(QLineEdit::Password);
    m_connect->setObjectName(QStringLiteral("frictionConnect"));
    m_connect->setAccessibleName(tr("Connect to the remote server's event stream"));
    m_sourceState->setObjectName(QStringLiteral("frictionSourceState"));
    m_sourceState->setWordWrap(true);
    m_principal->setObjectName(QStringLiteral("frictionPrincipal"));
    m_principal->setAccessibleName(tr("Principal"));
    m_principal->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_principal->addItem(tr("Most recent (automatic)"), QString());
    m_error->setObjectName(QStringLiteral("frictionError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(kBannerStyle);
    m_error->hide();

    m_table->setObjectName(QStringLiteral("frictionTable"));
    m_table->setAccessibleName(tr("Friction per tool"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_rateChart->setObjectName(QStringLiteral("frictionRateChart"));
    m_rateChart->setAccessibleName(tr("Rate chart of the selected tool"));
    m_levelChart->setObjectName(QStringLiteral("frictionLevelChart"));
    m_levelChart->setAccessibleName(tr("Friction chart of the selected tool"));
    m_chartTitle->setObjectName(QStringLiteral("frictionChartTool"));

    auto *charts = new QWidget(this);
    auto *chartsLayout = new QVBoxLayout(charts);
    chartsLayout->setContentsMargins(0, 0, 0, 0);
    chartsLayout->addWidget(m_chartTitle);
    chartsLayout->addWidget(m_rateChart, 1);
    chartsLayout->addWidget(m_levelChart, 1);
    m_splitter->setObjectName(QStringLiteral("frictionSplitter"));
    m_splitter->addWidget(m_table);
    m_splitter->addWidget(charts);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);

    // Configuration.
    m_configEditor->setObjectName(QStringLiteral("frictionConfigEditor"));
    m_configEditor->setAccessibleName(tr("Friction configuration (JSON)"));
    m_configEditor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_configEditor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_configError->setObjectName(QStringLiteral("frictionConfigError"));
    m_configError->setWordWrap(true);
    m_configError->setStyleSheet(kBannerStyle);
    m_configError->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_configError->hide();
    m_configStatus->setObjectName(QStringLiteral("frictionConfigStatus"));
    m_applyConfig->setObjectName(QStringLiteral("frictionApplyConfig"));
    m_applyConfig->setAccessibleName(tr("Apply the friction configuration"));
    m_reloadConfig->setObjectName(QStringLiteral("frictionReloadConfig"));
    m_reloadConfig->setAccessibleName(tr("Reload the friction configuration from the server"));
    auto *configPage = new QWidget(this);
    auto *configLayout = new QVBoxLayout(configPage);
    configLayout->addWidget(m_configError);
    configLayout->addWidget(m_configEditor, 1);
    auto *configButtons = new QHBoxLayout;
    configButtons->addWidget(m_configStatus, 1);
    configButtons->addWidget(m_reloadConfig);
    configButtons->addWidget(m_applyConfig);
    configLayout->addLayout(configButtons);

    // Agent simulator.
    m_mixTable->setObjectName(QStringLiteral("frictionMixTable"));
    m_mixTable->setAccessibleName(tr("Tool mix of the simulated agent"));
    m_mixTable->setHorizontalHeaderLabels({tr("Tool"), tr("Weight")});
    m_mixTable->horizontalHeader()->setStretchLastSection(true);
    m_mixTable->verticalHeader()->hide();
    const QList<std::pair<QString, QString>> defaultMix = {
        {QStringLiteral("list_tasks"), QStringLiteral("5")},
        {QStringLiteral("get_task"), QStringLiteral("3")},
        {QStringLiteral("create_task"), QStringLiteral("2")},
        {QStringLiteral("update_task"), QStringLiteral("1")},
        {QStringLiteral("delete_task"), QStringLiteral("1")}};
    for (const auto &[tool, weight] : defaultMix) {
        const int row = m_mixTable->rowCount();
        m_mixTable->insertRow(row);
        m_mixTable->setItem(row, 0, new QTableWidgetItem(tool));
        m_mixTable->setItem(row, 1, new QTableWidgetItem(weight));
    }
    auto *addRow = new QPushButton(tr("Add tool"), this);
    addRow->setObjectName(QStringLiteral("frictionMixAdd"));
    addRow->setAccessibleName(tr("Add a tool to the mix"));
    auto *removeRow = new QPushButton(tr("Remove tool"), this);
    removeRow->setObjectName(QStringLiteral("frictionMixRemove"));
    removeRow->setAccessibleName(tr("Remove the selected tool from the mix"));
    m_rateSlider->setObjectName(QStringLiteral("frictionRateSlider"));
    m_rateSlider->setAccessibleName(tr("Calls per second"));
    m_rateSlider->setRange(1, static_cast<int>(Core::AgentSimulator::maxRate));
    m_rateSlider->setValue(20);
    m_rateBox->setObjectName(QStringLiteral("frictionRate"));
    m_rateBox->setAccessibleName(tr("Calls per second"));
    m_rateBox->setRange(1, static_cast<int>(Core::AgentSimulator::maxRate));
    m_rateBox->setSuffix(tr(" calls/s"));
    m_rateBox->setValue(20);
    m_simulate->setObjectName(QStringLiteral("frictionSimulate"));
    m_simulatorState->setObjectName(QStringLiteral("frictionSimulatorState"));
    m_simulatorState->setWordWrap(true);
    m_simulatorCounts->setObjectName(QStringLiteral("frictionSimulatorCounts"));
    m_simulatorCounts->setAccessibleName(tr("Calls of the simulated agent per tool"));
    m_simulatorCounts->setHorizontalHeaderLabels({tr("Tool"), tr("Allowed"), tr("Justified"),
                                                  tr("Blocked"), tr("Unjustified"), tr("Errors")});
    m_simulatorCounts->verticalHeader()->hide();
    m_simulatorCounts->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_simulatorCounts->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    auto *simulatePage = new QWidget(this);
    auto *simulateLayout = new QHBoxLayout(simulatePage);
    auto *mixBox = new QGroupBox(tr("Tool mix"), simulatePage);
    auto *mixLayout = new QVBoxLayout(mixBox);
    mixLayout->addWidget(m_mixTable, 1);
    auto *mixButtons = new QHBoxLayout;
    mixButtons->addWidget(addRow);
    mixButtons->addWidget(removeRow);
    mixLayout->addLayout(mixButtons);
    auto *runBox = new QGroupBox(tr("Run"), simulatePage);
    auto *runLayout = new QVBoxLayout(runBox);
    auto *rateRow = new QHBoxLayout;
    rateRow->addWidget(new QLabel(tr("Rate:"), runBox));
    rateRow->addWidget(m_rateSlider, 1);
    rateRow->addWidget(m_rateBox);
    runLayout->addLayout(rateRow);
    auto *runButtons = new QHBoxLayout;
    runButtons->addWidget(m_simulatorState, 1);
    runButtons->addWidget(m_simulate);
    runLayout->addLayout(runButtons);
    runLayout->addWidget(m_simulatorCounts, 1);
    simulateLayout->addWidget(mixBox, 1);
    simulateLayout->addWidget(runBox, 2);

    auto *tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("frictionTabs"));
    tabs->addTab(configPage, tr("Configuration"));
    tabs->addTab(simulatePage, tr("Simulate an agent"));

    auto *sourceRow = new QHBoxLayout;
    sourceRow->addWidget(new QLabel(tr("Source:"), this));
    sourceRow->addWidget(m_source);
    sourceRow->addWidget(m_remoteUrl, 2);
    sourceRow->addWidget(m_remoteToken, 2);
    sourceRow->addWidget(m_connect);
    sourceRow->addSpacing(12);
    sourceRow->addWidget(new QLabel(tr("Principal:"), this));
    sourceRow->addWidget(m_principal, 1);

    // Small minimums so the main window can still be made small; the splitter shares the rest.
    for (QAbstractScrollArea *area : {static_cast<QAbstractScrollArea *>(m_mixTable),
                                      static_cast<QAbstractScrollArea *>(m_simulatorCounts),
                                      static_cast<QAbstractScrollArea *>(m_configEditor),
                                      static_cast<QAbstractScrollArea *>(m_table)})
        area->setMinimumHeight(60);
    auto *vertical = new QSplitter(Qt::Vertical, this);
    vertical->setObjectName(QStringLiteral("frictionVerticalSplitter"));
    vertical->addWidget(m_splitter);
    vertical->addWidget(tabs);
    vertical->setStretchFactor(0, 3);
    vertical->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(QStringLiteral("<h2>%1</h2>").arg(tr("Friction")), this));
    layout->addLayout(sourceRow);
    layout->addWidget(m_sourceState);
    layout->addWidget(m_error);
    layout->addWidget(vertical, 1);

    connect(m_source, &QComboBox::currentIndexChanged, this, &FrictionPanel::handleSourceChanged);
    connect(m_connect, &QPushButton::clicked, this, &FrictionPanel::handleConnectClicked);
    connect(m_remoteUrl, &QLineEdit::returnPressed, this, &FrictionPanel::handleConnectClicked);
    connect(m_remoteToken, &QLineEdit::returnPressed, this, &FrictionPanel::handleConnectClicked);
    connect(m_principal, &QComboBox::activated, this, &FrictionPanel::handlePrincipalPicked);
    connect(m_model, &Core::FrictionModel::principalsChanged, this,
            &FrictionPanel::handlePrincipalsChanged);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &FrictionPanel::handleCurrentRowChanged);
    connect(m_applyConfig, &QPushButton::clicked, this, &FrictionPanel::handleApplyClicked);
    connect(m_reloadConfig, &QPushButton::clicked, this, &FrictionPanel::handleReloadClicked);
    connect(m_admin, &Core::FrictionAdminClient::configFetched, this,
            &FrictionPanel::handleConfigFetched);
    connect(m_admin, &Core::FrictionAdminClient::configApplied, this,
            &FrictionPanel::handleConfigApplied);
    connect(m_admin, &Core::FrictionAdminClient::requestFailed, this,
            &FrictionPanel::handleRequestFailed);
    connect(m_admin, &Core::FrictionAdminClient::streamOpened, this,
            &FrictionPanel::handleStreamOpened);
    connect(m_admin, &Core::FrictionAdminClient::streamEnded, this,
            &FrictionPanel::handleStreamEnded);
    connect(m_admin, &Core::FrictionAdminClient::eventsReceived, m_model,
            qOverload<const QList<Friction::Event> &>(&Core::FrictionModel::enqueue));
    connect(addRow, &QPushButton::clicked, this, &FrictionPanel::handleAddMixRow);
    connect(removeRow, &QPushButton::clicked, this, &FrictionPanel::handleRemoveMixRow);
    connect(m_rateSlider, &QSlider::valueChanged, m_rateBox, &QSpinBox::setValue);
    connect(m_rateBox, &QSpinBox::valueChanged, m_rateSlider, &QSlider::setValue);
    // A slider drag changes the rate many times; the driver restarts once it settles.
    auto *rateSettled = new QTimer(this);
    rateSettled->setSingleShot(true);
    rateSettled->setInterval(300);
    connect(m_rateBox, &QSpinBox::valueChanged, rateSettled, qOverload<>(&QTimer::start));
    connect(rateSettled, &QTimer::timeout, this, [this] { handleRateChanged(m_rateBox->value()); });
    connect(m_simulate, &QPushButton::clicked, this, &FrictionPanel::handleSimulateClicked);
    connect(m_simulator, &Core::AgentSimulator::finished, this,
            &FrictionPanel::handleSimulatorFinished);
    connect(engine, &Core::Engine::started, this, &FrictionPanel::handleEngineStarted);
    connect(engine, &Core::Engine::stopped, this, &FrictionPanel::handleEngineStopped);
    m_refresh->setInterval(kRefreshMs);
    connect(m_refresh, &QTimer::timeout, this, &FrictionPanel::handleRefreshTick);
    m_refresh->start();

    handleSourceChanged();
    restoreLayout(this, QStringLiteral("FrictionPanel"));
}

FrictionPanel::~FrictionPanel()
{
    saveLayout(this, QStringLiteral("FrictionPanel"));
    m_simulator->stop();
    m_model->detach();
}

FrictionPanel::Source FrictionPanel::source() const
{
    return static_cast<Source>(m_source->currentData().toInt());
}

void FrictionPanel::handleSourceChanged()
{
    const bool remote = source() == Source::Remote;
    m_remoteUrl->setVisible(remote);
    m_remoteToken->setVisible(remote);
    m_connect->setVisible(remote);
    m_error->hide();
    m_configError->hide();
    m_admin->closeEventStream();
    m_model->detach();
    m_model->clear();
    m_simulator->stop();
    if (remote) {
        m_model->setConfig(Friction::ControllerConfig{});
        m_configEditor->clear();
        setSourceState(tr("Not connected: enter the server's URL and admin token, then Connect."));
    } else {
        attachEmbedded();
    }
    updateSimulatorControls();
}

void FrictionPanel::attachEmbedded()
{
    if (!m_engine->isRunning()) {
        setSourceState(tr("The embedded servers are stopped; start them in the Servers panel."));
        m_model->setConfig(Friction::ControllerConfig{});
        return;
    }
    m_model->attach(m_engine->frictionRegistry());
    showConfig(m_engine->frictionRegistry()->config());
    // Changes go through the engine's own admin API, so they are audited like the CLI's.
    auto token = Core::readAdminTokenFile(m_engine->adminTokenFile());
    if (!token) {
        showError(tr("The configuration cannot be applied: %1").arg(token.error().message));
    } else if (auto target = m_admin->setTarget(m_engine->resourceServerUrl(), *token,
                                                m_engine->trustedCertificates());
               !target) {
        showError(target.error().message);
    }
    setSourceState(tr("Following the embedded resource server at %1.")
                       .arg(m_engine->resourceServerUrl().toString()));
}

void FrictionPanel::handleConnectClicked()
{
    if (source() != Source::Remote)
        return;
    m_error->hide();
    const QUrl url = QUrl::fromUserInput(m_remoteUrl->text().trimmed());
    if (auto target = m_admin->setTarget(url, m_remoteToken->text().trimmed().toLatin1());
        !target) {
        showError(target.error().message);
        return;
    }
    m_model->clear();
    setSourceState(tr("Connecting to %1…").arg(url.toString()));
    m_admin->fetchConfig();
    m_admin->openEventStream();
}

void FrictionPanel::handleEngineStarted()
{
    if (source() == Source::Embedded) {
        m_model->clear();
        attachEmbedded();
    }
    updateSimulatorControls();
}

void FrictionPanel::handleEngineStopped()
{
    m_simulator->stop();
    if (source() == Source::Embedded) {
        m_model->detach();
        setSourceState(tr("The embedded servers are stopped; start them in the Servers panel."));
    }
    updateSimulatorControls();
}

void FrictionPanel::showConfig(const Friction::ControllerConfig &config)
{
    m_model->setConfig(config);
    m_configEditor->setPlainText(
        QString::fromUtf8(QJsonDocument(config.toJson()).toJson(QJsonDocument::Indented)));
    m_configError->hide();
}

void FrictionPanel::handleApplyClicked()
{
    m_configError->hide();
    QJsonParseError parseError;
    const QJsonDocument document =
        QJsonDocument::fromJson(m_configEditor->toPlainText().toUtf8(), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        showConfigError(tr("The configuration is not valid JSON: %1 at offset %2.")
                            .arg(parseError.errorString())
                            .arg(parseError.offset));
        return;
    }
    if (!document.isObject()) {
        showConfigError(tr("The configuration must be the \"friction\" JSON object."));
        return;
    }
    // Checked here first so the field is named at once; the server checks it again.
    auto config = Friction::ControllerConfig::fromJson(document.object());
    if (!config) {
        showConfigError(config.error().message);
        return;
    }
    m_applyConfig->setEnabled(false);
    m_configStatus->setText(tr("Applying…"));
    m_admin->applyConfig(*config);
}

void FrictionPanel::handleReloadClicked()
{
    if (source() == Source::Embedded && m_engine->isRunning()) {
        showConfig(m_engine->frictionRegistry()->config());
        m_configStatus->setText(tr("Reloaded."));
        return;
    }
    m_admin->fetchConfig();
}

void FrictionPanel::handleConfigFetched(const Friction::ControllerConfig &config)
{
    showConfig(config);
    m_configStatus->setText(tr("Configuration loaded from %1.").arg(m_admin->baseUrl().toString()));
}

void FrictionPanel::handleConfigApplied(const Friction::ControllerConfig &config)
{
    m_applyConfig->setEnabled(true);
    showConfig(config);
    m_configStatus->setText(tr("Applied at %1.").arg(QTime::currentTime().toString()));
}

void FrictionPanel::handleRequestFailed(const QString &operation, const Core::Error &error)
{
    if (operation == QLatin1String("apply_config")) {
        m_applyConfig->setEnabled(true);
        m_configStatus->clear();
        showConfigError(tr("The configuration was not applied: %1").arg(error.message));
    } else {
        showError(tr("The configuration could not be read: %1").arg(error.message));
    }
}

void FrictionPanel::handleStreamOpened()
{
    setSourceState(tr("Following the event stream of %1.").arg(m_admin->baseUrl().toString()));
}

void FrictionPanel::handleStreamEnded(const Core::Error &error)
{
    setSourceState(tr("Not connected."));
    showError(tr("The event stream ended: %1").arg(error.message));
}

void FrictionPanel::handlePrincipalsChanged()
{
    const QString picked = m_principal->currentData().toString();
    const QStringList principals = m_model->principals();
    m_principal->clear();
    m_principal->addItem(tr("Most recent (automatic)"), QString());
    for (const QString &principal : principals)
        m_principal->addItem(principal, principal);
    const int index = picked.isEmpty() ? 0 : m_principal->findData(picked);
    m_principal->setCurrentIndex(std::max(0, index));
}

void FrictionPanel::handlePrincipalPicked()
{
    m_model->setPrincipal(m_principal->currentData().toString());
}

void FrictionPanel::handleCurrentRowChanged()
{
    const QModelIndex index = m_proxy->mapToSource(m_table->currentIndex());
    if (index.isValid())
        m_chartTool = m_model->stateAt(index.row()).tool;
    redrawCharts();
}

void FrictionPanel::handleRefreshTick()
{
    if (!isVisible())
        return;
    redrawCharts();
    refreshSimulatorCounts();
}

void FrictionPanel::redrawCharts()
{
    QString tool = m_chartTool;
    if (m_model->rowOf(tool) < 0)
        tool = m_model->rowCount() > 0 ? m_model->stateAt(0).tool : QString();
    if (m_model->batchCount() == m_drawnBatch && tool == m_drawnTool &&
        m_model->currentPrincipal() == m_drawnPrincipal)
        return;
    m_drawnBatch = m_model->batchCount();
    m_drawnTool = tool;
    m_drawnPrincipal = m_model->currentPrincipal();
    m_chartTitle->setText(
        tool.isEmpty() ? tr("No tool to chart yet.")
                       : tr("<b>%1</b> of %2")
                             .arg(tool.toHtmlEscaped(), m_drawnPrincipal.isEmpty()
                                                            ? tr("no principal yet")
                                                            : m_drawnPrincipal.toHtmlEscaped()));
    const std::vector<Core::FrictionSample> samples = m_model->history(tool);
    const double now = samples.empty() ? 0 : samples.back().time;
    QList<QPointF> ema, effective, target, friction;
    ema.reserve(static_cast<qsizetype>(samples.size()));
    effective.reserve(ema.capacity());
    target.reserve(ema.capacity());
    friction.reserve(ema.capacity());
    for (const Core::FrictionSample &sample : samples) {
        const double x = sample.time - now;
        if (x < -kChartSeconds)
            continue;
        ema.append({x, sample.ema});
        effective.append({x, sample.effectiveTarget});
        target.append({x, sample.target});
        friction.append({x, sample.friction});
    }
    m_rateChart->replace({ema, effective, target}, 0.1);
    const Friction::ToolConfig *settings = m_model->toolConfig(tool);
    const auto line = [](double y) { return QList<QPointF>{{-kChartSeconds, y}, {0, y}}; };
    m_levelChart->replace({friction, line(0.3),
                           settings ? line(settings->justificationThreshold) : QList<QPointF>{},
                           settings ? line(settings->hardBlockThreshold) : QList<QPointF>{}},
                          1.0 / 1.1);
}

Core::Result<QString> FrictionPanel::mixText() const
{
    QStringList entries;
    for (int row = 0; row < m_mixTable->rowCount(); ++row) {
        const QTableWidgetItem *tool = m_mixTable->item(row, 0);
        const QTableWidgetItem *weight = m_mixTable->item(row, 1);
        const QString name = tool ? tool->text().trimmed() : QString();
        const QString value = weight ? weight->text().trimmed() : QString();
        if (name.isEmpty() && value.isEmpty())
            continue;
        entries.append(name + QLatin1Char('=') + value);
    }
    return entries.join(QLatin1Char(','));
}

void FrictionPanel::handleSimulateClicked()
{
    m_error->hide();
    if (m_simulator->isRunning()) {
        m_simulator->stop();
        return;
    }
    auto mix = Traffic::parseMix(mixText().value());
    if (!mix) {
        showError(tr("Tool mix: %1").arg(mix.error().message));
        return;
    }
    if (auto started = m_simulator->start(*mix, m_rateBox->value()); !started) {
        showError(tr("The simulated agent could not start: %1").arg(started.error().message));
        return;
    }
    m_simulatorState->setText(
        tr("Calling as %1 at %2 calls/s.").arg(m_simulator->subject()).arg(m_rateBox->value()));
    updateSimulatorControls();
}

void FrictionPanel::handleSimulatorFinished(const std::optional<Core::Error> &error)
{
    if (error)
        showError(tr("The simulated agent stopped: %1").arg(error->message));
    m_simulatorState->setText(error ? tr("Stopped by an error.") : tr("Stopped."));
    refreshSimulatorCounts();
    updateSimulatorControls();
}

void FrictionPanel::handleRateChanged(int rate)
{
    if (!m_simulator->isRunning())
        return;
    if (auto changed = m_simulator->setRate(rate); !changed)
        showError(changed.error().message);
    else
        m_simulatorState->setText(
            tr("Calling as %1 at %2 calls/s.").arg(m_simulator->subject()).arg(rate));
}

void FrictionPanel::handleAddMixRow()
{
    const int row = m_mixTable->rowCount();
    m_mixTable->insertRow(row);
    m_mixTable->setItem(row, 0, new QTableWidgetItem(QStringLiteral("echo")));
    m_mixTable->setItem(row, 1, new QTableWidgetItem(QStringLiteral("1")));
    m_mixTable->setCurrentCell(row, 0);
    m_mixTable->editItem(m_mixTable->item(row, 0));
}

void FrictionPanel::handleRemoveMixRow()
{
    const int row = m_mixTable->currentRow();
    if (row >= 0)
        m_mixTable->removeRow(row);
}

void FrictionPanel::refreshSimulatorCounts()
{
    const QList<Traffic::ToolStats> counts = m_simulator->counts();
    if (counts.isEmpty() && m_simulatorCounts->rowCount() == 0)
        return;
    QList<Traffic::ToolStats> rows = counts;
    Traffic::ToolStats totals = m_simulator->totals();
    totals.tool = tr("Total");
    rows.append(totals);
    m_simulatorCounts->setRowCount(static_cast<int>(rows.size()));
    for (int row = 0; row < rows.size(); ++row) {
        const Traffic::ToolStats &s = rows[row];
        const QStringList cells = {s.tool,
                                   QString::number(s.allowed),
                                   QString::number(s.justified),
                                   QString::number(s.blocked),
                                   QString::number(s.justificationMissing),
                                   QString::number(s.errors)};
        for (int column = 0; column < cells.size(); ++column) {
            QTableWidgetItem *item = m_simulatorCounts->item(row, column);
            if (!item) {
                item = new QTableWidgetItem;
                if (column > 0)
                    item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
                m_simulatorCounts->setItem(row, column, item);
            }
            if (item->text() != cells[column])
                item->setText(cells[column]);
        }
    }
}

void FrictionPanel::updateSimulatorControls()
{
    const bool embedded = source() == Source::Embedded;
    const bool running = m_simulator->isRunning();
    m_simulate->setText(running ? tr("S&top agent") : tr("S&tart agent"));
    m_simulate->setAccessibleName(running ? tr("Stop the simulated agent")
                                          : tr("Start the simulated agent"));
    m_simulate->setEnabled(embedded && m_engine->isRunning());
    m_simulate->setToolTip(embedded ? QString()
                                    : tr("The simulated agent calls the embedded MCP server "
                                         "only; switch the source to the embedded engine."));
    m_mixTable->setEnabled(!running);
}

void FrictionPanel::showError(const QString &message)
{
    m_error->setText(message);
    m_error->show();
}

void FrictionPanel::showConfigError(const QString &message)
{
    m_configError->setText(message);
    m_configError->show();
}

void FrictionPanel::setSourceState(const QString &text)
{
    m_sourceState->setText(text);
}

} // namespace Ui
