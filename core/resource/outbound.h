#pragma once

#include <QList>
#include <QSslCertificate>

#include "common/result.h"
#include "http/client.h"
#include "http/ssrfguard.h"

namespace Http {
class ExchangeLog;
}

namespace Resource {

/// One outbound request of a verifier (introspection, JWKS, AS metadata) through the SSRF
/// guard, from any thread: each thread keeps its own Http::Client. At most 5 s and 256 KiB.
/// `log` (not owned, may be null) records the exchange.
[[nodiscard]] Core::Result<Http::ClientResponse>
fetchOutbound(Http::ClientRequest request, const Http::SsrfPolicy &policy,
              const QList<QSslCertificate> &trusted, Http::ExchangeLog *log);

} // namespace Resource
