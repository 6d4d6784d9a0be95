#pragma once

#include <memory>

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include "authserver/config.h"
#include "common/result.h"
#include "store/tokenrepository.h"

namespace Store {
class Database;
}

namespace Flow {

/// What TokenMinter::mint() should issue.
struct MintRequest
{
    Auth::AccessTokenFormat format = Auth::AccessTokenFormat::Jwt;
    QString resource; ///< the audience (RFC 8707)
    QString scope;    ///< space-separated; may be empty
    /// Seconds the token was issued before now: with a lifetime shorter than this it is
    /// already expired when it leaves.
    qint64 issuedSecondsAgo = 0;
};

/// A minted access token: the clear value (only ever sent to the server under test) and
/// its stored row.
struct MintedToken
{
    QByteArray token;
    Store::Token row;
};

/// Issues access tokens the way the embedded authorization server does, through its own
/// Auth::TokenIssuer and signing keys (so they are committed rows the AS introspects and
/// JWTs its JWKS verifies), but with the format, audience, scope and issue time the caller
/// chooses; and forges the tokens no AS would issue (unknown key, `alg: none`, a tampered
/// payload). Uses the store from the calling thread; each call is one short transaction.
class TokenMinter final
{
    Q_DISABLE_COPY_MOVE(TokenMinter)

public:
    /// `config` is the embedded AS's configuration (its issuer set); `store` its store.
    /// Tokens are issued to `clientId` (which must exist in the store) for `subject`.
    TokenMinter(Auth::Config config, std::shared_ptr<Store::Database> store, QString clientId,
                QString subject);
    ~TokenMinter();

    [[nodiscard]] Core::Result<MintedToken> mint(const MintRequest &request);
    /// Revokes a minted token in the store (the AS refuses it from then on, and a verifier
    /// in this process learns of it through the store's revocation listener).
    [[nodiscard]] Core::Status revoke(const MintedToken &token);

    /// The claims of a JWT (its payload, not verified).
    [[nodiscard]] static Core::Result<QJsonObject> claimsOf(const QByteArray &jwt);
    /// `claims` signed by a freshly generated key of the AS's algorithm, its kid the key's
    /// RFC 7638 thumbprint like the AS's own keys: a key the server has never seen.
    [[nodiscard]] Core::Result<QByteArray> signWithUnknownKey(const QJsonObject &claims) const;
    /// An unsecured JWT (RFC 7519 section 6): header {alg: none, typ: at+jwt}, no signature.
    [[nodiscard]] static QByteArray unsecured(const QJsonObject &claims);
    /// `jwt` with its payload replaced by `claims` and its header and signature kept: a
    /// valid signature of another payload.
    [[nodiscard]] static Core::Result<QByteArray> withPayload(const QByteArray &jwt,
                                                              const QJsonObject &claims);
    /// An opaque token in the AS's format that it never issued.
    [[nodiscard]] static QByteArray neverIssued();

private:
    Auth::Config m_config;
    std::shared_ptr<Store::Database> m_store;
    QString m_clientId;
    QString m_subject;
};

} // namespace Flow
