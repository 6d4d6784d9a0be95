#pragma once

#include <chrono>
#include <memory>

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QSslCertificate>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "common/result.h"
#include "http/exchangelog.h"
#include "http/ssrfguard.h"

/// The client side of MCP authorization: value types of a walk (options, steps, checks,
/// the run) and their JSON and HTML forms. See Flow::Walker for the machine itself.
namespace Flow {

class CredentialStore;

/// How strongly the spec asks for what a check tests (RFC 2119).
enum class Level { Must, Should, May };
/// What a check found. Warn: a SHOULD/MAY not met, or something worth a look.
enum class Verdict { Pass, Warn, Fail, Skip };
enum class StepStatus { Pending, Running, Passed, Warning, Failed, Skipped };
enum class Outcome { NotStarted, Running, Succeeded, Failed, Cancelled };
enum class Grant {
    AuthorizationCode, ///< PKCE with a browser step
    ClientCredentials, ///< RFC 6749 §4.4: a pre-registered confidential client, no user
    Device,            ///< RFC 8628: the user approves a code elsewhere; the walker polls
    /// RFC 7523 §2.1: an assertion (a workload identity token, SEP-1933; or an identity
    /// assertion grant obtained from an IdP by token exchange, SEP-990) for a token.
    JwtBearer,
};
enum class BrowserMode {
    System,   ///< needsUser(OpenBrowser) for the caller to open it; loopback listener waits
    Manual,   ///< needsUser(PasteRedirect): the caller supplies the redirect URL
    Headless, ///< fetch the pages and submit the AS's login and consent forms (tests, CI)
};

[[nodiscard]] QString levelName(Level level);       ///< "MUST", "SHOULD", "MAY"
[[nodiscard]] QString verdictName(Verdict verdict); ///< "pass", "warn", "fail", "skip"
[[nodiscard]] QString stepStatusName(StepStatus status);
[[nodiscard]] QString outcomeName(Outcome outcome);
[[nodiscard]] QString browserModeName(BrowserMode mode);
/// "pkce", "client-credentials", "device", "jwt-bearer"
[[nodiscard]] QString grantName(Grant grant);
/// Parses "pkce", "client-credentials", "device" or "jwt-bearer".
[[nodiscard]] Core::Result<Grant> parseGrant(const QString &name);
/// Parses "system", "manual" or "headless".
[[nodiscard]] Core::Result<BrowserMode> parseBrowserMode(const QString &name);

/// One spec rule checked during a step.
struct Check
{
    QString rule; ///< stable id, e.g. "prm.resource_matches"
    Level level = Level::Must;
    Verdict verdict = Verdict::Pass;
    /// What was found and why it matters, citing the RFC or spec section, e.g.
    /// "RFC 9728 §3.3: resource must equal the URL the metadata was fetched for".
    QString explanation;

    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Core::Result<Check> fromJson(const QJsonObject &object);
    friend bool operator==(const Check &, const Check &) = default;
};

/// One step of a walk with its checks and the HTTP exchanges it made (already masked).
struct Step
{
    int index = 0; ///< position in the run, from 0
    QString id;    ///< "probe", "prm", "as_metadata", "registration", "authorization",
                   ///< "token", "mcp", "refresh", "revocation"
    QString title; ///< for people, e.g. "Authorization (step-up 1)"
    StepStatus status = StepStatus::Pending;
    QString summary; ///< one line on what happened, or why the step failed
    QList<Check> checks;
    QList<Http::Exchange> exchanges;
    QDateTime startedAt; ///< UTC
    QDateTime finishedAt;

