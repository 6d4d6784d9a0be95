#include "check/tokenminter.h"

#include <QDateTime>
#include <QJsonDocument>

#include "authserver/context.h"
#include "authserver/keymanager.h"
#include "authserver/tokenissuer.h"
#include "crypto/base64url.h"
#include "crypto/jws.h"
#include "crypto/jwt.h"
#include "crypto/key.h"
#include "crypto/random.h"

namespace Flow {

namespace {

QByteArray encodeClaims(const QJsonObject &claims)
{
    return Crypto::base64UrlEncode(QJsonDocument(claims).toJson(QJsonDocument::Compact));
}

} // namespace

TokenMinter::TokenMinter(Auth::Config config, std::shared_ptr<Store::Database> store,
                         QString clientId, QString subject)
    : m_config(std::move(config))
    , m_store(std::move(store))
    , m_clientId(std::move(clientId))
    , m_subject(std::move(subject))
{}

TokenMinter::~TokenMinter() = default;

Core::Result<MintedToken> TokenMinter::mint(const MintRequest &request)
{
    // The AS's own issuer and keys, with the format forced and the clock moved back: the
    // token comes out of the same code path as every token the AS issues.
    Auth::Config config = m_config;
    config.defaultTokenFormat = request.format;
    config.tokenFormatByResource.clear();
    const qint64 issuedAt =
        QDateTime::currentMSecsSinceEpoch() - request.issuedSecondsAgo * qint64(1000);
    Auth::Context context(std::move(config), m_store, [issuedAt] { return issuedAt; });
    Auth::Grant grant;
    grant.clientId = m_clientId;
    grant.subject = m_subject;
    grant.scope = request.scope;
    grant.resource = request.resource;
    auto issued = context.tokens().issue(grant);
    if (!issued)
        return issued.error();
    return MintedToken{issued->accessToken, issued->accessRow};
}

Core::Status TokenMinter::revoke(const MintedToken &token)
{
    auto revoked = Store::TokenRepository(m_store).revoke(
        token.row.id, QStringLiteral("mcpauth check-server: revoked token case"));
    if (!revoked)
        return Core::makeError(revoked.error().code,
                               QStringLiteral("revoking the minted token failed: ") +
                                   revoked.error().message);
    return {};
}

Core::Result<QJsonObject> TokenMinter::claimsOf(const QByteArray &jwt)
{
    auto parsed = Crypto::Jws::parseCompact(jwt);
    if (!parsed)
        return parsed.error();
    return Crypto::Jwt::parseClaims(parsed->payload);
}

Core::Result<QByteArray> TokenMinter::signWithUnknownKey(const QJsonObject &claims) const
{
    Auth::Context context(m_config, m_store);
    auto current = context.keys().current();
    if (!current)
        return current.error();
    const auto algorithm = Crypto::jwsAlgorithmFromName(current->alg);
    if (!algorithm)
        return Core::makeError(QStringLiteral("unsupported_key"),
                               QStringLiteral("the AS signs with '%1', which this check cannot "
                                              "imitate")
                                   .arg(current->alg));
    auto key = Crypto::Key::generate(current->key.kind(), current->key.bits());
    if (!key)
        return key.error();
    const Crypto::Key stranger = key->withKid(QString::fromLatin1(key->thumbprint()));
    return Crypto::Jws::sign(QJsonObject{{QStringLiteral("typ"), QStringLiteral("at+jwt")}},
                             QJsonDocument(claims).toJson(QJsonDocument::Compact), stranger,
                             *algorithm);
}

QByteArray TokenMinter::unsecured(const QJsonObject &claims)
{
    const QJsonObject header{{QStringLiteral("alg"), QStringLiteral("none")},
                             {QStringLiteral("typ"), QStringLiteral("at+jwt")}};
    return encodeClaims(header) + '.' + encodeClaims(claims) + '.';
}

Core::Result<QByteArray> TokenMinter::withPayload(const QByteArray &jwt, const QJsonObject &claims)
{
    const QList<QByteArray> parts = jwt.split('.');
    if (parts.size() != 3)
        return Core::makeError(QStringLiteral("malformed"),
                               QStringLiteral("not a compact JWS (expected three parts)"));
    return QByteArray(parts.at(0) + '.' + encodeClaims(claims) + '.' + parts.at(2));
}

QByteArray TokenMinter::neverIssued()
{
    return QByteArrayLiteral("mat_") + Crypto::randomToken(32);
}

} // namespace Flow
