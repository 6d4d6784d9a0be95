// Client credentials kept per issuer, end to end through the command line: real
// `mcpauth serve` processes on loopback (one asking the demo user to sign in on the device
// page, one approving by itself), `mcpauth flow --credentials file` walks that reuse the
// stored client, `mcpauth flow-credentials list|remove`, a credentials file others can read,
// the default store under XDG_DATA_HOME and the conformance mode that keeps nothing.
//
// Every child process gets private XDG folders and no D-Bus session (so no OS keychain):
// nothing lands in the developer's home or keychain even when run outside CTest.
#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

#include "clirun.h"
#include "crypto/mask.h"
#include "flow/credentialstore.h"

namespace {

using Ran = TestSupport::CliRun;

Ran runCli(const QStringList &arguments, int timeoutMs = 20000)
{
    return TestSupport::runProgram(QStringLiteral(MCPAUTH_CLI), arguments, {}, timeoutMs);
}

QJsonObject jsonOf(const Ran &ran)
{
    return QJsonDocument::fromJson(ran.out.toUtf8()).object();
}

/// The check `rule` of a `mcpauth flow --json` run; empty when the run has none.
QJsonObject findCheck(const QJsonObject &run, const QString &rule)
{
    for (const QJsonValue &step : run.value(QStringLiteral("steps")).toArray())
        for (const QJsonValue &check : step.toObject().value(QStringLiteral("checks")).toArray())
            if (check.toObject().value(QStringLiteral("rule")).toString() == rule)
                return check.toObject();
    return {};
}

/// The status of the step `id` ("passed", "failed", ...); empty when the run has none.
QString stepStatus(const QJsonObject &run, const QString &id)
{
    for (const QJsonValue &step : run.value(QStringLiteral("steps")).toArray())
        if (step.toObject().value(QStringLiteral("id")).toString() == id)
            return step.toObject().value(QStringLiteral("status")).toString();
    return {};
}

int fileMode(const QString &path)
{
    struct stat st
    {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? int(st.st_mode & 0777) : -1;
}

QByteArray contentOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

/// Sets an environment variable for the children started in this scope.
class ScopedEnv final
{
    Q_DISABLE_COPY_MOVE(ScopedEnv)

public:
    ScopedEnv(const char *name, const QByteArray &value)
        : m_name(name)
    {
        qputenv(m_name, value);
    }
    ~ScopedEnv() { qunsetenv(m_name); }

private:
    const char *m_name;
};

/// One `mcpauth serve` process with its own SQLite store.
struct Server
{
    QProcess process;
    QString storeUrl;
    QString mcp;
    QString issuer;
};

} // namespace

class TestFlowCredentialsCli final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void secondWalkReusesThenListAndRemove_data();
    void secondWalkReusesThenListAndRemove();
    void listMasksSecrets();
    void removeUnknownIssuerFails();
    void insecureFileWarnsAndIsLeftAlone_data();
    void insecureFileWarnsAndIsLeftAlone();
    void deviceGrantReusesStoredClient_data();
    void deviceGrantReusesStoredClient();
    void defaultStoreIsUnderXdgDataHome();
    void conformanceModeKeepsNothing();

private:
    bool startServer(Server &server, const QString &name, bool autoApprove);
    QStringList walk(const Server &server, const QString &credentialsFile) const;
    qint64 clientCount(const Server &server) const;
    QString nextFile() { return m_dir.filePath(QStringLiteral("c%1.json").arg(++m_files)); }

    QTemporaryDir m_dir;
    Server m_signIn;
    Server m_autoApprove;
    QString m_passwordFile;
    int m_files = 0;
};

