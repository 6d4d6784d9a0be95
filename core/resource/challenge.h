#pragma once

#include <variant>

#include <QByteArray>
#include <QString>
#include <QStringList>

#include "http/message.h"

namespace Resource {

/// RFC 6750 / RFC 9728 challenges of the resource server. Every challenge names the
/// Protected Resource Metadata URL so a client can discover the authorization server.
class Challenge final
{
public:
    /// `metadataUrl` is the PRM URL; `scopes` what the resource needs by default.
    Challenge(QString metadataUrl, QStringList scopes);

    /// 401. `error="invalid_token"` only when a token was sent (RFC 6750 section 3.1).
    [[nodiscard]] Http::Response unauthorized(bool tokenSent,
                                              const QString &description = {}) const;
    /// 403 insufficient_scope naming every scope the call needs.
    [[nodiscard]] Http::Response insufficientScope(const QStringList &needed,
                                                   const QString &description) const;
    /// 400 invalid_request (malformed Authorization header, token in the query string).
    [[nodiscard]] Http::Response invalidRequest(const QString &description) const;
    /// 503 when the authorization server could not be asked.
    [[nodiscard]] Http::Response unavailable(const QString &description) const;

    /// The bearer token of `request` (nullopt: none sent), or the refusal to send instead.
    /// Only the Authorization header is accepted (bearer_methods_supported ["header"]).
    [[nodiscard]] std::variant<std::optional<QByteArray>, Http::Response>
    extractToken(const Http::Request &request) const;

    /// `value` as an RFC 7230 quoted-string: `"` and `\` escaped, controls dropped.
    [[nodiscard]] static QByteArray quoted(const QString &value);

private:
    [[nodiscard]] Http::Response build(int status, const QByteArray &error,
                                       const QStringList &scopes, const QString &description) const;

    QString m_metadataUrl;
    QStringList m_scopes;
};

} // namespace Resource
