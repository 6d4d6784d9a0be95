#include "authserver/clientresolver.h"

#include <QDateTime>
#include <QJsonObject>
#include <QRegularExpression>

#include "authserver/auditlog.h"
#include "authserver/clientmetadata.h"
#include "authserver/context.h"
#include "authserver/oauth.h"
#include "http/body.h"
#include "http/ssrfguard.h"
#include "store/errors.h"

namespace Auth {

namespace {

constexpr qsizetype kMaxClientIdLength = 2048;
constexpr qint64 kMaxDocumentBytes = 64 * 1024;
constexpr qint64 kMinCacheMs = 5 * 60 * 1000;
constexpr qint64 kMaxCacheMs = 24 * 3600 * 1000;
constexpr qint64 kDefaultCacheMs = 3600 * 1000;

Core::Error invalidRedirect(const QString &message)
{
    return Core::makeError(OAuthError::InvalidRedirectUri, message);
}

Core::Error invalidClient(const QString &message)
{
    return Core::makeError(OAuthError::InvalidClient, message);
}

QString shown(const QString &text)
{
    return ClientMetadata::shortForMessage(text);
}

bool isLoopbackHost(QStringView rawHost)
{
    return rawHost == QLatin1String("127.0.0.1") || rawHost == QLatin1String("[::1]") ||
           rawHost.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0;
}

/// "http://HOST[:PORT]REST" split at the authority, as written (no normalisation), so
/// that the loopback rules look at exactly what the client sent.
struct HttpParts
{
    QString host; ///< as written, IPv6 with brackets
    QString port; ///< digits as written, empty when absent
    QString rest; ///< path, query (and fragment) as written
};

std::optional<HttpParts> splitHttp(const QString &uri)
{
    static const QLatin1String prefix("http://");
    if (!uri.startsWith(prefix, Qt::CaseInsensitive))
        return std::nullopt;
    const QStringView afterScheme = QStringView(uri).mid(prefix.size());
    qsizetype end = 0;
    while (end < afterScheme.size() && afterScheme[end] != u'/' && afterScheme[end] != u'?' &&
           afterScheme[end] != u'#')
        ++end;
    const QStringView authority = afterScheme.left(end);
    HttpParts parts;
    parts.rest = afterScheme.mid(end).toString();
    qsizetype colon = -1;
    if (authority.startsWith(u'[')) {
        const qsizetype close = authority.indexOf(u']');
        if (close < 0)
            return std::nullopt;
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != u':')
                return std::nullopt;
            colon = close + 1;
        }
    } else {
        colon = authority.lastIndexOf(u':');
    }
    parts.host = (colon >= 0 ? authority.left(colon) : authority).toString();
    parts.port = colon >= 0 ? authority.mid(colon + 1).toString() : QString();
    return parts;
}

bool validPort(const QString &port)
{
    if (port.isEmpty())
        return true;
    if (port.size() > 5)
        return false;
    for (const QChar c : port)
        if (!c.isDigit() || c.unicode() > 0x7F)
            return false;
    const int value = port.toInt();
    return value >= 1 && value <= 65535;
}

/// Seconds of freshness a CIMD response grants: Cache-Control max-age first, then Expires
/// (relative to Date when present); bounded to [5 min, 24 h]; 1 h when neither is given.
qint64 cacheLifetimeMs(const Http::ClientResponse &response, qint64 now)
{
    qint64 lifetime = -1;
    const QByteArray cacheControl = response.headers.value("Cache-Control").toLower();
    for (QByteArray directive : cacheControl.split(',')) {
        directive = directive.trimmed();
        if (directive == "no-store" || directive == "no-cache") {
            lifetime = 0;
            break;
        }
        if (directive.startsWith("max-age=")) {
            bool ok = false;
            const qint64 seconds = directive.mid(8).toLongLong(&ok);
            if (ok && seconds >= 0)
                lifetime = seconds * 1000;
        }
    }
    if (lifetime < 0 && response.headers.contains("Expires")) {
        const QDateTime expires = QDateTime::fromString(
            QString::fromLatin1(response.headers.value("Expires")), Qt::RFC2822Date);
        const QDateTime date = QDateTime::fromString(
            QString::fromLatin1(response.headers.value("Date")), Qt::RFC2822Date);
        const qint64 base = date.isValid() ? date.toMSecsSinceEpoch() : now;
        // An unparsable Expires means "already expired" (RFC 9111 section 5.3).
        lifetime = expires.isValid() ? expires.toMSecsSinceEpoch() - base : 0;
    }
    if (lifetime < 0)
        return kDefaultCacheMs;
    return std::clamp(lifetime, kMinCacheMs, kMaxCacheMs);
}

