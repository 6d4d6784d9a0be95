#include "flow/credentialstore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>
#include <QUrl>

#include "flow/types.h"

#ifdef Q_OS_UNIX
#include <sys/stat.h>
#include <unistd.h>
#endif

#ifdef MCPAUTH_HAVE_QTKEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace Flow {

namespace {

const QString kFormat = QStringLiteral("mcpauth-flow-credentials");
const QString kIndexKey = QStringLiteral("index");
constexpr qint64 kMaxFileSize = 4 * 1024 * 1024;

Core::Error ioError(const QString &message)
{
    return Core::makeError(QStringLiteral("io_error"), message);
}

} // namespace

// --- CredentialStore -------------------------------------------------------------------------

CredentialStore::CredentialStore(QObject *parent)
    : QObject(parent)
{}

CredentialStore::~CredentialStore() = default;

void CredentialStore::deliver(QObject *context, std::function<void()> call)
{
    if (!context)
        return;
    QMetaObject::invokeMethod(context, std::move(call), Qt::QueuedConnection);
}

// --- FileCredentialStore ---------------------------------------------------------------------

FileCredentialStore::FileCredentialStore(QString path, QObject *parent)
    : CredentialStore(parent)
    , m_path(std::move(path))
{}

FileCredentialStore::~FileCredentialStore() = default;

QString FileCredentialStore::defaultPath()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/flow-credentials.json");
}

QString FileCredentialStore::backendName() const
{
    return QStringLiteral("file");
}

QString FileCredentialStore::description() const
{
    return QStringLiteral("the file %1 (mode 0600)").arg(m_path);
}

Core::Result<QMap<QString, QJsonObject>> FileCredentialStore::read() const
{
    QMap<QString, QJsonObject> entries;
    const QFileInfo info(m_path);
    if (!info.exists())
        return entries;
#ifdef Q_OS_UNIX
    struct stat st
    {};
    if (::stat(QFile::encodeName(m_path).constData(), &st) != 0)
        return ioError(QStringLiteral("cannot inspect the credentials file %1").arg(m_path));
    if (!S_ISREG(st.st_mode))
        return ioError(QStringLiteral("the credentials file %1 is not a regular file").arg(m_path));
    if (st.st_uid != ::geteuid())
        return Core::makeError(
            QStringLiteral("insecure_credentials_file"),
            QStringLiteral("the credentials file %1 belongs to another user (uid %2): it is not "
                           "used. Remove it or give another file with --credentials-file")
                .arg(m_path)
                .arg(st.st_uid));
    if ((st.st_mode & 077) != 0)
        return Core::makeError(
            QStringLiteral("insecure_credentials_file"),
            QStringLiteral("the credentials file %1 can be read or written by other users (mode "
                           "%2), so the client secrets in it may have leaked: it is not used. "
                           "Restrict it with 'chmod 600 %1', or remove it to register anew")
                .arg(m_path)
                .arg(st.st_mode & 0777, 4, 8, QLatin1Char('0')));
#endif
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return ioError(QStringLiteral("cannot read the credentials file %1: %2")
                           .arg(m_path, file.errorString()));
    if (file.size() > kMaxFileSize)
        return ioError(QStringLiteral("the credentials file %1 is larger than %2 bytes: it is "
                                      "not a credentials file of ours; it is left as is")
                           .arg(m_path)
                           .arg(kMaxFileSize));
    const QByteArray content = file.readAll();
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(content, &error);
    const QString corrupt =
        QStringLiteral("the credentials file %1 is damaged (%2); it is left as is: move it "
                       "away or remove it to register anew");
    if (error.error != QJsonParseError::NoError)
        return ioError(corrupt.arg(m_path, error.errorString()));
    const QJsonObject root = document.object();
    if (!document.isObject() || root.value(QStringLiteral("format")).toString() != kFormat ||
        !root.value(QStringLiteral("entries")).isObject())
        return ioError(corrupt.arg(m_path, QStringLiteral("not a %1 document").arg(kFormat)));
    const QJsonObject stored = root.value(QStringLiteral("entries")).toObject();
    for (auto it = stored.begin(); it != stored.end(); ++it) {
        if (!it.value().isObject())
            return ioError(corrupt.arg(m_path, QStringLiteral("an entry is not an object")));
        entries.insert(it.key(), it.value().toObject());
    }
    return entries;
}

