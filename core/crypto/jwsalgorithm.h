#pragma once

#include <optional>

#include <QList>
#include <QString>
#include <QStringView>

namespace Crypto {

/// The asymmetric JWS algorithms (RFC 7518 section 3) this project signs and verifies.
/// "none" and the HMAC family are deliberately absent: a verifier here never accepts them.
enum class JwsAlgorithm { RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 };

/// The registered name, e.g. "PS384".
[[nodiscard]] QString jwsAlgorithmName(JwsAlgorithm algorithm);
/// Exact, case-sensitive lookup; std::nullopt for anything else ("none", "HS256", "rs256").
[[nodiscard]] std::optional<JwsAlgorithm> jwsAlgorithmFromName(QStringView name);
/// Every supported algorithm, in enum order.
[[nodiscard]] QList<JwsAlgorithm> allJwsAlgorithms();

} // namespace Crypto
