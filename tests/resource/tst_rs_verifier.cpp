// Resource::Challenge, the introspection answer rules and the verification cache,
// without a network: the pieces every resource-server refusal is built from.
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

#include "resource/challenge.h"
#include "resource/config.h"
#include "resource/verifier.h"

using namespace Resource;

class TestRsVerifier final : public QObject
{
    Q_OBJECT

private slots:
    void quoted_data();
    void quoted();
    void extractToken_data();
    void extractToken();
    void introspectionAnswer_data();
    void introspectionAnswer();
    void cacheNeverOutlivesEntry();
    void cacheEvictsLeastRecentlyUsed();
    void revocationListKeepsUntilExpiry();
    void revocationListOverflowIsIncomplete();
    void configErrorsNameTheField_data();
    void configErrorsNameTheField();
    void configRoundTrip();
};

void TestRsVerifier::revocationListKeepsUntilExpiry()
{
    qint64 now = 1'000'000;
    RevocationList list(10, [&] { return now; });
    QVERIFY(list.complete());
    list.add("aa", now + 5000);
    list.add("bb", now - 1); // already expired: nothing to remember
    QVERIFY(list.contains("aa"));
    QVERIFY(!list.contains("bb"));
    QCOMPARE(list.size(), 1);
    now += 5000;
    QVERIFY(!list.contains("aa")); // expired now: refused for that reason anyway
    list.add("cc", now + 10);
    QCOMPARE(list.size(), 1); // "aa" pruned
    list.markIncomplete(now + 100);
    QVERIFY(!list.complete());
    now += 100;
    QVERIFY(list.complete());
}

void TestRsVerifier::revocationListOverflowIsIncomplete()
{
    qint64 now = 0;
    RevocationList list(3, [&] { return now; });
    list.add("t1", 1000);
    list.add("t2", 2000);
    list.add("t3", 3000);
    QVERIFY(list.complete());
    list.add("t4", 4000); // over capacity: t1, expiring first, is forgotten
    QCOMPARE(list.size(), 3);
    QVERIFY(!list.contains("t1"));
    QVERIFY(list.contains("t4"));
    QVERIFY(!list.complete()); // t1 may still be presented until it expires
    now = 1000;
    QVERIFY(list.complete());
}

void TestRsVerifier::quoted_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("plain") << QStringLiteral("tasks:read") << QByteArray("\"tasks:read\"");
    QTest::newRow("quote") << QStringLiteral("a\"b") << QByteArray("\"a\\\"b\"");
    QTest::newRow("backslash") << QStringLiteral("a\\b") << QByteArray("\"a\\\\b\"");
    QTest::newRow("newline dropped") << QStringLiteral("a\r\nb") << QByteArray("\"ab\"");
}

void TestRsVerifier::quoted()
{
    QFETCH(QString, value);
    QFETCH(QByteArray, expected);
    QCOMPARE(Challenge::quoted(value), expected);
}

void TestRsVerifier::extractToken_data()
{
    QTest::addColumn<QList<QByteArray>>("authorization");
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("status"); // 0: a token (or none) is returned
    QTest::addColumn<QByteArray>("token");
    using L = QList<QByteArray>;
    QTest::newRow("none") << L{} << QByteArray() << 0 << QByteArray();
    QTest::newRow("bearer") << L{"Bearer abc.def-_~+/=="} << QByteArray() << 0
                            << QByteArray("abc.def-_~+/==");
    QTest::newRow("scheme case-insensitive")
        << L{"bEaReR xyz"} << QByteArray() << 0 << QByteArray("xyz");
    QTest::newRow("basic") << L{"Basic Zm9vOmJhcg=="} << QByteArray() << 401 << QByteArray();
    QTest::newRow("bearer no token") << L{"Bearer"} << QByteArray() << 400 << QByteArray();
    QTest::newRow("bearer blank") << L{"Bearer   "} << QByteArray() << 400 << QByteArray();
    QTest::newRow("two tokens") << L{"Bearer a b"} << QByteArray() << 400 << QByteArray();
    QTest::newRow("bad chars") << L{"Bearer a\"b"} << QByteArray() << 400 << QByteArray();
    QTest::newRow("padding inside") << L{"Bearer a=b"} << QByteArray() << 400 << QByteArray();
    QTest::newRow("two headers") << L{"Bearer a", "Bearer b"} << QByteArray() << 400
                                 << QByteArray();
    QTest::newRow("query token") << L{} << QByteArray("x=1&access_token=abc") << 400
                                 << QByteArray();
    QTest::newRow("query token with header")
        << L{"Bearer abc"} << QByteArray("access_token=abc") << 400 << QByteArray();
    QTest::newRow("other query") << L{"Bearer abc"} << QByteArray("access_tokens=1") << 0
                                 << QByteArray("abc");
}

