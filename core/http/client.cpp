#include "http/client.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QHostInfo>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QPointer>
#include <QSslError>
#include <QTimer>

#include "http/exchangelog.h"
#include "http/masking.h"

namespace Http {

namespace {

Core::Error clientError(const char *code, const QString &message)
{
    return Core::makeError(QString::fromLatin1(code), message);
}

bool isRedirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool sameOrigin(const QUrl &a, const QUrl &b)
{
    return a.scheme() == b.scheme() && a.host() == b.host() &&
           a.port(a.scheme() == QLatin1StringView("https") ? 443 : 80) ==
               b.port(b.scheme() == QLatin1StringView("https") ? 443 : 80);
}

QString formatPeer(const QHostAddress &address, int port)
{
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                             : address.toString();
    return host + QLatin1Char(':') + QString::number(port);
}

/// Loopback names resolve to ::1 and 127.0.0.1; servers most often listen on IPv4.
QHostAddress preferredAddress(const QList<QHostAddress> &addresses)
{
    for (const QHostAddress &address : addresses) {
        if (address.protocol() == QAbstractSocket::IPv4Protocol)
            return address;
    }
    return addresses.first();
}

} // namespace

QByteArray ClientResponse::contentType() const
{
    QByteArray type = headers.value("content-type");
    if (const qsizetype semi = type.indexOf(';'); semi >= 0)
        type.truncate(semi);
    return type.trimmed().toLower();
}

/// One request through its hops: SSRF check, resolve, check addresses, connect to the
/// checked address, read with a size limit, capture, maybe follow a redirect.
class ClientReply::Private
{
public:
    Private(ClientReply *q, QNetworkAccessManager *manager, SsrfGuard guard, ExchangeLog *log,
            QSslConfiguration ssl, ClientRequest request)
        : q(q)
        , manager(manager)
        , guard(std::move(guard))
        , log(log)
        , ssl(std::move(ssl))
        , request(std::move(request))
        , current(this->request)
    {}

    void start();
    void startHop();
    void handleResolved(const QHostInfo &info);
    void connectTo(const QHostAddress &address);
    void handleMetaData();
    void handleReadyRead();
    void handleFinished();
    void fail(Core::Error error);
    void succeed(ClientResponse response);
    void capture(int status, const Headers &responseHeaders, const QString &error);
    void dropNetworkReply();
    [[nodiscard]] bool appendBody(const QByteArray &chunk);

    ClientReply *q;
    QNetworkAccessManager *manager;
    SsrfGuard guard;
    QPointer<ExchangeLog> log;
    QSslConfiguration ssl;
    ClientRequest request; ///< as the caller made it
    ClientRequest current; ///< the hop in progress (redirects change url, method, body)
    QTimer deadline;
    int lookupId = -1;
    QPointer<QNetworkReply> reply;
    bool hopInProgress = false;
    QDateTime hopStartedAt;
    QElapsedTimer hopTimer;
    QString peer;
    Headers sentHeaders;
    QByteArray responseBody;
    int redirects = 0;
    QStringList sslErrors;
};

void ClientReply::Private::start()
{
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, q, [this] {
        fail(clientError(
            "timeout",
            QStringLiteral("no complete response within %1 ms").arg(request.timeout.count())));
    });
    deadline.start(request.timeout);
    startHop();
}

void ClientReply::Private::startHop()
{
    hopInProgress = true;
    hopStartedAt = QDateTime::currentDateTimeUtc();
    hopTimer.start();
    peer.clear();
    sentHeaders = current.headers;
    responseBody.clear();
    sslErrors.clear();
    if (const auto status = guard.checkUrl(current.url); !status)
        return fail(status.error());
    const QString host = current.url.host();
    QHostAddress literal;
    if (literal.setAddress(host)) {
        QHostInfo info;
        info.setHostName(host);
        info.setAddresses({literal});
        return handleResolved(info);
    }
    lookupId = QHostInfo::lookupHost(host, q, [this](const QHostInfo &info) {
        lookupId = -1;
        handleResolved(info);
    });
}

