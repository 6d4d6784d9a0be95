#include "authserver/keymanager.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QMutexLocker>

#include "authserver/auditlog.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "crypto/jws.h"
#include "store/errors.h"
#include "store/signingkeyrepository.h"

namespace Auth {

namespace {

/// How long a cached key and JWKS are trusted before the store is asked again: a rotation
/// by another server on the same store is picked up within this time.
constexpr qint64 kCacheMs = 5000;

Crypto::Key::Kind kindFor(Crypto::JwsAlgorithm alg)
{
    switch (alg) {
    case Crypto::JwsAlgorithm::ES256:
        return Crypto::Key::Kind::EcP256;
    case Crypto::JwsAlgorithm::ES384:
        return Crypto::Key::Kind::EcP384;
    case Crypto::JwsAlgorithm::ES512:
        return Crypto::Key::Kind::EcP521;
    default:
        return Crypto::Key::Kind::Rsa;
    }
}

Core::Error serverError(const QString &message)
{
    return Core::makeError(OAuthError::ServerError, message);
}

} // namespace

KeyManager::KeyManager(Context &context)
    : m_context(context)
{}

/// A new key of the configured algorithm, stored (not yet active).
static Core::Result<Store::SigningKey> createKey(Context &context)
{
    const QString algName = context.config().signingAlgorithm;
    const auto alg = Crypto::jwsAlgorithmFromName(algName);
    if (!alg)
        return serverError(QStringLiteral("signing algorithm '%1' is not supported").arg(algName));
    auto generated = Crypto::Key::generate(kindFor(*alg), 2048);
    if (!generated)
        return generated.error();
    const QString kid = QString::fromLatin1(generated->thumbprint());
    auto key = generated->withKid(kid).withAlgorithm(*alg);
    if (!key)
        return key.error();
    auto pem = key->toPrivatePem();
    if (!pem)
        return pem.error();
    QJsonObject jwk = key->publicKey().toJwk(false);
    jwk.insert(QStringLiteral("kid"), kid);
    jwk.insert(QStringLiteral("alg"), algName);
    jwk.insert(QStringLiteral("use"), QStringLiteral("sig"));
    Store::SigningKey row;
    row.kid = kid;
    row.alg = algName;
    row.privateKeyPem = QString::fromLatin1(*pem);
    row.publicJwk = QString::fromUtf8(QJsonDocument(jwk).toJson(QJsonDocument::Compact));
    return Store::SigningKeyRepository(context.db()).insert(row);
}

Core::Status KeyManager::ensureKey()
{
    Store::SigningKeyRepository repo(m_context.db());
    auto current = repo.current();
    if (current)
        return {};
    if (current.error().code != Store::ErrorCode::NotFound)
        return current.error();
    auto created = createKey(m_context);
    if (!created)
        return created.error();
    // No key signed anything before: nothing older needs to stay published.
    auto activated = repo.activate(created->kid, m_context.now());
    if (!activated)
        return activated.error();
    m_context.audit().record(
        QStringLiteral("key.created"), QStringLiteral("system"), {}, {},
        {{QStringLiteral("kid"), created->kid}, {QStringLiteral("alg"), created->alg}});
    QMutexLocker lock(&m_mutex);
    m_loadedAt = 0;
    return {};
}

Core::Result<QString> KeyManager::rotate()
{
    auto created = createKey(m_context);
    if (!created)
        return created.error();
    // Tokens signed by the previous key stay verifiable until the last of them expires.
    const Config &config = m_context.config();
    const qint64 previousExpiresAt =
        m_context.now() + (qint64(config.accessTokenLifetime) + config.clockSkew) * 1000;
    auto activated =
        Store::SigningKeyRepository(m_context.db()).activate(created->kid, previousExpiresAt);
    if (!activated)
        return activated.error();
    m_context.audit().record(QStringLiteral("key.rotated"), QStringLiteral("operator"), {}, {},
                             {{QStringLiteral("kid"), created->kid},
                              {QStringLiteral("alg"), created->alg},
                              {QStringLiteral("previous_published_until"), previousExpiresAt}});
    QMutexLocker lock(&m_mutex);
    m_loadedAt = 0;
    return created->kid;
}

Core::Status KeyManager::reload()
{
    const qint64 now = m_context.now();
    if (m_loadedAt != 0 && now >= m_loadedAt && now - m_loadedAt < kCacheMs && m_current &&
        (m_nextExpiry == 0 || now < m_nextExpiry))
        return {};
    Store::SigningKeyRepository repo(m_context.db());
    auto row = repo.current();
    if (!row)
        return row.error().code == Store::ErrorCode::NotFound
                   ? serverError(QStringLiteral("no signing key: the server was not prepared"))
                   : row.error();
    if (!m_current || m_current->kid != row->kid) {
        const auto alg = Crypto::jwsAlgorithmFromName(row->alg);
        if (!alg)
            return serverError(QStringLiteral("signing key %1 has unsupported algorithm '%2'")
                                   .arg(row->kid, row->alg));
        auto key = Crypto::Key::fromPem(row->privateKeyPem.toLatin1());
        if (!key)
            return serverError(QStringLiteral("signing key %1 cannot be read: %2")
                                   .arg(row->kid, key.error().message));
        auto restricted = key->withKid(row->kid).withAlgorithm(*alg);
        if (!restricted)
            return restricted.error();
        m_current = SigningKey{row->kid, row->alg, *restricted};
    }
    auto published = repo.published();
    if (!published)
        return published.error();
    QJsonArray keys;
    bool currentListed = false;
    m_nextExpiry = 0;
    for (const Store::SigningKey &k : *published) {
        if (k.expiresAt && (m_nextExpiry == 0 || *k.expiresAt < m_nextExpiry))
            m_nextExpiry = *k.expiresAt;
        const QJsonDocument doc = QJsonDocument::fromJson(k.publicJwk.toUtf8());
        if (!doc.isObject())
            continue;
        keys.append(doc.object());
        currentListed = currentListed || k.kid == m_current->kid;
    }
    if (!currentListed) {
        QJsonObject jwk = m_current->key.publicKey().toJwk(false);
        jwk.insert(QStringLiteral("kid"), m_current->kid);
        jwk.insert(QStringLiteral("alg"), m_current->alg);
        jwk.insert(QStringLiteral("use"), QStringLiteral("sig"));
        keys.prepend(jwk);
    }
    m_jwks = QJsonObject{{QStringLiteral("keys"), keys}};
    m_loadedAt = now;
    return {};
}

Core::Result<KeyManager::SigningKey> KeyManager::current()
{
    QMutexLocker lock(&m_mutex);
    if (auto s = reload(); !s)
        return s.error();
    return *m_current;
}

Core::Result<QJsonObject> KeyManager::jwks()
{
    QMutexLocker lock(&m_mutex);
    if (auto s = reload(); !s)
        return s.error();
    return m_jwks;
}

Core::Result<QByteArray> KeyManager::signJwt(const QJsonObject &claims, const QString &typ)
{
    auto key = current();
    if (!key)
        return key.error();
    QJsonObject header;
    if (!typ.isEmpty())
        header.insert(QStringLiteral("typ"), typ);
    header.insert(QStringLiteral("kid"), key->kid);
    const auto alg = Crypto::jwsAlgorithmFromName(key->alg);
    return Crypto::Jws::sign(header, QJsonDocument(claims).toJson(QJsonDocument::Compact), key->key,
                             *alg);
}

} // namespace Auth
