// TokenRepository on SQLite and PostgreSQL: hashing, filters, revocation, refresh rotation
// and families, purging in batches.
#include <latch>
#include <thread>

#include <QSqlQuery>
#include <QSqlRecord>
#include <QTest>

#include "crypto/digest.h"
#include "store/authorizationcoderepository.h"
#include "store/errors.h"
#include "store/tokenrepository.h"
#include "storetestcase.h"

using namespace Store;

namespace {

QStringList names(std::initializer_list<const char *> items)
{
    QStringList out;
    for (const char *item : items)
        out.append(QString::fromLatin1(item));
    return out;
}

struct Spec
{
    const char *name;
    const char *client;
    const char *subject;
    const char *scope;
    const char *resource;
    TokenKind kind;
    qint64 lifetimeMs; ///< negative: already expired
    const char *family;
};

} // namespace

class TestStoreTokens final : public TestSupport::StoreTestCase
{
    Q_OBJECT

private slots:
    void storesOnlyTheHash();
    void secretHashRejectsClearValues_data();
    void secretHashRejectsClearValues();
    void insertErrors();
    void insertAllIsAtomic();
    void filters_data();
    void filters();
    void keysetPaging();
    void revokeOne();
    void revokeByClientAndSubject();
    void revocationListeners();
    void refreshFamily();
    void markRotatedErrors_data();
    void markRotatedErrors();
    void markRotatedConcurrently();
    void revokeByAuthorizationCode();
    void purgeInBatches();

private:
    /// Inserts the token named `s.name` (its clear value is "tok-" + name); returns its id.
    qint64 insert(TokenRepository &repo, const Spec &s, std::optional<qint64> parent = std::nullopt,
                  std::optional<qint64> codeId = std::nullopt)
    {
        Token t;
        t.token = SecretHash::fromSecret(QByteArray("tok-").append(s.name));
        t.kind = s.kind;
        t.jti = QString::fromLatin1(s.name);
        t.clientId = QString::fromLatin1(s.client);
        t.subject = QString::fromLatin1(s.subject);
        t.scope = QString::fromLatin1(s.scope);
        t.resource = QString::fromLatin1(s.resource);
        t.expiresAt = now() + s.lifetimeMs;
        t.familyId = QString::fromLatin1(s.family);
        t.parentId = parent;
        t.authorizationCodeId = codeId;
        auto stored = repo.insert(t);
        if (!stored) {
            qWarning("insert %s: %s", s.name, qPrintable(stored.error().toString()));
            return -1;
        }
        return stored->id;
    }
    static SecretHash hashOf(const char *name)
    {
        return SecretHash::fromSecret(QByteArray("tok-").append(name));
    }
    static QStringList tokenNames(const QList<Token> &tokens)
    {
        QStringList out;
        for (const Token &t : tokens)
            out.append(t.jti);
        return out;
    }
    /// The standard set used by filters(); returns false on failure.
    bool seed(const std::shared_ptr<Database> &db)
    {
        if (!addClient(db, QStringLiteral("c1")) || !addClient(db, QStringLiteral("c2")))
            return false;
        TokenRepository repo(db);
        const Spec specs[] = {
            {"a1", "c1", "alice", "read write", "https://rs1.example/mcp", TokenKind::Access,
             3600000, "f1"},
            {"r1", "c1", "alice", "read write", "https://rs1.example/mcp", TokenKind::Refresh,
             86400000, "f1"},
            {"a2", "c1", "bob", "readonly", "https://rs2.example/mcp", TokenKind::Access, -1000,
             "f2"},
            {"a3", "c2", "alice", "admin read", "https://rs1.example/mcp https://rs2.example/mcp",
             TokenKind::Access, 3600000, "f3"},
            {"a4", "c2", "carol", "100%_done", "https://rs2.example/mcp", TokenKind::Access,
             3600000, "f4"},
            {"a5", "c2", "carol", "Read", "https://rs1.example/mcp", TokenKind::Access, 3600000,
             "f5"},
        };
        for (const Spec &s : specs) {
            if (insert(repo, s) < 0)
                return false;
        }
        auto a4 = repo.findByHash(hashOf("a4"));
        return a4 && repo.revoke(a4->id, QStringLiteral("operator")).ok();
    }
};

