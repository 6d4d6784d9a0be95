// Opening a store: the URL forms (good and bad, never echoing a password) and what an
// opened SQLite file looks like (mode 0600, WAL, pragmas, busy handling).
#include <latch>
#include <thread>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "store/database.h"
#include "store/databaseurl.h"
#include "store/errors.h"
#include "store/settingsrepository.h"
#include "store/sqlutil.h"

using namespace Store;

class TestStoreOpen final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void goodUrls_data();
    void goodUrls();
    void badUrls_data();
    void badUrls();
    void displayMasksPassword();
    void defaultUrlIsAnAppDataFile();

    void fileModeIs0600();
    void pragmasApplied_data();
    void pragmasApplied();
    void missingDirectoryIsCreated();
    void busyGivesUpAfterMaxAttempts();
    void busyIsRetried();
    void unreachablePostgresIsClearError();

private:
    QTemporaryDir m_dir;
};

void TestStoreOpen::goodUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<int>("backend");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("sslMode");
    QTest::addColumn<int>("synchronous");

    const int sqlite = int(Backend::Sqlite);
    const int pg = int(Backend::PostgreSql);
    const int full = int(Synchronous::Full);
    const int normal = int(Synchronous::Normal);
    QTest::newRow("sqlite absolute")
        << "sqlite:///var/lib/mcpauth/store.db" << sqlite << "/var/lib/mcpauth/store.db"
        << "" << 5432 << ""
        << ""
        << ""
        << "" << full;
    QTest::newRow("sqlite synchronous=normal")
        << "sqlite:///tmp/a.db?synchronous=normal" << sqlite << "/tmp/a.db"
        << "" << 5432 << ""
        << ""
        << ""
        << "" << normal;
    QTest::newRow("sqlite synchronous=FULL")
        << "sqlite:///tmp/a.db?synchronous=FULL" << sqlite << "/tmp/a.db"
        << "" << 5432 << ""
        << ""
        << ""
        << "" << full;
    QTest::newRow("sqlite percent-encoded space")
        << "sqlite:///tmp/my%20dir/a.db" << sqlite << "/tmp/my dir/a.db"
        << "" << 5432 << ""
        << ""
        << ""
        << "" << full;
    QTest::newRow("sqlite upper-case scheme") << "SQLite:///tmp/a.db" << sqlite << "/tmp/a.db"
                                              << "" << 5432 << ""
                                              << ""
                                              << ""
                                              << "" << full;
    QTest::newRow("postgresql full") << "postgresql://alice:s3cret@db.example:6543/auth" << pg << ""
                                     << "db.example" << 6543 << "alice"
                                     << "s3cret"
                                     << "auth"
                                     << "" << full;
    QTest::newRow("postgres scheme, default port") << "postgres://bob@localhost/mcp" << pg << ""
                                                   << "localhost" << 5432 << "bob"
                                                   << ""
                                                   << "mcp"
                                                   << "" << full;
    QTest::newRow("password percent-decoded")
        << "postgresql://u:p%40ss%3Aw%2Frd%25@127.0.0.1:5432/d" << pg << ""
        << "127.0.0.1" << 5432 << "u"
        << "p@ss:w/rd%"
        << "d"
        << "" << full;
    QTest::newRow("sslmode") << "postgresql://u:pw@h/d?sslmode=verify-full" << pg << ""
                             << "h" << 5432 << "u"
                             << "pw"
                             << "d"
                             << "verify-full" << full;
    QTest::newRow("ipv6 host") << "postgresql://u@[::1]:5433/d" << pg << ""
                               << "::1" << 5433 << "u"
                               << ""
                               << "d"
                               << "" << full;
    QTest::newRow("encoded user and db") << "postgresql://al%20ice@h/my%2Ddb" << pg << ""
                                         << "h" << 5432 << "al ice"
                                         << ""
                                         << "my-db"
                                         << "" << full;
}

