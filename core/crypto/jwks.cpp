#include "crypto/jwks.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "crypto/strictjson.h"

namespace Crypto {

namespace {
constexpr int kMaxDepth = 8;

Core::Error invalidJwks(const QString &reason)
{
    return Core::makeError(QStringLiteral("invalid_jwks"), reason);
}
QString kidLabel(const QString &kid)
{
    return kid.isEmpty() ? QString() : QStringLiteral(" (kid \"%1\")").arg(kid.left(64));
}
} // namespace

QString defaultKid(const Key &key)
{
    return QString::fromLatin1(key.thumbprint());
}

Core::Result<Jwks> Jwks::fromJson(QByteArrayView json)
{
    auto doc = parseStrictJsonObject(json, kMaxDocumentBytes, kMaxDepth);
    if (!doc)
        return invalidJwks(doc.error().message);
    const QJsonValue keys = doc->value(QLatin1String("keys"));
    if (!keys.isArray())
        return invalidJwks(keys.isUndefined() ? QStringLiteral("the document has no \"keys\"")
                                              : QStringLiteral("\"keys\" is not an array"));
    const QJsonArray array = keys.toArray();
    if (array.size() > kMaxKeys)
        return invalidJwks(
            QStringLiteral("%1 keys exceed the limit of %2").arg(array.size()).arg(kMaxKeys));
    Jwks jwks;
    for (int i = 0; i < array.size(); ++i) {
        const QJsonValue entry = array.at(i);
        if (!entry.isObject())
            return invalidJwks(QStringLiteral("keys[%1] is not an object").arg(i));
        QJsonObject object = entry.toObject();
        const QString kid = object.value(QLatin1String("kid")).toString();
        bool hadPrivate = false;
        for (const char *name : {"d", "p", "q", "dp", "dq", "qi", "oth"})
            hadPrivate |= !object.take(QLatin1String(name)).isUndefined();
        if (hadPrivate)
            jwks.m_warnings.append(QStringLiteral("keys[%1]%2 publishes private key members; they "
                                                  "were ignored, and the key must be considered "
                                                  "compromised")
                                       .arg(i)
                                       .arg(kidLabel(kid)));
        auto key = Key::fromJwk(object);
        if (!key) {
            if (key.error().code == QLatin1String("unsupported_key")) {
                jwks.m_skipped.append(SkippedKey{i, kid, key.error().message});
                continue;
            }
            return invalidJwks(
                QStringLiteral("keys[%1]%2: %3").arg(i).arg(kidLabel(kid), key.error().message));
        }
        if (!kid.isEmpty() && jwks.find(kid)) {
            jwks.m_skipped.append(SkippedKey{
                i, kid, QStringLiteral("kid \"%1\" repeats an earlier key").arg(kid.left(64))});
            continue;
        }
        jwks.m_keys.append(std::move(*key));
    }
    return jwks;
}

QByteArray Jwks::toJson() const
{
    QJsonArray array;
    for (const Key &key : m_keys)
        array.append(key.toJwk(false));
    QJsonObject doc;
    doc.insert(QLatin1String("keys"), array);
    return QJsonDocument(doc).toJson(QJsonDocument::Compact);
}

Core::Status Jwks::add(const Key &key)
{
    if (key.isNull())
        return invalidJwks(QStringLiteral("cannot add a null key"));
    const Key named = key.kid().isEmpty() ? key.withKid(defaultKid(key)) : key;
    if (find(named.kid()))
        return invalidJwks(QStringLiteral("kid \"%1\" is already in the set").arg(named.kid()));
    m_keys.append(named);
    return {};
}

std::optional<Key> Jwks::find(QStringView kid) const
{
    for (const Key &key : m_keys) {
        if (!key.kid().isEmpty() && key.kid() == kid)
            return key;
    }
    return std::nullopt;
}

} // namespace Crypto