    [[nodiscard]] bool hasFailure() const;
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Core::Result<Step> fromJson(const QJsonObject &object);
};

/// What a walk should do.
struct Options
{
    QUrl serverUrl; ///< the MCP endpoint, e.g. http://127.0.0.1:9401/mcp
    Grant grant = Grant::AuthorizationCode;
    QString scope;        ///< explicit scope; empty: challenge, else PRM scopes_supported
    QString clientId;     ///< pre-registered client; empty: CIMD or DCR
    QString clientSecret; ///< for a pre-registered confidential client
    /// PEM private key of a pre-registered private_key_jwt client (RFC 7523); never
    /// exported. Takes precedence over clientSecret.
    QByteArray privateKeyPem;
    QUrl clientMetadataUrl; ///< CIMD: used as client_id when the AS supports it
    /// Grant::JwtBearer: the assertion sent as is (never exported). Empty with
    /// idpTokenEndpoint set: the assertion is obtained from the IdP first.
    QString assertion;
    /// Grant::JwtBearer, enterprise-managed (SEP-990): the IdP's token endpoint where
    /// idpIdToken is exchanged (RFC 8693) for an identity assertion grant (ID-JAG) for the AS.
    QUrl idpTokenEndpoint;
    QString idpIdToken;  ///< the user's ID token at the IdP (never exported)
    QString idpClientId; ///< the client's id at the IdP (sent as client_id there)
    QString clientName = QStringLiteral("MCP Auth Studio flow walker");
    BrowserMode browser = BrowserMode::System;
    QString username;           ///< headless mode: the AS login
    QString password;           ///< headless mode: the AS login (never exported)
    bool approveConsent = true; ///< headless mode: approve or deny on the consent page
    /// MCP protocol version sent; 2026-07-28 and later select the stateless revision
    /// (server/discover, no session, per-request _meta and Mcp-Method / Mcp-Name headers).
    QString protocolVersion = QStringLiteral("2025-11-25");
    /// The tool the MCP step calls once tools/list names it (with empty arguments, except
    /// "echo" which gets a text); "*" calls the first tool listed.
    QString toolName = QStringLiteral("echo");
    /// Authorizations in all (the first and the step-ups on insufficient_scope).
    int maxStepUpAttempts = 3;
    bool refresh = true; ///< run the refresh step when a refresh token was issued
    bool revoke = true;  ///< run the revocation step when the AS has an endpoint
    /// Sender-constrain the tokens with DPoP (RFC 9449) when the AS advertises
    /// dpop_signing_alg_values_supported (a warning and Bearer tokens otherwise).
    bool dpop = false;
    Http::SsrfPolicy ssrfPolicy;
    QList<QSslCertificate> trustedCertificates; ///< extra CAs (self-signed test servers)
    std::chrono::milliseconds requestTimeout = std::chrono::seconds(10);
    std::chrono::milliseconds browserTimeout = std::chrono::minutes(5);
    /// What one second of the device grant's interval and expires_in lasts (RFC 8628
    /// §3.5); tests shorten it, nothing else should.
    std::chrono::milliseconds deviceSecond = std::chrono::seconds(1);
    /// Where dynamically registered clients are kept per issuer and reused by later walks
    /// (shared: it must live in the walker's thread). Null: nothing persists, every walk
    /// registers anew (tests and the conformance mode stay stateless unless asked).
    std::shared_ptr<CredentialStore> credentialStore;
    /// Forget the stored client of the issuer before registration, and register anew.
    bool forgetCredentials = false;

    /// Without secrets (client_secret masked, password left out).
    [[nodiscard]] QJsonObject toJson() const;
};

/// The tokens a walk obtained, for display: masked except the non-secret fields.
struct TokenSummary
{
    QString clientId;
    QString accessToken;  ///< masked (Crypto::maskSecret)
    QString refreshToken; ///< masked, empty when none was issued
    QString tokenType;
    QString scope;
    qint64 expiresIn = 0;
    bool refreshRotated = false;
    bool revoked = false;

    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static TokenSummary fromJson(const QJsonObject &object);
};

/// A whole walk: what was asked, each step, and how it ended.
struct Run
{
    QJsonObject options; ///< Options::toJson() of the walk
    QList<Step> steps;
    Outcome outcome = Outcome::NotStarted;
    QString error; ///< why the walk stopped, empty when it succeeded
    TokenSummary tokens;
    QDateTime startedAt;
    QDateTime finishedAt;

    [[nodiscard]] int checkCount(Verdict verdict) const;
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Core::Result<Run> fromJson(const QJsonObject &object);
    /// A self-contained HTML page (inline CSS, no scripts or external resources); every
    /// value is HTML-escaped and secrets appear masked only.
    [[nodiscard]] QString toHtmlReport() const;
};

/// The strings of a JSON array (other members and non-arrays are skipped).
[[nodiscard]] QStringList stringList(const QJsonValue &value);

[[nodiscard]] QJsonObject exchangeToJson(const Http::Exchange &exchange);
[[nodiscard]] Http::Exchange exchangeFromJson(const QJsonObject &object);

} // namespace Flow
