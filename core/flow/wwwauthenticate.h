#pragma once

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QString>

#include "common/result.h"

namespace Flow {

/// One challenge of a WWW-Authenticate header (RFC 9110 section 11.6.1): a scheme and
/// either auth-params or a token68.
struct AuthChallenge
{
    QString scheme;                ///< as sent, e.g. "Bearer"
    QMap<QString, QString> params; ///< names lower case, quoted values unescaped
    QString token68;               ///< set instead of params by some schemes

    [[nodiscard]] bool isBearer() const
    {
        return scheme.compare(QLatin1String("bearer"), Qt::CaseInsensitive) == 0;
    }
    [[nodiscard]] QString param(const QString &name) const { return params.value(name); }
};

/// Parses every challenge of the given WWW-Authenticate field values (a header may be
/// repeated, and one value may carry several comma-separated challenges). Quoted strings
/// may contain commas, '=' and backslash escapes. Fails with "invalid_challenge" and the
/// offset of the problem for malformed input (unterminated quotes, a parameter without a
/// scheme, a repeated parameter, a parameter without a value, more than 64 challenges or
/// parameters). Input longer than 16 KiB is refused.
[[nodiscard]] Core::Result<QList<AuthChallenge>>
parseWwwAuthenticate(const QList<QByteArray> &fieldValues);

} // namespace Flow
