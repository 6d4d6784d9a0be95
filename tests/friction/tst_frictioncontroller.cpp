#include <cmath>

#include <QJsonArray>
#include <QTest>

#include "friction/controller.h"
#include "frictiontestutil.h"

using Friction::Band;
using Friction::Controller;
using Friction::ControllerConfig;

namespace {

const QString A = QStringLiteral("a");
const QString B = QStringLiteral("b");

/// Records each comma-separated tool once, all at time `now`.
void recordAll(Controller &controller, const QString &sequence, double now = 0)
{
    for (const QString &tool : sequence.split(QLatin1Char(','), Qt::SkipEmptyParts))
        controller.record(tool, now);
}

/// Friction `friction` on `tool`, exactly, by handing the controller a penalty.
void setFriction(Controller &controller, const QString &tool, double friction, double now)
{
    Friction::Penalty penalty;
    penalty.friction.insert(tool, friction);
    penalty.time = now;
    controller.applyPenalty(penalty, now);
}

bool near(double a, double b, double eps = 1e-9)
{
    return std::abs(a - b) <= eps;
}

} // namespace

class TestFrictionController : public QObject
{
    Q_OBJECT

private slots:
    void ema_data();
    void ema();
    void warmup_data();
    void warmup();
    void deadZone_data();
    void deadZone();
    void asymmetricDecay_data();
    void asymmetricDecay();
    void clamp();
    void bandsAndCost_data();
    void bandsAndCost();
    void budget_data();
    void budget();
    void windowCountBound();
    void windowTimeBound_data();
    void windowTimeBound();
    void blockedToolRecoversByIdleTime_data();
    void blockedToolRecoversByIdleTime();
    void decayOnCheckAlsoDecaysEma();
    void timeGoingBackwardsIsIgnored();
    void saturationReliefBoundedAndRecovering_data();
    void saturationReliefBoundedAndRecovering();
    void saturationOffByDefault();
    void groupPressure_data();
    void groupPressure();
    void unconfiguredToolsAreDenominatorWithCostZero();
    void penaltyFloorHoldsAgainstRecords();
    void penaltyMerge();
    void inheritedCallsCountTowardsWarmup();
    void reconfigureKeepsState();
    void snapshotDecaysWithoutChanging();
};

void TestFrictionController::ema_data()
{
    QTest::addColumn<QString>("sequence");
    QTest::addColumn<double>("alpha");
    QTest::addColumn<double>("expected");
    QTest::newRow("one call") << "a" << 0.15 << 0.15;
    QTest::newRow("two calls") << "a,a" << 0.15 << 0.2775;
    QTest::newRow("other tool dilutes") << "a,a,b" << 0.15 << (0.15 * 2.0 / 3.0 + 0.85 * 0.2775);
    QTest::newRow("unconfigured first") << "x,a" << 0.15 << 0.075;
    QTest::newRow("alpha 1 is the raw rate") << "a,b,x,x" << 1.0 << 0.25;
    QTest::newRow("alpha 0.5") << "a,x" << 0.5 << (0.5 * 0.5 + 0.5 * 0.5);
}

void TestFrictionController::ema()
{
    QFETCH(QString, sequence);
    QFETCH(double, alpha);
    QFETCH(double, expected);
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}, "b": {}}})");
    config.emaAlpha = alpha;
    config.warmupCalls = 1000; // only the EMA moves
    Controller controller(config);
    recordAll(controller, sequence);
    QVERIFY2(near(controller.toolState(A).ema, expected),
             qPrintable(QString::number(controller.toolState(A).ema, 'g', 17)));
    QCOMPARE(controller.toolState(A).friction, 0.0);
}

void TestFrictionController::warmup_data()
{
    QTest::addColumn<int>("warmup");
    QTest::addColumn<int>("calls");
    QTest::addColumn<bool>("moved");
    QTest::newRow("default, one short") << 20 << 19 << false;
    QTest::newRow("default, reached") << 20 << 20 << true;
    QTest::newRow("none") << 0 << 1 << true;
    QTest::newRow("5, 4 calls") << 5 << 4 << false;
    QTest::newRow("5, 5 calls") << 5 << 5 << true;
}

