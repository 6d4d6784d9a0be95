#include "event.h"

#include <cmath>

#include <QDateTime>
#include <QJsonDocument>

Q_LOGGING_CATEGORY(lcFriction, "mcpauth.friction", QtInfoMsg)

namespace Friction {

QString eventTypeName(EventType type)
{
    switch (type) {
    case EventType::Check:
        return QStringLiteral("friction_check");
    case EventType::Block:
        return QStringLiteral("friction_block");
    case EventType::Justification:
        return QStringLiteral("friction_justification");
    case EventType::JustificationMissing:
        return QStringLiteral("friction_justification_missing");
    case EventType::Saturation:
        return QStringLiteral("friction_saturation");
    case EventType::PrincipalEvicted:
        return QStringLiteral("friction_principal_evicted");
    case EventType::PrincipalRestored:
        return QStringLiteral("friction_principal_restored");
    }
    return QStringLiteral("friction_check");
}

void Event::setCheck(const CheckResult &check)
{
    tool = check.tool;
    friction = check.friction;
    band = check.band;
    ema = check.ema;
    target = check.target;
    effectiveTarget = check.effectiveTarget;
    cost = check.cost;
    allowed = check.allowed;
    justificationRequired = check.justificationRequired;
    saturated = check.saturated;
    budgetRemaining = check.budgetRemaining;
}

QJsonObject Event::toJson() const
{
    QJsonObject object{
        {QStringLiteral("type"), eventTypeName(type)},
        {QStringLiteral("time"), time},
        {QStringLiteral("timestamp"),
         QDateTime::fromMSecsSinceEpoch(wallTimeMs, Qt::UTC).toString(Qt::ISODateWithMs)},
        {QStringLiteral("principal"), principal},
        {QStringLiteral("client_id"), clientId},
        {QStringLiteral("tool"), tool},
        {QStringLiteral("friction"), friction},
        {QStringLiteral("band"), bandName(band)},
        {QStringLiteral("ema"), ema},
        {QStringLiteral("target"), target},
        {QStringLiteral("effective_target"), effectiveTarget},
        {QStringLiteral("cost"), cost},
        {QStringLiteral("allowed"), allowed},
        {QStringLiteral("justification_required"), justificationRequired},
        {QStringLiteral("saturated"), saturated},
        {QStringLiteral("budget_remaining"), std::isfinite(budgetRemaining)
                                                 ? QJsonValue(budgetRemaining)
                                                 : QJsonValue(QJsonValue::Null)},
    };
    if (!justification.isEmpty())
        object.insert(QStringLiteral("justification"), justification);
    if (!message.isEmpty())
        object.insert(QStringLiteral("message"), message);
    return object;
}

QByteArray Event::toJsonLine() const
{
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact);
}

} // namespace Friction
