#pragma once

#include <QHash>
#include <QMutex>
#include <QString>

#include "common/result.h"
#include "crypto/jwks.h"
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
/// https URL is resolved as a Client ID Metadata Document (see ClientResolver).
/// Errors carry OAuthError codes: invalid_client (message says why; never the secret),
/// invalid_request.
///
/// Details: client_secret_basic decodes the form-urlencoded id and secret inside Basic
/// (RFC 6749 section 2.3.1); a client_id in the body next to Basic must be the same id.
/// Secrets are compared as SHA-256 hex digests in constant time; a secret past
/// Store::Client::secretExpiresAt (epoch ms, 0 = never) is refused. An assertion may live
/// at most kMaxAssertionLifetimeSeconds (exp - iat). A client's jwks_uri document is
/// cached for kJwksCacheSeconds and refetched once when an assertion names an unknown kid
/// (at most every kJwksRefetchSeconds). Thread-safe.
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

    static constexpr qint64 kMaxAssertionLifetimeSeconds = 600;
    static constexpr qint64 kJwksCacheSeconds = 300;
    static constexpr qint64 kJwksRefetchSeconds = 10;
    static constexpr const char *kJwtBearerAssertionType =
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

private:
    struct Credentials;
    struct CachedJwks
    {
        Crypto::Jwks jwks;
        qint64 fetchedAt = 0;
    };

    Core::Result<Credentials> collect(const Http::Request &request, const Http::FormData &form);
    /// none, client_secret_basic and client_secret_post.
    Core::Result<AuthenticatedClient> authenticateWithSecret(const Credentials &credentials);
    [[nodiscard]] static Core::Status checkMethod(const Store::Client &client,
                                                  const QString &method);
    Core::Result<AuthenticatedClient> authenticateWithAssertion(const Credentials &credentials,
                                                                const QString &audience);
    /// The client's keys: its registered jwks, or its jwks_uri (cached unless `refresh`).
    Core::Result<Crypto::Jwks> clientKeys(const Store::Client &client, bool refresh,
                                          bool *fromCache);
    void recordFailure(const QString &clientId, const QString &method, const Core::Error &error,
                       const Http::Request &request);

    Context &m_context;
    QMutex m_jwksMutex;
    QHash<QString, CachedJwks> m_jwksCache; ///< jwks_uri -> document
};

} // namespace Auth
