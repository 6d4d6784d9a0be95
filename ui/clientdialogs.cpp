#include "clientdialogs.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "adminsupport.h"

namespace Ui {

namespace {

/// Grant types an operator can pick, with their labels.
const QList<QPair<QString, const char *>> &grantChoices()
{
    static const QList<QPair<QString, const char *>> choices = {
        {QStringLiteral("authorization_code"),
         QT_TRANSLATE_NOOP("Ui::ClientEditor", "Authorization code")},
        {QStringLiteral("refresh_token"), QT_TRANSLATE_NOOP("Ui::ClientEditor", "Refresh token")},
        {QStringLiteral("client_credentials"),
         QT_TRANSLATE_NOOP("Ui::ClientEditor", "Client credentials")},
        {QStringLiteral("urn:ietf:params:oauth:grant-type:device_code"),
         QT_TRANSLATE_NOOP("Ui::ClientEditor", "Device code")},
    };
    return choices;
}

/// The form field a service error names: the registration metadata member that appears
/// first in the message (a longer name wins at the same place: jwks_uri over jwks).
QString fieldOf(const QString &code, const QString &message)
{
    if (code == QLatin1String("invalid_redirect_uri"))
        return QStringLiteral("redirect_uris");
    if (code == QLatin1String("invalid_argument") || code == QLatin1String("already_exists"))
        return QStringLiteral("client_id");
    static const QStringList fields = {
        QStringLiteral("redirect_uris"),
        QStringLiteral("grant_types"),
        QStringLiteral("token_endpoint_auth_method"),
        QStringLiteral("jwks_uri"),
        QStringLiteral("jwks"),
        QStringLiteral("application_type"),
        QStringLiteral("client_name"),
        QStringLiteral("scope"),
    };
    QString best;
    qsizetype bestAt = -1;
    for (const QString &field : fields) {
        const qsizetype at = message.indexOf(field);
        if (at >= 0 &&
            (bestAt < 0 || at < bestAt || (at == bestAt && field.size() > best.size()))) {
            best = field;
            bestAt = at;
        }
    }
    return best;
}

QStringList lines(const QPlainTextEdit *edit)
{
    QStringList out;
    for (const QString &line : edit->toPlainText().split(QLatin1Char('\n'))) {
        const QString trimmed = line.trimmed();
        if (!trimmed.isEmpty())
            out.append(trimmed);
    }
    return out;
}

QWidget *withError(QWidget *field, QLabel *error, QWidget *parent)
{
    auto *box = new QWidget(parent);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(field);
    layout->addWidget(error);
    return box;
}

} // namespace

ClientEditor::ClientEditor(const Admin::ClientRecord *existing, QWidget *parent)
    : QDialog(parent)
    , m_edit(existing != nullptr)
    , m_clientId(new QLineEdit(this))
    , m_name(new QLineEdit(this))
    , m_redirectUris(new QPlainTextEdit(this))
    , m_authMethod(new QComboBox(this))
    , m_scope(new QLineEdit(this))
    , m_applicationType(new QComboBox(this))
    , m_jwks(new QPlainTextEdit(this))
    , m_jwksUri(new QLineEdit(this))
    , m_newSecret(
          new QCheckBox(tr("Issue a &new client secret (the current one stops working)"), this))
    , m_formError(makeErrorBanner(QStringLiteral("clientEditorError"), this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this))
{
    setObjectName(QStringLiteral("clientEditor"));
    setWindowTitle(m_edit ? tr("Edit client %1").arg(existing->clientId) : tr("Add a client"));
    const auto name = [](QWidget *w, const char *objectName, const QString &accessible) {
        w->setObjectName(QLatin1String(objectName));
        w->setAccessibleName(accessible);
    };
    name(m_clientId, "clientIdEdit", tr("Client ID"));
    name(m_name, "clientNameEdit", tr("Client name"));
    name(m_redirectUris, "redirectUrisEdit", tr("Redirect URIs, one per line"));
    name(m_authMethod, "authMethodCombo", tr("Token endpoint authentication method"));
    name(m_scope, "scopeEdit", tr("Scopes"));
    name(m_applicationType, "applicationTypeCombo", tr("Application type"));
    name(m_jwks, "jwksEdit", tr("JWK Set (public keys)"));
    name(m_jwksUri, "jwksUriEdit", tr("JWKS URI"));
    name(m_newSecret, "newSecretCheck", tr("Issue a new client secret"));
    m_clientId->setPlaceholderText(tr("empty: generated"));
    m_redirectUris->setPlaceholderText(tr("http://127.0.0.1/callback"));
    m_redirectUris->setTabChangesFocus(true);
    m_redirectUris->setMaximumHeight(80);
    m_jwks->setPlaceholderText(tr("{\"keys\": [...]} — only for private_key_jwt"));
    m_jwks->setTabChangesFocus(true);
    m_jwks->setMaximumHeight(80);
    m_jwksUri->setPlaceholderText(tr("https://… — only for private_key_jwt"));
    m_scope->setPlaceholderText(tr("space-separated; empty: every supported scope"));
    for (const QString &method :
         {QStringLiteral("none"), QStringLiteral("client_secret_basic"),
          QStringLiteral("client_secret_post"), QStringLiteral("private_key_jwt")})
        m_authMethod->addItem(method, method);
    m_applicationType->addItem(tr("web"), QStringLiteral("web"));
    m_applicationType->addItem(tr("native (private-use URI schemes)"), QStringLiteral("native"));

    auto *grants = new QWidget(this);
    auto *grantLayout = new QHBoxLayout(grants);
    grantLayout->setContentsMargins(0, 0, 0, 0);
    for (const auto &[grant, label] : grantChoices()) {
        auto *box = new QCheckBox(tr(label), grants);
        box->setObjectName(QStringLiteral("grant_") +
                           QString(grant).replace(QLatin1Char(':'), QLatin1Char('_')));
        box->setProperty("grantType", grant);
        box->setAccessibleName(tr("Grant %1").arg(tr(label)));
        grantLayout->addWidget(box);
        m_grants.append(box);
    }

    for (const char *field :
         {"client_id", "client_name", "redirect_uris", "grant_types", "token_endpoint_auth_method",
          "scope", "application_type", "jwks", "jwks_uri"})
        m_fieldErrors.insert(QLatin1String(field),
                             makeFieldError(QStringLiteral("error_") + QLatin1String(field), this));

    auto *form = new QFormLayout;
    form->addRow(tr("Client &ID:"),
                 withError(m_clientId, m_fieldErrors.value(QStringLiteral("client_id")), this));
    form->addRow(tr("&Name:"),
                 withError(m_name, m_fieldErrors.value(QStringLiteral("client_name")), this));
    form->addRow(
        tr("&Redirect URIs:"),
        withError(m_redirectUris, m_fieldErrors.value(QStringLiteral("redirect_uris")), this));
    form->addRow(tr("Grant types:"),
                 withError(grants, m_fieldErrors.value(QStringLiteral("grant_types")), this));
    form->addRow(tr("&Authentication:"),
                 withError(m_authMethod,
                           m_fieldErrors.value(QStringLiteral("token_endpoint_auth_method")),
                           this));
    form->addRow(tr("&Scopes:"),
                 withError(m_scope, m_fieldErrors.value(QStringLiteral("scope")), this));
    form->addRow(tr("Application &type:"),
                 withError(m_applicationType,
                           m_fieldErrors.value(QStringLiteral("application_type")), this));
    form->addRow(tr("&JWKS:"),
                 withError(m_jwks, m_fieldErrors.value(QStringLiteral("jwks")), this));
    form->addRow(tr("JWKS &URI:"),
                 withError(m_jwksUri, m_fieldErrors.value(QStringLiteral("jwks_uri")), this));
    form->addRow(QString(), m_newSecret);

    m_buttons->setObjectName(QStringLiteral("clientEditorButtons"));
    m_buttons->button(QDialogButtonBox::Save)->setObjectName(QStringLiteral("clientEditorSave"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_formError);
    layout->addLayout(form);
    layout->addWidget(m_buttons);

    if (existing) {
        m_clientId->setText(existing->clientId);
        m_clientId->setReadOnly(true);
        m_name->setText(existing->name);
        m_redirectUris->setPlainText(existing->redirectUris.join(QLatin1Char('\n')));
        m_authMethod->setCurrentIndex(m_authMethod->findData(existing->authMethod));
        m_scope->setText(existing->scope);
        m_applicationType->setCurrentIndex(m_applicationType->findData(existing->applicationType));
        m_jwksUri->setText(existing->jwksUri);
        if (existing->hasJwks)
            m_jwks->setPlaceholderText(
                tr("The client has a JWK Set; paste a new one to replace it, or leave empty "
                   "to remove it."));
        for (QCheckBox *box : std::as_const(m_grants))
            box->setChecked(existing->grantTypes.contains(box->property("grantType").toString()));
    } else {
        m_authMethod->setCurrentIndex(m_authMethod->findData(QStringLiteral("none")));
        m_applicationType->setCurrentIndex(m_applicationType->findData(QStringLiteral("native")));
        m_grants.at(0)->setChecked(true);
        m_grants.at(1)->setChecked(true);
        m_newSecret->hide();
    }

    connect(m_buttons, &QDialogButtonBox::accepted, this, &ClientEditor::saveRequested);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

Admin::NewClient ClientEditor::client() const
{
    Admin::NewClient client;
    client.clientId = m_clientId->text().trimmed();
    client.name = m_name->text().trimmed();
    client.redirectUris = lines(m_redirectUris);
    for (const QCheckBox *box : m_grants)
        if (box->isChecked())
            client.grantTypes.append(box->property("grantType").toString());
    client.authMethod = m_authMethod->currentData().toString();
    client.scope = m_scope->text().simplified();
    client.applicationType = m_applicationType->currentData().toString();
    client.jwks = m_jwks->toPlainText().trimmed();
    client.jwksUri = m_jwksUri->text().trimmed();
    return client;
}

bool ClientEditor::wantsNewSecret() const
{
    return m_edit && m_newSecret->isChecked();
}

void ClientEditor::clearErrors()
{
    for (QLabel *label : std::as_const(m_fieldErrors))
        setFieldError(label, {});
    showBanner(m_formError, {});
}

void ClientEditor::showError(const QString &code, const QString &message)
{
    clearErrors();
    if (QLabel *label = m_fieldErrors.value(fieldOf(code, message)))
        setFieldError(label, message);
    else
        showBanner(m_formError, message);
}

SecretDialog::SecretDialog(const QString &clientId, const QString &secret, QWidget *parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("clientSecretDialog"));
    setWindowTitle(tr("Client secret of %1").arg(clientId));
    setAttribute(Qt::WA_DeleteOnClose);
    auto *warning = new QLabel(
        tr("Copy this secret now and keep it safe. It is shown only this once: the store "
           "keeps only its hash, so it cannot be shown again. Lost? Edit the client and issue "
           "a new one."),
        this);
    warning->setObjectName(QStringLiteral("clientSecretWarning"));
    warning->setWordWrap(true);
    warning->setStyleSheet(
        QStringLiteral("QLabel { background: #fff4d6; color: #7a4b00; border: 1px solid #f0c36d;"
                       " border-radius: 4px; padding: 6px; }"));
    auto *value = new QLineEdit(secret, this);
    value->setObjectName(QStringLiteral("clientSecretValue"));
    value->setAccessibleName(tr("Client secret"));
    value->setReadOnly(true);
    value->setMinimumWidth(value->fontMetrics().horizontalAdvance(secret) + 24);
    auto *copy = new QPushButton(tr("&Copy"), this);
    copy->setObjectName(QStringLiteral("copyClientSecret"));
    copy->setAccessibleName(tr("Copy the client secret"));
    connect(copy, &QPushButton::clicked, value, [value, copy] {
        QApplication::clipboard()->setText(value->text());
        copy->setText(tr("Copied"));
    });
    auto *row = new QHBoxLayout;
    row->addWidget(value, 1);
    row->addWidget(copy);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::accept);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(tr("Client ID: %1").arg(clientId), this));
    layout->addWidget(warning);
    layout->addLayout(row);
    layout->addWidget(buttons);
}

