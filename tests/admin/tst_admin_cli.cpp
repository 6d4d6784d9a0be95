// The operator commands end to end: the real `mcpauth` binary on SQLite and PostgreSQL.

#include <csignal>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "authserver/passwords.h"
#include "clirun.h"
#include "crypto/jwks.h"
#include "crypto/key.h"
#include "store/database.h"
#include "store/databaseurl.h"
#include "store/tokenrepository.h"
#include "store/userrepository.h"
#include "storebackends.h"

namespace {

using RunResult = TestSupport::CliRun;

RunResult runCli(const QStringList &arguments, const QByteArray &input = {})
{
    return TestSupport::runProgram(QStringLiteral(MCPAUTH_CLI), arguments, input);
}

QJsonObject jsonOf(const RunResult &r)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        qWarning("not JSON (%s): %s", qPrintable(error.errorString()), qPrintable(r.out));
    return doc.object();
}

#define RUN_OK(expression)                                                                         \
    do {                                                                                           \
        const RunResult run_ = (expression);                                                       \
        QVERIFY2(run_.exitCode == 0,                                                               \
                 qPrintable(QStringLiteral("exit %1: %2").arg(run_.exitCode).arg(run_.err)));      \
    } while (false)

} // namespace

class TestAdminCli final : public QObject
{
    Q_OBJECT

private:
    /// A fresh store of this row's backend.
    QString freshStore()
    {
        QFETCH_GLOBAL(QString, backend);
        auto url = m_backends.freshUrl(backend);
        if (!url) {
            qWarning("%s", qPrintable(url.error().toString()));
            return {};
        }
        return *url;
    }

    static std::shared_ptr<Store::Database> open(const QString &url)
    {
        auto db = Store::Database::open(url);
        return db ? *db : nullptr;
    }

    /// Every byte of a SQLite store (main file and write-ahead log).
    static QByteArray sqliteBytes(const QString &url)
    {
        auto parsed = Store::DatabaseUrl::parse(url);
        if (!parsed || parsed->backend != Store::Backend::Sqlite)
            return {};
        QByteArray all;
        for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
            QFile file(parsed->path + suffix);
            if (file.open(QIODevice::ReadOnly))
                all += file.readAll();
        }
        return all;
    }

    TestSupport::StoreBackends m_backends;

