#include "authserver/auditlog.h"

#include "authserver/context.h"
#include "authserver/oauth.h"
#include "http/message.h"
#include "store/auditrepository.h"

namespace Auth {

AuditLog::AuditLog(Context &context)
    : m_context(context)
{}

void AuditLog::record(const QString &type, const QString &actor, const QString &clientId,
                      const QString &subject, const QJsonObject &detail,
                      const Http::Request *request)
{
    Store::AuditEvent event;
    event.occurredAt = m_context.now();
    event.type = type;
    event.actor = actor;
    event.clientId = clientId;
    event.subject = subject;
    event.detail = detail;
    if (request && !request->peerAddress.isNull())
        event.remoteAddress = request->peerAddress.toString();
    auto appended = Store::AuditRepository(m_context.db()).append(event);
    if (!appended)
        qCWarning(lcAuthServer, "audit event %s (client %s) was not recorded: %s",
                  qUtf8Printable(type), qUtf8Printable(clientId),
                  qUtf8Printable(appended.error().toString()));
}

} // namespace Auth
