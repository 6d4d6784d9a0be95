#include "http/ssrfguard.h"

namespace Http {

namespace {

enum class AddressClass {
    Public,
    Loopback,
    Private,
    LinkLocal,
    Unspecified,
    Multicast,
    Broadcast,
    Reserved,
};

Core::Error blocked(const QString &message)
{
    return Core::makeError(QStringLiteral("ssrf_blocked"), message);
}

bool inRange(quint32 address, quint32 network, int prefixLength)
{
    const quint32 mask = prefixLength == 0 ? 0 : ~quint32(0) << (32 - prefixLength);
    return (address & mask) == network;
}

quint32 v4(int a, int b, int c, int d)
{
    return (quint32(a) << 24) | (quint32(b) << 16) | (quint32(c) << 8) | quint32(d);
}

AddressClass classifyIPv4(quint32 a)
{
    if (inRange(a, v4(0, 0, 0, 0), 8))
        return AddressClass::Unspecified;
    if (inRange(a, v4(127, 0, 0, 0), 8))
        return AddressClass::Loopback;
    if (inRange(a, v4(10, 0, 0, 0), 8) || inRange(a, v4(172, 16, 0, 0), 12) ||
        inRange(a, v4(192, 168, 0, 0), 16) || inRange(a, v4(100, 64, 0, 0), 10) ||
        inRange(a, v4(198, 18, 0, 0), 15))
        return AddressClass::Private;
    if (inRange(a, v4(169, 254, 0, 0), 16))
        return AddressClass::LinkLocal;
    if (inRange(a, v4(224, 0, 0, 0), 4))
        return AddressClass::Multicast;
    if (a == 0xFFFFFFFFu)
        return AddressClass::Broadcast;
    if (inRange(a, v4(240, 0, 0, 0), 4) || inRange(a, v4(192, 0, 0, 0), 24) ||
        inRange(a, v4(192, 0, 2, 0), 24) || inRange(a, v4(198, 51, 100, 0), 24) ||
        inRange(a, v4(203, 0, 113, 0), 24))
        return AddressClass::Reserved;
    return AddressClass::Public;
}

bool allZero(const Q_IPV6ADDR &a, int from, int to)
{
    for (int i = from; i < to; ++i) {
        if (a[i] != 0)
            return false;
    }
    return true;
}

quint32 v4At(const Q_IPV6ADDR &a, int i)
{
    return (quint32(a[i]) << 24) | (quint32(a[i + 1]) << 16) | (quint32(a[i + 2]) << 8) |
           quint32(a[i + 3]);
}

AddressClass classifyIPv6(const Q_IPV6ADDR &a)
{
    if (allZero(a, 0, 16))
        return AddressClass::Unspecified;
    if (allZero(a, 0, 15) && a[15] == 1)
        return AddressClass::Loopback;
    // IPv6 forms that carry an IPv4 address are judged by that address: mapped
    // (::ffff:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
    if (allZero(a, 0, 10) && a[10] == 0xFF && a[11] == 0xFF)
        return classifyIPv4(v4At(a, 12));
    if (allZero(a, 0, 12))
        return classifyIPv4(v4At(a, 12));
    if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B && allZero(a, 4, 12))
        return classifyIPv4(v4At(a, 12));
    if (a[0] == 0x20 && a[1] == 0x02)
        return classifyIPv4(v4At(a, 2));
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
        return AddressClass::LinkLocal;
    if (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0) // deprecated site-local
        return AddressClass::Private;
    if ((a[0] & 0xFE) == 0xFC)
        return AddressClass::Private;
    if (a[0] == 0xFF)
        return AddressClass::Multicast;
    if ((a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0D && a[3] == 0xB8) ||
        (a[0] == 0x01 && allZero(a, 1, 8)))
        return AddressClass::Reserved;
    return AddressClass::Public;
}

AddressClass classify(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 ipv4 = address.toIPv4Address(&isV4);
    if (isV4 && address.protocol() == QAbstractSocket::IPv4Protocol)
        return classifyIPv4(ipv4);
    return classifyIPv6(address.toIPv6Address());
}

QString describe(AddressClass c)
{
    switch (c) {
    case AddressClass::Public:
        return QStringLiteral("public");
    case AddressClass::Loopback:
        return QStringLiteral("loopback");
    case AddressClass::Private:
        return QStringLiteral("in a private network");
    case AddressClass::LinkLocal:
        return QStringLiteral("link-local (e.g. a cloud metadata service)");
    case AddressClass::Unspecified:
        return QStringLiteral("unspecified (0.0.0.0/8 or ::)");
    case AddressClass::Multicast:
        return QStringLiteral("multicast");
    case AddressClass::Broadcast:
        return QStringLiteral("broadcast");
    case AddressClass::Reserved:
        return QStringLiteral("reserved");
    }
    return {};
}

QString normalisedHost(QString host)
{
    host = host.toLower();
    if (host.endsWith(QLatin1Char('.')))
        host.chop(1);
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.sliced(1, host.size() - 2);
    return host;
}

bool isLoopbackName(const QString &host)
{
    return host == QLatin1StringView("localhost") || host.endsWith(QLatin1StringView(".localhost"));
}

bool isDecimal(QStringView s)
{
    if (s.isEmpty())
        return false;
    for (const QChar c : s) {
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return false;
    }
    return true;
}

bool isHexNumber(QStringView s)
{
    if (!s.startsWith(QLatin1StringView("0x"), Qt::CaseInsensitive))
        return false;
    for (const QChar c : s.sliced(2)) {
        if (!isxdigit(c.toLatin1()) || c.unicode() > 0x7F)
            return false;
    }
    return true;
}

/// WHATWG "ends in a number": such a host is an IPv4 address to every URL parser, so it
/// must be spelled as the canonical dotted quad.
bool isNonCanonicalIPv4(const QString &host)
{
    const QList<QStringView> labels = QStringView(host).split(QLatin1Char('.'));
    const QStringView last = labels.last();
    if (!isDecimal(last) && !isHexNumber(last))
        return false;
    if (labels.size() != 4)
        return true;
    for (const QStringView label : labels) {
        if (!isDecimal(label) || label.size() > 3 ||
            (label.size() > 1 && label.startsWith(QLatin1Char('0'))) || label.toInt() > 255)
            return true;
    }
    return false;
}

} // namespace

