#include "flow/browser.h"

#include <QDateTime>
#include <QLocale>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>

namespace Flow {

namespace {

const QString kCallbackPath = QStringLiteral("/callback");

/// name="value" / name='value' / name=value attributes of one tag's text.
QMap<QString, QString> attributes(const QString &tag)
{
    static const QRegularExpression attribute(QStringLiteral(
        "([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\\s*=\\s*(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+)))?"));
    QMap<QString, QString> out;
    auto it = attribute.globalMatch(tag);
    bool first = true;
    while (it.hasNext()) {
        const auto match = it.next();
        if (first) { // the tag name
            first = false;
            continue;
        }
        QString value = match.captured(2);
        if (value.isEmpty())
            value = match.captured(3);
        if (value.isEmpty())
            value = match.captured(4);
        out.insert(match.captured(1).toLower(), decodeHtmlEntities(value));
    }
    return out;
}

/// An HTTP date (RFC 9110 section 5.6.7, IMF-fixdate as cookies carry it); invalid when it
/// is none.
QDateTime httpDate(const QByteArray &value)
{
    const QString text = QString::fromLatin1(value).trimmed();
    QDateTime when =
        QLocale::c().toDateTime(text, QStringLiteral("ddd, dd MMM yyyy HH:mm:ss 'GMT'"));
    if (when.isValid()) {
        when.setTimeSpec(Qt::UTC);
        return when;
    }
    return QDateTime::fromString(text, Qt::RFC2822Date);
}

} // namespace

QString decodeHtmlEntities(const QString &text)
{
    if (!text.contains(QLatin1Char('&')))
        return text;
    static const QRegularExpression entity(
        QStringLiteral("&(#[xX][0-9A-Fa-f]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);"));
    QString out;
    qsizetype last = 0;
    auto it = entity.globalMatch(text);
    while (it.hasNext()) {
        const auto match = it.next();
        out += text.mid(last, match.capturedStart() - last);
        const QString name = match.captured(1);
        if (name.startsWith(QLatin1Char('#'))) {
            bool ok = false;
            const uint code = name.startsWith(QLatin1String("#x"), Qt::CaseInsensitive)
                                  ? name.mid(2).toUInt(&ok, 16)
                                  : name.mid(1).toUInt(&ok, 10);
            if (ok && code > 0 && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF))
                out += QString::fromUcs4(reinterpret_cast<const char32_t *>(&code), 1);
        } else if (name == QLatin1String("amp")) {
            out += QLatin1Char('&');
        } else if (name == QLatin1String("lt")) {
            out += QLatin1Char('<');
        } else if (name == QLatin1String("gt")) {
            out += QLatin1Char('>');
        } else if (name == QLatin1String("quot")) {
            out += QLatin1Char('"');
        } else {
            out += QLatin1Char('\'');
        }
        last = match.capturedEnd();
    }
    out += text.mid(last);
    return out;
}

