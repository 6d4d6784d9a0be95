#include <cmath>

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>

#include "friction/registry.h"
#include "frictiontestutil.h"

using Friction::Band;
using Friction::Decision;
using Friction::Event;
using Friction::EventType;
using Friction::Outcome;
using Friction::Principal;
using Friction::PrincipalMode;
using Friction::Registry;

namespace {

const QString kDelete = QStringLiteral("delete_task");
const QString kNone;

/// delete_task blocks on its second call: warmup 0, alpha 1, rate 1, target 0.01.
const QByteArray kBurstConfig = R"({"tools": {"delete_task": {"target_rate": 0.01},
    "echo": {"target_rate": 1}},
    "controller": {"warmup_calls": 0, "ema_alpha": 1, "adjustment_rate": 1}})";

Principal principal(const char *subject, const char *client, const char *issuer = "https://as")
{
    return Principal{QString::fromUtf8(subject), QString::fromUtf8(client),
                     QString::fromUtf8(issuer)};
}

Decision evaluate(Registry &registry, const Principal &who, const QString &tool, double now,
                  const QString &justification = QString())
{
    auto decision = registry.evaluate(who, tool, justification, now);
    if (!decision) {
        QTest::qFail(qPrintable(decision.error().toString()), __FILE__, __LINE__);
        return {};
    }
    return *decision;
}

QList<Event> eventsOf(const QSignalSpy &spy, EventType type)
{
    QList<Event> out;
    for (const QList<QVariant> &arguments : spy) {
        const Event event = arguments.at(0).value<Event>();
        if (event.type == type)
            out.append(event);
    }
    return out;
}

/// The principal's entry of a snapshot (empty when it is not there).
QJsonObject principalIn(const QJsonObject &snapshot, const QString &key)
{
    for (const QJsonValue &value : snapshot.value(QStringLiteral("principals")).toArray()) {
        if (value.toObject().value(QStringLiteral("principal")).toString() == key)
            return value.toObject();
    }
    return {};
}

QStringList capturedLines;
QtMessageHandler previousHandler = nullptr;

void captureFriction(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && QByteArray(context.category) == "mcpauth.friction")
        capturedLines.append(message);
    else
        previousHandler(type, context, message);
}

} // namespace

class TestFrictionRegistry : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void principalKey_data();
    void principalKey();
    void missingClientIdIsRefused_data();
    void missingClientIdIsRefused();
    void toolIdentityIsTheMcpToolName();
    void invalidToolName_data();
    void invalidToolName();
    void blockedCallIsRefusedWithMessage();
    void highNeedsJustification_data();
    void highNeedsJustification();
    void overBudgetIsRefused();
    void lruEviction();
    void newClientOfSameSubjectKeepsPenaltyFloor();
    void newClientOfSameSubjectKeepsBudget();
    void evictedPrincipalKeepsPenaltyAndRecoversByIdleTime();
    void setConfigKeepsState();
    void setConfigRejectsInvalid();
    void principalModeChangeHandsOnPenalties();
    void disabledAllowsEverything();
    void eventFields();
    void saturationEvent();
    void eventsAreLoggedAsJsonLines();
    void snapshot();
    void peekDoesNotRecord();
};

void TestFrictionRegistry::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.friction.info=false"));
}

void TestFrictionRegistry::principalKey_data()
{
    QTest::addColumn<int>("mode");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<QString>("client");
    QTest::addColumn<QString>("issuer");
    QTest::addColumn<QString>("key");
    const int subject = static_cast<int>(PrincipalMode::Subject);
    const int client = static_cast<int>(PrincipalMode::Client);
    const int both = static_cast<int>(PrincipalMode::SubjectAndClient);
    QTest::newRow("subject") << subject << "alice"
                             << "c1"
                             << "https://as"
                             << "iss=https://as|sub=alice";
    QTest::newRow("subject falls back to client") << subject << ""
                                                  << "c1"
                                                  << "https://as"
                                                  << "iss=https://as|client=c1";
    QTest::newRow("subject without issuer") << subject << "alice"
                                            << "c1"
                                            << ""
                                            << "sub=alice";
    QTest::newRow("client") << client << "alice"
                            << "c1"
                            << "https://as"
                            << "iss=https://as|client=c1";
    QTest::newRow("subject+client") << both << "alice"
                                    << "c1"
                                    << "https://as"
                                    << "iss=https://as|sub=alice|client=c1";
    QTest::newRow("subject+client without subject") << both << ""
                                                    << "c1"
                                                    << ""
                                                    << "client=c1";
    QTest::newRow("separators are escaped") << both << "a|client=x"
                                            << "c%1"
                                            << ""
                                            << "sub=a%7Cclient=x|client=c%251";
}

