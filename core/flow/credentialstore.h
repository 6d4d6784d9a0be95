#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <QDateTime>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QString>
#include <QStringList>

#include "common/result.h"

namespace Flow {

/// Where the flow walker keeps the clients it registered, so that a later walk against the
/// same authorization server reuses them instead of registering again. Entries are JSON
/// objects under string keys (see clientKey() and serverKey()); they hold client secrets
/// and registration access tokens, so an implementation must keep them private to the
/// user and never log them.
///
/// Every operation is asynchronous (the OS keychain answers later): the callback runs on
/// the event loop of the store's thread, never inside the call, and only while `context`
/// still exists. Operations run in the order they were asked for.
class CredentialStore : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CredentialStore)

public:
    using LoadDone = std::function<void(Core::Result<std::optional<QJsonObject>>)>;
    using Done = std::function<void(Core::Status)>;
    using ListDone = std::function<void(Core::Result<QMap<QString, QJsonObject>>)>;

    explicit CredentialStore(QObject *parent = nullptr);
    ~CredentialStore() override;

    /// "keychain" or "file".
    [[nodiscard]] virtual QString backendName() const = 0;
    /// For people: e.g. "the file /home/a/.local/share/.../flow-credentials.json".
    [[nodiscard]] virtual QString description() const = 0;
    /// Something the user should know about the choice of backend (e.g. that the OS
    /// keychain is unavailable and a file is used instead); empty when nothing. Known once
    /// the first operation finished.
    [[nodiscard]] virtual QString notice() const { return {}; }

    /// The entry under `key`; std::nullopt when there is none.
    virtual void load(const QString &key, QObject *context, LoadDone done) = 0;
    /// Stores `value` under `key`, replacing what was there.
    virtual void save(const QString &key, const QJsonObject &value, QObject *context,
                      Done done) = 0;
    /// Removes the entry under `key`; removing an absent entry succeeds.
    virtual void remove(const QString &key, QObject *context, Done done) = 0;
    /// Every entry (secrets included: mask them before showing any).
    virtual void list(QObject *context, ListDone done) = 0;

protected:
    /// Runs `call` on the event loop if `context` still exists then.
    static void deliver(QObject *context, std::function<void()> call);
};

/// A JSON file readable by its owner only (mode 0600). A file with wider permissions or
/// another owner is refused (it may have leaked; the error says how to fix it), a file
/// that is not a credentials file is reported and never overwritten. Writes are atomic
/// (QSaveFile).
class FileCredentialStore final : public CredentialStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FileCredentialStore)

public:
    explicit FileCredentialStore(QString path, QObject *parent = nullptr);
    ~FileCredentialStore() override;

    /// AppDataLocation/flow-credentials.json.
    [[nodiscard]] static QString defaultPath();
    [[nodiscard]] const QString &path() const { return m_path; }

    [[nodiscard]] QString backendName() const override;
    [[nodiscard]] QString description() const override;
    void load(const QString &key, QObject *context, LoadDone done) override;
    void save(const QString &key, const QJsonObject &value, QObject *context, Done done) override;
    void remove(const QString &key, QObject *context, Done done) override;
    void list(QObject *context, ListDone done) override;

    /// The entries of the file, synchronously (an absent file has none).
    [[nodiscard]] Core::Result<QMap<QString, QJsonObject>> read() const;
    /// Replaces the file's entries, synchronously.
    [[nodiscard]] Core::Status write(const QMap<QString, QJsonObject> &entries) const;

private:
    QString m_path;
};

/// The OS keychain through qtkeychain (Secret Service, KWallet, macOS Keychain, Windows
/// Credential Store), one keychain item per entry under the service name, plus an index
/// item naming the keys (keychains cannot list their items). Whether a keychain is there
/// is only known by asking it: probe() does (a headless box has no Secret Service).
class KeychainCredentialStore final : public CredentialStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KeychainCredentialStore)

public:
    explicit KeychainCredentialStore(QString service = QStringLiteral("mcp-auth-studio-flow"),
                                     QObject *parent = nullptr);
    ~KeychainCredentialStore() override;

    /// False when the build has no qtkeychain (every operation then fails).
    [[nodiscard]] static bool isCompiledIn();
    /// Asks the keychain whether it answers (within `timeout`); fails with the reason when
    /// it does not.
    void probe(QObject *context, Done done,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

    [[nodiscard]] QString backendName() const override;
    [[nodiscard]] QString description() const override;
    void load(const QString &key, QObject *context, LoadDone done) override;
    void save(const QString &key, const QJsonObject &value, QObject *context, Done done) override;
    void remove(const QString &key, QObject *context, Done done) override;
    void list(QObject *context, ListDone done) override;

private:
    using BytesDone = std::function<void(Core::Result<std::optional<QByteArray>>)>;
    void readItem(const QString &key, BytesDone done);
    void writeItem(const QString &key, const QByteArray &data, Done done);
    void deleteItem(const QString &key, Done done);
    void updateIndex(const QString &key, bool present, Done done);

    QString m_service;
};