SsrfGuard::SsrfGuard(SsrfPolicy policy)
    : m_policy(std::move(policy))
{}

bool SsrfGuard::isExplicitlyAllowed(const QString &host) const
{
    const QString wanted = normalisedHost(host);
    const QHostAddress wantedAddress(wanted);
    for (const QString &allowed : m_policy.allowedHttpHosts) {
        const QString candidate = normalisedHost(allowed);
        if (candidate == wanted)
            return true;
        if (!wantedAddress.isNull() && QHostAddress(candidate) == wantedAddress)
            return true;
    }
    return false;
}

Core::Status SsrfGuard::checkAddress(const QHostAddress &address) const
{
    const AddressClass c = classify(address);
    const bool allowed = c == AddressClass::Public ||
                         (c == AddressClass::Loopback && m_policy.allowLoopback) ||
                         (c == AddressClass::Private && m_policy.allowPrivateNetworks);
    if (allowed)
        return {};
    return blocked(QStringLiteral("address %1 is %2 and may not be contacted")
                       .arg(address.toString(), describe(c)));
}

Core::Status SsrfGuard::checkUrl(const QUrl &url) const
{
    if (!url.isValid())
        return blocked(QStringLiteral("not a valid URL"));
    const QString scheme = url.scheme().toLower();
    if (scheme != QLatin1StringView("https") && scheme != QLatin1StringView("http"))
        return blocked(
            QStringLiteral("the scheme '%1' is not allowed; use https").arg(scheme.left(20)));
    if (!url.userName().isEmpty() || !url.password().isEmpty() ||
        url.authority(QUrl::FullyEncoded).contains(QLatin1Char('@')))
        return blocked(QStringLiteral("credentials in the URL (userinfo) are not allowed"));
    const QString host = normalisedHost(url.host());
    if (host.isEmpty())
        return blocked(QStringLiteral("the URL has no host"));
    const bool explicitlyAllowed = isExplicitlyAllowed(host);
    QHostAddress address;
    const bool isIp = address.setAddress(host);
    if (scheme == QLatin1StringView("http") && !explicitlyAllowed) {
        const bool loopback =
            m_policy.allowLoopback &&
            (isIp ? classify(address) == AddressClass::Loopback : isLoopbackName(host));
        if (!loopback)
            return blocked(QStringLiteral("plain http to '%1' is not allowed (only loopback and "
                                          "explicitly allowed hosts); use https")
                               .arg(host.left(100)));
    }
    if (isIp && !explicitlyAllowed)
        return checkAddress(address);
    return {};
}