void TestFrictionRegistry::principalKey()
{
    QFETCH(int, mode);
    QFETCH(QString, subject);
    QFETCH(QString, client);
    QFETCH(QString, issuer);
    QFETCH(QString, key);
    auto result = Registry::principalKey(Principal{subject, client, issuer},
                                         static_cast<PrincipalMode>(mode));
    FRICTION_VERIFY_OK(result);
    QCOMPARE(*result, key);
}

void TestFrictionRegistry::missingClientIdIsRefused_data()
{
    QTest::addColumn<QString>("mode");
    QTest::newRow("subject") << "subject";
    QTest::newRow("client") << "client";
    QTest::newRow("subject+client") << "subject+client";
}

void TestFrictionRegistry::missingClientIdIsRefused()
{
    // Defect 6: calls without client_id were merged under "unknown".
    QFETCH(QString, mode);
    Registry registry;
    {
        auto config = FrictionTest::config(kBurstConfig);
        config.principalMode = *Friction::principalModeFromName(mode);
        FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    }
    auto decision = registry.evaluate(principal("alice", ""), kDelete, kNone, 1);
    QVERIFY(!decision.ok());
    QCOMPARE(decision.error().code, QStringLiteral("invalid_token"));
    QVERIFY(decision.error().message.contains(QStringLiteral("client_id")));
    QCOMPARE(registry.principalCount(), 0);
    QVERIFY(!registry.peek(principal("", ""), kDelete, 1).ok());
}

void TestFrictionRegistry::toolIdentityIsTheMcpToolName()
{
    // Defect 5: friction belongs to the MCP tool name, compared exactly.
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    const Principal alice = principal("alice", "c1");
    QCOMPARE(evaluate(registry, alice, kDelete, 0).outcome, Outcome::Allowed);
    QCOMPARE(evaluate(registry, alice, kDelete, 0).outcome, Outcome::Blocked);
    for (const QString &other : {QStringLiteral("Delete_task"), QStringLiteral("delete_task_"),
                                 QStringLiteral("deleteTask"), QStringLiteral("handle_delete")}) {
        const Decision d = evaluate(registry, alice, other, 0);
        QCOMPARE(d.outcome, Outcome::Allowed);
        QVERIFY(!d.check.configured);
        QCOMPARE(d.check.cost, 0.0);
        QCOMPARE(d.check.tool, other);
    }
    QCOMPARE(evaluate(registry, alice, kDelete, 0).check.tool, kDelete);
    QCOMPARE(evaluate(registry, alice, kDelete, 0).outcome, Outcome::Blocked);
}

void TestFrictionRegistry::invalidToolName_data()
{
    QTest::addColumn<QString>("tool");
    QTest::newRow("empty") << QString();
    QTest::newRow("space") << "delete task";
    QTest::newRow("slash") << "tools/delete";
    QTest::newRow("too long") << QString(129, QLatin1Char('x'));
    QTest::newRow("non-ASCII") << QStringLiteral("l\u00f6schen");
    QTest::newRow("control character") << QStringLiteral("echo\n");
}

void TestFrictionRegistry::invalidToolName()
{
    QFETCH(QString, tool);
    Registry registry;
    auto decision = registry.evaluate(principal("alice", "c1"), tool, kNone, 0);
    QVERIFY(!decision.ok());
    QCOMPARE(decision.error().code, QStringLiteral("invalid_request"));
    QCOMPARE(registry.principalCount(), 0);
}

