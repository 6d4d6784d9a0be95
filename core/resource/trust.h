#pragma once

#include <memory>
#include <mutex>

#include <QList>
#include <QSslCertificate>
#include <QString>

#include "common/result.h"
#include "resource/config.h"
#include "resource/verifier.h"

namespace Http {
class ExchangeLog;
}

namespace Resource {

/// Verifies the tokens of one trusted external authorization server (a
/// "resource_server.trusted_issuers" item): local RFC 9068 verification with its JWKS, or
/// RFC 7662 introspection at it. A JWKS URI or introspection endpoint left out of the
/// config is read from the issuer's metadata (RFC 8414, then OpenID Connect Discovery) on
/// first use; the metadata's `issuer` must be the configured one. While the metadata
/// cannot be read, tokens get "temporarily_unavailable" and the next attempt waits
/// `retrySeconds`. Thread-safe.
class ExternalIssuerVerifier final : public BearerVerifier
{
    Q_DISABLE_COPY_MOVE(ExternalIssuerVerifier)

public:
    struct Options
    {
        TrustedIssuer trusted;
        QString resource; ///< our canonical URI: the tokens' required audience
        int cacheSize = 10000;
        int positiveCacheSeconds = 300;
        int negativeCacheSeconds = 10;
        int retrySeconds = 10;
        QList<QSslCertificate> trustedCertificates; ///< extra CAs
        Http::ExchangeLog *exchangeLog = nullptr;   ///< records the calls; not owned
        Clock clock;                                ///< empty: the system clock
    };

    /// Reads the introspection credential (from its file if one is named); the error says
    /// which file could not be read, never the secret.
    [[nodiscard]] static Core::Result<std::shared_ptr<ExternalIssuerVerifier>>
    create(Options options);

    Core::Result<Principal> verify(const QByteArray &token) override;
    void invalidate(const QByteArray &tokenHash) override;
    [[nodiscard]] const QString &issuer() const { return m_options.trusted.issuer; }
    [[nodiscard]] bool introspects() const;

private:
    ExternalIssuerVerifier(Options options, QByteArray credential);
    /// The JWT or introspection verifier, built on first use (after discovery if needed).
    Core::Result<std::shared_ptr<BearerVerifier>> inner();
    Core::Result<QJsonObject> discover();

    Options m_options;
    QByteArray m_credential;
    std::mutex m_mutex;
    std::shared_ptr<BearerVerifier> m_inner;
    qint64 m_lastAttempt = -1;
    QString m_lastError;
};

/// Chooses the verifier by issuer: a JWT goes to the verifier of its (as yet unverified)
/// `iss`, and a token of an issuer not listed is refused as invalid_token; an opaque token
/// is introspected at each issuer that introspects, in order, until one knows it. Thread-safe.
class IssuerRouter final : public BearerVerifier
{
    Q_DISABLE_COPY_MOVE(IssuerRouter)

public:
    struct Route
    {
        QString issuer;
        std::shared_ptr<BearerVerifier> verifier;
        bool introspects = false; ///< asked about opaque tokens
    };

    explicit IssuerRouter(QList<Route> routes);
    Core::Result<Principal> verify(const QByteArray &token) override;
    void invalidate(const QByteArray &tokenHash) override;

private:
    QList<Route> m_routes;
};

/// The verifier of an RS that trusts the embedded AS (`embedded`, issuer `embeddedIssuer`,
/// by introspection when `embeddedIntrospects`) and every `config.trustedIssuers` item:
/// `embedded` itself when there is none, else an IssuerRouter over all of them (without
/// `embedded` when !config.trustEmbeddedIssuer).
[[nodiscard]] Core::Result<std::shared_ptr<BearerVerifier>>
trustIssuers(std::shared_ptr<BearerVerifier> embedded, const QString &embeddedIssuer,
             bool embeddedIntrospects, const Config &config, const QString &resource,
             Http::ExchangeLog *exchangeLog);

} // namespace Resource
