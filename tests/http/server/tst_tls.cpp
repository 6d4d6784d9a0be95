#include <QSslSocket>
#include <QTest>

#include "http/server.h"
#include "rawclient.h"

using namespace Http;

class TestTls : public QObject
{
    Q_OBJECT

private:
    static std::unique_ptr<Server> startTls(const TlsCredentials &credentials)
    {
        ServerOptions options;
        options.workerThreads = 2;
        options.tls = credentials;
        auto server = std::make_unique<Server>(options);
        server->router().handle("GET", "/hello", [](const Request &request) {
            return Response::text(200, request.secure ? "secure" : "plain");
        });
        if (!server->listen(QHostAddress::LocalHost, 0).ok())
            return nullptr;
        return server;
    }

private slots:
    void selfSignedCertificate()
    {
        const auto credentials = TlsCredentials::generateSelfSigned(7);
        if (!credentials.ok())
            QFAIL(qPrintable(credentials.error().toString()));
        const QSslCertificate &cert = credentials->certificate;
        QCOMPARE(credentials->privateKey.algorithm(), QSsl::Ec);
        QCOMPARE(cert.subjectInfo(QSslCertificate::CommonName),
                 QStringList{QStringLiteral("localhost")});
        const auto san = cert.subjectAlternativeNames();
        QVERIFY(san.values(QSsl::IpAddressEntry).contains(QStringLiteral("127.0.0.1")));
        QVERIFY(san.values(QSsl::IpAddressEntry).contains(QStringLiteral("0:0:0:0:0:0:0:1")) ||
                san.values(QSsl::IpAddressEntry).contains(QStringLiteral("::1")));
        QVERIFY(san.values(QSsl::DnsEntry).contains(QStringLiteral("localhost")));
        QVERIFY(cert.expiryDate() > QDateTime::currentDateTimeUtc().addDays(6));
        QVERIFY(cert.isSelfSigned());
        const QByteArray fingerprint = credentials->sha256Fingerprint();
        QCOMPARE(fingerprint.size(), 32 * 3 - 1);
        QCOMPARE(fingerprint, cert.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
    }

    void pemRoundTripAndMismatch()
    {
        const auto a = TlsCredentials::generateSelfSigned();
        const auto b = TlsCredentials::generateSelfSigned();
        QVERIFY(a.ok() && b.ok());
        const auto same = TlsCredentials::fromPem(a->certificate.toPem(), a->privateKey.toPem());
        QVERIFY(same.ok());
        QCOMPARE(same->sha256Fingerprint(), a->sha256Fingerprint());
        const auto mismatch =
            TlsCredentials::fromPem(a->certificate.toPem(), b->privateKey.toPem());
        QVERIFY(!mismatch.ok());
        QCOMPARE(mismatch.error().code, QStringLiteral("tls_invalid"));
        QVERIFY(!mismatch.error().message.contains(QStringLiteral("PRIVATE KEY")));
        QVERIFY(!TlsCredentials::fromPem("junk", a->privateKey.toPem()).ok());
        QVERIFY(!TlsCredentials::fromPem(a->certificate.toPem(), "junk").ok());
        const auto missing = TlsCredentials::fromPemFiles(QStringLiteral("/nonexistent/cert.pem"),
                                                          QStringLiteral("/nonexistent/key.pem"));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(QStringLiteral("/nonexistent/cert.pem")));
    }

    void httpsRequestWithTrustedSelfSigned()
    {
        const auto credentials = TlsCredentials::generateSelfSigned();
        QVERIFY(credentials.ok());
        const auto server = startTls(*credentials);
        QVERIFY(server);
        QCOMPARE(server->baseUrl().scheme(), QStringLiteral("https"));

        QSslSocket socket;
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setCaCertificates({credentials->certificate});
        configuration.setPeerVerifyMode(QSslSocket::VerifyPeer);
        socket.setSslConfiguration(configuration);
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server->port());
        QVERIFY2(socket.waitForEncrypted(5000), qPrintable(socket.errorString()));
        QVERIFY(socket.sslHandshakeErrors().isEmpty());
        QCOMPARE(socket.peerCertificate().digest(QCryptographicHash::Sha256).toHex(':').toUpper(),
                 credentials->sha256Fingerprint());

        RawClient client(0, &socket);
        for (int i = 0; i < 2; ++i) {
            client.send("GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            const auto response = client.read();
            QVERIFY(response);
            QCOMPARE(response->status, 200);
            QCOMPARE(response->body, QByteArray("secure"));
        }
    }

    void untrustedClientIsRejected()
    {
        const auto credentials = TlsCredentials::generateSelfSigned();
        QVERIFY(credentials.ok());
        const auto server = startTls(*credentials);
        QVERIFY(server);
        QSslSocket socket; // default trust store: the self-signed certificate is unknown
        socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server->port());
        QVERIFY(!socket.waitForEncrypted(5000));
        QVERIFY(!socket.sslHandshakeErrors().isEmpty());

        // Plain HTTP to the TLS port neither crashes nor hangs the server.
        RawClient plain(server->port());
        plain.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY(plain.waitClosed(5000));
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
