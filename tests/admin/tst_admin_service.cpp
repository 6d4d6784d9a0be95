// Admin::Service over both store engines: clients, users, tokens, keys and the audit log.

#include <atomic>

#include <QJsonDocument>
#include <QtTest>

#include "admin/service.h"
#include "authserver/authorizationserver.h"
#include "authserver/passwords.h"
#include "store/auditrepository.h"
#include "store/clientrepository.h"
#include "store/database.h"
#include "store/errors.h"
#include "store/settingsrepository.h"
#include "store/tokenrepository.h"
#include "store/userrepository.h"
#include "storebackends.h"

namespace {

constexpr qint64 kStart = 1735689600000; // 2025-01-01T00:00:00Z
constexpr qint64 kHour = 3600 * 1000;

} // namespace

class TestAdminService final : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<Store::Database> freshDatabase()
    {
        QFETCH_GLOBAL(QString, backend);
        Store::OpenOptions options;
        options.clock = [this] { return m_now.load(); };
        auto db = m_backends.freshDatabase(backend, options);
        if (!db) {
            qWarning("%s", qPrintable(db.error().toString()));
            return {};
        }
        return *db;
    }

    /// One database per backend and `purpose`, kept for the whole run: the rows of a
    /// data-driven test share it (they leave it as they found it, or only read it).
    std::shared_ptr<Store::Database> sharedDatabase(const QString &purpose, bool *created = nullptr)
    {
        QFETCH_GLOBAL(QString, backend);
        const QString key = backend + QLatin1Char('/') + purpose;
        if (created)
            *created = !m_shared.contains(key);
        if (!m_shared.contains(key))
            m_shared.insert(key, freshDatabase());
        return m_shared.value(key);
    }

    static qint64 countClients(const std::shared_ptr<Store::Database> &db)
    {
        return Store::ClientRepository(db).count().valueOr(-1);
    }

    static QList<Store::AuditEvent> events(const std::shared_ptr<Store::Database> &db,
                                           const QString &type)
    {
        Store::AuditFilter filter;
        filter.type = type;
        return Store::AuditRepository(db).list(filter).valueOr({});
    }

    /// A token row as the authorization server would store it.
    static qint64 addToken(const std::shared_ptr<Store::Database> &db, const QString &clientId,
                           const QString &subject, Store::TokenKind kind, const QString &scope,
                           const QString &resource, qint64 expiresAt, const QString &family)
    {
        static int serial = 0;
        Store::Token token;
        // Unique per process run, so both backends' rows never share a hash.
        token.token = Store::SecretHash::fromSecret(QByteArray(
            QByteArrayLiteral("mat_test_") + QByteArray::number(++serial) + QByteArrayLiteral("_") +
            QByteArray::number(QDateTime::currentMSecsSinceEpoch())));
        token.kind = kind;
        token.clientId = clientId;
        token.subject = subject;
        token.scope = scope;
        token.resource = resource;
        token.expiresAt = expiresAt;
        token.familyId = family;
        auto inserted = Store::TokenRepository(db).insert(token);
        if (!inserted) {
            qWarning("%s", qPrintable(inserted.error().toString()));
            return 0;
        }
        return inserted->id;
    }

    static Admin::NewClient publicClient(const QString &id)
    {
        Admin::NewClient c;
        c.clientId = id;
        c.name = QStringLiteral("Public ") + id;
        c.authMethod = QStringLiteral("none");
        c.redirectUris = {QStringLiteral("http://127.0.0.1/callback")};
        c.grantTypes = {QStringLiteral("authorization_code"), QStringLiteral("refresh_token")};
        return c;
    }

    /// The rows tokenFilters_data() counts: app-a has 4 tokens (alice 3 of which one
    /// expired, bob 1 revoked), app-b 2 (carol, one family).
    static bool addFilterRows(const std::shared_ptr<Store::Database> &db)
    {
        Admin::Service admin(db);
        if (!admin.addClient(publicClient(QStringLiteral("app-a"))).ok() ||
            !admin.addClient(publicClient(QStringLiteral("app-b"))).ok())
            return false;
        const QString mcp = QStringLiteral("https://mcp.example/");
        const QString other = QStringLiteral("https://other.example/");
        const QString read = QStringLiteral("tasks:read");
        const QString readWrite = QStringLiteral("tasks:read tasks:write");
        const auto access = Store::TokenKind::Access;
        const auto refresh = Store::TokenKind::Refresh;
        const QString a = QStringLiteral("app-a");
        const QString b = QStringLiteral("app-b");
        const qint64 bobs =
            addToken(db, a, QStringLiteral("bob"), access, read, mcp, kStart + kHour, {});
        return bobs && Store::TokenRepository(db).revoke(bobs, QStringLiteral("test")).ok() &&
               addToken(db, a, QStringLiteral("alice"), access, readWrite, mcp, kStart + kHour,
                        QStringLiteral("f1")) &&
               addToken(db, a, QStringLiteral("alice"), refresh, readWrite, mcp,
                        kStart + 24 * kHour, QStringLiteral("f1")) &&
               addToken(db, a, QStringLiteral("alice"), access, read, mcp, kStart - 1, {}) &&
               addToken(db, b, QStringLiteral("carol"), access, read, other, kStart + kHour,
                        QStringLiteral("f2")) &&
               addToken(db, b, QStringLiteral("carol"), refresh, read, mcp, kStart + 24 * kHour,
                        QStringLiteral("f2"));
    }

    TestSupport::StoreBackends m_backends;
    QHash<QString, std::shared_ptr<Store::Database>> m_shared;
    std::atomic<qint64> m_now{kStart};