bool TestFlowCredentialsCli::startServer(Server &server, const QString &name, bool autoApprove)
{
    const QString config = m_dir.filePath(name + QStringLiteral(".json"));
    QFile file(config);
    if (!file.open(QIODevice::WriteOnly))
        return false;
    server.storeUrl = QStringLiteral("sqlite://") + m_dir.filePath(name + QStringLiteral(".db"));
    // Polling every second keeps the device walks short.
    const QJsonObject settings{{QStringLiteral("store"), server.storeUrl},
                               {QStringLiteral("as_port"), 0},
                               {QStringLiteral("rs_port"), 0},
                               {QStringLiteral("authorization_server"),
                                QJsonObject{{QStringLiteral("device_poll_interval"), 1},
                                            {QStringLiteral("auto_approve"), autoApprove}}}};
    file.write(QJsonDocument(settings).toJson());
    file.close();
    const QString ready = m_dir.filePath(name + QStringLiteral("-ready.json"));
    server.process.start(QStringLiteral(MCPAUTH_CLI),
                         {QStringLiteral("serve"), QStringLiteral("--config"), config,
                          QStringLiteral("--workers"), QStringLiteral("2"),
                          QStringLiteral("--show-demo-password"), QStringLiteral("--ready-file"),
                          ready});
    if (!server.process.waitForStarted() ||
        !QTest::qWaitFor([&] { return QFile::exists(ready); }, 20000))
        return false;
    const QJsonObject urls = QJsonDocument::fromJson(contentOf(ready)).object();
    server.mcp = urls.value(QStringLiteral("mcp_resource")).toString();
    server.issuer = urls.value(QStringLiteral("issuer")).toString();
    return server.mcp.startsWith(QLatin1String("http://127.0.0.1:")) && !server.issuer.isEmpty();
}

void TestFlowCredentialsCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    ::umask(022); // a file written without care would be world-readable
    for (const char *name : {"XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"})
        qputenv(name, QFile::encodeName(m_dir.filePath(QString::fromLatin1(name).toLower())));
    qputenv("DBUS_SESSION_BUS_ADDRESS", "disabled:");
    qunsetenv("MCP_CONFORMANCE_SCENARIO");
    qunsetenv("MCP_CONFORMANCE_CONTEXT");
    QVERIFY(startServer(m_signIn, QStringLiteral("signin"), false));
    QVERIFY(startServer(m_autoApprove, QStringLiteral("auto"), true));

    // The demo password is printed before the ready file is written.
    static const QRegularExpression demo(QStringLiteral("Demo user:\\s+demo / (\\S+)"));
    QString output;
    QTRY_VERIFY_WITH_TIMEOUT((output += QString::fromUtf8(m_signIn.process.readAllStandardOutput()),
                              demo.match(output).hasMatch()),
                             10000);
    m_passwordFile = m_dir.filePath(QStringLiteral("password.txt"));
    QFile passwordFile(m_passwordFile);
    QVERIFY(passwordFile.open(QIODevice::WriteOnly));
    passwordFile.write(demo.match(output).captured(1).toUtf8() + '\n');
}

void TestFlowCredentialsCli::cleanupTestCase()
{
    for (Server *server : {&m_signIn, &m_autoApprove}) {
        server->process.terminate();
        QVERIFY(server->process.waitForFinished(10000));
    }
}

/// A headless walk keeping its client in `credentialsFile` (none: the default store).
QStringList TestFlowCredentialsCli::walk(const Server &server, const QString &credentialsFile) const
{
    QStringList arguments{QStringLiteral("flow"),
                          server.mcp,
                          QStringLiteral("--browser"),
                          QStringLiteral("headless"),
                          QStringLiteral("--username"),
                          QStringLiteral("demo"),
                          QStringLiteral("--password-file"),
                          m_passwordFile,
                          QStringLiteral("--json")};
    if (!credentialsFile.isEmpty())
        arguments += {QStringLiteral("--credentials"), QStringLiteral("file"),
                      QStringLiteral("--credentials-file"), credentialsFile};
    return arguments;
}

/// The clients the server's AS knows, counted by `mcpauth clients list` on its store.
qint64 TestFlowCredentialsCli::clientCount(const Server &server) const
{
    const Ran ran = runCli({QStringLiteral("clients"), QStringLiteral("list"),
                            QStringLiteral("--store"), server.storeUrl, QStringLiteral("--json")});
    if (ran.exitCode != 0)
        return -1;
    return jsonOf(ran).value(QStringLiteral("clients")).toArray().size();
}

void TestFlowCredentialsCli::secondWalkReusesThenListAndRemove_data()
{
    QTest::addColumn<QStringList>("storeOptions"); // how the file is named for list/remove
    QTest::newRow("--credentials file --credentials-file F")
        << QStringList{QStringLiteral("--credentials"), QStringLiteral("file"),
                       QStringLiteral("--credentials-file")};
    QTest::newRow("--credentials-file F alone")
        << QStringList{QStringLiteral("--credentials-file")};
}

