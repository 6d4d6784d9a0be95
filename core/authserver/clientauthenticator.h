#pragma once

#include <QString>

#include "common/result.h"
#include "store/clientrepository.h"

namespace Http {
class FormData;
struct Request;
} // namespace Http

namespace Auth {

class Context;

/// The client a request authenticated as, and how.
struct AuthenticatedClient
{
    Store::Client client;
    /// none | client_secret_basic | client_secret_post | private_key_jwt
    QString method;
    [[nodiscard]] bool isConfidential() const { return method != QLatin1String("none"); }
};

/// Client authentication at the token, introspection, revocation and device authorization
/// endpoints (RFC 6749 section 2.3, RFC 7523 section 2.2). Exactly one method per request:
/// two (e.g. Basic and client_secret in the body) is invalid_request. The method used must
/// be the client's registered token_endpoint_auth_method. private_key_jwt checks: alg in
/// the RS/PS/ES allowlist (never none/HS*), signature against the client's jwks or
/// jwks_uri (fetched through the SSRF guard), iss = sub = client_id, aud = the token
/// endpoint URL or the issuer, exp in the future, iat and jti present, lifetime bounded,
/// and the jti recorded in the replay store until exp + clock skew. A client_id that is an
/// https URL is resolved as a Client ID Metadata Document (see cimd.h).
/// Errors carry OAuthError codes: invalid_client (message says why; never the secret),
/// invalid_request.
class ClientAuthenticator final
{
    Q_DISABLE_COPY_MOVE(ClientAuthenticator)

public:
    explicit ClientAuthenticator(Context &context);

    /// `form` is the parsed request body. `audience` is the endpoint URL the assertion must
    /// name (besides the issuer).
    Core::Result<AuthenticatedClient>
    authenticate(const Http::Request &request, const Http::FormData &form, const QString &audience);

    /// Whether the request tried HTTP Basic (to pick the 401 challenge on failure).
    [[nodiscard]] static bool attemptedBasic(const Http::Request &request);

private:
    Context &m_context;
};

} // namespace Auth
