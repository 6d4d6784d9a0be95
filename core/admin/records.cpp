#include "admin/records.h"

#include <QDateTime>
#include <QJsonArray>

namespace Admin {

namespace {

QJsonValue optionalTime(const std::optional<qint64> &epochMs)
{
    return epochMs ? QJsonValue(isoTime(*epochMs)) : QJsonValue(QJsonValue::Null);
}

QJsonValue optionalId(const std::optional<qint64> &id)
{
    return id ? QJsonValue(*id) : QJsonValue(QJsonValue::Null);
}

QJsonValue textOrNull(const QString &text)
{
    return text.isEmpty() ? QJsonValue(QJsonValue::Null) : QJsonValue(text);
}

} // namespace

QString isoTime(qint64 epochMs)
{
    return QDateTime::fromMSecsSinceEpoch(epochMs, Qt::UTC).toString(Qt::ISODateWithMs);
}

ClientRecord ClientRecord::from(const Store::Client &client, qint64 activeTokens)
{
    ClientRecord r;
    r.clientId = client.clientId;
    r.name = client.name;
    r.authMethod = client.authMethod;
    r.redirectUris = client.redirectUris;
    r.grantTypes = client.grantTypes;
    r.responseTypes = client.responseTypes;
    r.scope = client.scope;
    r.applicationType = client.applicationType;
    r.source = client.source;
    if (client.secret)
        r.secret = client.secret->display();
    r.hasJwks = !client.jwks.isEmpty();
    r.jwksUri = client.jwksUri;
    r.createdAt = client.createdAt;
    r.updatedAt = client.updatedAt;
    r.activeTokens = activeTokens;
    return r;
}

QJsonObject ClientRecord::toJson() const
{
    return {
        {QStringLiteral("client_id"), clientId},
        {QStringLiteral("client_name"), name},
        {QStringLiteral("token_endpoint_auth_method"), authMethod},
        {QStringLiteral("redirect_uris"), QJsonArray::fromStringList(redirectUris)},
        {QStringLiteral("grant_types"), QJsonArray::fromStringList(grantTypes)},
        {QStringLiteral("response_types"), QJsonArray::fromStringList(responseTypes)},
        {QStringLiteral("scope"), textOrNull(scope)},
        {QStringLiteral("application_type"), applicationType},
        {QStringLiteral("source"), source},
        {QStringLiteral("client_secret_display"), textOrNull(secret)},
        {QStringLiteral("jwks"), hasJwks},
        {QStringLiteral("jwks_uri"), textOrNull(jwksUri)},
        {QStringLiteral("created_at"), isoTime(createdAt)},
        {QStringLiteral("updated_at"), isoTime(updatedAt)},
        {QStringLiteral("active_tokens"), activeTokens},
    };
}

QJsonObject AddedClient::toJson() const
{
    QJsonObject out = client.toJson();
    out.insert(QStringLiteral("client_secret"), textOrNull(secret));
    return out;
}

QJsonObject RemovedClient::toJson() const
{
    return {{QStringLiteral("client_id"), clientId},
            {QStringLiteral("removed"), true},
            {QStringLiteral("tokens_removed"), tokensRemoved}};
}

UserRecord UserRecord::from(const Store::User &user)
{
    return {user.username, user.displayName, user.disabled, user.createdAt, user.updatedAt};
}

QJsonObject UserRecord::toJson() const
{
    return {{QStringLiteral("username"), username},
            {QStringLiteral("display_name"), displayName},
            {QStringLiteral("disabled"), disabled},
            {QStringLiteral("created_at"), isoTime(createdAt)},
            {QStringLiteral("updated_at"), isoTime(updatedAt)}};
}

QJsonObject RemovedUser::toJson() const
{
    return {{QStringLiteral("username"), username},
            {QStringLiteral("removed"), true},
            {QStringLiteral("tokens_revoked"), tokensRevoked}};
}

TokenRecord TokenRecord::from(const Store::Token &token, qint64 now)
{
    TokenRecord r;
    r.id = token.id;
    r.display = token.token.display();
    r.kind = token.kind;
    r.format = token.format;
    r.state = token.state(now);
    r.jti = token.jti;
    r.clientId = token.clientId;
    r.subject = token.subject;
    r.scope = token.scope;
    r.resource = token.resource;
    r.familyId = token.familyId;
    r.issuedAt = token.issuedAt;
    r.expiresAt = token.expiresAt;
    r.revokedAt = token.revokedAt;
    r.revocationReason = token.revocationReason;
    r.parentId = token.parentId;
    r.rotatedAt = token.rotatedAt;
    return r;
}

QJsonObject TokenRecord::toJson() const
{
    return {
        {QStringLiteral("id"), id},
        {QStringLiteral("token"), display},
        {QStringLiteral("kind"), Store::tokenKindName(kind)},
        {QStringLiteral("format"), Store::tokenFormatName(format)},
        {QStringLiteral("state"), Store::tokenStateName(state)},
        {QStringLiteral("jti"), textOrNull(jti)},
        {QStringLiteral("client_id"), clientId},
        {QStringLiteral("subject"), subject},
        {QStringLiteral("scope"), scope},
        {QStringLiteral("resource"), resource},
        {QStringLiteral("family_id"), textOrNull(familyId)},
        {QStringLiteral("issued_at"), isoTime(issuedAt)},
        {QStringLiteral("expires_at"), isoTime(expiresAt)},
        {QStringLiteral("revoked_at"), optionalTime(revokedAt)},
        {QStringLiteral("revocation_reason"), textOrNull(revocationReason)},
        {QStringLiteral("parent_id"), optionalId(parentId)},
        {QStringLiteral("rotated_at"), optionalTime(rotatedAt)},
    };
}

QJsonObject TokenPage::toJson() const
{
    QJsonArray list;
    for (const TokenRecord &token : tokens)
        list.append(token.toJson());
    return {{QStringLiteral("tokens"), list},
            {QStringLiteral("next_after_id"), optionalId(nextAfterId)}};
}

QJsonObject RevokeResult::toJson() const
{
    return {{QStringLiteral("target"), target},
            {QStringLiteral("value"), value},
            {QStringLiteral("revoked"), revoked}};
}

QJsonObject PurgeResult::toJson() const
{
    return {{QStringLiteral("purged"), purged}};
}

QJsonObject KeyRecord::toJson() const
{
    return {{QStringLiteral("kid"), kid},
            {QStringLiteral("alg"), alg},
            {QStringLiteral("created_at"), isoTime(createdAt)},
            {QStringLiteral("activated_at"), optionalTime(activatedAt)},
            {QStringLiteral("retired_at"), optionalTime(retiredAt)},
            {QStringLiteral("expires_at"), optionalTime(expiresAt)},
            {QStringLiteral("current"), current},
            {QStringLiteral("published"), published}};
}

QJsonObject RotateResult::toJson() const
{
    QJsonArray list;
    for (const KeyRecord &key : keys)
        list.append(key.toJson());
    return {{QStringLiteral("kid"), kid},
            {QStringLiteral("retired"), QJsonArray::fromStringList(retiredKids)},
            {QStringLiteral("keys"), list}};
}

QJsonObject auditEventToJson(const Store::AuditEvent &event)
{
    return {{QStringLiteral("id"), event.id},
            {QStringLiteral("occurred_at"), isoTime(event.occurredAt)},
            {QStringLiteral("type"), event.type},
            {QStringLiteral("actor"), event.actor},
            {QStringLiteral("client_id"), textOrNull(event.clientId)},
            {QStringLiteral("subject"), textOrNull(event.subject)},
            {QStringLiteral("detail"), event.detail},
            {QStringLiteral("remote_address"), textOrNull(event.remoteAddress)}};
}

} // namespace Admin