void TestStoreOpen::goodUrls()
{
    QFETCH(QString, url);
    QFETCH(int, backend);
    QFETCH(QString, path);
    QFETCH(QString, host);
    QFETCH(int, port);
    QFETCH(QString, user);
    QFETCH(QString, password);
    QFETCH(QString, database);
    QFETCH(QString, sslMode);
    QFETCH(int, synchronous);
    auto parsed = DatabaseUrl::parse(url);
    QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().toString()));
    QCOMPARE(int(parsed->backend), backend);
    QCOMPARE(parsed->path, path);
    QCOMPARE(parsed->host, host);
    QCOMPARE(parsed->port, port);
    QCOMPARE(parsed->user, user);
    QCOMPARE(parsed->password, password);
    QCOMPARE(parsed->database, database);
    QCOMPARE(parsed->sslMode, sslMode);
    QCOMPARE(int(parsed->synchronous), synchronous);
    // The display form parses back to the same thing (bar the masked password).
    auto again = DatabaseUrl::parse(parsed->display());
    QVERIFY(again.ok());
    QCOMPARE(again->path, parsed->path);
    QCOMPARE(again->host, parsed->host);
    QCOMPARE(again->database, parsed->database);
    if (!password.isEmpty())
        QVERIFY(!parsed->display().contains(password));
}

void TestStoreOpen::badUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("expected"); ///< a substring of the message
    QTest::addColumn<QString>("secret");   ///< must not appear in the message

    QTest::newRow("empty") << ""
                           << "empty"
                           << "";
    QTest::newRow("no scheme") << "/var/lib/store.db"
                               << "missing scheme"
                               << "";
    QTest::newRow("unknown scheme") << "mysql://root:hunter2x@h/d"
                                    << "unsupported scheme 'mysql'"
                                    << "hunter2x";
    QTest::newRow("sqlite relative") << "sqlite:store.db"
                                     << "relative"
                                     << "";
    QTest::newRow("sqlite two slashes with host") << "sqlite://host/x.db"
                                                  << "no host"
                                                  << "";
    QTest::newRow("sqlite memory") << "sqlite::memory:"
                                   << "in-memory"
                                   << "";
    QTest::newRow("sqlite directory") << "sqlite:///tmp/"
                                      << "directory"
                                      << "";
    QTest::newRow("sqlite root") << "sqlite:///"
                                 << "directory"
                                 << "";
    QTest::newRow("sqlite unknown parameter") << "sqlite:///tmp/a.db?mode=ro"
                                              << "unknown SQLite URL parameter 'mode'"
                                              << "";
    QTest::newRow("sqlite bad synchronous") << "sqlite:///tmp/a.db?synchronous=off"
                                            << "synchronous must be"
                                            << "";
    QTest::newRow("sqlite duplicate parameter")
        << "sqlite:///tmp/a.db?synchronous=full&synchronous=normal"
        << "given twice"
        << "";
    QTest::newRow("sqlite bad percent") << "sqlite:///tmp/a%zz.db"
                                        << "percent-encoding"
                                        << "";
    QTest::newRow("sqlite fragment") << "sqlite:///tmp/a.db#x"
                                     << "fragment"
                                     << "";
    QTest::newRow("pg missing //") << "postgresql:user@h/d"
                                   << "expected postgresql://"
                                   << "";
    QTest::newRow("pg missing user") << "postgresql://h:5432/d"
                                     << "missing user"
                                     << "";
    QTest::newRow("pg empty user") << "postgresql://:Sup3rSecret@h/d"
                                   << "missing user"
                                   << "Sup3rSecret";
    QTest::newRow("pg missing host") << "postgresql://u:Sup3rSecret@/d"
                                     << "missing host"
                                     << "Sup3rSecret";
    QTest::newRow("pg missing database") << "postgresql://u:Sup3rSecret@h:5432"
                                         << "missing database"
                                         << "Sup3rSecret";
    QTest::newRow("pg empty database") << "postgresql://u:Sup3rSecret@h/"
                                       << "missing database"
                                       << "Sup3rSecret";
    QTest::newRow("pg port not a number") << "postgresql://u:Sup3rSecret@h:abc/d"
                                          << "port"
                                          << "Sup3rSecret";
    QTest::newRow("pg port zero") << "postgresql://u:Sup3rSecret@h:0/d"
                                  << "port"
                                  << "Sup3rSecret";
    QTest::newRow("pg port too big") << "postgresql://u:Sup3rSecret@h:65536/d"
                                     << "port"
                                     << "Sup3rSecret";
    QTest::newRow("pg bad sslmode") << "postgresql://u:Sup3rSecret@h/d?sslmode=always"
                                    << "sslmode must be one of"
                                    << "Sup3rSecret";
    QTest::newRow("pg unknown parameter") << "postgresql://u:Sup3rSecret@h/d?password=x"
                                          << "unknown PostgreSQL URL parameter 'password'"
                                          << "Sup3rSecret";
    QTest::newRow("pg bad percent in password") << "postgresql://u:Sup3r%ZZSecret@h/d"
                                                << "percent-encoding in the password"
                                                << "Sup3r%ZZSecret";
    QTest::newRow("pg unencoded @ in password, no db") << "postgresql://u:pa@ss@h"
                                                       << "missing database"
                                                       << "pa@ss";
    QTest::newRow("pg unterminated ipv6") << "postgresql://u:Sup3rSecret@[::1/d"
                                          << "IPv6"
                                          << "Sup3rSecret";
    QTest::newRow("pg slash in database") << "postgresql://u:Sup3rSecret@h/d/e"
                                          << "'/'"
                                          << "Sup3rSecret";
    QTest::newRow("pg bad host character") << "postgresql://u:Sup3rSecret@h%20x/d"
                                           << "host name"
                                           << "Sup3rSecret";
    QTest::newRow("pg fragment") << "postgresql://u:Sup3rSecret@h/d#frag"
                                 << "fragment"
                                 << "Sup3rSecret";
}

