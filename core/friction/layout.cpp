#include "layout.h"

namespace Friction {

std::shared_ptr<const Layout> Layout::make(ControllerConfig config)
{
    auto layout = std::make_shared<Layout>();
    for (auto it = config.tools.cbegin(); it != config.tools.cend(); ++it) {
        layout->toolIndex.insert(it.key(), static_cast<int>(layout->tools.size()));
        layout->toolNames.append(it.key());
        layout->tools.push_back(it.value());
    }
    for (auto it = config.groups.cbegin(); it != config.groups.cend(); ++it) {
        Group group;
        group.name = it.key();
        group.aggregateTarget = it.value().aggregateTarget;
        group.pressureWeight = it.value().pressureWeight;
        for (const QString &tool : it.value().tools) {
            const int index = layout->indexOf(tool);
            if (index >= 0)
                group.members.push_back(index);
        }
        layout->groups.push_back(std::move(group));
    }
    layout->config = std::move(config);
    return layout;
}

} // namespace Friction