void TestFrictionRegistry::blockedCallIsRefusedWithMessage()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    QSignalSpy spy(&registry, &Registry::eventOccurred);
    const Principal alice = principal("alice", "c1");
    evaluate(registry, alice, kDelete, 0);
    evaluate(registry, alice, kDelete, 0); // refused: friction 0.99 after the first call
    const Decision d = evaluate(registry, alice, kDelete, 0);
    QCOMPARE(d.outcome, Outcome::Blocked);
    QVERIFY(!d.allowed());
    QCOMPARE(d.check.band, Band::Blocked);
    // ln(0.99 / 0.95) / 0.001 = 41.2 s, rounded up.
    QCOMPARE(d.message, QStringLiteral("Tool 'delete_task' is blocked by friction control: "
                                       "friction 0.99 is at or above the block threshold 0.95. "
                                       "At idle it falls below the threshold in about 42 s."));
    const QList<Event> blocks = eventsOf(spy, EventType::Block);
    QCOMPARE(blocks.size(), 2);
    QCOMPARE(blocks.last().message, d.message);
    QCOMPARE(blocks.last().tool, kDelete);
    QVERIFY(!blocks.last().allowed);
    // Blocked calls are not recorded.
    const QJsonObject state = principalIn(registry.snapshot(0), d.principal);
    QCOMPARE(state.value(QStringLiteral("total_calls")).toInt(), 1);
    // Idle time, with nothing but checks in between, brings it back (defect 1).
    QCOMPARE(evaluate(registry, alice, kDelete, 41).outcome, Outcome::Blocked);
    // Below the block threshold it is HIGH: it runs with a justification.
    QCOMPARE(evaluate(registry, alice, kDelete, 42).outcome, Outcome::JustificationMissing);
    QCOMPARE(evaluate(registry, alice, kDelete, 42, QStringLiteral("cleanup")).outcome,
             Outcome::Justified);
}

void TestFrictionRegistry::highNeedsJustification_data()
{
    QTest::addColumn<QString>("justification");
    QTest::addColumn<int>("outcome");
    QTest::newRow("none") << QString() << static_cast<int>(Outcome::JustificationMissing);
    QTest::newRow("whitespace") << " \t\n" << static_cast<int>(Outcome::JustificationMissing);
    QTest::newRow("given") << "the user asked to clean up" << static_cast<int>(Outcome::Justified);
}

void TestFrictionRegistry::highNeedsJustification()
{
    // Defect 7: justification_required was only logged.
    QFETCH(QString, justification);
    QFETCH(int, outcome);
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(
        FrictionTest::config(R"({"tools": {"delete_task": {"justification_threshold": 0.05,
            "hard_block_threshold": 0.99}},
            "controller": {"warmup_calls": 0, "ema_alpha": 1}})"),
        0));
    QSignalSpy spy(&registry, &Registry::eventOccurred);
    const Principal alice = principal("alice", "c1");
    QCOMPARE(evaluate(registry, alice, kDelete, 0).outcome, Outcome::Allowed);
    const Decision d = evaluate(registry, alice, kDelete, 0, justification);
    QCOMPARE(d.check.band, Band::High);
    QVERIFY(d.check.justificationRequired);
    QCOMPARE(static_cast<int>(d.outcome), outcome);
    const int calls =
        principalIn(registry.snapshot(0), d.principal).value(QStringLiteral("total_calls")).toInt();
    if (d.outcome == Outcome::JustificationMissing) {
        QVERIFY(!d.allowed());
        QVERIFY(d.message.contains(QStringLiteral("'delete_task' needs a justification")));
        QVERIFY(d.message.contains(QStringLiteral("_meta.justification")));
        QVERIFY(d.message.contains(QStringLiteral("'justification' argument")));
        QCOMPARE(calls, 1);
        QCOMPARE(eventsOf(spy, EventType::JustificationMissing).size(), 1);
    } else {
        QVERIFY(d.allowed());
        QVERIFY(d.message.isEmpty());
        QCOMPARE(calls, 2);
        const QList<Event> events = eventsOf(spy, EventType::Justification);
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().justification, justification);
        QCOMPARE(events.first().toJson().value(QStringLiteral("justification")).toString(),
                 justification);
    }
}