void TestFrictionController::warmup()
{
    QFETCH(int, warmup);
    QFETCH(int, calls);
    QFETCH(bool, moved);
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}}})");
    config.warmupCalls = warmup;
    Controller controller(config);
    for (int i = 0; i < calls; ++i)
        controller.record(A, 0);
    // The EMA runs during warmup too: after n calls of only "a" it is 1 - 0.85^n.
    const double ema = 1 - std::pow(0.85, calls);
    QVERIFY(near(controller.toolState(A).ema, ema));
    if (!moved) {
        QCOMPARE(controller.toolState(A).friction, 0.0);
        return;
    }
    // The first adjustment is the call that reaches warmup_calls.
    QVERIFY(near(controller.toolState(A).friction, 0.08 * (ema - 0.05)));
}

void TestFrictionController::deadZone_data()
{
    QTest::addColumn<double>("target");
    QTest::addColumn<double>("deadZone");
    QTest::addColumn<double>("friction");
    // alpha 1, one call of "a": ema 1, error = 1 - target.
    QTest::newRow("inside the dead zone") << 0.995 << 0.01 << 0.0;
    QTest::newRow("outside") << 0.98 << 0.01 << 0.08 * (1 - 0.98);
    QTest::newRow("exactly at it changes") << 0.5 << 0.5 << 0.04;
    QTest::newRow("no dead zone") << 0.999 << 0.0 << 0.08 * (1 - 0.999);
}

void TestFrictionController::deadZone()
{
    QFETCH(double, target);
    QFETCH(double, deadZone);
    QFETCH(double, friction);
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}}})");
    config.tools[A].targetRate = target;
    config.deadZone = deadZone;
    config.emaAlpha = 1;
    config.warmupCalls = 0;
    Controller controller(config);
    controller.record(A, 0);
    QVERIFY2(near(controller.toolState(A).friction, friction),
             qPrintable(QString::number(controller.toolState(A).friction, 'g', 17)));
}

void TestFrictionController::asymmetricDecay_data()
{
    QTest::addColumn<double>("asymmetric");
    QTest::addColumn<double>("after");
    // Four calls of "a" (window 1, alpha 1, target 0.5, rate 0.1) raise friction by 0.05
    // each to 0.2; one call of "b" has error -0.5: the fall is 0.05 * asymmetric_decay.
    QTest::newRow("default doubles the fall") << 2.0 << 0.1;
    QTest::newRow("symmetric") << 1.0 << 0.15;
    QTest::newRow("three times") << 3.0 << 0.05;
}

void TestFrictionController::asymmetricDecay()
{
    QFETCH(double, asymmetric);
    QFETCH(double, after);
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {"target_rate": 0.5}},
        "controller": {"window_size": 1, "ema_alpha": 1, "warmup_calls": 0,
                       "adjustment_rate": 0.1, "dead_zone": 0}})");
    config.asymmetricDecay = asymmetric;
    Controller controller(config);
    recordAll(controller, QStringLiteral("a,a,a,a"));
    QVERIFY(near(controller.toolState(A).friction, 0.2));
    controller.record(B, 0);
    QVERIFY2(near(controller.toolState(A).friction, after),
             qPrintable(QString::number(controller.toolState(A).friction, 'g', 17)));
}

void TestFrictionController::clamp()
{
    Controller controller(FrictionTest::config(R"({"tools": {"a": {"target_rate": 0.01}},
        "controller": {"window_size": 1, "ema_alpha": 1, "warmup_calls": 0,
                       "adjustment_rate": 1, "asymmetric_decay": 100}})"));
    recordAll(controller, QStringLiteral("a,a,a"));
    QCOMPARE(controller.toolState(A).friction, 1.0);
    controller.record(B, 0);
    QCOMPARE(controller.toolState(A).friction, 0.0);
}

