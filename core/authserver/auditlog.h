#pragma once

#include <QJsonObject>
#include <QString>

namespace Http {
struct Request;
}

namespace Auth {

class Context;

/// Appends audit events (issuance, refusal, revocation, login, registration, key
/// rotation) to the store. Details must be free of secrets: mask with Crypto::maskSecret.
/// A failure to write is logged, never turned into a failed request.
class AuditLog final
{
    Q_DISABLE_COPY_MOVE(AuditLog)

public:
    explicit AuditLog(Context &context);

    void record(const QString &type, const QString &actor, const QString &clientId,
                const QString &subject, const QJsonObject &detail,
                const Http::Request *request = nullptr);

private:
    Context &m_context;
};

} // namespace Auth