void TestFrictionRegistry::overBudgetIsRefused()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(
        FrictionTest::config(R"({"tools": {"echo": {"target_rate": 1, "min_cost": 2,
            "max_cost": 2}}, "controller": {"default_budget": 5}})"),
        0));
    const Principal alice = principal("alice", "c1");
    const QString echo = QStringLiteral("echo");
    QVERIFY(evaluate(registry, alice, echo, 0).allowed());
    QVERIFY(evaluate(registry, alice, echo, 0).allowed());
    const Decision d = evaluate(registry, alice, echo, 0);
    QCOMPARE(d.outcome, Outcome::Blocked);
    QVERIFY(d.check.overBudget);
    QCOMPARE(d.check.band, Band::None);
    QCOMPARE(d.message, QStringLiteral("Tool 'echo' is refused by friction control: the call "
                                       "costs 2.00 and the remaining budget is 1.00."));
    // Unconfigured tools cost nothing and stay allowed.
    QVERIFY(evaluate(registry, alice, QStringLiteral("list_tasks"), 0).allowed());
}

void TestFrictionRegistry::lruEviction()
{
    Registry registry;
    auto config = FrictionTest::config(kBurstConfig);
    config.maxPrincipals = 2;
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    QSignalSpy spy(&registry, &Registry::eventOccurred);
    const QString echo = QStringLiteral("echo");
    evaluate(registry, principal("alice", "c1"), echo, 1);
    evaluate(registry, principal("bob", "c2"), echo, 2);
    evaluate(registry, principal("alice", "c1"), echo, 3); // alice is now the most recent
    evaluate(registry, principal("carol", "c3"), echo, 4);
    QCOMPARE(registry.principalCount(), 2);
    const QJsonObject snapshot = registry.snapshot(4);
    QVERIFY(principalIn(snapshot, QStringLiteral("iss=https://as|sub=bob")).isEmpty());
    QVERIFY(!principalIn(snapshot, QStringLiteral("iss=https://as|sub=alice")).isEmpty());
    QVERIFY(!principalIn(snapshot, QStringLiteral("iss=https://as|sub=carol")).isEmpty());
    const QList<Event> evicted = eventsOf(spy, EventType::PrincipalEvicted);
    QCOMPARE(evicted.size(), 1);
    QCOMPARE(evicted.first().principal, QStringLiteral("iss=https://as|sub=bob"));
    QCOMPARE(evicted.first().clientId, QStringLiteral("c2"));
    // Many more principals never grow the registry beyond its bound.
    for (int i = 0; i < 500; ++i)
        evaluate(registry, principal(QByteArray::number(i).constData(), "c"), echo, 5 + i);
    QCOMPARE(registry.principalCount(), 2);
    QVERIFY(registry.rememberedCount() <= 2);
}

void TestFrictionRegistry::newClientOfSameSubjectKeepsPenaltyFloor()
{
    // Defect 3: a fresh client_id started at zero friction.
    Registry registry;
    auto config = FrictionTest::config(kBurstConfig);
    config.principalMode = PrincipalMode::SubjectAndClient;
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    QSignalSpy spy(&registry, &Registry::eventOccurred);
    evaluate(registry, principal("alice", "first-client"), kDelete, 0);
    QCOMPARE(evaluate(registry, principal("alice", "first-client"), kDelete, 0).outcome,
             Outcome::Blocked);

    const Decision fresh = evaluate(registry, principal("alice", "fresh-client"), kDelete, 10);
    QCOMPARE(fresh.principal, QStringLiteral("iss=https://as|sub=alice|client=fresh-client"));
    QCOMPARE(fresh.outcome, Outcome::Blocked);
    QVERIFY(std::abs(fresh.check.friction - 0.99 * std::exp(-0.001 * 10)) < 1e-9);
    const QList<Event> restored = eventsOf(spy, EventType::PrincipalRestored);
    QCOMPARE(restored.size(), 1);
    QCOMPARE(restored.first().tool, kDelete);
    QCOMPARE(restored.first().clientId, QStringLiteral("fresh-client"));
    QCOMPARE(restored.first().band, Band::Blocked);

    // Other tools of the fresh client, and other subjects, are not penalised.
    QVERIFY(evaluate(registry, principal("alice", "fresh-client"), QStringLiteral("echo"), 10)
                .allowed());
    QVERIFY(evaluate(registry, principal("bob", "first-client"), kDelete, 10).allowed());
    // The same subject at another issuer is someone else.
    QVERIFY(evaluate(registry, principal("alice", "x", "https://other-as"), kDelete, 10).allowed());
}

