#include "jwtview.h"

#include <QFontDatabase>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace Ui {

namespace {

QPlainTextEdit *makeJsonView(const QString &objectName, const QString &accessibleName,
                             QWidget *parent)
{
    auto *view = new QPlainTextEdit(parent);
    view->setObjectName(objectName);
    view->setAccessibleName(accessibleName);
    view->setReadOnly(true);
    view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    return view;
}

} // namespace

JwtView::JwtView(QWidget *parent)
    : QWidget(parent)
    , m_status(new QLabel(this))
    , m_header(makeJsonView(QStringLiteral("jwtHeader"), tr("JWT header"), this))
    , m_payload(makeJsonView(QStringLiteral("jwtPayload"), tr("JWT payload"), this))
{
    m_status->setObjectName(QStringLiteral("jwtSignatureStatus"));
    m_status->setAccessibleName(tr("Signature status"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addWidget(new QLabel(tr("Header"), this));
    layout->addWidget(m_header, 1);
    layout->addWidget(new QLabel(tr("Payload"), this));
    layout->addWidget(m_payload, 3);
    clear();
}

void JwtView::clear()
{
    m_token.clear();
    m_jwks.reset();
    m_jwksError.clear();
    m_inspection.reset();
    refresh();
}

void JwtView::setToken(const QByteArray &token)
{
    m_token = token;
    refresh();
}

void JwtView::setJwks(const Crypto::Jwks &jwks)
{
    m_jwks = jwks;
    m_jwksError.clear();
    refresh();
}

void JwtView::setJwksError(const QString &message)
{
    m_jwksError = message;
    refresh();
}

QString JwtView::signatureText() const
{
    return m_status->text();
}

void JwtView::refresh()
{
    m_inspection.reset();
    m_header->clear();
    m_payload->clear();
    if (m_token.isEmpty()) {
        m_status->setText(tr("The access token of the walk is decoded here once it is issued."));
        return;
    }
    const auto inspected = Core::inspectJwt(m_token, m_jwks ? &*m_jwks : nullptr);
    if (!inspected) {
        m_status->setText(
            inspected.error().code == QLatin1String("not_a_jwt")
                ? tr("The access token is opaque: only the authorization server "
                     "can tell what it means (introspection).")
                : tr("The access token cannot be decoded: %1").arg(inspected.error().message));
        return;
    }
    m_inspection = *inspected;
    m_header->setPlainText(
        QString::fromUtf8(QJsonDocument(inspected->header).toJson(QJsonDocument::Indented)));
    m_payload->setPlainText(
        QString::fromUtf8(QJsonDocument(inspected->payload).toJson(QJsonDocument::Indented)));
    QString status = tr("Signature (%1): %2")
                         .arg(inspected->algorithm, Core::jwtSignatureName(inspected->signature));
    if (!inspected->signatureMessage.isEmpty())
        status += QStringLiteral(" — ") + inspected->signatureMessage;
    if (inspected->signature == Core::JwtInspection::Signature::NotChecked)
        status += m_jwksError.isEmpty()
                      ? tr(" (waiting for the authorization server's JWKS)")
                      : tr(" (the JWKS could not be fetched: %1)").arg(m_jwksError);
    m_status->setText(status);
    const char *color = inspected->signature == Core::JwtInspection::Signature::Valid ? "#188038"
                        : inspected->signature == Core::JwtInspection::Signature::Invalid
                            ? "#c62828"
                            : "";
    m_status->setStyleSheet(
        *color ? QStringLiteral("color: %1; font-weight: bold;").arg(QLatin1String(color))
               : QString());
}

} // namespace Ui