void TestStoreTokens::storesOnlyTheHash()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    const QByteArray clear = "mcp_at_0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
    Token t;
    t.token = SecretHash::fromSecret(clear);
    t.clientId = QStringLiteral("c1");
    t.subject = QStringLiteral("alice");
    t.expiresAt = now() + 60000;
    t.format = TokenFormat::Jwt;
    t.jti = QStringLiteral("jti-1");
    auto stored = repo.insert(t);
    QVERIFY2(stored.ok(), qPrintable(stored.ok() ? QString() : stored.error().toString()));
    QCOMPARE(stored->token.hex(), QString::fromLatin1(Crypto::sha256Hex(clear)));
    QCOMPARE(stored->token.prefix(), QStringLiteral("mcp_at_0"));
    QCOMPARE(stored->issuedAt, now());
    QCOMPARE(stored->format, TokenFormat::Jwt);
    QCOMPARE(stored->state(now()), TokenState::Active);

    auto found = repo.findByHash(SecretHash::fromSecret(clear));
    QVERIFY(found.ok());
    QCOMPARE(found->id, stored->id);
    QCOMPARE(found->jti, QStringLiteral("jti-1"));

    // No column of the row holds the clear token.
    QSqlDatabase conn = db->connection();
    QSqlQuery q(conn);
    QVERIFY(q.exec(QStringLiteral("SELECT * FROM tokens")));
    QVERIFY(q.next());
    for (int i = 0; i < q.record().count(); ++i)
        QVERIFY(!q.value(i).toString().contains(QString::fromLatin1(clear.mid(8))));

    auto missing = repo.findByHash(SecretHash::fromSecret("nope"));
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::NotFound);
}

void TestStoreTokens::secretHashRejectsClearValues_data()
{
    QTest::addColumn<QString>("value");
    QTest::newRow("a clear token")
        << QStringLiteral("mcp_at_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ");
    QTest::newRow("63 hex digits") << QString(63, u'a');
    QTest::newRow("65 hex digits") << QString(65, u'a');
    QTest::newRow("64 chars, one not hex") << QString(63, u'a') + u'g';
    QTest::newRow("empty") << QString();
}

void TestStoreTokens::secretHashRejectsClearValues()
{
    QFETCH(QString, value);
    auto hash = SecretHash::fromHex(value);
    QVERIFY(!hash.ok());
    QCOMPARE(hash.error().code, ErrorCode::InvalidArgument);
    if (!value.isEmpty())
        QVERIFY(!hash.error().message.contains(value));
    auto ok = SecretHash::fromHex(QString(64, u'A'), QStringLiteral("mcp_"));
    QVERIFY(ok.ok());
    QCOMPARE(ok->hex(), QString(64, u'a'));
}

void TestStoreTokens::insertErrors()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    const Spec unknownClient{"x", "nobody", "alice", "", "", TokenKind::Access, 1000, ""};
    QCOMPARE(insert(repo, unknownClient), -1);
    const Spec good{"g", "c1", "alice", "", "", TokenKind::Access, 1000, ""};
    QVERIFY(insert(repo, good) > 0);

    Token dup;
    dup.token = hashOf("g");
    dup.clientId = QStringLiteral("c1");
    dup.expiresAt = now() + 1000;
    auto again = repo.insert(dup);
    QVERIFY(!again.ok());
    QCOMPARE(again.error().code, ErrorCode::AlreadyExists);

    Token noHash;
    noHash.clientId = QStringLiteral("c1");
    auto refused = repo.insert(noHash);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, ErrorCode::InvalidArgument);

    Token orphan;
    orphan.token = hashOf("orphan");
    orphan.clientId = QStringLiteral("nobody");
    auto bad = repo.insert(orphan);
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().code, ErrorCode::InvalidReference);
    auto count = repo.count({});
    QVERIFY(count.ok());
    QCOMPARE(*count, 1);
}

void TestStoreTokens::insertAllIsAtomic()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    Token access;
    access.token = hashOf("access");
    access.clientId = QStringLiteral("c1");
    access.expiresAt = now() + 1000;
    Token refresh = access;
    refresh.token = hashOf("refresh");
    refresh.kind = TokenKind::Refresh;
    refresh.clientId = QStringLiteral("missing-client");
    auto failed = repo.insertAll({access, refresh});
    QVERIFY(!failed.ok());
    QCOMPARE(*repo.count({}), 0);

    refresh.clientId = QStringLiteral("c1");
    auto both = repo.insertAll({access, refresh});
    QVERIFY(both.ok());
    QCOMPARE(both->size(), 2);
    QCOMPARE(*repo.count({}), 2);
}