Core::Status FileCredentialStore::write(const QMap<QString, QJsonObject> &entries) const
{
    const QFileInfo info(m_path);
    QDir dir = info.absoluteDir();
    if (!dir.exists()) {
        if (!dir.mkpath(QStringLiteral(".")))
            return ioError(QStringLiteral("cannot create the folder %1").arg(dir.path()));
        QFile::setPermissions(dir.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                              QFileDevice::ExeOwner);
    }
    QJsonObject stored;
    for (auto it = entries.begin(); it != entries.end(); ++it)
        stored.insert(it.key(), it.value());
    const QJsonObject root{{QStringLiteral("format"), kFormat},
                           {QStringLiteral("version"), 1},
                           {QStringLiteral("entries"), stored}};
    QSaveFile file(m_path);
    // The permissions are set before anything is written: the temporary file never holds
    // a secret while others can read it, and the rename keeps its mode.
    if (!file.open(QIODevice::WriteOnly) ||
        !file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner))
        return ioError(QStringLiteral("cannot write the credentials file %1: %2")
                           .arg(m_path, file.errorString()));
    if (file.write(QJsonDocument(root).toJson(QJsonDocument::Indented)) < 0 || !file.commit())
        return ioError(QStringLiteral("cannot write the credentials file %1: %2")
                           .arg(m_path, file.errorString()));
    return {};
}

void FileCredentialStore::load(const QString &key, QObject *context, LoadDone done)
{
    auto entries = read();
    Core::Result<std::optional<QJsonObject>> result =
        entries ? Core::Result<std::optional<QJsonObject>>(
                      entries->contains(key) ? std::optional(entries->value(key)) : std::nullopt)
                : Core::Result<std::optional<QJsonObject>>(entries.error());
    deliver(context, [done = std::move(done), result = std::move(result)] { done(result); });
}

void FileCredentialStore::save(const QString &key, const QJsonObject &value, QObject *context,
                               Done done)
{
    auto entries = read();
    Core::Status status = entries ? Core::Status() : Core::Status(entries.error());
    if (entries) {
        entries->insert(key, value);
        status = write(*entries);
    }
    deliver(context, [done = std::move(done), status] { done(status); });
}

void FileCredentialStore::remove(const QString &key, QObject *context, Done done)
{
    auto entries = read();
    Core::Status status = entries ? Core::Status() : Core::Status(entries.error());
    if (entries && entries->remove(key) > 0)
        status = write(*entries);
    deliver(context, [done = std::move(done), status] { done(status); });
}

void FileCredentialStore::list(QObject *context, ListDone done)
{
    auto entries = read();
    deliver(context, [done = std::move(done), entries = std::move(entries)] { done(entries); });
}

// --- KeychainCredentialStore -----------------------------------------------------------------

KeychainCredentialStore::KeychainCredentialStore(QString service, QObject *parent)
    : CredentialStore(parent)
    , m_service(std::move(service))
{}

KeychainCredentialStore::~KeychainCredentialStore() = default;

bool KeychainCredentialStore::isCompiledIn()
{
#ifdef MCPAUTH_HAVE_QTKEYCHAIN
    return true;
#else
    return false;
#endif
}

QString KeychainCredentialStore::backendName() const
{
    return QStringLiteral("keychain");
}

QString KeychainCredentialStore::description() const
{
    return QStringLiteral("the OS keychain (service \"%1\")").arg(m_service);
}

