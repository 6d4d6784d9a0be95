#include <cmath>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include "friction/config.h"
#include "frictiontestutil.h"

using Friction::ControllerConfig;

class TestFrictionConfig : public QObject
{
    Q_OBJECT

private slots:
    void defaultsAreThoseOfFrictionMd();
    void loadsEveryField();
    void roundTrip();
    void rejects_data();
    void rejects();
    void validateCatchesProgrammaticValues_data();
    void validateCatchesProgrammaticValues();
    void principalModeNames();
};

namespace {

QJsonObject parse(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

void TestFrictionConfig::defaultsAreThoseOfFrictionMd()
{
    const ControllerConfig c;
    QCOMPARE(c.windowSize, 100);
    QCOMPARE(c.windowSeconds, 3600.0);
    QCOMPARE(c.emaAlpha, 0.15);
    QCOMPARE(c.adjustmentRate, 0.08);
    QCOMPARE(c.asymmetricDecay, 2.0);
    QCOMPARE(c.deadZone, 0.01);
    QCOMPARE(c.warmupCalls, 20);
    QCOMPARE(c.timeDecayRate, 0.001);
    QVERIFY(std::isinf(c.defaultBudget) && c.defaultBudget > 0);
    QCOMPARE(c.saturationThreshold, 0.9);
    QCOMPARE(c.saturationWindow, 0);
    QCOMPARE(c.saturationReliefRate, 0.005);
    QCOMPARE(c.maxReliefFactor, 2.0);
    QCOMPARE(c.reliefRecoveryRate, 0.005);
    QCOMPARE(c.principalMode, Friction::PrincipalMode::Subject);
    QVERIFY(c.enabled);
    QVERIFY(c.validate().ok());

    const Friction::ToolConfig t;
    QCOMPARE(t.targetRate, 0.05);
    QCOMPARE(t.minCost, 0.5);
    QCOMPARE(t.maxCost, 10.0);
    QCOMPARE(t.justificationThreshold, 0.6);
    QCOMPARE(t.hardBlockThreshold, 0.95);

    const Friction::GroupConfig g;
    QCOMPARE(g.aggregateTarget, 0.20);
    QCOMPARE(g.pressureWeight, 1.0);

    // An empty "friction" object is the defaults; a tool object without members too.
    auto loaded = ControllerConfig::fromJson(parse(R"({"tools": {"echo": {}}})"));
    FRICTION_VERIFY_OK(loaded);
    QCOMPARE(loaded->tools.value(QStringLiteral("echo")).maxCost, 10.0);
    QCOMPARE(loaded->windowSize, 100);
}

void TestFrictionConfig::loadsEveryField()
{
    auto loaded = ControllerConfig::fromJson(parse(R"({
        "enabled": false, "principal": "subject+client", "max_principals": 7,
        "controller": {"window_size": 50, "window_seconds": 60.5, "ema_alpha": 0.3,
            "adjustment_rate": 0.1, "asymmetric_decay": 3, "dead_zone": 0.02,
            "warmup_calls": 5, "time_decay_rate": 0.01, "default_budget": 250,
            "saturation_threshold": 0.8, "saturation_window": 4,
            "saturation_relief_rate": 0.01, "max_relief_factor": 1.5,
            "relief_recovery_rate": 0.002},
        "tools": {"delete_task": {"target_rate": 0.02, "min_cost": 1, "max_cost": 20,
            "justification_threshold": 0.5, "hard_block_threshold": 0.9},
            "create_task": {}},
        "groups": {"writes": {"tools": ["delete_task", "create_task"],
            "aggregate_target": 0.3, "pressure_weight": 0.5}}
    })"));
    FRICTION_VERIFY_OK(loaded);
    const ControllerConfig &c = *loaded;
    QCOMPARE(c.enabled, false);
    QCOMPARE(c.principalMode, Friction::PrincipalMode::SubjectAndClient);
    QCOMPARE(c.maxPrincipals, 7);
    QCOMPARE(c.windowSize, 50);
    QCOMPARE(c.windowSeconds, 60.5);
    QCOMPARE(c.emaAlpha, 0.3);
    QCOMPARE(c.adjustmentRate, 0.1);
    QCOMPARE(c.asymmetricDecay, 3.0);
    QCOMPARE(c.deadZone, 0.02);
    QCOMPARE(c.warmupCalls, 5);
    QCOMPARE(c.timeDecayRate, 0.01);
    QCOMPARE(c.defaultBudget, 250.0);
    QCOMPARE(c.saturationThreshold, 0.8);
    QCOMPARE(c.saturationWindow, 4);
    QCOMPARE(c.saturationReliefRate, 0.01);
    QCOMPARE(c.maxReliefFactor, 1.5);
    QCOMPARE(c.reliefRecoveryRate, 0.002);
    const Friction::ToolConfig *t = c.tool(QStringLiteral("delete_task"));
    QVERIFY(t);
    QCOMPARE(t->targetRate, 0.02);
    QCOMPARE(t->minCost, 1.0);
    QCOMPARE(t->maxCost, 20.0);
    QCOMPARE(t->justificationThreshold, 0.5);
    QCOMPARE(t->hardBlockThreshold, 0.9);
    QVERIFY(!c.tool(QStringLiteral("Delete_task")));
    const Friction::GroupConfig g = c.groups.value(QStringLiteral("writes"));
    QCOMPARE(g.tools, QStringList({QStringLiteral("delete_task"), QStringLiteral("create_task")}));
    QCOMPARE(g.aggregateTarget, 0.3);
    QCOMPARE(g.pressureWeight, 0.5);
}

void TestFrictionConfig::roundTrip()
{
    ControllerConfig c;
    c.principalMode = Friction::PrincipalMode::Client;
    c.windowSize = 17;
    c.defaultBudget = 99.5;
    c.tools.insert(QStringLiteral("a"), Friction::ToolConfig{0.1, 1, 2, 0.4, 0.8});
    c.tools.insert(QStringLiteral("b"), Friction::ToolConfig{});
    Friction::GroupConfig group;
    group.tools = {QStringLiteral("b"), QStringLiteral("a")};
    c.groups.insert(QStringLiteral("g"), group);
    auto again = ControllerConfig::fromJson(c.toJson());
    FRICTION_VERIFY_OK(again);
    QCOMPARE(again->toJson(), c.toJson());

    // Infinite budget is written as null and read back as infinite.
    const ControllerConfig unlimited;
    QVERIFY(unlimited.toJson()
                .value(QStringLiteral("controller"))
                .toObject()
                .value(QStringLiteral("default_budget"))
                .isNull());
    auto back = ControllerConfig::fromJson(unlimited.toJson());
    QVERIFY(back.ok());
    QVERIFY(std::isinf(back->defaultBudget));
}

void TestFrictionConfig::rejects_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("message");

    // Top level.
    QTest::newRow("unknown top-level")
        << QByteArray(R"({"window_size": 5})") << "friction.window_size: unknown setting";
    QTest::newRow("enabled type") << QByteArray(R"({"enabled": 1})")
                                  << "friction.enabled: must be true or false";
    QTest::newRow("principal value")
        << QByteArray(R"({"principal": "user"})") << "friction.principal: must be";
    QTest::newRow("principal type")
        << QByteArray(R"({"principal": 1})") << "friction.principal: must be a string";
    QTest::newRow("max_principals 0") << QByteArray(R"({"max_principals": 0})")
                                      << "friction.max_principals: must be a whole number";
    QTest::newRow("max_principals fraction")
        << QByteArray(R"({"max_principals": 2.5})") << "friction.max_principals: must be";
    QTest::newRow("controller type")
        << QByteArray(R"({"controller": []})") << "friction.controller: must be a JSON object";
    QTest::newRow("tools type") << QByteArray(R"({"tools": [1]})")
                                << "friction.tools: must be a JSON object";
    QTest::newRow("groups type") << QByteArray(R"({"groups": "x"})")
                                 << "friction.groups: must be a JSON object";

    // Controller: every parameter, out of range and of the wrong type.
    const struct
    {
        const char *name;
        const char *bad;
    } controller[] = {
        {"window_size", "0"},
        {"window_size", "2.5"},
        {"window_size", "100001"},
        {"window_seconds", "0"},
        {"window_seconds", "-1"},
        {"ema_alpha", "0"},
        {"ema_alpha", "1.01"},
        {"adjustment_rate", "0"},
        {"adjustment_rate", "2"},
        {"asymmetric_decay", "0"},
        {"asymmetric_decay", "101"},
        {"dead_zone", "-0.1"},
        {"dead_zone", "1"},
        {"warmup_calls", "-1"},
        {"warmup_calls", "1.5"},
        {"time_decay_rate", "-0.001"},
        {"time_decay_rate", "2"},
        {"default_budget", "-5"},
        {"default_budget", "\"lots\""},
        {"saturation_threshold", "0"},
        {"saturation_threshold", "1.5"},
        {"saturation_window", "-1"},
        {"saturation_window", "0.5"},
        {"saturation_relief_rate", "-0.1"},
        {"saturation_relief_rate", "1.1"},
        {"max_relief_factor", "0.99"},
        {"max_relief_factor", "1000"},
        {"relief_recovery_rate", "-1"},
        {"relief_recovery_rate", "1.5"},
        {"ema_alpha", "\"0.1\""},
        {"window_size", "null"},
        {"no_such_parameter", "1"},
    };
    for (const auto &row : controller) {
        QTest::addRow("controller.%s=%s", row.name, row.bad)
            << (QByteArray(R"({"controller": {")") + row.name + "\": " + row.bad + "}}")
            << QStringLiteral("friction.controller.") + QLatin1String(row.name) +
                   QStringLiteral(": ");
    }

    // Tools: every member.
    const struct
    {
        const char *name;
        const char *bad;
    } tool[] = {
        {"target_rate", "0"},
        {"target_rate", "1.5"},
        {"min_cost", "-1"},
        {"max_cost", "-1"},
        {"min_cost", "\"cheap\""},
        {"justification_threshold", "0"},
        {"justification_threshold", "1"},
        {"hard_block_threshold", "0"},
        {"hard_block_threshold", "1.01"},
        {"colour", "1"},
    };
    for (const auto &row : tool) {
        QTest::addRow("tools.delete_task.%s=%s", row.name, row.bad)
            << (QByteArray(R"({"tools": {"delete_task": {")") + row.name + "\": " + row.bad + "}}}")
            << QStringLiteral("friction.tools.delete_task.") + QLatin1String(row.name) +
                   QStringLiteral(": ");
    }
    QTest::newRow("max_cost < min_cost")
        << QByteArray(R"({"tools": {"delete_task": {"min_cost": 5, "max_cost": 4}}})")
        << "friction.tools.delete_task.max_cost: must be >= min_cost";
    QTest::newRow("thresholds equal")
        << QByteArray(R"({"tools": {"delete_task": {"justification_threshold": 0.9,
                         "hard_block_threshold": 0.9}}})")
        << "friction.tools.delete_task.justification_threshold: must be < hard_block_threshold";
    QTest::newRow("thresholds reversed")
        << QByteArray(R"({"tools": {"t": {"justification_threshold": 0.8,
                         "hard_block_threshold": 0.7}}})")
        << "friction.tools.t.justification_threshold: must be < hard_block_threshold";
    QTest::newRow("tool not an object")
        << QByteArray(R"({"tools": {"t": 1}})") << "friction.tools.t: must be a JSON object";
    QTest::newRow("tool name with space") << QByteArray(R"({"tools": {"delete task": {}}})")
                                          << "friction.tools.delete task: a tool name";
    QTest::newRow("tool name empty")
        << QByteArray(R"({"tools": {"": {}}})") << "friction.tools.: a tool name";
    QTest::newRow("tool name too long")
        << (QByteArray(R"({"tools": {")") + QByteArray(129, 'x') + R"(": {}}})")
        << "a tool name must be 1 to 128 characters";

    // Groups.
    QTest::newRow("group without tools")
        << QByteArray(R"({"groups": {"w": {}}})") << "friction.groups.w.tools: is required";
    QTest::newRow("group tools empty") << QByteArray(R"({"groups": {"w": {"tools": []}}})")
                                       << "friction.groups.w.tools: must name at least one tool";
    QTest::newRow("group tools not array")
        << QByteArray(R"({"groups": {"w": {"tools": "a"}}})")
        << "friction.groups.w.tools: must be an array of tool names";
    QTest::newRow("group tools not strings")
        << QByteArray(R"({"groups": {"w": {"tools": [1]}}})")
        << "friction.groups.w.tools: must be an array of tool names";
    QTest::newRow("group member missing")
        << QByteArray(R"({"tools": {"a": {}}, "groups": {"w": {"tools": ["a", "b"]}}})")
        << "friction.groups.w.tools: 'b' is not a configured tool";
    QTest::newRow("group member twice")
        << QByteArray(R"({"tools": {"a": {}}, "groups": {"w": {"tools": ["a", "a"]}}})")
        << "friction.groups.w.tools: names 'a' twice";
    QTest::newRow("group aggregate_target 0")
        << QByteArray(R"({"tools": {"a": {}}, "groups": {"w": {"tools": ["a"],
                         "aggregate_target": 0}}})")
        << "friction.groups.w.aggregate_target: ";
    QTest::newRow("group aggregate_target > 1")
        << QByteArray(R"({"tools": {"a": {}}, "groups": {"w": {"tools": ["a"],
                         "aggregate_target": 1.2}}})")
        << "friction.groups.w.aggregate_target: ";
    QTest::newRow("group pressure_weight < 0")
        << QByteArray(R"({"tools": {"a": {}}, "groups": {"w": {"tools": ["a"],
                         "pressure_weight": -1}}})")
        << "friction.groups.w.pressure_weight: ";
    QTest::newRow("group unknown member")
        << QByteArray(R"({"tools": {"a": {}}, "groups": {"w": {"tools": ["a"], "x": 1}}})")
        << "friction.groups.w.x: unknown setting";
    QTest::newRow("group not an object")
        << QByteArray(R"({"groups": {"w": 3}})") << "friction.groups.w: must be a JSON object";
}

