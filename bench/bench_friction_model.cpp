// Prints how long Core::FrictionModel takes to absorb friction events at the rate the
// Friction panel must handle (200 tools, 10,000 events/s, a batch per 100 ms tick) plus what
// a chart consumer does per tick (one tool's history as point lists, every visible cell).
#include <algorithm>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QPointF>
#include <QTextStream>

#include "frictionmodel.h"

namespace {

QList<Friction::Event> makeBatch(int size, int tools, int principals, double time, int seed)
{
    QList<Friction::Event> batch;
    batch.reserve(size);
    for (int i = 0; i < size; ++i) {
        Friction::Event event;
        event.time = time;
        event.principal = QStringLiteral("sub=agent%1").arg((seed + i) % principals);
        event.clientId = QStringLiteral("client");
        event.tool = QStringLiteral("tool_%1").arg((seed * 7 + i) % tools);
        event.friction = ((seed + i) % 100) / 100.0;
        event.band = event.friction >= 0.95 ? Friction::Band::Blocked : Friction::Band::Low;
        event.ema = 0.01;
        event.target = 0.005;
        event.effectiveTarget = 0.005;
        event.cost = 1;
        batch.append(event);
    }
    return batch;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    for (const int principals : {1, 50}) {
        Core::FrictionModel::Options options;
        options.updateIntervalMs = 0;
        Core::FrictionModel model(options, nullptr);
        constexpr int ticks = 300;    // 30 s at 10 ticks/s
        constexpr int perTick = 1000; // 10,000 events/s
        std::vector<double> tickMs;
        qint64 cells = 0;
        for (int tick = 0; tick < ticks; ++tick) {
            const QList<Friction::Event> batch =
                makeBatch(perTick, 200, principals, tick * 0.1, tick);
            QElapsedTimer timer;
            timer.start();
            model.enqueue(batch);
            model.flush();
            // What the panel does per redraw: one tool's history as point lists, and every
            // cell of the visible rows.
            const auto history = model.history(QStringLiteral("tool_3"));
            QList<QPointF> ema, friction;
            ema.reserve(static_cast<qsizetype>(history.size()));
            friction.reserve(static_cast<qsizetype>(history.size()));
            for (const Core::FrictionSample &sample : history) {
                ema.append({sample.time, sample.ema});
                friction.append({sample.time, sample.friction});
            }
            for (int row = 0; row < std::min(40, model.rowCount()); ++row)
                for (int column = 0; column < Core::FrictionModel::ColumnCount; ++column)
                    cells += model.data(model.index(row, column)).isValid();
            tickMs.push_back(timer.nsecsElapsed() / 1e6);
        }
        std::sort(tickMs.begin(), tickMs.end());
        double sum = 0;
        for (double ms : tickMs)
            sum += ms;
        out << "200 tools, 10k events/s, " << principals << " principal(s): per 100 ms tick "
            << "mean " << QString::number(sum / ticks, 'f', 2) << " ms, p99 "
            << QString::number(tickMs[static_cast<size_t>(ticks * 0.99)], 'f', 2) << " ms, max "
            << QString::number(tickMs.back(), 'f', 2) << " ms (" << model.eventCount()
            << " events, " << cells << " cells read)\n";

        QElapsedTimer one;
        one.start();
        model.addEvents(makeBatch(10000, 200, principals, ticks * 0.1, 1));
        out << "  one batch of 10,000 events: " << QString::number(one.nsecsElapsed() / 1e6, 'f', 2)
            << " ms\n";
    }
    return 0;
}