void TestFlowCredentialsCli::secondWalkReusesThenListAndRemove()
{
    QFETCH(QStringList, storeOptions);
    const QString path = nextFile();
    const Ran first = runCli(walk(m_signIn, path));
    QVERIFY2(first.exitCode == 0, qPrintable(first.out + first.err));
    QVERIFY(!findCheck(jsonOf(first), QStringLiteral("registration.stored")).isEmpty());
    QVERIFY(findCheck(jsonOf(first), QStringLiteral("registration.reused")).isEmpty());
    QCOMPARE(fileMode(path), 0600);
    const qint64 clients = clientCount(m_signIn);
    QVERIFY(clients > 0);

    const Ran second = runCli(walk(m_signIn, path));
    QVERIFY2(second.exitCode == 0, qPrintable(second.out + second.err));
    const QJsonObject reused = findCheck(jsonOf(second), QStringLiteral("registration.reused"));
    QCOMPARE(reused.value(QStringLiteral("verdict")).toString(), QStringLiteral("pass"));
    QCOMPARE(clientCount(m_signIn), clients);
    const auto entries = Flow::FileCredentialStore(path).read();
    QVERIFY(entries);
    QString clientId;
    for (auto it = entries->cbegin(); it != entries->cend(); ++it)
        if (Flow::ClientKey::parse(it.key()))
            clientId = it.value().value(QStringLiteral("client_id")).toString();
    QVERIFY(!clientId.isEmpty());
    QVERIFY(reused.value(QStringLiteral("explanation")).toString().contains(clientId));

    const QStringList store = storeOptions + QStringList{path};
    const Ran text =
        runCli(QStringList{QStringLiteral("flow-credentials"), QStringLiteral("list")} + store);
    QVERIFY2(text.exitCode == 0, qPrintable(text.err));
    QVERIFY2(text.out.contains(m_signIn.issuer) && text.out.contains(clientId),
             qPrintable(text.out));
    QVERIFY(
        text.out.contains(QStringLiteral("Server %1 uses %2").arg(m_signIn.mcp, m_signIn.issuer)));
    const Ran json = runCli(QStringList{QStringLiteral("flow-credentials"), QStringLiteral("list"),
                                        QStringLiteral("--json")} +
                            store);
    QCOMPARE(json.exitCode, 0);
    const QJsonArray listed = jsonOf(json).value(QStringLiteral("clients")).toArray();
    QCOMPARE(listed.size(), 1);
    QCOMPARE(listed.first().toObject().value(QStringLiteral("issuer")).toString(), m_signIn.issuer);
    QCOMPARE(listed.first().toObject().value(QStringLiteral("client_id")).toString(), clientId);

    const Ran removed = runCli(
        QStringList{QStringLiteral("flow-credentials"), QStringLiteral("remove"), m_signIn.issuer} +
        store);
    QVERIFY2(removed.exitCode == 0, qPrintable(removed.err));
    QVERIFY(
        removed.out.contains(QStringLiteral("Removed the stored clients of ") + m_signIn.issuer));
    QVERIFY(!contentOf(path).contains(m_signIn.issuer.toUtf8()));
    QCOMPARE(fileMode(path), 0600);
    const Ran empty =
        runCli(QStringList{QStringLiteral("flow-credentials"), QStringLiteral("list")} + store);
    QCOMPARE(empty.exitCode, 0);
    QVERIFY2(empty.out.contains(QLatin1String("(none)")), qPrintable(empty.out));

    // Removed: the next walk registers a client again.
    const Ran third = runCli(walk(m_signIn, path));
    QVERIFY2(third.exitCode == 0, qPrintable(third.out + third.err));
    QVERIFY(findCheck(jsonOf(third), QStringLiteral("registration.reused")).isEmpty());
    QCOMPARE(clientCount(m_signIn), clients + 1);
}