void TestStoreTokens::filters_data()
{
    QTest::addColumn<QString>("client");
    QTest::addColumn<QString>("subject");
    QTest::addColumn<QString>("scope");
    QTest::addColumn<QString>("resource");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("state");
    QTest::addColumn<int>("limit");
    QTest::addColumn<int>("offset");
    QTest::addColumn<QStringList>("expected");

    const QString none;
    QTest::newRow("everything") << none << none << none << none << none << none << 100 << 0
                                << names({"a1", "r1", "a2", "a3", "a4", "a5"});
    QTest::newRow("client") << "c1" << none << none << none << none << none << 100 << 0
                            << names({"a1", "r1", "a2"});
    QTest::newRow("subject") << none << "alice" << none << none << none << none << 100 << 0
                             << names({"a1", "r1", "a3"});
    QTest::newRow("scope is a whole word")
        << none << none << "read" << none << none << none << 100 << 0 << names({"a1", "r1", "a3"});
    QTest::newRow("scope is case-sensitive")
        << none << none << "Read" << none << none << none << 100 << 0 << names({"a5"});
    QTest::newRow("scope wildcards are literal")
        << none << none << "100%_done" << none << none << none << 100 << 0 << names({"a4"});
    QTest::newRow("scope % matches nothing")
        << none << none << "%" << none << none << none << 100 << 0 << QStringList{};
    QTest::newRow("resource in a list") << none << none << none << "https://rs2.example/mcp" << none
                                        << none << 100 << 0 << names({"a2", "a3", "a4"});
    QTest::newRow("kind refresh") << none << none << none << none << "refresh" << none << 100 << 0
                                  << names({"r1"});
    QTest::newRow("state active") << none << none << none << none << none << "active" << 100 << 0
                                  << names({"a1", "r1", "a3", "a5"});
    QTest::newRow("state expired")
        << none << none << none << none << none << "expired" << 100 << 0 << names({"a2"});
    QTest::newRow("state revoked")
        << none << none << none << none << none << "revoked" << 100 << 0 << names({"a4"});
    QTest::newRow("combined") << "c2"
                              << "carol" << none << "https://rs1.example/mcp"
                              << "access"
                              << "active" << 100 << 0 << names({"a5"});
    QTest::newRow("limit") << none << none << none << none << none << none << 2 << 0
                           << names({"a1", "r1"});
    QTest::newRow("offset") << none << none << none << none << none << none << 2 << 3
                            << names({"a3", "a4"});
    QTest::newRow("no match") << "c3" << none << none << none << none << none << 100 << 0
                              << QStringList{};
}

void TestStoreTokens::filters()
{
    QFETCH(QString, client);
    QFETCH(QString, subject);
    QFETCH(QString, scope);
    QFETCH(QString, resource);
    QFETCH(QString, kind);
    QFETCH(QString, state);
    QFETCH(int, limit);
    QFETCH(int, offset);
    QFETCH(QStringList, expected);
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(seed(db));
    TokenFilter f;
    f.clientId = client;
    f.subject = subject;
    f.scope = scope;
    f.resource = resource;
    if (!kind.isEmpty())
        f.kind = tokenKindFromString(kind);
    if (!state.isEmpty())
        f.state = tokenStateFromString(state);
    f.limit = limit;
    f.offset = offset;
    TokenRepository repo(db);
    auto listed = repo.list(f);
    QVERIFY2(listed.ok(), qPrintable(listed.ok() ? QString() : listed.error().toString()));
    QCOMPARE(tokenNames(*listed), expected);
    for (const Token &t : *listed) {
        if (f.state)
            QCOMPARE(t.state(now()), *f.state);
    }
    if (offset == 0 && limit == 100) {
        auto counted = repo.count(f);
        QVERIFY(counted.ok());
        QCOMPARE(*counted, expected.size());
    }
}

