#include "screenshotsession.h"

#include <QAbstractItemModel>
#include <QComboBox>
#include <QHostAddress>
#include <QImage>
#include <QItemSelectionModel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPixmap>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTcpServer>
#include <QTest>
#include <QTreeWidget>
#include <QUrlQuery>

#include "admin/service.h"
#include "auditmodel.h"
#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "clientspanel.h"
#include "engine.h"
#include "exchangemodel.h"
#include "flow/types.h"
#include "flowspanel.h"
#include "frictionmodel.h"
#include "frictionpanel.h"
#include "mainwindow.h"
#include "serverspanel.h"
#include "tokenmodel.h"
#include "tour.h"

namespace Screenshots {

namespace {

/// Two free loopback ports, taken from the kernel and released at once.
QPair<int, int> freePorts()
{
    QTcpServer first;
    QTcpServer second;
    if (!first.listen(QHostAddress::LocalHost) || !second.listen(QHostAddress::LocalHost))
        return {0, 0};
    return {first.serverPort(), second.serverPort()};
}

/// The first row of `model` whose `column` text satisfies `match`, or -1.
int findRow(const QAbstractItemModel *model, int column,
            const std::function<bool(const QString &)> &match)
{
    for (int row = 0; row < model->rowCount(); ++row)
        if (match(model->index(row, column).data().toString()))
            return row;
    return -1;
}

void selectRow(QAbstractItemView *view, int row)
{
    if (row < 0 || !view->model() || row >= view->model()->rowCount())
        return;
    view->selectionModel()->setCurrentIndex(view->model()->index(row, 0),
                                            QItemSelectionModel::ClearAndSelect |
                                                QItemSelectionModel::Rows);
    view->scrollTo(view->model()->index(row, 0));
}

/// `count` client_credentials tokens for a new confidential client, over the real token
/// endpoint.
Core::Status issueClientCredentials(Core::Engine &engine, Admin::Service &admin,
                                    const QString &clientId, const QString &name, int count)
{
    Admin::NewClient client;
    client.clientId = clientId;
    client.name = name;
    client.authMethod = QStringLiteral("client_secret_post");
    client.grantTypes = {QStringLiteral("client_credentials")};
    client.scope = QStringLiteral("tasks:read tasks:write");
    auto added = admin.addClient(client);
    if (!added)
        return added.error();

    QNetworkAccessManager network;
    const QUrl tokenUrl(engine.authorizationServerUrl().toString() + QStringLiteral("/token"));
    for (int i = 0; i < count; ++i) {
        QUrlQuery form;
        form.addQueryItem(QStringLiteral("grant_type"), QStringLiteral("client_credentials"));
        form.addQueryItem(QStringLiteral("client_id"), clientId);
        form.addQueryItem(QStringLiteral("client_secret"), added->secret);
        form.addQueryItem(QStringLiteral("scope"), QStringLiteral("tasks:read"));
        form.addQueryItem(QStringLiteral("resource"), engine.mcpResourceUri());
        QNetworkRequest request(tokenUrl);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/x-www-form-urlencoded"));
        QNetworkReply *reply = network.post(request, form.toString(QUrl::FullyEncoded).toLatin1());
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!reply->isFinished() && !finished.wait(10000)) {
            reply->deleteLater();
            return Core::makeError(QStringLiteral("timeout"),
                                   QStringLiteral("The token endpoint %1 did not answer in 10 s")
                                       .arg(tokenUrl.toString()));
        }
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        reply->deleteLater();
        if (status != 200)
            return Core::makeError(
                QStringLiteral("server_error"),
                QStringLiteral("The token endpoint answered %1 to %2").arg(status).arg(clientId));
    }
    return {};
}

} // namespace