// A confidential client (secret from a real registration at our AS) and an RFC 7592
// registration access token are listed masked; neither appears whole in any output.
void TestFlowCredentialsCli::listMasksSecrets()
{
    QNetworkAccessManager network;
    QNetworkRequest request(QUrl(m_signIn.issuer + QStringLiteral("/register")));
    request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
    const QJsonObject metadata{
        {QStringLiteral("client_name"), QStringLiteral("confidential tool")},
        {QStringLiteral("redirect_uris"), QJsonArray{QStringLiteral("http://127.0.0.1:5000/cb")}},
        {QStringLiteral("grant_types"), QJsonArray{QStringLiteral("authorization_code")}},
        {QStringLiteral("token_endpoint_auth_method"), QStringLiteral("client_secret_basic")}};
    QNetworkReply *reply = network.post(request, QJsonDocument(metadata).toJson());
    QSignalSpy done(reply, &QNetworkReply::finished);
    QVERIFY(done.wait(10000));
    QJsonObject response = QJsonDocument::fromJson(reply->readAll()).object();
    reply->deleteLater();
    const QString secret = response.value(QStringLiteral("client_secret")).toString();
    QVERIFY2(secret.size() >= 20, QJsonDocument(response).toJson().constData());
    const QString registrationToken = QStringLiteral("rat_Zq8vJ3kL0pWx7sN2bY5tR9cD4fG6hM1e");
    if (!response.contains(QStringLiteral("registration_access_token")))
        response.insert(QStringLiteral("registration_access_token"), registrationToken);
    const QString token = response.value(QStringLiteral("registration_access_token")).toString();
    auto stored = Flow::StoredClient::fromRegistrationResponse(
        response, m_signIn.issuer + QStringLiteral("/register"), QDateTime::currentDateTimeUtc());
    QVERIFY(stored);

    const QString path = nextFile();
    const Flow::ClientKey key{m_signIn.issuer,
                              QStringLiteral("dcr"),
                              Flow::redirectShape(QStringLiteral("http://127.0.0.1:5000/cb")),
                              QStringLiteral("confidential tool"),
                              {QStringLiteral("authorization_code")}};
    QVERIFY(Flow::FileCredentialStore(path).write({{key.toString(), stored->toJson()}}));
    QVERIFY(contentOf(path).contains(secret.toUtf8()));

    const QStringList store{QStringLiteral("--credentials-file"), path};
    const Ran text =
        runCli(QStringList{QStringLiteral("flow-credentials"), QStringLiteral("list")} + store);
    const Ran json = runCli(QStringList{QStringLiteral("flow-credentials"), QStringLiteral("list"),
                                        QStringLiteral("--json")} +
                            store);
    QCOMPARE(text.exitCode, 0);
    QCOMPARE(json.exitCode, 0);
    const QString maskedSecret = Crypto::maskSecret(secret.toUtf8());
    QVERIFY2(text.out.contains(QStringLiteral("secret ") + maskedSecret), qPrintable(text.out));
    const QJsonObject client =
        jsonOf(json).value(QStringLiteral("clients")).toArray().first().toObject();
    QCOMPARE(client.value(QStringLiteral("client_id")).toString(), stored->clientId);
    QCOMPARE(client.value(QStringLiteral("client_secret")).toString(), maskedSecret);
    QCOMPARE(client.value(QStringLiteral("registration_access_token")).toString(),
             Crypto::maskSecret(token.toUtf8()));
    for (const Ran *ran : {&text, &json})
        for (const QString &whole : {secret, token}) {
            QVERIFY2(!ran->out.contains(whole), qPrintable(ran->out));
            QVERIFY2(!ran->err.contains(whole), qPrintable(ran->err));
        }
}

void TestFlowCredentialsCli::removeUnknownIssuerFails()
{
    const QString path = nextFile();
    const Ran walked = runCli(walk(m_signIn, path));
    QVERIFY2(walked.exitCode == 0, qPrintable(walked.out + walked.err));
    const QByteArray before = contentOf(path);
    const QStringList remove{QStringLiteral("flow-credentials"), QStringLiteral("remove"),
                             QStringLiteral("https://unknown.example"),
                             QStringLiteral("--credentials-file"), path};
    const Ran first = runCli(remove);
    QCOMPARE(first.exitCode, 1);
    QVERIFY2(first.err.contains(QStringLiteral("no client is stored for the issuer "
                                               "https://unknown.example")),
             qPrintable(first.err));
    QVERIFY(first.err.contains(QLatin1String("flow-credentials list")));
    QCOMPARE(contentOf(path), before);

    // The real issuer once, then again: the second remove finds nothing.
    QStringList real = remove;
    real[2] = m_signIn.issuer;
    QCOMPARE(runCli(real).exitCode, 0);
    const Ran again = runCli(real);
    QCOMPARE(again.exitCode, 1);
    QVERIFY2(
        again.err.contains(QStringLiteral("no client is stored for the issuer ") + m_signIn.issuer),
        qPrintable(again.err));

    // Usage: remove needs exactly one issuer; none is no store.
    const Ran noIssuer = runCli({QStringLiteral("flow-credentials"), QStringLiteral("remove"),
                                 QStringLiteral("--credentials-file"), path});
    QCOMPARE(noIssuer.exitCode, 2);
    QVERIFY2(noIssuer.err.contains(QLatin1String("needs one issuer")), qPrintable(noIssuer.err));
    const Ran none = runCli({QStringLiteral("flow-credentials"), QStringLiteral("list"),
                             QStringLiteral("--credentials"), QStringLiteral("none")});
    QCOMPARE(none.exitCode, 2);
    QVERIFY2(none.err.contains(QLatin1String("nothing to list")), qPrintable(none.err));
}

