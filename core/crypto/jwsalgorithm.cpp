#include "crypto/jwsalgorithm.h"

#include <array>

namespace Crypto {

namespace {
struct AlgorithmName
{
    JwsAlgorithm algorithm;
    QLatin1String name;
};

constexpr std::array kNames{
    AlgorithmName{JwsAlgorithm::RS256, QLatin1String("RS256")},
    AlgorithmName{JwsAlgorithm::RS384, QLatin1String("RS384")},
    AlgorithmName{JwsAlgorithm::RS512, QLatin1String("RS512")},
    AlgorithmName{JwsAlgorithm::PS256, QLatin1String("PS256")},
    AlgorithmName{JwsAlgorithm::PS384, QLatin1String("PS384")},
    AlgorithmName{JwsAlgorithm::PS512, QLatin1String("PS512")},
    AlgorithmName{JwsAlgorithm::ES256, QLatin1String("ES256")},
    AlgorithmName{JwsAlgorithm::ES384, QLatin1String("ES384")},
    AlgorithmName{JwsAlgorithm::ES512, QLatin1String("ES512")},
};
} // namespace

QString jwsAlgorithmName(JwsAlgorithm algorithm)
{
    for (const auto &entry : kNames) {
        if (entry.algorithm == algorithm)
            return QString(entry.name);
    }
    Q_UNREACHABLE();
    return {};
}

std::optional<JwsAlgorithm> jwsAlgorithmFromName(QStringView name)
{
    for (const auto &entry : kNames) {
        if (name == entry.name)
            return entry.algorithm;
    }
    return std::nullopt;
}

QList<JwsAlgorithm> allJwsAlgorithms()
{
    QList<JwsAlgorithm> out;
    for (const auto &entry : kNames)
        out.append(entry.algorithm);
    return out;
}

} // namespace Crypto
