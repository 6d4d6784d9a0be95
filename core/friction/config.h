#pragma once

#include <limits>

#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QStringList>

#include "common/result.h"

/// Per-tool friction control of MCP tool calls (see docs FRICTION.md).
namespace Friction {

/// Which part of an access token identifies the caller a controller belongs to.
enum class PrincipalMode {
    Subject,          ///< "subject": the token's `sub`, falling back to its `client_id`
    Client,           ///< "client": the token's `client_id`
    SubjectAndClient, ///< "subject+client": one controller per (sub, client_id) pair
};

/// "subject", "client" or "subject+client".
[[nodiscard]] QString principalModeName(PrincipalMode mode);
[[nodiscard]] Core::Result<PrincipalMode> principalModeFromName(const QString &name);

/// Friction settings of one MCP tool (by its MCP tool name).
struct ToolConfig
{
    double targetRate = 0.05;            ///< share of all calls this tool may take without friction
    double minCost = 0.5;                ///< cost of a call at friction 0
    double maxCost = 10.0;               ///< cost of a call at friction 1
    double justificationThreshold = 0.6; ///< from here on a call needs a justification
    double hardBlockThreshold = 0.95;    ///< from here on calls are refused

    /// Reads one member of "friction.tools"; `field` is its path for error messages.
    [[nodiscard]] static Core::Result<ToolConfig> fromJson(const QJsonObject &object,
                                                           const QString &field);
    [[nodiscard]] QJsonObject toJson() const;
    /// Ranges and ordering; errors name `field` + ".member".
    [[nodiscard]] Core::Status validate(const QString &field) const;
};

/// Tools whose combined share is limited: pressure on every member when it is exceeded.
struct GroupConfig
{
    QStringList tools; ///< names of configured tools (at least one, no repeats)
    double aggregateTarget = 0.20;
    double pressureWeight = 1.0;

    [[nodiscard]] static Core::Result<GroupConfig> fromJson(const QJsonObject &object,
                                                            const QString &field);
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] Core::Status validate(const QString &field) const;
};

/// The "friction" object of the JSON config file: controller parameters ("controller"),
/// tools ("tools"), groups ("groups") and how callers are told apart ("principal",
/// "max_principals"). Defaults are those of FRICTION.md. A value object; copy freely.
struct ControllerConfig
{
    static constexpr double infinity = std::numeric_limits<double>::infinity();

    bool enabled = true;
    PrincipalMode principalMode = PrincipalMode::Subject;
    /// Controllers kept in memory; the least recently used principal is evicted beyond it.
    int maxPrincipals = 10000;

    int windowSize = 100;
    double windowSeconds = 3600;
    double emaAlpha = 0.15;
    double adjustmentRate = 0.08;
    double asymmetricDecay = 2.0;
    double deadZone = 0.01;
    int warmupCalls = 20;
    double timeDecayRate = 0.001;    ///< per second; half-life ln 2 / rate
    double defaultBudget = infinity; ///< JSON null (or absent) = infinite
    double saturationThreshold = 0.9;
    int saturationWindow = 0; ///< 0 = saturation relief off
    double saturationReliefRate = 0.005;
    double maxReliefFactor = 2.0;
    double reliefRecoveryRate = 0.005;

    QMap<QString, ToolConfig> tools;   ///< by MCP tool name
    QMap<QString, GroupConfig> groups; ///< by group name

    /// Reads the "friction" object. Unknown members, wrong types and values out of range
    /// are errors (code "invalid_config") naming the field, e.g.
    /// "friction.tools.delete_task.max_cost: must be >= min_cost".
    [[nodiscard]] static Core::Result<ControllerConfig> fromJson(const QJsonObject &object);
    /// The "friction" object; fromJson(toJson()) gives an equal configuration.
    [[nodiscard]] QJsonObject toJson() const;
    /// Every range and cross-field rule; used by fromJson and Registry::setConfig.
    [[nodiscard]] Core::Status validate() const;

    /// The tool's settings, or nullptr when the tool is not configured.
    [[nodiscard]] const ToolConfig *tool(const QString &name) const;
};

/// Whether `name` is a valid MCP tool name (1 to 128 of A-Z a-z 0-9 _ - .).
[[nodiscard]] bool isValidToolName(const QString &name);

} // namespace Friction
