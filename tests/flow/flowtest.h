#pragma once

#include <optional>

#include <QJsonDocument>
#include <QRegularExpression>
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

/// Whole secrets of our AS (codes, tokens, device codes, client secrets) found in the
/// run's JSON export or HTML report; masked values ("mat_…#1a2b3c4d") do not match.
inline QStringList unmaskedSecrets(const Flow::Run &run)
{
    static const QRegularExpression secret(
        QStringLiteral("m(?:at|rt|ac|dc|cs)_[A-Za-z0-9_-]{20,}"));
    const QString text =
        QString::fromUtf8(QJsonDocument(run.toJson()).toJson()) + run.toHtmlReport();
    QStringList out;
    auto it = secret.globalMatch(text);
    while (it.hasNext())
        out.append(it.next().captured(0).left(8) + QStringLiteral("..."));
    return out;
}

} // namespace FlowTest
