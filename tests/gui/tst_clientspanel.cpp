// The Clients and Users panel in the real main window over a running engine: add a client
// and see its secret once, validation next to the field, edit redirect URIs, delete a
// client and a user with confirmation.

#include <QComboBox>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>

#include "clientspanel.h"
#include "guitestsupport.h"
#include "mainwindow.h"
#include "store/tokenrepository.h"

class TestClientsPanel final : public QObject
{
    Q_OBJECT

private:
    int rowOf(QTableWidget *table, const QString &first) const
    {
        for (int row = 0; row < table->rowCount(); ++row)
            if (table->item(row, 0) && table->item(row, 0)->text() == first)
                return row;
        return -1;
    }

    QDialog *openEditor(const char *button)
    {
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QLatin1String(button)), Qt::LeftButton);
        QDialog *editor = nullptr;
        const bool opened = QTest::qWaitFor([&] {
            for (auto *dialog : m_panel->findChildren<QDialog *>())
                if (dialog->isVisible() && (dialog->objectName() == QLatin1String("clientEditor") ||
                                            dialog->objectName() == QLatin1String("userEditor")))
                    editor = dialog;
            return editor != nullptr;
        });
        return opened ? editor : nullptr;
    }

    Admin::Service service()
    {
        return Admin::Service(m_engine.store(), m_engine.authorizationServer()->context().config());
    }

    QTemporaryDir m_dir;
    Core::Engine m_engine;
    GuiTest::RecordingPrompts m_prompts;
    std::unique_ptr<Ui::MainWindow> m_window;
    Ui::ClientsPanel *m_panel = nullptr;
    QTableWidget *m_clients = nullptr;
    QTableWidget *m_users = nullptr;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        GuiTest::isolateSettings(m_dir, QStringLiteral("tst_clientspanel"));
        const Core::Status started = GuiTest::startEngine(m_engine, m_dir);
        QVERIFY2(started.ok(), started.ok() ? "" : qPrintable(started.error().toString()));
        m_window = std::make_unique<Ui::MainWindow>(&m_engine);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_window->showPanel(Ui::MainWindow::ClientsPanelIndex);
        m_panel = m_window->findChild<Ui::ClientsPanel *>(QStringLiteral("clientsPanel"));
        QVERIFY(m_panel);
        m_panel->setPrompts(m_prompts.prompts());
        m_clients = m_panel->findChild<QTableWidget *>(QStringLiteral("clientsTable"));
        m_users = m_panel->findChild<QTableWidget *>(QStringLiteral("usersTable"));
        QVERIFY(m_clients && m_users);
        QTRY_VERIFY(rowOf(m_clients, m_engine.demoClientId()) >= 0);
        QTRY_VERIFY(rowOf(m_users, m_engine.demoUsername()) >= 0);
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_engine.stop();
    }

    void addClientShowsSecretOnce()
    {
        QDialog *editor = openEditor("addClientButton");
        QVERIFY(editor);
        editor->findChild<QLineEdit *>(QStringLiteral("clientIdEdit"))
            ->setText(QStringLiteral("web-app"));
        editor->findChild<QLineEdit *>(QStringLiteral("clientNameEdit"))
            ->setText(QStringLiteral("Web app"));
        auto *method = editor->findChild<QComboBox *>(QStringLiteral("authMethodCombo"));
        method->setCurrentIndex(method->findData(QStringLiteral("client_secret_basic")));
        auto *uris = editor->findChild<QPlainTextEdit *>(QStringLiteral("redirectUrisEdit"));
        // Refused first: the message shows next to the redirect URIs.
        uris->setPlainText(QStringLiteral("http://example.com/cb"));
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("clientEditorSave")),
                          Qt::LeftButton);
        auto *uriError = editor->findChild<QLabel *>(QStringLiteral("error_redirect_uris"));
        QTRY_VERIFY(uriError->isVisible());
        QVERIFY(!uriError->text().isEmpty());
        QVERIFY(editor->isVisible());
        QVERIFY(!service().showClient(QStringLiteral("web-app")).ok());

        uris->setPlainText(QStringLiteral("http://127.0.0.1/cb\n\n  https://app.example/cb  "));
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("clientEditorSave")),
                          Qt::LeftButton);
        QDialog *secretDialog = nullptr;
        QTRY_VERIFY(
            (secretDialog = m_panel->findChild<QDialog *>(QStringLiteral("clientSecretDialog"))));
        const QString secret =
            secretDialog->findChild<QLineEdit *>(QStringLiteral("clientSecretValue"))->text();
        QVERIFY(secret.startsWith(QStringLiteral("mcs_")));
        QVERIFY(secretDialog->findChild<QLabel *>(QStringLiteral("clientSecretWarning"))
                    ->text()
                    .contains(QStringLiteral("only this once")));
        QVERIFY(secretDialog->findChild<QPushButton *>(QStringLiteral("copyClientSecret")));
        secretDialog->close();

        // The table shows only the secret's display form.
        QTRY_VERIFY(rowOf(m_clients, QStringLiteral("web-app")) >= 0);
        const int row = rowOf(m_clients, QStringLiteral("web-app"));
        for (int column = 0; column < m_clients->columnCount(); ++column)
            QVERIFY(!m_clients->item(row, column)->text().contains(secret.mid(4)));
        auto stored = service().showClient(QStringLiteral("web-app"));
        QVERIFY(stored.ok());
        QCOMPARE(stored->redirectUris, (QStringList{QStringLiteral("http://127.0.0.1/cb"),
                                                    QStringLiteral("https://app.example/cb")}));
    }

    void editRedirectUris()
    {
        QTRY_VERIFY(rowOf(m_clients, QStringLiteral("web-app")) >= 0);
        m_clients->selectRow(rowOf(m_clients, QStringLiteral("web-app")));
        QDialog *editor = openEditor("editClientButton");
        QVERIFY(editor);
        QVERIFY(editor->findChild<QLineEdit *>(QStringLiteral("clientIdEdit"))->isReadOnly());
        auto *uris = editor->findChild<QPlainTextEdit *>(QStringLiteral("redirectUrisEdit"));
        QCOMPARE(uris->toPlainText(),
                 QStringLiteral("http://127.0.0.1/cb\nhttps://app.example/cb"));
        uris->setPlainText(QStringLiteral("https://new.example/callback"));
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("clientEditorSave")),
                          Qt::LeftButton);
        QTRY_VERIFY(!editor || !editor->isVisible());
        QTRY_VERIFY(rowOf(m_clients, QStringLiteral("web-app")) >= 0 &&
                    m_clients->item(rowOf(m_clients, QStringLiteral("web-app")), 4)->text() ==
                        QStringLiteral("https://new.example/callback"));
        auto stored = service().showClient(QStringLiteral("web-app"));
        QVERIFY(stored.ok());
        QCOMPARE(stored->redirectUris, QStringList{QStringLiteral("https://new.example/callback")});
        // The secret was kept: no new secret dialog.
        QVERIFY(!m_panel->findChild<QDialog *>(QStringLiteral("clientSecretDialog")) ||
                !m_panel->findChild<QDialog *>(QStringLiteral("clientSecretDialog"))->isVisible());
    }

    void deleteClientWithConfirmation()
    {
        QTRY_VERIFY(rowOf(m_clients, QStringLiteral("web-app")) >= 0);
        m_clients->selectRow(rowOf(m_clients, QStringLiteral("web-app")));
        m_prompts.questions.clear();
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("deleteClientButton")),
                          Qt::LeftButton);
        QCOMPARE(m_prompts.questions.size(), 1);
        QVERIFY(m_prompts.questions.first().contains(QStringLiteral("web-app")));
        QTRY_COMPARE(rowOf(m_clients, QStringLiteral("web-app")), -1);
        QVERIFY(!service().showClient(QStringLiteral("web-app")).ok());
    }

    void addUserSetPasswordAndDelete()
    {
        m_panel->findChild<QTabWidget *>(QStringLiteral("clientsTabs"))->setCurrentIndex(1);
        QDialog *editor = openEditor("addUserButton");
        QVERIFY(editor);
        editor->findChild<QLineEdit *>(QStringLiteral("usernameEdit"))
            ->setText(QStringLiteral("carol"));
        editor->findChild<QLineEdit *>(QStringLiteral("passwordEdit"))
            ->setText(QStringLiteral("short"));
        editor->findChild<QLineEdit *>(QStringLiteral("passwordConfirmEdit"))
            ->setText(QStringLiteral("short"));
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("userEditorSave")),
                          Qt::LeftButton);
        auto *passwordError = editor->findChild<QLabel *>(QStringLiteral("passwordError"));
        QVERIFY(passwordError->isVisible());
        QVERIFY(passwordError->text().contains(QStringLiteral("8 to 1024")));
        editor->findChild<QLineEdit *>(QStringLiteral("passwordEdit"))
            ->setText(QStringLiteral("long enough pw"));
        editor->findChild<QLineEdit *>(QStringLiteral("passwordConfirmEdit"))
            ->setText(QStringLiteral("long enough pw"));
        QTest::mouseClick(editor->findChild<QPushButton *>(QStringLiteral("userEditorSave")),
                          Qt::LeftButton);
        QTRY_VERIFY(rowOf(m_users, QStringLiteral("carol")) >= 0);

        // A token of carol's is revoked when she is deleted.
        const QString secret = GuiTest::addMachineClient(m_engine, QStringLiteral("carols-app"));
        QVERIFY(!secret.isEmpty());
        Store::Token token;
        token.token = Store::SecretHash::fromSecret(QByteArrayLiteral("mat_carol_token_value"));
        token.clientId = QStringLiteral("carols-app");
        token.subject = QStringLiteral("carol");
        token.expiresAt = QDateTime::currentMSecsSinceEpoch() + 3600 * 1000;
        auto inserted = Store::TokenRepository(m_engine.store()).insert(token);
        QVERIFY(inserted.ok());

        m_users->selectRow(rowOf(m_users, QStringLiteral("carol")));
        m_prompts.questions.clear();
        QTest::mouseClick(m_panel->findChild<QPushButton *>(QStringLiteral("deleteUserButton")),
                          Qt::LeftButton);
        QCOMPARE(m_prompts.questions.size(), 1);
        QVERIFY(m_prompts.questions.first().contains(QStringLiteral("carol")));
        QTRY_COMPARE(rowOf(m_users, QStringLiteral("carol")), -1);
        auto after = Store::TokenRepository(m_engine.store()).get(inserted->id);
        QVERIFY(after.ok());
        QVERIFY(after->revokedAt.has_value());
    }
};

QTEST_MAIN(TestClientsPanel)
#include "tst_clientspanel.moc"
