// libFuzzer target: JWK import (Key::fromJwk) and JWK Set parsing (Jwks::fromJson).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "crypto/jwks.h"
#include "crypto/key.h"

namespace {

/// Whatever imports must export and re-import to the same public key.
void checkRoundTrip(const Crypto::Key &key)
{
    const auto again = Crypto::Key::fromJwk(key.toJwk(key.isPrivate()));
    if (!again || !again->samePublicKey(key) || again->thumbprint() != key.thumbprint())
        std::abort();
    if (key.publicKey().isPrivate())
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 512 * 1024)
        return 0;
    const QByteArray json(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));

    const QJsonDocument doc = QJsonDocument::fromJson(json);
    if (doc.isObject()) {
        if (const auto key = Crypto::Key::fromJwk(doc.object()); key)
            checkRoundTrip(*key);
    }
    if (doc.isArray()) {
        // Each element as a JWK on its own, bounded like a key set.
        const QJsonArray array = doc.array();
        for (qsizetype i = 0; i < array.size() && i < Crypto::Jwks::kMaxKeys; ++i) {
            if (const auto key = Crypto::Key::fromJwk(array.at(i).toObject()); key)
                checkRoundTrip(*key);
        }
    }

    if (const auto jwks = Crypto::Jwks::fromJson(json); jwks) {
        for (const Crypto::Key &key : jwks->keys()) {
            if (key.isPrivate())
                std::abort(); // a key set never keeps private members
        }
        const auto again = Crypto::Jwks::fromJson(jwks->toJson());
        if (!again || again->size() != jwks->size())
            std::abort();
    }
    return 0;
}
