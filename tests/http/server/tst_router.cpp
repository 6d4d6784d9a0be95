#include <QTest>

#include "http/router.h"

using Http::Request;
using Http::Response;
using Http::Router;

class TestRouter : public QObject
{
    Q_OBJECT

private:
    static Http::SyncHandler named(const char *name)
    {
        return [name](const Request &) { return Response::text(200, name); };
    }

    static void fill(Router &router)
    {
        router.handle("GET", "/", named("root"));
        router.handle("GET", "/clients", named("list"));
        router.handle("POST", "/clients", named("create"));
        router.handle("GET", "/clients/new", named("new-form"));
        router.handle("GET", "/clients/:id", named("show"));
        router.handle("DELETE", "/clients/:id", named("delete"));
        router.handle("GET", "/clients/:id/tokens/:token", named("token"));
        router.handle("GET", "/clients/:id/tokens/active", named("active"));
        router.handle("PUT", "/a/:x/c", named("a-x-c"));
        router.handle("PUT", "/a/b/:y", named("a-b-y"));
        router.handle("OPTIONS", "/cors", named("cors-options"));
        router.handle("POST", "/cors", named("cors-post"));
        router.handle("HEAD", "/explicit-head", named("explicit-head"));
        router.handle("GET", "/explicit-head", named("explicit-get"));
    }

private slots:
    void match_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("route");  // the handler's name, or the Allow header
        QTest::addColumn<QByteArray>("params"); // "k=v,k=v"

        QTest::newRow("root") << QByteArray("GET") << QByteArray("/") << 200 << QByteArray("root")
                              << QByteArray();
        QTest::newRow("static") << QByteArray("GET") << QByteArray("/clients") << 200
                                << QByteArray("list") << QByteArray();
        QTest::newRow("static post") << QByteArray("POST") << QByteArray("/clients") << 200
                                     << QByteArray("create") << QByteArray();
        QTest::newRow("static beats param") << QByteArray("GET") << QByteArray("/clients/new")
                                            << 200 << QByteArray("new-form") << QByteArray();
        QTest::newRow("param") << QByteArray("GET") << QByteArray("/clients/c42") << 200
                               << QByteArray("show") << QByteArray("id=c42");
        QTest::newRow("param delete") << QByteArray("DELETE") << QByteArray("/clients/c42") << 200
                                      << QByteArray("delete") << QByteArray("id=c42");
        QTest::newRow("static path falls through to param for its method")
            << QByteArray("DELETE") << QByteArray("/clients/new") << 200 << QByteArray("delete")
            << QByteArray("id=new");
        QTest::newRow("two params") << QByteArray("GET") << QByteArray("/clients/c1/tokens/t9")
                                    << 200 << QByteArray("token") << QByteArray("id=c1,token=t9");
        QTest::newRow("literal segment beats param")
            << QByteArray("GET") << QByteArray("/clients/c1/tokens/active") << 200
            << QByteArray("active") << QByteArray("id=c1");
        QTest::newRow("earlier literal wins") << QByteArray("PUT") << QByteArray("/a/b/c") << 200
                                              << QByteArray("a-b-y") << QByteArray("y=c");
        QTest::newRow("other branch") << QByteArray("PUT") << QByteArray("/a/z/c") << 200
                                      << QByteArray("a-x-c") << QByteArray("x=z");
        QTest::newRow("head falls back to get") << QByteArray("HEAD") << QByteArray("/clients")
                                                << 200 << QByteArray("list") << QByteArray();
        QTest::newRow("explicit head") << QByteArray("HEAD") << QByteArray("/explicit-head") << 200
                                       << QByteArray("explicit-head") << QByteArray();
        QTest::newRow("options registered") << QByteArray("OPTIONS") << QByteArray("/cors") << 200
                                            << QByteArray("cors-options") << QByteArray();

        QTest::newRow("unknown") << QByteArray("GET") << QByteArray("/nope") << 404 << QByteArray()
                                 << QByteArray();
        QTest::newRow("trailing slash is another path")
            << QByteArray("GET") << QByteArray("/clients/") << 404 << QByteArray() << QByteArray();
        QTest::newRow("empty param does not match")
            << QByteArray("GET") << QByteArray("/clients//tokens/x") << 404 << QByteArray()
            << QByteArray();
        QTest::newRow("too many segments") << QByteArray("GET") << QByteArray("/clients/a/b") << 404
                                           << QByteArray() << QByteArray();
        QTest::newRow("405 static") << QByteArray("PUT") << QByteArray("/clients") << 405
                                    << QByteArray("GET, HEAD, POST") << QByteArray();
        QTest::newRow("405 param") << QByteArray("POST") << QByteArray("/clients/c1") << 405
                                   << QByteArray("GET, HEAD, DELETE") << QByteArray();
        QTest::newRow("405 union over static and param")
            << QByteArray("POST") << QByteArray("/clients/new") << 405
            << QByteArray("GET, HEAD, DELETE") << QByteArray();
        QTest::newRow("405 lists options when registered")
            << QByteArray("GET") << QByteArray("/cors") << 405 << QByteArray("OPTIONS, POST")
            << QByteArray();
        QTest::newRow("options not registered is 405")
            << QByteArray("OPTIONS") << QByteArray("/clients") << 405
            << QByteArray("GET, HEAD, POST") << QByteArray();
        QTest::newRow("method is case-sensitive")
            << QByteArray("get") << QByteArray("/clients") << 405 << QByteArray("GET, HEAD, POST")
            << QByteArray();
    }

    void match()
    {
        QFETCH(QByteArray, method);
        QFETCH(QByteArray, path);
        QFETCH(int, status);
        QFETCH(QByteArray, route);
        QFETCH(QByteArray, params);

        Router router;
        fill(router);
        const Router::Match m = router.match(method, path);
        QCOMPARE(m.status, status);
        if (status == 200) {
            QVERIFY(m.route);
            QCOMPARE(m.route->sync(Request()).body, route);
            QStringList actual;
            for (auto it = m.params.cbegin(); it != m.params.cend(); ++it)
                actual.append(QString::fromUtf8(it.key() + '=' + it.value()));
            actual.sort();
            QCOMPARE(actual.join(QLatin1Char(',')), QString::fromUtf8(params));
        } else {
            QVERIFY(!m.route);
            QCOMPARE(m.allow, route);
        }
    }

    void bodyLimits()
    {
        Router router;
        router.handle("POST", "/small", named("s"), Http::RouteOptions{16});
        router.handle("POST", "/items/:id", named("i"), Http::RouteOptions{5000000});
        router.handle("POST", "/default", named("d"));
        QCOMPARE(router.bodyLimit("POST", "/small", 1024), 16);
        QCOMPARE(router.bodyLimit("POST", "/items/7", 1024), 5000000);
        QCOMPARE(router.bodyLimit("POST", "/default", 1024), 1024);
        QCOMPARE(router.bodyLimit("POST", "/unknown", 1024), 1024);
        QCOMPARE(router.bodyLimit("GET", "/small", 1024), 1024);
    }

    void reRegisteringReplaces()
    {
        Router router;
        router.handle("GET", "/x", named("first"));
        router.handle("GET", "/x", named("second"));
        QCOMPARE(router.match("GET", "/x").route->sync(Request()).body, QByteArray("second"));
    }
};

QTEST_APPLESS_MAIN(TestRouter)
#include "tst_router.moc"