void TestFrictionRegistry::newClientOfSameSubjectKeepsBudget()
{
    Registry registry;
    auto config = FrictionTest::config(R"({"principal": "client",
        "tools": {"echo": {"target_rate": 1, "min_cost": 2, "max_cost": 2}},
        "controller": {"default_budget": 7}})");
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    const QString echo = QStringLiteral("echo");
    for (int i = 0; i < 3; ++i)
        QVERIFY(evaluate(registry, principal("alice", "a1"), echo, 0).allowed());
    const Decision fresh = evaluate(registry, principal("alice", "a2"), echo, 0);
    QCOMPARE(fresh.check.budgetRemaining, 1.0);
    QCOMPARE(fresh.outcome, Outcome::Blocked);
    // A client without a subject is its own principal, with the full budget.
    QCOMPARE(evaluate(registry, principal("", "a3"), echo, 0).check.budgetRemaining, 7.0);
}

void TestFrictionRegistry::evictedPrincipalKeepsPenaltyAndRecoversByIdleTime()
{
    Registry registry;
    auto config = FrictionTest::config(kBurstConfig);
    config.maxPrincipals = 1;
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    QSignalSpy spy(&registry, &Registry::eventOccurred);
    const Principal alice = principal("alice", "c1");
    evaluate(registry, alice, kDelete, 0);
    QCOMPARE(evaluate(registry, alice, kDelete, 0).outcome, Outcome::Blocked);
    evaluate(registry, principal("bob", "c2"), QStringLiteral("echo"), 1); // evicts alice
    QCOMPARE(registry.rememberedCount(), 1);
    QCOMPARE(eventsOf(spy, EventType::PrincipalEvicted).size(), 1);

    const Decision back = evaluate(registry, alice, kDelete, 2);
    QCOMPARE(back.outcome, Outcome::Blocked);
    QCOMPARE(eventsOf(spy, EventType::PrincipalRestored).size(), 1);
    QVERIFY2(back.message.contains(QStringLiteral("about 40 s")), qPrintable(back.message));
    // The floor decays like friction: after the announced time it runs again (HIGH).
    QCOMPARE(evaluate(registry, alice, kDelete, 2 + 39).outcome, Outcome::Blocked);
    QCOMPARE(evaluate(registry, alice, kDelete, 2 + 40, QStringLiteral("needed")).outcome,
             Outcome::Justified);
}

void TestFrictionRegistry::setConfigKeepsState()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    const Principal alice = principal("alice", "c1");
    evaluate(registry, alice, kDelete, 0);
    evaluate(registry, alice, kDelete, 0);
    auto before = registry.peek(alice, kDelete, 0);
    FRICTION_VERIFY_OK(before);

    auto config = FrictionTest::config(kBurstConfig);
    config.tools.remove(QStringLiteral("echo"));
    config.tools.insert(QStringLiteral("create_task"), Friction::ToolConfig{});
    config.tools[kDelete].hardBlockThreshold = 0.999;
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    QCOMPARE(registry.config().tools.size(), 2);
    auto after = registry.peek(alice, kDelete, 0);
    FRICTION_VERIFY_OK(after);
    QCOMPARE(after->friction, before->friction);
    QCOMPARE(after->hardBlockThreshold, 0.999);
    QVERIFY(!registry.peek(alice, QStringLiteral("echo"), 0)->configured);
    QVERIFY(registry.peek(alice, QStringLiteral("create_task"), 0)->configured);
    const QJsonArray tools =
        principalIn(registry.snapshot(0), QStringLiteral("iss=https://as|sub=alice"))
            .value(QStringLiteral("tools"))
            .toArray();
    QCOMPARE(tools.size(), 2);
}

void TestFrictionRegistry::setConfigRejectsInvalid()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    auto bad = FrictionTest::config(kBurstConfig);
    bad.tools[kDelete].minCost = 20;
    const Core::Status status = registry.setConfig(bad, 0);
    QVERIFY(!status.ok());
    QCOMPARE(status.error().message,
             QStringLiteral("friction.tools.delete_task.max_cost: must be >= min_cost"));
    QCOMPARE(registry.config().tools.value(kDelete).minCost, 0.5);
}

void TestFrictionRegistry::principalModeChangeHandsOnPenalties()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    const Principal alice = principal("alice", "c1");
    evaluate(registry, alice, kDelete, 0);
    evaluate(registry, alice, kDelete, 0);
    auto config = FrictionTest::config(kBurstConfig);
    config.principalMode = PrincipalMode::Client;
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    QCOMPARE(registry.principalCount(), 0);
    const Decision d = evaluate(registry, alice, kDelete, 0);
    QCOMPARE(d.principal, QStringLiteral("iss=https://as|client=c1"));
    QCOMPARE(d.outcome, Outcome::Blocked);
}

