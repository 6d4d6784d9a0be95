#include "flow/dpop.h"

#include <QJsonDocument>

#include "crypto/base64url.h"
#include "crypto/digest.h"
#include "crypto/jws.h"
#include "crypto/random.h"

namespace Flow {

namespace {

QString originKey(const QUrl &url)
{
    return url
        .adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment |
                  QUrl::RemoveUserInfo)
        .toString(QUrl::StripTrailingSlash)
        .toLower();
}

} // namespace

Core::Result<DpopProver> DpopProver::generate()
{
    auto key = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
    if (!key)
        return Core::makeError(QStringLiteral("key_failed"),
                               QStringLiteral("cannot make a DPoP key: ") + key.error().message);
    return DpopProver(*key);
}

DpopProver::DpopProver(Crypto::Key key)
    : m_key(std::move(key))
{}

QJsonObject DpopProver::publicJwk() const
{
    QJsonObject jwk = m_key.publicKey().toJwk(false);
    // Only the key itself: a kid or use would add nothing the AS may rely on.
    jwk.remove(QStringLiteral("kid"));
    jwk.remove(QStringLiteral("use"));
    jwk.remove(QStringLiteral("alg"));
    return jwk;
}

QString DpopProver::thumbprint() const
{
    return QString::fromLatin1(m_key.thumbprint());
}

QString DpopProver::algorithm() const
{
    return Crypto::jwsAlgorithmName(Crypto::Jws::defaultAlgorithm(m_key));
}

QString DpopProver::htu(const QUrl &url)
{
    return url.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment | QUrl::RemoveUserInfo)
        .toString(QUrl::FullyEncoded);
}

QString DpopProver::ath(const QString &accessToken)
{
    return QString::fromLatin1(Crypto::base64UrlEncode(Crypto::sha256(accessToken.toLatin1())));
}

Core::Result<QByteArray> DpopProver::proof(const QByteArray &method, const QUrl &url,
                                           const QString &accessToken, qint64 now) const
{
    if (m_key.isNull() || !m_key.isPrivate())
        return Core::makeError(QStringLiteral("no_key"),
                               QStringLiteral("a DPoP proof needs a private key"));
    QJsonObject claims{{QStringLiteral("jti"), QString::fromLatin1(Crypto::randomToken(16))},
                       {QStringLiteral("htm"), QString::fromLatin1(method)},
                       {QStringLiteral("htu"), htu(url)},
                       {QStringLiteral("iat"), now}};
    if (!accessToken.isEmpty())
        claims.insert(QStringLiteral("ath"), ath(accessToken));
    if (const QString n = nonce(url); !n.isEmpty())
        claims.insert(QStringLiteral("nonce"), n);
    const QJsonObject header{{QStringLiteral("typ"), QStringLiteral("dpop+jwt")},
                             {QStringLiteral("jwk"), publicJwk()}};
    Crypto::Key unnamed = m_key.withKid(QString());
    return Crypto::Jws::sign(header, QJsonDocument(claims).toJson(QJsonDocument::Compact), unnamed,
                             Crypto::Jws::defaultAlgorithm(m_key));
}

void DpopProver::setNonce(const QUrl &url, const QString &nonce)
{
    if (!nonce.isEmpty())
        m_nonces.insert(originKey(url), nonce);
}

QString DpopProver::nonce(const QUrl &url) const
{
    return m_nonces.value(originKey(url));
}

} // namespace Flow
