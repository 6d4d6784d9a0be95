#pragma once

#include <memory>
#include <vector>

#include <QHash>
#include <QString>
#include <QStringList>

#include "friction/config.h"

namespace Friction {

/// A validated ControllerConfig with tool and group names resolved to indices. Immutable
/// once made; every controller of a registry shares one through a shared_ptr, and a new
/// configuration makes a new Layout.
struct Layout
{
    struct Group
    {
        QString name;
        std::vector<int> members; ///< indices into tools
        double aggregateTarget = 0;
        double pressureWeight = 0;
    };

    ControllerConfig config;
    QStringList toolNames;         ///< index -> MCP tool name
    std::vector<ToolConfig> tools; ///< index -> settings
    QHash<QString, int> toolIndex; ///< MCP tool name -> index
    std::vector<Group> groups;

    /// Precondition: config.validate() succeeded.
    [[nodiscard]] static std::shared_ptr<const Layout> make(ControllerConfig config);

    /// Index of a configured tool, -1 for any other name.
    [[nodiscard]] int indexOf(const QString &tool) const { return toolIndex.value(tool, -1); }
};

} // namespace Friction
