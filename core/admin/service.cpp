#include "admin/service.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSet>

#include "authserver/auditlog.h"
#include "authserver/authorizationserver.h"
#include "authserver/clientmetadata.h"
#include "authserver/clientresolver.h"
#include "authserver/context.h"
#include "authserver/keymanager.h"
#include "authserver/passwords.h"
#include "crypto/random.h"
#include "store/clientrepository.h"
#include "store/database.h"
#include "store/errors.h"
#include "store/secrethash.h"
#include "store/settingsrepository.h"
#include "store/signingkeyrepository.h"
#include "store/userrepository.h"

namespace Admin {

namespace {

/// The store answers list() in pages of at most this many rows.
constexpr int kPageSize = 1000;
constexpr qsizetype kMaxClientIdLength = 128;
constexpr qsizetype kMaxUsernameLength = 64;
constexpr qsizetype kMinPasswordBytes = 8;
constexpr qsizetype kMaxPasswordBytes = 1024;

Core::Error invalidArgument(const QString &message)
{
    return Core::makeError(Store::ErrorCode::InvalidArgument, message);
}

bool usesSecret(const QString &method)
{
    return method == QLatin1String("client_secret_basic") ||
           method == QLatin1String("client_secret_post");
}

/// The RFC 7591 registration document the operator's options describe, so that a client
/// added by hand obeys exactly the rules of POST /register.
Core::Result<QJsonObject> registrationDocument(const NewClient &in)
{
    QJsonObject doc;
    const auto putText = [&doc](const char *name, const QString &value) {
        if (!value.isEmpty())
            doc.insert(QLatin1String(name), value);
    };
    const auto putList = [&doc](const char *name, const QStringList &values) {
        if (!values.isEmpty())
            doc.insert(QLatin1String(name), QJsonArray::fromStringList(values));
    };
    putText("client_name", in.name);
    putList("redirect_uris", in.redirectUris);
    putList("grant_types", in.grantTypes);
    putText("token_endpoint_auth_method", in.authMethod);
    putText("scope", in.scope);
    putText("application_type", in.applicationType);
    putText("jwks_uri", in.jwksUri);
    if (!in.jwks.isEmpty()) {
        QJsonParseError error{};
        const QJsonDocument jwks = QJsonDocument::fromJson(in.jwks.toUtf8(), &error);
        if (!jwks.isObject())
            return Core::makeError(QStringLiteral("invalid_client_metadata"),
                                   QStringLiteral("jwks is not a JSON object (a JWK Set): %1")
                                       .arg(error.error == QJsonParseError::NoError
                                                ? QStringLiteral("not an object")
                                                : error.errorString()));
        doc.insert(QStringLiteral("jwks"), jwks.object());
    }
    return doc;
}

Core::Result<qint64> activeTokenCount(const std::shared_ptr<Store::Database> &db,
                                      const QString &clientId)
{
    Store::TokenFilter filter;
    filter.clientId = clientId;
    filter.state = Store::TokenState::Active;
    return Store::TokenRepository(db).count(filter);
}

} // namespace

Service::Service(std::shared_ptr<Store::Database> db, Auth::Config config)
    : m_db(std::move(db))
{
    Store::Database *database = m_db.get();
    m_context = std::make_unique<Auth::Context>(std::move(config), m_db,
                                                [database] { return database->now(); });
}

Service::~Service() = default;

void Service::audit(const QString &type, const QString &clientId, const QString &subject,
                    const QJsonObject &detail)
{
    m_context->audit().record(type, kOperatorActor, clientId, subject, detail);
}

Core::Status Service::validateClientId(const QString &clientId)
{
    if (clientId.isEmpty() || clientId.size() > kMaxClientIdLength)
        return invalidArgument(
            QStringLiteral("a client id must have 1 to %1 characters").arg(kMaxClientIdLength));
    for (const QChar c : clientId) {
        const char16_t u = c.unicode();
        const bool allowed = (u >= u'a' && u <= u'z') || (u >= u'A' && u <= u'Z') ||
                             (u >= u'0' && u <= u'9') || u == u'-' || u == u'.' || u == u'_' ||
                             u == u'~';
        if (!allowed)
            return invalidArgument(
                QStringLiteral("client id '%1' may only contain letters, digits and - . _ ~ "
                               "(a URL as client id is a Client ID Metadata Document, resolved "
                               "by the server, not registered)")
                    .arg(clientId.left(kMaxClientIdLength)));
    }
    return {};
}

Core::Status Service::validateUsername(const QString &username)
{
    if (username.isEmpty() || username.size() > kMaxUsernameLength)
        return invalidArgument(
            QStringLiteral("a username must have 1 to %1 characters").arg(kMaxUsernameLength));
    for (const QChar c : username)
        if (c.isSpace() || c.category() == QChar::Other_Control)
            return invalidArgument(
                QStringLiteral("a username must not contain spaces or control characters"));
    return {};
}

Core::Status Service::validatePassword(QByteArrayView password)
{
    if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes)
        return invalidArgument(QStringLiteral("a password must have %1 to %2 bytes (it has %3)")
                                   .arg(kMinPasswordBytes)
                                   .arg(kMaxPasswordBytes)
                                   .arg(password.size()));
    for (const char c : password)
        if (c == '\n' || c == '\r' || c == '\0')
            return invalidArgument(
                QStringLiteral("a password must not contain line breaks or NUL bytes"));
    return {};
}

