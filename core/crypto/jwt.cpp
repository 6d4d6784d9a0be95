#include "crypto/jwt.h"

#include <cmath>

#include <QJsonArray>

#include "crypto/strictjson.h"

namespace Crypto::Jwt {

namespace {

constexpr qsizetype kMaxClaimsBytes = 64 * 1024;
constexpr int kMaxClaimsDepth = 16;

Core::Error malformed(const QString &reason)
{
    return Core::makeError(QStringLiteral("malformed_claims"), reason);
}

/// A NumericDate: absent -> NaN (not an error), present -> must be a finite JSON number.
Core::Result<double> numericDate(const QJsonObject &claims, const char *name)
{
    const QJsonValue v = claims.value(QLatin1String(name));
    if (v.isUndefined())
        return std::nan("");
    if (!v.isDouble() || !std::isfinite(v.toDouble()))
        return malformed(QStringLiteral("\"%1\" must be a JSON number (seconds since the epoch)")
                             .arg(QLatin1String(name)));
    return v.toDouble();
}

QString shortText(const QString &s)
{
    return s.size() > 80 ? s.left(80) + QStringLiteral("…") : s;
}

} // namespace

Core::Result<QJsonObject> parseClaims(QByteArrayView payload)
{
    auto claims = parseStrictJsonObject(payload, kMaxClaimsBytes, kMaxClaimsDepth);
    if (!claims)
        return malformed(QStringLiteral("the payload is not a JWT claims set: ") +
                         claims.error().message);
    return claims;
}

Core::Status checkClaims(const QJsonObject &claims, const ClaimChecks &checks)
{
    auto exp = numericDate(claims, "exp");
    if (!exp)
        return exp.error();
    auto nbf = numericDate(claims, "nbf");
    if (!nbf)
        return nbf.error();
    auto iat = numericDate(claims, "iat");
    if (!iat)
        return iat.error();
    const auto now = static_cast<double>(checks.now);
    const auto leeway = static_cast<double>(checks.leewaySeconds);

    if (std::isnan(*exp)) {
        if (checks.requireExp)
            return malformed(QStringLiteral("the token has no \"exp\""));
    } else if (now >= *exp + leeway) {
        return Core::makeError(QStringLiteral("token_expired"),
                               QStringLiteral("expired at %1, now is %2 (leeway %3 s)")
                                   .arg(static_cast<qint64>(*exp))
                                   .arg(checks.now)
                                   .arg(checks.leewaySeconds));
    }
    if (!std::isnan(*nbf) && now + leeway < *nbf)
        return Core::makeError(QStringLiteral("token_not_yet_valid"),
                               QStringLiteral("not valid before %1, now is %2 (leeway %3 s)")
                                   .arg(static_cast<qint64>(*nbf))
                                   .arg(checks.now)
                                   .arg(checks.leewaySeconds));
    if (!std::isnan(*iat) && now + leeway < *iat)
        return Core::makeError(QStringLiteral("token_not_yet_valid"),
                               QStringLiteral("issued in the future (iat %1, now is %2, leeway "
                                              "%3 s)")
                                   .arg(static_cast<qint64>(*iat))
                                   .arg(checks.now)
                                   .arg(checks.leewaySeconds));

    const QJsonValue iss = claims.value(QLatin1String("iss"));
    if (!iss.isUndefined() && !iss.isString())
        return malformed(QStringLiteral("\"iss\" must be a string"));
    if (!checks.issuer.isEmpty() && iss.toString() != checks.issuer)
        return Core::makeError(
            QStringLiteral("wrong_issuer"),
            iss.isUndefined()
                ? QStringLiteral("the token has no \"iss\", expected \"%1\"").arg(checks.issuer)
                : QStringLiteral("issuer \"%1\", expected \"%2\"")
                      .arg(shortText(iss.toString()), checks.issuer));

    const QJsonValue aud = claims.value(QLatin1String("aud"));
    QStringList audiences;
    if (aud.isString()) {
        audiences.append(aud.toString());
    } else if (aud.isArray()) {
        for (const QJsonValue &entry : aud.toArray()) {
            if (!entry.isString())
                return malformed(QStringLiteral("\"aud\" must be a string or an array of strings"));
            audiences.append(entry.toString());
        }
    } else if (!aud.isUndefined()) {
        return malformed(QStringLiteral("\"aud\" must be a string or an array of strings"));
    }
    if (!checks.audience.isEmpty() && !audiences.contains(checks.audience))
        return Core::makeError(
            QStringLiteral("wrong_audience"),
            audiences.isEmpty()
                ? QStringLiteral("the token has no \"aud\", expected \"%1\"").arg(checks.audience)
                : QStringLiteral("audience %1 does not include \"%2\"")
                      .arg(shortText(audiences.join(QLatin1Char(' '))), checks.audience));

    for (const char *name : {"sub", "jti"}) {
        const QJsonValue v = claims.value(QLatin1String(name));
        if (!v.isUndefined() && !v.isString())
            return malformed(QStringLiteral("\"%1\" must be a string").arg(QLatin1String(name)));
    }
    return {};
}

} // namespace Crypto::Jwt
