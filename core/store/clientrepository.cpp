#include "store/clientrepository.h"

#include <QJsonDocument>

#include "store/database.h"
#include "store/errors.h"
#include "store/sqlutil.h"

namespace Store {

namespace {

const QString kColumns = QStringLiteral(
    "client_id, client_name, secret_hash, secret_prefix, secret_expires_at, "
    "token_endpoint_auth_method, redirect_uris, grant_types, response_types, scope, jwks, "
    "jwks_uri, application_type, registration_source, metadata_url, metadata_fetched_at, "
    "metadata_expires_at, metadata, created_at, updated_at");

Client readClient(const QSqlQuery &q)
{
    Client c;
    c.clientId = q.value(0).toString();
    c.name = q.value(1).toString();
    if (!q.value(2).isNull()) {
        auto hash = SecretHash::fromHex(q.value(2).toString(), q.value(3).toString());
        if (hash)
            c.secret = *hash;
    }
    c.secretExpiresAt = q.value(4).toLongLong();
    c.authMethod = q.value(5).toString();
    c.redirectUris = Sql::fromJsonArray(q.value(6).toString());
    c.grantTypes = Sql::fromJsonArray(q.value(7).toString());
    c.responseTypes = Sql::fromJsonArray(q.value(8).toString());
    c.scope = q.value(9).toString();
    c.jwks = q.value(10).toString();
    c.jwksUri = q.value(11).toString();
    c.applicationType = q.value(12).toString();
    c.source = q.value(13).toString();
    c.metadataUrl = q.value(14).toString();
    c.metadataFetchedAt = Sql::optionalInt(q.value(15));
    c.metadataExpiresAt = Sql::optionalInt(q.value(16));
    c.metadata = QJsonDocument::fromJson(q.value(17).toString().toUtf8()).object();
    c.createdAt = q.value(18).toLongLong();
    c.updatedAt = q.value(19).toLongLong();
    return c;
}

/// Bind values for every column after client_id and before created_at, in kColumns order.
QVariantList bodyBinds(const Client &c)
{
    const bool hasSecret = c.secret && !c.secret->isNull();
    return {c.name,
            hasSecret ? QVariant(c.secret->hex()) : QVariant(QMetaType::fromType<QString>()),
            hasSecret ? QVariant(c.secret->prefix()) : QVariant(QMetaType::fromType<QString>()),
            qlonglong(c.secretExpiresAt),
            c.authMethod,
            Sql::toJsonArray(c.redirectUris),
            Sql::toJsonArray(c.grantTypes),
            Sql::toJsonArray(c.responseTypes),
            c.scope,
            Sql::textOrNull(c.jwks),
            Sql::textOrNull(c.jwksUri),
            c.applicationType,
            c.source,
            Sql::textOrNull(c.metadataUrl),
            Sql::intOrNull(c.metadataFetchedAt),
            Sql::intOrNull(c.metadataExpiresAt),
            QString::fromUtf8(QJsonDocument(c.metadata).toJson(QJsonDocument::Compact))};
}

Core::Status validate(const Client &c)
{
    if (c.clientId.isEmpty())
        return Sql::invalidArgument(QStringLiteral("a client needs a client_id"));
    if (c.authMethod.isEmpty())
        return Sql::invalidArgument(
            QStringLiteral("client %1 needs a token endpoint auth method").arg(c.clientId));
    return {};
}

Core::Result<Client> fetch(QSqlDatabase &db, const QString &clientId)
{
    auto q = Sql::exec(db,
                       QStringLiteral("SELECT ") + kColumns +
                           QStringLiteral(" FROM clients WHERE client_id = ?"),
                       {clientId}, QStringLiteral("reading client"));
    if (!q)
        return q.error();
    return Sql::readOne<Client>(*q, readClient,
                                QStringLiteral("no client with client_id %1").arg(clientId));
}

Core::Result<Client> insert(QSqlDatabase &db, const Client &client, qint64 now)
{
    QVariantList binds{client.clientId};
    binds.append(bodyBinds(client));
    binds.append({qlonglong(now), qlonglong(now)});
    const QString placeholders = QStringLiteral("?, ").repeated(binds.size() - 1) + u'?';
    if (auto s = Sql::run(db,
                          QStringLiteral("INSERT INTO clients (") + kColumns +
                              QStringLiteral(") VALUES (") + placeholders + u')',
                          binds, QStringLiteral("registering client %1").arg(client.clientId));
        !s) {
        if (s.error().code == ErrorCode::AlreadyExists)
            return Core::makeError(
                ErrorCode::AlreadyExists,
                QStringLiteral("a client with client_id %1 already exists").arg(client.clientId));
        return s.error();
    }
    return fetch(db, client.clientId);
}

Core::Result<Client> replace(QSqlDatabase &db, const Client &client, qint64 now)
{
    QVariantList binds = bodyBinds(client);
    binds.append({qlonglong(now), client.clientId});
    auto n = Sql::update(
        db,
        QStringLiteral(
            "UPDATE clients SET client_name = ?, secret_hash = ?, secret_prefix = ?, "
            "secret_expires_at = ?, token_endpoint_auth_method = ?, redirect_uris = ?, "
            "grant_types = ?, response_types = ?, scope = ?, jwks = ?, jwks_uri = ?, "
            "application_type = ?, registration_source = ?, metadata_url = ?, "
            "metadata_fetched_at = ?, metadata_expires_at = ?, metadata = ?, updated_at = ? "
            "WHERE client_id = ?"),
        binds, QStringLiteral("updating client %1").arg(client.clientId));
    if (!n)
        return n.error();
    if (*n == 0)
        return Sql::notFound(QStringLiteral("no client with client_id %1").arg(client.clientId));
    return fetch(db, client.clientId);
}

} // namespace

ClientRepository::ClientRepository(std::shared_ptr<Database> db)
    : m_db(std::move(db))
{}

Core::Result<Client> ClientRepository::create(const Client &client)
{
    if (auto s = validate(client); !s)
        return s.error();
    return m_db->transactionResult<Client>(
        [&](QSqlDatabase &db) { return insert(db, client, m_db->now()); });
}

Core::Result<Client> ClientRepository::get(const QString &clientId)
{
    return m_db->transactionResult<Client>([&](QSqlDatabase &db) { return fetch(db, clientId); },
                                           TransactionMode::Read);
}

Core::Result<QList<Client>> ClientRepository::list(int limit, int offset)
{
    return m_db->transactionResult<QList<Client>>(
        [&](QSqlDatabase &db) -> Core::Result<QList<Client>> {
            auto q =
                Sql::exec(db,
                          QStringLiteral("SELECT ") + kColumns +
                              QStringLiteral(" FROM clients ORDER BY client_id "
                                             "LIMIT ? OFFSET ?"),
                          {qMax(0, limit), qMax(0, offset)}, QStringLiteral("listing clients"));
            if (!q)
                return q.error();
            return Sql::readAll<Client>(*q, readClient);
        },
        TransactionMode::Read);
}

Core::Result<qint64> ClientRepository::count()
{
    return m_db->transactionResult<qint64>(
        [&](QSqlDatabase &db) -> Core::Result<qint64> {
            return Sql::scalar(db, QStringLiteral("SELECT COUNT(*) FROM clients"), {},
                               QStringLiteral("counting clients"));
        },
        TransactionMode::Read);
}

Core::Result<Client> ClientRepository::update(const Client &client)
{
    if (auto s = validate(client); !s)
        return s.error();
    return m_db->transactionResult<Client>(
        [&](QSqlDatabase &db) { return replace(db, client, m_db->now()); });
}

Core::Result<Client> ClientRepository::upsert(const Client &client)
{
    if (auto s = validate(client); !s)
        return s.error();
    return m_db->transactionResult<Client>([&](QSqlDatabase &db) -> Core::Result<Client> {
        auto updated = replace(db, client, m_db->now());
        if (updated || updated.error().code != ErrorCode::NotFound)
            return updated;
        return insert(db, client, m_db->now());
    });
}

Core::Status ClientRepository::remove(const QString &clientId)
{
    return m_db->transaction([&](QSqlDatabase &db) -> Core::Status {
        return Sql::requireOne(
            Sql::update(db, QStringLiteral("DELETE FROM clients WHERE client_id = ?"), {clientId},
                        QStringLiteral("removing client %1").arg(clientId)),
            QStringLiteral("no client with client_id %1").arg(clientId));
    });
}

} // namespace Store