/// The URL rules of a Client ID Metadata Document (draft-ietf-oauth-client-id-metadata-
/// document section 3): https (http on loopback only when allowed), a path, no fragment,
/// no userinfo, no dot segments.
Core::Result<QUrl> checkMetadataUrl(const QString &clientId, const Config &config)
{
    const Http::SsrfGuard guard(Outbound::policy(config));
    auto url = guard.parseUrl(clientId);
    if (!url)
        return invalidClient(QStringLiteral("client_id \"%1\" is not a usable metadata document "
                                            "URL: %2")
                                 .arg(shown(clientId), url.error().message));
    const bool loopbackHttp = url->scheme() == QLatin1String("http");
    if (loopbackHttp && !config.allowLoopbackCimd)
        return invalidClient(
            QStringLiteral("client_id \"%1\" is an http URL; a client metadata document URL "
                           "must use https")
                .arg(shown(clientId)));
    if (url->hasFragment() || !url->userInfo().isEmpty())
        return invalidClient(QStringLiteral("client_id \"%1\" must not have a fragment or "
                                            "userinfo")
                                 .arg(shown(clientId)));
    const QString path = url->path(QUrl::FullyEncoded);
    if (path.isEmpty() || path == QLatin1String("/"))
        return invalidClient(
            QStringLiteral("client_id \"%1\" must have a path (the URL of the document)")
                .arg(shown(clientId)));
    for (const QString &segment : path.split(QLatin1Char('/')))
        if (segment == QLatin1String(".") || segment == QLatin1String(".."))
            return invalidClient(
                QStringLiteral("client_id \"%1\" must not contain . or .. path segments")
                    .arg(shown(clientId)));
    return url;
}

} // namespace