void TestStoreTokens::keysetPaging()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(seed(db));
    TokenRepository repo(db);
    QStringList seen;
    TokenFilter f;
    f.limit = 4;
    for (int page = 0; page < 5; ++page) {
        auto listed = repo.list(f);
        QVERIFY(listed.ok());
        if (listed->isEmpty())
            break;
        seen += tokenNames(*listed);
        f.afterId = listed->last().id;
    }
    QCOMPARE(seen, names({"a1", "r1", "a2", "a3", "a4", "a5"}));
}

void TestStoreTokens::revokeOne()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    const qint64 id = insert(repo, {"t", "c1", "alice", "", "", TokenKind::Access, 60000, ""});
    QVERIFY(id > 0);
    auto first = repo.revoke(id, QStringLiteral("operator"));
    QVERIFY(first.ok());
    QCOMPARE(*first, 1);
    advance(5000);
    auto second = repo.revoke(id, QStringLiteral("again"));
    QVERIFY(second.ok());
    QCOMPARE(*second, 0);
    auto t = repo.get(id);
    QVERIFY(t.ok());
    QCOMPARE(t->revocationReason, QStringLiteral("operator"));
    QCOMPARE(t->revokedAt.value_or(0), kStart);
    QCOMPARE(t->state(now()), TokenState::Revoked);
    advance(120000);
    QCOMPARE(t->state(now()), TokenState::Revoked);

    auto unknown = repo.revoke(id + 1000, QStringLiteral("x"));
    QVERIFY(!unknown.ok());
    QCOMPARE(unknown.error().code, ErrorCode::NotFound);
}

void TestStoreTokens::revokeByClientAndSubject()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(seed(db));
    TokenRepository repo(db);
    auto byClient = repo.revokeByClient(QStringLiteral("c1"), QStringLiteral("client removed"));
    QVERIFY(byClient.ok());
    QCOMPARE(*byClient, 3);
    TokenFilter revoked;
    revoked.state = TokenState::Revoked;
    QCOMPARE(tokenNames(*repo.list(revoked)), names({"a1", "r1", "a2", "a4"}));
    auto bySubject = repo.revokeBySubject(QStringLiteral("alice"), QStringLiteral("user"));
    QVERIFY(bySubject.ok());
    QCOMPARE(*bySubject, 1); // only a3 was still unrevoked
    QCOMPARE(repo.findByHash(hashOf("a1"))->revocationReason, QStringLiteral("client removed"));
    QCOMPARE(repo.findByHash(hashOf("a3"))->revocationReason, QStringLiteral("user"));
    QVERIFY(!repo.findByHash(hashOf("a5"))->revokedAt);
}

void TestStoreTokens::revocationListeners()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(seed(db));
    TokenRepository repo(db);
    QList<Revocation> heard;
    const int id = db->addRevocationListener([&](const Revocation &r) { heard.append(r); });

    // Inside a transaction that fails: nothing revoked, nothing told.
    bool toldEarly = false;
    const Core::Status failed = db->transaction([&](QSqlDatabase &) -> Core::Status {
        if (auto revoked = repo.revokeByClient(QStringLiteral("c1"), QStringLiteral("x")); !revoked)
            return revoked.error();
        toldEarly = !heard.isEmpty();
        return Core::makeError(QStringLiteral("test"), QStringLiteral("roll back"));
    });
    QVERIFY(!failed.ok());
    QVERIFY2(!toldEarly, "listeners were told before the commit");
    QVERIFY(heard.isEmpty());
    QVERIFY(!repo.findByHash(hashOf("a1"))->revokedAt);

    // Committed: the still usable tokens are listed (a2 had expired already), once.
    QCOMPARE(*repo.revokeByClient(QStringLiteral("c1"), QStringLiteral("client removed")), 3);
    QCOMPARE(heard.size(), 1);
    QVERIFY(heard.first().complete);
    QStringList hashes;
    for (const RevokedToken &token : heard.first().tokens) {
        hashes.append(QString::fromLatin1(token.hashHex));
        QVERIFY(token.expiresAt > now());
    }
    hashes.sort();
    QStringList expected{hashOf("a1").hex(), hashOf("r1").hex()};
    expected.sort();
    QCOMPARE(hashes, expected);

    // Nothing newly revoked: nobody is told.
    QCOMPARE(*repo.revokeByClient(QStringLiteral("c1"), QStringLiteral("again")), 0);
    QCOMPARE(*repo.revokeBySubject(QStringLiteral("nobody"), QStringLiteral("x")), 0);
    QCOMPARE(heard.size(), 1);

    db->removeRevocationListener(id);
    QCOMPARE(*repo.revokeBySubject(QStringLiteral("carol"), QStringLiteral("x")), 1);
    QCOMPARE(heard.size(), 1);
}

