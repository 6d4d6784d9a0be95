#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include "http/message.h"

/// The one place that masks secrets before anything reaches a log, an exchange capture or
/// the UI. Each secret is replaced by Crypto::maskSecret() of its decoded value, so the
/// same secret always reads the same and can be correlated; everything else stays as it
/// was, readable.
namespace Http {

/// True for parameter and member names that carry secrets ("code", "client_secret",
/// "refresh_token", ...), compared case-insensitively.
[[nodiscard]] bool isSensitiveName(QStringView name);

/// Authorization and Proxy-Authorization keep their scheme ("Bearer abcd…#12345678");
/// Cookie and Set-Cookie keep cookie names and attributes; DPoP and every header whose
/// name contains "token", "secret", "password" or "api-key" are masked whole.
[[nodiscard]] Headers maskHeaders(const Headers &headers);

/// Masks the values of sensitive parameters of a form body. A masked value is written
/// percent-encoded where needed, so the result still parses and each masked parameter
/// decodes to exactly Crypto::maskSecret(original value).
[[nodiscard]] QByteArray maskForm(const QByteArray &body);
/// Same as maskForm() for a raw query string (without the '?').
[[nodiscard]] QByteArray maskQuery(const QByteArray &query);
/// Masks sensitive members at any depth, and the private members of JWKs (d, p, q, dp, dq,
/// qi, oth, k in an object that has "kty"). Returns the body unchanged when nothing needed
/// masking. A body that is not JSON is treated as maskOpaque() does.
[[nodiscard]] QByteArray maskJson(const QByteArray &body);
/// Masks the password of the userinfo and sensitive parameters in the query and in the
/// fragment (implicit-style responses carry tokens there).
[[nodiscard]] QString maskUrl(const QString &url);
/// Dispatches on the media type of `contentType`: form, JSON (and +json), JWT (masked
/// whole); anything else goes through maskOpaque().
[[nodiscard]] QByteArray maskBody(QByteArrayView contentType, const QByteArray &body);
/// A body that cannot be parsed is kept only when no sensitive name occurs in it as a
/// word; otherwise it is replaced by a short note giving its size.
[[nodiscard]] QByteArray maskOpaque(const QByteArray &body);

} // namespace Http