private slots:
    void initTestCase_data() { TestSupport::StoreBackends::addBackendRows(); }
    void initTestCase()
    {
        const auto started = m_backends.start();
        QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
    }
    void cleanupTestCase() { m_backends.stop(); }

    void clients()
    {
        const QString store = freshStore();
        QVERIFY(!store.isEmpty());
        const QStringList s{QStringLiteral("--store"), store};

        const RunResult added = runCli(
            QStringList{QStringLiteral("clients"), QStringLiteral("add"), QStringLiteral("--name"),
                        QStringLiteral("Nightly job"), QStringLiteral("--auth-method"),
                        QStringLiteral("client_secret_basic"), QStringLiteral("--grant"),
                        QStringLiteral("client_credentials"), QStringLiteral("--scope"),
                        QStringLiteral("tasks:read")} +
            s);
        RUN_OK(added);
        const QRegularExpression secretPattern(QStringLiteral("mcs_[A-Za-z0-9_-]{43}"));
        const auto match = secretPattern.match(added.out);
        QVERIFY2(match.hasMatch(), qPrintable(added.out));
        const QString secret = match.captured();
        QCOMPARE(added.out.count(secret), 1);
        QVERIFY(added.out.contains(QStringLiteral("only time the secret is shown")));
        const QRegularExpression idPattern(QStringLiteral("Client ID:\\s+(mcp_\\S+)"));
        const QString clientId = idPattern.match(added.out).captured(1);
        QVERIFY2(!clientId.isEmpty(), qPrintable(added.out));

        const RunResult addedJson = runCli(
            QStringList{QStringLiteral("clients"), QStringLiteral("add"), QStringLiteral("--id"),
                        QStringLiteral("web-app"), QStringLiteral("--redirect-uri"),
                        QStringLiteral("https://app.example/cb"), QStringLiteral("--redirect-uri"),
                        QStringLiteral("http://127.0.0.1/cb"), QStringLiteral("--grant"),
                        QStringLiteral("authorization_code"), QStringLiteral("--grant"),
                        QStringLiteral("refresh_token"), QStringLiteral("--auth-method"),
                        QStringLiteral("client_secret_post"), QStringLiteral("--json")} +
            s);
        RUN_OK(addedJson);
        const QJsonObject webApp = jsonOf(addedJson);
        QCOMPARE(webApp.value(QStringLiteral("client_id")).toString(), QStringLiteral("web-app"));
        const QString secret2 = webApp.value(QStringLiteral("client_secret")).toString();
        QVERIFY(secret2.startsWith(QStringLiteral("mcs_")));
        QCOMPARE(webApp.value(QStringLiteral("redirect_uris")).toArray().size(), 2);

        // Never again: not in show, list (human or JSON), nor in the store's bytes.
        QString later;
        for (const QStringList &args :
             {QStringList{QStringLiteral("clients"), QStringLiteral("show"), clientId},
              QStringList{QStringLiteral("clients"), QStringLiteral("show"), clientId,
                          QStringLiteral("--json")},
              QStringList{QStringLiteral("clients"), QStringLiteral("show"),
                          QStringLiteral("web-app")},
              QStringList{QStringLiteral("clients"), QStringLiteral("list")},
              QStringList{QStringLiteral("clients"), QStringLiteral("list"),
                          QStringLiteral("--json")},
              QStringList{QStringLiteral("audit"), QStringLiteral("tail"),
                          QStringLiteral("--json")}}) {
            const RunResult r = runCli(args + s);
            RUN_OK(r);
            later += r.out + r.err;
        }
        QVERIFY(!later.contains(secret));
        QVERIFY(!later.contains(secret2));
        QVERIFY(later.contains(QStringLiteral("Nightly job")));
        // The display form (prefix and hash fragment) is what operators see instead.
        const QRegularExpression display(QStringLiteral("mcs_[A-Za-z0-9_-]{1,4}…#[0-9a-f]{8}"));
        QVERIFY2(later.contains(display), qPrintable(later));
        const RunResult listed =
            runCli(QStringList{QStringLiteral("clients"), QStringLiteral("list"),
                               QStringLiteral("--json")} +
                   s);
        const QJsonArray clients = jsonOf(listed).value(QStringLiteral("clients")).toArray();
        QCOMPARE(clients.size(), 2);
        const QByteArray bytes = sqliteBytes(store);
        if (!bytes.isEmpty()) {
            QVERIFY(bytes.contains("web-app")); // the file is the store
            QVERIFY(!bytes.contains(secret.toLatin1()));
            QVERIFY(!bytes.contains(secret2.toLatin1()));
        }

        const RunResult removed =
            runCli(QStringList{QStringLiteral("clients"), QStringLiteral("remove"), clientId} + s);
        RUN_OK(removed);
        QVERIFY(removed.out.contains(QStringLiteral("Removed client ") + clientId));
        const RunResult gone =
            runCli(QStringList{QStringLiteral("clients"), QStringLiteral("show"), clientId} + s);
        QCOMPARE(gone.exitCode, 1);
        QVERIFY2(gone.err.startsWith(QStringLiteral("mcpauth: ")), qPrintable(gone.err));
        QVERIFY(gone.err.contains(QStringLiteral("not_found")));
    }

    void users()
    {
        const QString store = freshStore();
        QVERIFY(!store.isEmpty());
        const QStringList s{QStringLiteral("--store"), store};
        const QByteArray password = "tr0ub4dor&3 horse";
        const RunResult added =
            runCli(QStringList{QStringLiteral("users"), QStringLiteral("add"),
                               QStringLiteral("alice"), QStringLiteral("--display-name"),
                               QStringLiteral("Alice A."), QStringLiteral("--json")} +
                       s,
                   password + "\n");
        RUN_OK(added);
        QCOMPARE(jsonOf(added).value(QStringLiteral("username")).toString(),
                 QStringLiteral("alice"));
        QVERIFY(!added.out.contains(QString::fromLatin1(password)));

        const RunResult listed =
            runCli(QStringList{QStringLiteral("users"), QStringLiteral("list")} + s);
        RUN_OK(listed);
        QVERIFY(listed.out.contains(QStringLiteral("USERNAME")));
        QVERIFY(listed.out.contains(QStringLiteral("Alice A.")));

        auto db = open(store);
        QVERIFY(db);
        auto user = Store::UserRepository(db).get(QStringLiteral("alice"));
        QVERIFY(user.ok());
        QVERIFY(Auth::Passwords::verify(password, user->passwordHash));

        const QByteArray changed = "a different passphrase";
        const RunResult passwd =
            runCli(QStringList{QStringLiteral("users"), QStringLiteral("passwd"),
                               QStringLiteral("alice")} +
                       s,
                   changed + "\r\n");
        RUN_OK(passwd);
        user = Store::UserRepository(db).get(QStringLiteral("alice"));
        QVERIFY(Auth::Passwords::verify(changed, user->passwordHash));

        const RunResult noPassword = runCli(
            QStringList{QStringLiteral("users"), QStringLiteral("add"), QStringLiteral("bob")} + s);
        QCOMPARE(noPassword.exitCode, 1);
        QVERIFY2(noPassword.err.contains(QStringLiteral("no password on standard input")),
                 qPrintable(noPassword.err));
        const RunResult shortPassword = runCli(
            QStringList{QStringLiteral("users"), QStringLiteral("add"), QStringLiteral("bob")} + s,
            "short\n");
        QCOMPARE(shortPassword.exitCode, 1);
        QVERIFY2(shortPassword.err.contains(QStringLiteral("8 to 1024 bytes")),
                 qPrintable(shortPassword.err));

        const RunResult removed =
            runCli(QStringList{QStringLiteral("users"), QStringLiteral("remove"),
                               QStringLiteral("alice"), QStringLiteral("--json")} +
                   s);
        RUN_OK(removed);
        QCOMPARE(jsonOf(removed).value(QStringLiteral("removed")).toBool(), true);
        QVERIFY(Store::UserRepository(db).list().valueOr({}).isEmpty());
    }

    void tokens()
    {
        const QString store = freshStore();
        QVERIFY(!store.isEmpty());
        const QStringList s{QStringLiteral("--store"), store};
        RUN_OK(runCli(QStringList{QStringLiteral("clients"), QStringLiteral("add"),
                                  QStringLiteral("--id"), QStringLiteral("app"),
                                  QStringLiteral("--auth-method"), QStringLiteral("none"),
                                  QStringLiteral("--redirect-uri"),
                                  QStringLiteral("http://127.0.0.1/cb")} +
                      s));
        auto db = open(store);
        QVERIFY(db);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        Store::TokenRepository repo(db);
        QList<qint64> ids;
        for (int i = 0; i < 7; ++i) {
            Store::Token t;
            t.token = Store::SecretHash::fromSecret(
                QByteArray(QByteArrayLiteral("mat_cli_token_") + QByteArray::number(i)));
            t.kind = i == 1 ? Store::TokenKind::Refresh : Store::TokenKind::Access;
            t.clientId = QStringLiteral("app");
            t.subject = i < 2 ? QStringLiteral("alice") : QStringLiteral("bob");
            t.scope = QStringLiteral("tasks:read");
            t.resource = QStringLiteral("https://mcp.example/");
            t.familyId = i < 2 ? QStringLiteral("fam-1") : QString();
            // Five of bob's tokens have already expired (purge fodder).
            t.expiresAt = i < 2 ? now + 3600000 : now - 1000;
            auto inserted = repo.insert(t);
            QVERIFY(inserted.ok());
            ids.append(inserted->id);
        }

        const RunResult listed =
            runCli(QStringList{QStringLiteral("tokens"), QStringLiteral("list"),
                               QStringLiteral("--subject"), QStringLiteral("alice"),
                               QStringLiteral("--json")} +
                   s);
        RUN_OK(listed);
        QCOMPARE(jsonOf(listed).value(QStringLiteral("tokens")).toArray().size(), 2);
        const RunResult expired =
            runCli(QStringList{QStringLiteral("tokens"), QStringLiteral("list"),
                               QStringLiteral("--state"), QStringLiteral("expired")} +
                   s);
        RUN_OK(expired);
        QCOMPARE(expired.out.count(QStringLiteral(" expired ")), 5);
        const RunResult paged = runCli(QStringList{QStringLiteral("tokens"), QStringLiteral("list"),
                                                   QStringLiteral("--limit"), QStringLiteral("3")} +
                                       s);
        RUN_OK(paged);
        QVERIFY2(paged.out.contains(QStringLiteral("--after-id %1").arg(ids[2])),
                 qPrintable(paged.out));

        const RunResult shown =
            runCli(QStringList{QStringLiteral("tokens"), QStringLiteral("show"),
                               QString::number(ids[0]), QStringLiteral("--json")} +
                   s);
        RUN_OK(shown);
        const QJsonObject token = jsonOf(shown);
        QCOMPARE(token.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
        QCOMPARE(token.value(QStringLiteral("family_id")).toString(), QStringLiteral("fam-1"));
        QVERIFY(!shown.out.contains(QStringLiteral("mat_cli_token_")));

        const RunResult family =
            runCli(QStringList{QStringLiteral("tokens"), QStringLiteral("revoke"),
                               QStringLiteral("--family"), QStringLiteral("fam-1")} +
                   s);
        RUN_OK(family);
        QVERIFY2(family.out.contains(QStringLiteral("Revoked 2 token(s)")), qPrintable(family.out));
        const RunResult one =
            runCli(QStringList{QStringLiteral("tokens"), QStringLiteral("revoke"),
                               QString::number(ids[2]), QStringLiteral("--json")} +
                   s);
        RUN_OK(one);
        QCOMPARE(jsonOf(one).value(QStringLiteral("revoked")).toInt(), 1);

        const RunResult purged =
            runCli(QStringList{QStringLiteral("tokens"), QStringLiteral("purge"),
                               QStringLiteral("--batch-size"), QStringLiteral("2")} +
                   s);
        RUN_OK(purged);
        QVERIFY2(purged.out.contains(QStringLiteral("Purged 5 expired token(s).")),
                 qPrintable(purged.out));
        QCOMPARE(purged.err, QStringLiteral("purged 2...\npurged 4...\npurged 5...\n"));
        QCOMPARE(repo.count({}).valueOr(-1), 2);
    }

    void keys()
    {
        const QString store = freshStore();
        QVERIFY(!store.isEmpty());
        const QStringList s{QStringLiteral("--store"), store};
        const RunResult first = runCli(QStringList{QStringLiteral("keys"), QStringLiteral("rotate"),
                                                   QStringLiteral("--json")} +
                                       s);
        RUN_OK(first);
        const QString kid1 = jsonOf(first).value(QStringLiteral("kid")).toString();
        QVERIFY(!kid1.isEmpty());
        const RunResult second =
            runCli(QStringList{QStringLiteral("keys"), QStringLiteral("rotate")} + s);
        RUN_OK(second);
        QVERIFY2(second.out.contains(QStringLiteral("Retired ") + kid1), qPrintable(second.out));

        const RunResult listed = runCli(
            QStringList{QStringLiteral("keys"), QStringLiteral("list"), QStringLiteral("--json")} +
            s);
        RUN_OK(listed);
        const QJsonArray keys = jsonOf(listed).value(QStringLiteral("keys")).toArray();
        QCOMPARE(keys.size(), 2);
        QVERIFY(keys.at(0).toObject().value(QStringLiteral("current")).toBool());
        QCOMPARE(keys.at(1).toObject().value(QStringLiteral("kid")).toString(), kid1);
        QVERIFY(!keys.at(1).toObject().value(QStringLiteral("current")).toBool());
        QVERIFY(keys.at(1).toObject().value(QStringLiteral("published")).toBool());
        QVERIFY(!listed.out.contains(QStringLiteral("PRIVATE")));
        const RunResult human =
            runCli(QStringList{QStringLiteral("keys"), QStringLiteral("list")} + s);
        RUN_OK(human);
        QVERIFY(human.out.contains(QStringLiteral("KID")));
        const QString newest = keys.at(0).toObject().value(QStringLiteral("kid")).toString();
        const QRegularExpression currentRow(QStringLiteral("^\\*\\s+(\\S+)\\s+ES256"),
                                            QRegularExpression::MultilineOption);
        QCOMPARE(human.out.count(currentRow), 1);
        QCOMPARE(currentRow.match(human.out).captured(1), newest);
    }

    void keyedClientsAndServerConfig()
    {
        const QString store = freshStore();
        QVERIFY(!store.isEmpty());
        const QStringList s{QStringLiteral("--store"), store};
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto writeFile = [&dir](const QString &name, const QByteArray &bytes) {
            QFile file(dir.filePath(name));
            if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
                return QString();
            return file.fileName();
        };
        auto key = Crypto::Key::generate(Crypto::Key::Kind::EcP256);
        QVERIFY(key.ok());
        Crypto::Jwks jwks;
        QVERIFY(jwks.add(*key).ok());
        const QString publicFile = writeFile(QStringLiteral("public.json"), jwks.toJson());
        const QString privateFile = writeFile(
            QStringLiteral("private.json"),
            QJsonDocument(QJsonObject{{QStringLiteral("keys"), QJsonArray{key->toJwk(true)}}})
                .toJson());
        QVERIFY(!publicFile.isEmpty() && !privateFile.isEmpty());
        const QStringList keyed{
            QStringLiteral("clients"),       QStringLiteral("add"),
            QStringLiteral("--auth-method"), QStringLiteral("private_key_jwt"),
            QStringLiteral("--grant"),       QStringLiteral("client_credentials")};

        const RunResult added = runCli(
            keyed +
            QStringList{QStringLiteral("--jwks-file"), publicFile, QStringLiteral("--json")} + s);
        RUN_OK(added);
        const QJsonObject client = jsonOf(added);
        QVERIFY(client.value(QStringLiteral("jwks")).toBool());
        QVERIFY(client.value(QStringLiteral("client_secret")).isNull());
        // A key set holding a private key is refused: the client would have leaked it.
        const RunResult leaked =
            runCli(keyed + QStringList{QStringLiteral("--jwks-file"), privateFile} + s);
        QCOMPARE(leaked.exitCode, 1);
        QVERIFY2(leaked.err.contains(QStringLiteral("invalid_client_metadata")),
                 qPrintable(leaked.err));

        // The server's settings apply with --config: its scopes, its token lifetime.
        const QString config =
            writeFile(QStringLiteral("mcpauth.json"),
                      R"({"authorization_server": {"scopes_supported": ["files:read", "tasks:read"],
                "access_token_lifetime": 120, "clock_skew": 0}})");
        const QStringList scoped{QStringLiteral("clients"),
                                 QStringLiteral("add"),
                                 QStringLiteral("--auth-method"),
                                 QStringLiteral("none"),
                                 QStringLiteral("--grant"),
                                 QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"),
                                 QStringLiteral("--scope"),
                                 QStringLiteral("files:read")};
        const RunResult unknownScope = runCli(scoped + s);
        QCOMPARE(unknownScope.exitCode, 1);
        QVERIFY2(unknownScope.err.contains(QStringLiteral("files:read")),
                 qPrintable(unknownScope.err));
        RUN_OK(runCli(scoped + QStringList{QStringLiteral("--config"), config} + s));

        RUN_OK(runCli(QStringList{QStringLiteral("keys"), QStringLiteral("rotate")} + s));
        const RunResult rotated =
            runCli(QStringList{QStringLiteral("keys"), QStringLiteral("rotate"),
                               QStringLiteral("--config"), config, QStringLiteral("--json")} +
                   s);
        RUN_OK(rotated);
        const QJsonArray keys = jsonOf(rotated).value(QStringLiteral("keys")).toArray();
        QCOMPARE(keys.size(), 2);
        const QJsonObject previous = keys.at(1).toObject();
        const auto time = [&previous](const char *name) {
            return QDateTime::fromString(previous.value(QLatin1String(name)).toString(),
                                         Qt::ISODateWithMs)
                .toMSecsSinceEpoch();
        };
        const qint64 publishedFor = time("expires_at") - time("retired_at");
        QVERIFY2(publishedFor >= 119000 && publishedFor <= 125000,
                 qPrintable(QString::number(publishedFor)));
    }

    void auditTailAndFollow()
    {
        const QString store = freshStore();
        QVERIFY(!store.isEmpty());
        const QStringList s{QStringLiteral("--store"), store};
        for (const char *id : {"one", "two", "three"})
            RUN_OK(
                runCli(QStringList{QStringLiteral("clients"), QStringLiteral("add"),
                                   QStringLiteral("--id"), QLatin1String(id),
                                   QStringLiteral("--auth-method"), QStringLiteral("none"),
                                   QStringLiteral("--grant"),
                                   QStringLiteral("urn:ietf:params:oauth:grant-type:device_code")} +
                       s));
        const RunResult tail = runCli(QStringList{QStringLiteral("audit"), QStringLiteral("tail"),
                                                  QStringLiteral("-n"), QStringLiteral("2"),
                                                  QStringLiteral("--json")} +
                                      s);
        RUN_OK(tail);
        const QJsonArray events = jsonOf(tail).value(QStringLiteral("events")).toArray();
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(1).toObject().value(QStringLiteral("client_id")).toString(),
                 QStringLiteral("three"));
        QCOMPARE(events.at(1).toObject().value(QStringLiteral("actor")).toString(),
                 QStringLiteral("operator"));

        QProcess follow;
        follow.start(QStringLiteral(MCPAUTH_CLI),
                     QStringList{QStringLiteral("audit"), QStringLiteral("tail"),
                                 QStringLiteral("--follow"), QStringLiteral("--type"),
                                 QStringLiteral("user.created"), QStringLiteral("--json")} +
                         s);
        QVERIFY(follow.waitForStarted());
        RUN_OK(runCli(
            QStringList{QStringLiteral("users"), QStringLiteral("add"), QStringLiteral("carol")} +
                s,
            "carol's password\n"));
        QByteArray seen;
        QTRY_VERIFY_WITH_TIMEOUT((seen += follow.readAllStandardOutput()).contains("carol"), 15000);
        const QJsonObject line = QJsonDocument::fromJson(seen.trimmed()).object();
        QCOMPARE(line.value(QStringLiteral("type")).toString(), QStringLiteral("user.created"));
        QCOMPARE(line.value(QStringLiteral("subject")).toString(), QStringLiteral("carol"));
        ::kill(pid_t(follow.processId()), SIGINT);
        QVERIFY(follow.waitForFinished(10000));
        QCOMPARE(follow.exitStatus(), QProcess::NormalExit);
        QCOMPARE(follow.exitCode(), 0);
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        const auto args = [](const char *text) {
            return QString::fromLatin1(text).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        };
        QTest::newRow("clients alone") << args("clients") << 2 << "needs a subcommand";
        QTest::newRow("clients unknown")
            << args("clients frob") << 2 << "unknown clients subcommand 'frob'";
        QTest::newRow("show without id") << args("clients show") << 2 << "needs CLIENT_ID";
        QTest::newRow("show two ids") << args("clients show a b") << 2 << "unexpected argument 'b'";
        QTest::newRow("users add two names")
            << args("users add a b") << 2 << "unexpected argument 'b'";
        QTest::newRow("unknown option")
            << args("users list --nope") << 2 << "Unknown option 'nope'";
        QTest::newRow("revoke nothing") << args("tokens revoke") << 2 << "exactly one of";
        QTest::newRow("revoke two targets")
            << args("tokens revoke 1 --client x") << 2 << "exactly one of";
        QTest::newRow("revoke bad id")
            << args("tokens revoke abc") << 2 << "'abc' is not a token id";
        QTest::newRow("show bad id") << args("tokens show -5") << 2 << "Unknown option";
        QTest::newRow("bad state") << args("tokens list --state bogus") << 2
                                   << "--state: 'bogus' is not active, expired or revoked";
        QTest::newRow("bad kind") << args("tokens list --kind id") << 2
                                  << "--kind: 'id' is not access or refresh";
        QTest::newRow("limit zero") << args("tokens list --limit 0") << 2
                                    << "--limit: must be a whole number from 1 to 10000";
        QTest::newRow("batch not a number")
            << args("tokens purge --batch-size x") << 2 << "--batch-size: must be a whole number";
        QTest::newRow("tail lines")
            << args("audit tail -n many") << 2 << "--lines: must be a whole number";
        QTest::newRow("keys unknown") << args("keys delete") << 2 << "unknown keys subcommand";
    }

    void usageErrors()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const RunResult r = runCli(arguments);
        QCOMPARE(r.exitCode, exitCode);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
    }

    void failures_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        const auto args = [](const char *text) {
            return QString::fromLatin1(text).split(QLatin1Char(' '), Qt::SkipEmptyParts);
        };
        QTest::newRow("javascript redirect")
            << args("clients add --auth-method none --redirect-uri javascript:alert(1)")
            << "invalid_redirect_uri";
        QTest::newRow("http redirect off loopback")
            << args("clients add --redirect-uri http://evil.example/cb") << "invalid_redirect_uri";
        QTest::newRow("bad id") << args("clients add --id a/b --redirect-uri https://a.example/cb")
                                << "may only contain";
        QTest::newRow("jwks file missing")
            << args("clients add --auth-method private_key_jwt --jwks-file /nonexistent.json")
            << "cannot read /nonexistent.json";
        QTest::newRow("config missing") << args("keys rotate --config /nonexistent/mcpauth.json")
                                        << "cannot read /nonexistent/mcpauth.json";
        QTest::newRow("unknown client") << args("clients show nobody") << "no client";
        QTest::newRow("unknown token") << args("tokens show 424242") << "not_found";
        QTest::newRow("unknown user") << args("users remove nobody") << "no user named nobody";
    }

    void failures()
    {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const QString store = freshStore();
        QVERIFY(!store.isEmpty());
        const RunResult r = runCli(arguments + QStringList{QStringLiteral("--store"), store});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("mcpauth: ")), qPrintable(r.err));
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestAdminCli)
#include "tst_admin_cli.moc"
