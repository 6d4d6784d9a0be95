#include "config.h"

#include <cmath>
#include <span>

#include <QJsonArray>
#include <QJsonValue>
#include <QSet>

namespace Friction {

namespace {

const QString kCode = QStringLiteral("invalid_config");

Core::Error fieldError(const QString &field, const QString &message)
{
    return Core::makeError(kCode, field + QStringLiteral(": ") + message);
}

QString number(double value)
{
    return QString::number(value, 'g', 10);
}

/// One numeric member of a config struct, with its allowed range.
template <typename S>
struct NumberField
{
    QLatin1String name;
    double S::*real = nullptr;
    int S::*whole = nullptr;
    double min;
    bool minInclusive;
    double max;
    bool maxInclusive;
    bool nullIsInfinity = false; ///< JSON null means +infinity (an unlimited budget)

    [[nodiscard]] double get(const S &s) const
    {
        return real ? s.*real : static_cast<double>(s.*whole);
    }

    [[nodiscard]] QString rangeText() const
    {
        QString text =
            whole ? QStringLiteral("must be a whole number ") : QStringLiteral("must be a number ");
        text += (minInclusive ? QStringLiteral(">= ") : QStringLiteral("> ")) + number(min);
        if (std::isfinite(max))
            text += (maxInclusive ? QStringLiteral(" and <= ") : QStringLiteral(" and < ")) +
                    number(max);
        if (nullIsInfinity)
            text += QStringLiteral(", or null for unlimited");
        return text;
    }

    [[nodiscard]] Core::Status validate(const S &s, const QString &prefix) const
    {
        const double v = get(s);
        if (nullIsInfinity && std::isinf(v) && v > 0)
            return {};
        const bool ok = std::isfinite(v) && (minInclusive ? v >= min : v > min) &&
                        (maxInclusive ? v <= max : v < max);
        if (!ok)
            return fieldError(prefix + name, rangeText());
        return {};
    }

    /// Type check only; ranges are validate()'s job so programmatic configs get them too.
    [[nodiscard]] Core::Status read(const QJsonValue &value, S &s, const QString &prefix) const
    {
        if (nullIsInfinity && value.isNull()) {
            s.*real = std::numeric_limits<double>::infinity();
            return {};
        }
        if (!value.isDouble())
            return fieldError(prefix + name, rangeText());
        const double v = value.toDouble();
        if (real) {
            s.*real = v;
            return {};
        }
        if (v != std::floor(v) || v < -2147483648.0 || v > 2147483647.0)
            return fieldError(prefix + name, rangeText());
        s.*whole = static_cast<int>(v);
        return {};
    }

