#pragma once

#include <QByteArrayView>
#include <QJsonObject>

#include "common/result.h"

namespace Crypto {

/// Parses `json` as a JSON object, more strictly than QJsonDocument alone: the input must be
/// at most `maxBytes` long, nest at most `maxDepth` objects/arrays deep, and no object may
/// repeat a member name (QJsonDocument silently keeps one of them, which lets two parsers
/// of the same token disagree). Errors carry the code "malformed_json"; callers re-wrap
/// them with their own code.
[[nodiscard]] Core::Result<QJsonObject> parseStrictJsonObject(QByteArrayView json,
                                                              qsizetype maxBytes, int maxDepth);

} // namespace Crypto
