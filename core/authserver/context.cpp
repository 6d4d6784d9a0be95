#include "authserver/context.h"

#include <QDateTime>

#include "authserver/auditlog.h"
#include "authserver/clientauthenticator.h"
#include "authserver/clientresolver.h"
#include "authserver/keymanager.h"
#include "authserver/ratelimiter.h"
#include "authserver/tokenissuer.h"

namespace Auth {

Context::Context(Config config, std::shared_ptr<Store::Database> db, std::function<qint64()> clock,
                 Http::ExchangeLog *exchangeLog)
    : m_config(std::move(config))
    , m_db(std::move(db))
    , m_clock(clock ? std::move(clock)
                    : std::function<qint64()>([] { return QDateTime::currentMSecsSinceEpoch(); }))
    , m_exchangeLog(exchangeLog)
{
    // The issuer is compared character by character (RFC 8414 section 3.3): one canonical
    // form, without the trailing slash QUrl::toString() gives a bare origin.
    while (m_config.issuer.endsWith(QLatin1Char('/')))
        m_config.issuer.chop(1);
    m_keys = std::make_unique<KeyManager>(*this);
    m_rateLimiter = std::make_unique<RateLimiter>(*this);
    m_tokens = std::make_unique<TokenIssuer>(*this);
    m_clientAuthenticator = std::make_unique<ClientAuthenticator>(*this);
    m_audit = std::make_unique<AuditLog>(*this);
    m_clients = std::make_unique<ClientResolver>(*this);
}

Context::~Context() = default;

QString Context::endpointUrl(const QString &path) const
{
    return m_config.issuer + path;
}

} // namespace Auth
