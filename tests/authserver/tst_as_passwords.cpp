#include <QtTest>

#include "authserver/passwords.h"

using namespace Auth;

class TestPasswords final : public QObject
{
    Q_OBJECT

private slots:
    void hashFormat()
    {
        const auto hashed = Passwords::hash("correct horse");
        QVERIFY(hashed.ok());
        const QStringList parts = hashed->split(QLatin1Char('$'));
        QCOMPARE(parts.size(), 5);
        QCOMPARE(parts[1], QStringLiteral("scrypt"));
        QCOMPARE(parts[2], QStringLiteral("ln=15,r=8,p=1"));
        QCOMPARE(QByteArray::fromBase64(parts[3].toLatin1()).size(), 16);
        QCOMPARE(QByteArray::fromBase64(parts[4].toLatin1()).size(), 32);
        QVERIFY(!hashed->contains(QStringLiteral("correct")));
        QVERIFY(!Passwords::needsRehash(*hashed));
    }

    void verifyRoundTrip()
    {
        const auto hashed = Passwords::hash("s3cret-Pässword");
        QVERIFY(hashed.ok());
        QVERIFY(Passwords::verify("s3cret-Pässword", *hashed));
        QVERIFY(!Passwords::verify("s3cret-Password", *hashed));
        QVERIFY(!Passwords::verify("s3cret-Pässword ", *hashed));
        QVERIFY(!Passwords::verify("", *hashed));
    }

    void saltsDiffer()
    {
        const auto a = Passwords::hash("same");
        const auto b = Passwords::hash("same");
        QVERIFY(a.ok() && b.ok());
        QVERIFY(*a != *b);
        QVERIFY(Passwords::verify("same", *a));
        QVERIFY(Passwords::verify("same", *b));
    }

    void emptyPasswordRefused()
    {
        const auto hashed = Passwords::hash("");
        QVERIFY(!hashed.ok());
        QCOMPARE(hashed.error().code, QStringLiteral("invalid_password"));
    }

    void knownVectors_data()
    {
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<QString>("phc");
        // RFC 7914 section 12, N = 16384: the first 64 bytes.
        QTest::newRow("scrypt RFC 7914")
            << QByteArray("pleaseletmein")
            << QStringLiteral("$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/"
                              "2o+7qQT44+qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw");
        QTest::newRow("pbkdf2 PHC")
            << QByteArray("password")
            << QStringLiteral("$pbkdf2-sha256$i=29000$c2FsdHNhbHRzYWx0c2FsdA$7xwbY5rCP+"
                              "qJhnvJ80W3FI7hSRg8wNnl3S9rczjVuCk");
        QTest::newRow("pbkdf2 passlib")
            << QByteArray("password")
            << QStringLiteral("$pbkdf2-sha256$29000$c2FsdHNhbHRzYWx0c2FsdA$7xwbY5rCP."
                              "qJhnvJ80W3FI7hSRg8wNnl3S9rczjVuCk");
    }

    void knownVectors()
    {
        QFETCH(QByteArray, password);
        QFETCH(QString, phc);
        QVERIFY(Passwords::verify(password, phc));
        QVERIFY(!Passwords::verify(QByteArray(password + 'x'), phc));
        QVERIFY(Passwords::needsRehash(phc)); // weaker than ln=15 or not scrypt
    }

    void malformed_data()
    {
        QTest::addColumn<QString>("phc");
        const QString salt = QStringLiteral("c2FsdHNhbHRzYWx0c2FsdA");
        const QString hash = QStringLiteral("7xwbY5rCP+qJhnvJ80W3FI7hSRg8wNnl3S9rczjVuCk");
        QTest::newRow("empty") << QString();
        QTest::newRow("clear text") << QStringLiteral("password");
        QTest::newRow("unknown id")
            << QStringLiteral("$argon2id$v=19$m=65536,t=3,p=4$") + salt + QLatin1Char('$') + hash;
        QTest::newRow("missing part") << QStringLiteral("$scrypt$ln=15,r=8,p=1$") + salt;
        QTest::newRow("extra part") << QStringLiteral("$scrypt$ln=15,r=8,p=1$") + salt +
                                           QLatin1Char('$') + hash + QStringLiteral("$x");
        QTest::newRow("no leading dollar") << QStringLiteral("scrypt$ln=15,r=8,p=1$") + salt +
                                                  QLatin1Char('$') + hash + QStringLiteral("$");
        QTest::newRow("ln too big (DoS)")
            << QStringLiteral("$scrypt$ln=40,r=8,p=1$") + salt + QLatin1Char('$') + hash;
        QTest::newRow("r zero") << QStringLiteral("$scrypt$ln=15,r=0,p=1$") + salt +
                                       QLatin1Char('$') + hash;
        QTest::newRow("p huge") << QStringLiteral("$scrypt$ln=15,r=8,p=99999$") + salt +
                                       QLatin1Char('$') + hash;
        QTest::newRow("unknown param")
            << QStringLiteral("$scrypt$ln=15,r=8,p=1,x=2$") + salt + QLatin1Char('$') + hash;
        QTest::newRow("negative param")
            << QStringLiteral("$scrypt$ln=-1,r=8,p=1$") + salt + QLatin1Char('$') + hash;
        QTest::newRow("pbkdf2 iterations too few")
            << QStringLiteral("$pbkdf2-sha256$i=1$") + salt + QLatin1Char('$') + hash;
        QTest::newRow("pbkdf2 iterations huge (DoS)")
            << QStringLiteral("$pbkdf2-sha256$i=2000000000$") + salt + QLatin1Char('$') + hash;
        QTest::newRow("pbkdf2 iterations text")
            << QStringLiteral("$pbkdf2-sha256$i=abc$") + salt + QLatin1Char('$') + hash;
        QTest::newRow("bad base64 salt")
            << QStringLiteral("$pbkdf2-sha256$i=29000$c2Fs*dHNh$") + hash;
        QTest::newRow("short salt") << QStringLiteral("$pbkdf2-sha256$i=29000$c2Fs$") + hash;
        QTest::newRow("short hash")
            << QStringLiteral("$pbkdf2-sha256$i=29000$") + salt + QStringLiteral("$c2Fs");
        QTest::newRow("empty hash")
            << QStringLiteral("$pbkdf2-sha256$i=29000$") + salt + QStringLiteral("$");
    }

    void malformed()
    {
        QFETCH(QString, phc);
        QVERIFY(!Passwords::verify("password", phc));
        QVERIFY(Passwords::needsRehash(phc));
    }
};

QTEST_GUILESS_MAIN(TestPasswords)
#include "tst_as_passwords.moc"
