#include "pgserver.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTcpServer>
#include <QUrl>
#include <QUuid>

#include "crypto/random.h"

#ifdef Q_OS_UNIX
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace TestSupport {

namespace {

const QString kSuperuser = QStringLiteral("postgres");

Core::Error harnessError(const QString &message)
{
    return Core::makeError(QStringLiteral("pg_harness"), message);
}

quint16 freeLoopbackPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    return server.serverPort();
}

QString shellQuote(const QString &s)
{
    QString out = s;
    out.replace(u'\'', QStringLiteral("'\\''"));
    return u'\'' + out + u'\'';
}

} // namespace

PgServer::PgServer() = default;

PgServer::~PgServer()
{
    stop();
}

QString PgServer::binDir()
{
    const QString env = qEnvironmentVariable("MCPAUTH_PG_BINDIR");
    return env.isEmpty() ? QStringLiteral("/usr/lib/postgresql/15/bin") : env;
}

QString PgServer::urlFor(const QString &name) const
{
    // Concatenated, not arg(): the encoded password holds '%' sequences.
    return QStringLiteral("postgresql://") + kSuperuser + u':' +
           QString::fromLatin1(QUrl::toPercentEncoding(m_password)) +
           QStringLiteral("@127.0.0.1:") + QString::number(m_port) + u'/' + name;
}

QString PgServer::logTail() const
{
    if (!m_dir)
        return {};
    QFile log(m_dir->filePath(QStringLiteral("server.log")));
    if (!log.open(QIODevice::ReadOnly))
        return {};
    const QByteArray all = log.readAll();
    return QString::fromUtf8(all.right(2000));
}

Core::Status PgServer::run(const QString &program, const QStringList &args, int timeoutMs,
                           const QString &what) const
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setWorkingDirectory(m_dir->path());
    if (m_asPostgresUser) {
        QStringList all{QStringLiteral("-u"), kSuperuser, QStringLiteral("--"), program};
        all.append(args);
        process.start(QStringLiteral("runuser"), all);
    } else {
        process.start(program, args);
    }
    if (!process.waitForStarted(10000))
        return harnessError(
            QStringLiteral("%1: cannot start %2: %3").arg(what, program, process.errorString()));
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished(5000);
        return harnessError(
            QStringLiteral("%1: %2 did not finish within %3 ms").arg(what, program).arg(timeoutMs));
    }
    if (process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return harnessError(QStringLiteral("%1 failed (exit %2): %3")
                                .arg(what)
                                .arg(process.exitCode())
                                .arg(QString::fromLocal8Bit(process.readAll()).right(1500)));
    return {};
}

Core::Result<QString> PgServer::start()
{
    if (m_running)
        return urlFor(QStringLiteral("mcpauth_test"));
    const QString bin = binDir();
    const QString initdb = bin + QStringLiteral("/initdb");
    const QString pgctl = bin + QStringLiteral("/pg_ctl");
    for (const QString &tool : {initdb, pgctl, QString(bin + QStringLiteral("/postgres"))}) {
        if (!QFileInfo(tool).isExecutable())
            return harnessError(
                QStringLiteral("PostgreSQL binaries not found: %1 is missing. Install the "
                               "PostgreSQL 15 server (Debian: apt-get install postgresql) or set "
                               "MCPAUTH_PG_BINDIR to its bin directory. The PostgreSQL half of "
                               "the store tests cannot run without it.")
                    .arg(tool));
    }

    m_dir =
        std::make_unique<QTemporaryDir>(QDir::tempPath() + QStringLiteral("/mcpauth-pg-XXXXXX"));
    if (!m_dir->isValid())
        return harnessError(
            QStringLiteral("cannot create a temporary directory: %1").arg(m_dir->errorString()));
    // Random, and with characters that must be percent-encoded in the URL.
    m_password = QStringLiteral("p@ss:w/rd%") + QString::fromLatin1(Crypto::randomToken(12));
    const QString pwfile = m_dir->filePath(QStringLiteral("pwfile"));
    {
        QFile f(pwfile);
        if (!f.open(QIODevice::WriteOnly))
            return harnessError(QStringLiteral("cannot write %1").arg(pwfile));
        f.write(m_password.toUtf8() + '\n');
    }

#ifdef Q_OS_UNIX
    if (::geteuid() == 0) {
        const passwd *pw = ::getpwnam("postgres");
        if (!pw)
            return harnessError(QStringLiteral("running as root, but there is no `postgres` OS "
                                               "user to run initdb as (initdb refuses root)"));
        m_asPostgresUser = true;
        const QByteArray dir = QFile::encodeName(m_dir->path());
        if (::chown(dir.constData(), pw->pw_uid, pw->pw_gid) != 0 ||
            ::chown(QFile::encodeName(pwfile).constData(), pw->pw_uid, pw->pw_gid) != 0)
            return harnessError(
                QStringLiteral("cannot hand %1 to the postgres user").arg(m_dir->path()));
    }
#endif

    const QString data = m_dir->filePath(QStringLiteral("data"));
    if (auto s = run(initdb,
                     {QStringLiteral("-D"), data, QStringLiteral("-U"), kSuperuser,
                      QStringLiteral("--pwfile=") + pwfile, QStringLiteral("--auth-local=trust"),
                      QStringLiteral("--auth-host=scram-sha-256"), QStringLiteral("-E"),
                      QStringLiteral("UTF8"), QStringLiteral("--no-locale"),
                      QStringLiteral("--no-sync")},
                     120000, QStringLiteral("initdb"));
        !s)
        return s.error();
    QFile::remove(pwfile);

    Core::Status started = harnessError(QStringLiteral("no attempt made"));
    for (int attempt = 0; attempt < 3 && !started; ++attempt) {
        m_port = freeLoopbackPort();
        if (m_port == 0)
            return harnessError(QStringLiteral("no free loopback port"));
        const QString options =
            QStringLiteral("-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off "
                           "-c synchronous_commit=off -c full_page_writes=off "
                           "-c max_connections=60 -c shared_buffers=32MB")
                .arg(m_port)
                .arg(m_dir->path());
        started = run(pgctl,
                      {QStringLiteral("-D"), data, QStringLiteral("-l"),
                       m_dir->filePath(QStringLiteral("server.log")), QStringLiteral("-w"),
                       QStringLiteral("-t"), QStringLiteral("60"), QStringLiteral("-o"), options,
                       QStringLiteral("start")},
                      90000, QStringLiteral("pg_ctl start"));
    }
    if (!started)
        return harnessError(started.error().message + QStringLiteral("\nserver log:\n") +
                            logTail());
    m_running = true;
    startWatchdog();
    return createDatabase(QStringLiteral("mcpauth_test"));
}

