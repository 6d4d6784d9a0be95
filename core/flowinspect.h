#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include "flow/types.h"

namespace Crypto {
class Jwks;
}

namespace Flow {
class Walker;
}

/// What the Flows panel shows of a walk, computed without widgets: which lanes of the
/// sequence diagram an exchange joins, the device authorization a step received, decoded
/// JWTs, and the raw secrets behind the masked values (only for an explicit reveal).
namespace Core {

/// The participants of an MCP authorization, left to right in the sequence diagram.
enum class SequenceLane { User, Client, McpServer, AuthorizationServer };
[[nodiscard]] QString sequenceLaneName(SequenceLane lane);

/// One request of the diagram and its answer.
struct SequenceArrow
{
    SequenceLane from = SequenceLane::Client;
    SequenceLane to = SequenceLane::AuthorizationServer;
    int stepIndex = 0;
    quint64 exchangeId = 0;
    QString request;  ///< "POST /token"
    QString response; ///< "200", or the transport error when no answer came
    int status = 0;
};

/// The arrow for `exchange`, made during `step` of a walk whose MCP endpoint is
/// `serverUrl`: the probe, the MCP calls, the endpoint itself and its Protected Resource
/// Metadata go to the MCP server, everything else to the authorization server; browser
/// pages (authorization, device verification) come from the user, the rest from the client.
[[nodiscard]] SequenceArrow sequenceArrow(const Http::Exchange &exchange, const Flow::Step &step,
                                          const QUrl &serverUrl);

/// What RFC 8628 §3.2's device authorization response told the client.
struct DeviceAuthorization
{
    QString userCode;
    QUrl verificationUri;
    QUrl verificationUriComplete; ///< empty when the AS sent none
    qint64 expiresIn = 0;         ///< seconds
    qint64 interval = 5;          ///< seconds (5 when the AS sent none)
};

/// The device authorization response among `step`'s exchanges (a 200 JSON answer with a
/// user_code); nullopt when there is none.
[[nodiscard]] std::optional<DeviceAuthorization> deviceAuthorization(const Flow::Step &step);

/// The jwks_uri of the authorization server metadata the walk fetched, empty when none.
[[nodiscard]] QUrl jwksUri(const Flow::Run &run);

/// A JWT taken apart for display. Nothing in it is trusted unless `signature` is Valid.
struct JwtInspection
{
    enum class Signature { NotChecked, Valid, Invalid };

    QJsonObject header;
    QJsonObject payload; ///< empty when the payload is not a JSON object
    QString algorithm;
    QString kid;
    Signature signature = Signature::NotChecked;
    QString signatureMessage; ///< why it is valid (the kid) or not (the error)
};
[[nodiscard]] QString jwtSignatureName(JwtInspection::Signature signature);

/// Decodes `token` and, when `jwks` is given, verifies its signature with it (RSA and EC
/// algorithms only). Fails with "not_a_jwt" when the token is not a compact JWS (an opaque
/// token), or "malformed_claims" when its payload is not a JSON object.
[[nodiscard]] Result<JwtInspection> inspectJwt(QByteArrayView token,
                                               const Crypto::Jwks *jwks = nullptr);

/// Raw secrets by their mask (Crypto::maskSecret), so a view can swap masked values back
/// for an explicit reveal. Held in memory only; never logged or exported.
class SecretVault final
{
public:
    void add(QByteArrayView secret);
    [[nodiscard]] bool isEmpty() const { return m_secrets.isEmpty(); }
    [[nodiscard]] qsizetype size() const { return m_secrets.size(); }
    /// The raw secret behind `mask`, empty when unknown.
    [[nodiscard]] QString secretFor(const QString &mask) const;
    /// `text` with every known mask (also percent-encoded, as masked forms carry it)
    /// replaced by its secret.
    [[nodiscard]] QString reveal(QString text) const;
    void clear() { m_secrets.clear(); }

private:
    QHash<QString, QString> m_secrets; ///< mask -> secret
};

/// The secrets a response carries: the token members of a JSON body (access_token,
/// refresh_token, id_token, device_code, client_secret, registration_access_token) and
/// the `code` of a redirect Location.
struct HarvestedSecrets
{
    QList<QByteArray> secrets;
    QByteArray accessToken; ///< empty unless the body had one
};
[[nodiscard]] HarvestedSecrets harvestSecrets(const Http::Headers &headers, const QByteArray &body);

} // namespace Core