// Clients

Core::Result<AddedClient> Service::addClient(const NewClient &in)
{
    if (!in.clientId.isEmpty())
        if (auto valid = validateClientId(in.clientId); !valid)
            return valid.error();
    auto document = registrationDocument(in);
    if (!document)
        return document.error();
    auto parsed = Auth::ClientMetadata::parse(*document, Auth::ClientMetadata::Origin::Registration,
                                              m_context->config());
    if (!parsed)
        return parsed.error();

    Store::Client client = *parsed;
    client.source = QStringLiteral("static");
    QByteArray secret;
    if (usesSecret(client.authMethod)) {
        secret = QByteArrayLiteral("mcs_") + Crypto::randomToken(32);
        client.secret = Store::SecretHash::fromSecret(secret);
    }
    Store::ClientRepository repository(m_db);
    Core::Result<Store::Client> created = Core::makeError(QString(), QString());
    // A generated id of 128 random bits collides practically never; one retry covers it.
    for (int attempt = 0; attempt < 2; ++attempt) {
        client.clientId = in.clientId.isEmpty() ? QStringLiteral("mcp_") +
                                                      QString::fromLatin1(Crypto::randomToken(16))
                                                : in.clientId;
        created = repository.create(client);
        if (created || created.error().code != Store::ErrorCode::AlreadyExists ||
            !in.clientId.isEmpty())
            break;
    }
    if (!created)
        return created.error();
    QJsonObject detail{
        {QStringLiteral("token_endpoint_auth_method"), created->authMethod},
        {QStringLiteral("grant_types"), QJsonArray::fromStringList(created->grantTypes)},
        {QStringLiteral("redirect_uris"), QJsonArray::fromStringList(created->redirectUris)}};
    if (created->secret)
        detail.insert(QStringLiteral("secret"), created->secret->display());
    audit(QStringLiteral("client.registered"), created->clientId, {}, detail);
    return AddedClient{ClientRecord::from(*created), QString::fromLatin1(secret)};
}

Core::Result<QList<ClientRecord>> Service::listClients()
{
    Store::ClientRepository repository(m_db);
    QList<ClientRecord> out;
    for (int offset = 0;; offset += kPageSize) {
        auto page = repository.list(kPageSize, offset);
        if (!page)
            return page.error();
        for (const Store::Client &client : *page) {
            auto active = activeTokenCount(m_db, client.clientId);
            if (!active)
                return active.error();
            out.append(ClientRecord::from(client, *active));
        }
        if (page->size() < kPageSize)
            return out;
    }
}