void TestFrictionController::bandsAndCost_data()
{
    QTest::addColumn<double>("friction");
    QTest::addColumn<int>("band");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<bool>("justification");
    auto row = [](const char *name, double f, Band band) {
        QTest::newRow(name) << f << static_cast<int>(band) << (band != Band::Blocked)
                            << (band == Band::High);
    };
    row("zero is NONE", 0.0, Band::None);
    row("just above zero is LOW", 1e-6, Band::Low);
    row("0.3 is still LOW", 0.3, Band::Low);
    row("above 0.3 is MEDIUM", 0.3001, Band::Medium);
    row("below justification is MEDIUM", 0.5999, Band::Medium);
    row("at justification is HIGH", 0.6, Band::High);
    row("below block is HIGH", 0.9499, Band::High);
    row("at block is BLOCKED", 0.95, Band::Blocked);
    row("one is BLOCKED", 1.0, Band::Blocked);
}

void TestFrictionController::bandsAndCost()
{
    QFETCH(double, friction);
    QFETCH(int, band);
    QFETCH(bool, allowed);
    QFETCH(bool, justification);
    Controller controller(FrictionTest::config(R"({"tools": {"a": {}}})"));
    setFriction(controller, A, friction, 10);
    const Friction::CheckResult r = controller.check(A, 10);
    QCOMPARE(r.friction, friction);
    QCOMPARE(static_cast<int>(r.band), band);
    QCOMPARE(r.allowed, allowed);
    QCOMPARE(r.justificationRequired, justification);
    QVERIFY(near(r.cost, 0.5 + friction * (10.0 - 0.5)));
    QVERIFY(r.configured);
    QCOMPARE(r.target, 0.05);
    QCOMPARE(r.effectiveTarget, 0.05);
    QCOMPARE(r.hardBlockThreshold, 0.95);
    if (r.band == Band::Blocked)
        QVERIFY(near(r.secondsUntilUnblocked, std::log(friction / 0.95) / 0.001, 1e-6));
    else
        QCOMPARE(r.secondsUntilUnblocked, 0.0);
}

void TestFrictionController::budget_data()
{
    QTest::addColumn<double>("budget");
    QTest::addColumn<int>("calls");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<double>("remaining");
    // Every call of "a" costs exactly 3 (min_cost = max_cost = 3).
    QTest::newRow("plenty") << 10.0 << 2 << true << 4.0;
    QTest::newRow("exactly enough left") << 9.0 << 2 << true << 3.0;
    QTest::newRow("not enough left") << 10.0 << 3 << false << 1.0;
    QTest::newRow("zero budget") << 0.0 << 0 << false << 0.0;
}

void TestFrictionController::budget()
{
    QFETCH(double, budget);
    QFETCH(int, calls);
    QFETCH(bool, allowed);
    QFETCH(double, remaining);
    ControllerConfig config =
        FrictionTest::config(R"({"tools": {"a": {"min_cost": 3, "max_cost": 3}}})");
    config.defaultBudget = budget;
    Controller controller(config);
    for (int i = 0; i < calls; ++i)
        QCOMPARE(controller.record(A, 0).cost, 3.0);
    controller.record(QStringLiteral("unconfigured"), 0); // costs nothing
    const Friction::CheckResult r = controller.check(A, 0);
    QCOMPARE(r.allowed, allowed);
    QCOMPARE(r.overBudget, !allowed);
    QCOMPARE(r.budgetRemaining, remaining);
    QCOMPARE(r.band, Band::None);
    QCOMPARE(controller.budgetRemaining(), remaining);
}

void TestFrictionController::windowCountBound()
{
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}, "b": {}}})");
    config.windowSize = 5;
    Controller controller(config);
    for (int i = 0; i < 10; ++i)
        controller.record(A, i);
    QCOMPARE(controller.callsInWindow(), 5);
    QCOMPARE(controller.toolState(A).countInWindow, 5);
    recordAll(controller, QStringLiteral("b,b"), 10);
    QCOMPARE(controller.callsInWindow(), 5);
    QCOMPARE(controller.toolState(A).countInWindow, 3);
    QCOMPARE(controller.toolState(B).countInWindow, 2);
    QCOMPARE(controller.totalCalls(), 12);
}

