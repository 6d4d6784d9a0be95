#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "friction/registry.h"
#include "frictionadminclient.h"
#include "frictionmodel.h"

namespace {

Friction::Event makeEvent(const QString &principal, const QString &tool, double friction,
                          Friction::EventType type = Friction::EventType::Check, double time = 1)
{
    Friction::Event event;
    event.type = type;
    event.time = time;
    event.principal = principal;
    event.clientId = QStringLiteral("client");
    event.tool = tool;
    event.friction = friction;
    event.band = friction >= 0.95  ? Friction::Band::Blocked
                 : friction >= 0.6 ? Friction::Band::High
                 : friction > 0.3  ? Friction::Band::Medium
                 : friction > 0    ? Friction::Band::Low
                                   : Friction::Band::None;
    event.ema = friction / 2;
    event.target = 0.05;
    event.effectiveTarget = 0.05;
    event.cost = 0.5 + friction * 9.5;
    event.allowed =
        type == Friction::EventType::Check || type == Friction::EventType::Justification;
    return event;
}

Core::FrictionModel::Options manual()
{
    Core::FrictionModel::Options options;
    options.updateIntervalMs = 0;
    options.historyIntervalSeconds = 0; // a sample per batch, as most tests count them
    return options;
}

} // namespace

class TestFrictionModel : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.*=false")); }
    void countsPerOutcome();
    void oneBatchOneDataChanged();
    void queueIsBoundedAndBatched();
    void historyIsBounded();
    void frequentBatchesReplaceTheNewestSample();
    void principalSelection();
    void principalsAreBounded();
    void configuredToolsShowBeforeEvents();
    void followsARealRegistry();
    void manyToolsInOneBatch();
    void eventJsonRoundTrip();
    void eventJsonErrors_data();
    void eventJsonErrors();
    void sseParser_data();
    void sseParser();
    void sseParserBoundsAnUnendedMessage();
};