Core::Result<QUrl> SsrfGuard::parseUrl(const QString &text) const
{
    for (const QChar c : text) {
        if (c.unicode() <= 0x20 || c.unicode() == 0x7F)
            return blocked(QStringLiteral("the URL contains whitespace or control characters"));
    }
    const qsizetype schemeEnd = text.indexOf(QLatin1StringView("://"));
    if (schemeEnd <= 0)
        return blocked(QStringLiteral("not an absolute http(s) URL"));
    const qsizetype authorityStart = schemeEnd + 3;
    qsizetype authorityEnd = authorityStart;
    while (authorityEnd < text.size() && text.at(authorityEnd) != QLatin1Char('/') &&
           text.at(authorityEnd) != QLatin1Char('?') && text.at(authorityEnd) != QLatin1Char('#'))
        ++authorityEnd;
    const QString authority = text.sliced(authorityStart, authorityEnd - authorityStart);
    if (authority.contains(QLatin1Char('@')))
        return blocked(QStringLiteral("credentials in the URL (userinfo) are not allowed"));
    if (authority.contains(QLatin1Char('\\')) || authority.contains(QLatin1Char('%')))
        return blocked(QStringLiteral("backslashes and percent-escapes are not allowed in the "
                                      "host of a URL"));
    QString host = authority;
    if (host.startsWith(QLatin1Char('['))) {
        host = host.first(std::max<qsizetype>(host.indexOf(QLatin1Char(']')) + 1, 0));
    } else if (const qsizetype colon = host.lastIndexOf(QLatin1Char(':')); colon >= 0) {
        host.truncate(colon);
    }
    host = normalisedHost(host);
    if (host.isEmpty())
        return blocked(QStringLiteral("the URL has no host"));
    if (!authority.startsWith(QLatin1Char('[')) && isNonCanonicalIPv4(host))
        return blocked(QStringLiteral("'%1' is not a canonical IPv4 address (write it as four "
                                      "decimal numbers)")
                           .arg(host.left(100)));
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return blocked(QStringLiteral("not a valid URL"));
    // QUrl maps full-width and circled digits and ideographic dots (IDNA) to ASCII, so an
    // address can hide in text no numeric check above recognises: an IP address must be
    // spelled as one.
    if (const QHostAddress address(url.host()); !address.isNull()) {
        const bool v4 = address.protocol() == QAbstractSocket::IPv4Protocol;
        if ((v4 && host != address.toString()) || (!v4 && QHostAddress(host) != address))
            return blocked(QStringLiteral("the host is an IP address in disguise; write it as "
                                          "a canonical IP address"));
    }
    if (const auto status = checkUrl(url); !status)
        return status.error();
    return url;
}

Core::Status SsrfGuard::checkUrl(const QString &text) const
{
    const auto url = parseUrl(text);
    if (!url)
        return url.error();
    return {};
}

Core::Status SsrfGuard::checkResolvedAddresses(const QString &host,
                                               const QList<QHostAddress> &addresses) const
{
    if (addresses.isEmpty())
        return blocked(QStringLiteral("'%1' resolved to no address").arg(host.left(100)));
    if (isExplicitlyAllowed(host))
        return {};
    for (const QHostAddress &address : addresses) {
        if (const auto status = checkAddress(address); !status)
            return blocked(
                QStringLiteral("'%1' resolves to %2").arg(host.left(100), status.error().message));
    }
    return {};
}

Core::Status SsrfGuard::checkResolvedAddresses(const QUrl &url,
                                               const QList<QHostAddress> &addresses) const
{
    const QString host = normalisedHost(url.host());
    if (const auto status = checkResolvedAddresses(host, addresses); !status)
        return status;
    if (url.scheme().compare(QLatin1StringView("http"), Qt::CaseInsensitive) != 0 ||
        isExplicitlyAllowed(host))
        return {};
    for (const QHostAddress &address : addresses) {
        if (classify(address) != AddressClass::Loopback)
            return blocked(QStringLiteral("'%1' resolves to %2, which is not loopback; plain "
                                          "http is only allowed to loopback")
                               .arg(host.left(100), address.toString()));
    }
    return {};
}

} // namespace Http