Core::Result<ClientRecord> Service::showClient(const QString &clientId)
{
    auto client = Store::ClientRepository(m_db).get(clientId);
    if (!client)
        return client.error();
    auto active = activeTokenCount(m_db, clientId);
    if (!active)
        return active.error();
    return ClientRecord::from(*client, *active);
}

Core::Result<RemovedClient> Service::removeClient(const QString &clientId)
{
    auto removed = m_db->transactionResult<qint64>([&](QSqlDatabase &) -> Core::Result<qint64> {
        Store::TokenFilter filter;
        filter.clientId = clientId;
        auto tokens = Store::TokenRepository(m_db).count(filter);
        if (!tokens)
            return tokens.error();
        // Revoked before they go, so that verifiers that cached them forget them too.
        if (auto revoked = Store::TokenRepository(m_db).revokeByClient(
                clientId, QStringLiteral("client removed"));
            !revoked)
            return revoked.error();
        if (auto gone = Store::ClientRepository(m_db).remove(clientId); !gone)
            return gone.error();
        return *tokens;
    });
    if (!removed)
        return removed.error();
    audit(QStringLiteral("client.removed"), clientId, {},
          {{QStringLiteral("tokens_removed"), *removed}});
    return RemovedClient{clientId, *removed};
}

Core::Result<AddedClient> Service::updateClient(const NewClient &in, bool newSecret)
{
    if (auto valid = validateClientId(in.clientId); !valid)
        return valid.error();
    Store::ClientRepository repository(m_db);
    QByteArray secret;
    bool secretChanged = false;
    auto updated =
        m_db->transactionResult<Store::Client>([&](QSqlDatabase &) -> Core::Result<Store::Client> {
            secret.clear();
            secretChanged = false;
            auto current = repository.get(in.clientId);
            if (!current)
                return current.error();
            if (current->source == QLatin1String("cimd"))
                return invalidArgument(
                    QStringLiteral("client '%1' is described by its metadata document; it "
                                   "changes only when that document does")
                        .arg(in.clientId));
            NewClient wanted = in;
            if (wanted.authMethod.isEmpty())
                wanted.authMethod = current->authMethod;
            if (wanted.applicationType.isEmpty())
                wanted.applicationType = current->applicationType;
            auto document = registrationDocument(wanted);
            if (!document)
                return document.error();
            auto parsed = Auth::ClientMetadata::parse(
                *document, Auth::ClientMetadata::Origin::Registration, m_context->config());
            if (!parsed)
                return parsed.error();
            Store::Client client = *current;
            client.name = parsed->name;
            client.authMethod = parsed->authMethod;
            client.redirectUris = parsed->redirectUris;
            client.grantTypes = parsed->grantTypes;
            client.responseTypes = parsed->responseTypes;
            client.scope = parsed->scope;
            client.jwks = parsed->jwks;
            client.jwksUri = parsed->jwksUri;
            client.applicationType = parsed->applicationType;
            if (!usesSecret(client.authMethod)) {
                secretChanged = client.secret.has_value();
                client.secret.reset();
                client.secretExpiresAt = 0;
            } else if (newSecret || !client.secret) {
                secret = QByteArrayLiteral("mcs_") + Crypto::randomToken(32);
                client.secret = Store::SecretHash::fromSecret(secret);
                client.secretExpiresAt = 0;
                secretChanged = true;
            }
            return repository.update(client);
        });
    if (!updated)
        return updated.error();
    QJsonObject detail{
        {QStringLiteral("token_endpoint_auth_method"), updated->authMethod},
        {QStringLiteral("grant_types"), QJsonArray::fromStringList(updated->grantTypes)},
        {QStringLiteral("redirect_uris"), QJsonArray::fromStringList(updated->redirectUris)},
        {QStringLiteral("secret_changed"), secretChanged}};
    if (updated->secret)
        detail.insert(QStringLiteral("secret"), updated->secret->display());
    audit(QStringLiteral("client.updated"), updated->clientId, {}, detail);
    auto active = activeTokenCount(m_db, updated->clientId);
    if (!active)
        return active.error();
    return AddedClient{ClientRecord::from(*updated, *active), QString::fromLatin1(secret)};
}

