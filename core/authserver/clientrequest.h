#pragma once

#include <optional>
#include <variant>

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "authserver/clientauthenticator.h"
#include "authserver/config.h"
#include "common/result.h"
#include "http/body.h"
#include "http/message.h"

namespace Store {
struct Client;
}

/// Steps shared by the endpoints an OAuth client POSTs a form to (token, device
/// authorization, introspection, revocation): reading the form, authenticating the client,
/// rate limits, and resolving the scope and resource of a new grant.
namespace Auth {

class Context;

/// The form body of a client request (RFC 6749 section 3.2): the Content-Type must be
/// application/x-www-form-urlencoded (UTF-8), the body is parsed strictly and only
/// `resource` (RFC 8707) may repeat. Errors: invalid_request.
[[nodiscard]] Core::Result<Http::FormData> readClientForm(const Http::Request &request);

/// A required single parameter: invalid_request naming it when absent or empty.
[[nodiscard]] Core::Result<QString> requiredParameter(const Http::FormData &form,
                                                      const QString &name);

/// Counts a hit on `key` (e.g. "token:addr:127.0.0.1") against `limit`; a 429 answer
/// (with Retry-After) when over it, nothing when the request may go on.
[[nodiscard]] std::optional<Http::Response> checkRateLimit(Context &context, const QString &key,
                                                           const RateLimit &limit);

/// The caller's address as the rate-limit and audit key ("127.0.0.1", "::1").
[[nodiscard]] QString clientAddress(const Http::Request &request);

/// Authenticates the client of `request` for the endpoint at `path` (its URL is the
/// accepted assertion audience besides the issuer). On failure the error is already an
/// OAuth error; answer it with clientErrorResponse(request, error).
[[nodiscard]] Core::Result<AuthenticatedClient> authenticateClient(Context &context,
                                                                   const Http::Request &request,
                                                                   const Http::FormData &form,
                                                                   const char *path);

/// A client request whose form was read and whose client authenticated.
struct ClientCall
{
    Http::FormData form;
    AuthenticatedClient client;
};

/// readClientForm() then authenticateClient(); on failure the error answer to send, the
/// refusal audited as `refusalEvent` (with `detail`, e.g. the grant type).
[[nodiscard]] std::variant<ClientCall, Http::Response>
acceptClientCall(Context &context, const Http::Request &request, const char *path,
                 const QString &refusalEvent);

/// errorResponse() for a client request: the 401 challenge when Basic was tried, and 400
/// for the token-endpoint errors RFC 6749 section 5.2 and RFC 8628 section 3.5 define
/// (access_denied included, which errorStatus() maps to 403 for pages).
[[nodiscard]] Http::Response clientErrorResponse(const Http::Request &request,
                                                 const Core::Error &error);

/// The scopes of a new grant (RFC 6749 section 3.3): Config::defaultScope when `requested`
/// is absent or empty; every scope must be in Config::scopesSupported and, when the client
/// registered a scope, in it. Errors: invalid_scope naming the offending scope.
[[nodiscard]] Core::Result<QStringList> resolveScope(const Config &config,
                                                     const Store::Client &client,
                                                     const std::optional<QString> &requested);

/// Checks one RFC 8707 resource indicator: an absolute http(s) URI without a fragment, and
/// one of Config::allowedResources when that list is set. Errors: invalid_target.
[[nodiscard]] Core::Status validateResource(const Config &config, const QString &resource);

/// The resource of a new grant: Config::defaultResource when none is requested, else the
/// single requested one, validated. More than one is invalid_target (a token has one
/// audience here).
[[nodiscard]] Core::Result<QString> resolveResource(const Config &config,
                                                    const QStringList &requested);

/// Audits a refused client request: event `type` (e.g. "token.refused") with the OAuth
/// error code and message merged into `detail` (which must hold no secret).
void auditRefusal(Context &context, const Http::Request &request, const QString &type,
                  const QString &clientId, const QString &subject, const Core::Error &error,
                  QJsonObject detail = {});

/// The OAuth error for a store failure the client cannot fix: temporarily_unavailable when
/// the store is busy or unreachable, server_error otherwise. The store's message (which
/// names no secret) is logged; the client gets `what` ("storing the device code failed").
[[nodiscard]] Core::Error internalError(const Core::Error &storeError, const QString &what);

/// Whether the client registered `grantType` (RFC 7591 grant_types).
[[nodiscard]] bool clientHasGrant(const Store::Client &client, const QString &grantType);

/// Grant type identifiers.
namespace GrantType {
inline const QString AuthorizationCode = QStringLiteral("authorization_code");
inline const QString RefreshToken = QStringLiteral("refresh_token");
inline const QString ClientCredentials = QStringLiteral("client_credentials");
inline const QString DeviceCode = QStringLiteral("urn:ietf:params:oauth:grant-type:device_code");
} // namespace GrantType

} // namespace Auth