void TestStoreOpen::badUrls()
{
    QFETCH(QString, url);
    QFETCH(QString, expected);
    QFETCH(QString, secret);
    auto parsed = DatabaseUrl::parse(url);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, ErrorCode::InvalidUrl);
    QVERIFY2(parsed.error().message.contains(expected), qPrintable(parsed.error().message));
    if (!secret.isEmpty())
        QVERIFY2(!parsed.error().message.contains(secret), qPrintable(parsed.error().message));
    // Database::open reports the same error without touching anything.
    auto db = Database::open(url);
    QVERIFY(!db.ok());
    QCOMPARE(db.error().code, ErrorCode::InvalidUrl);
    if (!secret.isEmpty())
        QVERIFY(!db.error().toString().contains(secret));
}

void TestStoreOpen::displayMasksPassword()
{
    auto parsed = DatabaseUrl::parse(QStringLiteral("postgresql://u:Sup3rSecret@h:1/d"));
    QVERIFY(parsed.ok());
    QCOMPARE(parsed->display(), QStringLiteral("postgresql://u:****@h:1/d"));
    QCOMPARE(maskDatabaseUrl(QStringLiteral("postgres://u:a@b@h/d")),
             QStringLiteral("postgres://u:****@h/d"));
}

void TestStoreOpen::defaultUrlIsAnAppDataFile()
{
    const QString url = defaultUrl();
    auto parsed = DatabaseUrl::parse(url);
    QVERIFY2(parsed.ok(), qPrintable(url));
    QCOMPARE(parsed->backend, Backend::Sqlite);
    QCOMPARE(QFileInfo(parsed->path).fileName(), QStringLiteral("mcpauth.db"));
    QVERIFY(QFileInfo(parsed->path).absoluteDir().exists());
    QCOMPARE(QFileInfo(parsed->path).absolutePath(),
             QDir::cleanPath(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)));
}

void TestStoreOpen::fileModeIs0600()
{
    const QString path = m_dir.filePath(QStringLiteral("mode.db"));
    auto db = Database::open(sqliteUrlForPath(path));
    QVERIFY2(db.ok(), qPrintable(db.ok() ? QString() : db.error().toString()));
    QVERIFY(SettingsRepository(*db).setValue(QStringLiteral("a"), QStringLiteral("b")).ok());
    const auto ownerOnly = QFile::ReadOwner | QFile::WriteOwner;
    const auto others = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther |
                        QFile::WriteOther | QFile::ExeOther | QFile::ExeOwner;
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        QFileInfo info(path + suffix);
        QVERIFY2(info.exists(), qPrintable(info.filePath()));
        QCOMPARE(info.permissions() & ownerOnly, ownerOnly);
        QVERIFY2(!(info.permissions() & others), qPrintable(info.filePath()));
    }
}

void TestStoreOpen::pragmasApplied_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<bool>("optionNormal");
    QTest::addColumn<QString>("expected");
    QTest::newRow("default FULL") << "" << false << "2";
    QTest::newRow("URL normal") << "?synchronous=normal" << false << "1";
    QTest::newRow("option normal") << "" << true << "1";
    QTest::newRow("option overrides URL") << "?synchronous=full" << true << "1";
}