void TestFrictionConfig::rejects()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, message);
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(json, &error);
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    auto result = ControllerConfig::fromJson(document.object());
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, QStringLiteral("invalid_config"));
    QVERIFY2(result.error().message.contains(message),
             qPrintable(result.error().message + QStringLiteral(" / expected: ") + message));
}

void TestFrictionConfig::validateCatchesProgrammaticValues_data()
{
    QTest::addColumn<int>("which");
    QTest::addColumn<QString>("field");
    QTest::newRow("nan alpha") << 0 << "friction.controller.ema_alpha";
    QTest::newRow("infinite window_seconds") << 1 << "friction.controller.window_seconds";
    QTest::newRow("negative budget") << 2 << "friction.controller.default_budget";
    QTest::newRow("max_principals 0") << 3 << "friction.max_principals";
    QTest::newRow("group of unknown tool") << 4 << "friction.groups.g.tools";
    QTest::newRow("nan max_cost") << 5 << "friction.tools.t.max_cost";
}

void TestFrictionConfig::validateCatchesProgrammaticValues()
{
    QFETCH(int, which);
    QFETCH(QString, field);
    ControllerConfig c;
    c.tools.insert(QStringLiteral("t"), Friction::ToolConfig{});
    switch (which) {
    case 0:
        c.emaAlpha = std::nan("");
        break;
    case 1:
        c.windowSeconds = ControllerConfig::infinity;
        break;
    case 2:
        c.defaultBudget = -1;
        break;
    case 3:
        c.maxPrincipals = 0;
        break;
    case 4: {
        Friction::GroupConfig group;
        group.tools = {QStringLiteral("nope")};
        c.groups.insert(QStringLiteral("g"), group);
        break;
    }
    case 5:
        c.tools[QStringLiteral("t")].maxCost = std::nan("");
        break;
    }
    const Core::Status status = c.validate();
    QVERIFY(!status.ok());
    QVERIFY2(status.error().message.startsWith(field + QStringLiteral(": ")),
             qPrintable(status.error().message));
}

void TestFrictionConfig::principalModeNames()
{
    for (auto mode : {Friction::PrincipalMode::Subject, Friction::PrincipalMode::Client,
                      Friction::PrincipalMode::SubjectAndClient}) {
        auto back = Friction::principalModeFromName(Friction::principalModeName(mode));
        QVERIFY(back.ok());
        QCOMPARE(*back, mode);
    }
    QCOMPARE(Friction::principalModeName(Friction::PrincipalMode::SubjectAndClient),
             QStringLiteral("subject+client"));
    QVERIFY(!Friction::principalModeFromName(QStringLiteral("Subject")).ok());
}

QTEST_GUILESS_MAIN(TestFrictionConfig)
#include "tst_frictionconfig.moc"
