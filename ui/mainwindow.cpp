#include "mainwindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>

#include "aboutdialog.h"
#include "adminsupport.h"
#include "auditpanel.h"
#include "clientspanel.h"
#include "engine.h"
#include "flowspanel.h"
#include "frictionpanel.h"
#include "serverspanel.h"
#include "tokenspanel.h"
#include "tour.h"
#include "trafficpanel.h"

namespace Ui {

MainWindow::MainWindow(Core::Engine *engine, QWidget *parent)
    : QMainWindow(parent)
    , m_engine(engine)
    , m_splitter(new QSplitter(Qt::Horizontal, this))
    , m_navigation(new QListWidget(m_splitter))
    , m_panels(new QStackedWidget(m_splitter))
    , m_serversPanel(new ServersPanel(engine, m_panels))
    , m_trafficPanel(new TrafficPanel(engine, m_panels))
    , m_starting(makeBusyIndicator(QStringLiteral("statusStarting"), this))
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("MCP Auth Studio"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/app.svg")));

    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setAccessibleName(tr("Panels"));
    m_navigation->setIconSize(QSize(20, 20));
    m_navigation->setMinimumWidth(150);
    m_navigation->setMaximumWidth(260);
    m_panels->setObjectName(QStringLiteral("panels"));
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setStretchFactor(1, 1);

    struct Entry
    {
        QString objectName;
        QString icon;
        QString title;
        QWidget *panel;
    };
    auto *flows = new FlowsPanel(engine, m_panels);
    // Walks against the embedded servers over TLS trust their certificate, and only it.
    flows->setOptionsAdjuster([engine](Flow::Options &options) {
        options.trustedCertificates += engine->trustedCertificates();
    });
    const QList<Entry> entries = {
        {QStringLiteral("serversPanel"), QStringLiteral("servers"), tr("Servers"), m_serversPanel},
        {QStringLiteral("flowsPanel"), QStringLiteral("flows"), tr("Flows"), flows},
        {QStringLiteral("tokensPanel"), QStringLiteral("tokens"), tr("Tokens"),
         new TokensPanel(engine, m_panels)},
        {QStringLiteral("clientsPanel"), QStringLiteral("clients"), tr("Clients"),
         new ClientsPanel(engine, m_panels)},
        {QStringLiteral("frictionPanel"), QStringLiteral("friction"), tr("Friction"),
         new FrictionPanel(engine, m_panels)},
        {QStringLiteral("trafficPanel"), QStringLiteral("traffic"), tr("Traffic"), m_trafficPanel},
        {QStringLiteral("auditPanel"), QStringLiteral("audit"), tr("Audit"),
         new AuditPanel(engine, m_panels)},
    };
    for (const Entry &entry : entries) {
        entry.panel->setObjectName(entry.objectName);
        m_panels->addWidget(entry.panel);
        auto *item = new QListWidgetItem(QIcon(QStringLiteral(":/icons/%1.svg").arg(entry.icon)),
                                         entry.title, m_navigation);
        item->setToolTip(entry.title);
    }
    connect(m_navigation, &QListWidget::currentRowChanged, m_panels,
            &QStackedWidget::setCurrentIndex);

    setCentralWidget(m_splitter);
    createMenus();
    statusBar()->setObjectName(QStringLiteral("statusBar"));
    statusBar()->addPermanentWidget(m_starting);
    connect(engine, &Core::Engine::started, this, &MainWindow::handleEngineStateChanged);
    connect(engine, &Core::Engine::stopped, this, &MainWindow::handleEngineStateChanged);
    connect(engine, &Core::Engine::startingChanged, this, &MainWindow::handleEngineStateChanged);
    connect(engine, &Core::Engine::startFailed, this, &MainWindow::handleStartFailed);
    handleEngineStateChanged();
    restoreSettings();
}

void MainWindow::showPanel(Panel panel)
{
    m_navigation->setCurrentRow(panel);
}

MainWindow::Panel MainWindow::currentPanel() const
{
    return static_cast<Panel>(m_panels->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    event->accept();
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_navigation->count(); ++i) {
        QAction *action =
            view->addAction(m_navigation->item(i)->icon(), m_navigation->item(i)->text(), this,
                            [this, i] { showPanel(static_cast<Panel>(i)); });
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("Guided &Tour"), this, &MainWindow::startTour)
        ->setObjectName(QStringLiteral("tourAction"));
    QAction *about =
        help->addAction(QIcon(QStringLiteral(":/icons/about.svg")), tr("&About MCP Auth Studio"),
                        this, &MainWindow::handleAboutTriggered);
    about->setMenuRole(QAction::AboutRole);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt)
        ->setMenuRole(QAction::AboutQtRole);
}