namespace {

#ifdef MCPAUTH_HAVE_QTKEYCHAIN
Core::Status jobStatus(const QKeychain::Job &job)
{
    if (job.error() == QKeychain::NoError)
        return {};
    return Core::makeError(QStringLiteral("keychain_error"),
                           QStringLiteral("the OS keychain: ") + job.errorString());
}
#else

Core::Error noKeychain()
{
    return Core::makeError(QStringLiteral("keychain_unavailable"),
                           QStringLiteral("this build has no OS keychain support (qtkeychain)"));
}
#endif

} // namespace

void KeychainCredentialStore::readItem(const QString &key, BytesDone done)
{
#ifdef MCPAUTH_HAVE_QTKEYCHAIN
    auto *job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this,
            [done = std::move(done)](QKeychain::Job *finished) {
                auto *read = static_cast<QKeychain::ReadPasswordJob *>(finished);
                if (read->error() == QKeychain::EntryNotFound)
                    return done(std::optional<QByteArray>());
                if (const Core::Status status = jobStatus(*read); !status)
                    return done(status.error());
                done(std::optional(read->binaryData()));
            });
    job->start();
#else
    Q_UNUSED(key)
    QTimer::singleShot(0, this, [done = std::move(done)] { done(noKeychain()); });
#endif
}

void KeychainCredentialStore::writeItem(const QString &key, const QByteArray &data, Done done)
{
#ifdef MCPAUTH_HAVE_QTKEYCHAIN
    auto *job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setBinaryData(data);
    connect(job, &QKeychain::Job::finished, this,
            [done = std::move(done)](QKeychain::Job *finished) { done(jobStatus(*finished)); });
    job->start();
#else
    Q_UNUSED(key)
    Q_UNUSED(data)
    QTimer::singleShot(0, this, [done = std::move(done)] { done(noKeychain()); });
#endif
}

void KeychainCredentialStore::deleteItem(const QString &key, Done done)
{
#ifdef MCPAUTH_HAVE_QTKEYCHAIN
    auto *job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    connect(job, &QKeychain::Job::finished, this,
            [done = std::move(done)](QKeychain::Job *finished) {
                done(finished->error() == QKeychain::EntryNotFound ? Core::Status()
                                                                   : jobStatus(*finished));
            });
    job->start();
#else
    Q_UNUSED(key)
    QTimer::singleShot(0, this, [done = std::move(done)] { done(noKeychain()); });
#endif
}

void KeychainCredentialStore::probe(QObject *context, Done done, std::chrono::milliseconds timeout)
{
    auto answered = std::make_shared<bool>(false);
    auto finish = [context = QPointer<QObject>(context), answered,
                   done = std::move(done)](Core::Status status) {
        if (*answered)
            return;
        *answered = true;
        deliver(context, [done, status] { done(status); });
    };
    QTimer::singleShot(timeout, this, [finish, timeout] {
        finish(Core::makeError(
            QStringLiteral("keychain_unavailable"),
            QStringLiteral("the OS keychain did not answer within %1 ms").arg(timeout.count())));
    });
    readItem(kIndexKey, [finish](const Core::Result<std::optional<QByteArray>> &result) {
        finish(result ? Core::Status() : Core::Status(result.error()));
    });
}

void KeychainCredentialStore::updateIndex(const QString &key, bool present, Done done)
{
    readItem(kIndexKey, [this, key, present, done = std::move(done)](
                            const Core::Result<std::optional<QByteArray>> &index) {
        if (!index)
            return done(index.error());
        QStringList keys = index->has_value() ? stringList(QJsonDocument::fromJson(**index).array())
                                              : QStringList();
        if (keys.contains(key) == present)
            return done({});
        if (present)
            keys.append(key);
        else
            keys.removeAll(key);
        writeItem(kIndexKey,
                  QJsonDocument(QJsonArray::fromStringList(keys)).toJson(QJsonDocument::Compact),
                  done);
    });
}

