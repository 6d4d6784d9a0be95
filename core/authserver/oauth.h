#pragma once

#include <QJsonObject>
#include <QLoggingCategory>
#include <QSet>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "http/message.h"

/// OAuth 2.x building blocks shared by every endpoint: errors, responses, scopes.
namespace Auth {

struct Config;

/// "mcpauth.authserver": warnings of the authorization server (store failures the request
/// survives, auto-approve). Never with a secret in it.
Q_DECLARE_LOGGING_CATEGORY(lcAuthServer)

/// RFC 6749 section 5.2 / RFC 8628 / RFC 7591 / RFC 6750 error codes.
namespace OAuthError {
inline const QString InvalidRequest = QStringLiteral("invalid_request");
inline const QString InvalidClient = QStringLiteral("invalid_client");
inline const QString InvalidGrant = QStringLiteral("invalid_grant");
inline const QString UnauthorizedClient = QStringLiteral("unauthorized_client");
inline const QString UnsupportedGrantType = QStringLiteral("unsupported_grant_type");
inline const QString UnsupportedResponseType = QStringLiteral("unsupported_response_type");
inline const QString InvalidScope = QStringLiteral("invalid_scope");
inline const QString InvalidTarget = QStringLiteral("invalid_target"); ///< RFC 8707
inline const QString AccessDenied = QStringLiteral("access_denied");
inline const QString ServerError = QStringLiteral("server_error");
inline const QString TemporarilyUnavailable = QStringLiteral("temporarily_unavailable");
inline const QString AuthorizationPending = QStringLiteral("authorization_pending");
inline const QString SlowDown = QStringLiteral("slow_down");
inline const QString ExpiredToken = QStringLiteral("expired_token");
inline const QString InvalidRedirectUri = QStringLiteral("invalid_redirect_uri");
inline const QString InvalidClientMetadata = QStringLiteral("invalid_client_metadata");
inline const QString UnsupportedTokenType = QStringLiteral("unsupported_token_type");
inline const QString InvalidDpopProof = QStringLiteral("invalid_dpop_proof");
} // namespace OAuthError

/// The JSON error response of a token-style endpoint: status (400, or 401 with a
/// `WWW-Authenticate: Basic realm=...` challenge for invalid_client when the client tried
/// HTTP Basic — RFC 6749 section 5.2), `{"error", "error_description"}`,
/// `Cache-Control: no-store`, `Pragma: no-cache`.
[[nodiscard]] Http::Response errorResponse(const Core::Error &error, bool basicAttempted = false);
/// The status an OAuth error code answers with on token-style endpoints.
[[nodiscard]] int errorStatus(const QString &code);
/// A 200 JSON response with no-store headers (token, introspection, registration).
[[nodiscard]] Http::Response jsonNoStore(const QJsonObject &body, int status = 200);
/// 429 with `Retry-After: seconds` and a JSON body (error "slow_down" is NOT used here:
/// the body says temporarily_unavailable-style text with the wait).
[[nodiscard]] Http::Response tooManyRequests(int retryAfterSeconds);

/// CORS for the endpoints browsers may call (metadata, JWKS, token, register, revoke):
/// when the request has an `Origin` allowed by Config::corsOrigins ("*" = any), adds
/// `Access-Control-Allow-Origin` (and `Vary: Origin`). Credentials are never allowed.
void addCorsHeaders(const Config &config, const Http::Request &request, Http::Response &response);
/// The answer to a CORS preflight (OPTIONS): 204 with the allowed methods and the headers
/// OAuth clients send (Authorization, Content-Type, MCP-Protocol-Version) when the origin
/// is allowed, 204 without CORS headers otherwise.
[[nodiscard]] Http::Response corsPreflight(const Config &config, const Http::Request &request,
                                           const QByteArray &methods);

/// Splits a space-delimited scope string (RFC 6749 section 3.3), dropping empty parts and
/// duplicates, keeping order. Fails for characters outside %x21 / %x23-5B / %x5D-7E.
[[nodiscard]] Core::Result<QStringList> parseScope(const QString &scope);
[[nodiscard]] QString joinScope(const QStringList &scopes);
/// True when every scope of `requested` is in `allowed`.
[[nodiscard]] bool scopeSubset(const QStringList &requested, const QStringList &allowed);

} // namespace Auth