QList<Shot> allShots()
{
    return {
        {Ui::MainWindow::ServersPanelIndex, QStringLiteral("servers.png")},
        {Ui::MainWindow::FlowsPanelIndex, QStringLiteral("flows.png")},
        {Ui::MainWindow::TokensPanelIndex, QStringLiteral("tokens.png")},
        {Ui::MainWindow::ClientsPanelIndex, QStringLiteral("clients.png")},
        {Ui::MainWindow::FrictionPanelIndex, QStringLiteral("friction.png")},
        {Ui::MainWindow::TrafficPanelIndex, QStringLiteral("traffic.png")},
        {Ui::MainWindow::AuditPanelIndex, QStringLiteral("audit.png")},
    };
}

Session::Session(const QString &workDir, const QString &outputDir, QSize size)
    : m_work(workDir)
    , m_output(outputDir)
    , m_size(size)
    , m_engine(std::make_unique<Core::Engine>())
{}

Session::~Session()
{
    m_window.reset();
    m_engine->stop();
}

template <typename T>
T *Session::child(const char *objectName) const
{
    return m_window->findChild<T *>(QString::fromLatin1(objectName));
}

Core::Status Session::waitFor(const std::function<bool()> &condition, const QString &what,
                              int timeoutMs)
{
    if (QTest::qWaitFor(condition, timeoutMs))
        return {};
    return Core::makeError(
        QStringLiteral("timeout"),
        QStringLiteral("Waited %1 s for %2; it did not happen").arg(timeoutMs / 1000).arg(what));
}

Core::Status Session::run()
{
    if (!m_output.mkpath(QStringLiteral(".")))
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("Cannot create %1").arg(m_output.path()));
    // The tour is for people: it was "already shown", so it never covers a picture.
    QSettings().setValue(QStringLiteral("Tour/shown"), true);
    for (const auto &step :
         {&Session::startServers, &Session::walkPkce, &Session::issueMachineTokens,
          &Session::addClientAndUser, &Session::driveFriction}) {
        if (Core::Status status = (this->*step)(); !status)
            return status;
    }
    for (const Shot &shot : allShots()) {
        if (Core::Status status = prepare(shot.panel); !status)
            return status;
        if (Core::Status status = grab(shot); !status)
            return status;
    }
    return stopAgent();
}

Core::Status Session::startServers()
{
    const auto [asPort, rsPort] = freePorts();
    if (asPort == 0)
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("No free loopback port to listen on"));
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_work.filePath(QStringLiteral("store.db"));
    config.asPort = asPort;
    config.rsPort = rsPort;
    config.workerThreads = 2;
    config.adminTokenFile = m_work.filePath(QStringLiteral("admin-token"));
    config.authorizationServer.defaultTokenFormat = Auth::AccessTokenFormat::Jwt;
    // What the Servers panel starts with: the same path as a user's last config.
    QSettings().setValue(QStringLiteral("Servers/config"),
                         QJsonDocument(config.toJson()).toJson(QJsonDocument::Compact));

    m_window = std::make_unique<Ui::MainWindow>(m_engine.get());
    m_window->resize(m_size);
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get()))
        return Core::makeError(QStringLiteral("unavailable"),
                               QStringLiteral("The main window was never exposed (no display?)"));
    // Every widget this session drives, by object name: a renamed one is an error here,
    // not a crash later.
    QStringList missing;
    for (const char *name : {"flowsPanel",
                             "flowTarget",
                             "flowGrant",
                             "flowBrowser",
                             "flowRun",
                             "flowSteps",
                             "flowTabs",
                             "flowSplitter",
                             "tokensTable",
                             "tokenFamilyTree",
                             "clientsPanel",
                             "clientsTable",
                             "frictionPanel",
                             "frictionMixTable",
                             "frictionRate",
                             "frictionSimulate",
                             "frictionTable",
                             "frictionSplitter",
                             "frictionVerticalSplitter",
                             "frictionTabs",
                             "trafficTable",
                             "auditTable",
                             "auditSearch",
                             "auditDetail",
                             "serverState"}) {
        if (!child<QWidget>(name) && !child<QObject>(name))
            missing.append(QString::fromLatin1(name));
    }
    if (!missing.isEmpty())
        return Core::makeError(QStringLiteral("not_found"),
                               QStringLiteral("The main window has no widget named %1")
                                   .arg(missing.join(QStringLiteral(", "))));
    m_window->serversPanel()->startServers();
    // The store opens off the UI thread; the start ends running or with the banner shown.
    static_cast<void>(
        waitFor([this] { return !m_engine->isStarting(); }, QStringLiteral("the servers' start")));
    if (!m_engine->isRunning())
        return Core::makeError(
            QStringLiteral("unavailable"),
            QStringLiteral("The servers did not start from the Servers panel (ports %1, %2): %3")
                .arg(asPort)
                .arg(rsPort)
                .arg(child<QLabel>("serverState") ? child<QLabel>("serverState")->text()
                                                  : QString()));
    return {};
}