void PgServer::startWatchdog()
{
#ifdef Q_OS_UNIX
    // If this process dies without running stop(), stop the server and delete its files.
    const QString stopCmd =
        (m_asPostgresUser ? QStringLiteral("runuser -u postgres -- ") : QString()) +
        shellQuote(binDir() + QStringLiteral("/pg_ctl")) + QStringLiteral(" -D ") +
        shellQuote(m_dir->filePath(QStringLiteral("data"))) + QStringLiteral(" -m immediate stop");
    const QString script = QStringLiteral("while kill -0 %1 2>/dev/null; do sleep 1; done; "
                                          "if [ -d %2 ]; then %3; rm -rf %2; fi")
                               .arg(QCoreApplication::applicationPid())
                               .arg(shellQuote(m_dir->path()), stopCmd);
    QProcess watchdog;
    watchdog.setProgram(QStringLiteral("/bin/sh"));
    watchdog.setArguments({QStringLiteral("-c"), script});
    watchdog.setStandardInputFile(QProcess::nullDevice());
    watchdog.setStandardOutputFile(QProcess::nullDevice());
    watchdog.setStandardErrorFile(QProcess::nullDevice());
    watchdog.startDetached();
#endif
}

Core::Result<QString> PgServer::createDatabase(const QString &name)
{
    if (!m_running)
        return harnessError(QStringLiteral("the PostgreSQL test server is not running"));
    const QString connName = QStringLiteral("pgserver-admin-") + QUuid::createUuid().toString();
    Core::Status status;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), connName);
        db.setHostName(QStringLiteral("127.0.0.1"));
        db.setPort(m_port);
        db.setUserName(kSuperuser);
        db.setPassword(m_password);
        db.setDatabaseName(QStringLiteral("postgres"));
        if (!db.open()) {
            status = harnessError(
                QStringLiteral("cannot connect to the test server: %1").arg(db.lastError().text()));
        } else {
            QSqlQuery q(db);
            if (!q.exec(QStringLiteral("CREATE DATABASE \"%1\"").arg(name)))
                status = harnessError(QStringLiteral("CREATE DATABASE %1 failed: %2")
                                          .arg(name, q.lastError().text()));
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(connName);
    if (!status)
        return status.error();
    return urlFor(name);
}

void PgServer::stop()
{
    if (!m_dir)
        return;
    if (m_running) {
        (void)run(binDir() + QStringLiteral("/pg_ctl"),
                  {QStringLiteral("-D"), m_dir->filePath(QStringLiteral("data")),
                   QStringLiteral("-m"), QStringLiteral("fast"), QStringLiteral("-w"),
                   QStringLiteral("stop")},
                  60000, QStringLiteral("pg_ctl stop"));
        m_running = false;
    }
    m_dir->remove();
    m_dir.reset();
}

} // namespace TestSupport