Core::Status validateRedirectUri(const QString &uri)
{
    if (uri.isEmpty())
        return invalidRedirect(QStringLiteral("the redirect URI is empty"));
    if (uri.size() > 2048)
        return invalidRedirect(QStringLiteral("the redirect URI is longer than 2048 characters"));
    for (const QChar c : uri) {
        if (c.unicode() <= 0x20 || c.unicode() >= 0x7F || c == u'\\')
            return invalidRedirect(
                QStringLiteral("the redirect URI contains a space, control, backslash or non-ASCII "
                               "character (percent-encode it)"));
    }
    if (uri.contains(u'#'))
        return invalidRedirect(
            QStringLiteral("the redirect URI must not have a fragment (RFC 6749 section 3.1.2)"));
    static const QRegularExpression schemePattern(QStringLiteral("^([A-Za-z][A-Za-z0-9+.-]*):"));
    const auto schemeMatch = schemePattern.match(uri);
    if (!schemeMatch.hasMatch())
        return invalidRedirect(QStringLiteral("the redirect URI \"%1\" is not absolute (it needs "
                                              "a scheme such as https:)")
                                   .arg(shown(uri)));
    const QString scheme = schemeMatch.captured(1).toLower();
    static const QStringList forbidden = {QStringLiteral("javascript"), QStringLiteral("data"),
                                          QStringLiteral("file"),       QStringLiteral("vbscript"),
                                          QStringLiteral("about"),      QStringLiteral("blob"),
                                          QStringLiteral("filesystem"), QStringLiteral("ftp"),
                                          QStringLiteral("ws"),         QStringLiteral("wss")};
    if (forbidden.contains(scheme))
        return invalidRedirect(
            QStringLiteral("the redirect URI scheme \"%1:\" is not allowed").arg(scheme));
    const QUrl url(uri, QUrl::StrictMode);
    if (!url.isValid())
        return invalidRedirect(QStringLiteral("the redirect URI \"%1\" is not a valid URI: %2")
                                   .arg(shown(uri), url.errorString()));
    if (!url.userInfo().isEmpty() || url.authority().contains(u'@'))
        return invalidRedirect(QStringLiteral("the redirect URI must not contain userinfo"));
    if (scheme == QLatin1String("https")) {
        if (url.host().isEmpty())
            return invalidRedirect(QStringLiteral("the https redirect URI has no host"));
        return {};
    }
    if (scheme == QLatin1String("http")) {
        const auto parts = splitHttp(uri);
        if (!parts || !isLoopbackHost(parts->host))
            return invalidRedirect(
                QStringLiteral("an http redirect URI must be on loopback (http://127.0.0.1, "
                               "http://[::1] or http://localhost; RFC 8252 section 7.3); use "
                               "https otherwise"));
        if (!validPort(parts->port))
            return invalidRedirect(QStringLiteral("the redirect URI has an invalid port"));
        return {};
    }
    // RFC 8252 section 7.1: private-use schemes are reverse domain names.
    if (!scheme.contains(u'.'))
        return invalidRedirect(
            QStringLiteral("the redirect URI scheme \"%1:\" is neither https, loopback http nor "
                           "a private-use scheme in reverse-domain form (com.example.app:/cb)")
                .arg(scheme.left(64)));
    return {};
}

bool redirectUriMatches(const QString &registered, const QString &requested)
{
    if (registered == requested)
        return true;
    // RFC 8252 section 7.3: a native app's loopback listener gets an ephemeral port, so
    // the port of a loopback http redirect URI is not compared. Everything else is.
    const auto a = splitHttp(registered);
    const auto b = splitHttp(requested);
    if (!a || !b)
        return false;
    if (!registered.startsWith(QLatin1String("http://")) ||
        !requested.startsWith(QLatin1String("http://")))
        return false;
    if (a->host != b->host || !isLoopbackHost(a->host))
        return false;
    if (!validPort(a->port) || !validPort(b->port))
        return false;
    return a->rest == b->rest && !b->rest.contains(u'#');
}

ClientResolver::ClientResolver(Context &context)
    : m_context(context)
{}

bool ClientResolver::isMetadataDocumentUrl(const QString &clientId)
{
    // http is recognised too, so that it is refused with a clear message (or allowed on
    // loopback for tests) instead of being looked up as a registered id.
    return clientId.startsWith(QLatin1String("https://")) ||
           clientId.startsWith(QLatin1String("http://"));
}