void TestFrictionController::windowTimeBound_data()
{
    QTest::addColumn<double>("windowSeconds");
    QTest::addColumn<double>("idle");
    QTest::addColumn<int>("staleCalls");
    QTest::newRow("stale calls leave the window (defect 4)") << 100.0 << 150.0 << 0;
    QTest::newRow("recent calls stay") << 100.0 << 50.0 << 5;
    QTest::newRow("at exactly the window age they stay") << 100.0 << 96.0 << 5;
    QTest::newRow("partly expired") << 100.0 << 98.5 << 2;
}

void TestFrictionController::windowTimeBound()
{
    QFETCH(double, windowSeconds);
    QFETCH(double, idle);
    QFETCH(int, staleCalls);
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}, "b": {}}})");
    config.windowSeconds = windowSeconds;
    config.emaAlpha = 1;
    Controller controller(config);
    for (int i = 0; i < 5; ++i)
        controller.record(A, i); // at 0..4
    const double now = 4 + idle;
    // A check also moves the window.
    (void)controller.check(B, now);
    QCOMPARE(controller.toolState(A).countInWindow, staleCalls);
    QCOMPARE(controller.callsInWindow(), staleCalls);
    controller.record(B, now);
    // With alpha 1 the EMA is the raw rate: only calls inside the window count.
    QVERIFY(near(controller.toolState(A).ema, staleCalls / (staleCalls + 1.0)));
}

void TestFrictionController::blockedToolRecoversByIdleTime_data()
{
    QTest::addColumn<double>("rate");
    QTest::newRow("default rate") << 0.001;
    QTest::newRow("fast") << 0.05;
    QTest::newRow("no decay never recovers") << 0.0;
}

void TestFrictionController::blockedToolRecoversByIdleTime()
{
    // Defect 1: decay ran only on record, and blocked calls are not recorded.
    QFETCH(double, rate);
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {"target_rate": 0.01}},
        "controller": {"warmup_calls": 0, "adjustment_rate": 1, "ema_alpha": 1}})");
    config.timeDecayRate = rate;
    Controller controller(config);
    recordAll(controller, QStringLiteral("a,a"), 0);
    Friction::CheckResult r = controller.check(A, 0);
    QCOMPARE(r.band, Band::Blocked);
    QCOMPARE(r.friction, 1.0);
    QVERIFY(!r.allowed);
    if (rate == 0) {
        QVERIFY(std::isinf(r.secondsUntilUnblocked));
        QCOMPARE(controller.check(A, 1e7).band, Band::Blocked);
        return;
    }
    const double wait = r.secondsUntilUnblocked;
    QVERIFY(near(wait, std::log(1.0 / 0.95) / rate, 1e-6));
    // Only checks from here on, as the resource server does for blocked calls.
    r = controller.check(A, wait * 0.99);
    QCOMPARE(r.band, Band::Blocked);
    QVERIFY(near(r.friction, std::exp(-rate * wait * 0.99)));
    QVERIFY(r.secondsUntilUnblocked < wait);
    r = controller.check(A, wait * 1.01);
    QCOMPARE(r.band, Band::High);
    QVERIFY(r.allowed);
    QCOMPARE(controller.totalCalls(), 2);
}

void TestFrictionController::decayOnCheckAlsoDecaysEma()
{
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}}})");
    Controller controller(config);
    controller.record(A, 100);
    const double ema = controller.toolState(A).ema;
    const Friction::CheckResult r = controller.check(A, 100 + 693.147);
    QVERIFY(near(r.ema, ema / 2, 1e-6));
    QCOMPARE(controller.lastUpdate(), 100 + 693.147);
}

