#pragma once

#include <memory>
#include <optional>

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "store/secrethash.h"

namespace Store {

class Database;

/// A registered OAuth client (static, RFC 7591 dynamic, or a cached Client ID Metadata
/// Document). The client secret is held only as a SecretHash.
struct Client
{
    QString clientId;
    QString name;
    std::optional<SecretHash> secret;            ///< none for public clients
    qint64 secretExpiresAt = 0;                  ///< RFC 7591 client_secret_expires_at; 0 = never
    QString authMethod = QStringLiteral("none"); ///< token_endpoint_auth_method
    QStringList redirectUris;
    QStringList grantTypes;
    QStringList responseTypes;
    QString scope; ///< space-separated
    QString jwks;  ///< JWK Set JSON text, empty if none
    QString jwksUri;
    QString applicationType = QStringLiteral("native");
    QString source = QStringLiteral("static"); ///< static | dynamic | cimd
    QString metadataUrl;                       ///< CIMD document URL
    std::optional<qint64> metadataFetchedAt;
    std::optional<qint64> metadataExpiresAt;
    QJsonObject metadata; ///< other registered metadata (client_uri, logo_uri, contacts, ...)
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
};

/// Clients table. Every method is one transaction. Removing a client removes its codes,
/// device codes, tokens and consents (ON DELETE CASCADE).
class ClientRepository final
{
public:
    explicit ClientRepository(std::shared_ptr<Database> db);

    /// Inserts `client`; created/updated times are set to now. AlreadyExists if the id is taken.
    Core::Result<Client> create(const Client &client);
    /// NotFound if absent.
    Core::Result<Client> get(const QString &clientId);
    Core::Result<QList<Client>> list(int limit = 1000, int offset = 0);
    Core::Result<qint64> count();
    /// Replaces every field but createdAt; NotFound if absent.
    Core::Result<Client> update(const Client &client);
    /// create() or update() in one transaction (e.g. refreshing a cached CIMD client).
    Core::Result<Client> upsert(const Client &client);
    Core::Status remove(const QString &clientId);

private:
    std::shared_ptr<Database> m_db;
};

} // namespace Store