void TestStoreTokens::refreshFamily()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    QVERIFY(insert(repo, {"a1", "c1", "alice", "read", "", TokenKind::Access, 60000, "F"}) > 0);
    const qint64 r1 =
        insert(repo, {"r1", "c1", "alice", "read", "", TokenKind::Refresh, 600000, "F"});
    QVERIFY(r1 > 0);
    QVERIFY(insert(repo, {"other", "c1", "alice", "read", "", TokenKind::Refresh, 600000, "G"}) >
            0);

    advance(1000);
    auto rotated = repo.markRotated(hashOf("r1"));
    QVERIFY2(rotated.ok(), qPrintable(rotated.ok() ? QString() : rotated.error().toString()));
    QCOMPARE(rotated->rotatedAt.value_or(0), now());
    QCOMPARE(rotated->state(now()), TokenState::Revoked);
    QCOMPARE(rotated->revocationReason, QStringLiteral("rotated"));
    QVERIFY(insert(repo, {"a2", "c1", "alice", "read", "", TokenKind::Access, 60000, "F"}) > 0);
    const qint64 r2 =
        insert(repo, {"r2", "c1", "alice", "read", "", TokenKind::Refresh, 600000, "F"}, r1);
    QVERIFY(r2 > 0);
    QCOMPARE(repo.get(r2)->parentId.value_or(0), r1);

    // The rotated token comes back: reuse; the caller revokes the family.
    auto reuse = repo.markRotated(hashOf("r1"));
    QVERIFY(!reuse.ok());
    QCOMPARE(reuse.error().code, ErrorCode::Reused);
    auto revoked = repo.revokeFamily(QStringLiteral("F"), QStringLiteral("refresh token reuse"));
    QVERIFY(revoked.ok());
    QCOMPARE(*revoked, 3); // a1, a2, r2; r1 was already revoked by its rotation
    TokenFilter family;
    family.familyId = QStringLiteral("F");
    family.state = TokenState::Active;
    QCOMPARE(*repo.count(family), 0);
    QVERIFY(!repo.findByHash(hashOf("other"))->revokedAt);
    auto r2AfterRevoke = repo.markRotated(hashOf("r2"));
    QCOMPARE(r2AfterRevoke.error().code, ErrorCode::Revoked);
}

void TestStoreTokens::markRotatedErrors_data()
{
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("code");
    QTest::newRow("unknown") << "unknown" << ErrorCode::NotFound;
    QTest::newRow("access token") << "access" << ErrorCode::InvalidArgument;
    QTest::newRow("expired") << "expired" << ErrorCode::Expired;
    QTest::newRow("revoked") << "revoked" << ErrorCode::Revoked;
}

void TestStoreTokens::markRotatedErrors()
{
    QFETCH(QString, which);
    QFETCH(QString, code);
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    QVERIFY(insert(repo, {"access", "c1", "u", "", "", TokenKind::Access, 60000, ""}) > 0);
    QVERIFY(insert(repo, {"expired", "c1", "u", "", "", TokenKind::Refresh, -1, ""}) > 0);
    const qint64 revoked =
        insert(repo, {"revoked", "c1", "u", "", "", TokenKind::Refresh, 60000, ""});
    QVERIFY(repo.revoke(revoked, QStringLiteral("test")).ok());
    auto result = repo.markRotated(hashOf(qPrintable(which)));
    QVERIFY(!result.ok());
    QCOMPARE(result.error().code, code);
    QVERIFY(!result.error().message.contains(QLatin1String("tok-")));
}

