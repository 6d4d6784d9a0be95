// RFC 8414 authorization server metadata, its OpenID Connect Discovery twin, and the JWKS.

#include <QJsonArray>
#include <QJsonDocument>
#include <QUrl>

#include "authserver/config.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "authserver/keymanager.h"
#include "authserver/oauth.h"
#include "crypto/jwsalgorithm.h"
#include "http/router.h"

namespace Auth {

namespace {

constexpr char kOAuthWellKnown[] = "/.well-known/oauth-authorization-server";
constexpr char kOidcWellKnown[] = "/.well-known/openid-configuration";

QJsonArray strings(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

QJsonArray signingAlgorithms()
{
    QJsonArray out;
    for (const Crypto::JwsAlgorithm alg : Crypto::allJwsAlgorithms())
        out.append(Crypto::jwsAlgorithmName(alg));
    return out;
}

/// The document. Only what the server implements is advertised.
QJsonObject metadata(const Context &context, bool oidc)
{
    const Config &config = context.config();
    const auto url = [&](const char *path) { return context.endpointUrl(QLatin1String(path)); };
    const QJsonArray authMethods =
        strings({QStringLiteral("none"), QStringLiteral("client_secret_basic"),
                 QStringLiteral("client_secret_post"), QStringLiteral("private_key_jwt")});
    // Introspection answers only authenticated callers (RFC 7662 section 2.1).
    const QJsonArray confidentialMethods =
        strings({QStringLiteral("client_secret_basic"), QStringLiteral("client_secret_post"),
                 QStringLiteral("private_key_jwt")});
    const QJsonArray algs = signingAlgorithms();
    QStringList pkce{QStringLiteral("S256")};
    if (config.allowPlainPkce)
        pkce.append(QStringLiteral("plain"));

    QJsonObject doc{
        {QStringLiteral("issuer"), context.issuer()},
        {QStringLiteral("authorization_endpoint"), url(Paths::Authorize)},
        {QStringLiteral("token_endpoint"), url(Paths::Token)},
        {QStringLiteral("registration_endpoint"), url(Paths::Register)},
        {QStringLiteral("revocation_endpoint"), url(Paths::Revoke)},
        {QStringLiteral("introspection_endpoint"), url(Paths::Introspect)},
        {QStringLiteral("device_authorization_endpoint"), url(Paths::DeviceAuthorization)},
        {QStringLiteral("jwks_uri"), url(Paths::Jwks)},
        {QStringLiteral("scopes_supported"), strings(config.scopesSupported)},
        {QStringLiteral("response_types_supported"), strings({QStringLiteral("code")})},
        {QStringLiteral("response_modes_supported"), strings({QStringLiteral("query")})},
        {QStringLiteral("grant_types_supported"),
         strings({QStringLiteral("authorization_code"), QStringLiteral("refresh_token"),
                  QStringLiteral("client_credentials"),
                  QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")})},
        {QStringLiteral("token_endpoint_auth_methods_supported"), authMethods},
        {QStringLiteral("token_endpoint_auth_signing_alg_values_supported"), algs},
        {QStringLiteral("revocation_endpoint_auth_methods_supported"), authMethods},
        {QStringLiteral("revocation_endpoint_auth_signing_alg_values_supported"), algs},
        {QStringLiteral("introspection_endpoint_auth_methods_supported"), confidentialMethods},
        {QStringLiteral("introspection_endpoint_auth_signing_alg_values_supported"), algs},
        {QStringLiteral("code_challenge_methods_supported"), strings(pkce)},
        {QStringLiteral("authorization_response_iss_parameter_supported"), true},
        {QStringLiteral("client_id_metadata_document_supported"), true},
    };
    if (oidc) {
        // OpenID Connect Discovery 1.0 section 3. No ID tokens are issued, so
        // id_token_signing_alg_values_supported (and userinfo, claims) are left out rather
        // than advertised falsely; MCP clients only read the OAuth members of this document.
        doc.insert(QStringLiteral("subject_types_supported"), strings({QStringLiteral("public")}));
    }
    return doc;
}

void publicCache(Http::Response &response, int maxAge)
{
    response.headers.set(QByteArrayLiteral("Cache-Control"),
                         QByteArrayLiteral("public, max-age=") + QByteArray::number(maxAge));
}

void serveJson(Context &context, Http::Router &router, const QByteArray &path,
               std::function<Http::Response(const Http::Request &)> build)
{
    router.handle(QByteArrayLiteral("GET"), path,
                  [&context, build = std::move(build)](const Http::Request &request) {
                      Http::Response response = build(request);
                      addCorsHeaders(context.config(), request, response);
                      return response;
                  });
    router.handle(QByteArrayLiteral("OPTIONS"), path, [&context](const Http::Request &request) {
        return corsPreflight(context.config(), request, QByteArrayLiteral("GET, OPTIONS"));
    });
}

} // namespace

void installMetadataEndpoints(Context &context, Http::Router &router)
{
    // The documents depend only on the configuration, which does not change while the
    // server runs: build them once.
    const QByteArray oauthBody =
        QJsonDocument(metadata(context, false)).toJson(QJsonDocument::Compact);
    const QByteArray oidcBody =
        QJsonDocument(metadata(context, true)).toJson(QJsonDocument::Compact);
    const auto document = [](QByteArray body) {
        return [body = std::move(body)](const Http::Request &) {
            Http::Response response;
            response.status = 200;
            response.headers.set(QByteArrayLiteral("Content-Type"),
                                 QByteArrayLiteral("application/json"));
            response.body = body;
            publicCache(response, 3600);
            return response;
        };
    };

    // RFC 8414 section 3.1: the well-known segment goes between the host and the issuer's
    // path; OIDC Discovery appends it to the issuer. Both forms are served for an issuer
    // with a path, since clients try both.
    const QString issuerPath = QUrl(context.issuer()).path(QUrl::FullyDecoded);
    const QByteArray path = issuerPath == QLatin1String("/") ? QByteArray() : issuerPath.toUtf8();
    QList<QByteArray> oauthPaths{QByteArray(kOAuthWellKnown)};
    QList<QByteArray> oidcPaths{QByteArray(kOidcWellKnown)};
    if (!path.isEmpty()) {
        oauthPaths.append(QByteArray(kOAuthWellKnown) + path);
        oidcPaths.append(QByteArray(kOidcWellKnown) + path);
        oidcPaths.append(path + QByteArray(kOidcWellKnown));
    }
    for (const QByteArray &p : std::as_const(oauthPaths))
        serveJson(context, router, p, document(oauthBody));
    for (const QByteArray &p : std::as_const(oidcPaths))
        serveJson(context, router, p, document(oidcBody));

    serveJson(context, router, QByteArray(Paths::Jwks), [&context](const Http::Request &) {
        auto jwks = context.keys().jwks();
        if (!jwks) {
            qCWarning(lcAuthServer, "cannot serve the JWKS: %s",
                      qUtf8Printable(jwks.error().toString()));
            Http::Response response = Http::Response::error(
                503, "temporarily_unavailable", QStringLiteral("the signing keys are unavailable"));
            response.headers.set(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5"));
            return response;
        }
        Http::Response response = Http::Response::json(200, QJsonDocument(*jwks));
        response.headers.set(QByteArrayLiteral("Content-Type"),
                             QByteArrayLiteral("application/json"));
        // Short: a verifier that sees an unknown kid refetches, and rotation is rare.
        publicCache(response, 300);
        return response;
    });
}

} // namespace Auth
