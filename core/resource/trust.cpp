#include "resource/trust.h"

#include <QDateTime>
#include <QJsonObject>
#include <QUrl>

#include "crypto/jws.h"
#include "http/body.h"
#include "resource/outbound.h"

namespace Resource {

namespace {

Core::Error unavailable(const QString &message)
{
    return Core::makeError(VerifyError::Unavailable, message);
}

Core::Error invalidToken(const QString &message)
{
    return Core::makeError(VerifyError::InvalidToken, message);
}

Http::SsrfPolicy policyFor(const TrustedIssuer &trusted)
{
    Http::SsrfPolicy policy;
    policy.allowPrivateNetworks = trusted.allowPrivateNetwork;
    return policy;
}

/// RFC 8414 section 3.1 (well-known segment before the issuer's path), then OpenID Connect
/// Discovery 1.0 section 4 (appended to the issuer).
QList<QUrl> metadataUrls(const QString &issuer)
{
    const QUrl url(issuer);
    QString path = url.path();
    if (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    QUrl rfc8414 = url;
    rfc8414.setPath(QStringLiteral("/.well-known/oauth-authorization-server") + path);
    QUrl oidc = url;
    oidc.setPath(path + QStringLiteral("/.well-known/openid-configuration"));
    return {rfc8414, oidc};
}

/// The settings JwtVerifier::Options and IntrospectionVerifier::Options share.
template <typename VerifierOptions>
void applyCommon(VerifierOptions &options, const ExternalIssuerVerifier::Options &source)
{
    options.resource = source.resource;
    options.cacheSize = source.cacheSize;
    options.ssrfPolicy = policyFor(source.trusted);
    options.trustedCertificates = source.trustedCertificates;
    options.exchangeLog = source.exchangeLog;
    options.clock = source.clock;
}

} // namespace

// --- ExternalIssuerVerifier

Core::Result<std::shared_ptr<ExternalIssuerVerifier>>
ExternalIssuerVerifier::create(Options options)
{
    QByteArray credential;
    if (options.trusted.verification == QLatin1String("introspection")) {
        auto read = options.trusted.credential();
        if (!read)
            return read.error();
        credential = *read;
    }
    return std::shared_ptr<ExternalIssuerVerifier>(
        new ExternalIssuerVerifier(std::move(options), std::move(credential)));
}

ExternalIssuerVerifier::ExternalIssuerVerifier(Options options, QByteArray credential)
    : m_options(std::move(options))
    , m_credential(std::move(credential))
{}

bool ExternalIssuerVerifier::introspects() const
{
    return m_options.trusted.verification == QLatin1String("introspection");
}

Core::Result<Principal> ExternalIssuerVerifier::verify(const QByteArray &token)
{
    auto verifier = inner();
    if (!verifier)
        return verifier.error();
    return (*verifier)->verify(token);
}

void ExternalIssuerVerifier::invalidate(const QByteArray &tokenHash)
{
    std::shared_ptr<BearerVerifier> verifier;
    {
        std::lock_guard lock(m_mutex);
        verifier = m_inner;
    }
    if (verifier)
        verifier->invalidate(tokenHash);
}

Core::Result<QJsonObject> ExternalIssuerVerifier::discover()
{
    const TrustedIssuer &trusted = m_options.trusted;
    QStringList problems;
    for (const QUrl &url : metadataUrls(trusted.issuer)) {
        Http::ClientRequest request;
        request.url = url;
        request.tag = QStringLiteral("rs.issuer_metadata");
        request.headers.set(QByteArrayLiteral("Accept"), QByteArrayLiteral("application/json"));
        auto response = fetchOutbound(std::move(request), policyFor(trusted),
                                      m_options.trustedCertificates, m_options.exchangeLog);
        if (!response) {
            problems.append(url.toString() + QStringLiteral(": ") + response.error().message);
            continue;
        }
        if (response->status != 200) {
            problems.append(url.toString() + QStringLiteral(": HTTP ") +
                            QString::number(response->status));
            continue;
        }
        auto document = Http::parseJson(response->body);
        if (!document || !document->isObject()) {
            problems.append(url.toString() + QStringLiteral(": not a JSON object"));
            continue;
        }
        const QJsonObject metadata = document->object();
        // RFC 8414 section 3.3: the metadata must name the issuer it was fetched for.
        if (metadata.value(QStringLiteral("issuer")).toString() != trusted.issuer)
            return unavailable(QStringLiteral("the metadata at ") + url.toString() +
                               QStringLiteral(" names issuer \"") +
                               metadata.value(QStringLiteral("issuer")).toString().left(200) +
                               QStringLiteral("\", not \"") + trusted.issuer +
                               QStringLiteral("\" (RFC 8414 section 3.3)"));
        return metadata;
    }
    return unavailable(QStringLiteral("the metadata of trusted issuer ") + trusted.issuer +
                       QStringLiteral(" could not be read: ") +
                       problems.join(QStringLiteral("; ")));
}

Core::Result<std::shared_ptr<BearerVerifier>> ExternalIssuerVerifier::inner()
{
    const qint64 now = m_options.clock ? m_options.clock() : QDateTime::currentMSecsSinceEpoch();
    std::lock_guard lock(m_mutex);
    if (m_inner)
        return m_inner;
    if (m_lastAttempt >= 0 && now - m_lastAttempt < qint64(m_options.retrySeconds) * 1000)
        return unavailable(m_lastError + QStringLiteral(" (retried at most every ") +
                           QString::number(m_options.retrySeconds) + QStringLiteral(" s)"));
    m_lastAttempt = now;
    const TrustedIssuer &trusted = m_options.trusted;
    const bool jwt = !introspects();
    QString endpoint = jwt ? trusted.jwksUri : trusted.introspectionEndpoint;
    if (endpoint.isEmpty()) {
        auto metadata = discover();
        if (!metadata) {
            m_lastError = metadata.error().message;
            return metadata.error();
        }
        const QString member =
            jwt ? QStringLiteral("jwks_uri") : QStringLiteral("introspection_endpoint");
        endpoint = metadata->value(member).toString();
        const auto checked = Http::SsrfGuard(policyFor(trusted)).checkUrl(endpoint);
        if (endpoint.isEmpty() || !checked) {
            const QString why = endpoint.isEmpty()
                                    ? QString(QStringLiteral(" has no ") + member)
                                    : QString(QStringLiteral(" names a ") + member +
                                              QStringLiteral(" that may not be contacted: ") +
                                              checked.error().message);
            m_lastError = QStringLiteral("the metadata of trusted issuer ") + trusted.issuer + why;
            return unavailable(m_lastError);
        }
    }
    if (jwt) {
        JwtVerifier::Options options;
        options.jwksUri = QUrl(endpoint);
        options.issuer = trusted.issuer;
        options.algorithms.clear();
        for (const QString &name : trusted.algorithms)
            if (auto algorithm = Crypto::jwsAlgorithmFromName(name))
                options.algorithms.append(*algorithm);
        applyCommon(options, m_options);
        m_inner = std::make_shared<JwtVerifier>(options);
    } else {
        using Method = IntrospectionVerifier::AuthMethod;
        IntrospectionVerifier::Options options;
        options.endpoint = QUrl(endpoint);
        options.expectedIssuer = trusted.issuer;
        options.method = trusted.authMethod == QLatin1String("client_secret_post")
                             ? Method::ClientSecretPost
                         : trusted.authMethod == QLatin1String("bearer") ? Method::Bearer
                         : trusted.authMethod == QLatin1String("none")   ? Method::None
                                                                       : Method::ClientSecretBasic;
        options.clientId = trusted.clientId;
        options.credential = m_credential;
        options.positiveCacheSeconds = m_options.positiveCacheSeconds;
        options.negativeCacheSeconds = m_options.negativeCacheSeconds;
        applyCommon(options, m_options);
        m_inner = std::make_shared<IntrospectionVerifier>(options);
    }
    return m_inner;
}

// --- IssuerRouter

IssuerRouter::IssuerRouter(QList<Route> routes)
    : m_routes(std::move(routes))
{}

Core::Result<Principal> IssuerRouter::verify(const QByteArray &token)
{
    // A JWT names its issuer; the signature is checked by that issuer's verifier.
    if (token.count('.') == 2) {
        if (auto parsed = Crypto::Jws::parseCompact(token)) {
            const auto claims = Http::parseJson(parsed->payload);
            if (!claims || !claims->isObject())
                return invalidToken(QStringLiteral("the JWT's payload is not a JSON object"));
            const QString issuer = claims->object().value(QStringLiteral("iss")).toString();
            for (const Route &route : std::as_const(m_routes))
                if (route.issuer == issuer)
                    return route.verifier->verify(token);
            return invalidToken(
                issuer.isEmpty()
                    ? QStringLiteral("the JWT names no issuer (iss)")
                    : QStringLiteral("the token was issued by \"") + issuer.left(200) +
                          QStringLiteral("\", an authorization server this resource server "
                                         "does not trust"));
        }
    }
    std::optional<Core::Error> unreachable;
    QStringList asked;
    for (const Route &route : std::as_const(m_routes)) {
        if (!route.introspects)
            continue;
        asked.append(route.issuer);
        auto principal = route.verifier->verify(token);
        if (principal)
            return principal;
        if (principal.error().code == VerifyError::Unavailable && !unreachable)
            unreachable = principal.error();
    }
    if (unreachable)
        return *unreachable;
    if (asked.isEmpty())
        return invalidToken(QStringLiteral("the token is not a JWT, and no trusted authorization "
                                           "server is asked about opaque tokens"));
    return invalidToken(QStringLiteral("no trusted authorization server knows the token as an "
                                       "active access token for this resource (asked: ") +
                        asked.join(QStringLiteral(", ")) + QLatin1Char(')'));
}

void IssuerRouter::invalidate(const QByteArray &tokenHash)
{
    for (const Route &route : std::as_const(m_routes))
        route.verifier->invalidate(tokenHash);
}

Core::Result<std::shared_ptr<BearerVerifier>>
trustIssuers(std::shared_ptr<BearerVerifier> embedded, const QString &embeddedIssuer,
             bool embeddedIntrospects, const Config &config, const QString &resource,
             Http::ExchangeLog *exchangeLog)
{
    if (config.trustedIssuers.isEmpty())
        return embedded;
    QList<IssuerRouter::Route> routes;
    if (config.trustEmbeddedIssuer)
        routes.append({embeddedIssuer, std::move(embedded), embeddedIntrospects});
    for (const TrustedIssuer &trusted : config.trustedIssuers) {
        ExternalIssuerVerifier::Options options;
        options.trusted = trusted;
        options.resource = resource;
        options.cacheSize = config.cacheSize;
        options.positiveCacheSeconds = config.positiveCacheSeconds;
        options.negativeCacheSeconds = config.negativeCacheSeconds;
        options.exchangeLog = exchangeLog;
        auto verifier = ExternalIssuerVerifier::create(options);
        if (!verifier)
            return verifier.error();
        routes.append({trusted.issuer, *verifier, (*verifier)->introspects()});
    }
    return std::shared_ptr<BearerVerifier>(std::make_shared<IssuerRouter>(std::move(routes)));
}

} // namespace Resource
