#pragma once

#include <QJsonObject>
#include <QMutex>
#include <QString>

#include "common/result.h"
#include "crypto/jwks.h"
#include "crypto/key.h"

namespace Auth {

class Context;

/// The authorization server's signing keys, kept in the store (SigningKeyRepository) so
/// every server on a shared store signs with the same key. ensureKey() creates the first
/// key; rotate() makes a new key current and keeps the previous ones published until the
/// last token they signed has expired (now + the longest token lifetime). Thread-safe;
/// caches the current key and the JWKS document, refreshing them from the store after a
/// rotation (also one done by another server) within a few seconds.
class KeyManager final
{
    Q_DISABLE_COPY_MOVE(KeyManager)

public:
    explicit KeyManager(Context &context);

    /// Makes sure a current signing key exists (creates one with the configured algorithm).
    Core::Status ensureKey();
    /// Creates a new key and makes it current. Returns its kid.
    Core::Result<QString> rotate();

    struct SigningKey
    {
        QString kid;
        QString alg;
        Crypto::Key key;
    };
    /// The key that signs now.
    Core::Result<SigningKey> current();
    /// The published key set (current and previous keys, public parts only).
    Core::Result<QJsonObject> jwks();

    /// Signs a JWT with the current key: header {alg, kid, typ}, payload `claims`.
    Core::Result<QByteArray> signJwt(const QJsonObject &claims, const QString &typ);

private:
    Core::Status reload();

    Context &m_context;
    QMutex m_mutex;
    std::optional<SigningKey> m_current;
    QJsonObject m_jwks;
    qint64 m_loadedAt = 0;
    /// When the next published key expires (0 = none does): the cache ends there too.
    qint64 m_nextExpiry = 0;
};

} // namespace Auth