void KeychainCredentialStore::load(const QString &key, QObject *context, LoadDone done)
{
    readItem(key, [context = QPointer<QObject>(context),
                   done = std::move(done)](const Core::Result<std::optional<QByteArray>> &item) {
        Core::Result<std::optional<QJsonObject>> result = std::optional<QJsonObject>();
        if (!item) {
            result = item.error();
        } else if (item->has_value()) {
            const QJsonDocument document = QJsonDocument::fromJson(**item);
            if (document.isObject())
                result = std::optional(document.object());
            else
                result = Core::makeError(QStringLiteral("keychain_error"),
                                         QStringLiteral("the OS keychain holds a damaged entry "
                                                        "for this client; remove it with "
                                                        "'mcpauth flow-credentials remove'"));
        }
        deliver(context, [done, result] { done(result); });
    });
}

void KeychainCredentialStore::save(const QString &key, const QJsonObject &value, QObject *context,
                                   Done done)
{
    writeItem(key, QJsonDocument(value).toJson(QJsonDocument::Compact),
              [this, key, context = QPointer<QObject>(context),
               done = std::move(done)](const Core::Status &written) {
                  if (!written)
                      return deliver(context, [done, written] { done(written); });
                  updateIndex(key, true, [context, done](const Core::Status &status) {
                      deliver(context, [done, status] { done(status); });
                  });
              });
}

void KeychainCredentialStore::remove(const QString &key, QObject *context, Done done)
{
    deleteItem(key, [this, key, context = QPointer<QObject>(context),
                     done = std::move(done)](const Core::Status &deleted) {
        if (!deleted)
            return deliver(context, [done, deleted] { done(deleted); });
        updateIndex(key, false, [context, done](const Core::Status &status) {
            deliver(context, [done, status] { done(status); });
        });
    });
}

void KeychainCredentialStore::list(QObject *context, ListDone done)
{
    readItem(kIndexKey, [this, context = QPointer<QObject>(context), done = std::move(done)](
                            const Core::Result<std::optional<QByteArray>> &index) {
        if (!index)
            return deliver(context, [done, error = index.error()] { done(error); });
        const QStringList keys = index->has_value()
                                     ? stringList(QJsonDocument::fromJson(**index).array())
                                     : QStringList();
        auto entries = std::make_shared<QMap<QString, QJsonObject>>();
        auto remaining = std::make_shared<qsizetype>(keys.size());
        if (keys.isEmpty())
            return deliver(context, [done] { done(QMap<QString, QJsonObject>()); });
        for (const QString &key : keys)
            load(key, this,
                 [key, entries, remaining, context,
                  done](const Core::Result<std::optional<QJsonObject>> &entry) {
                     if (entry && entry->has_value())
                         entries->insert(key, **entry);
                     if (--*remaining == 0)
                         deliver(context, [done, entries] { done(*entries); });
                 });
    });
}

// --- FallbackCredentialStore -----------------------------------------------------------------

FallbackCredentialStore::FallbackCredentialStore(std::unique_ptr<CredentialStore> preferred,
                                                 Probe probe,
                                                 std::unique_ptr<CredentialStore> fallback,
                                                 QObject *parent)
    : CredentialStore(parent)
    , m_preferred(std::move(preferred))
    , m_probe(std::move(probe))
    , m_fallback(std::move(fallback))
{}

FallbackCredentialStore::~FallbackCredentialStore() = default;

std::unique_ptr<FallbackCredentialStore>
FallbackCredentialStore::keychainOrFile(const QString &path)
{
    auto keychain = std::make_unique<KeychainCredentialStore>();
    KeychainCredentialStore *raw = keychain.get();
    return std::make_unique<FallbackCredentialStore>(
        std::move(keychain), [raw](QObject *context, Done done) { raw->probe(context, done); },
        std::make_unique<FileCredentialStore>(path));
}

QString FallbackCredentialStore::backendName() const
{
    return m_chosen ? m_chosen->backendName() : m_preferred->backendName();
}