Core::Status Session::walkPkce()
{
    m_window->showPanel(Ui::MainWindow::FlowsPanelIndex);
    auto *panel = child<Ui::FlowsPanel>("flowsPanel");
    auto *run = child<QPushButton>("flowRun");
    if (!panel || !run)
        return Core::makeError(QStringLiteral("not_found"),
                               QStringLiteral("The Flows panel or its Run button is missing"));
    child<QComboBox>("flowTarget")->setCurrentIndex(0);  // the embedded MCP server
    child<QComboBox>("flowGrant")->setCurrentIndex(0);   // authorization code with PKCE
    child<QComboBox>("flowBrowser")->setCurrentIndex(2); // headless: logs in as the demo user
    QSignalSpy finished(panel, &Ui::FlowsPanel::flowFinished);
    run->click();
    if (Core::Status status =
            waitFor([&finished] { return !finished.isEmpty(); }, QStringLiteral("the PKCE walk"));
        !status)
        return status;
    const auto walked = finished.first().first().value<Flow::Run>();
    if (walked.outcome != Flow::Outcome::Succeeded)
        return Core::makeError(QStringLiteral("server_error"),
                               QStringLiteral("The PKCE walk did not succeed (%1 failed checks)")
                                   .arg(walked.checkCount(Flow::Verdict::Fail)));
    return {};
}

Core::Status Session::issueMachineTokens()
{
    Admin::Service admin(m_engine->store(), m_engine->authorizationServer()->context().config());
    if (Core::Status status = issueClientCredentials(
            *m_engine, admin, QStringLiteral("ci-deploy-bot"), QStringLiteral("CI deploy bot"), 2);
        !status)
        return status;
    if (Core::Status status =
            issueClientCredentials(*m_engine, admin, QStringLiteral("nightly-report"),
                                   QStringLiteral("Nightly report"), 1);
        !status)
        return status;
    // One client's tokens revoked, so the table shows the states side by side.
    auto revoked = admin.revokeClientTokens(QStringLiteral("nightly-report"));
    return revoked ? Core::Status{} : Core::Status{revoked.error()};
}

Core::Status Session::addClientAndUser()
{
    Admin::Service admin(m_engine->store(), m_engine->authorizationServer()->context().config());
    Admin::NewClient client;
    client.clientId = QStringLiteral("my-mcp-client");
    client.name = QStringLiteral("My MCP client");
    client.redirectUris = {QStringLiteral("http://127.0.0.1:33418/callback")};
    client.grantTypes = {QStringLiteral("authorization_code"), QStringLiteral("refresh_token")};
    client.authMethod = QStringLiteral("none");
    client.applicationType = QStringLiteral("native");
    client.scope = QStringLiteral("tasks:read tasks:write");
    if (auto added = admin.addClient(client); !added)
        return added.error();
    if (auto user = admin.addUser(QStringLiteral("alice"), QByteArrayLiteral("correct-horse-42"),
                                  QStringLiteral("Alice Example"));
        !user)
        return user.error();
    return {};
}