private slots:
    void initTestCase_data() { TestSupport::StoreBackends::addBackendRows(); }
    void initTestCase()
    {
        const auto started = m_backends.start();
        QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
    }
    void init() { m_now = kStart; }
    void cleanupTestCase()
    {
        m_shared.clear();
        m_backends.stop();
    }

    void clientsLifecycle()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        Admin::Service admin(db);

        auto pub = admin.addClient(publicClient(QStringLiteral("cli-public")));
        QVERIFY2(pub.ok(), qPrintable(pub.ok() ? QString() : pub.error().toString()));
        QVERIFY(pub->secret.isEmpty());
        QCOMPARE(pub->client.authMethod, QStringLiteral("none"));
        QCOMPARE(pub->client.source, QStringLiteral("static"));
        QCOMPARE(pub->client.responseTypes, QStringList{QStringLiteral("code")});

        Admin::NewClient confidential;
        confidential.name = QStringLiteral("Backend job");
        confidential.authMethod = QStringLiteral("client_secret_post");
        confidential.grantTypes = {QStringLiteral("client_credentials")};
        confidential.scope = QStringLiteral("tasks:read tasks:write");
        auto conf = admin.addClient(confidential);
        QVERIFY2(conf.ok(), qPrintable(conf.ok() ? QString() : conf.error().toString()));
        QVERIFY(conf->client.clientId.startsWith(QStringLiteral("mcp_")));
        QCOMPARE(conf->client.clientId.size(), 4 + 22);
        QVERIFY(conf->secret.startsWith(QStringLiteral("mcs_")));
        QCOMPARE(conf->secret.size(), 4 + 43);
        // Stored only as its hash; shown only as a display prefix.
        auto stored = Store::ClientRepository(db).get(conf->client.clientId);
        QVERIFY(stored.ok());
        QVERIFY(stored->secret.has_value());
        QCOMPARE(*stored->secret, Store::SecretHash::fromSecret(conf->secret.toLatin1()));
        QVERIFY(!conf->client.secret.isEmpty());
        QVERIFY(!conf->client.secret.contains(conf->secret));
        const QByteArray shown =
            QJsonDocument(conf->client.toJson()).toJson() +
            QJsonDocument(admin.showClient(conf->client.clientId)->toJson()).toJson();
        QVERIFY(!shown.contains(conf->secret.toLatin1()));
        QVERIFY(QJsonDocument(conf->toJson()).toJson().contains(conf->secret.toLatin1()));

        auto list = admin.listClients();
        QVERIFY(list.ok());
        QCOMPARE(list->size(), 2);

        // Duplicate id.
        auto again = admin.addClient(publicClient(QStringLiteral("cli-public")));
        QVERIFY(!again.ok());
        QCOMPARE(again.error().code, Store::ErrorCode::AlreadyExists);

        // Show counts active tokens; remove takes the tokens with it.
        QVERIFY(addToken(db, QStringLiteral("cli-public"), QStringLiteral("alice"),
                         Store::TokenKind::Access, QStringLiteral("tasks:read"),
                         QStringLiteral("https://mcp.example/"), kStart + kHour, {}));
        QVERIFY(addToken(db, QStringLiteral("cli-public"), QStringLiteral("alice"),
                         Store::TokenKind::Access, QStringLiteral("tasks:read"),
                         QStringLiteral("https://mcp.example/"), kStart - 1, {}));
        auto shownClient = admin.showClient(QStringLiteral("cli-public"));
        QVERIFY(shownClient.ok());
        QCOMPARE(shownClient->activeTokens, 1);
        auto removed = admin.removeClient(QStringLiteral("cli-public"));
        QVERIFY(removed.ok());
        QCOMPARE(removed->tokensRemoved, 2);
        QCOMPARE(Store::TokenRepository(db).count({}).valueOr(-1), 0);
        auto gone = admin.showClient(QStringLiteral("cli-public"));
        QVERIFY(!gone.ok());
        QCOMPARE(gone.error().code, Store::ErrorCode::NotFound);
        auto removeAgain = admin.removeClient(QStringLiteral("cli-public"));
        QVERIFY(!removeAgain.ok());
        QCOMPARE(removeAgain.error().code, Store::ErrorCode::NotFound);

        const auto registered = events(db, QStringLiteral("client.registered"));
        QCOMPARE(registered.size(), 2);
        for (const Store::AuditEvent &e : registered) {
            QCOMPARE(e.actor, QStringLiteral("operator"));
            QVERIFY(!QJsonDocument(e.detail).toJson().contains(conf->secret.toLatin1()));
        }
        QCOMPARE(events(db, QStringLiteral("client.removed")).size(), 1);
    }

    void addClientRefused_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("code");
        const QString badUri = QStringLiteral("invalid_redirect_uri");
        const QString badMeta = QStringLiteral("invalid_client_metadata");
        const QString badArg = QStringLiteral("invalid_argument");
        QTest::newRow("javascript uri") << "redirect"
                                        << "javascript:alert(1)" << badUri;
        QTest::newRow("data uri") << "redirect"
                                  << "data:text/html,hi" << badUri;
        QTest::newRow("http not loopback") << "redirect"
                                           << "http://example.com/cb" << badUri;
        QTest::newRow("fragment") << "redirect"
                                  << "https://app.example/cb#frag" << badUri;
        QTest::newRow("relative") << "redirect"
                                  << "/callback" << badUri;
        QTest::newRow("userinfo") << "redirect"
                                  << "https://user:pw@app.example/cb" << badUri;
        QTest::newRow("private scheme on web") << "redirect"
                                               << "com.example.app:/cb" << badUri;
        QTest::newRow("no redirect for code") << "redirect"
                                              << "" << badUri;
        QTest::newRow("id with space") << "id"
                                       << "my client" << badArg;
        QTest::newRow("id is a url") << "id"
                                     << "https://app.example/client.json" << badArg;
        QTest::newRow("id too long") << "id" << QString(129, QLatin1Char('a')) << badArg;
        QTest::newRow("unknown auth method") << "method"
                                             << "client_secret_jwt" << badMeta;
        QTest::newRow("password grant") << "grant"
                                        << "password" << badMeta;
        QTest::newRow("implicit grant") << "grant"
                                        << "implicit" << badMeta;
        QTest::newRow("unknown grant") << "grant"
                                       << "urn:example:magic" << badMeta;
        QTest::newRow("client_credentials public") << "cc-public"
                                                   << "" << badMeta;
        QTest::newRow("private_key_jwt no keys") << "method"
                                                 << "private_key_jwt" << badMeta;
        QTest::newRow("jwks not json") << "jwks"
                                       << "{not json" << badMeta;
        QTest::newRow("jwks empty set") << "jwks"
                                        << R"({"keys":[]})" << badMeta;
        QTest::newRow("jwks_uri http") << "jwks-uri"
                                       << "http://keys.example/jwks" << badMeta;
        QTest::newRow("unsupported scope") << "scope"
                                           << "admin:all" << badMeta;
        QTest::newRow("bad scope chars") << "scope"
                                         << "tasks:read \"x\"" << badMeta;
        QTest::newRow("bad application type") << "app-type"
                                              << "desktop" << badMeta;
    }

    void addClientRefused()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, code);
        auto db = sharedDatabase(QStringLiteral("refused clients"));
        QVERIFY(db);
        Admin::Service admin(db);
        Admin::NewClient c = publicClient(QStringLiteral("refused"));
        if (field == QLatin1String("redirect"))
            c.redirectUris = value.isEmpty() ? QStringList{} : QStringList{value};
        else if (field == QLatin1String("id"))
            c.clientId = value;
        else if (field == QLatin1String("method"))
            c.authMethod = value;
        else if (field == QLatin1String("grant"))
            c.grantTypes = {value};
        else if (field == QLatin1String("cc-public"))
            c.grantTypes = {QStringLiteral("client_credentials")};
        else if (field == QLatin1String("jwks"))
            c.jwks = value;
        else if (field == QLatin1String("jwks-uri"))
            c.jwksUri = value;
        else if (field == QLatin1String("scope"))
            c.scope = value;
        else if (field == QLatin1String("app-type"))
            c.applicationType = value;
        const qint64 before = countClients(db);
        const qint64 auditBefore = Store::AuditRepository(db).tail(1000).valueOr({}).size();
        auto added = admin.addClient(c);
        QVERIFY(!added.ok());
        QCOMPARE(added.error().code, code);
        QVERIFY(!added.error().message.isEmpty());
        QCOMPARE(countClients(db), before);
        QCOMPARE(Store::AuditRepository(db).tail(1000).valueOr({}).size(), auditBefore);
    }

    void updateClient()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        Admin::Service admin(db);
        Admin::NewClient c = publicClient(QStringLiteral("editable"));
        c.authMethod = QStringLiteral("client_secret_basic");
        auto added = admin.addClient(c);
        QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().toString()));
        const QString firstSecret = added->secret;
        QVERIFY(addToken(db, QStringLiteral("editable"), QStringLiteral("alice"),
                         Store::TokenKind::Access, QStringLiteral("tasks:read"),
                         QStringLiteral("https://mcp.example/"), kStart + kHour, {}));

        // New redirect URIs and name; the secret and the tokens stay.
        c.name = QStringLiteral("Renamed");
        c.redirectUris = {QStringLiteral("https://app.example/cb"),
                          QStringLiteral("http://127.0.0.1:8080/cb")};
        auto updated = admin.updateClient(c);
        QVERIFY2(updated.ok(), qPrintable(updated.ok() ? QString() : updated.error().toString()));
        QVERIFY(updated->secret.isEmpty());
        QCOMPARE(updated->client.name, QStringLiteral("Renamed"));
        QCOMPARE(updated->client.redirectUris, c.redirectUris);
        QCOMPARE(updated->client.activeTokens, 1);
        auto stored = Store::ClientRepository(db).get(QStringLiteral("editable"));
        QVERIFY(stored.ok());
        QCOMPARE(*stored->secret, Store::SecretHash::fromSecret(firstSecret.toLatin1()));
        QCOMPARE(stored->createdAt, added->client.createdAt);

        // A new secret on request, shown once and stored as a hash.
        auto rotated = admin.updateClient(c, true);
        QVERIFY(rotated.ok());
        QVERIFY(rotated->secret.startsWith(QStringLiteral("mcs_")));
        QVERIFY(rotated->secret != firstSecret);
        stored = Store::ClientRepository(db).get(QStringLiteral("editable"));
        QCOMPARE(*stored->secret, Store::SecretHash::fromSecret(rotated->secret.toLatin1()));

        // Moving to a public client drops the secret.
        c.authMethod = QStringLiteral("none");
        auto publicNow = admin.updateClient(c);
        QVERIFY(publicNow.ok());
        QVERIFY(!Store::ClientRepository(db).get(QStringLiteral("editable"))->secret.has_value());

        const auto events = this->events(db, QStringLiteral("client.updated"));
        QCOMPARE(events.size(), 3);
        for (const Store::AuditEvent &e : events) {
            QCOMPARE(e.actor, QStringLiteral("operator"));
            QCOMPARE(e.clientId, QStringLiteral("editable"));
            QVERIFY(!QJsonDocument(e.detail).toJson().contains(rotated->secret.toLatin1()));
        }
    }

    void updateClientRefused_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("code");
        QTest::newRow("http not loopback") << "redirect"
                                           << "http://example.com/cb"
                                           << "invalid_redirect_uri";
        QTest::newRow("javascript uri") << "redirect"
                                        << "javascript:alert(1)"
                                        << "invalid_redirect_uri";
        QTest::newRow("password grant") << "grant"
                                        << "password"
                                        << "invalid_client_metadata";
        QTest::newRow("unsupported scope") << "scope"
                                           << "admin:all"
                                           << "invalid_client_metadata";
        QTest::newRow("jwks not json") << "jwks"
                                       << "{not json"
                                       << "invalid_client_metadata";
        QTest::newRow("unknown client") << "id"
                                        << "no-such-client"
                                        << "not_found";
        QTest::newRow("bad client id") << "id"
                                       << "bad id"
                                       << "invalid_argument";
    }

    void updateClientRefused()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, code);
        bool created = false;
        auto db = sharedDatabase(QStringLiteral("refused updates"), &created);
        QVERIFY(db);
        Admin::Service admin(db);
        if (created)
            QVERIFY(admin.addClient(publicClient(QStringLiteral("kept"))).ok());
        Admin::NewClient c = publicClient(QStringLiteral("kept"));
        if (field == QLatin1String("redirect"))
            c.redirectUris = {value};
        else if (field == QLatin1String("grant"))
            c.grantTypes = {value};
        else if (field == QLatin1String("scope"))
            c.scope = value;
        else if (field == QLatin1String("jwks"))
            c.jwks = value;
        else if (field == QLatin1String("id"))
            c.clientId = value;
        const qint64 auditBefore = Store::AuditRepository(db).tail(1000).valueOr({}).size();
        auto updated = admin.updateClient(c);
        QVERIFY(!updated.ok());
        QCOMPARE(updated.error().code, code);
        QVERIFY(!updated.error().message.isEmpty());
        // Nothing changed, nothing recorded.
        auto kept = admin.showClient(QStringLiteral("kept"));
        QVERIFY(kept.ok());
        QCOMPARE(kept->redirectUris, QStringList{QStringLiteral("http://127.0.0.1/callback")});
        QCOMPARE(Store::AuditRepository(db).tail(1000).valueOr({}).size(), auditBefore);
    }

    void nativeAndKeyedClients()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        Admin::Service admin(db);
        Admin::NewClient native = publicClient(QStringLiteral("native-app"));
        native.applicationType = QStringLiteral("native");
        native.redirectUris = {QStringLiteral("com.example.app:/oauth"),
                               QStringLiteral("http://[::1]/cb")};
        auto added = admin.addClient(native);
        QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().toString()));
        QCOMPARE(added->client.redirectUris.size(), 2);

        Admin::NewClient keyed;
        keyed.clientId = QStringLiteral("keyed");
        keyed.authMethod = QStringLiteral("private_key_jwt");
        keyed.grantTypes = {QStringLiteral("client_credentials")};
        keyed.jwksUri = QStringLiteral("https://keys.example/jwks.json");
        auto withKeys = admin.addClient(keyed);
        QVERIFY2(withKeys.ok(),
                 qPrintable(withKeys.ok() ? QString() : withKeys.error().toString()));
        QVERIFY(withKeys->secret.isEmpty());
        QCOMPARE(withKeys->client.jwksUri, keyed.jwksUri);
    }

    void users()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        Admin::Service admin(db);
        const QByteArray password = "correct horse battery";
        auto added = admin.addUser(QStringLiteral("alice"), password, QStringLiteral("Alice"));
        QVERIFY2(added.ok(), qPrintable(added.ok() ? QString() : added.error().toString()));
        QCOMPARE(added->displayName, QStringLiteral("Alice"));
        QVERIFY(!QJsonDocument(added->toJson()).toJson().contains(password));
        auto stored = Store::UserRepository(db).get(QStringLiteral("alice"));
        QVERIFY(stored.ok());
        QVERIFY(!stored->passwordHash.contains(QString::fromLatin1(password)));
        QVERIFY(Auth::Passwords::verify(password, stored->passwordHash));
        QVERIFY(!Auth::Passwords::verify("wrong password", stored->passwordHash));

        auto dup = admin.addUser(QStringLiteral("alice"), password);
        QVERIFY(!dup.ok());
        QCOMPARE(dup.error().code, Store::ErrorCode::AlreadyExists);
        QVERIFY(admin.addUser(QStringLiteral("bob"), "another password").ok());
        auto list = admin.listUsers();
        QVERIFY(list.ok());
        QCOMPARE(list->size(), 2);

        const QByteArray changed = "a new passphrase";
        QVERIFY(admin.setPassword(QStringLiteral("alice"), changed).ok());
        stored = Store::UserRepository(db).get(QStringLiteral("alice"));
        QVERIFY(Auth::Passwords::verify(changed, stored->passwordHash));
        QVERIFY(!Auth::Passwords::verify(password, stored->passwordHash));
        auto nobody = admin.setPassword(QStringLiteral("nobody"), changed);
        QVERIFY(!nobody.ok());
        QCOMPARE(nobody.error().code, Store::ErrorCode::NotFound);

        // The demo user's shown password stops being shown once an operator sets another.
        QVERIFY(admin.addUser(Auth::demoUsername(), "generated demo pw").ok());
        Store::SettingsRepository settings(db);
        QVERIFY(
            settings.setValue(Auth::demoPasswordSetting(), QStringLiteral("generated demo pw")));
        QVERIFY(admin.setPassword(Auth::demoUsername(), changed).ok());
        QCOMPARE(settings.value(Auth::demoPasswordSetting())->value_or(QStringLiteral("kept")),
                 QStringLiteral("kept"));
        QVERIFY(admin.removeUser(Auth::demoUsername()).ok());

        // Removing a user revokes what was issued to it.
        QVERIFY(admin.addClient(publicClient(QStringLiteral("app"))).ok());
        const qint64 aliceToken =
            addToken(db, QStringLiteral("app"), QStringLiteral("alice"), Store::TokenKind::Access,
                     QStringLiteral("tasks:read"), QStringLiteral("https://mcp.example/"),
                     kStart + kHour, {});
        const qint64 bobToken =
            addToken(db, QStringLiteral("app"), QStringLiteral("bob"), Store::TokenKind::Access,
                     QStringLiteral("tasks:read"), QStringLiteral("https://mcp.example/"),
                     kStart + kHour, {});
        auto removed = admin.removeUser(QStringLiteral("alice"));
        QVERIFY(removed.ok());
        QCOMPARE(removed->tokensRevoked, 1);
        QCOMPARE(admin.showToken(aliceToken)->state, Store::TokenState::Revoked);
        QCOMPARE(admin.showToken(bobToken)->state, Store::TokenState::Active);
        auto removeAgain = admin.removeUser(QStringLiteral("alice"));
        QVERIFY(!removeAgain.ok());
        QCOMPARE(removeAgain.error().code, Store::ErrorCode::NotFound);

        for (const char *type : {"user.created", "user.password_changed", "user.removed"}) {
            const auto found = events(db, QLatin1String(type));
            QVERIFY2(!found.isEmpty(), type);
            QCOMPARE(found.first().actor, QStringLiteral("operator"));
            QVERIFY(!QJsonDocument(found.first().detail).toJson().contains(password));
        }
    }

    void usersRefused_data()
    {
        QTest::addColumn<QString>("username");
        QTest::addColumn<QByteArray>("password");
        QTest::newRow("empty username") << "" << QByteArray("long enough password");
        QTest::newRow("space in username") << "al ice" << QByteArray("long enough password");
        QTest::newRow("tab in username") << "al\tice" << QByteArray("long enough password");
        QTest::newRow("username too long")
            << QString(65, QLatin1Char('u')) << QByteArray("long enough password");
        QTest::newRow("short password") << "carol" << QByteArray("short");
        QTest::newRow("empty password") << "carol" << QByteArray();
        QTest::newRow("newline in password") << "carol" << QByteArray("long enough\npassword");
        QTest::newRow("NUL in password") << "carol" << QByteArray("long enough\0password", 20);
        QTest::newRow("password too long") << "carol" << QByteArray(1025, 'p');
    }

    void usersRefused()
    {
        QFETCH(QString, username);
        QFETCH(QByteArray, password);
        auto db = sharedDatabase(QStringLiteral("refused users"));
        QVERIFY(db);
        Admin::Service admin(db);
        auto added = admin.addUser(username, password);
        QVERIFY(!added.ok());
        QCOMPARE(added.error().code, Store::ErrorCode::InvalidArgument);
        if (!password.isEmpty())
            QVERIFY(!added.error().message.contains(QString::fromLatin1(password)));
        QCOMPARE(Store::UserRepository(db).list().valueOr({}).size(), 0);
    }

    void tokenFilters_data()
    {
        QTest::addColumn<QString>("client");
        QTest::addColumn<QString>("subject");
        QTest::addColumn<QString>("scope");
        QTest::addColumn<QString>("resource");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("state");
        QTest::addColumn<int>("expected");
        // The rows of addFilterRows().
        QTest::newRow("all") << ""
                             << ""
                             << ""
                             << ""
                             << ""
                             << "" << 6;
        QTest::newRow("client") << "app-a"
                                << ""
                                << ""
                                << ""
                                << ""
                                << "" << 4;
        QTest::newRow("subject") << ""
                                 << "alice"
                                 << ""
                                 << ""
                                 << ""
                                 << "" << 3;
        QTest::newRow("client and subject") << "app-a"
                                            << "bob"
                                            << ""
                                            << ""
                                            << ""
                                            << "" << 1;
        QTest::newRow("scope word") << ""
                                    << ""
                                    << "tasks:write"
                                    << ""
                                    << ""
                                    << "" << 2;
        QTest::newRow("scope prefix is not a word") << ""
                                                    << ""
                                                    << "tasks"
                                                    << ""
                                                    << ""
                                                    << "" << 0;
        QTest::newRow("resource") << ""
                                  << ""
                                  << ""
                                  << "https://other.example/"
                                  << ""
                                  << "" << 1;
        QTest::newRow("refresh") << ""
                                 << ""
                                 << ""
                                 << ""
                                 << "refresh"
                                 << "" << 2;
        QTest::newRow("access") << ""
                                << ""
                                << ""
                                << ""
                                << "access"
                                << "" << 4;
        QTest::newRow("active") << ""
                                << ""
                                << ""
                                << ""
                                << ""
                                << "active" << 4;
        QTest::newRow("expired") << ""
                                 << ""
                                 << ""
                                 << ""
                                 << ""
                                 << "expired" << 1;
        QTest::newRow("revoked") << ""
                                 << ""
                                 << ""
                                 << ""
                                 << ""
                                 << "revoked" << 1;
        QTest::newRow("unknown client") << "nope"
                                        << ""
                                        << ""
                                        << ""
                                        << ""
                                        << "" << 0;
    }

    void tokenFilters()
    {
        QFETCH(QString, client);
        QFETCH(QString, subject);
        QFETCH(QString, scope);
        QFETCH(QString, resource);
        QFETCH(QString, kind);
        QFETCH(QString, state);
        QFETCH(int, expected);
        bool created = false;
        auto db = sharedDatabase(QStringLiteral("token filters"), &created);
        QVERIFY(db);
        Admin::Service admin(db);
        if (created)
            QVERIFY(addFilterRows(db));

        Store::TokenFilter filter;
        filter.clientId = client;
        filter.subject = subject;
        filter.scope = scope;
        filter.resource = resource;
        if (!kind.isEmpty())
            filter.kind = Store::tokenKindFromString(kind);
        if (!state.isEmpty())
            filter.state = Store::tokenStateFromString(state);
        auto page = admin.listTokens(filter);
        QVERIFY(page.ok());
        QCOMPARE(page->tokens.size(), expected);
        for (const Admin::TokenRecord &t : page->tokens) {
            if (!state.isEmpty())
                QCOMPARE(Store::tokenStateName(t.state), state);
            QVERIFY(t.display.contains(QStringLiteral("#")));
            const QJsonObject json = t.toJson();
            QCOMPARE(json.value(QStringLiteral("id")).toInteger(), t.id);
            QVERIFY(json.value(QStringLiteral("expires_at")).toString().endsWith(u'Z'));
        }

        // Paging: two at a time with afterId visits every matching token once.
        filter.limit = 2;
        QList<qint64> seen;
        for (int guard = 0; guard < 10; ++guard) {
            auto part = admin.listTokens(filter);
            QVERIFY(part.ok());
            for (const Admin::TokenRecord &t : part->tokens)
                seen.append(t.id);
            if (!part->nextAfterId)
                break;
            filter.afterId = part->nextAfterId;
        }
        QCOMPARE(seen.size(), expected);
        QVERIFY(std::is_sorted(seen.cbegin(), seen.cend()));
    }

    void revokeAndPurge()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        Admin::Service admin(db);
        QVERIFY(admin.addClient(publicClient(QStringLiteral("app-a"))).ok());
        QVERIFY(admin.addClient(publicClient(QStringLiteral("app-b"))).ok());
        const QString mcp = QStringLiteral("https://mcp.example/");
        const qint64 one = addToken(db, QStringLiteral("app-a"), QStringLiteral("alice"),
                                    Store::TokenKind::Access, {}, mcp, kStart + kHour, {});
        for (int i = 0; i < 3; ++i)
            QVERIFY(addToken(db, QStringLiteral("app-a"), QStringLiteral("bob"),
                             Store::TokenKind::Access, {}, mcp, kStart + kHour, {}));
        for (int i = 0; i < 2; ++i)
            QVERIFY(addToken(db, QStringLiteral("app-b"), QStringLiteral("carol"),
                             i ? Store::TokenKind::Refresh : Store::TokenKind::Access, {}, mcp,
                             kStart + kHour, QStringLiteral("fam")));
        QVERIFY(addToken(db, QStringLiteral("app-b"), QStringLiteral("dave"),
                         Store::TokenKind::Access, {}, mcp, kStart + kHour, {}));

        auto single = admin.revokeToken(one);
        QVERIFY(single.ok());
        QCOMPARE(single->revoked, 1);
        QCOMPARE(single->target, QStringLiteral("token"));
        QCOMPARE(admin.showToken(one)->revocationReason, QStringLiteral("operator"));
        QCOMPARE(admin.revokeToken(one)->revoked, 0); // already revoked: nothing new
        auto missing = admin.revokeToken(999999);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().code, Store::ErrorCode::NotFound);

        QCOMPARE(admin.revokeSubjectTokens(QStringLiteral("bob"))->revoked, 3);
        QCOMPARE(admin.revokeFamily(QStringLiteral("fam"))->revoked, 2);
        QCOMPARE(admin.revokeClientTokens(QStringLiteral("app-b"))->revoked, 1); // dave's
        QCOMPARE(admin.revokeClientTokens(QStringLiteral("app-a"))->revoked, 0);
        Store::TokenFilter active;
        active.state = Store::TokenState::Active;
        QCOMPARE(admin.listTokens(active)->tokens.size(), 0);

        const auto revokedEvents = events(db, QStringLiteral("token.revoked"));
        QCOMPARE(revokedEvents.size(), 6);
        for (const Store::AuditEvent &e : revokedEvents)
            QCOMPARE(e.actor, QStringLiteral("operator"));
        // The single token's event names its client and subject.
        QCOMPARE(revokedEvents.first().clientId, QStringLiteral("app-a"));
        QCOMPARE(revokedEvents.first().subject, QStringLiteral("alice"));

        // Purge: nothing has expired yet; then everything has, in batches of 3.
        QList<qint64> progress;
        auto none = admin.purgeExpiredTokens(3, [&](qint64 n) { progress.append(n); });
        QVERIFY(none.ok());
        QCOMPARE(none->purged, 0);
        QVERIFY(progress.isEmpty());
        m_now += 2 * kHour;
        auto all = admin.purgeExpiredTokens(3, [&](qint64 n) { progress.append(n); });
        QVERIFY(all.ok());
        QCOMPARE(all->purged, 7);
        QCOMPARE(progress, (QList<qint64>{3, 6, 7}));
        QCOMPARE(Store::TokenRepository(db).count({}).valueOr(-1), 0);
        QCOMPARE(events(db, QStringLiteral("token.purged")).size(), 2);
    }

    void keys()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        Auth::Config config;
        config.accessTokenLifetime = 600;
        config.clockSkew = 30;
        Admin::Service admin(db, config);
        auto empty = admin.listKeys();
        QVERIFY(empty.ok());
        QVERIFY(empty->isEmpty());

        auto first = admin.rotateKey();
        QVERIFY2(first.ok(), qPrintable(first.ok() ? QString() : first.error().toString()));
        QVERIFY(first->retiredKids.isEmpty());
        QCOMPARE(first->keys.size(), 1);
        QVERIFY(first->keys.first().current);

        m_now += 1000;
        auto second = admin.rotateKey();
        QVERIFY(second.ok());
        QCOMPARE(second->retiredKids, QStringList{first->kid});
        QVERIFY(second->kid != first->kid);

        auto keys = admin.listKeys();
        QVERIFY(keys.ok());
        QCOMPARE(keys->size(), 2);
        const Admin::KeyRecord &newest = keys->at(0);
        const Admin::KeyRecord &previous = keys->at(1);
        QCOMPARE(newest.kid, second->kid);
        QVERIFY(newest.current);
        QVERIFY(newest.published);
        QCOMPARE(newest.alg, QStringLiteral("ES256"));
        QCOMPARE(previous.kid, first->kid);
        QVERIFY(!previous.current);
        QVERIFY(previous.published); // tokens it signed are still valid
        QVERIFY(previous.retiredAt.has_value());
        QCOMPARE(previous.expiresAt.value_or(0), m_now.load() + (600 + 30) * 1000);

        m_now += (600 + 30) * 1000 + 1;
        keys = admin.listKeys();
        QVERIFY(keys.ok());
        QVERIFY(!keys->at(1).published);
        QVERIFY(keys->at(0).published);

        const auto rotated = events(db, QStringLiteral("key.rotated"));
        QCOMPARE(rotated.size(), 2);
        QCOMPARE(rotated.last().actor, QStringLiteral("operator"));
    }

    void auditTail()
    {
        auto db = freshDatabase();
        QVERIFY(db);
        Admin::Service admin(db);
        for (const char *id : {"c1", "c2", "c3"})
            QVERIFY(admin.addClient(publicClient(QLatin1String(id))).ok());
        QVERIFY(admin.addUser(QStringLiteral("alice"), "long enough password").ok());

        auto last2 = admin.auditTail(2, {});
        QVERIFY(last2.ok());
        QCOMPARE(last2->size(), 2);
        QCOMPARE(last2->at(0).clientId, QStringLiteral("c3"));
        QCOMPARE(last2->at(1).type, QStringLiteral("user.created"));
        QVERIFY(last2->at(0).id < last2->at(1).id);

        Store::AuditFilter byType;
        byType.type = QStringLiteral("client.registered");
        auto clients = admin.auditTail(10, byType);
        QVERIFY(clients.ok());
        QCOMPARE(clients->size(), 3);
        Store::AuditFilter byClient;
        byClient.clientId = QStringLiteral("c2");
        QCOMPARE(admin.auditTail(10, byClient)->size(), 1);
        Store::AuditFilter bySubject;
        bySubject.subject = QStringLiteral("alice");
        QCOMPARE(admin.auditTail(10, bySubject)->size(), 1);

        // Following: only what came after the last id seen.
        const qint64 lastId = last2->last().id;
        QVERIFY(admin.auditAfter(lastId, {})->isEmpty());
        QVERIFY(admin.removeClient(QStringLiteral("c1")).ok());
        auto next = admin.auditAfter(lastId, {});
        QVERIFY(next.ok());
        QCOMPARE(next->size(), 1);
        QCOMPARE(next->first().type, QStringLiteral("client.removed"));
        const QJsonObject json = Admin::auditEventToJson(next->first());
        QCOMPARE(json.value(QStringLiteral("actor")).toString(), QStringLiteral("operator"));
        QCOMPARE(json.value(QStringLiteral("client_id")).toString(), QStringLiteral("c1"));
    }
};

QTEST_GUILESS_MAIN(TestAdminService)
#include "tst_admin_service.moc"
