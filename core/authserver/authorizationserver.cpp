#include "authserver/authorizationserver.h"

#include "authserver/auditlog.h"
#include "authserver/context.h"
#include "authserver/endpoints.h"
#include "authserver/keymanager.h"
#include "authserver/oauth.h"
#include "authserver/passwords.h"
#include "crypto/random.h"
#include "store/clientrepository.h"
#include "store/database.h"
#include "store/errors.h"
#include "store/settingsrepository.h"
#include "store/userrepository.h"

namespace Auth {

namespace {

const QString kDemoUser = QStringLiteral("demo");
const QString kDemoClient = QStringLiteral("mcpauth-demo");
/// The demo user's password in clear, by design: the app and `mcpauth` show it so a
/// developer can log in on first run. It is the only clear password the store holds; a
/// real user's password is only ever stored as a hash.
const QString kDemoPasswordSetting = QStringLiteral("demo.password");

Core::Result<QString> ensureDemoUser(Context &context)
{
    Store::UserRepository users(context.db());
    Store::SettingsRepository settings(context.db());
    // The shown password of an existing demo user (empty when it was created elsewhere),
    // or nullopt when there is no demo user yet.
    const auto existingPassword = [&]() -> Core::Result<std::optional<QString>> {
        auto user = users.get(kDemoUser);
        if (!user)
            return user.error().code == Store::ErrorCode::NotFound
                       ? Core::Result<std::optional<QString>>(std::optional<QString>())
                       : Core::Result<std::optional<QString>>(user.error());
        auto stored = settings.value(kDemoPasswordSetting);
        if (!stored)
            return stored.error();
        return std::optional<QString>(stored->value_or(QString()));
    };
    auto existing = existingPassword();
    if (!existing)
        return existing.error();
    if (*existing)
        return **existing;

    // Unambiguous characters: the password is read off the screen and typed.
    const QString password = QString::fromLatin1(
        Crypto::randomString(16, "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"));
    auto hashed = Passwords::hash(password.toUtf8());
    if (!hashed)
        return hashed.error();
    // The user and the setting that shows its password are written together, and a server
    // that lost the race to create them reads the winner's password.
    bool created = false;
    auto result =
        context.db()->transactionResult<QString>([&](QSqlDatabase &) -> Core::Result<QString> {
            created = false;
            auto again = existingPassword();
            if (!again)
                return again.error();
            if (*again)
                return **again;
            Store::User user;
            user.username = kDemoUser;
            user.displayName = QStringLiteral("Demo User");
            user.passwordHash = *hashed;
            if (auto made = users.create(user); !made)
                return made.error();
            if (auto set = settings.setValue(kDemoPasswordSetting, password); !set)
                return set.error();
            created = true;
            return password;
        });
    if (result && created)
        context.audit().record(QStringLiteral("user.created"), QStringLiteral("system"), {},
                               kDemoUser,
                               {{QStringLiteral("reason"), QStringLiteral("demo data")}});
    return result;
}

} // namespace

QString demoUsername()
{
    return kDemoUser;
}

QString demoPasswordSetting()
{
    return kDemoPasswordSetting;
}

namespace {

Core::Status ensureDemoClient(Context &context)
{
    Store::ClientRepository clients(context.db());
    auto existing = clients.get(kDemoClient);
    if (existing)
        return {};
    if (existing.error().code != Store::ErrorCode::NotFound)
        return existing.error();
    Store::Client client;
    client.clientId = kDemoClient;
    client.name = QStringLiteral("MCP Auth Studio demo client");
    client.authMethod = QStringLiteral("none");
    // Loopback redirect URIs match any port (RFC 8252 section 7.3).
    client.redirectUris = {QStringLiteral("http://127.0.0.1/callback"),
                           QStringLiteral("http://localhost/callback")};
    client.grantTypes = {QStringLiteral("authorization_code"), QStringLiteral("refresh_token"),
                         QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")};
    client.responseTypes = {QStringLiteral("code")};
    client.applicationType = QStringLiteral("native");
    client.source = QStringLiteral("static");
    auto created = clients.create(client);
    if (!created && created.error().code != Store::ErrorCode::AlreadyExists)
        return created.error();
    if (created)
        context.audit().record(QStringLiteral("client.registered"), QStringLiteral("system"),
                               kDemoClient, {},
                               {{QStringLiteral("reason"), QStringLiteral("demo data")}});
    return {};
}

} // namespace

Core::Result<DemoData> ensureDemoData(Context &context)
{
    auto password = ensureDemoUser(context);
    if (!password)
        return password.error();
    if (auto client = ensureDemoClient(context); !client)
        return client.error();
    return DemoData{kDemoUser, *password, kDemoClient};
}

AuthorizationServer::AuthorizationServer(Config config, std::shared_ptr<Store::Database> db,
                                         std::function<qint64()> clock,
                                         Http::ExchangeLog *exchangeLog)
    : m_context(std::make_unique<Context>(std::move(config), std::move(db), std::move(clock),
                                          exchangeLog))
{}

AuthorizationServer::~AuthorizationServer() = default;

Core::Status AuthorizationServer::prepare()
{
    const Config &config = m_context->config();
    if (config.issuer.isEmpty())
        return Core::makeError(QStringLiteral("invalid_config"),
                               QStringLiteral("authorization_server.issuer: the authorization "
                                              "server needs an issuer (set it, or let the engine "
                                              "derive it from the listening address)"));
    if (auto valid = config.validate(); !valid)
        return valid;
    if (auto key = m_context->keys().ensureKey(); !key)
        return key;
    if (auto demo = ensureDemoData(*m_context); !demo)
        return demo.error();
    if (config.autoApprove)
        qCWarning(lcAuthServer,
                  "AUTO-APPROVE IS ON: every authorization request is approved as the demo user "
                  "without login or consent. Use this only for scripted tests.");
    return {};
}

void AuthorizationServer::install(Http::Router &router)
{
    installMetadataEndpoints(*m_context, router);
    installAuthorizeEndpoints(*m_context, router);
    installTokenEndpoint(*m_context, router);
    installDeviceEndpoints(*m_context, router);
    installIntrospectionAndRevocation(*m_context, router);
    installRegistrationEndpoint(*m_context, router);
}

} // namespace Auth