Core::Status Session::driveFriction()
{
    m_window->showPanel(Ui::MainWindow::FrictionPanelIndex);
    auto *panel = child<Ui::FrictionPanel>("frictionPanel");
    auto *mix = child<QTableWidget>("frictionMixTable");
    auto *simulate = child<QPushButton>("frictionSimulate");
    if (!panel || !mix || !simulate)
        return Core::makeError(QStringLiteral("not_found"),
                               QStringLiteral("The Friction panel's simulator is missing"));
    // An agent that mostly deletes: delete_task's share is far over its target.
    mix->setRowCount(0);
    mix->setRowCount(3);
    const QList<QPair<QString, QString>> weights = {
        {QStringLiteral("delete_task"), QStringLiteral("8")},
        {QStringLiteral("list_tasks"), QStringLiteral("2")},
        {QStringLiteral("get_task"), QStringLiteral("1")}};
    for (int row = 0; row < weights.size(); ++row) {
        mix->setItem(row, 0, new QTableWidgetItem(weights.at(row).first));
        mix->setItem(row, 1, new QTableWidgetItem(weights.at(row).second));
    }
    child<QSpinBox>("frictionRate")->setValue(100);
    simulate->click();
    Core::FrictionModel *model = panel->model();
    const auto band = [model](const QString &tool) {
        const int row = findRow(model, Core::FrictionModel::ToolColumn,
                                [&tool](const QString &text) { return text == tool; });
        return row < 0 ? QString()
                       : model->index(row, Core::FrictionModel::BandColumn).data().toString();
    };
    if (Core::Status status = waitFor(
            [&band] { return band(QStringLiteral("delete_task")) == QLatin1String("blocked"); },
            QStringLiteral("delete_task to be blocked by the simulated agent"), 60000);
        !status)
        return status;
    auto *table = child<QTableView>("frictionTable");
    selectRow(table,
              findRow(table->model(), Core::FrictionModel::ToolColumn,
                      [](const QString &text) { return text == QLatin1String("delete_task"); }));
    const double seconds = m_agentSeconds;
    return waitFor(
        [model, seconds] {
            const auto history = model->history(QStringLiteral("delete_task"));
            return !history.empty() && history.back().time - history.front().time >= seconds;
        },
        QStringLiteral("%1 s of delete_task history for the charts").arg(seconds),
        (m_agentSeconds + 30) * 1000);
}

Core::Status Session::stopAgent()
{
    auto *simulate = child<QPushButton>("frictionSimulate");
    simulate->click();
    return waitFor([simulate] { return simulate->text() == QLatin1String("S&tart agent"); },
                   QStringLiteral("the simulated agent to stop"));
}