void TestStoreTokens::markRotatedConcurrently()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    constexpr int kRounds = 8;
    for (int round = 0; round < kRounds; ++round) {
        const QByteArray name = QByteArray("race-").append(QByteArray::number(round));
        QVERIFY(insert(repo, {name.constData(), "c1", "u", "", "", TokenKind::Refresh, 60000, ""}) >
                0);
        std::latch go(2);
        QList<Core::Result<Token>> results(2, Core::makeError(QString(), QString()));
        std::vector<std::thread> threads;
        for (int i = 0; i < 2; ++i) {
            threads.emplace_back([&, i] {
                TokenRepository mine(db);
                go.arrive_and_wait();
                results[i] = mine.markRotated(hashOf(name.constData()));
            });
        }
        for (auto &t : threads)
            t.join();
        const int winners = int(results[0].ok()) + int(results[1].ok());
        QCOMPARE(winners, 1);
        const auto &loser = results[0].ok() ? results[1] : results[0];
        QCOMPARE(loser.error().code, ErrorCode::Reused);
    }
}

void TestStoreTokens::revokeByAuthorizationCode()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    AuthorizationCode code;
    code.code = SecretHash::fromSecret("the-code");
    code.clientId = QStringLiteral("c1");
    code.subject = QStringLiteral("alice");
    code.redirectUri = QStringLiteral("http://127.0.0.1/callback");
    code.codeChallenge = QStringLiteral("challenge");
    code.codeChallengeMethod = QStringLiteral("S256");
    code.expiresAt = now() + 60000;
    auto stored = AuthorizationCodeRepository(db).insert(code);
    QVERIFY(stored.ok());
    TokenRepository repo(db);
    QVERIFY(insert(repo, {"a1", "c1", "alice", "", "", TokenKind::Access, 60000, "F"}, {},
                   stored->id) > 0);
    const qint64 r1 =
        insert(repo, {"r1", "c1", "alice", "", "", TokenKind::Refresh, 60000, "F"}, {}, stored->id);
    // A later rotation in the same family carries no code id but must go too.
    QVERIFY(insert(repo, {"r2", "c1", "alice", "", "", TokenKind::Refresh, 60000, "F"}, r1) > 0);
    QVERIFY(insert(repo, {"x", "c1", "alice", "", "", TokenKind::Access, 60000, "G"}) > 0);
    auto revoked = repo.revokeByAuthorizationCode(stored->id, QStringLiteral("code reuse"));
    QVERIFY(revoked.ok());
    QCOMPARE(*revoked, 3);
    QVERIFY(!repo.findByHash(hashOf("x"))->revokedAt);
}

void TestStoreTokens::purgeInBatches()
{
    auto db = freshDatabase();
    QVERIFY(db);
    QVERIFY(addClient(db, QStringLiteral("c1")));
    TokenRepository repo(db);
    QList<Token> batch;
    for (int i = 0; i < 30; ++i) {
        Token t;
        t.token = SecretHash::fromSecret(QByteArray("purge-").append(QByteArray::number(i)));
        t.clientId = QStringLiteral("c1");
        t.kind = i % 2 ? TokenKind::Refresh : TokenKind::Access;
        t.expiresAt = i < 25 ? now() + 1000 : now() + 3600000;
        batch.append(t);
    }
    QVERIFY(repo.insertAll(batch).ok());
    // Parent links into purged rows are cleared, not left dangling.
    Token child;
    child.token = SecretHash::fromSecret("child");
    child.clientId = QStringLiteral("c1");
    child.kind = TokenKind::Refresh;
    child.expiresAt = now() + 3600000;
    child.parentId = repo.findByHash(SecretHash::fromSecret("purge-1"))->id;
    QVERIFY(repo.insert(child).ok());

    advance(2000);
    QList<qint64> progress;
    auto purged = repo.purgeExpired(10, [&](qint64 soFar) { progress.append(soFar); });
    QVERIFY2(purged.ok(), qPrintable(purged.ok() ? QString() : purged.error().toString()));
    QCOMPARE(*purged, 25);
    QCOMPARE(progress, (QList<qint64>{10, 20, 25}));
    QCOMPARE(*repo.count({}), 6);
    QVERIFY(!repo.findByHash(SecretHash::fromSecret("child"))->parentId);

    progress.clear();
    auto again = repo.purgeExpired(10, [&](qint64 soFar) { progress.append(soFar); });
    QVERIFY(again.ok());
    QCOMPARE(*again, 0);
    QVERIFY(progress.isEmpty());
}

QTEST_GUILESS_MAIN(TestStoreTokens)
#include "tst_store_tokens.moc"