// Users

Core::Result<UserRecord> Service::addUser(const QString &username, QByteArrayView password,
                                          const QString &displayName)
{
    if (auto valid = validateUsername(username); !valid)
        return valid.error();
    if (auto valid = validatePassword(password); !valid)
        return valid.error();
    auto hashed = Auth::Passwords::hash(password);
    if (!hashed)
        return hashed.error();
    Store::User user;
    user.username = username;
    user.displayName = displayName;
    user.passwordHash = *hashed;
    auto created = Store::UserRepository(m_db).create(user);
    if (!created)
        return created.error();
    audit(QStringLiteral("user.created"), {}, username, {});
    return UserRecord::from(*created);
}

Core::Result<QList<UserRecord>> Service::listUsers()
{
    Store::UserRepository repository(m_db);
    QList<UserRecord> out;
    for (int offset = 0;; offset += kPageSize) {
        auto page = repository.list(kPageSize, offset);
        if (!page)
            return page.error();
        for (const Store::User &user : *page)
            out.append(UserRecord::from(user));
        if (page->size() < kPageSize)
            return out;
    }
}

Core::Result<RemovedUser> Service::removeUser(const QString &username)
{
    // A removed account keeps no working tokens: both changes or neither.
    auto revoked = m_db->transactionResult<int>([&](QSqlDatabase &) -> Core::Result<int> {
        if (auto gone = Store::UserRepository(m_db).remove(username); !gone)
            return gone.error();
        return Store::TokenRepository(m_db).revokeBySubject(username,
                                                            QStringLiteral("user removed"));
    });
    if (!revoked)
        return revoked.error();
    audit(QStringLiteral("user.removed"), {}, username,
          {{QStringLiteral("tokens_revoked"), *revoked}});
    return RemovedUser{username, *revoked};
}

Core::Result<UserRecord> Service::setPassword(const QString &username, QByteArrayView password)
{
    if (auto valid = validatePassword(password); !valid)
        return valid.error();
    auto hashed = Auth::Passwords::hash(password);
    if (!hashed)
        return hashed.error();
    Store::UserRepository users(m_db);
    auto updated =
        m_db->transactionResult<Store::User>([&](QSqlDatabase &) -> Core::Result<Store::User> {
            if (auto set = users.setPasswordHash(username, *hashed); !set)
                return set.error();
            // The generated demo password the app shows is no longer the password.
            if (username == Auth::demoUsername())
                if (auto forgotten =
                        Store::SettingsRepository(m_db).remove(Auth::demoPasswordSetting());
                    !forgotten)
                    return forgotten.error();
            return users.get(username);
        });
    if (!updated)
        return updated.error();
    audit(QStringLiteral("user.password_changed"), {}, username, {});
    return UserRecord::from(*updated);
}

// Tokens

Core::Result<TokenPage> Service::listTokens(const Store::TokenFilter &filter)
{
    auto tokens = Store::TokenRepository(m_db).list(filter);
    if (!tokens)
        return tokens.error();
    const qint64 now = m_db->now();
    TokenPage page;
    for (const Store::Token &token : *tokens)
        page.tokens.append(TokenRecord::from(token, now));
    if (!page.tokens.isEmpty() && page.tokens.size() >= qBound(1, filter.limit, 10000))
        page.nextAfterId = page.tokens.last().id;
    return page;
}

Core::Result<TokenRecord> Service::showToken(qint64 id)
{
    auto token = Store::TokenRepository(m_db).get(id);
    if (!token)
        return token.error();
    return TokenRecord::from(*token, m_db->now());
}