void TestFrictionModel::countsPerOutcome()
{
    Core::FrictionModel model(manual(), nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    using T = Friction::EventType;
    const QString p = QStringLiteral("sub=alice");
    model.addEvents({makeEvent(p, QStringLiteral("delete_task"), 0.1, T::Check),
                     makeEvent(p, QStringLiteral("delete_task"), 0.7, T::Justification),
                     makeEvent(p, QStringLiteral("delete_task"), 0.7, T::JustificationMissing),
                     makeEvent(p, QStringLiteral("delete_task"), 0.96, T::Block),
                     makeEvent(p, QStringLiteral("delete_task"), 0.96, T::Block),
                     makeEvent(p, QStringLiteral("list_tasks"), 0, T::Check)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.currentPrincipal(), p);
    const int row = model.rowOf(QStringLiteral("delete_task"));
    QVERIFY(row >= 0);
    const Core::FrictionToolState &s = model.stateAt(row);
    QCOMPARE(s.allowed, 1);
    QCOMPARE(s.justified, 1);
    QCOMPARE(s.justificationMissing, 1);
    QCOMPARE(s.blocked, 2);
    QCOMPARE(s.band, Friction::Band::Blocked);
    QCOMPARE(model.data(model.index(row, Core::FrictionModel::BandColumn)).toString(),
             QStringLiteral("blocked"));
    QCOMPARE(model.data(model.index(row, Core::FrictionModel::BlockedColumn)).toLongLong(), 2);
    QCOMPARE(model.data(model.index(row, 0), Core::FrictionModel::BandRole).toInt(),
             static_cast<int>(Friction::Band::Blocked));
    QCOMPARE(model.eventCount(), 6);
}

void TestFrictionModel::oneBatchOneDataChanged()
{
    Core::FrictionModel model(manual(), nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QString p = QStringLiteral("sub=alice");
    model.addEvents({makeEvent(p, QStringLiteral("a"), 0.1)});
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy batches(&model, &Core::FrictionModel::batchApplied);
    QList<Friction::Event> batch;
    for (int i = 0; i < 1000; ++i)
        batch.append(makeEvent(p, QStringLiteral("tool%1").arg(i % 10), 0.01 * (i % 50)));
    model.addEvents(batch);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.first().at(1).toInt(), 1);
    QCOMPARE(inserted.first().at(2).toInt(), 10);
    QCOMPARE(batches.size(), 1);
    QCOMPARE(batches.first().first().toInt(), 1000);
    QCOMPARE(model.rowCount(), 11);
    // One history sample per changed tool per batch, however many events it had.
    QCOMPARE(model.history(QStringLiteral("tool3")).size(), size_t(1));
}

void TestFrictionModel::queueIsBoundedAndBatched()
{
    Core::FrictionModel::Options options;
    options.updateIntervalMs = 20;
    options.maxQueuedEvents = 100;
    Core::FrictionModel model(options, nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy batches(&model, &Core::FrictionModel::batchApplied);
    for (int i = 0; i < 150; ++i)
        model.enqueue(makeEvent(QStringLiteral("sub=a"), QStringLiteral("t"), 0.1));
    model.enqueue(
        QList<Friction::Event>(10, makeEvent(QStringLiteral("sub=a"), QStringLiteral("t"), 0.1)));
    QCOMPARE(model.eventCount(), 0); // nothing before the timer
    QCOMPARE(model.discardedCount(), 60);
    QVERIFY(batches.wait(5000));
    QCOMPARE(batches.size(), 1);
    QCOMPARE(batches.first().first().toInt(), 100);
    QCOMPARE(model.eventCount(), 100);
    QCOMPARE(model.stateAt(0).allowed, 100);
}

void TestFrictionModel::historyIsBounded()
{
    Core::FrictionModel::Options options = manual();
    options.historyLength = 5;
    Core::FrictionModel model(options, nullptr);
    for (int i = 0; i < 12; ++i)
        model.addEvents({makeEvent(QStringLiteral("sub=a"), QStringLiteral("t"), i / 100.0,
                                   Friction::EventType::Check, i)});
    const auto history = model.history(QStringLiteral("t"));
    QCOMPARE(history.size(), size_t(5));
    // Oldest first, the last five batches.
    for (size_t i = 0; i < history.size(); ++i)
        QCOMPARE(history[i].time, double(7 + i));
    QVERIFY(model.history(QStringLiteral("unknown")).empty());
}

void TestFrictionModel::frequentBatchesReplaceTheNewestSample()
{
    Core::FrictionModel::Options options = manual();
    options.historyIntervalSeconds = 0.1;
    Core::FrictionModel model(options, nullptr);
    // Batches 33 ms apart (30 a second): a sample at most every 100 ms, the newest one
    // always the latest state.
    for (int i = 0; i <= 9; ++i)
        model.addEvents({makeEvent(QStringLiteral("sub=a"), QStringLiteral("t"), i / 10.0,
                                   Friction::EventType::Check, 10 + i * 0.033)});
    const auto history = model.history(QStringLiteral("t"));
    // Samples opened at 10.000, 10.132 and 10.264, each holding the last state of its
    // 100 ms: 10.099, 10.231 and 10.297.
    QCOMPARE(history.size(), size_t(3));
    QCOMPARE(history[0].time, 10 + 3 * 0.033);
    QCOMPARE(history[1].time, 10 + 7 * 0.033);
    QCOMPARE(history[2].time, 10 + 9 * 0.033);
    QCOMPARE(history[2].friction, 0.9f);

    options.historyIntervalSeconds = 0;
    Core::FrictionModel everyBatch(options, nullptr);
    for (int i = 0; i <= 9; ++i)
        everyBatch.addEvents({makeEvent(QStringLiteral("sub=a"), QStringLiteral("t"), 0.1,
                                        Friction::EventType::Check, 10 + i * 0.033)});
    QCOMPARE(everyBatch.history(QStringLiteral("t")).size(), size_t(10));
}

void TestFrictionModel::principalSelection()
{
    Core::FrictionModel model(manual(), nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy principalsChanged(&model, &Core::FrictionModel::principalsChanged);
    QSignalSpy currentChanged(&model, &Core::FrictionModel::currentPrincipalChanged);
    const QString alice = QStringLiteral("sub=alice");
    const QString bob = QStringLiteral("sub=bob");
    model.addEvents(
        {makeEvent(alice, QStringLiteral("a"), 0.1), makeEvent(alice, QStringLiteral("b"), 0.1)});
    QCOMPARE(model.currentPrincipal(), alice);
    QCOMPARE(model.rowCount(), 2);
    model.addEvents({makeEvent(bob, QStringLiteral("c"), 0.5)});
    // By default the most recently active principal is shown.
    QVERIFY(model.followsMostRecent());
    QCOMPARE(model.currentPrincipal(), bob);
    QCOMPARE(model.principals(), (QStringList{bob, alice}));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(principalsChanged.size(), 2);

    model.setPrincipal(alice);
    QVERIFY(!model.followsMostRecent());
    QCOMPARE(model.rowCount(), 2);
    model.addEvents({makeEvent(bob, QStringLiteral("c"), 0.6)});
    QCOMPARE(model.currentPrincipal(), alice); // picked: stays
    QCOMPARE(model.state(bob, QStringLiteral("c"))->allowed, 2);

    model.setPrincipal({});
    QCOMPARE(model.currentPrincipal(), bob);
    QCOMPARE(currentChanged.size(), 4);
}

void TestFrictionModel::principalsAreBounded()
{
    Core::FrictionModel::Options options = manual();
    options.maxPrincipals = 10;
    options.historyPrincipals = 3;
    Core::FrictionModel model(options, nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    for (int i = 0; i < 50; ++i)
        model.addEvents({makeEvent(QStringLiteral("sub=%1").arg(i), QStringLiteral("t"), 0.1)});
    QCOMPARE(model.principals().size(), 10);
    QCOMPARE(model.principals().first(), QStringLiteral("sub=49"));
    QVERIFY(!model.principals().contains(QStringLiteral("sub=0")));
    QCOMPARE(model.currentPrincipal(), QStringLiteral("sub=49"));
    QCOMPARE(model.history(QStringLiteral("t")).size(), size_t(1));
    model.setPrincipal(QStringLiteral("sub=41")); // beyond the three with a history
    QVERIFY(model.history(QStringLiteral("t")).empty());
    QCOMPARE(model.stateAt(0).allowed, 1); // counts are still there
}

void TestFrictionModel::configuredToolsShowBeforeEvents()
{
    Core::FrictionModel model(manual(), nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    Friction::ControllerConfig config;
    Friction::ToolConfig slow;
    slow.targetRate = 0.02;
    config.tools.insert(QStringLiteral("delete_task"), slow);
    config.tools.insert(QStringLiteral("list_tasks"), Friction::ToolConfig{});
    model.setConfig(config);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.currentPrincipal(), QString());
    const int row = model.rowOf(QStringLiteral("delete_task"));
    QCOMPARE(model.stateAt(row).target, 0.02);
    QVERIFY(model.toolConfig(QStringLiteral("delete_task")));
    QVERIFY(!model.toolConfig(QStringLiteral("echo")));
    model.addEvents({makeEvent(QStringLiteral("sub=a"), QStringLiteral("echo"), 0)});
    QCOMPARE(model.rowCount(), 3); // the configured tools, then the one seen
    QCOMPARE(model.rowOf(QStringLiteral("echo")), 2);
}

void TestFrictionModel::followsARealRegistry()
{
    auto registry = std::make_shared<Friction::Registry>();
    Friction::ControllerConfig config;
    config.warmupCalls = 1;
    Friction::ToolConfig tool;
    tool.targetRate = 0.01;
    config.tools.insert(QStringLiteral("delete_task"), tool);
    QVERIFY(registry->setConfig(config));
    Core::FrictionModel::Options options;
    options.updateIntervalMs = 10;
    Core::FrictionModel model(options, nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.attach(registry);
    QCOMPARE(model.rowCount(), 1);
    const Friction::Principal principal{QStringLiteral("agent"), QStringLiteral("client"), {}};
    for (int i = 0; i < 200; ++i)
        (void)registry->evaluate(principal, QStringLiteral("delete_task"),
                                 QStringLiteral("bulk cleanup"), i * 0.01);
    QTRY_COMPARE(model.eventCount(), 200);
    const int row = model.rowOf(QStringLiteral("delete_task"));
    QCOMPARE(model.stateAt(row).band, Friction::Band::Blocked);
    QVERIFY(model.stateAt(row).blocked > 0);
    QVERIFY(model.stateAt(row).allowed > 0);
    QVERIFY(model.stateAt(row).justified > 0);
    model.detach();
    (void)registry->evaluate(principal, QStringLiteral("delete_task"), {}, 3);
    model.flush();
    QCOMPARE(model.eventCount(), 200);
}

void TestFrictionModel::manyToolsInOneBatch()
{
    // 200 tools x 10,000 events in one batch: counted exactly, one signal each. How long it
    // takes is measured by bench_friction_model, not asserted here.
    Core::FrictionModel model(manual(), nullptr);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<Friction::Event> batch;
    batch.reserve(10000);
    for (int i = 0; i < 10000; ++i)
        batch.append(makeEvent(QStringLiteral("sub=agent"), QStringLiteral("tool_%1").arg(i % 200),
                               (i % 100) / 100.0));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.addEvents(batch);
    QCOMPARE(model.rowCount(), 200);
    qint64 total = 0;
    for (int row = 0; row < model.rowCount(); ++row)
        total += model.stateAt(row).allowed;
    QCOMPARE(total, 10000);
    model.addEvents(batch);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(model.history(QStringLiteral("tool_7")).size(), size_t(2));
}

void TestFrictionModel::eventJsonRoundTrip()
{
    Friction::Event event = makeEvent(QStringLiteral("sub=a"), QStringLiteral("delete_task"), 0.7,
                                      Friction::EventType::Justification, 12.5);
    event.justification = QStringLiteral("cleanup");
    event.wallTimeMs = 1700000000123;
    event.budgetRemaining = 42;
    auto parsed = Core::frictionEventFromJson(event.toJson());
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().toString()));
    QCOMPARE(parsed->type, event.type);
    QCOMPARE(parsed->band, Friction::Band::High);
    QCOMPARE(parsed->time, 12.5);
    QCOMPARE(parsed->friction, 0.7);
    QCOMPARE(parsed->justification, QStringLiteral("cleanup"));
    QCOMPARE(parsed->wallTimeMs, event.wallTimeMs);
    QCOMPARE(parsed->budgetRemaining, 42.0);
    QCOMPARE(parsed->toJson(), event.toJson());
}

void TestFrictionModel::eventJsonErrors_data()
{
    QTest::addColumn<QString>("member");
    QTest::addColumn<QJsonValue>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown type") << QStringLiteral("type") << QJsonValue(QStringLiteral("nope"))
                                  << QStringLiteral("'type' is not a known event type");
    QTest::newRow("missing type") << QStringLiteral("type") << QJsonValue()
                                  << QStringLiteral("'type' is missing");
    QTest::newRow("friction text") << QStringLiteral("friction") << QJsonValue(QStringLiteral("x"))
                                   << QStringLiteral("'friction' must be a number");
    QTest::newRow("ema missing") << QStringLiteral("ema") << QJsonValue()
                                 << QStringLiteral("'ema' is missing");
    QTest::newRow("bad band") << QStringLiteral("band") << QJsonValue(QStringLiteral("severe"))
                              << QStringLiteral("'band' is not a friction band");
}

void TestFrictionModel::eventJsonErrors()
{
    QFETCH(QString, member);
    QFETCH(QJsonValue, value);
    QFETCH(QString, expected);
    QJsonObject object = makeEvent(QStringLiteral("sub=a"), QStringLiteral("t"), 0.1).toJson();
    if (value.isNull())
        object.remove(member);
    else
        object.insert(member, value);
    auto parsed = Core::frictionEventFromJson(object);
    QVERIFY(!parsed);
    QCOMPARE(parsed.error().code, QStringLiteral("invalid_response"));
    QVERIFY2(parsed.error().message.contains(expected), qPrintable(parsed.error().message));
}

void TestFrictionModel::sseParser_data()
{
    QTest::addColumn<QList<QByteArray>>("chunks");
    QTest::addColumn<QList<QByteArray>>("expected"); // "type|data"
    QTest::newRow("one") << QList<QByteArray>{"event: a\ndata: {}\n\n"}
                         << QList<QByteArray>{"a|{}"};
    QTest::newRow("crlf")
        << QList<QByteArray>{"event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n"}
        << QList<QByteArray>{"a|1", "b|2"};
    QTest::newRow("split across chunks")
        << QList<QByteArray>{"event: fric", "tion_check\nda", "ta: {\"x\":1}\n", "\n"}
        << QList<QByteArray>{"friction_check|{\"x\":1}"};
    QTest::newRow("comment only") << QList<QByteArray>{": keep-alive\n\n"} << QList<QByteArray>{};
    QTest::newRow("multi-line data")
        << QList<QByteArray>{"data: a\ndata: b\n\n"} << QList<QByteArray>{"|a\nb"};
    QTest::newRow("unfinished") << QList<QByteArray>{"event: a\ndata: 1\n"} << QList<QByteArray>{};
}

void TestFrictionModel::sseParser()
{
    QFETCH(QList<QByteArray>, chunks);
    QFETCH(QList<QByteArray>, expected);
    Core::ServerSentEventParser parser;
    QList<QByteArray> got;
    for (const QByteArray &chunk : chunks)
        for (const Core::ServerSentEvent &event : parser.feed(chunk))
            got.append(event.type + '|' + event.data);
    QCOMPARE(got, expected);
}

void TestFrictionModel::sseParserBoundsAnUnendedMessage()
{
    Core::ServerSentEventParser parser;
    const QByteArray chunk(64 * 1024, 'x');
    for (int i = 0; i < 20; ++i)
        QVERIFY(parser.feed(chunk).isEmpty());
    QVERIFY(parser.discardedBytes() > 0);
    const auto after = parser.feed("\n\ndata: ok\n\n");
    QCOMPARE(after.size(), 1);
    QCOMPARE(after.first().data, QByteArray("ok"));
}

QTEST_GUILESS_MAIN(TestFrictionModel)
#include "tst_frictionmodel.moc"