    void write(const S &s, QJsonObject &object) const
    {
        const double v = get(s);
        if (nullIsInfinity && std::isinf(v))
            object.insert(name, QJsonValue::Null);
        else if (whole)
            object.insert(name, s.*whole);
        else
            object.insert(name, v);
    }
};

constexpr double kInf = std::numeric_limits<double>::infinity();

using CF = NumberField<ControllerConfig>;
const CF kControllerFields[] = {
    {QLatin1String("window_size"), nullptr, &ControllerConfig::windowSize, 1, true, 100000, true},
    {QLatin1String("window_seconds"), &ControllerConfig::windowSeconds, nullptr, 0, false,
     365.0 * 86400, true},
    {QLatin1String("ema_alpha"), &ControllerConfig::emaAlpha, nullptr, 0, false, 1, true},
    {QLatin1String("adjustment_rate"), &ControllerConfig::adjustmentRate, nullptr, 0, false, 1,
     true},
    {QLatin1String("asymmetric_decay"), &ControllerConfig::asymmetricDecay, nullptr, 0, false, 100,
     true},
    {QLatin1String("dead_zone"), &ControllerConfig::deadZone, nullptr, 0, true, 1, false},
    {QLatin1String("warmup_calls"), nullptr, &ControllerConfig::warmupCalls, 0, true, 1000000,
     true},
    {QLatin1String("time_decay_rate"), &ControllerConfig::timeDecayRate, nullptr, 0, true, 1, true},
    {QLatin1String("default_budget"), &ControllerConfig::defaultBudget, nullptr, 0, true, kInf,
     false, true},
    {QLatin1String("saturation_threshold"), &ControllerConfig::saturationThreshold, nullptr, 0,
     false, 1, true},
    {QLatin1String("saturation_window"), nullptr, &ControllerConfig::saturationWindow, 0, true,
     1000000, true},
    {QLatin1String("saturation_relief_rate"), &ControllerConfig::saturationReliefRate, nullptr, 0,
     true, 1, true},
    {QLatin1String("max_relief_factor"), &ControllerConfig::maxReliefFactor, nullptr, 1, true, 100,
     true},
    {QLatin1String("relief_recovery_rate"), &ControllerConfig::reliefRecoveryRate, nullptr, 0, true,
     1, true},
};

using TF = NumberField<ToolConfig>;
const TF kToolFields[] = {
    {QLatin1String("target_rate"), &ToolConfig::targetRate, nullptr, 0, false, 1, true},
    {QLatin1String("min_cost"), &ToolConfig::minCost, nullptr, 0, true, 1e12, true},
    {QLatin1String("max_cost"), &ToolConfig::maxCost, nullptr, 0, true, 1e12, true},
    {QLatin1String("justification_threshold"), &ToolConfig::justificationThreshold, nullptr, 0,
     false, 1, false},
    {QLatin1String("hard_block_threshold"), &ToolConfig::hardBlockThreshold, nullptr, 0, false, 1,
     true},
};

using GF = NumberField<GroupConfig>;
const GF kGroupFields[] = {
    {QLatin1String("aggregate_target"), &GroupConfig::aggregateTarget, nullptr, 0, false, 1, true},
    {QLatin1String("pressure_weight"), &GroupConfig::pressureWeight, nullptr, 0, true, 100, true},
};

template <typename S>
const NumberField<S> *findField(std::span<const NumberField<S>> fields, const QString &name)
{
    for (const auto &f : fields) {
        if (f.name == name)
            return &f;
    }
    return nullptr;
}

template <typename S>
Core::Status validateFields(std::span<const NumberField<S>> fields, const S &s,
                            const QString &prefix)
{
    for (const auto &f : fields) {
        if (auto status = f.validate(s, prefix); !status)
            return status;
    }
    return {};
}

template <typename S>
void writeFields(std::span<const NumberField<S>> fields, const S &s, QJsonObject &object)
{
    for (const auto &f : fields)
        f.write(s, object);
}

/// Reads every member of `object` that is one of `fields`; calls `other` for the rest,
/// which returns false for an unknown member.
template <typename S, typename Other>
Core::Status readFields(std::span<const NumberField<S>> fields, const QJsonObject &object, S &s,
                        const QString &prefix, Other &&other)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (const auto *f = findField(fields, it.key())) {
            if (auto status = f->read(it.value(), s, prefix); !status)
                return status;
            continue;
        }
        auto handled = other(it.key(), it.value());
        if (!handled)
            return handled.error();
        if (!*handled)
            return fieldError(prefix + it.key(), QStringLiteral("unknown setting"));
    }
    return {};
}

Core::Result<bool> noOtherMembers(const QString &, const QJsonValue &)
{
    return false;
}

Core::Result<QJsonObject> readObject(const QJsonValue &value, const QString &field)
{
    if (!value.isObject())
        return fieldError(field, QStringLiteral("must be a JSON object"));
    return value.toObject();
}

/// Reads an object of named sub-objects ("tools", "groups").
template <typename T>
Core::Status readNamedObjects(const QJsonValue &value, const QString &field, QMap<QString, T> &out)
{
    auto object = readObject(value, field);
    if (!object)
        return object.error();
    for (auto it = object->begin(); it != object->end(); ++it) {
        const QString member = field + QLatin1Char('.') + it.key();
        auto inner = readObject(it.value(), member);
        if (!inner)
            return inner.error();
        auto item = T::fromJson(*inner, member);
        if (!item)
            return item.error();
        out.insert(it.key(), *item);
    }
    return {};
}

template <typename T>
QJsonObject writeNamedObjects(const QMap<QString, T> &items)
{
    QJsonObject object;
    for (auto it = items.cbegin(); it != items.cend(); ++it)
        object.insert(it.key(), it.value().toJson());
    return object;
}