Core::Result<RevokeResult> Service::revoke(const QString &target, const QString &value,
                                           const QString &clientId, const QString &subject,
                                           const std::function<Core::Result<int>()> &work)
{
    auto revoked = work();
    if (!revoked)
        return revoked.error();
    audit(QStringLiteral("token.revoked"), clientId, subject,
          {{QStringLiteral("target"), target},
           {QStringLiteral("value"), value},
           {QStringLiteral("revoked"), *revoked}});
    return RevokeResult{target, value, *revoked};
}

Core::Result<RevokeResult> Service::revokeToken(qint64 id)
{
    Store::TokenRepository tokens(m_db);
    auto token = tokens.get(id);
    if (!token)
        return token.error();
    return revoke(QStringLiteral("token"), QString::number(id), token->clientId, token->subject,
                  [&] { return tokens.revoke(id, kOperatorActor); });
}

Core::Result<RevokeResult> Service::revokeClientTokens(const QString &clientId)
{
    return revoke(QStringLiteral("client"), clientId, clientId, {}, [&] {
        return Store::TokenRepository(m_db).revokeByClient(clientId, kOperatorActor);
    });
}

Core::Result<RevokeResult> Service::revokeSubjectTokens(const QString &subject)
{
    return revoke(QStringLiteral("subject"), subject, {}, subject, [&] {
        return Store::TokenRepository(m_db).revokeBySubject(subject, kOperatorActor);
    });
}

Core::Result<RevokeResult> Service::revokeFamily(const QString &familyId)
{
    return revoke(QStringLiteral("family"), familyId, {}, {}, [&] {
        return Store::TokenRepository(m_db).revokeFamily(familyId, kOperatorActor);
    });
}

Core::Result<PurgeResult> Service::purgeExpiredTokens(int batchSize,
                                                      const std::function<void(qint64)> &progress)
{
    auto purged = Store::TokenRepository(m_db).purgeExpired(batchSize, progress);
    if (!purged)
        return purged.error();
    audit(QStringLiteral("token.purged"), {}, {}, {{QStringLiteral("purged"), *purged}});
    return PurgeResult{*purged};
}

// Signing keys

Core::Result<QList<KeyRecord>> Service::listKeys()
{
    Store::SigningKeyRepository repository(m_db);
    auto keys = repository.list();
    if (!keys)
        return keys.error();
    auto published = repository.published();
    if (!published)
        return published.error();
    QSet<QString> publishedKids;
    for (const Store::SigningKey &key : *published)
        publishedKids.insert(key.kid);
    QString currentKid;
    if (auto current = repository.current(); current)
        currentKid = current->kid;
    else if (current.error().code != Store::ErrorCode::NotFound)
        return current.error();
    QList<KeyRecord> out;
    for (const Store::SigningKey &key : *keys)
        out.append(KeyRecord{key.kid, key.alg, key.createdAt, key.activatedAt, key.retiredAt,
                             key.expiresAt, key.kid == currentKid,
                             publishedKids.contains(key.kid)});
    return out;
}

Core::Result<RotateResult> Service::rotateKey()
{
    auto before = listKeys();
    if (!before)
        return before.error();
    auto kid = m_context->keys().rotate();
    if (!kid)
        return kid.error();
    auto after = listKeys();
    if (!after)
        return after.error();
    RotateResult result{*kid, {}, *after};
    for (const KeyRecord &key : *before)
        if (key.current)
            result.retiredKids.append(key.kid);
    return result;
}

// Audit log

Core::Result<QList<Store::AuditEvent>> Service::auditTail(int count,
                                                          const Store::AuditFilter &filter)
{
    return Store::AuditRepository(m_db).tail(count, filter);
}

Core::Result<QList<Store::AuditEvent>> Service::auditAfter(qint64 afterId,
                                                           Store::AuditFilter filter)
{
    filter.afterId = afterId;
    return Store::AuditRepository(m_db).list(filter);
}

} // namespace Admin
