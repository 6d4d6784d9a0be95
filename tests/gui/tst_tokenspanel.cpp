// The Tokens panel in the real main window over a running engine: tokens issued over HTTP
// appear live, a revocation from the panel is refused by the RS at once, paging through
// thousands of rows, filters, revocation by client and purging with progress.

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableView>
#include <QTreeWidget>

#include "guitestsupport.h"
#include "mainwindow.h"
#include "store/tokenrepository.h"
#include "tokenmodel.h"
#include "tokenspanel.h"

class TestTokensPanel final : public QObject
{
    Q_OBJECT

private:
    /// `count` tokens of `clientId` inserted straight into the store (no audit events).
    bool insertTokens(const QString &clientId, int count, qint64 expiresAt, const QString &tag)
    {
        QList<Store::Token> tokens;
        for (int i = 0; i < count; ++i) {
            Store::Token token;
            token.token =
                Store::SecretHash::fromSecret(QByteArray(tag.toLatin1() + QByteArray::number(i)));
            token.clientId = clientId;
            token.subject = QStringLiteral("bulk-%1").arg(i % 3);
            token.scope = QStringLiteral("tasks:read");
            token.resource = m_engine.mcpResourceUri();
            token.expiresAt = expiresAt;
            tokens.append(token);
        }
        return Store::TokenRepository(m_engine.store()).insertAll(tokens).ok();
    }

    /// Scrolls to the bottom until every matching row is loaded (the view asks for the
    /// next page when it reaches the end).
    bool loadAll()
    {
        for (int i = 0; i < 100; ++i) {
            if (!QTest::qWaitFor([this] { return !m_panel->model()->isLoading(); }))
                return false;
            if (m_panel->model()->isComplete())
                return true;
            m_table->scrollToBottom();
            QCoreApplication::processEvents();
        }
        return false;
    }

    int columnRow(QAbstractItemModel *model, int column, const QString &value)
    {
        for (int row = 0; row < model->rowCount(); ++row)
            if (model->index(row, column).data().toString() == value)
                return row;
        return -1;
    }

