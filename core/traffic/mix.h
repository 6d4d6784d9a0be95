#pragma once

#include <QList>
#include <QString>

#include "common/result.h"

namespace Traffic {

/// One tool of a traffic mix and its relative weight.
struct MixEntry
{
    QString tool;  ///< MCP tool name
    double weight; ///< > 0; relative to the other entries' weights
};

using Mix = QList<MixEntry>;

/// Parses `tool=weight,...` (whitespace around entries, names and weights is ignored).
/// Errors have the code "invalid_mix" and name the entry: an empty mix, an entry that is
/// not `tool=weight`, a name that is not an MCP tool name, a weight that is not a finite
/// positive number, and a tool named twice.
[[nodiscard]] Core::Result<Mix> parseMix(const QString &text);

/// The mix as `tool=weight,...` (parseMix() of it gives an equal mix).
[[nodiscard]] QString mixToString(const Mix &mix);

} // namespace Traffic