QString FallbackCredentialStore::description() const
{
    return m_chosen
               ? m_chosen->description()
               : m_preferred->description() + QStringLiteral(", else ") + m_fallback->description();
}

void FallbackCredentialStore::whenChosen(std::function<void()> operation)
{
    if (m_chosen)
        return operation();
    m_waiting.append(std::move(operation));
    if (m_probing)
        return;
    m_probing = true;
    m_probe(this, [this](const Core::Status &usable) {
        m_probing = false;
        if (usable) {
            m_chosen = m_preferred.get();
        } else {
            m_chosen = m_fallback.get();
            m_notice = QStringLiteral("%1 is not available (%2); client credentials are kept in "
                                      "%3 instead")
                           .arg(m_preferred->description(), usable.error().message,
                                m_fallback->description());
        }
        const auto waiting = std::exchange(m_waiting, {});
        for (const auto &operation : waiting)
            operation();
    });
}

void FallbackCredentialStore::load(const QString &key, QObject *context, LoadDone done)
{
    whenChosen([this, key, context = QPointer<QObject>(context), done = std::move(done)] {
        if (context)
            m_chosen->load(key, context, done);
    });
}

void FallbackCredentialStore::save(const QString &key, const QJsonObject &value, QObject *context,
                                   Done done)
{
    whenChosen([this, key, value, context = QPointer<QObject>(context), done = std::move(done)] {
        if (context)
            m_chosen->save(key, value, context, done);
    });
}

void FallbackCredentialStore::remove(const QString &key, QObject *context, Done done)
{
    whenChosen([this, key, context = QPointer<QObject>(context), done = std::move(done)] {
        if (context)
            m_chosen->remove(key, context, done);
    });
}

void FallbackCredentialStore::list(QObject *context, ListDone done)
{
    whenChosen([this, context = QPointer<QObject>(context), done = std::move(done)] {
        if (context)
            m_chosen->list(context, done);
    });
}

// --- keys and records ------------------------------------------------------------------------

QString ClientKey::toString() const
{
    QStringList sorted = grants;
    sorted.sort();
    return QString::fromUtf8(
        QJsonDocument(QJsonArray{QStringLiteral("client"), issuer, registration, redirectShape,
                                 software, sorted.join(QLatin1Char(' '))})
            .toJson(QJsonDocument::Compact));
}

std::optional<ClientKey> ClientKey::parse(const QString &key)
{
    const QJsonArray parts = QJsonDocument::fromJson(key.toUtf8()).array();
    if (parts.size() != 6 || parts.at(0).toString() != QLatin1String("client"))
        return std::nullopt;
    ClientKey out;
    out.issuer = parts.at(1).toString();
    out.registration = parts.at(2).toString();
    out.redirectShape = parts.at(3).toString();
    out.software = parts.at(4).toString();
    out.grants = parts.at(5).toString().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    return out;
}

QString serverKey(const QString &serverUrl)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray{QStringLiteral("server"), serverUrl})
                                 .toJson(QJsonDocument::Compact));
}

std::optional<QString> parseServerKey(const QString &key)
{
    const QJsonArray parts = QJsonDocument::fromJson(key.toUtf8()).array();
    if (parts.size() != 2 || parts.at(0).toString() != QLatin1String("server"))
        return std::nullopt;
    return parts.at(1).toString();
}

QString redirectShape(const QString &redirectUri)
{
    QUrl url(redirectUri);
    url.setPort(-1);
    return url.toString();
}

bool StoredClient::secretExpired(const QDateTime &now) const
{
    return !clientSecret.isEmpty() && secretExpiresAt.isValid() && now >= secretExpiresAt;
}

