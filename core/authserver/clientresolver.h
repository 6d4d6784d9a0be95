#pragma once

#include <QString>

#include "common/result.h"
#include "store/clientrepository.h"

namespace Auth {

class Context;

/// Finds the client a request names: a registered client_id from the store, or — when
/// the client_id is an https URL — its Client ID Metadata Document: fetched through the
/// SSRF guard (http on loopback only with Config::allowLoopbackCimd), at most 64 KiB, JSON
/// with client_id exactly equal to the URL, redirect_uris validated like registration,
/// token_endpoint_auth_method none or private_key_jwt (no shared secrets), cached in the
/// store per the response's Cache-Control / Expires (bounded: 5 min .. 24 h, 1 h when the
/// response says nothing) and refetched once expired. A failed refetch fails closed: the
/// expired copy is not used, the error says why, and an audit event records it.
/// Thread-safe (no state of its own; outbound requests use a client per thread).
/// Errors: invalid_client (unknown or broken document; the message says why),
/// server_error (the store failed).
class ClientResolver final
{
    Q_DISABLE_COPY_MOVE(ClientResolver)

public:
    explicit ClientResolver(Context &context);

    Core::Result<Store::Client> resolve(const QString &clientId);
    /// True for a client_id that names a metadata document (an http(s) URL; plain http is
    /// then refused by resolve() unless Config::allowLoopbackCimd allows it on loopback).
    [[nodiscard]] static bool isMetadataDocumentUrl(const QString &clientId);

private:
    Core::Result<Store::Client> fetchMetadataDocument(const QString &clientId);

    Context &m_context;
};

/// Redirect URI rules shared by registration, CIMD and /authorize (RFC 8252, OAuth 2.1):
/// absolute; https, or http on a loopback host (127.0.0.1, [::1], localhost), or a
/// private-use scheme with a dot (com.example.app:/cb) for native apps; no fragment; no
/// userinfo; never javascript:, data:, file:, vbscript:.
[[nodiscard]] Core::Status validateRedirectUri(const QString &uri);
/// Exact string match, except that the port of a loopback http redirect URI may differ
/// (RFC 8252 section 7.3).
[[nodiscard]] bool redirectUriMatches(const QString &registered, const QString &requested);

} // namespace Auth