Core::Status Session::prepare(int panel)
{
    m_window->showPanel(static_cast<Ui::MainWindow::Panel>(panel));
    const auto rows = [this](const char *table) {
        auto *view = child<QAbstractItemView>(table);
        return view && view->model() ? view->model()->rowCount() : 0;
    };
    switch (panel) {
    case Ui::MainWindow::ServersPanelIndex:
        return waitFor([this] { return m_engine->isRunning(); },
                       QStringLiteral("the servers to run"));
    case Ui::MainWindow::FlowsPanelIndex: {
        auto *steps = child<QTreeWidget>("flowSteps");
        if (Core::Status status = waitFor([steps] { return steps->topLevelItemCount() >= 5; },
                                          QStringLiteral("the PKCE walk's steps"));
            !status)
            return status;
        // The token step selected, its checks listed, and the diagram in front.
        for (int i = 0; i < steps->topLevelItemCount(); ++i)
            if (steps->topLevelItem(i)->text(0).contains(QLatin1String("oken")))
                steps->setCurrentItem(steps->topLevelItem(i));
        child<QTabWidget>("flowTabs")->setCurrentIndex(0);
        child<QSplitter>("flowSplitter")->setSizes({330, m_size.width() - 520});
        return {};
    }
    case Ui::MainWindow::TokensPanelIndex: {
        // PKCE: an access and a refresh token; client credentials: three access tokens.
        if (Core::Status status = waitFor([&rows] { return rows("tokensTable") >= 5; },
                                          QStringLiteral("five tokens in the Tokens panel"));
            !status)
            return status;
        auto *table = child<QTableView>("tokensTable");
        // The PKCE walk's refresh token: its family is the access and the refresh token.
        selectRow(table,
                  findRow(table->model(), Core::TokenTableModel::KindColumn,
                          [](const QString &text) { return text == QLatin1String("Refresh"); }));
        // The detail pane at once, the refresh family from the store's worker.
        auto *family = child<QTreeWidget>("tokenFamilyTree");
        return waitFor([family] { return family->topLevelItemCount() > 0; },
                       QStringLiteral("the selected token's refresh family"));
    }
    case Ui::MainWindow::ClientsPanelIndex: {
        child<Ui::ClientsPanel>("clientsPanel")->reload();
        auto *clients = child<QTableWidget>("clientsTable");
        return waitFor([clients] { return clients && clients->rowCount() >= 4; },
                       QStringLiteral("four clients in the Clients panel"));
    }
    case Ui::MainWindow::FrictionPanelIndex:
        // Room for the charts, and the simulator's tab in front.
        child<QSplitter>("frictionSplitter")->setSizes({560, m_size.width() - 760});
        child<QSplitter>("frictionVerticalSplitter")->setSizes({480, m_size.height() - 560});
        child<QTabWidget>("frictionTabs")->setCurrentIndex(1);
        return {};
    case Ui::MainWindow::TrafficPanelIndex: {
        if (Core::Status status = waitFor([&rows] { return rows("trafficTable") > 10; },
                                          QStringLiteral("exchanges in the Traffic panel"));
            !status)
            return status;
        auto *table = child<QTableView>("trafficTable");
        selectRow(table, findRow(table->model(), Core::ExchangeTableModel::UrlColumn,
                                 [](const QString &text) {
                                     return text.endsWith(QLatin1String("/token"));
                                 }));
        return {};
    }
    case Ui::MainWindow::AuditPanelIndex: {
        if (Core::Status status = waitFor([&rows] { return rows("auditTable") >= 5; },
                                          QStringLiteral("audit events in the Audit panel"));
            !status)
            return status;
        // The simulator's tool.justified events outnumber the rest: show a filter at work.
        child<QLineEdit>("auditSearch")->setText(QStringLiteral("token."));
        auto *audit = child<QTableView>("auditTable");
        if (Core::Status status = waitFor(
                [audit] {
                    return audit->model()->rowCount() > 0 &&
                           audit->model()
                               ->index(0, Core::AuditTableModel::TypeColumn)
                               .data()
                               .toString()
                               .startsWith(QLatin1String("token."));
                },
                QStringLiteral("the audit filter 'token.'"));
            !status)
            return status;
        selectRow(audit, 0);
        auto *detail = child<QPlainTextEdit>("auditDetail");
        return waitFor([detail] { return !detail->toPlainText().isEmpty(); },
                       QStringLiteral("the selected audit event's details"));
    }
    default:
        return Core::makeError(QStringLiteral("invalid_argument"),
                               QStringLiteral("No panel %1").arg(panel));
    }
}

Core::Status Session::grab(const Shot &shot)
{
    if (auto *tour = m_window->findChild<Ui::Tour *>())
        tour->skip();
    m_window->resize(m_size);
    // Layout requests and deferred repaints are posted events: deliver them first.
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    const QImage image = m_window->grab().toImage();
    if (image.size() != m_size)
        return Core::makeError(QStringLiteral("invalid_argument"),
                               QStringLiteral("The window is %1x%2, not %3x%4 (a window manager "
                                              "or a scale factor changed it)")
                                   .arg(image.width())
                                   .arg(image.height())
                                   .arg(m_size.width())
                                   .arg(m_size.height()));
    const QString path = m_output.filePath(shot.fileName);
    if (!image.save(path, "PNG"))
        return Core::makeError(QStringLiteral("io_error"),
                               QStringLiteral("Cannot write %1").arg(path));
    return {};
}

} // namespace Screenshots