void ClientReply::Private::handleResolved(const QHostInfo &info)
{
    if (q->isFinished())
        return;
    if (info.error() != QHostInfo::NoError || info.addresses().isEmpty())
        return fail(clientError(
            "network_error",
            QStringLiteral("cannot resolve '%1': %2").arg(current.url.host(), info.errorString())));
    if (const auto status = guard.checkResolvedAddresses(current.url, info.addresses()); !status)
        return fail(status.error());
    connectTo(preferredAddress(info.addresses()));
}

void ClientReply::Private::connectTo(const QHostAddress &address)
{
    // DNS rebinding: connect to the address that was just checked, never to the name, so
    // no second lookup can point elsewhere. The name still goes into Host, and for https
    // into SNI and certificate verification.
    const QUrl &url = current.url;
    const bool https = url.scheme() == QLatin1StringView("https");
    QUrl target = url;
    target.setHost(address.toString());
    peer = formatPeer(address, url.port(https ? 443 : 80));

    QNetworkRequest networkRequest(target);
    networkRequest.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                                QNetworkRequest::ManualRedirectPolicy);
    networkRequest.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    networkRequest.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                                QNetworkRequest::AlwaysNetwork);
    networkRequest.setAttribute(QNetworkRequest::CacheSaveControlAttribute, false);
    networkRequest.setAttribute(QNetworkRequest::CookieLoadControlAttribute,
                                QNetworkRequest::Manual);
    networkRequest.setAttribute(QNetworkRequest::CookieSaveControlAttribute,
                                QNetworkRequest::Manual);
    if (https) {
        networkRequest.setSslConfiguration(ssl);
        networkRequest.setPeerVerifyName(url.host());
    }
    sentHeaders.set(QByteArrayLiteral("Host"), url.authority(QUrl::FullyEncoded).toUtf8());
    // An explicit Accept-Encoding stops QNetworkAccessManager from decompressing on its
    // own, so the size limit counts the bytes that actually arrive.
    if (!sentHeaders.contains("accept-encoding"))
        sentHeaders.add(QByteArrayLiteral("Accept-Encoding"), QByteArrayLiteral("identity"));
    for (const Headers::Entry &entry : sentHeaders.entries()) {
        const QList<QByteArray> all = sentHeaders.values(entry.first);
        networkRequest.setRawHeader(entry.first, all.join(", "));
    }
    if (!current.body.isEmpty() && !sentHeaders.contains("content-type"))
        networkRequest.setHeader(QNetworkRequest::ContentTypeHeader,
                                 QByteArrayLiteral("application/octet-stream"));

    reply = manager->sendCustomRequest(networkRequest, current.method, current.body);
    reply->setReadBufferSize(256 * 1024);
    QObject::connect(reply, &QNetworkReply::metaDataChanged, q, [this] { handleMetaData(); });
    QObject::connect(reply, &QNetworkReply::readyRead, q, [this] { handleReadyRead(); });
    QObject::connect(reply, &QNetworkReply::finished, q, [this] { handleFinished(); });
    QObject::connect(reply, &QNetworkReply::sslErrors, q, [this](const QList<QSslError> &errors) {
        for (const QSslError &error : errors)
            sslErrors.append(error.errorString());
    });
}

bool ClientReply::Private::appendBody(const QByteArray &chunk)
{
    if (responseBody.size() + chunk.size() > current.maxResponseBytes) {
        fail(clientError("response_too_large",
                         QStringLiteral("the response body exceeds the limit of %1 bytes")
                             .arg(current.maxResponseBytes)));
        return false;
    }
    responseBody.append(chunk);
    return true;
}

void ClientReply::Private::handleMetaData()
{
    bool known = false;
    const qint64 length = reply->header(QNetworkRequest::ContentLengthHeader).toLongLong(&known);
    if (known && length > current.maxResponseBytes)
        fail(clientError("response_too_large",
                         QStringLiteral("the response announces %1 bytes, more than the limit "
                                        "of %2")
                             .arg(length)
                             .arg(current.maxResponseBytes)));
}

void ClientReply::Private::handleReadyRead()
{
    if (reply)
        (void)appendBody(reply->readAll());
}