    QTemporaryDir m_dir;
    Core::Engine m_engine;
    QNetworkAccessManager m_network;
    GuiTest::RecordingPrompts m_prompts;
    std::unique_ptr<Ui::MainWindow> m_window;
    Ui::TokensPanel *m_panel = nullptr;
    QTableView *m_table = nullptr;
    QString m_secret;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        GuiTest::isolateSettings(m_dir, QStringLiteral("tst_tokenspanel"));
        const Core::Status started = GuiTest::startEngine(m_engine, m_dir);
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        m_secret = GuiTest::addMachineClient(m_engine, QStringLiteral("machine"));
        QVERIFY(!m_secret.isEmpty());
        m_window = std::make_unique<Ui::MainWindow>(&m_engine);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->showPanel(Ui::MainWindow::TokensPanelIndex);
        m_panel = m_window->findChild<Ui::TokensPanel *>(QStringLiteral("tokensPanel"));
        QVERIFY(m_panel);
        m_panel->setPrompts(m_prompts.prompts());
        m_table = m_panel->findChild<QTableView *>(QStringLiteral("tokensTable"));
        QVERIFY(m_table);
        // The panel fits a small window.
        QVERIFY2(m_panel->minimumSizeHint().width() <= 720,
                 qPrintable(QString::number(m_panel->minimumSizeHint().width())));
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine.stop();
    }

    void issuedTokenAppearsAndRevocationIsRefusedAtOnce()
    {
        QAbstractItemModelTester tester(m_table->model(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QTRY_VERIFY(m_panel->model()->isComplete());
        const int before = m_table->model()->rowCount();
        const QByteArray token =
            GuiTest::issueOverHttp(m_network, m_engine, QStringLiteral("machine"), m_secret);
        QVERIFY(!token.isEmpty());
        QCOMPARE(GuiTest::mcpStatus(m_network, m_engine, token), 200);

        // Live: the follower of the audit log brings the new row without a reload.
        QTRY_COMPARE(m_table->model()->rowCount(), before + 1);
        const int row = m_table->model()->rowCount() - 1;
        QCOMPARE(
            m_table->model()->index(row, Core::TokenTableModel::ClientColumn).data().toString(),
            QStringLiteral("machine"));
        QCOMPARE(m_table->model()->index(row, Core::TokenTableModel::StateColumn).data().toString(),
                 QStringLiteral("Active"));
        const QString shown =
            m_table->model()->index(row, Core::TokenTableModel::TokenColumn).data().toString();
        QVERIFY(!shown.isEmpty());
        QVERIFY2(!shown.contains(QString::fromLatin1(token.mid(8))), "the token is shown whole");

        m_table->selectRow(row);
        auto *detail = m_panel->findChild<QPlainTextEdit *>(QStringLiteral("tokenDetail"));
        QVERIFY(detail->toPlainText().contains(QStringLiteral("machine")));
        QVERIFY(!detail->toPlainText().contains(QString::fromLatin1(token)));
        // What /introspect answers now, by the AS's own code.
        QTRY_VERIFY2(detail->toPlainText().contains(QStringLiteral("Introspection now: active")),
                     qPrintable(detail->toPlainText()));
        QVERIFY(detail->toPlainText().contains(QStringLiteral("\"token_type\": \"Bearer\"")));

        m_prompts.questions.clear();
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("revokeSelectedButton")),
                          Qt::LeftButton);
        QCOMPARE(m_prompts.questions.size(), 1);
        QVERIFY2(m_prompts.questions.first().contains(QStringLiteral("Revoke token")),
                 qPrintable(m_prompts.questions.first()));
        QTRY_COMPARE(
            m_table->model()->index(row, Core::TokenTableModel::StateColumn).data().toString(),
            QStringLiteral("Revoked"));
        // The detail pane follows: introspection now says inactive, and why.
        QTRY_VERIFY2(
            detail->toPlainText().contains(QStringLiteral("Introspection now: inactive — revoked")),
            qPrintable(detail->toPlainText()));
        QVERIFY(!detail->toPlainText().contains(QStringLiteral("\"active\": true")));
        // The RS asks the store again: the very next call is refused.
        QCOMPARE(GuiTest::mcpStatus(m_network, m_engine, token), 401);
    }

    void declinedConfirmationRevokesNothing()
    {
        const QByteArray token =
            GuiTest::issueOverHttp(m_network, m_engine, QStringLiteral("machine"), m_secret);
        QVERIFY(!token.isEmpty());
        QTRY_COMPARE(
            m_table->model()
                ->index(m_table->model()->rowCount() - 1, Core::TokenTableModel::StateColumn)
                .data()
                .toString(),
            QStringLiteral("Active"));
        m_table->selectRow(m_table->model()->rowCount() - 1);
        m_prompts.answer = false;
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("revokeSelectedButton")),
                          Qt::LeftButton);
        m_prompts.answer = true;
        QCOMPARE(GuiTest::mcpStatus(m_network, m_engine, token), 200);
    }

    void pagesThroughThousandsOnScroll()
    {
        QVERIFY(insertTokens(QStringLiteral("machine"), 3000,
                             QDateTime::currentMSecsSinceEpoch() + 3600 * 1000,
                             QStringLiteral("bulk")));
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("refreshTokensButton")),
                          Qt::LeftButton);
        // The refresh brings one page past the rows loaded so far, not all 3000.
        QTRY_VERIFY(m_table->model()->rowCount() > 500);
        QTRY_VERIFY(!m_panel->model()->isLoading());
        QVERIFY(m_table->model()->rowCount() < 3000);
        QVERIFY(m_table->model()->canFetchMore({}));
        // Scrolling to the bottom fetches the next pages.
        QVERIFY(loadAll());
        QCOMPARE(m_table->model()->rowCount(), 3002);
        QVERIFY(m_panel->findChild<QLabel *>(QStringLiteral("tokensStatus"))
                    ->text()
                    .contains(QStringLiteral("3002")));
    }

    void filtersNarrowTheTable()
    {
        auto *subject = m_panel->findChild<QLineEdit *>(QStringLiteral("tokenFilterSubject"));
        QTest::keyClicks(subject, QStringLiteral("bulk-1"));
        QTRY_COMPARE(m_panel->model()->filter().subject, QStringLiteral("bulk-1"));
        QVERIFY(loadAll());
        QCOMPARE(m_table->model()->rowCount(), 1000);
        auto *state = m_panel->findChild<QComboBox *>(QStringLiteral("tokenFilterState"));
        state->setCurrentIndex(state->findText(QStringLiteral("Revoked")));
        QVERIFY(loadAll());
        QCOMPARE(m_table->model()->rowCount(), 0);
        state->setCurrentIndex(0);
        subject->clear();
        QTRY_VERIFY(m_panel->model()->filter().subject.isEmpty());
        QVERIFY(loadAll());
        QCOMPARE(m_table->model()->rowCount(), 3002);
    }

    void revokeClientNamesTheCount()
    {
        const int row = columnRow(m_table->model(), Core::TokenTableModel::SubjectColumn,
                                  QStringLiteral("bulk-0"));
        QVERIFY(row >= 0);
        m_table->selectRow(row);
        m_prompts.questions.clear();
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("revokeClientButton")),
                          Qt::LeftButton);
        QTRY_COMPARE(m_prompts.questions.size(), 1);
        // 3000 bulk tokens and the one left active by the previous test.
        QVERIFY2(m_prompts.questions.first().contains(QStringLiteral("3001 active token")),
                 qPrintable(m_prompts.questions.first()));
        QVERIFY(m_prompts.questions.first().contains(QStringLiteral("machine")));
        QTRY_COMPARE(
            m_table->model()->index(row, Core::TokenTableModel::StateColumn).data().toString(),
            QStringLiteral("Revoked"));
        Store::TokenFilter active;
        active.clientId = QStringLiteral("machine");
        active.state = Store::TokenState::Active;
        QCOMPARE(Store::TokenRepository(m_engine.store()).count(active).valueOr(-1), 0);
    }

    void purgeShowsProgress()
    {
        QVERIFY(insertTokens(QStringLiteral("machine"), 2500,
                             QDateTime::currentMSecsSinceEpoch() - 1000, QStringLiteral("old")));
        m_prompts.questions.clear();
        auto *progress = m_panel->findChild<QProgressBar *>(QStringLiteral("purgeProgress"));
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("purgeExpiredButton")),
                          Qt::LeftButton);
        QTRY_COMPARE(m_prompts.questions.size(), 1);
        QVERIFY2(m_prompts.questions.first().contains(QStringLiteral("2500 expired")),
                 qPrintable(m_prompts.questions.first()));
        QTRY_COMPARE(progress->value(), 2500);
        QCOMPARE(progress->maximum(), 2500);
        Store::TokenFilter expired;
        expired.state = Store::TokenState::Expired;
        QCOMPARE(Store::TokenRepository(m_engine.store()).count(expired).valueOr(-1), 0);
        QVERIFY(loadAll());
        QTRY_COMPARE(m_table->model()->rowCount(), 3002);
    }

    void stoppedEngineEmptiesThePanel()
    {
        m_engine.stop();
        QCOMPARE(m_table->model()->rowCount(), 0);
        QVERIFY(
            !m_panel->findChild<QPushButton *>(QStringLiteral("purgeExpiredButton"))->isEnabled());
        const Core::Status started = GuiTest::startEngine(m_engine, m_dir);
        QVERIFY(started.ok());
        QVERIFY(loadAll());
        QCOMPARE(m_table->model()->rowCount(), 3002);
    }
};

QTEST_MAIN(TestTokensPanel)
#include "tst_tokenspanel.moc"