void TestFrictionController::timeGoingBackwardsIsIgnored()
{
    Controller controller(FrictionTest::config(R"({"tools": {"a": {}}})"));
    setFriction(controller, A, 0.8, 1000);
    QCOMPARE(controller.check(A, 10).friction, 0.8);
    controller.record(A, 5);
    QCOMPARE(controller.lastUpdate(), 1000.0);
    QCOMPARE(controller.callsInWindow(), 1);
}

void TestFrictionController::saturationReliefBoundedAndRecovering_data()
{
    QTest::addColumn<double>("maxRelief");
    QTest::addColumn<double>("cap");
    QTest::newRow("default factor 2") << 2.0 << 0.10;
    QTest::newRow("factor 1.5") << 1.5 << 0.075;
    QTest::newRow("factor 1: no relief") << 1.0 << 0.05;
}

void TestFrictionController::saturationReliefBoundedAndRecovering()
{
    // Defect 2: relief raised the target without bound and never brought it back.
    QFETCH(double, maxRelief);
    QFETCH(double, cap);
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}},
        "controller": {"warmup_calls": 0, "adjustment_rate": 1, "ema_alpha": 1,
                       "window_size": 1, "saturation_window": 3, "asymmetric_decay": 10}})");
    config.maxReliefFactor = maxRelief;
    Controller controller(config);
    QStringList saturated;
    for (int i = 0; i < 2; ++i)
        saturated += controller.record(A, 0).newlySaturated;
    QVERIFY(saturated.isEmpty());
    QCOMPARE(controller.toolState(A).saturationCount, 2);
    QVERIFY(!controller.toolState(A).saturated);
    saturated += controller.record(A, 0).newlySaturated; // the third: saturated
    QCOMPARE(saturated, QStringList{A});
    QVERIFY(controller.toolState(A).saturated);
    QVERIFY(near(controller.toolState(A).effectiveTarget, std::min(cap, 0.05 + 0.005)));
    for (int i = 0; i < 200; ++i)
        saturated += controller.record(A, 0).newlySaturated;
    QCOMPARE(saturated.size(), 1); // reported once
    QVERIFY(near(controller.toolState(A).effectiveTarget, cap));
    QVERIFY(controller.check(A, 0).saturated);
    QVERIFY(near(controller.check(A, 0).effectiveTarget, cap));

    // Friction falls below the threshold (one fall of 10 * error): the count resets and the target
    // comes back by relief_recovery_rate per call, never below the configured one.
    controller.record(B, 0);
    QVERIFY(controller.toolState(A).friction < 0.9);
    QCOMPARE(controller.toolState(A).saturationCount, 0);
    QVERIFY(!controller.toolState(A).saturated);
    QVERIFY(near(controller.toolState(A).effectiveTarget, std::max(0.05, cap - 0.005)));
    for (int i = 0; i < 30; ++i)
        controller.record(B, 0);
    QVERIFY(near(controller.toolState(A).effectiveTarget, 0.05));
}

void TestFrictionController::saturationOffByDefault()
{
    Controller controller(FrictionTest::config(R"({"tools": {"a": {}},
        "controller": {"warmup_calls": 0, "adjustment_rate": 1, "ema_alpha": 1}})"));
    for (int i = 0; i < 50; ++i)
        QVERIFY(controller.record(A, 0).newlySaturated.isEmpty());
    QCOMPARE(controller.toolState(A).friction, 1.0);
    QVERIFY(!controller.toolState(A).saturated);
    QCOMPARE(controller.toolState(A).effectiveTarget, 0.05);
}

