#include "traffic/mix.h"

#include <cmath>

#include "friction/config.h"

namespace Traffic {

namespace {

Core::Error mixError(const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_mix"), message);
}

} // namespace

Core::Result<Mix> parseMix(const QString &text)
{
    if (text.trimmed().isEmpty())
        return mixError(QStringLiteral("the mix is empty; give tool=weight,... e.g. "
                                       "create_task=3,delete_task=1"));
    Mix mix;
    for (const QString &raw : text.split(QLatin1Char(','))) {
        const QString entry = raw.trimmed();
        const qsizetype equals = entry.indexOf(QLatin1Char('='));
        if (entry.isEmpty() || equals < 0 || entry.indexOf(QLatin1Char('='), equals + 1) >= 0)
            return mixError(QStringLiteral("mix entry '%1': expected tool=weight").arg(entry));
        const QString tool = entry.left(equals).trimmed();
        const QString weightText = entry.mid(equals + 1).trimmed();
        if (!Friction::isValidToolName(tool))
            return mixError(QStringLiteral("mix entry '%1': '%2' is not an MCP tool name (1 to "
                                           "128 characters of A-Z, a-z, 0-9, '_', '-' and '.')")
                                .arg(entry, tool));
        bool ok = false;
        const double weight = weightText.toDouble(&ok);
        if (!ok || !std::isfinite(weight) || weight <= 0)
            return mixError(QStringLiteral("mix entry '%1': the weight '%2' is not a positive "
                                           "number")
                                .arg(entry, weightText));
        for (const MixEntry &seen : mix)
            if (seen.tool == tool)
                return mixError(
                    QStringLiteral("mix entry '%1': the tool %2 is named twice").arg(entry, tool));
        mix.append({tool, weight});
    }
    return mix;
}

QString mixToString(const Mix &mix)
{
    QStringList entries;
    for (const MixEntry &entry : mix)
        entries.append(entry.tool + QLatin1Char('=') + QString::number(entry.weight));
    return entries.join(QLatin1Char(','));
}

} // namespace Traffic