const QString kPrefix = QStringLiteral("friction.");

} // namespace

QString principalModeName(PrincipalMode mode)
{
    switch (mode) {
    case PrincipalMode::Subject:
        return QStringLiteral("subject");
    case PrincipalMode::Client:
        return QStringLiteral("client");
    case PrincipalMode::SubjectAndClient:
        return QStringLiteral("subject+client");
    }
    return QStringLiteral("subject");
}

Core::Result<PrincipalMode> principalModeFromName(const QString &name)
{
    for (auto mode :
         {PrincipalMode::Subject, PrincipalMode::Client, PrincipalMode::SubjectAndClient}) {
        if (name == principalModeName(mode))
            return mode;
    }
    return fieldError(kPrefix + QStringLiteral("principal"),
                      QStringLiteral("must be \"subject\", \"client\" or \"subject+client\""));
}

bool isValidToolName(const QString &name)
{
    if (name.isEmpty() || name.size() > 128)
        return false;
    for (QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') ||
                        (u >= u'0' && u <= u'9') || u == u'_' || u == u'-' || u == u'.';
        if (!ok)
            return false;
    }
    return true;
}

Core::Result<ToolConfig> ToolConfig::fromJson(const QJsonObject &object, const QString &field)
{
    ToolConfig tool;
    if (auto status = readFields<ToolConfig>(kToolFields, object, tool, field + QLatin1Char('.'),
                                             noOtherMembers);
        !status)
        return status.error();
    if (auto status = tool.validate(field); !status)
        return status.error();
    return tool;
}

QJsonObject ToolConfig::toJson() const
{
    QJsonObject object;
    writeFields<ToolConfig>(kToolFields, *this, object);
    return object;
}

Core::Status ToolConfig::validate(const QString &field) const
{
    const QString prefix = field + QLatin1Char('.');
    if (auto status = validateFields<ToolConfig>(kToolFields, *this, prefix); !status)
        return status;
    if (maxCost < minCost)
        return fieldError(prefix + QStringLiteral("max_cost"),
                          QStringLiteral("must be >= min_cost"));
    if (justificationThreshold >= hardBlockThreshold)
        return fieldError(prefix + QStringLiteral("justification_threshold"),
                          QStringLiteral("must be < hard_block_threshold"));
    return {};
}

Core::Result<GroupConfig> GroupConfig::fromJson(const QJsonObject &object, const QString &field)
{
    GroupConfig group;
    group.tools.clear();
    bool sawTools = false;
    auto readTools = [&](const QString &key, const QJsonValue &value) -> Core::Result<bool> {
        if (key != QLatin1String("tools"))
            return false;
        sawTools = true;
        const QString name = field + QStringLiteral(".tools");
        if (!value.isArray())
            return fieldError(name, QStringLiteral("must be an array of tool names"));
        for (const QJsonValue &item : value.toArray()) {
            if (!item.isString())
                return fieldError(name, QStringLiteral("must be an array of tool names"));
            group.tools.append(item.toString());
        }
        return true;
    };
    if (auto status = readFields<GroupConfig>(kGroupFields, object, group, field + QLatin1Char('.'),
                                              readTools);
        !status)
        return status.error();
    if (!sawTools)
        return fieldError(field + QStringLiteral(".tools"), QStringLiteral("is required"));
    if (auto status = group.validate(field); !status)
        return status.error();
    return group;
}

QJsonObject GroupConfig::toJson() const
{
    QJsonObject object;
    object.insert(QStringLiteral("tools"), QJsonArray::fromStringList(tools));
    writeFields<GroupConfig>(kGroupFields, *this, object);
    return object;
}

Core::Status GroupConfig::validate(const QString &field) const
{
    const QString prefix = field + QLatin1Char('.');
    if (tools.isEmpty())
        return fieldError(prefix + QStringLiteral("tools"),
                          QStringLiteral("must name at least one tool"));
    QSet<QString> seen;
    for (const QString &tool : tools) {
        if (seen.contains(tool))
            return fieldError(prefix + QStringLiteral("tools"),
                              QStringLiteral("names '%1' twice").arg(tool));
        seen.insert(tool);
    }
    return validateFields<GroupConfig>(kGroupFields, *this, prefix);
}

