// Friction controller cost per tool call: check + record on one controller with 50
// configured tools, and evaluate() through the registry (target: under 1 us per call).
#include <QLoggingCategory>
#include <QStringList>

#include <benchmark/benchmark.h>

#include "friction/controller.h"
#include "friction/registry.h"

namespace {

constexpr int kTools = 50;

QStringList toolNames()
{
    QStringList names;
    for (int i = 0; i < kTools; ++i)
        names.append(QStringLiteral("tool_%1").arg(i));
    return names;
}

Friction::ControllerConfig fiftyTools(int groups)
{
    Friction::ControllerConfig config;
    const QStringList names = toolNames();
    for (const QString &name : names)
        config.tools.insert(name, Friction::ToolConfig{});
    for (int g = 0; g < groups; ++g) {
        Friction::GroupConfig group;
        for (int i = g * 5; i < g * 5 + 5; ++i)
            group.tools.append(names.at(i));
        config.groups.insert(QStringLiteral("group_%1").arg(g), group);
    }
    config.saturationWindow = 5;
    return config;
}

/// Calls spread over the 50 tools (some much more than their target) plus unconfigured ones.
QStringList callMix()
{
    const QStringList names = toolNames();
    QStringList mix;
    for (int i = 0; i < 1024; ++i)
        mix.append(i % 7 == 0 ? QStringLiteral("unconfigured")
                              : names.at((i * i + 3 * i) % kTools));
    return mix;
}

void BM_CheckRecord(benchmark::State &state)
{
    Friction::Controller controller(fiftyTools(static_cast<int>(state.range(0))));
    const QStringList mix = callMix();
    double now = 0;
    qsizetype i = 0;
    for (auto _ : state) {
        const QString &tool = mix.at(i++ & 1023);
        now += 0.01;
        const Friction::CheckResult result = controller.check(tool, now);
        if (result.allowed)
            controller.record(tool, now);
        benchmark::DoNotOptimize(result.friction);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckRecord)->Arg(0)->Arg(4)->ArgName("groups");

void BM_Check(benchmark::State &state)
{
    Friction::Controller controller(fiftyTools(0));
    const QStringList mix = callMix();
    for (int i = 0; i < 200; ++i)
        controller.record(mix.at(i), i * 0.01);
    double now = 2;
    qsizetype i = 0;
    for (auto _ : state) {
        now += 0.01;
        benchmark::DoNotOptimize(controller.check(mix.at(i++ & 1023), now));
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Check);

void BM_RegistryEvaluate(benchmark::State &state)
{
    static Friction::Registry *registry = [] {
        auto *r = new Friction::Registry;
        auto status = r->setConfig(fiftyTools(4), 0);
        if (!status)
            qFatal("bad config");
        return r;
    }();
    const int principals = static_cast<int>(state.range(0));
    std::vector<Friction::Principal> who;
    for (int p = 0; p < principals; ++p)
        who.push_back({QStringLiteral("user%1").arg(p), QStringLiteral("client-%1").arg(p),
                       QStringLiteral("https://as.example")});
    const QStringList mix = callMix();
    qsizetype i = state.thread_index() * 97;
    double now = 0;
    for (auto _ : state) {
        now += 0.01;
        auto decision = registry->evaluate(who[static_cast<size_t>(i % principals)],
                                           mix.at(i & 1023), QStringLiteral("bench"), now);
        ++i;
        benchmark::DoNotOptimize(decision);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RegistryEvaluate)->Arg(1)->Arg(1000)->ArgName("principals");
BENCHMARK(BM_RegistryEvaluate)->Arg(1000)->ArgName("principals")->Threads(2)->UseRealTime();

} // namespace

int main(int argc, char **argv)
{
    // Block events would otherwise print one JSON line each.
    QLoggingCategory::setFilterRules(QStringLiteral("mcpauth.friction.info=false"));
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
