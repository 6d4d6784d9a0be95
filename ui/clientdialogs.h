#pragma once

#include <QDialog>

#include "admin/records.h"
#include "admin/service.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;

namespace Ui {

/// The form for adding or editing an OAuth client. It only collects the fields: the panel
/// saves them through Admin::Service and shows its validation messages next to the field
/// they name (showError()).
class ClientEditor final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ClientEditor)

public:
    /// A new client when `existing` is null, else the form for editing it.
    explicit ClientEditor(const Admin::ClientRecord *existing, QWidget *parent = nullptr);

    [[nodiscard]] bool isEdit() const { return m_edit; }
    [[nodiscard]] Admin::NewClient client() const;
    /// Editing: whether the operator asked for a new secret.
    [[nodiscard]] bool wantsNewSecret() const;
    /// Shows `message` next to the field it concerns (by the error code and the field names
    /// the service's messages use), or above the form.
    void showError(const QString &code, const QString &message);
    void clearErrors();

signals:
    /// Save was pressed; the dialog stays open until the panel accept()s it.
    void saveRequested();

private:
    bool m_edit;
    QLineEdit *m_clientId;
    QLineEdit *m_name;
    QPlainTextEdit *m_redirectUris;
    QList<QCheckBox *> m_grants;
    QComboBox *m_authMethod;
    QLineEdit *m_scope;
    QComboBox *m_applicationType;
    QPlainTextEdit *m_jwks;
    QLineEdit *m_jwksUri;
    QCheckBox *m_newSecret;
    QLabel *m_formError;
    QHash<QString, QLabel *> m_fieldErrors;
    QDialogButtonBox *m_buttons;
};

/// Shows a client secret once, with a copy button and a warning that it cannot be shown
/// again. Deletes itself when closed.
class SecretDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SecretDialog)

public:
    SecretDialog(const QString &clientId, const QString &secret, QWidget *parent = nullptr);
};

/// The form for adding a user or setting a user's password. Validates with the service's
/// rules as the operator types; the panel saves.
class UserEditor final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(UserEditor)

public:
    /// Adding a user when `username` is empty, else setting its password.
    explicit UserEditor(const QString &username, QWidget *parent = nullptr);

    [[nodiscard]] QString username() const;
    [[nodiscard]] QString displayName() const;
    [[nodiscard]] QByteArray password() const;
    /// Shows the service's answer next to the field it concerns.
    void showError(const QString &message);

signals:
    void saveRequested();

private:
    /// Checks the fields with Admin::Service's rules; true when they pass.
    bool validate();

    bool m_passwordOnly;
    QLineEdit *m_username;
    QLineEdit *m_displayName;
    QLineEdit *m_password;
    QLineEdit *m_confirm;
    QLabel *m_usernameError;
    QLabel *m_passwordError;
    QLabel *m_formError;
};

} // namespace Ui
