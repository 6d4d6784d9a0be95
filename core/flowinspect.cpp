#include "flowinspect.h"

#include <QJsonDocument>
#include <QUrlQuery>

#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "crypto/mask.h"

namespace Core {

namespace {

QString pathOf(const QUrl &url)
{
    const QString path = url.path();
    return path.isEmpty() ? QStringLiteral("/") : path;
}

bool sameEndpoint(const QUrl &a, const QUrl &b)
{
    return a.scheme() == b.scheme() && a.host() == b.host() &&
           a.port(a.scheme() == QLatin1String("https") ? 443 : 80) ==
               b.port(b.scheme() == QLatin1String("https") ? 443 : 80) &&
           pathOf(a) == pathOf(b);
}

std::optional<QJsonObject> jsonBody(const QByteArray &body)
{
    const QJsonDocument document = QJsonDocument::fromJson(body);
    if (!document.isObject())
        return std::nullopt;
    return document.object();
}

} // namespace

QString sequenceLaneName(SequenceLane lane)
{
    switch (lane) {
    case SequenceLane::User:
        return QObject::tr("User");
    case SequenceLane::Client:
        return QObject::tr("Client");
    case SequenceLane::McpServer:
        return QObject::tr("MCP server");
    case SequenceLane::AuthorizationServer:
        return QObject::tr("Authorization server");
    }
    return {};
}

SequenceArrow sequenceArrow(const Http::Exchange &exchange, const Flow::Step &step,
                            const QUrl &serverUrl)
{
    SequenceArrow arrow;
    arrow.stepIndex = step.index;
    arrow.exchangeId = exchange.id;
    arrow.status = exchange.status;
    const QUrl url(exchange.url);
    arrow.request = QString::fromLatin1(exchange.method) + QLatin1Char(' ') + pathOf(url);
    arrow.response = exchange.status > 0
                         ? QString::number(exchange.status)
                         : (exchange.error.isEmpty() ? QObject::tr("no response") : exchange.error);

    const bool toMcp =
        step.id == QLatin1String("probe") || step.id == QLatin1String("mcp") ||
        pathOf(url).startsWith(QLatin1String("/.well-known/oauth-protected-resource")) ||
        sameEndpoint(url, serverUrl);
    arrow.to = toMcp ? SequenceLane::McpServer : SequenceLane::AuthorizationServer;

    // The browser's pages: every request of the authorization step, and in the device
    // step everything but the token polls (which carry a grant_type).
    const bool browser = step.id == QLatin1String("authorization") ||
                         (step.id == QLatin1String("device_token") &&
                          !exchange.requestBody.contains(QByteArrayLiteral("grant_type=")));
    arrow.from = browser && !toMcp ? SequenceLane::User : SequenceLane::Client;
    return arrow;
}

std::optional<DeviceAuthorization> deviceAuthorization(const Flow::Step &step)
{
    for (const Http::Exchange &exchange : step.exchanges) {
        if (exchange.status != 200)
            continue;
        const auto body = jsonBody(exchange.responseBody);
        if (!body || !body->contains(QStringLiteral("user_code")))
            continue;
        DeviceAuthorization device;
        device.userCode = body->value(QStringLiteral("user_code")).toString();
        device.verificationUri = QUrl(body->value(QStringLiteral("verification_uri")).toString());
        device.verificationUriComplete =
            QUrl(body->value(QStringLiteral("verification_uri_complete")).toString());
        device.expiresIn = body->value(QStringLiteral("expires_in")).toInteger();
        if (body->contains(QStringLiteral("interval")))
            device.interval = qMax<qint64>(1, body->value(QStringLiteral("interval")).toInteger());
        return device;
    }
    return std::nullopt;
}

QUrl jwksUri(const Flow::Run &run)
{
    for (const Flow::Step &step : run.steps) {
        if (step.id != QLatin1String("as_metadata"))
            continue;
        for (const Http::Exchange &exchange : step.exchanges) {
            const auto body = jsonBody(exchange.responseBody);
            if (exchange.status == 200 && body && body->contains(QStringLiteral("jwks_uri")))
                return QUrl(body->value(QStringLiteral("jwks_uri")).toString());
        }
    }
    return {};
}

QString jwtSignatureName(JwtInspection::Signature signature)
{
    switch (signature) {
    case JwtInspection::Signature::NotChecked:
        return QObject::tr("not checked");
    case JwtInspection::Signature::Valid:
        return QObject::tr("valid");
    case JwtInspection::Signature::Invalid:
        return QObject::tr("invalid");
    }
    return {};
}

Result<JwtInspection> inspectJwt(QByteArrayView token, const Crypto::Jwks *jwks)
{
    if (token.count('.') != 2)
        return makeError(QStringLiteral("not_a_jwt"),
                         QObject::tr("the token is opaque (not a compact JWS with three parts)"));
    const auto parsed = Crypto::Jws::parseCompact(token);
    if (!parsed)
        return makeError(QStringLiteral("not_a_jwt"), parsed.error().message);
    const auto claims = Crypto::Jwt::parseClaims(parsed->payload);
    if (!claims)
        return claims.error();
    JwtInspection inspection;
    inspection.header = parsed->header;
    inspection.payload = *claims;
    inspection.algorithm = parsed->algorithm;
    inspection.kid = parsed->kid;
    if (jwks) {
        const auto verified = Crypto::Jws::verifyWithJwks(token, *jwks, Crypto::allJwsAlgorithms());
        if (verified) {
            inspection.signature = JwtInspection::Signature::Valid;
            inspection.signatureMessage =
                QObject::tr("verified with key %1 of the JWKS").arg(verified->key.kid());
        } else {
            inspection.signature = JwtInspection::Signature::Invalid;
            inspection.signatureMessage = verified.error().toString();
        }
    }
    return inspection;
}

void SecretVault::add(QByteArrayView secret)
{
    if (secret.isEmpty())
        return;
    m_secrets.insert(Crypto::maskSecret(secret), QString::fromUtf8(secret));
}

QString SecretVault::secretFor(const QString &mask) const
{
    return m_secrets.value(mask);
}

QString SecretVault::reveal(QString text) const
{
    for (auto it = m_secrets.cbegin(); it != m_secrets.cend(); ++it) {
        text.replace(it.key(), it.value());
        const QString encoded = QString::fromLatin1(it.key().toUtf8().toPercentEncoding());
        if (encoded != it.key())
            text.replace(encoded, QString::fromLatin1(it.value().toUtf8().toPercentEncoding()));
    }
    return text;
}

HarvestedSecrets harvestSecrets(const Http::Headers &headers, const QByteArray &body)
{
    HarvestedSecrets harvested;
    if (const auto object = jsonBody(body)) {
        static const QLatin1String names[] = {
            QLatin1String("access_token"),  QLatin1String("refresh_token"),
            QLatin1String("id_token"),      QLatin1String("device_code"),
            QLatin1String("client_secret"), QLatin1String("registration_access_token")};
        for (const QLatin1String name : names) {
            const QString value = object->value(name).toString();
            if (!value.isEmpty())
                harvested.secrets.append(value.toUtf8());
        }
        harvested.accessToken = object->value(QLatin1String("access_token")).toString().toUtf8();
    }
    const QByteArray location = headers.value("Location");
    if (!location.isEmpty()) {
        const QUrlQuery query(QUrl(QString::fromUtf8(location)));
        const QString code = query.queryItemValue(QStringLiteral("code"), QUrl::FullyDecoded);
        if (!code.isEmpty())
            harvested.secrets.append(code.toUtf8());
    }
    return harvested;
}

} // namespace Core
