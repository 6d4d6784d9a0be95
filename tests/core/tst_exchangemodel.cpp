#include <QAbstractItemModelTester>
#include <QtTest>

#include "exchangemodel.h"

namespace {

Http::Exchange makeExchange(int status, const QString &url, Http::Exchange::Side side)
{
    Http::Exchange e;
    e.side = side;
    e.method = "POST";
    e.url = url;
    e.status = status;
    e.startedAt = QDateTime::currentDateTimeUtc();
    return e;
}

} // namespace

class TestExchangeModel final : public QObject
{
    Q_OBJECT

private slots:
    void followsLogAndDropsOldest()
    {
        Http::ExchangeLog log(3);
        log.capture(
            makeExchange(200, QStringLiteral("http://127.0.0.1/a"), Http::Exchange::Side::Server));
        Core::ExchangeTableModel model(&log);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 1);
        for (int i = 0; i < 5; ++i)
            log.capture(makeExchange(200 + i, QStringLiteral("http://127.0.0.1/%1").arg(i),
                                     Http::Exchange::Side::Client));
        QTRY_COMPARE(model.exchangeAt(model.rowCount() - 1).status, 204);
        QCOMPARE(model.rowCount(), 3);
        QCOMPARE(model.data(model.index(2, Core::ExchangeTableModel::StatusColumn)).toString(),
                 QStringLiteral("204"));
        QCOMPARE(model.data(model.index(2, Core::ExchangeTableModel::UrlColumn)).toString(),
                 QStringLiteral("http://127.0.0.1/4"));
        log.clear();
        QTRY_COMPARE(model.rowCount(), 0);
    }

    void capturesFromOtherThreads()
    {
        Http::ExchangeLog log(100);
        Core::ExchangeTableModel model(&log);
        QAbstractItemModelTester tester(&model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<QThread *> threads;
        for (int t = 0; t < 4; ++t) {
            threads.append(QThread::create([&log] {
                for (int i = 0; i < 10; ++i)
                    log.capture(makeExchange(200, QStringLiteral("http://127.0.0.1/t"),
                                             Http::Exchange::Side::Client));
            }));
            threads.last()->start();
        }
        for (QThread *thread : threads) {
            thread->wait();
            delete thread;
        }
        QTRY_COMPARE(model.rowCount(), 40);
    }

    void filter_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("statusClass");
        QTest::addColumn<bool>("accepted");
        using SC = Core::ExchangeFilter::StatusClass;
        QTest::newRow("any") << 200 << QString() << int(SC::Any) << true;
        QTest::newRow("success ok") << 302 << QString() << int(SC::Success) << true;
        QTest::newRow("success no") << 404 << QString() << int(SC::Success) << false;
        QTest::newRow("client error") << 401 << QString() << int(SC::ClientError) << true;
        QTest::newRow("server error") << 503 << QString() << int(SC::ServerError) << true;
        QTest::newRow("failed") << 0 << QString() << int(SC::Failed) << true;
        QTest::newRow("failed no") << 200 << QString() << int(SC::Failed) << false;
        QTest::newRow("text url") << 200 << QStringLiteral("TOKEN") << int(SC::Any) << true;
        QTest::newRow("text method") << 200 << QStringLiteral("post") << int(SC::Any) << true;
        QTest::newRow("text miss") << 200 << QStringLiteral("authorize") << int(SC::Any) << false;
    }

    void filter()
    {
        QFETCH(int, status);
        QFETCH(QString, text);
        QFETCH(int, statusClass);
        QFETCH(bool, accepted);
        Core::ExchangeFilter f;
        f.text = text;
        f.status = static_cast<Core::ExchangeFilter::StatusClass>(statusClass);
        QCOMPARE(f.accepts(makeExchange(status, QStringLiteral("http://127.0.0.1/token"),
                                        Http::Exchange::Side::Server)),
                 accepted);
    }
};

QTEST_GUILESS_MAIN(TestExchangeModel)
#include "tst_exchangemodel.moc"
