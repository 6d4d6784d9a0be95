#pragma once

#include <memory>

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>

#include "asfixture.h"
#include "authserver/config.h"
#include "store/authorizationcoderepository.h"
#include "store/tokenrepository.h"
#include "storebackends.h"

namespace TestSupport {

/// Base of the token, device, introspection/revocation and flow tests: every test function
/// runs once per store engine (global column `backend`) against a fresh store and a fresh
/// authorization server whose clock — the store's clock too — the test moves with
/// advance(). Rate limits are off unless a test sets them.
class TokenTestCase : public BackendTestCase
{
    Q_OBJECT

public:
    static inline const QString kRedirect = QStringLiteral("http://127.0.0.1:5173/callback");
    static inline const QString kVerifier =
        QStringLiteral("dBjftJeZ4CK-P1SIxpYxZ2oGkpQvLdwDqIeHSIXzbV_0123456789");
    static inline const QString kResource = QStringLiteral("http://127.0.0.1:9/mcp");

protected:
    /// A test configuration: no rate limits, defaults otherwise.
    [[nodiscard]] static Auth::Config testConfig();
    /// Opens a fresh store of this row's backend and starts the server over it; QVERIFY it.
    /// The rows of one data-driven test function share the server (and store) when they
    /// ask for the same configuration, so table tests compare counts before and after.
    [[nodiscard]] bool startServer(Auth::Config config = testConfig());
    /// True when the last startServer() kept the previous row's server.
    [[nodiscard]] bool reusedServer() const { return m_reused; }
    [[nodiscard]] AsFixture &as() { return *m_fixture; }
    [[nodiscard]] const std::shared_ptr<Store::Database> &db() const { return m_fixture->db(); }

    /// A client in the store (see AsFixture::createClient); returns success.
    bool addClient(const QString &clientId, const QString &secret = {},
                   const QStringList &grantTypes = {}, const QString &authMethod = {},
                   const QString &scope = {});

    struct CodeOptions
    {
        QString clientId = QStringLiteral("public-app");
        QString subject = QStringLiteral("alice");
        QString redirectUri = kRedirect;
        QString scope = QStringLiteral("tasks:read tasks:write");
        QString resource = kResource;
        QString challenge; ///< empty: S256 of kVerifier
        QString method = QStringLiteral("S256");
        qint64 lifetimeMs = 60000;
    };
    /// Stores an authorization code as /authorize would and returns its clear value.
    [[nodiscard]] QString insertCode(const CodeOptions &options);
    [[nodiscard]] QString insertCode() { return insertCode(CodeOptions{}); }

    /// POST /token with `form` (and e.g. an Authorization header).
    Http::ClientResponse postToken(const Http::FormData &form, Http::Headers headers = {});
    /// The authorization_code exchange of a public client with kVerifier and kRedirect.
    Http::ClientResponse redeemCode(const QString &code,
                                    const QString &clientId = QStringLiteral("public-app"));

    [[nodiscard]] qint64 countTokens(const Store::TokenFilter &filter = {}) const;
    [[nodiscard]] qint64 countRows(const QString &table) const;
    /// The stored row of a clear token value (QVERIFY .ok()).
    [[nodiscard]] Core::Result<Store::Token> tokenRow(const QString &clear) const;
    [[nodiscard]] Store::TokenState tokenState(const QString &clear) const;
    [[nodiscard]] QString demoPassword() const;

    /// Number of audit events of `type`.
    [[nodiscard]] qint64 countAudit(const QString &type) const;

    /// A table's form: "name=value" pairs in order; each `substitutions` key found in a
    /// value is replaced (e.g. "$token" by the token the test just obtained).
    [[nodiscard]] static Http::FormData formOf(const QStringList &pairs,
                                               const QHash<QString, QString> &substitutions = {});
    /// Applies table changes to `base`: "-name" removes, "+name=value" appends, "name=value"
    /// replaces in place; substitutions as for formOf().
    [[nodiscard]] static Http::FormData
    changeForm(const Http::FormData &base, const QStringList &changes,
               const QHash<QString, QString> &substitutions = {});
    /// Authorization and Content-Type headers, each only when not empty.
    [[nodiscard]] static Http::Headers headersOf(const QByteArray &authorization,
                                                 const QByteArray &contentType = {});

    /// Asserts a token-endpoint style JSON error: status, `error`, no-store.
    static bool isError(const Http::ClientResponse &response, int status, const QString &error);
    static QString describe(const Http::ClientResponse &response);

private slots:
    void cleanupTestCase();

private:
    std::unique_ptr<AsFixture> m_fixture;
    QString m_fixtureKey;
    bool m_reused = false;
};

} // namespace TestSupport
