#include <atomic>
#include <thread>
#include <vector>

#include <QJsonArray>
#include <QLoggingCategory>
#include <QTest>

#include "friction/registry.h"
#include "frictiontestutil.h"

using Friction::Event;
using Friction::EventType;
using Friction::Outcome;
using Friction::Principal;
using Friction::Registry;

class TestFrictionConcurrency : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void hammerEvaluate_data();
    void hammerEvaluate();
};

void TestFrictionConcurrency::initTestCase()
{
    // Thousands of block events: the log is not what is tested here.
    QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.friction.info=false"));
}

void TestFrictionConcurrency::hammerEvaluate_data()
{
    QTest::addColumn<int>("maxPrincipals");
    QTest::newRow("all principals fit") << 100;
    QTest::newRow("constant eviction") << 3;
}

void TestFrictionConcurrency::hammerEvaluate()
{
    QFETCH(int, maxPrincipals);
    constexpr int kThreads = 4;
    constexpr int kCallsPerThread = 20000;
    const QStringList tools = {QStringLiteral("list_tasks"),  QStringLiteral("get_task"),
                               QStringLiteral("create_task"), QStringLiteral("delete_task"),
                               QStringLiteral("echo"),        QStringLiteral("unconfigured")};

    Registry registry;
    auto config = FrictionTest::config(R"({"principal": "subject+client",
        "tools": {"list_tasks": {"target_rate": 0.4}, "get_task": {"target_rate": 0.3},
                  "create_task": {}, "delete_task": {"target_rate": 0.02}, "echo": {}},
        "groups": {"writes": {"tools": ["create_task", "delete_task"]}},
        "controller": {"warmup_calls": 5, "saturation_window": 10, "default_budget": 1e9}})");
    config.maxPrincipals = maxPrincipals;
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));

    std::atomic<int> decisionEvents{0};
    std::atomic<int> allowed{0};
    std::atomic<int> refused{0};
    std::atomic<int> errors{0};
    // A direct connection: the slot runs in each worker thread, as it would for the
    // server's SSE fan-out.
    connect(
        &registry, &Registry::eventOccurred, this,
        [&](const Event &event) {
            if (event.type == EventType::Check || event.type == EventType::Block ||
                event.type == EventType::Justification ||
                event.type == EventType::JustificationMissing)
                ++decisionEvents;
        },
        Qt::DirectConnection);

    std::atomic<bool> stop{false};
    std::thread admin([&] {
        int round = 0;
        while (!stop.load()) {
            auto changed = config;
            changed.adjustmentRate = (round++ % 2) ? 0.08 : 0.1;
            if (!registry.setConfig(changed, round).ok())
                ++errors;
            const QJsonObject snapshot = registry.snapshot(round);
            if (!snapshot.contains(QStringLiteral("principals")))
                ++errors;
            std::this_thread::yield();
        }
    });

    std::vector<std::thread> workers;
    for (int t = 0; t < kThreads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < kCallsPerThread; ++i) {
                const Principal who{QStringLiteral("user%1").arg(i % 5),
                                    QStringLiteral("client%1").arg((i + t) % 3),
                                    QStringLiteral("https://as")};
                const QString &tool = tools.at((i * 7 + t) % tools.size());
                auto decision = registry.evaluate(
                    who, tool, (i % 4) ? QString() : QStringLiteral("why"), i * 0.01);
                if (!decision)
                    ++errors;
                else if (decision->allowed())
                    ++allowed;
                else
                    ++refused;
            }
        });
    }
    for (auto &worker : workers)
        worker.join();
    stop = true;
    admin.join();

    QCOMPARE(errors.load(), 0);
    QCOMPARE(allowed.load() + refused.load(), kThreads * kCallsPerThread);
    QCOMPARE(decisionEvents.load(), kThreads * kCallsPerThread);
    QVERIFY(refused.load() > 0); // delete_task at a 1/6 share of a 0.02 target is blocked
    QVERIFY(registry.principalCount() <= maxPrincipals);

    if (maxPrincipals >= 15) {
        // Nothing was evicted: every allowed call is in some principal's total.
        qint64 recorded = 0;
        const QJsonArray principals =
            registry.snapshot(1e6).value(QStringLiteral("principals")).toArray();
        QCOMPARE(principals.size(), 15);
        for (const QJsonValue &p : principals)
            recorded += p.toObject().value(QStringLiteral("total_calls")).toInteger();
        QCOMPARE(recorded, static_cast<qint64>(allowed.load()));
    }
}

QTEST_GUILESS_MAIN(TestFrictionConcurrency)
#include "tst_frictionconcurrency.moc"
