#include "laxserver.h"

#include <QJsonDocument>
#include <QUrlQuery>

#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/keymanager.h"
#include "crypto/jwks.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "engine.h"
#include "friction/registry.h"
#include "store/tokenrepository.h"

namespace CheckTest {

namespace {

/// Verifies JWTs with the AS's JWKS like a real RS would, optionally without the audience
/// check (the bug the audit must catch). Revocation: the token's row in the store.
class SigningOnlyVerifier final : public Resource::BearerVerifier
{
public:
    SigningOnlyVerifier(Crypto::Jwks jwks, QString issuer, QString audience,
                        std::shared_ptr<Store::Database> db)
        : m_jwks(std::move(jwks))
        , m_issuer(std::move(issuer))
        , m_audience(std::move(audience))
        , m_db(std::move(db))
    {}

    Core::Result<Resource::Principal> verify(const QByteArray &token) override
    {
        const auto invalid = [](const QString &why) {
            return Core::makeError(Resource::VerifyError::InvalidToken, why);
        };
        auto verified = Crypto::Jws::verifyWithJwks(
            token, m_jwks, {Crypto::JwsAlgorithm::ES256, Crypto::JwsAlgorithm::RS256});
        if (!verified)
            return invalid(verified.error().message);
        auto claims = Crypto::Jwt::parseClaims(verified->payload);
        if (!claims)
            return invalid(claims.error().message);
        Crypto::Jwt::ClaimChecks checks;
        checks.now = QDateTime::currentSecsSinceEpoch();
        checks.issuer = m_issuer;
        checks.audience = m_audience; // empty: not checked
        if (auto ok = Crypto::Jwt::checkClaims(*claims, checks); !ok)
            return invalid(ok.error().message);
        auto row = Store::TokenRepository(m_db).findByHash(Store::SecretHash::fromSecret(token));
        if (!row || row->state(QDateTime::currentMSecsSinceEpoch()) != Store::TokenState::Active)
            return invalid(QStringLiteral("not active"));
        Resource::Principal principal;
        principal.subject = claims->value(QStringLiteral("sub")).toString();
        principal.clientId = claims->value(QStringLiteral("client_id")).toString();
        principal.issuer = m_issuer;
        principal.scopes = claims->value(QStringLiteral("scope"))
                               .toString()
                               .split(QLatin1Char(' '), Qt::SkipEmptyParts);
        principal.expiresAt = claims->value(QStringLiteral("exp")).toInteger();
        return principal;
    }

private:
    Crypto::Jwks m_jwks;
    QString m_issuer;
    QString m_audience;
    std::shared_ptr<Store::Database> m_db;
};

} // namespace

std::unique_ptr<LaxServer> startLaxServer(Core::Engine &engine, const LaxServerOptions &lax)
{
    auto server = std::make_unique<LaxServer>();
    if (!server->http.listen(QHostAddress::LocalHost, 0, Http::Server::ListenMode::Paused))
        return nullptr;
    server->url = server->http.baseUrl().toString() + QStringLiteral("/mcp");
    auto jwksJson = engine.authorizationServer()->context().keys().jwks();
    if (!jwksJson)
        return nullptr;
    auto jwks = Crypto::Jwks::fromJson(QJsonDocument(*jwksJson).toJson());
    if (!jwks)
        return nullptr;
    auto verifier = std::make_shared<SigningOnlyVerifier>(
        *jwks, engine.issuer(), lax.checkAudience ? server->url : QString(), engine.store());
    auto friction = std::make_shared<Friction::Registry>();
    if (!friction->setConfig(Resource::demoFrictionConfig()))
        return nullptr;
    Resource::McpServer::Options options;
    options.resourceUri = server->url;
    options.authorizationServers =
        !lax.authorizationServers.isEmpty() ? lax.authorizationServers
        : lax.nameIssuer                    ? QStringList{engine.issuer()}
                         : QStringList{QStringLiteral("https://as.elsewhere.example")};
    server->mcp =
        std::make_unique<Resource::McpServer>(options, verifier, engine.store(), friction);
    Resource::McpServer *mcp = server->mcp.get();
    Http::Router &router = server->http.router();
    const auto prm = [mcp](const Http::Request &) {
        return Http::Response::json(200, QJsonDocument(mcp->metadata()));
    };
    router.handle("GET", "/.well-known/oauth-protected-resource/mcp", prm);
    router.handle("GET", "/.well-known/oauth-protected-resource", prm);
    router.handle("POST", "/mcp", [mcp, lax](const Http::Request &request) {
        Http::Request rewritten = request;
        const QByteArray authorization = request.headers.value("Authorization");
        if (lax.dpopAsBearer && authorization.startsWith("DPoP "))
            rewritten.headers.set("Authorization", "Bearer " + authorization.mid(5));
        if (lax.acceptQuery) {
            // The bug: RFC 6750 §2.3's query parameter taken as if it were the header.
            QUrlQuery query(QString::fromLatin1(request.query));
            const QString token = query.queryItemValue(QStringLiteral("access_token"));
            if (!token.isEmpty()) {
                query.removeAllQueryItems(QStringLiteral("access_token"));
                rewritten.query = query.toString().toLatin1();
                rewritten.headers.set("Authorization", "Bearer " + token.toLatin1());
            }
        }
        return mcp->handlePost(rewritten);
    });
    server->http.resumeAccepting();
    return server;
}

} // namespace CheckTest