Core::Result<ControllerConfig> ControllerConfig::fromJson(const QJsonObject &object)
{
    ControllerConfig config;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString &key = it.key();
        const QJsonValue value = it.value();
        const QString field = kPrefix + key;
        if (key == QLatin1String("enabled")) {
            if (!value.isBool())
                return fieldError(field, QStringLiteral("must be true or false"));
            config.enabled = value.toBool();
        } else if (key == QLatin1String("principal")) {
            if (!value.isString())
                return fieldError(field, QStringLiteral("must be a string"));
            auto mode = principalModeFromName(value.toString());
            if (!mode)
                return mode.error();
            config.principalMode = *mode;
        } else if (key == QLatin1String("max_principals")) {
            if (!value.isDouble() || value.toDouble() != std::floor(value.toDouble()) ||
                value.toDouble() < 1 || value.toDouble() > 10000000)
                return fieldError(field,
                                  QStringLiteral("must be a whole number >= 1 and <= 10000000"));
            config.maxPrincipals = value.toInt();
        } else if (key == QLatin1String("controller")) {
            auto inner = readObject(value, field);
            if (!inner)
                return inner.error();
            if (auto status = readFields<ControllerConfig>(
                    kControllerFields, *inner, config, field + QLatin1Char('.'), noOtherMembers);
                !status)
                return status.error();
        } else if (key == QLatin1String("tools")) {
            if (auto status = readNamedObjects(value, field, config.tools); !status)
                return status.error();
        } else if (key == QLatin1String("groups")) {
            if (auto status = readNamedObjects(value, field, config.groups); !status)
                return status.error();
        } else {
            return fieldError(field, QStringLiteral("unknown setting"));
        }
    }
    if (auto status = config.validate(); !status)
        return status.error();
    return config;
}

QJsonObject ControllerConfig::toJson() const
{
    QJsonObject controller;
    writeFields<ControllerConfig>(kControllerFields, *this, controller);
    return QJsonObject{
        {QStringLiteral("enabled"), enabled},
        {QStringLiteral("principal"), principalModeName(principalMode)},
        {QStringLiteral("max_principals"), maxPrincipals},
        {QStringLiteral("controller"), controller},
        {QStringLiteral("tools"), writeNamedObjects(tools)},
        {QStringLiteral("groups"), writeNamedObjects(groups)},
    };
}

Core::Status ControllerConfig::validate() const
{
    if (maxPrincipals < 1 || maxPrincipals > 10000000)
        return fieldError(kPrefix + QStringLiteral("max_principals"),
                          QStringLiteral("must be a whole number >= 1 and <= 10000000"));
    if (auto status = validateFields<ControllerConfig>(kControllerFields, *this,
                                                       kPrefix + QStringLiteral("controller."));
        !status)
        return status;
    for (auto it = tools.cbegin(); it != tools.cend(); ++it) {
        const QString field = kPrefix + QStringLiteral("tools.") + it.key();
        if (!isValidToolName(it.key()))
            return fieldError(field, QStringLiteral("a tool name must be 1 to 128 characters of "
                                                    "A-Z, a-z, 0-9, '_', '-' and '.'"));
        if (auto status = it.value().validate(field); !status)
            return status;
    }
    for (auto it = groups.cbegin(); it != groups.cend(); ++it) {
        const QString field = kPrefix + QStringLiteral("groups.") + it.key();
        if (it.key().isEmpty())
            return fieldError(field, QStringLiteral("a group name must not be empty"));
        if (auto status = it.value().validate(field); !status)
            return status;
        for (const QString &tool : it.value().tools) {
            if (!tools.contains(tool))
                return fieldError(field + QStringLiteral(".tools"),
                                  QStringLiteral("'%1' is not a configured tool").arg(tool));
        }
    }
    return {};
}

const ToolConfig *ControllerConfig::tool(const QString &name) const
{
    const auto it = tools.constFind(name);
    return it == tools.cend() ? nullptr : &it.value();
}

} // namespace Friction
