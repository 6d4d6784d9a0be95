// Clients, users and remembered consents on SQLite and PostgreSQL.
#include <QTest>

#include "store/clientrepository.h"
#include "store/errors.h"
#include "store/tokenrepository.h"
#include "store/userrepository.h"
#include "storetestcase.h"

using namespace Store;

class TestStoreClients final : public TestSupport::StoreTestCase
{
    Q_OBJECT

private slots:
    void clientRoundTrip();
    void clientErrors();
    void clientRemovalCascades();
    void usersAndPasswordHashes_data();
    void usersAndPasswordHashes();
    void userLifecycle();
    void consents();
};

void TestStoreClients::clientRoundTrip()
{
    auto db = freshDatabase();
    QVERIFY(db);
    ClientRepository repo(db);
    Client c;
    c.clientId = QStringLiteral("https://app.example/client.json");
    c.name = QStringLiteral("CIMD app");
    c.secret = SecretHash::fromSecret("cs_0123456789abcdef0123456789abcdef");
    c.authMethod = QStringLiteral("client_secret_basic");
    c.redirectUris = {QStringLiteral("https://app.example/cb"),
                      QStringLiteral("http://127.0.0.1/cb")};
    c.grantTypes = {QStringLiteral("authorization_code"), QStringLiteral("refresh_token")};
    c.responseTypes = {QStringLiteral("code")};
    c.scope = QStringLiteral("read write");
    c.jwksUri = QStringLiteral("https://app.example/jwks");
    c.applicationType = QStringLiteral("web");
    c.source = QStringLiteral("cimd");
    c.metadataUrl = c.clientId;
    c.metadataFetchedAt = now();
    c.metadataExpiresAt = now() + 3600000;
    c.metadata = QJsonObject{{QStringLiteral("client_uri"), QStringLiteral("https://app.example")}};
    auto created = ClientRepository(db).create(c);
    QVERIFY2(created.ok(), qPrintable(created.ok() ? QString() : created.error().toString()));
    QCOMPARE(created->createdAt, now());
    auto got = repo.get(c.clientId);
    QVERIFY(got.ok());
    QCOMPARE(got->name, c.name);
    QVERIFY(got->secret.has_value());
    QCOMPARE(*got->secret, *c.secret);
    QCOMPARE(got->secret->prefix(), QStringLiteral("cs_01234"));
    QCOMPARE(got->redirectUris, c.redirectUris);
    QCOMPARE(got->grantTypes, c.grantTypes);
    QCOMPARE(got->responseTypes, c.responseTypes);
    QCOMPARE(got->jwksUri, c.jwksUri);
    QVERIFY(got->jwks.isEmpty());
    QCOMPARE(got->source, QStringLiteral("cimd"));
    QCOMPARE(got->metadataExpiresAt, c.metadataExpiresAt);
    QCOMPARE(got->metadata, c.metadata);

    advance(1000);
    Client changed = *got;
    changed.secret.reset();
    changed.authMethod = QStringLiteral("none");
    auto updated = repo.update(changed);
    QVERIFY(updated.ok());
    QVERIFY(!updated->secret);
    QCOMPARE(updated->updatedAt, now());
    QCOMPARE(updated->createdAt, kStart);

    Client other;
    other.clientId = QStringLiteral("static-1");
    QVERIFY(repo.upsert(other).ok());
    other.name = QStringLiteral("renamed");
    QCOMPARE(repo.upsert(other)->name, QStringLiteral("renamed"));
    QCOMPARE(*repo.count(), 2);
    QCOMPARE(repo.list(1, 1)->first().clientId, QStringLiteral("static-1"));
}

void TestStoreClients::clientErrors()
{
    auto db = freshDatabase();
    QVERIFY(db);
    ClientRepository repo(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    Client dup;
    dup.clientId = QStringLiteral("c1");
    QCOMPARE(repo.create(dup).error().code, ErrorCode::AlreadyExists);
    QCOMPARE(repo.create(Client{}).error().code, ErrorCode::InvalidArgument);
    Client ghost;
    ghost.clientId = QStringLiteral("ghost");
    QCOMPARE(repo.update(ghost).error().code, ErrorCode::NotFound);
    QCOMPARE(repo.get(QStringLiteral("ghost")).error().code, ErrorCode::NotFound);
    QCOMPARE(repo.remove(QStringLiteral("ghost")).error().code, ErrorCode::NotFound);
    Client badSource;
    badSource.clientId = QStringLiteral("x");
    badSource.source = QStringLiteral("martian");
    QCOMPARE(repo.create(badSource).error().code, ErrorCode::InvalidReference);
}

void TestStoreClients::clientRemovalCascades()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    QVERIFY(addClient(db, QStringLiteral("c2")));
    TokenRepository tokens(db);
    for (const char *c : {"c1", "c2"}) {
        Token t;
        t.token = SecretHash::fromSecret(QByteArray("t-").append(c));
        t.clientId = QString::fromLatin1(c);
        t.expiresAt = now() + 1000;
        QVERIFY(tokens.insert(t).ok());
    }
    QVERIFY(ClientRepository(db).remove(QStringLiteral("c1")).ok());
    QCOMPARE(*tokens.count({}), 1);
    QCOMPARE(tokens.list({})->first().clientId, QStringLiteral("c2"));
}

