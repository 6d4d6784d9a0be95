#pragma once

#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include "common/result.h"

namespace Http {

/// What outbound requests (metadata discovery, JWKS, introspection, CIMD documents, the
/// flow walker) may reach.
struct SsrfPolicy
{
    /// Host names or IP literals reachable over plain http besides loopback. A host listed
    /// here is trusted explicitly: its addresses skip the private-range checks too.
    QStringList allowedHttpHosts;
    /// Allows 10/8, 172.16/12, 192.168/16, 100.64/10, 198.18/15, fc00::/7, fec0::/10.
    bool allowPrivateNetworks = false;
    /// Allows 127/8 and ::1 (http and https), e.g. our own loopback servers.
    bool allowLoopback = true;
};

/// Decides whether a URL, and then the addresses its host resolves to, may be contacted.
/// Errors have the code "ssrf_blocked" and say which rule refused the target.
///
/// DNS rebinding: a name checked here could resolve differently when the connection is
/// made. The Client therefore resolves once, checks every address with
/// checkResolvedAddresses(), and connects to the checked IP itself (the URL's host is
/// replaced by the IP; the Host header carries the original name, and for https the
/// certificate is verified against the original name, which is also sent as SNI). No
/// second lookup happens, so there is nothing to rebind.
class SsrfGuard final
{
public:
    explicit SsrfGuard(SsrfPolicy policy = {});

    [[nodiscard]] const SsrfPolicy &policy() const { return m_policy; }

    /// Scheme (http/https only; http only to loopback or an allowed host), no userinfo,
    /// a host, and when the host is an IP literal the address rules. QUrl has already
    /// normalised odd IPv4 spellings here; use parseUrl() for untrusted text.
    [[nodiscard]] Core::Status checkUrl(const QUrl &url) const;
    /// Parses untrusted URL text strictly and checks it. Rejects what QUrl would silently
    /// normalise: decimal, hex, octal and short-form IPv4 spellings ("2130706433",
    /// "0x7f000001", "0177.0.0.1", "127.1"), percent-escapes and backslashes in the
    /// authority.
    [[nodiscard]] Core::Result<QUrl> parseUrl(const QString &text) const;
    [[nodiscard]] Core::Status checkUrl(const QString &text) const;

    /// Applies the address rules to every address `host` resolved to; all must pass.
    [[nodiscard]] Core::Status checkResolvedAddresses(const QString &host,
                                                      const QList<QHostAddress> &addresses) const;
    /// checkResolvedAddresses() plus: for plain http to a host that is not explicitly
    /// allowed, every address must be loopback.
    [[nodiscard]] Core::Status checkResolvedAddresses(const QUrl &url,
                                                      const QList<QHostAddress> &addresses) const;
    /// The address rules for one address (IPv4-mapped, -compatible and NAT64 IPv6
    /// addresses are judged by the IPv4 address they carry).
    [[nodiscard]] Core::Status checkAddress(const QHostAddress &address) const;

private:
    [[nodiscard]] bool isExplicitlyAllowed(const QString &host) const;

    SsrfPolicy m_policy;
};

} // namespace Http
