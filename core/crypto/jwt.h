#pragma once

#include <QByteArrayView>
#include <QJsonObject>
#include <QString>

#include "common/result.h"

/// Checks of the registered JWT claims (RFC 7519 section 4.1) of a payload whose
/// signature has already been verified (see Jws::verify).
namespace Crypto::Jwt {

struct ClaimChecks
{
    qint64 now = 0;            ///< current time, seconds since the epoch (injected for tests)
    qint64 leewaySeconds = 60; ///< clock skew tolerated on exp, nbf and iat
    QString issuer;            ///< required `iss`; empty = not checked
    QString audience;          ///< must appear in `aud` (string or array); empty = not checked
    bool requireExp = true;    ///< a token without `exp` is refused
};

/// Parses a JWS payload as a JWT claims set: a JSON object, no duplicate names, bounded
/// depth. Fails with "malformed_claims".
[[nodiscard]] Core::Result<QJsonObject> parseClaims(QByteArrayView payload);

/// Checks `exp`, `nbf`, `iat` (JSON numbers, never strings) against `checks.now` with the
/// leeway, `iss` equality and `aud` membership. Error codes: "token_expired",
/// "token_not_yet_valid", "wrong_issuer", "wrong_audience", "malformed_claims".
[[nodiscard]] Core::Status checkClaims(const QJsonObject &claims, const ClaimChecks &checks);

} // namespace Crypto::Jwt