void TestFrictionRegistry::disabledAllowsEverything()
{
    Registry registry;
    auto config = FrictionTest::config(kBurstConfig);
    config.enabled = false;
    FRICTION_VERIFY_OK(registry.setConfig(config, 0));
    for (int i = 0; i < 5; ++i)
        QVERIFY(evaluate(registry, principal("alice", "c1"), kDelete, 0).allowed());
    QCOMPARE(registry.principalCount(), 0);
}

void TestFrictionRegistry::eventFields()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    QSignalSpy spy(&registry, &Registry::eventOccurred);
    const Decision d = evaluate(registry, principal("alice", "c1"), kDelete, 12.5);
    QCOMPARE(spy.size(), 1);
    const Event event = spy.at(0).at(0).value<Event>();
    QCOMPARE(event.type, EventType::Check);
    QCOMPARE(event.time, 12.5);
    QVERIFY(std::abs(event.wallTimeMs - QDateTime::currentMSecsSinceEpoch()) < 60000);
    QCOMPARE(event.principal, d.principal);
    QCOMPARE(event.clientId, QStringLiteral("c1"));
    QCOMPARE(event.tool, kDelete);
    QCOMPARE(event.friction, 0.0);
    QCOMPARE(event.band, Band::None);
    QCOMPARE(event.cost, 0.5);
    QCOMPARE(event.target, 0.01);
    QCOMPARE(event.effectiveTarget, 0.01);
    QVERIFY(event.allowed);

    const QJsonObject json = event.toJson();
    const QStringList expected = {
        QStringLiteral("type"),
        QStringLiteral("time"),
        QStringLiteral("timestamp"),
        QStringLiteral("principal"),
        QStringLiteral("client_id"),
        QStringLiteral("tool"),
        QStringLiteral("friction"),
        QStringLiteral("band"),
        QStringLiteral("ema"),
        QStringLiteral("target"),
        QStringLiteral("effective_target"),
        QStringLiteral("cost"),
        QStringLiteral("allowed"),
        QStringLiteral("justification_required"),
        QStringLiteral("saturated"),
        QStringLiteral("budget_remaining"),
    };
    for (const QString &key : expected)
        QVERIFY2(json.contains(key), qPrintable(key));
    QCOMPARE(json.value(QStringLiteral("type")).toString(), QStringLiteral("friction_check"));
    QCOMPARE(json.value(QStringLiteral("band")).toString(), QStringLiteral("none"));
    QCOMPARE(json.value(QStringLiteral("client_id")).toString(), QStringLiteral("c1"));
    QVERIFY(json.value(QStringLiteral("budget_remaining")).isNull());
    QVERIFY(json.value(QStringLiteral("timestamp")).toString().endsWith(QLatin1Char('Z')));

    // The next call is blocked: one friction_block event with the ema and friction it met.
    evaluate(registry, principal("alice", "c1"), kDelete, 12.5);
    const Event block = spy.at(1).at(0).value<Event>();
    QCOMPARE(block.type, EventType::Block);
    QCOMPARE(block.band, Band::Blocked);
    QCOMPARE(block.ema, 1.0);
    QVERIFY(!block.allowed);
    QVERIFY(block.toJson().value(QStringLiteral("message")).toString().contains(kDelete));
}