Tour *MainWindow::startTour()
{
    if (m_tour)
        return m_tour;
    const QStringList sentences = {
        tr("Servers: start and stop the embedded authorization and MCP servers, change their "
           "settings, and copy what your own MCP client needs to connect."),
        tr("Flows: walk an OAuth flow (PKCE, device, client credentials) step by step against "
           "the embedded server or any MCP URL, with every exchange and check."),
        tr("Tokens: every issued token, live; inspect, revoke or purge them."),
        tr("Clients: register, edit and delete OAuth clients and users."),
        tr("Friction: watch each tool's friction level in real time and tune it."),
        tr("Traffic: every HTTP exchange of the servers and the flows, with details."),
        tr("Audit: the audit log, filterable and exportable as CSV."),
    };
    QList<TourStep> steps;
    for (int i = 0; i < m_navigation->count() && i < sentences.size(); ++i) {
        steps.append({sentences.at(i), [this, i] { showPanel(static_cast<Panel>(i)); },
                      [this, i] {
                          const QRect item = m_navigation->visualItemRect(m_navigation->item(i));
                          return QRect(m_navigation->viewport()->mapTo(this, item.topLeft()),
                                       item.size());
                      }});
    }
    const Panel before = currentPanel();
    m_tour = new Tour(steps, this);
    QSettings().setValue(QStringLiteral("Tour/shown"), true);
    connect(m_tour, &Tour::finished, this, [this, before](bool completed) {
        m_tour = nullptr;
        if (!completed)
            showPanel(before);
    });
    return m_tour;
}

Tour *MainWindow::showTourIfFirstRun()
{
    if (QSettings().value(QStringLiteral("Tour/shown"), false).toBool())
        return nullptr;
    return startTour();
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    if (!restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray()))
        resize(1200, 780);
    restoreState(settings.value(QStringLiteral("state")).toByteArray());
    if (!m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray()))
        m_splitter->setSizes({180, 1020});
    const int panel = settings.value(QStringLiteral("panel"), 0).toInt();
    showPanel(static_cast<Panel>(panel >= 0 && panel < PanelCount ? panel : 0));
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("MainWindow"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState());
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("panel"), static_cast<int>(currentPanel()));
}

void MainWindow::handleEngineStateChanged()
{
    m_starting->setVisible(m_engine->isStarting());
    if (m_engine->isStarting())
        statusBar()->showMessage(tr("Starting the servers…"));
    else if (m_engine->isRunning())
        statusBar()->showMessage(tr("Authorization server %1 · Resource server %2")
                                     .arg(m_engine->authorizationServerUrl().toString(),
                                          m_engine->resourceServerUrl().toString()));
    else
        statusBar()->showMessage(tr("Servers stopped"));
}

void MainWindow::handleStartFailed()
{
    // The details are in the Servers panel's banner.
    statusBar()->showMessage(tr("The servers did not start; see the Servers panel"));
}

void MainWindow::handleAboutTriggered()
{
    AboutDialog dialog(this);
    dialog.exec();
}

} // namespace Ui
