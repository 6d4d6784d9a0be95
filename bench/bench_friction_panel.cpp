// End to end: is the Friction panel smooth (at least 30 frames a second, no stall over
// 50 ms) with 200 tools under 10,000 friction decisions a second while the resource server
// serves calls? Runs the real engine (embedded AS + RS on loopback, SQLite store) and the
// real Ui::FrictionPanel attached to it, as the app does, then:
//  - feeder threads make the RS's per-call friction decision (Friction::Registry::
//    evaluate, the same call the RS makes per tools/call) for 200 configured tools at the
//    given rate, skewed so some tools reach HIGH and BLOCKED;
//  - wrk, when installed, drives real tools/call requests (echo, JWT) at the RS with the
//    given number of connections, so the machine also serves HTTP;
//  - the UI thread is probed: paint events of the two charts (frames) and the gaps of a
//    5 ms timer (stalls).
// Prints the figures; run with bench/friction-panel-bench.sh or directly:
//   bench_friction_panel [--seconds 10] [--rate 10000] [--tools 200] [--connections 16]

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

#include <QApplication>
#include <QChartView>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include "agentsimulator.h"
#include "engine.h"
#include "friction/registry.h"
#include "frictionmodel.h"
#include "frictionpanel.h"
#include "serverconfig.h"

#ifdef Q_OS_LINUX
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace {

/// Counts paint events of the charts and the largest gap between two ticks of a 5 ms timer
/// on the UI thread, once the warm-up is over.
class FrameProbe final : public QObject
{
public:
    explicit FrameProbe(qint64 warmupMs)
        : m_warmupMs(warmupMs)
    {
        m_clock.start();
        m_tick.setInterval(5);
        m_tick.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_tick, &QTimer::timeout, this, [this] { handleTick(); });
        m_tick.start();
    }

    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Paint && m_clock.elapsed() >= m_warmupMs)
            m_paints.push_back(m_clock.elapsed());
        return QObject::eventFilter(watched, event);
    }

    [[nodiscard]] const std::vector<qint64> &paints() const { return m_paints; }
    [[nodiscard]] std::vector<qint64> gaps() const { return m_gaps; }
    [[nodiscard]] qint64 elapsed() const { return m_clock.elapsed(); }

private:
    void handleTick()
    {
        const qint64 now = m_clock.elapsed();
        if (m_last >= 0 && now >= m_warmupMs)
            m_gaps.push_back(now - m_last);
        m_last = now;
    }

    QElapsedTimer m_clock;
    QTimer m_tick;
    qint64 m_warmupMs;
    qint64 m_last = -1;
    std::vector<qint64> m_paints;
    std::vector<qint64> m_gaps;
};

QJsonObject frictionConfig(int tools)
{
    QJsonObject toolConfigs;
    for (int i = 0; i < tools; ++i)
        toolConfigs.insert(QStringLiteral("tool_%1").arg(i, 3, 10, QLatin1Char('0')),
                           QJsonObject{{QStringLiteral("target_rate"), i < 5 ? 0.01 : 0.02}});
    toolConfigs.insert(QStringLiteral("echo"), QJsonObject{{QStringLiteral("target_rate"), 1.0}});
    return QJsonObject{
        {QStringLiteral("tools"), toolConfigs},
        {QStringLiteral("controller"),
         QJsonObject{{QStringLiteral("warmup_calls"), 5}, {QStringLiteral("window_size"), 200}}}};
}

/// The RS's friction decisions at `rate` per second over `tools` tools from two threads:
/// 30 % of the calls go to the first five tools (they climb to HIGH and BLOCKED), the rest
/// spread over all of them; eight agents.
void feed(Friction::Registry &registry, int tools, int rate, int part, int parts,
          const std::atomic<bool> &stop, std::atomic<qint64> &made)
{
    const int perTick = std::max(1, rate / parts / 100); // a batch every 10 ms
    quint32 state = 2463534242u + quint32(part);
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    };
#ifdef Q_OS_LINUX
    // These threads stand in for the RS's worker threads, which the app runs at nice 10.
    ::setpriority(PRIO_PROCESS, id_t(::gettid()), 10);
