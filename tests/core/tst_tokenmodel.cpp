// Core::TokenTableModel over a real SQLite store through a real AdminWorker: keyset paging
// of a few thousand rows, filters, refresh after revocations, new rows from audit events.

#include <atomic>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include "admin/service.h"
#include "adminworker.h"
#include "authserver/authorizationserver.h"
#include "authserver/context.h"
#include "authserver/tokenissuer.h"
#include "crypto/base64url.h"
#include "store/database.h"
#include "store/tokenrepository.h"
#include "tokenmodel.h"

namespace {

constexpr qint64 kNow = 1735689600000; // 2025-01-01T00:00:00Z
constexpr qint64 kHour = 3600 * 1000;

} // namespace

class TestTokenModel final : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<Store::Database> open(const QString &name)
    {
        Store::OpenOptions options;
        options.clock = [this] { return m_now.load(); };
        options.synchronous = Store::Synchronous::Normal;
        auto db =
            Store::Database::open(QStringLiteral("sqlite://") + m_dir.filePath(name), options);
        if (!db) {
            qWarning("%s", qPrintable(db.error().toString()));
            return {};
        }
        Admin::Service admin(*db);
        Admin::NewClient client;
        client.clientId = QStringLiteral("app");
        client.authMethod = QStringLiteral("none");
        client.redirectUris = {QStringLiteral("http://127.0.0.1/cb")};
        if (!admin.addClient(client))
            return {};
        return *db;
    }

    /// `count` tokens of client "app": subject "alice" for even numbers, "bob" for odd;
    /// every fifth one already expired.
    static bool insertTokens(const std::shared_ptr<Store::Database> &db, int count,
                             const QString &tag = QStringLiteral("t"))
    {
        QList<Store::Token> tokens;
        for (int i = 0; i < count; ++i) {
            Store::Token token;
            token.token = Store::SecretHash::fromSecret(QByteArray(
                tag.toLatin1() + QByteArrayLiteral("-very-secret-") + QByteArray::number(i)));
            token.clientId = QStringLiteral("app");
            token.subject = i % 2 ? QStringLiteral("bob") : QStringLiteral("alice");
            token.scope = QStringLiteral("tasks:read");
            token.resource = QStringLiteral("https://mcp.example/mcp");
            token.expiresAt = i % 5 == 0 ? kNow - 1 : kNow + kHour;
            token.familyId = QStringLiteral("family-%1").arg(i / 2);
            tokens.append(token);
        }
        return Store::TokenRepository(db).insertAll(tokens).ok();
    }

    QTemporaryDir m_dir;
    std::atomic<qint64> m_now{kNow};

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void insightDecodesJwtAndFollowsRevocation_data()
    {
        QTest::addColumn<int>("format");
        QTest::newRow("jwt") << int(Auth::AccessTokenFormat::Jwt);
        QTest::newRow("opaque") << int(Auth::AccessTokenFormat::Opaque);
    }

    void insightDecodesJwtAndFollowsRevocation()
    {
        QFETCH(int, format);
        const bool jwt = format == int(Auth::AccessTokenFormat::Jwt);
        auto db = open(QStringLiteral("insight-%1.db").arg(format));
        QVERIFY(db);
        Auth::Config config;
        config.issuer = QStringLiteral("https://as.example");
        config.defaultResource = QStringLiteral("https://rs.example/mcp");
        config.defaultTokenFormat = Auth::AccessTokenFormat(format);
        Auth::AuthorizationServer server(config, db, [this] { return m_now.load(); });
        QVERIFY(server.prepare());
        Auth::Grant grant;
        grant.clientId = QStringLiteral("app");
        grant.subject = QStringLiteral("app");
        grant.scope = QStringLiteral("tasks:read");
        auto issued = server.context().tokens().issue(grant);
        QVERIFY2(issued, issued ? "" : qPrintable(issued.error().toString()));

        auto insight = Core::inspectToken(db, config.issuer, issued->accessRow.id);
        QVERIFY2(insight, insight ? "" : qPrintable(insight.error().toString()));
        if (jwt) {
            // The claims shown are the ones the issued JWT carries, signature aside.
            const QList<QByteArray> parts = issued->accessToken.split('.');
            QCOMPARE(parts.size(), 3);
            const QJsonObject payload =
                QJsonDocument::fromJson(*Crypto::base64UrlDecode(parts.at(1))).object();
            const QJsonObject header =
                QJsonDocument::fromJson(*Crypto::base64UrlDecode(parts.at(0))).object();
            QCOMPARE(insight->jwtClaims, payload);
            QCOMPARE(insight->jwtHeader.value(QStringLiteral("typ")),
                     header.value(QStringLiteral("typ")));
        } else {
            QVERIFY(insight->jwtClaims.isEmpty());
            QVERIFY(insight->jwtHeader.isEmpty());
        }
        QCOMPARE(insight->introspection.value(QStringLiteral("active")).toBool(), true);
        QCOMPARE(insight->introspection.value(QStringLiteral("client_id")).toString(),
                 QStringLiteral("app"));
        QCOMPARE(insight->introspection.value(QStringLiteral("scope")).toString(),
                 QStringLiteral("tasks:read"));
        QVERIFY(insight->inactiveReason.isEmpty());

        QVERIFY(Admin::Service(db).revokeToken(issued->accessRow.id));
        insight = Core::inspectToken(db, config.issuer, issued->accessRow.id);
        QVERIFY(insight);
        QCOMPARE(insight->introspection, QJsonObject({{QStringLiteral("active"), false}}));
        QVERIFY2(insight->inactiveReason.startsWith(QStringLiteral("revoked")),
                 qPrintable(insight->inactiveReason));

        // Expired: the store's clock moves past the lifetime.
        auto second = server.context().tokens().issue(grant);
        QVERIFY(second);
        const qint64 before = m_now.load();
        m_now += qint64(config.accessTokenLifetime) * 1000 + 1000;
        insight = Core::inspectToken(db, config.issuer, second->accessRow.id);
        m_now = before;
        QVERIFY(insight);
        QCOMPARE(insight->introspection.value(QStringLiteral("active")).toBool(), false);
        QVERIFY2(insight->inactiveReason.startsWith(QStringLiteral("expired")),
                 qPrintable(insight->inactiveReason));
        QCOMPARE(Core::inspectToken(db, config.issuer, 999999).error().code,
                 QStringLiteral("not_found"));
    }

    void pagesThroughThousands()
    {
        auto db = open(QStringLiteral("paging.db"));
        QVERIFY(db);
        QVERIFY(insertTokens(db, 2345));
        Core::AdminWorker worker(db, {});
        Core::TokenTableModel model;
        // No QAbstractItemModelTester here: it fetches every page itself (the other tests
        // run it over smaller tables).
        model.setPageSize(500);
        model.setWorker(&worker);
        QTRY_COMPARE(model.rowCount(), 500);
        QTRY_VERIFY(model.canFetchMore());
        QVERIFY(!model.isComplete());
        int pages = 1;
        while (model.canFetchMore() || model.isLoading()) {
            if (model.canFetchMore()) {
                model.fetchMore();
                ++pages;
                // One request at a time: no second page while one is in flight.
                QVERIFY(!model.canFetchMore());
            }
            QTRY_VERIFY(!model.isLoading());
        }
        QCOMPARE(model.rowCount(), 2345);
        QCOMPARE(pages, 5);
        QVERIFY(model.isComplete());
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.tokenAt(row - 1).id < model.tokenAt(row).id);
        QCOMPARE(model.rowOfId(model.tokenAt(1234).id), 1234);
        QCOMPARE(model.rowOfId(-5), -1);
        QCOMPARE(model.data(model.index(0, Core::TokenTableModel::StateColumn)).toString(),
                 QStringLiteral("Expired"));
        QCOMPARE(model.data(model.index(1, Core::TokenTableModel::StateColumn)).toString(),
                 QStringLiteral("Active"));
        // Only the display form: the token's prefix and a hash fragment, never the secret.
        const QString shown =
            model.data(model.index(0, Core::TokenTableModel::TokenColumn)).toString();
        QVERIFY(!shown.isEmpty());
        QVERIFY(!shown.contains(QStringLiteral("secret-0")));
    }

    void filters_data()
    {
        QTest::addColumn<QString>("subject");
        QTest::addColumn<int>("state");
        QTest::addColumn<int>("expected");
        // 100 tokens: 50 alice (even), 50 bob; expired: i % 5 == 0 -> 20 (10 alice, 10 bob).
        QTest::newRow("all") << QString() << -1 << 100;
        QTest::newRow("alice") << QStringLiteral("alice") << -1 << 50;
        QTest::newRow("expired") << QString() << int(Store::TokenState::Expired) << 20;
        QTest::newRow("bob active")
            << QStringLiteral("bob") << int(Store::TokenState::Active) << 40;
        QTest::newRow("nobody") << QStringLiteral("carol") << -1 << 0;
    }

    void filters()
    {
        QFETCH(QString, subject);
        QFETCH(int, state);
        QFETCH(int, expected);
        static std::shared_ptr<Store::Database> db;
        if (!db) {
            db = open(QStringLiteral("filters.db"));
            QVERIFY(db);
            QVERIFY(insertTokens(db, 100));
        }
        Core::AdminWorker worker(db, {});
        Core::TokenTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setWorker(&worker);
        Store::TokenFilter filter;
        filter.subject = subject;
        if (state >= 0)
            filter.state = static_cast<Store::TokenState>(state);
        model.setFilter(filter);
        QTRY_VERIFY(model.isComplete());
        QCOMPARE(model.rowCount(), expected);
    }

    void refreshFollowsRevocations()
    {
        auto db = open(QStringLiteral("refresh.db"));
        QVERIFY(db);
        QVERIFY(insertTokens(db, 60));
        Core::AdminWorker worker(db, {});
        Core::TokenTableModel model;
        model.setPageSize(20);
        Store::TokenFilter active;
        active.state = Store::TokenState::Active;
        model.setFilter(active);
        model.setWorker(&worker);
        QTRY_COMPARE(model.rowCount(), 20);
        // Revoke three loaded tokens (one in the middle of the first page, two adjacent).
        Admin::Service admin(db);
        const qint64 a = model.tokenAt(3).id;
        const qint64 b = model.tokenAt(10).id;
        const qint64 c = model.tokenAt(11).id;
        for (const qint64 id : {a, b, c})
            QVERIFY(admin.revokeToken(id).ok());
        QSignalSpy loaded(&model, &Core::TokenTableModel::pageLoaded);
        Store::AuditEvent revoked;
        revoked.type = QStringLiteral("token.revoked");
        model.handleAuditEvents({revoked});
        QVERIFY(loaded.wait());
        QCOMPARE(model.rowCount(), 17);
        for (const qint64 id : {a, b, c})
            QCOMPARE(model.rowOfId(id), -1);

        // Without a state filter the rows stay and show the new state.
        model.setFilter({});
        QTRY_COMPARE(model.rowCount(), 20);
        QVERIFY(admin.revokeSubjectTokens(QStringLiteral("alice")).ok());
        model.refresh();
        QTRY_COMPARE(model.data(model.index(0, Core::TokenTableModel::StateColumn)).toString(),
                     QStringLiteral("Revoked"));
        QCOMPARE(model.rowCount(), 20);
        // Purged rows disappear.
        QVERIFY(admin.purgeExpiredTokens().ok());
        model.refresh();
        QTRY_COMPARE(model.rowCount(), 16);
    }

    void mergeKeepsTheModelConsistent()
    {
        auto db = open(QStringLiteral("merge.db"));
        QVERIFY(db);
        QVERIFY(insertTokens(db, 60));
        Core::AdminWorker worker(db, {});
        Core::TokenTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        Store::TokenFilter active;
        active.state = Store::TokenState::Active;
        model.setFilter(active);
        model.setWorker(&worker);
        QTRY_VERIFY(model.isComplete());
        QCOMPARE(model.rowCount(), 48); // every fifth of 60 expired
        Admin::Service admin(db);
        // Runs of removed rows at the start, in the middle and at the end.
        for (const int row : {0, 1, 20, 21, 22, 47})
            QVERIFY(admin.revokeToken(model.tokenAt(row).id).ok());
        model.refresh();
        QTRY_COMPARE(model.rowCount(), 42);
        // Rows that start matching are inserted in id order.
        Store::TokenFilter revoked;
        revoked.state = Store::TokenState::Revoked;
        model.setFilter(revoked);
        QTRY_VERIFY(model.isComplete());
        QCOMPARE(model.rowCount(), 6);
        QVERIFY(admin.revokeSubjectTokens(QStringLiteral("bob")).ok());
        model.refresh();
        QTRY_VERIFY(model.rowCount() > 6 && !model.isLoading());
        for (int row = 1; row < model.rowCount(); ++row)
            QVERIFY(model.tokenAt(row - 1).id < model.tokenAt(row).id);
    }

    void newRowsFromAuditEvents()
    {
        auto db = open(QStringLiteral("new.db"));
        QVERIFY(db);
        QVERIFY(insertTokens(db, 5));
        Core::AdminWorker worker(db, {});
        Core::TokenTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setWorker(&worker);
        QTRY_VERIFY(model.isComplete());
        QCOMPARE(model.rowCount(), 5);
        QVERIFY(insertTokens(db, 3, QStringLiteral("later")));
        Store::AuditEvent other;
        other.type = QStringLiteral("login.succeeded");
        model.handleAuditEvents({other});
        QVERIFY(!model.isLoading());
        Store::AuditEvent issued;
        issued.type = QStringLiteral("token.issued");
        model.handleAuditEvents({other, issued});
        QTRY_COMPARE(model.rowCount(), 8);
        QVERIFY(model.isComplete());
    }

    void changeKinds_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("change");
        QTest::newRow("issued") << "token.issued" << int(Core::TokenChange::Issued);
        QTest::newRow("revoked") << "token.revoked" << int(Core::TokenChange::Any);
        QTest::newRow("purged") << "token.purged" << int(Core::TokenChange::Any);
        QTest::newRow("reuse") << "refresh_token.reused" << int(Core::TokenChange::Any);
        QTest::newRow("client removed") << "client.removed" << int(Core::TokenChange::Any);
        QTest::newRow("user removed") << "user.removed" << int(Core::TokenChange::Any);
        QTest::newRow("login") << "login.succeeded" << int(Core::TokenChange::None);
        QTest::newRow("refused") << "token.refused" << int(Core::TokenChange::None);
    }

    void changeKinds()
    {
        QFETCH(QString, type);
        QFETCH(int, change);
        Store::AuditEvent event;
        event.type = type;
        QCOMPARE(int(Core::tokenChangeOf(event)), change);
    }

    void noWorkerIsEmpty()
    {
        Core::TokenTableModel model;
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setFilter({});
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!model.canFetchMore());
        model.fetchMore();
        model.refresh();
        QVERIFY(!model.isLoading());
    }
};

QTEST_GUILESS_MAIN(TestTokenModel)
#include "tst_tokenmodel.moc"