Core::Result<StoredClient> StoredClient::fromRegistrationResponse(const QJsonObject &response,
                                                                  const QString &endpoint,
                                                                  const QDateTime &now)
{
    StoredClient out;
    out.clientId = response.value(QStringLiteral("client_id")).toString();
    if (out.clientId.isEmpty())
        return Core::makeError(QStringLiteral("invalid_client_metadata"),
                               QStringLiteral("the registration response has no client_id"));
    out.clientSecret = response.value(QStringLiteral("client_secret")).toString();
    out.registrationAccessToken =
        response.value(QStringLiteral("registration_access_token")).toString();
    out.registrationClientUri =
        response.value(QStringLiteral("registration_client_uri")).toString();
    out.tokenEndpointAuthMethod =
        response.value(QStringLiteral("token_endpoint_auth_method")).toString();
    out.redirectUris = stringList(response.value(QStringLiteral("redirect_uris")));
    out.grantTypes = stringList(response.value(QStringLiteral("grant_types")));
    const qint64 issued = response.value(QStringLiteral("client_id_issued_at")).toInteger();
    out.issuedAt = issued > 0 ? QDateTime::fromSecsSinceEpoch(issued, Qt::UTC) : now.toUTC();
    const qint64 expires = response.value(QStringLiteral("client_secret_expires_at")).toInteger();
    if (expires > 0)
        out.secretExpiresAt = QDateTime::fromSecsSinceEpoch(expires, Qt::UTC);
    out.registrationEndpoint = endpoint;
    return out;
}

QJsonObject StoredClient::toJson() const
{
    QJsonObject out{
        {QStringLiteral("client_id"), clientId},
        {QStringLiteral("redirect_uris"), QJsonArray::fromStringList(redirectUris)},
        {QStringLiteral("grant_types"), QJsonArray::fromStringList(grantTypes)},
        {QStringLiteral("issued_at"), issuedAt.toUTC().toString(Qt::ISODate)},
        {QStringLiteral("registration_endpoint"), registrationEndpoint},
    };
    const auto put = [&out](const char *name, const QString &value) {
        if (!value.isEmpty())
            out.insert(QLatin1String(name), value);
    };
    put("client_secret", clientSecret);
    put("registration_access_token", registrationAccessToken);
    put("registration_client_uri", registrationClientUri);
    put("token_endpoint_auth_method", tokenEndpointAuthMethod);
    if (secretExpiresAt.isValid())
        out.insert(QStringLiteral("client_secret_expires_at"),
                   secretExpiresAt.toUTC().toString(Qt::ISODate));
    return out;
}

Core::Result<StoredClient> StoredClient::fromJson(const QJsonObject &object)
{
    StoredClient out;
    out.clientId = object.value(QStringLiteral("client_id")).toString();
    if (out.clientId.isEmpty())
        return Core::makeError(QStringLiteral("invalid_request"),
                               QStringLiteral("a stored client has no client_id"));
    out.clientSecret = object.value(QStringLiteral("client_secret")).toString();
    out.registrationAccessToken =
        object.value(QStringLiteral("registration_access_token")).toString();
    out.registrationClientUri = object.value(QStringLiteral("registration_client_uri")).toString();
    out.tokenEndpointAuthMethod =
        object.value(QStringLiteral("token_endpoint_auth_method")).toString();
    out.redirectUris = stringList(object.value(QStringLiteral("redirect_uris")));
    out.grantTypes = stringList(object.value(QStringLiteral("grant_types")));
    out.issuedAt =
        QDateTime::fromString(object.value(QStringLiteral("issued_at")).toString(), Qt::ISODate);
    if (const QString expires = object.value(QStringLiteral("client_secret_expires_at")).toString();
        !expires.isEmpty()) {
        out.secretExpiresAt = QDateTime::fromString(expires, Qt::ISODate);
        if (!out.secretExpiresAt.isValid())
            return Core::makeError(QStringLiteral("invalid_request"),
                                   QStringLiteral("a stored client has an unreadable "
                                                  "client_secret_expires_at"));
    }
    out.registrationEndpoint = object.value(QStringLiteral("registration_endpoint")).toString();
    return out;
}

} // namespace Flow
