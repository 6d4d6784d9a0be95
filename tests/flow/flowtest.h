#pragma once

#include <optional>

#include <QStringList>

#include "flow/types.h"

/// Reading a finished run in the flow tests.
namespace FlowTest {

inline std::optional<Flow::Check> findCheck(const Flow::Run &run, const QString &rule)
{
    for (const Flow::Step &step : run.steps)
        for (const Flow::Check &check : step.checks)
            if (check.rule == rule)
                return check;
    return std::nullopt;
}

/// "rule: explanation" of every failed check.
inline QStringList failures(const Flow::Run &run)
{
    QStringList out;
    for (const Flow::Step &step : run.steps)
        for (const Flow::Check &check : step.checks)
            if (check.verdict == Flow::Verdict::Fail)
                out.append(check.rule + QStringLiteral(": ") + check.explanation);
    return out;
}

inline QStringList stepIds(const Flow::Run &run)
{
    QStringList out;
    for (const Flow::Step &step : run.steps)
        out.append(step.id);
    return out;
}

} // namespace FlowTest