UserEditor::UserEditor(const QString &username, QWidget *parent)
    : QDialog(parent)
    , m_passwordOnly(!username.isEmpty())
    , m_username(new QLineEdit(username, this))
    , m_displayName(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_confirm(new QLineEdit(this))
    , m_usernameError(makeFieldError(QStringLiteral("usernameError"), this))
    , m_passwordError(makeFieldError(QStringLiteral("passwordError"), this))
    , m_formError(makeErrorBanner(QStringLiteral("userEditorError"), this))
{
    setObjectName(QStringLiteral("userEditor"));
    setWindowTitle(m_passwordOnly ? tr("Set the password of %1").arg(username) : tr("Add a user"));
    m_username->setObjectName(QStringLiteral("usernameEdit"));
    m_username->setAccessibleName(tr("User name"));
    m_username->setReadOnly(m_passwordOnly);
    m_displayName->setObjectName(QStringLiteral("displayNameEdit"));
    m_displayName->setAccessibleName(tr("Display name"));
    m_password->setObjectName(QStringLiteral("passwordEdit"));
    m_password->setAccessibleName(tr("Password"));
    m_password->setEchoMode(QLineEdit::Password);
    m_confirm->setObjectName(QStringLiteral("passwordConfirmEdit"));
    m_confirm->setAccessibleName(tr("Repeat the password"));
    m_confirm->setEchoMode(QLineEdit::Password);

    auto *form = new QFormLayout;
    form->addRow(tr("&User name:"), withError(m_username, m_usernameError, this));
    if (!m_passwordOnly)
        form->addRow(tr("&Display name:"), m_displayName);
    else
        m_displayName->hide();
    form->addRow(tr("&Password:"), m_password);
    form->addRow(tr("&Repeat:"), withError(m_confirm, m_passwordError, this));
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Save)->setObjectName(QStringLiteral("userEditorSave"));
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_formError);
    layout->addLayout(form);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (validate())
            emit saveRequested();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    for (QLineEdit *field : {m_username, m_password, m_confirm})
        connect(field, &QLineEdit::editingFinished, this, &UserEditor::validate);
}

QString UserEditor::username() const
{
    return m_username->text().trimmed();
}

QString UserEditor::displayName() const
{
    return m_displayName->text().trimmed();
}

QByteArray UserEditor::password() const
{
    return m_password->text().toUtf8();
}

bool UserEditor::validate()
{
    bool ok = true;
    if (!m_passwordOnly) {
        const Core::Status user = Admin::Service::validateUsername(username());
        setFieldError(m_usernameError, user ? QString() : user.error().message);
        ok = user.ok();
    }
    const Core::Status password = Admin::Service::validatePassword(this->password());
    QString passwordMessage = password ? QString() : password.error().message;
    if (passwordMessage.isEmpty() && m_password->text() != m_confirm->text())
        passwordMessage = tr("The two passwords differ.");
    setFieldError(m_passwordError, passwordMessage);
    return ok && passwordMessage.isEmpty();
}

void UserEditor::showError(const QString &message)
{
    if (message.contains(QLatin1String("password")))
        setFieldError(m_passwordError, message);
    else if (message.contains(QLatin1String("user")) || message.contains(QLatin1String("exists")))
        setFieldError(m_usernameError, message);
    else
        showBanner(m_formError, message);
}

} // namespace Ui