Core::Result<HtmlForm> parseFirstForm(const QByteArray &html, const QUrl &pageUrl)
{
    const QString page = QString::fromUtf8(html);
    static const QRegularExpression formOpen(QStringLiteral("<form\\b[^>]*>"),
                                             QRegularExpression::CaseInsensitiveOption);
    const auto open = formOpen.match(page);
    if (!open.hasMatch())
        return Core::makeError(
            QStringLiteral("no_form"),
            QStringLiteral("the page at %1 has no form").arg(pageUrl.toString(QUrl::RemoveQuery)));
    qsizetype end = page.indexOf(QLatin1String("</form"), open.capturedEnd(), Qt::CaseInsensitive);
    if (end < 0)
        end = page.size();
    const QString body = page.mid(open.capturedEnd(), end - open.capturedEnd());

    HtmlForm form;
    const auto formAttributes = attributes(open.captured(0));
    form.method =
        formAttributes.value(QStringLiteral("method"), QStringLiteral("get")).toUpper().toLatin1();
    form.action = pageUrl.resolved(QUrl(formAttributes.value(QStringLiteral("action"))));
    form.id = formAttributes.value(QStringLiteral("id"));
    static const QRegularExpression script(QStringLiteral("<script\\b[^>]*>[^<]*\\.submit\\(\\)"),
                                           QRegularExpression::CaseInsensitiveOption);
    form.autoSubmit = script.match(page).hasMatch();

    static const QRegularExpression control(QStringLiteral("<(input|button)\\b[^>]*>"),
                                            QRegularExpression::CaseInsensitiveOption);
    const auto addButton = [&form](const QMap<QString, QString> &attrs) {
        const QString name = attrs.value(QStringLiteral("name"));
        if (!name.isEmpty())
            form.buttons[name].append(attrs.value(QStringLiteral("value")));
    };
    auto it = control.globalMatch(body);
    while (it.hasNext()) {
        const auto match = it.next();
        const auto attrs = attributes(match.captured(0));
        const QString name = attrs.value(QStringLiteral("name"));
        if (name.isEmpty())
            continue;
        const QString type = attrs.value(QStringLiteral("type")).toLower();
        const QString value = attrs.value(QStringLiteral("value"));
        if (match.captured(1).compare(QLatin1String("button"), Qt::CaseInsensitive) == 0 ||
            type == QLatin1String("submit")) {
            addButton(attrs);
            continue;
        }
        form.inputNames.append(name);
        if (type == QLatin1String("password"))
            form.passwordInputs.append(name);
        const bool textLike = type.isEmpty() || type == QLatin1String("text") ||
                              type == QLatin1String("email") || type == QLatin1String("tel");
        if (textLike)
            form.textInputs.append(name);
        if (type == QLatin1String("hidden") || textLike)
            form.fields.append({name, value});
    }
    // Buttons elsewhere on the page that belong to this form through form="<id>".
    if (!form.id.isEmpty()) {
        auto outside = control.globalMatch(page);
        while (outside.hasNext()) {
            const auto match = outside.next();
            if (match.capturedStart() >= open.capturedStart() && match.capturedEnd() <= end)
                continue;
            const auto attrs = attributes(match.captured(0));
            const QString type = attrs.value(QStringLiteral("type")).toLower();
            const bool button =
                match.captured(1).compare(QLatin1String("button"), Qt::CaseInsensitive) == 0 ||
                type == QLatin1String("submit");
            if (button && attrs.value(QStringLiteral("form")) == form.id)
                addButton(attrs);
        }
    }
    return form;
}

void CookieJar::store(const QUrl &url, const Http::Headers &responseHeaders)
{
    // RFC 6265 section 5.1.4: the default path is the request path up to its last '/'.
    QString defaultPath = url.path();
    defaultPath = defaultPath.left(qMax<qsizetype>(defaultPath.lastIndexOf(QLatin1Char('/')), 1));
    if (!defaultPath.startsWith(QLatin1Char('/')))
        defaultPath = QStringLiteral("/");
    QList<QByteArray> setCookies;
    // The HTTP client may fold repeated Set-Cookie fields into one value, one per line.
    for (const QByteArray &field : responseHeaders.values("Set-Cookie"))
        setCookies.append(field.split('\n'));
    for (const QByteArray &value : std::as_const(setCookies)) {
        const QList<QByteArray> parts = value.split(';');
        const QByteArray pair = parts.first().trimmed();
        const qsizetype eq = pair.indexOf('=');
        if (eq <= 0)
            continue;
        const QByteArray name = pair.left(eq).trimmed();
        const QByteArray cookie = pair.mid(eq + 1).trimmed();
        QString path = defaultPath;
        bool expired = false;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray attribute = parts.at(i).trimmed();
            const qsizetype aeq = attribute.indexOf('=');
            const QByteArray key = (aeq < 0 ? attribute : attribute.left(aeq)).trimmed().toLower();
            const QByteArray attributeValue =
                aeq < 0 ? QByteArray() : attribute.mid(aeq + 1).trimmed();
            if (key == "path" && attributeValue.startsWith('/')) {
                path = QString::fromUtf8(attributeValue);
            } else if (key == "max-age") {
                bool ok = false;
                expired = expired || (attributeValue.toLongLong(&ok) <= 0 && ok);
            } else if (key == "expires") {
                const QDateTime when = httpDate(attributeValue);
                expired = expired || (when.isValid() && when < QDateTime::currentDateTimeUtc());
            }
        }
        if (expired)
            m_cookies[url.host()][path].remove(name);
        else
            m_cookies[url.host()][path].insert(name, cookie);
    }
}

QByteArray CookieJar::header(const QUrl &url) const
{
    QByteArray out;
    const QString requestPath = url.path().isEmpty() ? QStringLiteral("/") : url.path();
    const auto paths = m_cookies.value(url.host());
    // Longer paths first (RFC 6265 section 5.4).
    for (auto path = paths.end(); path != paths.begin();) {
        --path;
        const QString &cookiePath = path.key();
        const bool matches =
            requestPath == cookiePath || (requestPath.startsWith(cookiePath) &&
                                          (cookiePath.endsWith(QLatin1Char('/')) ||
                                           requestPath.at(cookiePath.size()) == QLatin1Char('/')));
        if (!matches)
            continue;
        for (auto it = path->begin(); it != path->end(); ++it) {
            if (!out.isEmpty())
                out.append("; ");
            out.append(it.key() + '=' + it.value());
        }
    }
    return out;
}