/// The preferred store when it answers, else the fallback: the first operation probes the
/// preferred one (a keychain) and every operation goes to the one chosen; notice() then
/// says why the fallback is used. Owns both stores.
class FallbackCredentialStore final : public CredentialStore
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FallbackCredentialStore)

public:
    using Probe = std::function<void(QObject *context, Done done)>;

    /// `probe` decides whether `preferred` is usable (e.g. KeychainCredentialStore::probe).
    FallbackCredentialStore(std::unique_ptr<CredentialStore> preferred, Probe probe,
                            std::unique_ptr<CredentialStore> fallback, QObject *parent = nullptr);
    ~FallbackCredentialStore() override;

    /// The keychain when it answers, else the file at `path`.
    [[nodiscard]] static std::unique_ptr<FallbackCredentialStore>
    keychainOrFile(const QString &path);

    /// The store in use; null until the probe answered.
    [[nodiscard]] CredentialStore *chosen() const { return m_chosen; }

    [[nodiscard]] QString backendName() const override;
    [[nodiscard]] QString description() const override;
    [[nodiscard]] QString notice() const override { return m_notice; }
    void load(const QString &key, QObject *context, LoadDone done) override;
    void save(const QString &key, const QJsonObject &value, QObject *context, Done done) override;
    void remove(const QString &key, QObject *context, Done done) override;
    void list(QObject *context, ListDone done) override;

private:
    void whenChosen(std::function<void()> operation);

    std::unique_ptr<CredentialStore> m_preferred;
    Probe m_probe;
    std::unique_ptr<CredentialStore> m_fallback;
    CredentialStore *m_chosen = nullptr;
    bool m_probing = false;
    QString m_notice;
    QList<std::function<void()>> m_waiting;
};

/// What identifies one registration of our client: a client registered at another
/// authorization server, with another redirect URI shape or as other software is another
/// entry (so a changed AS gets a new registration).
struct ClientKey
{
    QString issuer;       ///< exactly as the metadata names it
    QString registration; ///< "dcr"
    /// The redirect URI without the loopback port (RFC 8252 §7.3: any port matches), e.g.
    /// "http://127.0.0.1/callback"; empty for a client without redirects.
    QString redirectShape;
    QString software;   ///< client_name
    QStringList grants; ///< grant_types asked for, sorted

    [[nodiscard]] QString toString() const;
    /// std::nullopt when `key` is not a client key (e.g. a server key).
    [[nodiscard]] static std::optional<ClientKey> parse(const QString &key);
};

/// The key of the entry that remembers which issuer the MCP server at `serverUrl` used.
[[nodiscard]] QString serverKey(const QString &serverUrl);
/// The server URL of a server key, std::nullopt for another key.
[[nodiscard]] std::optional<QString> parseServerKey(const QString &key);
/// "http://127.0.0.1/callback" for "http://127.0.0.1:53122/callback".
[[nodiscard]] QString redirectShape(const QString &redirectUri);

/// A client registered with an authorization server (RFC 7591 §3.2.1), as stored.
struct StoredClient
{
    QString clientId;
    QString clientSecret;            ///< empty for a public client
    QString registrationAccessToken; ///< RFC 7592, when the AS returned one
    QString registrationClientUri;
    QString tokenEndpointAuthMethod;
    QStringList redirectUris;
    QStringList grantTypes;
    QDateTime issuedAt; ///< client_id_issued_at, else when it was stored (UTC)
    /// client_secret_expires_at; invalid when the secret does not expire (0).
    QDateTime secretExpiresAt;
    QString registrationEndpoint; ///< where it was registered

    /// The secret expired (a client without a secret never does).
    [[nodiscard]] bool secretExpired(const QDateTime &now) const;
    /// From a registration response (RFC 7591 §3.2.1); fails without client_id.
    [[nodiscard]] static Core::Result<StoredClient>
    fromRegistrationResponse(const QJsonObject &response, const QString &registrationEndpoint,
                             const QDateTime &now);
    [[nodiscard]] QJsonObject toJson() const;
    [[nodiscard]] static Core::Result<StoredClient> fromJson(const QJsonObject &object);
};

} // namespace Flow