void TestFrictionController::groupPressure_data()
{
    QTest::addColumn<QString>("sequence");
    QTest::addColumn<double>("weight");
    QTest::addColumn<double>("frictionA");
    QTest::addColumn<double>("frictionB");
    // alpha 1, targets 0.5 (own error < 0: no own rise), adjustments only at the last call
    // (warmup = sequence length), aggregate_target 0.2, rate 0.08:
    // a += 0.08 * (aggregate - 0.2) * (ema_a / aggregate) * weight.
    QTest::newRow("equal shares") << "a,b,x,x" << 1.0 << 0.08 * 0.3 * 0.5 << 0.08 * 0.3 * 0.5;
    QTest::newRow("unequal shares")
        << "a,a,a,b,x,x,x,x" << 1.0 << 0.08 * 0.3 * 0.75 << 0.08 * 0.3 * 0.25;
    QTest::newRow("weight 2") << "a,b,x,x" << 2.0 << 0.08 * 0.3 * 0.5 * 2 << 0.08 * 0.3 * 0.5 * 2;
    QTest::newRow("weight 0") << "a,b,x,x" << 0.0 << 0.0 << 0.0;
    QTest::newRow("under the aggregate target") << "a,x,x,x,x,x,x,x,x,x" << 1.0 << 0.0 << 0.0;
    QTest::newRow("at the aggregate target") << "a,x,x,x,x" << 1.0 << 0.0 << 0.0;
}

void TestFrictionController::groupPressure()
{
    QFETCH(QString, sequence);
    QFETCH(double, weight);
    QFETCH(double, frictionA);
    QFETCH(double, frictionB);
    ControllerConfig config = FrictionTest::config(R"({
        "tools": {"a": {"target_rate": 0.5}, "b": {"target_rate": 0.5}, "c": {}},
        "groups": {"g": {"tools": ["a", "b"]}},
        "controller": {"ema_alpha": 1}})");
    config.groups[QStringLiteral("g")].pressureWeight = weight;
    config.warmupCalls = static_cast<int>(sequence.count(QLatin1Char(',')) + 1);
    Controller controller(config);
    recordAll(controller, sequence);
    QVERIFY2(near(controller.toolState(A).friction, frictionA),
             qPrintable(QString::number(controller.toolState(A).friction, 'g', 17)));
    QVERIFY2(near(controller.toolState(B).friction, frictionB),
             qPrintable(QString::number(controller.toolState(B).friction, 'g', 17)));
    QCOMPARE(controller.toolState(QStringLiteral("c")).friction, 0.0);
    const double aggregate = controller.toolState(A).ema + controller.toolState(B).ema;
    QVERIFY(near(controller.groupEma(QStringLiteral("g")), aggregate));
}

void TestFrictionController::unconfiguredToolsAreDenominatorWithCostZero()
{
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}}})");
    config.emaAlpha = 1;
    config.defaultBudget = 5;
    Controller controller(config);
    controller.record(A, 0);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(controller.record(QStringLiteral("list_tasks"), 0).cost, 0.0);
    QCOMPARE(controller.callsInWindow(), 4);
    QVERIFY(near(controller.toolState(A).ema, 0.25));
    QCOMPARE(controller.budgetRemaining(), 4.5);
    const Friction::CheckResult r = controller.check(QStringLiteral("list_tasks"), 0);
    QVERIFY(!r.configured);
    QCOMPARE(r.cost, 0.0);
    QCOMPARE(r.band, Band::None);
    QVERIFY(r.allowed);
    QCOMPARE(r.tool, QStringLiteral("list_tasks"));
}

void TestFrictionController::penaltyFloorHoldsAgainstRecords()
{
    ControllerConfig config = FrictionTest::config(R"({"tools": {"a": {}, "b": {}},
        "controller": {"warmup_calls": 0, "ema_alpha": 1, "adjustment_rate": 1}})");
    Controller controller(config);
    setFriction(controller, A, 0.97, 0);
    // Calls of other tools would drive a's friction to 0 at once; the floor keeps it.
    recordAll(controller, QStringLiteral("b,b,b"), 0);
    QCOMPARE(controller.check(A, 0).band, Band::Blocked);
    QCOMPARE(controller.toolState(A).floor, 0.97);
    // The floor decays with time like friction.
    const double t = std::log(0.97 / 0.5) / 0.001;
    controller.record(B, t);
    QVERIFY(near(controller.toolState(A).floor, 0.5, 1e-9));
    QVERIFY(near(controller.toolState(A).friction, 0.5, 1e-9));
}

