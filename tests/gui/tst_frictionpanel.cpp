#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "engine.h"
#include "friction/registry.h"
#include "frictionadminclient.h"
#include "frictionmodel.h"
#include "frictionpanel.h"

namespace {

/// delete_task meets friction after a few calls; create_task (which the driver calls to
/// have something to delete) and list_tasks stay free.
Friction::ControllerConfig testFrictionConfig()
{
    Friction::ControllerConfig config;
    config.warmupCalls = 3;
    Friction::ToolConfig list;
    list.targetRate = 0.3;
    Friction::ToolConfig create;
    create.targetRate = 0.7;
    create.hardBlockThreshold = 0.99;
    Friction::ToolConfig remove;
    remove.targetRate = 0.02;
    remove.justificationThreshold = 0.4;
    remove.hardBlockThreshold = 0.9;
    config.tools = {{QStringLiteral("list_tasks"), list},
                    {QStringLiteral("create_task"), create},
                    {QStringLiteral("delete_task"), remove}};
    return config;
}

} // namespace

class TestFrictionPanel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void simulatorDrivesDeleteTaskToBlocked();
    void configIsValidatedAndApplied();
    void remoteServerStream();
    void remoteServerWrongToken();

private:
    template <typename T>
    T *find(const char *name)
    {
        T *widget = m_panel->findChild<T *>(QString::fromLatin1(name));
        if (!widget)
            qFatal("no widget named %s", name);
        return widget;
    }
    /// The text of `column` in the panel's table row of `tool` (empty if not shown).
    QString cell(const QString &tool, int column);

    QTemporaryDir m_dir;
    Core::Engine m_engine;
    std::unique_ptr<Ui::FrictionPanel> m_panel;
};

void TestFrictionPanel::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.*.info=false"));
    QVERIFY(m_dir.isValid());
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
    Core::ServerConfig config;
    config.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(QStringLiteral("store.db"));
    config.asPort = 0;
    config.rsPort = 0;
    config.workerThreads = 2;
    config.adminTokenFile = m_dir.filePath(QStringLiteral("admin-token"));
    config.resourceServer.friction = testFrictionConfig();
    const Core::Status started = m_engine.start(config);
    QVERIFY2(started, qPrintable(started ? QString() : started.error().toString()));
    m_panel = std::make_unique<Ui::FrictionPanel>(&m_engine);
    m_panel->resize(1200, 800);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
}

void TestFrictionPanel::cleanupTestCase()
{
    m_panel.reset();
    m_engine.stop();
}

QString TestFrictionPanel::cell(const QString &tool, int column)
{
    auto *table = find<QTableView>("frictionTable");
    const QAbstractItemModel *model = table->model();
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->index(row, Core::FrictionModel::ToolColumn).data().toString() == tool)
            return model->index(row, column).data().toString();
    return {};
}

void TestFrictionPanel::simulatorDrivesDeleteTaskToBlocked()
{
    QCOMPARE(m_panel->source(), Ui::FrictionPanel::Source::Embedded);
    // The configured tools are listed before any call.
    QCOMPARE(cell(QStringLiteral("delete_task"), Core::FrictionModel::BandColumn),
             QStringLiteral("none"));

    auto *mix = find<QTableWidget>("frictionMixTable");
    mix->setRowCount(0);
    mix->setRowCount(2);
    mix->setItem(0, 0, new QTableWidgetItem(QStringLiteral("delete_task")));
    mix->setItem(0, 1, new QTableWidgetItem(QStringLiteral("9")));
    mix->setItem(1, 0, new QTableWidgetItem(QStringLiteral("list_tasks")));
    mix->setItem(1, 1, new QTableWidgetItem(QStringLiteral("1")));
    find<QSpinBox>("frictionRate")->setValue(100);
    auto *simulate = find<QPushButton>("frictionSimulate");
    QVERIFY(simulate->isEnabled());
    QTest::mouseClick(simulate, Qt::LeftButton);
    QVERIFY2(!find<QLabel>("frictionError")->isVisible(),
             qPrintable(find<QLabel>("frictionError")->text()));
    QCOMPARE(simulate->text(), QStringLiteral("S&top agent"));

    // HIGH: the agent's calls needed a justification and ran with one.
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(QStringLiteral("delete_task"), Core::FrictionModel::JustifiedColumn).toInt() > 0,
        20000);
    QTRY_COMPARE_WITH_TIMEOUT(cell(QStringLiteral("delete_task"), Core::FrictionModel::BandColumn),
                              QStringLiteral("blocked"), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(
        cell(QStringLiteral("delete_task"), Core::FrictionModel::BlockedColumn).toInt() > 0, 20000);
    QVERIFY(m_panel->model()->currentPrincipal().contains(QStringLiteral("simulated-agent")));
    QVERIFY(!m_panel->model()->history(QStringLiteral("delete_task")).empty());

    // The simulator's own counts show the blocks too.
    auto *counts = find<QTableWidget>("frictionSimulatorCounts");
    QTRY_VERIFY(counts->rowCount() >= 2);
    QTest::mouseClick(simulate, Qt::LeftButton);
    QTRY_COMPARE(simulate->text(), QStringLiteral("S&tart agent"));
    QVERIFY(counts->item(0, 0));
    QCOMPARE(counts->item(0, 0)->text(), QStringLiteral("delete_task"));
    QVERIFY(counts->item(0, 3)->text().toInt() > 0);
}