Core::Result<Store::Client> ClientResolver::resolve(const QString &clientId)
{
    if (clientId.isEmpty())
        return invalidClient(QStringLiteral("no client_id was given"));
    if (clientId.size() > kMaxClientIdLength)
        return invalidClient(
            QStringLiteral("the client_id is longer than %1 characters").arg(kMaxClientIdLength));
    Store::ClientRepository repository(m_context.db());
    auto stored = repository.get(clientId);
    if (!stored && stored.error().code != Store::ErrorCode::NotFound)
        return Core::makeError(OAuthError::ServerError,
                               QStringLiteral("could not read client \"%1\": %2")
                                   .arg(shown(clientId), stored.error().message));
    if (!isMetadataDocumentUrl(clientId)) {
        if (!stored)
            return invalidClient(QStringLiteral("unknown client_id \"%1\"").arg(shown(clientId)));
        return stored;
    }
    // An operator may register a URL-shaped client_id by hand; that registration wins.
    if (stored && stored->source != QLatin1String("cimd"))
        return stored;
    const qint64 now = m_context.now();
    if (stored && stored->metadataExpiresAt && *stored->metadataExpiresAt > now)
        return stored;
    auto fetched = fetchMetadataDocument(clientId);
    if (!fetched) {
        QJsonObject detail{{QStringLiteral("url"), clientId},
                           {QStringLiteral("reason"), fetched.error().message}};
        if (stored)
            detail.insert(
                QStringLiteral("cached_copy_expired_at"),
                QDateTime::fromMSecsSinceEpoch(stored->metadataExpiresAt.value_or(0), Qt::UTC)
                    .toString(Qt::ISODate));
        m_context.audit().record(QStringLiteral("client.metadata_fetch_failed"),
                                 QStringLiteral("system"), clientId, QString(), detail);
        // Fail closed: an expired copy is not used, whatever the reason of the failure.
        if (stored)
            return invalidClient(fetched.error().message +
                                 QStringLiteral(" (the cached copy has expired and is not used)"));
        return fetched.error();
    }
    auto saved = repository.upsert(*fetched);
    if (!saved)
        return Core::makeError(OAuthError::ServerError,
                               QStringLiteral("could not cache the metadata of client \"%1\": %2")
                                   .arg(shown(clientId), saved.error().message));
    m_context.audit().record(
        stored ? QStringLiteral("client.metadata_refreshed")
               : QStringLiteral("client.metadata_fetched"),
        QStringLiteral("system"), clientId, QString(),
        {{QStringLiteral("url"), clientId},
         {QStringLiteral("expires_at"), QString::number(saved->metadataExpiresAt.value_or(0))}});
    return saved;
}

Core::Result<Store::Client> ClientResolver::fetchMetadataDocument(const QString &clientId)
{
    const Config &config = m_context.config();
    const QString where = QStringLiteral("client metadata document %1: ").arg(shown(clientId));
    auto url = checkMetadataUrl(clientId, config);
    if (!url)
        return url.error();
    Outbound::Fetch fetch;
    fetch.url = *url;
    fetch.maxBytes = kMaxDocumentBytes;
    fetch.tag = QStringLiteral("cimd");
    auto response = Outbound::getJson(m_context, fetch);
    if (!response)
        return invalidClient(where + QStringLiteral("could not be fetched: ") +
                             response.error().message);
    if (response->status >= 300 && response->status < 400)
        return invalidClient(where + QStringLiteral("answered with a redirect (HTTP %1); "
                                                    "redirects are not followed, the "
                                                    "document must be served at its client_id")
                                         .arg(response->status));
    if (response->status != 200)
        return invalidClient(
            where + QStringLiteral("answered HTTP %1 instead of 200").arg(response->status));
    Http::JsonLimits limits;
    limits.maxBytes = kMaxDocumentBytes;
    limits.maxDepth = 8;
    auto json = Http::parseJson(response->body, limits);
    if (!json)
        return invalidClient(
            where + QStringLiteral("is not a JSON object (Content-Type %1): %2")
                        .arg(QString::fromLatin1(response->contentType()), json.error().message));
    const QJsonObject document = json->object();
    const QJsonValue documentId = document.value(QStringLiteral("client_id"));
    if (!documentId.isString() || documentId.toString() != clientId)
        return invalidClient(
            where +
            QStringLiteral("its client_id %1 does not equal the document URL "
                           "exactly")
                .arg(documentId.isString()
                         ? QLatin1Char('"') + shown(documentId.toString()) + QLatin1Char('"')
                         : QStringLiteral("(missing)")));
    auto client = ClientMetadata::parse(document, ClientMetadata::Origin::MetadataDocument, config);
    if (!client)
        return invalidClient(where + client.error().message);
    const qint64 now = m_context.now();
    client->clientId = clientId;
    client->source = QStringLiteral("cimd");
    client->metadataUrl = clientId;
    client->metadataFetchedAt = now;
    client->metadataExpiresAt = now + cacheLifetimeMs(*response, now);
    return client;
}

} // namespace Auth