void TestStoreOpen::pragmasApplied()
{
    QFETCH(QString, query);
    QFETCH(bool, optionNormal);
    QFETCH(QString, expected);
    static int n = 0;
    const QString path = m_dir.filePath(QStringLiteral("pragmas-%1.db").arg(++n));
    OpenOptions options;
    if (optionNormal)
        options.synchronous = Synchronous::Normal;
    auto db = Database::open(sqliteUrlForPath(path) + query, options);
    QVERIFY(db.ok());
    QSqlDatabase conn = (*db)->connection();
    const auto pragma = [&](const char *name) {
        QSqlQuery q(conn);
        q.exec(QStringLiteral("PRAGMA ") + QLatin1String(name));
        return q.next() ? q.value(0).toString() : QString();
    };
    QCOMPARE(pragma("journal_mode"), QStringLiteral("wal"));
    QCOMPARE(pragma("foreign_keys"), QStringLiteral("1"));
    QCOMPARE(pragma("synchronous"), expected);
    QVERIFY(pragma("busy_timeout").toInt() > 0);
}

void TestStoreOpen::missingDirectoryIsCreated()
{
    const QString path = m_dir.filePath(QStringLiteral("a/b/c.db"));
    auto db = Database::open(sqliteUrlForPath(path));
    QVERIFY(db.ok());
    QVERIFY(QFileInfo::exists(path));
}

void TestStoreOpen::busyGivesUpAfterMaxAttempts()
{
    const QString url = sqliteUrlForPath(m_dir.filePath(QStringLiteral("busy.db")));
    auto holder = Database::open(url);
    QVERIFY(holder.ok());
    OpenOptions options;
    options.busyTimeoutMs = 1;
    options.maxAttempts = 2;
    auto other = Database::open(url, options);
    QVERIFY(other.ok());
    // Another connection holds the write lock for the whole attempt.
    const auto s = (*holder)->transaction([&](QSqlDatabase &) {
        std::thread writer([&] {
            const auto w =
                SettingsRepository(*other).setValue(QStringLiteral("x"), QStringLiteral("y"));
            QVERIFY(!w.ok());
            QCOMPARE(w.error().code, ErrorCode::Busy);
            QVERIFY2(w.error().message.contains(QLatin1String("2 attempts")),
                     qPrintable(w.error().message));
        });
        writer.join();
        return Core::Status();
    });
    QVERIFY(s.ok());
}

void TestStoreOpen::busyIsRetried()
{
    const QString url = sqliteUrlForPath(m_dir.filePath(QStringLiteral("retry.db")));
    auto holder = Database::open(url);
    QVERIFY(holder.ok());
    OpenOptions options;
    options.busyTimeoutMs = 1; // every wait for the lock fails at once: only retries help
    options.maxAttempts = 200;
    auto other = Database::open(url, options);
    QVERIFY(other.ok());
    std::latch locked(1);
    Core::Status written = Core::makeError(QStringLiteral("test"), QStringLiteral("not run"));
    std::thread writer;
    const auto s = (*holder)->transaction([&](QSqlDatabase &c) {
        writer = std::thread([&] {
            locked.wait();
            written = SettingsRepository(*other).setValue(QStringLiteral("x"), QStringLiteral("y"));
        });
        locked.count_down();
        // Keep the lock while the writer's first attempts fail.
        QThread::msleep(100);
        return Sql::run(
            c,
            QStringLiteral("INSERT INTO settings (name, value, updated_at) VALUES ('h', '1', 0)"),
            {}, QStringLiteral("test"));
    });
    QVERIFY(s.ok());
    writer.join();
    QVERIFY2(written.ok(), qPrintable(written.ok() ? QString() : written.error().toString()));
    auto all = SettingsRepository(*holder).all();
    QVERIFY(all.ok());
    QCOMPARE(all->size(), 2);
}

void TestStoreOpen::unreachablePostgresIsClearError()
{
    auto db = Database::open(
        QStringLiteral("postgresql://u:Sup3rSecret@127.0.0.1:1/d?connect_timeout=2"));
    QVERIFY(!db.ok());
    QCOMPARE(db.error().code, ErrorCode::ConnectionFailed);
    QVERIFY2(db.error().message.contains(QLatin1String("127.0.0.1:1")),
             qPrintable(db.error().message));
    QVERIFY(!db.error().message.contains(QLatin1String("Sup3rSecret")));
}

QTEST_GUILESS_MAIN(TestStoreOpen)
#include "tst_store_open.moc"
