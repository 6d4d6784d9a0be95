#pragma once

#include <memory>

#include <QJsonObject>
#include <QString>

namespace Http {
class Router;
}

namespace Store {
class Database;
struct Token;
} // namespace Store

/// Each endpoint group of the authorization server registers its routes here. They run on
/// the HTTP server's worker threads and share the Context (which must outlive the router).
namespace Auth {

class Context;

/// RFC 8414 `/.well-known/oauth-authorization-server[/<issuer path>]`, OIDC
/// `/.well-known/openid-configuration` (and the path forms), `/jwks`.
void installMetadataEndpoints(Context &context, Http::Router &router);
/// `/authorize`, `/login`, `/consent` (HTML forms from resources/templates, CSRF).
void installAuthorizeEndpoints(Context &context, Http::Router &router);
/// `/token`: authorization_code, refresh_token, client_credentials, device_code.
void installTokenEndpoint(Context &context, Http::Router &router);
/// `/device_authorization` and the verification page `/device`.
void installDeviceEndpoints(Context &context, Http::Router &router);
/// `/introspect` (RFC 7662) and `/revoke` (RFC 7009).
void installIntrospectionAndRevocation(Context &context, Http::Router &router);
/// The answer of `/introspect` about `token` to a caller allowed to see it (RFC 7662):
/// {"active": false} unless the token is active at `now`, else its client_id, sub, iss,
/// exp, iat, token_type, scope, aud, jti and (for a local user) username. The endpoint
/// and the app's token view both answer with this.
[[nodiscard]] QJsonObject introspectionResponse(const QString &issuer,
                                                const std::shared_ptr<Store::Database> &db,
                                                const Store::Token &token, qint64 now);
/// `/register` (RFC 7591).
void installRegistrationEndpoint(Context &context, Http::Router &router);

/// The paths, one place for the metadata document and the handlers.
namespace Paths {
inline constexpr char Authorize[] = "/authorize";
inline constexpr char Login[] = "/login";
inline constexpr char Consent[] = "/consent";
inline constexpr char Token[] = "/token";
inline constexpr char DeviceAuthorization[] = "/device_authorization";
inline constexpr char DeviceVerification[] = "/device";
inline constexpr char Introspect[] = "/introspect";
inline constexpr char Revoke[] = "/revoke";
inline constexpr char Register[] = "/register";
inline constexpr char Jwks[] = "/jwks";
} // namespace Paths

} // namespace Auth