void TestStoreClients::usersAndPasswordHashes_data()
{
    QTest::addColumn<QString>("hash");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("scrypt PHC") << "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA" << true;
    QTest::newRow("pbkdf2 PHC") << "$pbkdf2-sha256$i=600000$c2FsdA$aGFzaA" << true;
    QTest::newRow("clear password") << "hunter2" << false;
    QTest::newRow("empty") << "" << false;
    QTest::newRow("dollar only") << "$" << false;
    QTest::newRow("space in id") << "$scr ypt$x" << false;
    QTest::newRow("clear password with dollar") << "pa$$word" << false;
}

void TestStoreClients::usersAndPasswordHashes()
{
    QFETCH(QString, hash);
    QFETCH(bool, accepted);
    auto db = freshDatabase();
    QVERIFY(db);
    UserRepository repo(db);
    User u;
    u.username = QStringLiteral("alice");
    u.passwordHash = hash;
    auto created = repo.create(u);
    QCOMPARE(created.ok(), accepted);
    if (!accepted) {
        QCOMPARE(created.error().code, ErrorCode::InvalidArgument);
        if (hash.size() > 3) // the message itself shows the "$algorithm$" shape
            QVERIFY(!created.error().message.contains(hash));
        QCOMPARE(repo.list()->size(), 0);
    } else {
        QCOMPARE(repo.get(QStringLiteral("alice"))->passwordHash, hash);
    }
}

void TestStoreClients::userLifecycle()
{
    auto db = freshDatabase();
    QVERIFY(db);
    UserRepository repo(db);
    const QString hash = QStringLiteral("$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA");
    User u{0, QStringLiteral("demo"), hash, QStringLiteral("Demo User"), false, 0, 0};
    auto created = repo.create(u);
    QVERIFY(created.ok());
    QVERIFY(created->id > 0);
    QCOMPARE(repo.create(u).error().code, ErrorCode::AlreadyExists);
    QVERIFY(repo.setDisabled(QStringLiteral("demo"), true).ok());
    QVERIFY(repo.get(QStringLiteral("demo"))->disabled);
    QCOMPARE(repo.setPasswordHash(QStringLiteral("demo"), QStringLiteral("clear")).error().code,
             ErrorCode::InvalidArgument);
}

void TestStoreClients::consents()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    UserRepository users(db);
    QVERIFY(users
                .create(User{
                    0, QStringLiteral("alice"), QStringLiteral("$scrypt$x$y"), {}, false, 0, 0})
                .ok());
    ConsentRepository repo(db);
    QVERIFY(!repo.find(QStringLiteral("alice"), QStringLiteral("c1"))->has_value());
    QVERIFY(
        repo.remember(QStringLiteral("alice"), QStringLiteral("c1"), QStringLiteral("read")).ok());
    advance(1000);
    auto again =
        repo.remember(QStringLiteral("alice"), QStringLiteral("c1"), QStringLiteral("read write"));
    QVERIFY(again.ok());
    QCOMPARE(again->scope, QStringLiteral("read write"));
    QCOMPARE(again->createdAt, kStart);
    QCOMPARE(again->updatedAt, now());
    QCOMPARE(repo.listForUser(QStringLiteral("alice"))->size(), 1);
    QCOMPARE(repo.remember(QStringLiteral("nobody"), QStringLiteral("c1"), QString()).error().code,
             ErrorCode::InvalidReference);
    QVERIFY(users.remove(QStringLiteral("alice")).ok());
    QCOMPARE(repo.listForUser(QStringLiteral("alice"))->size(), 0);
    QCOMPARE(repo.forget(QStringLiteral("alice"), QStringLiteral("c1")).error().code,
             ErrorCode::NotFound);
}

QTEST_GUILESS_MAIN(TestStoreClients)
#include "tst_store_clients.moc"
