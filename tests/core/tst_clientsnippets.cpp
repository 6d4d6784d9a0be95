// The "connect your own MCP client" snippets: every snippet names the MCP URL exactly,
// JSON snippets parse, shell snippets quote what needs quoting, and a running engine's
// URLs are what the snippets carry.

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTemporaryDir>
#include <QtTest>

#include "clientsnippets.h"
#include "engine.h"

class TestClientSnippets final : public QObject
{
    Q_OBJECT

private:
    static Core::ConnectionInfo sampleInfo(const QString &mcpUrl)
    {
        Core::ConnectionInfo info;
        info.mcpUrl = mcpUrl;
        info.prmUrl = Core::protectedResourceMetadataUrl(mcpUrl);
        info.issuer = QStringLiteral("http://127.0.0.1:9400");
        return info;
    }

private slots:
    void prmUrl_data()
    {
        QTest::addColumn<QString>("mcpUrl");
        QTest::addColumn<QString>("expected");
        QTest::newRow("path")
            << QStringLiteral("http://127.0.0.1:9401/mcp")
            << QStringLiteral("http://127.0.0.1:9401/.well-known/oauth-protected-resource/mcp");
        QTest::newRow("root") << QStringLiteral("https://mcp.example")
                              << QStringLiteral(
                                     "https://mcp.example/.well-known/oauth-protected-resource");
        QTest::newRow("root slash")
            << QStringLiteral("https://mcp.example/")
            << QStringLiteral("https://mcp.example/.well-known/oauth-protected-resource");
        QTest::newRow("ipv6") << QStringLiteral("http://[::1]:9401/mcp")
                              << QStringLiteral(
                                     "http://[::1]:9401/.well-known/oauth-protected-resource/mcp");
        QTest::newRow("not http") << QStringLiteral("ftp://x/mcp") << QString();
        QTest::newRow("relative") << QStringLiteral("/mcp") << QString();
        QTest::newRow("empty") << QString() << QString();
    }

    void prmUrl()
    {
        QFETCH(QString, mcpUrl);
        QFETCH(QString, expected);
        QCOMPARE(Core::protectedResourceMetadataUrl(mcpUrl), expected);
    }

    void emptyWhenStopped()
    {
        QVERIFY(Core::clientSnippets(Core::ConnectionInfo{}).isEmpty());
        Core::Engine engine;
        QVERIFY(Core::connectionInfo(engine).isEmpty());
    }

    void everySnippetNamesTheUrl_data()
    {
        QTest::addColumn<QString>("mcpUrl");
        QTest::newRow("plain") << QStringLiteral("http://127.0.0.1:9401/mcp");
        QTest::newRow("quote in path") << QStringLiteral("http://127.0.0.1:9401/it's/mcp");
        QTest::newRow("ipv6") << QStringLiteral("http://[::1]:9401/mcp");
    }

    void everySnippetNamesTheUrl()
    {
        QFETCH(QString, mcpUrl);
        const QList<Core::ClientSnippet> snippets = Core::clientSnippets(sampleInfo(mcpUrl));
        QStringList ids;
        for (const Core::ClientSnippet &snippet : snippets) {
            ids.append(snippet.id);
            QVERIFY(!snippet.title.isEmpty());
            if (snippet.language == QLatin1String("json")) {
                QJsonParseError error;
                const QJsonDocument document =
                    QJsonDocument::fromJson(snippet.text.toUtf8(), &error);
                QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(snippet.text));
                QVERIFY2(document.toJson(QJsonDocument::Compact).contains(mcpUrl.toUtf8()),
                         qPrintable(snippet.id));
            } else {
                QCOMPARE(snippet.language, QStringLiteral("shell"));
                const QString quoted = mcpUrl.contains(QLatin1Char('\''))
                                           ? QStringLiteral("'") +
                                                 QString(mcpUrl).replace(QStringLiteral("'"),
                                                                         QStringLiteral("'\\''")) +
                                                 QStringLiteral("'")
                                           : mcpUrl;
                QVERIFY2(snippet.text.contains(quoted), qPrintable(snippet.text));
            }
        }
        QCOMPARE(ids,
                 (QStringList{QStringLiteral("claude-code"), QStringLiteral("claude-code-json"),
                              QStringLiteral("claude-desktop"), QStringLiteral("vscode"),
                              QStringLiteral("inspector"), QStringLiteral("curl")}));
    }

    void vscodeShape()
    {
        const auto snippets = Core::clientSnippets(sampleInfo(QStringLiteral("http://h:1/mcp")));
        const auto vscode = std::find_if(snippets.begin(), snippets.end(), [](const auto &s) {
            return s.id == QLatin1String("vscode");
        });
        QVERIFY(vscode != snippets.end());
        const QJsonObject server = QJsonDocument::fromJson(vscode->text.toUtf8())
                                       .object()
                                       .value(QStringLiteral("servers"))
                                       .toObject()
                                       .value(QStringLiteral("mcpauth-studio"))
                                       .toObject();
        QCOMPARE(server.value(QStringLiteral("type")).toString(), QStringLiteral("http"));
        QCOMPARE(server.value(QStringLiteral("url")).toString(), QStringLiteral("http://h:1/mcp"));
    }

    void tlsAddsFingerprint()
    {
        Core::ConnectionInfo info = sampleInfo(QStringLiteral("https://127.0.0.1:9401/mcp"));
        info.tlsFingerprint = QStringLiteral("AB:CD");
        const auto snippets = Core::clientSnippets(info);
        QVERIFY(snippets.last().text.contains(QStringLiteral("AB:CD")));
        QVERIFY(snippets.last().text.contains(QStringLiteral("curl -k -s")));
    }

    void runningEngine()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        Core::Engine engine;
        Core::ServerConfig config;
        config.storeUrl = QStringLiteral("sqlite://") + dir.filePath(QStringLiteral("s.db"));
        config.adminTokenFile = dir.filePath(QStringLiteral("admin-token"));
        config.asPort = 0;
        config.rsPort = 0;
        config.workerThreads = 1;
        const Core::Status started = engine.start(config);
        QVERIFY2(started.ok(), qPrintable(started.ok() ? QString() : started.error().message));
        const Core::ConnectionInfo info = Core::connectionInfo(engine);
        QCOMPARE(info.mcpUrl, engine.mcpResourceUri());
        QVERIFY(info.mcpUrl.startsWith(engine.resourceServerUrl().toString()));
        QCOMPARE(info.issuer, engine.issuer());
        // The PRM URL in the snippets is the one the RS really serves.
        QNetworkAccessManager network;
        QNetworkReply *reply = network.get(QNetworkRequest(QUrl(info.prmUrl)));
        QSignalSpy finished(reply, &QNetworkReply::finished);
        QVERIFY(finished.wait(10000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        const QJsonObject prm = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(prm.value(QStringLiteral("resource")).toString(), info.mcpUrl);
        reply->deleteLater();
        for (const Core::ClientSnippet &snippet : Core::clientSnippets(info))
            QVERIFY2(snippet.text.contains(info.mcpUrl), qPrintable(snippet.id));
        engine.stop();
    }
};

QTEST_GUILESS_MAIN(TestClientSnippets)
#include "tst_clientsnippets.moc"