void ClientReply::Private::handleFinished()
{
    if (!reply || q->isFinished())
        return;
    if (!appendBody(reply->readAll()))
        return;
    const QVariant statusAttribute = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
    if (!statusAttribute.isValid()) {
        const QNetworkReply::NetworkError code = reply->error();
        // Qt's message names the URL, whose query may hold a secret.
        QString detail = reply->errorString();
        detail.replace(reply->url().toString(), maskUrl(reply->url().toString()));
        if (code == QNetworkReply::SslHandshakeFailedError)
            return fail(clientError(
                "tls_error", QStringLiteral("TLS handshake with %1 failed: %2")
                                 .arg(current.url.host(),
                                      sslErrors.isEmpty() ? detail : sslErrors.join(u"; "))));
        if (code == QNetworkReply::TimeoutError)
            return fail(clientError("timeout", detail));
        return fail(clientError("network_error",
                                QStringLiteral("request to %1 failed: %2").arg(peer, detail)));
    }
    ClientResponse response;
    response.status = statusAttribute.toInt();
    for (const auto &pair : reply->rawHeaderPairs())
        response.headers.add(pair.first, pair.second);
    response.body = responseBody;
    response.url = current.url;
    response.peer = peer;
    response.redirectsFollowed = redirects;
    dropNetworkReply();
    capture(response.status, response.headers, {});
    hopInProgress = false;

    const QByteArray location = response.headers.value("location");
    if (!current.followRedirects || !isRedirect(response.status) || location.isEmpty())
        return succeed(std::move(response));
    if (redirects >= current.maxRedirects)
        return fail(
            clientError("too_many_redirects",
                        QStringLiteral("more than %1 redirects").arg(current.maxRedirects)));
    QString locationText = QString::fromUtf8(location);
    if (locationText.startsWith(QLatin1StringView("//"))) // scheme-relative
        locationText.prepend(current.url.scheme() + QLatin1Char(':'));
    QUrl next;
    if (locationText.contains(QLatin1StringView("://"))) {
        auto parsed = guard.parseUrl(locationText);
        if (!parsed)
            return fail(parsed.error());
        next = std::move(parsed).value();
    } else {
        const QUrl relative(locationText, QUrl::StrictMode);
        if (!relative.isValid())
            return fail(clientError("invalid_redirect",
                                    QStringLiteral("the Location header is not a valid URL")));
        next = current.url.resolved(relative);
    }
    ++redirects;
    if (!sameOrigin(current.url, next)) {
        current.headers.remove("authorization");
        current.headers.remove("proxy-authorization");
        current.headers.remove("cookie");
    }
    const bool becomesGet =
        response.status == 303 ||
        ((response.status == 301 || response.status == 302) && current.method == "POST");
    if (becomesGet && current.method != "HEAD") {
        current.method = QByteArrayLiteral("GET");
        current.body.clear();
        current.headers.remove("content-type");
        current.headers.remove("content-length");
    }
    current.url = next;
    startHop();
}

void ClientReply::Private::capture(int status, const Headers &responseHeaders, const QString &error)
{
    if (!log)
        return;
    Exchange exchange;
    exchange.side = Exchange::Side::Client;
    exchange.startedAt = hopStartedAt;
    exchange.durationMicros = hopTimer.isValid() ? hopTimer.nsecsElapsed() / 1000 : 0;
    exchange.method = current.method;
    exchange.url = current.url.toString(QUrl::FullyEncoded);
    exchange.requestHeaders = sentHeaders;
    exchange.requestBody = current.body;
    exchange.status = status;
    exchange.responseHeaders = responseHeaders;
    exchange.responseBody = responseBody;
    exchange.error = error;
    exchange.peer = peer;
    exchange.tag = current.tag;
    log->capture(std::move(exchange));
}

void ClientReply::Private::dropNetworkReply()
{
    if (!reply)
        return;
    QNetworkReply *r = reply;
    reply = nullptr;
    QObject::disconnect(r, nullptr, q, nullptr);
    if (r->isRunning())
        r->abort();
    r->deleteLater();
}

