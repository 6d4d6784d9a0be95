#pragma once

#include <QHostAddress>
#include <QJsonObject>
#include <QString>

#include "authserver/config.h"
#include "common/result.h"
#include "resource/config.h"

namespace Core {

/// Settings of the embedded servers and their store: what `mcpauth serve` takes as flags
/// and as a JSON config file, and what the app's Servers panel edits. One format for both.
struct ServerConfig
{
    QString storeUrl; ///< empty: Store::defaultUrl()
    QHostAddress bindAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 asPort = 9400;      ///< authorization server; 0 = ephemeral
    quint16 rsPort = 9401;      ///< resource server (MCP); 0 = ephemeral
    QString issuer;             ///< empty: http(s)://<bind>:<as port>, no trailing slash
    int workerThreads = 0;      ///< 0 = number of cores
    bool tls = false;           ///< serve https with a PEM pair or a self-signed cert
    QString tlsCertificateFile; ///< PEM; empty with tls = a generated self-signed cert
    QString tlsKeyFile;
    /// The admin API's token file ("admin_token_file"); empty: Resource::AdminToken's
    /// default, <QStandardPaths::AppDataLocation>/admin-token. Created (0600) if missing.
    QString adminTokenFile;
    /// The embedded authorization server's settings (the "authorization_server" object).
    Auth::Config authorizationServer;
    Resource::Config resourceServer; ///< the "resource_server" object

    /// Reads a config object; unknown members and wrong types are errors naming the field.
    [[nodiscard]] static Result<ServerConfig> fromJson(const QJsonObject &object);
    [[nodiscard]] static Result<ServerConfig> fromFile(const QString &path);
    [[nodiscard]] QJsonObject toJson() const;
    /// Checks cross-field rules (TLS pair complete, ports distinct unless ephemeral, issuer
    /// form); the error names the field.
    [[nodiscard]] Status validate() const;
};

} // namespace Core