#endif
    QElapsedTimer clock;
    clock.start();
    qint64 tick = 0;
    while (!stop.load()) {
        for (int i = 0; i < perTick; ++i) {
            const quint32 r = next();
            const int tool = (r % 10 < 3) ? int(r / 10 % 5) : int(r / 10 % quint32(tools));
            const Friction::Principal who{QStringLiteral("agent-%1").arg(r % 8),
                                          QStringLiteral("bench-agent"),
                                          QStringLiteral("https://bench.invalid")};
            (void)registry.evaluate(who,
                                    QStringLiteral("tool_%1").arg(tool, 3, 10, QLatin1Char('0')),
                                    QString(), Friction::Registry::monotonicNow());
        }
        made.fetch_add(perTick);
        ++tick;
        const qint64 due = tick * 10;
        if (const qint64 wait = due - clock.elapsed(); wait > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
}

QString writeWrkScript(const QTemporaryDir &dir, const QByteArray &token)
{
    const QString path = dir.filePath(QStringLiteral("call.lua"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write("wrk.method = \"POST\"\n"
               "wrk.headers[\"Authorization\"] = \"Bearer " +
               token +
               "\"\n"
               "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
               "wrk.headers[\"Accept\"] = \"application/json, text/event-stream\"\n"
               "wrk.headers[\"MCP-Protocol-Version\"] = \"2026-07-28\"\n"
               "wrk.headers[\"Mcp-Method\"] = \"tools/call\"\n"
               "wrk.headers[\"Mcp-Name\"] = \"echo\"\n"
               "wrk.body = '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
               "{\"name\":\"echo\",\"arguments\":{\"text\":\"hi\"},\"_meta\":{"
               "\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\","
               "\"io.modelcontextprotocol/clientCapabilities\":{}}}}'\n");
    return path;
}

double percentile(std::vector<qint64> values, double p)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    return double(values[std::min(values.size() - 1, size_t(p / 100.0 * double(values.size())))]);
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    qputenv("QT_NO_GLIB", "1");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption secondsOption(QStringLiteral("seconds"),
                                           QStringLiteral("Measured seconds (after 2 s warm-up)."),
                                           QStringLiteral("n"), QStringLiteral("10"));
    const QCommandLineOption rateOption(QStringLiteral("rate"),
                                        QStringLiteral("Friction decisions per second."),
                                        QStringLiteral("n"), QStringLiteral("10000"));
    const QCommandLineOption toolsOption(QStringLiteral("tools"), QStringLiteral("Tools."),
                                         QStringLiteral("n"), QStringLiteral("200"));
    const QCommandLineOption connectionsOption(
        QStringLiteral("connections"),
        QStringLiteral("wrk connections driving tools/call at the RS (0: none)."),
        QStringLiteral("n"), QStringLiteral("16"));
    parser.addOptions({secondsOption, rateOption, toolsOption, connectionsOption});
    parser.process(app);
    const int seconds = std::max(1, parser.value(secondsOption).toInt());
    const int rate = std::max(1, parser.value(rateOption).toInt());
    const int tools = std::clamp(parser.value(toolsOption).toInt(), 1, 1000);
    const int connections = std::max(0, parser.value(connectionsOption).toInt());
    constexpr qint64 warmupMs = 2000;

    QTemporaryDir dir;
    const QJsonObject settings{
        {QStringLiteral("store"),
         QString(QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("store.db")))},
        {QStringLiteral("as_port"), 0},
        {QStringLiteral("rs_port"), 0},
        {QStringLiteral("admin_token_file"), dir.filePath(QStringLiteral("admin-token"))},
        {QStringLiteral("authorization_server"),
         QJsonObject{{QStringLiteral("default_token_format"), QStringLiteral("jwt")}}},
        {QStringLiteral("resource_server"),
         QJsonObject{{QStringLiteral("friction"), frictionConfig(tools)}}}};
    auto config = Core::ServerConfig::fromJson(settings);
    if (!config) {
        std::fprintf(stderr, "config: %s\n", qPrintable(config.error().toString()));
        return 1;
    }
    Core::Engine engine;
    engine.setServeInBackground(true); // as the app does
    Ui::FrictionPanel panel(&engine);
    panel.resize(1400, 900);
    panel.show();
    if (auto started = engine.start(*config); !started.ok()) {
        std::fprintf(stderr, "engine: %s\n", qPrintable(started.error().toString()));
        return 1;
    }

    FrameProbe probe(warmupMs);
    const auto charts = panel.findChildren<QChartView *>();
    for (QChartView *chart : charts)
        chart->viewport()->installEventFilter(&probe);
    // Charts follow the selected tool: pick the hottest one once it has a row.
    QTimer::singleShot(500, &panel, [&panel] {
        if (auto *table = panel.findChild<QTableView *>(QStringLiteral("frictionTable")))
            table->selectRow(0);
    });

    std::atomic<bool> stop{false};
    std::atomic<qint64> made{0};
    std::vector<std::thread> feeders;
    const std::shared_ptr<Friction::Registry> registry = engine.frictionRegistry();
    for (int part = 0; part < 2; ++part)
        feeders.emplace_back(feed, std::ref(*registry), tools, rate, part, 2, std::cref(stop),
                             std::ref(made));

    QProcess wrk;
    bool wrkStarted = false;
    QString wrkNote = QStringLiteral("no HTTP load");
    if (connections > 0 && !QStandardPaths::findExecutable(QStringLiteral("wrk")).isEmpty()) {
        const auto token =
            Core::issueAgentToken(engine, {QStringLiteral("echo")}, QStringLiteral("http-agent"));
        if (token) {
            const QString script = writeWrkScript(dir, *token);
            wrk.start(QStringLiteral("wrk"),
                      {QStringLiteral("-t1"), QStringLiteral("-c%1").arg(connections),
                       QStringLiteral("-d%1s").arg(seconds + 2), QStringLiteral("-s"), script,
                       engine.mcpResourceUri()});
            wrkStarted = wrk.waitForStarted();
        } else {
            wrkNote = QStringLiteral("no HTTP load (token: %1)").arg(token.error().toString());
        }
    } else if (connections > 0) {
        wrkNote = QStringLiteral("no HTTP load (wrk not installed)");
    }

    QTimer::singleShot(warmupMs + seconds * 1000, &app, &QCoreApplication::quit);
    QElapsedTimer wall;
    wall.start();
    app.exec();
    const qint64 measuredMs = std::max<qint64>(1, probe.elapsed() - warmupMs);
    stop = true;
    for (auto &feeder : feeders)
        feeder.join();
    if (wrkStarted) {
        wrk.waitForFinished(int(seconds + 10) * 1000);
        const QString out = QString::fromUtf8(wrk.readAllStandardOutput());
        const auto line = out.split(QLatin1Char('\n')).filter(QStringLiteral("Requests/sec"));
        const auto errors = out.split(QLatin1Char('\n')).filter(QStringLiteral("Non-2xx"));
        wrkNote = QStringLiteral("RS served tools/call at %1 (wrk -t1 -c%2)%3")
                      .arg(line.isEmpty() ? QStringLiteral("? req/s")
                                          : line.first().simplified().section(QLatin1Char(' '), 1) +
                                                QStringLiteral(" req/s"))
                      .arg(connections)
                      .arg(errors.isEmpty() ? QString()
                                            : QStringLiteral(", ") + errors.first().simplified());
    }

    // Frames: paint events of all charts, per chart (both repaint together).
    const double frames =
        double(probe.paints().size()) / double(std::max<qsizetype>(1, charts.size()));
    // The lowest frame rate over any whole second of the run.
    double worstSecond = 1e9;
    for (qint64 start = warmupMs; start + 1000 <= warmupMs + measuredMs; start += 1000) {
        const auto n = std::count_if(probe.paints().begin(), probe.paints().end(),
                                     [start](qint64 t) { return t >= start && t < start + 1000; });
        worstSecond =
            std::min(worstSecond, double(n) / double(std::max<qsizetype>(1, charts.size())));
    }
    const std::vector<qint64> gaps = probe.gaps();
    const qint64 maxGap = gaps.empty() ? 0 : *std::max_element(gaps.begin(), gaps.end());
    std::printf("Friction panel, %d tools, %d friction decisions/s requested (%lld made in "
                "%.1f s), %s\n",
                tools, rate, static_cast<long long>(made.load()), double(wall.elapsed()) / 1000.0,
                qPrintable(wrkNote));
    std::printf("RESULT friction-panel: %.1f frames/s (worst second %.0f), UI stall max %lld "
                "ms, p99 %.0f ms (5 ms probe), model events %lld, platform %s\n",
                frames * 1000.0 / double(measuredMs), worstSecond,
                static_cast<long long>(maxGap - 5), percentile(gaps, 99) - 5,
                static_cast<long long>(panel.model()->eventCount()),
                qPrintable(QGuiApplication::platformName()));
    engine.stop();
    return 0;
}
