#pragma once

#include <chrono>

#include <QJsonObject>
#include <QString>
#include <QUrl>

#include "common/result.h"
#include "http/client.h"
#include "store/clientrepository.h"

namespace Auth {

class Context;
struct Config;

/// token_endpoint_auth_method values (RFC 7591 section 2, RFC 7523).
namespace AuthMethod {
inline const QString None = QStringLiteral("none");
inline const QString ClientSecretBasic = QStringLiteral("client_secret_basic");
inline const QString ClientSecretPost = QStringLiteral("client_secret_post");
inline const QString PrivateKeyJwt = QStringLiteral("private_key_jwt");
} // namespace AuthMethod

/// Client metadata (RFC 7591 section 2) as registration and Client ID Metadata Documents
/// share it. Internal to the authorization server.
namespace ClientMetadata {

/// Client ids and URLs are not secrets, but they are attacker-chosen: messages show at
/// most the first 120 characters.
[[nodiscard]] QString shortForMessage(const QString &text);

enum class Origin {
    Registration,     ///< POST /register: default auth method client_secret_basic
    MetadataDocument, ///< CIMD: auth method none (default) or private_key_jwt, no secrets
};

/// Validates `document` and returns the client it describes (no client_id, no secret, no
/// source: the caller fills those in). Unknown members are ignored and not kept. Errors:
/// invalid_redirect_uri or invalid_client_metadata, naming the member.
///
/// application_type (OIDC Registration): "web" (default) allows https redirect URIs and
/// http ones on loopback only; "native" also allows private-use schemes (RFC 8252 7.1).
[[nodiscard]] Core::Result<Store::Client> parse(const QJsonObject &document, Origin origin,
                                                const Config &config);

/// For a client whose auth method uses a shared secret (client_secret_basic / _post): a new
/// secret "mcs_" + 256 random bits, whose hash is set on `client` (never expiring). Returns
/// the clear value — only the response or command output that hands it out may show it —
/// or an empty array for the other methods (and then clears any secret on `client`).
[[nodiscard]] QByteArray issueSecret(Store::Client &client);
/// A new client_id for a registered client: "mcp_" + 128 random bits.
[[nodiscard]] QString newClientId();

/// The registered metadata of `client` as RFC 7591 section 3.2.1 returns it (client_id
/// included, never a secret).
[[nodiscard]] QJsonObject describe(const Store::Client &client);

} // namespace ClientMetadata

/// Outbound fetches of the authorization server (CIMD documents, client jwks_uri), made
/// on the calling handler thread through a client owned by that thread.
namespace Outbound {

struct Fetch
{
    QUrl url;
    qint64 maxBytes = 64 * 1024;
    std::chrono::milliseconds timeout = std::chrono::seconds(5);
    QString tag; ///< copied into the captured exchange
};

/// GET with `Accept: application/json`, no redirects followed, through the SSRF guard
/// (loopback only when Config::allowLoopbackCimd). Any answer is returned, whatever its
/// status; transport failures, SSRF refusals and oversize bodies are errors whose message
/// says what happened.
[[nodiscard]] Core::Result<Http::ClientResponse> getJson(const Context &context,
                                                         const Fetch &fetch);

/// The SSRF policy of those fetches.
[[nodiscard]] Http::SsrfPolicy policy(const Config &config);

} // namespace Outbound

} // namespace Auth
