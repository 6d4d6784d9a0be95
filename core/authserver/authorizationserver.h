#pragma once

#include <functional>
#include <memory>

#include "authserver/config.h"
#include "common/result.h"

namespace Http {
class ExchangeLog;
class Router;
} // namespace Http

namespace Store {
class Database;
}

namespace Auth {

class Context;

/// The embedded OAuth 2.1 authorization server: builds the shared Context and installs
/// every endpoint on a router. On start it makes sure a signing key, the demo user and the
/// demo public client exist (see ensureDemoData()).
class AuthorizationServer final
{
    Q_DISABLE_COPY_MOVE(AuthorizationServer)

public:
    /// `config.issuer` must be set (the engine derives it from the listening address).
    AuthorizationServer(Config config, std::shared_ptr<Store::Database> db,
                        std::function<qint64()> clock = {},
                        Http::ExchangeLog *exchangeLog = nullptr);
    ~AuthorizationServer();

    /// Creates what the server needs to serve: the signing key, the demo user and client.
    Core::Status prepare();
    /// Registers every route. The server must outlive the router's use.
    void install(Http::Router &router);

    [[nodiscard]] Context &context() const { return *m_context; }

private:
    std::unique_ptr<Context> m_context;
};

/// The demo account and client created on first run, shown in the app and the CLI.
struct DemoData
{
    QString username; ///< "demo"
    QString password; ///< generated once, kept in the settings table so the app can show it
    QString clientId; ///< "mcpauth-demo", a public client (none) with loopback redirects
};
/// Creates the demo user and client if missing (one transaction each) and returns them.
Core::Result<DemoData> ensureDemoData(Context &context);
/// The demo user's name, and the settings key of its generated password. An operator who
/// sets the demo user's password removes that setting (their password is never kept in
/// the clear), and the app then says the password is not known.
[[nodiscard]] QString demoUsername();
[[nodiscard]] QString demoPasswordSetting();

} // namespace Auth