void TestRsVerifier::extractToken()
{
    QFETCH(QList<QByteArray>, authorization);
    QFETCH(QByteArray, query);
    QFETCH(int, status);
    QFETCH(QByteArray, token);
    const Challenge challenge(QStringLiteral("http://rs/.well-known/oauth-protected-resource/mcp"),
                              {QStringLiteral("tasks:read")});
    Http::Request request;
    request.query = query;
    for (const QByteArray &value : authorization)
        request.headers.add("Authorization", value);
    auto result = challenge.extractToken(request);
    if (status == 0) {
        QVERIFY(std::holds_alternative<std::optional<QByteArray>>(result));
        const auto &got = std::get<std::optional<QByteArray>>(result);
        QCOMPARE(got.value_or(QByteArray()), token);
        QCOMPARE(got.has_value(), !token.isEmpty());
        return;
    }
    QVERIFY(std::holds_alternative<Http::Response>(result));
    const auto &response = std::get<Http::Response>(result);
    QCOMPARE(response.status, status);
    const QByteArray header = response.headers.value("WWW-Authenticate");
    QVERIFY(header.startsWith("Bearer resource_metadata=\"http://rs/.well-known/"
                              "oauth-protected-resource/mcp\""));
    QCOMPARE(header.contains("error=\"invalid_request\""), status == 400);
    QVERIFY(!header.contains("invalid_token")); // no valid-looking token was verified
}