void TestFrictionPanel::configIsValidatedAndApplied()
{
    auto *editor = find<QPlainTextEdit>("frictionConfigEditor");
    auto *error = find<QLabel>("frictionConfigError");
    auto *apply = find<QPushButton>("frictionApplyConfig");
    QJsonObject config = m_engine.frictionRegistry()->config().toJson();
    QVERIFY(editor->toPlainText().contains(QStringLiteral("delete_task")));

    QJsonObject tools = config.value(QStringLiteral("tools")).toObject();
    QJsonObject deleteTask = tools.value(QStringLiteral("delete_task")).toObject();
    deleteTask.insert(QStringLiteral("max_cost"), 0.1); // below min_cost
    tools.insert(QStringLiteral("delete_task"), deleteTask);
    QJsonObject invalid = config;
    invalid.insert(QStringLiteral("tools"), tools);
    editor->setPlainText(QString::fromUtf8(QJsonDocument(invalid).toJson()));
    QTest::mouseClick(apply, Qt::LeftButton);
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QStringLiteral("friction.tools.delete_task.max_cost")),
             qPrintable(error->text()));
    QCOMPARE(
        m_engine.frictionRegistry()->config().tools.value(QStringLiteral("delete_task")).maxCost,
        10.0);

    editor->setPlainText(QStringLiteral("{ \"tools\": "));
    QTest::mouseClick(apply, Qt::LeftButton);
    QVERIFY(error->text().contains(QStringLiteral("not valid JSON")));

    QJsonObject listTasks = tools.value(QStringLiteral("list_tasks")).toObject();
    listTasks.insert(QStringLiteral("target_rate"), 0.33);
    deleteTask.insert(QStringLiteral("max_cost"), 12.0);
    tools.insert(QStringLiteral("list_tasks"), listTasks);
    tools.insert(QStringLiteral("delete_task"), deleteTask);
    config.insert(QStringLiteral("tools"), tools);
    editor->setPlainText(QString::fromUtf8(QJsonDocument(config).toJson()));
    QTest::mouseClick(apply, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(
        m_engine.frictionRegistry()->config().tools.value(QStringLiteral("list_tasks")).targetRate,
        0.33, 10000);
    QCOMPARE(
        m_engine.frictionRegistry()->config().tools.value(QStringLiteral("delete_task")).maxCost,
        12.0);
    QTRY_VERIFY(!error->isVisible());
    QTRY_VERIFY(find<QLabel>("frictionConfigStatus")->text().startsWith(QStringLiteral("Applied")));
    QVERIFY(apply->isEnabled());
}

void TestFrictionPanel::remoteServerStream()
{
    auto *source = find<QComboBox>("frictionSource");
    source->setCurrentIndex(source->findData(static_cast<int>(Ui::FrictionPanel::Source::Remote)));
    QCOMPARE(m_panel->source(), Ui::FrictionPanel::Source::Remote);
    QVERIFY(!find<QPushButton>("frictionSimulate")->isEnabled());
    QCOMPARE(m_panel->model()->eventCount(), 0);

    auto token = Core::readAdminTokenFile(m_engine.adminTokenFile());
    QVERIFY(token);
    QTest::keyClicks(find<QLineEdit>("frictionRemoteUrl"), m_engine.resourceServerUrl().toString());
    QTest::keyClicks(find<QLineEdit>("frictionRemoteToken"), QString::fromLatin1(*token));
    QTest::mouseClick(find<QPushButton>("frictionConnect"), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(find<QLabel>("frictionSourceState")
                                 ->text()
                                 .startsWith(QStringLiteral("Following the event stream")),
                             10000);
    // The configuration came over the admin API too.
    QTRY_VERIFY(find<QPlainTextEdit>("frictionConfigEditor")
                    ->toPlainText()
                    .contains(QStringLiteral("0.33")));

    const Friction::Principal watched{QStringLiteral("remote-watch"), QStringLiteral("client"), {}};
    auto key = Friction::Registry::principalKey(watched, Friction::PrincipalMode::Subject);
    QVERIFY(key);
    for (int i = 0; i < 5; ++i)
        QVERIFY(m_engine.frictionRegistry()
                    ->evaluate(watched, QStringLiteral("list_tasks"), {},
                               Friction::Registry::monotonicNow())
                    .ok());
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->model()->state(*key, QStringLiteral("list_tasks")), 10000);
    QTRY_COMPARE(m_panel->model()->state(*key, QStringLiteral("list_tasks"))->allowed, 5);
    QTRY_COMPARE(m_panel->model()->currentPrincipal(), *key);
    QTRY_COMPARE(cell(QStringLiteral("list_tasks"), Core::FrictionModel::AllowedColumn),
                 QStringLiteral("5"));
    // Only the stream feeds the model now: each event was counted once.
    QCOMPARE(m_panel->model()->eventCount(), 5);
    auto *principal = find<QComboBox>("frictionPrincipal");
    QTRY_VERIFY(principal->findData(*key) > 0);
}

void TestFrictionPanel::remoteServerWrongToken()
{
    auto *token = find<QLineEdit>("frictionRemoteToken");
    token->clear();
    QTest::keyClicks(token, QStringLiteral("not-the-token-not-the-token-not-the-token"));
    QTest::mouseClick(find<QPushButton>("frictionConnect"), Qt::LeftButton);
    auto *error = find<QLabel>("frictionError");
    QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), 10000);
    QTRY_VERIFY(error->text().contains(QStringLiteral("401")));
    QVERIFY(!error->text().contains(QStringLiteral("not-the-token")));

    find<QLineEdit>("frictionRemoteUrl")->setText(QStringLiteral("ftp://example.org"));
    QTest::mouseClick(find<QPushButton>("frictionConnect"), Qt::LeftButton);
    QVERIFY(error->text().contains(QStringLiteral("not an http(s) URL")));
}

QTEST_MAIN(TestFrictionPanel)
#include "tst_frictionpanel.moc"
