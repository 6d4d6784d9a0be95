#pragma once

#include <optional>
#include <variant>

#include <QString>
#include <QStringList>

#include "common/result.h"
#include "http/body.h"
#include "http/message.h"

namespace Auth {

class Context;

/// An authorization request (RFC 6749 section 4.1.1 with PKCE, RFC 8707 and OAuth 2.1
/// rules) that passed every check and now waits for the user: kept server side in the
/// browser session until it is approved, denied or expires.
struct AuthorizationRequest
{
    QString clientId;
    QString clientName;                  ///< the registered client_name, or empty
    bool metadataDocumentClient = false; ///< identified by a Client ID Metadata Document
    /// Where the response goes: the redirect_uri as requested (a loopback port may differ
    /// from the registered one), or the client's only registered URI when none was sent.
    QString redirectUri;
    std::optional<QString> state; ///< echoed exactly when it was sent
    QStringList scopes;
    QString resource;
    QString codeChallenge;
    QString codeChallengeMethod; ///< S256, or plain when Config::allowPlainPkce
    qint64 expiresAt = 0;        ///< epoch ms on the Context clock

    /// The client as pages show it: client_name, else the client_id.
    [[nodiscard]] QString displayName() const
    {
        return clientName.isEmpty() ? clientId : clientName;
    }
};

/// Why /authorize refused a request. With an empty `redirectUri` the client or its redirect
/// URI could not be trusted and the user sees an error page (never a redirect: RFC 6749
/// section 4.1.2.1, no open redirector); otherwise the error goes back to the client.
struct AuthorizationRefusal
{
    Core::Error error;
    QString redirectUri;
    std::optional<QString> state;
    QString clientId; ///< when known, for the audit event
};

/// Validates the parameters of /authorize (query or form). Repeated parameters are refused;
/// the client is resolved through Context::clients() (Client ID Metadata Documents
/// included). Does not touch the store beyond resolving the client.
[[nodiscard]] std::variant<AuthorizationRequest, AuthorizationRefusal>
validateAuthorizationRequest(Context &context, const Http::FormData &parameters);

/// The parameter names /authorize understands; any other name is ignored (RFC 6749
/// section 3.1), but none of these may appear twice.
[[nodiscard]] const QStringList &authorizationParameterNames();

/// The redirect (302 for a GET, 303 after a POST) carrying `parameters` plus `state` (when
/// sent) and `iss` (RFC 9207) to `redirectUri`, whose own query is kept.
[[nodiscard]] Http::Response redirectToClient(const Context &context, const QString &redirectUri,
                                              const std::optional<QString> &state,
                                              const QList<QPair<QString, QString>> &parameters,
                                              int status);

/// The error redirect of a refusal: error, error_description, state, iss.
[[nodiscard]] Http::Response refusalRedirect(const Context &context,
                                             const AuthorizationRefusal &refusal, int status);

/// Issues the authorization code of an approved request for `username`: "mac_" + 256
/// random bits, stored as a hash with the client, user, redirect URI, scope, resource and
/// PKCE challenge, valid Config::authorizationCodeLifetime; audited. Returns the redirect
/// with code, state and iss (or a server_error redirect when the store fails).
[[nodiscard]] Http::Response issueCodeRedirect(Context &context,
                                               const AuthorizationRequest &request,
                                               const QString &username, int status,
                                               const Http::Request *httpRequest);

} // namespace Auth