void TestFlowCredentialsCli::insecureFileWarnsAndIsLeftAlone_data()
{
    QTest::addColumn<int>("mode");
    QTest::newRow("world-readable 0644") << 0644;
    QTest::newRow("group-readable 0640") << 0640;
}

// A credentials file others can read may have leaked: the walk says so (with the fix),
// registers a client without storing it and leaves the file as it is; list refuses it.
void TestFlowCredentialsCli::insecureFileWarnsAndIsLeftAlone()
{
    QFETCH(int, mode);
    const QString path = nextFile();
    const Ran stored = runCli(walk(m_signIn, path));
    QVERIFY2(stored.exitCode == 0, qPrintable(stored.out + stored.err));
    QCOMPARE(::chmod(QFile::encodeName(path).constData(), mode_t(mode)), 0);
    const QByteArray before = contentOf(path);
    const qint64 clients = clientCount(m_signIn);

    const Ran ran = runCli(walk(m_signIn, path));
    QVERIFY2(ran.exitCode == 0, qPrintable(ran.out + ran.err));
    const QJsonObject run = jsonOf(ran);
    QJsonObject warning;
    for (const QJsonValue &step : run.value(QStringLiteral("steps")).toArray())
        for (const QJsonValue &check : step.toObject().value(QStringLiteral("checks")).toArray())
            if (check.toObject().value(QStringLiteral("verdict")).toString() ==
                QLatin1String("warn"))
                warning = check.toObject();
    QCOMPARE(warning.value(QStringLiteral("rule")).toString(),
             QStringLiteral("registration.credential_store"));
    const QString explanation = warning.value(QStringLiteral("explanation")).toString();
    QVERIFY2(explanation.contains(QStringLiteral("chmod 600")) && explanation.contains(path),
             qPrintable(explanation));
    QVERIFY(findCheck(run, QStringLiteral("registration.reused")).isEmpty());
    QCOMPARE(clientCount(m_signIn), clients + 1);
    QCOMPARE(contentOf(path), before);
    QCOMPARE(fileMode(path), mode);

    const Ran listed = runCli({QStringLiteral("flow-credentials"), QStringLiteral("list"),
                               QStringLiteral("--credentials-file"), path});
    QCOMPARE(listed.exitCode, 1);
    QVERIFY2(listed.err.contains(QStringLiteral("chmod 600")), qPrintable(listed.err));
    QVERIFY(!listed.out.contains(QLatin1String("client_id")));
}

void TestFlowCredentialsCli::deviceGrantReusesStoredClient_data()
{
    QTest::addColumn<bool>("autoApprove");
    QTest::newRow("demo user signs in on the device page") << false;
    // The page answers "Device connected" at once, without a form.
    QTest::newRow("AS approves by itself") << true;
}