void TestFrictionController::penaltyMerge()
{
    Friction::Penalty older;
    older.friction.insert(A, 0.8);
    older.budgetRemaining = 5;
    older.time = 0;
    Friction::Penalty newer;
    newer.friction.insert(A, 0.3);
    newer.friction.insert(B, 0.6);
    newer.time = 693.147180559945;
    older.merge(newer, 0.001);
    QCOMPARE(older.time, newer.time);
    QVERIFY(near(older.friction.value(A), 0.4, 1e-9)); // 0.8 halved beats 0.3
    QCOMPARE(older.friction.value(B), 0.6);
    QCOMPARE(older.budgetRemaining, 5.0);
    QVERIFY(!older.isEmpty());
    QVERIFY(Friction::Penalty{}.isEmpty());
}

void TestFrictionController::inheritedCallsCountTowardsWarmup()
{
    Controller controller(FrictionTest::config(R"({"tools": {"a": {}}})"));
    Friction::Penalty penalty;
    penalty.totalCalls = 25;
    controller.applyPenalty(penalty, 0);
    controller.record(A, 0);
    QVERIFY(controller.toolState(A).friction > 0); // no second warmup
    QCOMPARE(controller.totalCalls(), 1);          // its own calls only
    QCOMPARE(controller.penalty(0).totalCalls, 26);
}

void TestFrictionController::reconfigureKeepsState()
{
    ControllerConfig first = FrictionTest::config(R"({"tools": {"a": {}, "b": {}},
        "controller": {"warmup_calls": 0, "default_budget": 100}})");
    Controller controller(first);
    recordAll(controller, QStringLiteral("a,a,b,c,c"));
    const Friction::ToolState a = controller.toolState(A);
    QVERIFY(a.friction > 0);
    const double spent = 100 - controller.budgetRemaining();
    QVERIFY(spent > 1);

    ControllerConfig second = FrictionTest::config(R"({"tools": {"a": {}, "c": {}},
        "controller": {"warmup_calls": 0, "window_size": 3, "default_budget": 50}})");
    controller.reconfigure(Friction::Layout::make(second));
    QCOMPARE(controller.toolState(A).friction, a.friction);
    QCOMPARE(controller.toolState(A).ema, a.ema);
    // The newest three calls (b, c, c) stay; c is now configured and counted.
    QCOMPARE(controller.callsInWindow(), 3);
    QCOMPARE(controller.toolState(A).countInWindow, 0);
    QCOMPARE(controller.toolState(QStringLiteral("c")).countInWindow, 2);
    QCOMPARE(controller.toolState(QStringLiteral("c")).friction, 0.0);
    QCOMPARE(controller.toolState(B).countInWindow, 0);
    // The budget keeps what was spent under the old default.
    QVERIFY(near(controller.budgetRemaining(), 50 - spent));
}

void TestFrictionController::snapshotDecaysWithoutChanging()
{
    Controller controller(FrictionTest::config(R"({"tools": {"a": {}}})"));
    setFriction(controller, A, 0.8, 0);
    const QJsonObject snapshot = controller.snapshot(693.147180559945);
    const QJsonObject tool = snapshot.value(QStringLiteral("tools")).toArray().at(0).toObject();
    QCOMPARE(tool.value(QStringLiteral("tool")).toString(), A);
    QVERIFY(near(tool.value(QStringLiteral("friction")).toDouble(), 0.4, 1e-9));
    QCOMPARE(tool.value(QStringLiteral("band")).toString(), QStringLiteral("medium"));
    QVERIFY(snapshot.value(QStringLiteral("budget_remaining")).isNull());
    QCOMPARE(controller.toolState(A).friction, 0.8); // unchanged
}

QTEST_GUILESS_MAIN(TestFrictionController)
#include "tst_frictioncontroller.moc"