void TestFrictionRegistry::saturationEvent()
{
    Registry registry;
    FRICTION_VERIFY_OK(
        registry.setConfig(FrictionTest::config(R"({"tools": {"hot": {"target_rate": 0.01,
            "justification_threshold": 0.99, "hard_block_threshold": 1}},
            "controller": {"warmup_calls": 0, "ema_alpha": 1, "adjustment_rate": 1,
                           "saturation_window": 2}})"),
                           0));
    QSignalSpy spy(&registry, &Registry::eventOccurred);
    const Principal alice = principal("alice", "c1");
    const QString hot = QStringLiteral("hot");
    QCOMPARE(evaluate(registry, alice, hot, 0).outcome, Outcome::Allowed);
    QVERIFY(eventsOf(spy, EventType::Saturation).isEmpty());
    QCOMPARE(evaluate(registry, alice, hot, 0, QStringLiteral("batch job")).outcome,
             Outcome::Justified);
    const QList<Event> saturation = eventsOf(spy, EventType::Saturation);
    QCOMPARE(saturation.size(), 1);
    QCOMPARE(saturation.first().tool, hot);
    QVERIFY(saturation.first().saturated);
    QCOMPARE(saturation.first().friction, 1.0);
    QVERIFY(std::abs(saturation.first().effectiveTarget - 0.015) < 1e-12);
    QCOMPARE(saturation.first().target, 0.01);
    QCOMPARE(saturation.first().toJson().value(QStringLiteral("type")).toString(),
             QStringLiteral("friction_saturation"));
    QCOMPARE(evaluate(registry, alice, hot, 0, QStringLiteral("again")).outcome, Outcome::Blocked);
    QCOMPARE(eventsOf(spy, EventType::Saturation).size(), 1);
}

void TestFrictionRegistry::eventsAreLoggedAsJsonLines()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    capturedLines.clear();
    QLoggingCategory::setFilterRules(QString()); // the category's defaults: info on, debug off
    previousHandler = qInstallMessageHandler(captureFriction);
    const Principal alice = principal("alice", "c1");
    evaluate(registry, alice, kDelete, 0); // a check: debug level, off by default
    evaluate(registry, alice, kDelete, 0);
    qInstallMessageHandler(previousHandler);
    QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.friction.info=false"));
    QCOMPARE(capturedLines.size(), 1);
    QJsonParseError error;
    const QJsonDocument line = QJsonDocument::fromJson(capturedLines.first().toUtf8(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    QCOMPARE(line.object().value(QStringLiteral("type")).toString(),
             QStringLiteral("friction_block"));
    QCOMPARE(line.object().value(QStringLiteral("tool")).toString(), kDelete);
    QVERIFY(!capturedLines.first().contains(QLatin1Char('\n')));
}

void TestFrictionRegistry::snapshot()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    evaluate(registry, principal("alice", "c1"), kDelete, 0);
    evaluate(registry, principal("bob", "c2"), QStringLiteral("echo"), 0);
    const QJsonObject snapshot = registry.snapshot(0);
    QCOMPARE(snapshot.value(QStringLiteral("principal_count")).toInt(), 2);
    QCOMPARE(snapshot.value(QStringLiteral("principal_mode")).toString(),
             QStringLiteral("subject"));
    const QJsonArray principals = snapshot.value(QStringLiteral("principals")).toArray();
    QCOMPARE(principals.size(), 2);
    // Most recently used first.
    QCOMPARE(principals.at(0).toObject().value(QStringLiteral("principal")).toString(),
             QStringLiteral("iss=https://as|sub=bob"));
    const QJsonObject alice = principals.at(1).toObject();
    QCOMPARE(alice.value(QStringLiteral("client_id")).toString(), QStringLiteral("c1"));
    const QJsonArray tools = alice.value(QStringLiteral("tools")).toArray();
    QCOMPARE(tools.size(), 2);
    QCOMPARE(tools.at(0).toObject().value(QStringLiteral("tool")).toString(), kDelete);
    QCOMPARE(tools.at(0).toObject().value(QStringLiteral("band")).toString(),
             QStringLiteral("blocked"));
    QCOMPARE(registry.snapshot(0, 1).value(QStringLiteral("principals")).toArray().size(), 1);
}

void TestFrictionRegistry::peekDoesNotRecord()
{
    Registry registry;
    FRICTION_VERIFY_OK(registry.setConfig(FrictionTest::config(kBurstConfig), 0));
    auto check = registry.peek(principal("alice", "c1"), kDelete, 0);
    FRICTION_VERIFY_OK(check);
    QVERIFY(check->allowed);
    QCOMPARE(registry.principalCount(), 0);
    evaluate(registry, principal("alice", "c1"), kDelete, 0);
    evaluate(registry, principal("alice", "c1"), kDelete, 0);
    // In subject mode another client of alice is the same principal: blocked.
    auto other = registry.peek(principal("alice", "c9"), kDelete, 0);
    QCOMPARE(other->band, Band::Blocked);
}

QTEST_GUILESS_MAIN(TestFrictionRegistry)
#include "tst_frictionregistry.moc"