void ClientReply::Private::fail(Core::Error error)
{
    if (q->isFinished())
        return;
    int status = 0;
    Headers responseHeaders;
    if (reply) {
        status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        for (const auto &pair : reply->rawHeaderPairs())
            responseHeaders.add(pair.first, pair.second);
    }
    dropNetworkReply();
    if (lookupId >= 0) {
        QHostInfo::abortHostLookup(lookupId);
        lookupId = -1;
    }
    if (hopInProgress)
        capture(status, responseHeaders, error.toString());
    hopInProgress = false;
    deadline.stop();
    q->m_result.emplace(std::move(error));
    emit q->finished();
}

void ClientReply::Private::succeed(ClientResponse response)
{
    deadline.stop();
    q->m_result.emplace(std::move(response));
    emit q->finished();
}

ClientReply::ClientReply(QObject *parent)
    : QObject(parent)
{}

ClientReply::~ClientReply()
{
    if (d && !isFinished()) {
        d->dropNetworkReply();
        if (d->lookupId >= 0)
            QHostInfo::abortHostLookup(d->lookupId);
    }
}

void ClientReply::abort()
{
    d->fail(clientError("aborted", QStringLiteral("the request was aborted")));
}

Client::Client(QObject *parent)
    : QObject(parent)
    , m_manager(new QNetworkAccessManager(this))
    , m_ssl(QSslConfiguration::defaultConfiguration())
{
    m_manager->setProxy(QNetworkProxy::NoProxy);
    m_manager->setAutoDeleteReplies(false);
    m_manager->setStrictTransportSecurityEnabled(false);
}

Client::~Client()
{
    // Pending replies go before the manager, so that no reply finishes half-destroyed.
    qDeleteAll(findChildren<ClientReply *>(Qt::FindDirectChildrenOnly));
}

void Client::setPolicy(SsrfPolicy policy)
{
    m_guard = SsrfGuard(std::move(policy));
}

void Client::setExchangeLog(ExchangeLog *log)
{
    m_log = log;
}

void Client::setSslConfiguration(const QSslConfiguration &configuration)
{
    m_ssl = configuration;
}

void Client::addTrustedCaCertificates(const QList<QSslCertificate> &certificates)
{
    m_ssl.addCaCertificates(certificates);
}

ClientReply *Client::send(ClientRequest request)
{
    auto *reply = new ClientReply(this);
    reply->d = std::make_unique<ClientReply::Private>(reply, m_manager, m_guard, m_log, m_ssl,
                                                      std::move(request));
    // Started from the event loop so that a caller can always connect to `finished` first.
    QMetaObject::invokeMethod(
        reply, [reply] { reply->d->start(); }, Qt::QueuedConnection);
    return reply;
}

ClientReply *Client::get(const QUrl &url, Headers headers, QString tag)
{
    ClientRequest request;
    request.url = url;
    request.headers = std::move(headers);
    request.tag = std::move(tag);
    return send(std::move(request));
}

ClientReply *Client::post(const QUrl &url, QByteArray body, QByteArray contentType, Headers headers,
                          QString tag)
{
    ClientRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = url;
    request.headers = std::move(headers);
    request.headers.set(QByteArrayLiteral("Content-Type"), std::move(contentType));
    request.body = std::move(body);
    request.tag = std::move(tag);
    return send(std::move(request));
}

void Client::send(ClientRequest request, QObject *context, Callback callback)
{
    ClientReply *reply = send(std::move(request));
    const QPointer<QObject> target(context);
    // The result is copied into the call, so the reply can go before `context` runs it.
    connect(reply, &ClientReply::finished, reply, [reply, target, callback = std::move(callback)] {
        if (target) {
            QMetaObject::invokeMethod(
                target.data(), [callback, result = reply->result()] { callback(result); },
                Qt::AutoConnection);
        }
        reply->deleteLater();
    });
    connect(context, &QObject::destroyed, reply, [reply] {
        reply->disconnect();
        reply->abort();
        reply->deleteLater();
    });
}

Core::Result<ClientResponse> Client::sendAndWait(ClientRequest request)
{
    ClientReply *reply = send(std::move(request));
    QEventLoop loop;
    connect(reply, &ClientReply::finished, &loop, &QEventLoop::quit);
    loop.exec(QEventLoop::ExcludeUserInputEvents);
    Core::Result<ClientResponse> result = reply->result();
    delete reply;
    return result;
}

} // namespace Http