LoopbackReceiver::LoopbackReceiver(QObject *parent)
    : QObject(parent)
    , m_server(new QTcpServer(this))
{
    m_timeout.setSingleShot(true);
    connect(m_server, &QTcpServer::newConnection, this, &LoopbackReceiver::handleConnection);
    connect(&m_timeout, &QTimer::timeout, this, [this] {
        if (!m_waiting)
            return;
        m_waiting = false;
        emit timedOut();
    });
}

LoopbackReceiver::~LoopbackReceiver() = default;

Core::Status LoopbackReceiver::listen()
{
    if (m_server->isListening())
        return {};
    if (!m_server->listen(QHostAddress::LocalHost, 0))
        return Core::makeError(QStringLiteral("listen_failed"),
                               QStringLiteral("cannot listen on 127.0.0.1 for the redirect: %1")
                                   .arg(m_server->errorString()));
    return {};
}

bool LoopbackReceiver::isListening() const
{
    return m_server->isListening();
}

void LoopbackReceiver::expectRedirect(std::chrono::milliseconds timeout)
{
    m_waiting = true;
    m_timeout.start(timeout);
}

QUrl LoopbackReceiver::redirectUri() const
{
    if (!m_server->isListening())
        return {};
    return QUrl(
        QStringLiteral("http://127.0.0.1:%1%2").arg(m_server->serverPort()).arg(kCallbackPath));
}

void LoopbackReceiver::cancelWait()
{
    m_waiting = false;
    m_timeout.stop();
}

void LoopbackReceiver::close()
{
    m_waiting = false;
    m_timeout.stop();
    m_server->close();
}

void LoopbackReceiver::handleConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        if (m_openConnections >= kMaxConnections) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        ++m_openConnections;
        connect(socket, &QObject::destroyed, this, [this] { --m_openConnections; });
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QTcpSocket::readyRead, this, [this, socket] { handleReadable(socket); });
        // A half-sent request must not keep the socket until the walk ends. The timer is the
        // socket's child, so it goes with the socket.
        auto *deadline = new QTimer(socket);
        deadline->setSingleShot(true);
        connect(deadline, &QTimer::timeout, socket, [socket] {
            socket->abort();
            socket->deleteLater();
        });
        deadline->start(m_connectionTimeout);
    }
}

void LoopbackReceiver::handleReadable(QTcpSocket *socket)
{
    if (socket->property("answered").toBool()) {
        socket->readAll(); // after the answer: discarded
        return;
    }
    QByteArray head =
        socket->property("head").toByteArray() + socket->read(kMaxRequestHeadBytes + 1);
    const auto reply = [socket](int status, const QByteArray &body) {
        socket->setProperty("answered", true);
        socket->setProperty("head", QVariant());
        socket->write("HTTP/1.1 " + QByteArray::number(status) + ' ' + Http::reasonPhrase(status) +
                      "\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n"
                      "Connection: close\r\nContent-Length: " +
                      QByteArray::number(body.size()) + "\r\n\r\n" + body);
        socket->disconnectFromHost();
    };
    if (head.size() > kMaxRequestHeadBytes)
        return reply(431, "<!DOCTYPE html><title>Too large</title><p>Request too large.</p>");
    const qsizetype headEnd = head.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        socket->setProperty("head", head);
        return;
    }
    const QList<QByteArray> requestLine = head.left(head.indexOf("\r\n")).split(' ');
    if (requestLine.size() != 3 || requestLine.at(0) != "GET" || !requestLine.at(1).startsWith('/'))
        return reply(400, "<!DOCTYPE html><title>Bad request</title><p>Bad request.</p>");
    const QUrl url(redirectUri().toString(QUrl::RemovePath) +
                   QString::fromLatin1(requestLine.at(1)));
    if (!m_waiting || url.path() != kCallbackPath)
        return reply(404, "<!DOCTYPE html><title>Not found</title><p>Not found.</p>");
    m_waiting = false;
    reply(200, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>MCP Auth "
               "Studio</title></head><body style=\"font-family:sans-serif;margin:3em\"><h1>"
               "Authorization received</h1><p>You can close this tab and return to MCP Auth "
               "Studio.</p></body></html>");
    m_timeout.stop();
    emit redirectReceived(url);
}

} // namespace Flow