void TestRsVerifier::introspectionAnswer_data()
{
    QTest::addColumn<QByteArray>("answer");
    QTest::addColumn<QString>("error"); // empty: accepted
    const QByteArray base = R"("client_id": "c1", "sub": "alice", "iss": "http://as",
        "exp": 2000000000, "scope": "tasks:read tasks:write")";
    const auto with = [&](const char *extra) -> QByteArray {
        return "{" + base + ", " + QByteArray(extra) + "}";
    };
    QTest::newRow("ok aud string")
        << with(R"("active": true, "aud": "http://rs/mcp")") << QString();
    QTest::newRow("ok aud array") << with(R"("active": true, "aud": ["x", "http://rs/mcp"])")
                                  << QString();
    QTest::newRow("ok resource member")
        << with(R"("active": true, "resource": "http://rs/mcp")") << QString();
    QTest::newRow("ok Bearer type")
        << with(R"("active": true, "aud": "http://rs/mcp", "token_type": "Bearer")") << QString();
    QTest::newRow("inactive") << QByteArray(R"({"active": false})") << QStringLiteral("not active");
    QTest::newRow("active as string")
        << with(R"("active": "true", "aud": "http://rs/mcp")") << QStringLiteral("not active");
    QTest::newRow("wrong audience") << with(R"("active": true, "aud": "http://other/mcp")")
                                    << QStringLiteral("not for this resource");
    QTest::newRow("prefix audience") << with(R"("active": true, "aud": "http://rs/mcp/x")")
                                     << QStringLiteral("not for this resource");
    QTest::newRow("no audience") << with(R"("active": true)")
                                 << QStringLiteral("not for this resource");
    QTest::newRow("refresh token")
        << with(R"("active": true, "aud": "http://rs/mcp", "token_type": "refresh_token")")
        << QStringLiteral("not an access token");
    QTest::newRow("expired")
        << QByteArray(R"({"active": true, "aud": "http://rs/mcp", "client_id": "c", "exp": 1000})")
        << QStringLiteral("expired");
    QTest::newRow("no exp") << QByteArray(
                                   R"({"active": true, "aud": "http://rs/mcp", "client_id": "c"})")
                            << QStringLiteral("no exp");
    QTest::newRow("no client_id")
        << QByteArray(R"({"active": true, "aud": "http://rs/mcp", "exp": 2000000000})")
        << QStringLiteral("no client_id");
    QTest::newRow("other issuer")
        << QByteArray(R"({"active": true, "aud": "http://rs/mcp", "client_id": "c",
                          "exp": 2000000000, "iss": "http://evil"})")
        << QStringLiteral("issued by http://evil");
}

void TestRsVerifier::introspectionAnswer()
{
    QFETCH(QByteArray, answer);
    QFETCH(QString, error);
    IntrospectionVerifier::Options options;
    options.resource = QStringLiteral("http://rs/mcp");
    options.expectedIssuer = QStringLiteral("http://as");
    const auto document = QJsonDocument::fromJson(answer);
    QVERIFY(document.isObject());
    auto result = IntrospectionVerifier::readAnswer(document.object(), options, 1'700'000'000'000);
    if (error.isEmpty()) {
        QVERIFY2(result.ok(), result.ok() ? "" : qPrintable(result.error().toString()));
        QCOMPARE(result->clientId, QStringLiteral("c1"));
        QCOMPARE(result->subject, QStringLiteral("alice"));
        QCOMPARE(result->issuer, QStringLiteral("http://as"));
        QCOMPARE(result->scopes,
                 QStringList({QStringLiteral("tasks:read"), QStringLiteral("tasks:write")}));
        QCOMPARE(result->expiresAt, 2000000000);
    } else {
        QVERIFY(!result.ok());
        QCOMPARE(result.error().code, VerifyError::InvalidToken);
        QVERIFY2(result.error().message.contains(error), qPrintable(result.error().message));
    }
}

void TestRsVerifier::cacheNeverOutlivesEntry()
{
    VerificationCache cache(10);
    Principal principal;
    principal.clientId = QStringLiteral("c");
    cache.insert("h1", principal, 1000);
    QVERIFY(cache.find("h1", 999).has_value());
    QVERIFY(!cache.find("h1", 1000).has_value()); // gone at its expiry, not after
    QCOMPARE(cache.size(), 0);
    cache.insert("h2", Core::makeError(VerifyError::InvalidToken, QStringLiteral("no")), 50);
    auto negative = cache.find("h2", 10);
    QVERIFY(negative.has_value() && !negative->ok());
    cache.remove("h2");
    QVERIFY(!cache.find("h2", 10).has_value());
}

void TestRsVerifier::cacheEvictsLeastRecentlyUsed()
{
    VerificationCache cache(3);
    for (const char *key : {"a", "b", "c"})
        cache.insert(key, Principal{}, 1000);
    QVERIFY(cache.find("a", 0).has_value()); // a is now the most recent; b the least
    cache.insert("d", Principal{}, 1000);
    QCOMPARE(cache.size(), 3);
    QVERIFY(!cache.find("b", 0).has_value());
    for (const char *key : {"a", "c", "d"})
        QVERIFY(cache.find(key, 0).has_value());
}

void TestRsVerifier::configErrorsNameTheField_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("field");
    QTest::newRow("unknown") << QByteArray(R"({"nope": 1})")
                             << QStringLiteral("resource_server.nope");
    QTest::newRow("verification") << QByteArray(R"({"verification": "magic"})")
                                  << QStringLiteral("resource_server.verification");
    QTest::newRow("tool scopes type") << QByteArray(R"({"tool_scopes": {"echo": "x"}})")
                                      << QStringLiteral("resource_server.tool_scopes.echo");
    QTest::newRow("bad tool name") << QByteArray(R"({"tool_scopes": {"a b": []}})")
                                   << QStringLiteral("resource_server.tool_scopes.a b");
    QTest::newRow("cache size") << QByteArray(R"({"cache_size": 0})")
                                << QStringLiteral("resource_server.cache_size");
    QTest::newRow("as url") << QByteArray(R"({"authorization_servers": ["ftp://x"]})")
                            << QStringLiteral("resource_server.authorization_servers");
    QTest::newRow("friction") << QByteArray(R"({"friction": {"tools": {"x": {"min_cost": -1}}}})")
                              << QStringLiteral("resource_server.friction.tools.x.min_cost");
}

void TestRsVerifier::configErrorsNameTheField()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, field);
    auto config = Config::fromJson(QJsonDocument::fromJson(json).object());
    QVERIFY(!config.ok());
    QVERIFY2(config.error().message.startsWith(field), qPrintable(config.error().message));
}

void TestRsVerifier::configRoundTrip()
{
    auto config = Config::fromJson(QJsonDocument::fromJson(R"({
        "authorization_servers": ["https://login.example"], "base_scopes": ["mcp"],
        "tool_scopes": {"echo": ["x:y"], "delete_task": ["tasks:delete", "admin"]},
        "verification": "jwt", "cache_size": 5, "positive_cache_seconds": 0,
        "negative_cache_seconds": 1, "max_sessions": 7,
        "friction": {"tools": {"delete_task": {"target_rate": 0.02}}}})")
                                       .object());
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().toString()));
    QCOMPARE(config->scopesFor(QStringLiteral("delete_task")),
             QStringList(
                 {QStringLiteral("mcp"), QStringLiteral("tasks:delete"), QStringLiteral("admin")}));
    QCOMPARE(config->scopesFor(QStringLiteral("list_tasks")), QStringList{QStringLiteral("mcp")});
    QCOMPARE(config->scopesSupported(),
             QStringList({QStringLiteral("admin"), QStringLiteral("mcp"),
                          QStringLiteral("tasks:delete"), QStringLiteral("x:y")}));
    auto again = Config::fromJson(config->toJson());
    QVERIFY(again.ok());
    QCOMPARE(again->toJson(), config->toJson());
    // offline_access is never advertised as a resource scope.
    Config withOffline;
    withOffline.baseScopes = {QStringLiteral("offline_access")};
    QVERIFY(!withOffline.scopesSupported().contains(QStringLiteral("offline_access")));
}

QTEST_GUILESS_MAIN(TestRsVerifier)
#include "tst_rs_verifier.moc"