void TestFlowCredentialsCli::deviceGrantReusesStoredClient()
{
    QFETCH(bool, autoApprove);
    const Server &server = autoApprove ? m_autoApprove : m_signIn;
    const QString path = nextFile();
    const QStringList arguments =
        walk(server, path) + QStringList{QStringLiteral("--grant"), QStringLiteral("device")};
    const Ran first = runCli(arguments);
    QVERIFY2(first.exitCode == 0, qPrintable(first.out + first.err));
    QVERIFY(!findCheck(jsonOf(first), QStringLiteral("registration.stored")).isEmpty());
    QCOMPARE(stepStatus(jsonOf(first), QStringLiteral("device_token")), QStringLiteral("passed"));
    const qint64 clients = clientCount(server);

    const Ran second = runCli(arguments);
    QVERIFY2(second.exitCode == 0, qPrintable(second.out + second.err));
    QVERIFY(!findCheck(jsonOf(second), QStringLiteral("registration.reused")).isEmpty());
    QCOMPARE(stepStatus(jsonOf(second), QStringLiteral("device_token")), QStringLiteral("passed"));
    QCOMPARE(clientCount(server), clients);
    // The device client is its own entry (other grants), beside none of the PKCE walks'.
    const auto entries = Flow::FileCredentialStore(path).read();
    QVERIFY(entries);
    int devices = 0;
    for (auto it = entries->cbegin(); it != entries->cend(); ++it)
        if (const auto key = Flow::ClientKey::parse(it.key()))
            devices += key->grants.contains(
                QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"));
    QCOMPARE(devices, 1);
}

// Without --credentials the keychain is probed (no D-Bus here, so it does not answer) and
// the file under XDG_DATA_HOME is used; CTest sets XDG_DATA_HOME per test (mcpauth_add_test).
void TestFlowCredentialsCli::defaultStoreIsUnderXdgDataHome()
{
    const QString dataHome = qEnvironmentVariable("XDG_DATA_HOME");
    QVERIFY(dataHome.startsWith(m_dir.path()));

    const Ran ran = runCli(walk(m_signIn, QString()));
    QVERIFY2(ran.exitCode == 0, qPrintable(ran.out + ran.err));
    const QString explanation =
        findCheck(jsonOf(ran), QStringLiteral("registration.credential_store"))
            .value(QStringLiteral("explanation"))
            .toString();
    QVERIFY2(explanation.contains(QStringLiteral("keychain")) &&
                 explanation.contains(QStringLiteral("not available")),
             qPrintable(explanation));
    static const QRegularExpression file(
        QStringLiteral("kept per issuer in the file (.+?) \\(mode"));
    const QString path = file.match(explanation).captured(1);
    QVERIFY2(path.startsWith(dataHome + QLatin1Char('/')), qPrintable(explanation));
    QVERIFY(path.endsWith(QLatin1String("/flow-credentials.json")));
    QCOMPARE(fileMode(path), 0600);
    QVERIFY(contentOf(path).contains(m_signIn.issuer.toUtf8()));
    QVERIFY(QFile::remove(path));
}

// MCP_CONFORMANCE_SCENARIO set: nothing is kept unless asked for (each scenario starts
// from a fresh client).
void TestFlowCredentialsCli::conformanceModeKeepsNothing()
{
    const QString dataHome = qEnvironmentVariable("XDG_DATA_HOME");
    QDir(dataHome).removeRecursively();
    const ScopedEnv scenario("MCP_CONFORMANCE_SCENARIO", "auth/basic-dcr");
    // --forget-credentials has no store to forget from.
    const Ran forget =
        runCli({QStringLiteral("flow"), m_signIn.mcp, QStringLiteral("--forget-credentials")});
    QCOMPARE(forget.exitCode, 2);
    QVERIFY2(forget.err.contains(QLatin1String("--forget-credentials needs a credential store")),
             qPrintable(forget.err));

    // The conformance client registers by a Client ID Metadata Document, which our AS
    // accepts, so this walk never reaches the store: it only shows that nothing is written.
    const Ran ran = runCli(walk(m_signIn, QString()));
    QVERIFY2(ran.exitCode >= 0 && jsonOf(ran).contains(QStringLiteral("steps")),
             qPrintable(ran.out + ran.err));
    QVERIFY(findCheck(jsonOf(ran), QStringLiteral("registration.credential_store")).isEmpty());
    QVERIFY(findCheck(jsonOf(ran), QStringLiteral("registration.stored")).isEmpty());
    QVERIFY2(!QFileInfo::exists(dataHome) || QDir(dataHome).isEmpty(), qPrintable(dataHome));

    // An explicit choice still applies.
    const QString path = nextFile();
    const Ran explicitFile =
        runCli({QStringLiteral("flow"), m_signIn.mcp, QStringLiteral("--forget-credentials"),
                QStringLiteral("--credentials-file"), path, QStringLiteral("--timeout"),
                QStringLiteral("5")});
    QVERIFY2(!explicitFile.err.contains(QLatin1String("needs a credential store")),
             qPrintable(explicitFile.err));
}

QTEST_GUILESS_MAIN(TestFlowCredentialsCli)
#include "tst_flow_credentials_cli.moc"
