#pragma once

#include <optional>

#include <QByteArray>
#include <QWidget>

#include "crypto/jwks.h"
#include "flowinspect.h"

class QLabel;
class QPlainTextEdit;

namespace Ui {

/// A decoded JWT: its header and payload pretty-printed and the signature's status
/// against the authorization server's JWKS (not checked until a key set is given). An
/// opaque token is said to be one. Keeps the raw token in memory only, to verify it when
/// the key set arrives.
class JwtView final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(JwtView)

public:
    explicit JwtView(QWidget *parent = nullptr);

    void clear();
    /// Decodes `token` (verifying it if a key set is known).
    void setToken(const QByteArray &token);
    /// The key set to verify against; re-checks the current token.
    void setJwks(const Crypto::Jwks &jwks);
    /// Fetching the key set failed: said next to the signature status.
    void setJwksError(const QString &message);

    [[nodiscard]] const std::optional<Core::JwtInspection> &inspection() const
    {
        return m_inspection;
    }
    [[nodiscard]] QString signatureText() const;

private:
    void refresh();

    QByteArray m_token;
    std::optional<Crypto::Jwks> m_jwks;
    QString m_jwksError;
    std::optional<Core::JwtInspection> m_inspection;
    QLabel *m_status;
    QPlainTextEdit *m_header;
    QPlainTextEdit *m_payload;
};

} // namespace Ui
