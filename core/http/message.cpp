#include "http/message.h"

#include <QJsonObject>

#include "http/syntax.h"

namespace Http {

namespace {

using Syntax::equalsIgnoreCase;
using Syntax::hexValue;

/// Form-style decoding for query values: '+' is a space, malformed escapes stay literal.
QByteArray decodeQueryComponent(QByteArrayView in)
{
    QByteArray out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '+') {
            out.append(' ');
        } else if (c == '%' && i + 2 < in.size() && hexValue(in[i + 1]) >= 0 &&
                   hexValue(in[i + 2]) >= 0) {
            out.append(char(hexValue(in[i + 1]) * 16 + hexValue(in[i + 2])));
            i += 2;
        } else {
            out.append(c);
        }
    }
    return out;
}

} // namespace

void Headers::add(QByteArray name, QByteArray value)
{
    m_entries.append(Entry(std::move(name), std::move(value)));
}

void Headers::set(QByteArray name, QByteArray value)
{
    remove(name);
    add(std::move(name), std::move(value));
}

void Headers::remove(QByteArrayView name)
{
    m_entries.removeIf([name](const Entry &e) { return equalsIgnoreCase(e.first, name); });
}

bool Headers::contains(QByteArrayView name) const
{
    for (const Entry &e : m_entries) {
        if (equalsIgnoreCase(e.first, name))
            return true;
    }
    return false;
}

QByteArray Headers::value(QByteArrayView name) const
{
    for (const Entry &e : m_entries) {
        if (equalsIgnoreCase(e.first, name))
            return e.second;
    }
    return {};
}

QList<QByteArray> Headers::values(QByteArrayView name) const
{
    QList<QByteArray> result;
    for (const Entry &e : m_entries) {
        if (equalsIgnoreCase(e.first, name))
            result.append(e.second);
    }
    return result;
}

qsizetype Headers::count(QByteArrayView name) const
{
    qsizetype n = 0;
    for (const Entry &e : m_entries) {
        if (equalsIgnoreCase(e.first, name))
            ++n;
    }
    return n;
}

QByteArray Request::contentType() const
{
    QByteArray type = headers.value("Content-Type");
    const qsizetype semicolon = type.indexOf(';');
    if (semicolon >= 0)
        type.truncate(semicolon);
    return type.trimmed().toLower();
}

std::optional<QString> Request::queryValue(QByteArrayView name) const
{
    std::optional<QString> result;
    Syntax::forEachPiece(query, '&', [&](QByteArrayView pair) {
        if (result || pair.isEmpty())
            return;
        const qsizetype eq = pair.indexOf('=');
        const QByteArrayView rawName = eq < 0 ? pair : pair.first(eq);
        if (decodeQueryComponent(rawName) != name)
            return;
        const QByteArrayView rawValue = eq < 0 ? QByteArrayView() : pair.sliced(eq + 1);
        result = QString::fromUtf8(decodeQueryComponent(rawValue));
    });
    return result;
}

Response Response::json(int status, const QJsonDocument &document)
{
    Response response;
    response.status = status;
    response.headers.add(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json"));
    response.body = document.toJson(QJsonDocument::Compact);
    return response;
}

Response Response::text(int status, QByteArray body, QByteArray contentType)
{
    Response response;
    response.status = status;
    response.headers.add(QByteArrayLiteral("Content-Type"), std::move(contentType));
    response.body = std::move(body);
    return response;
}

Response Response::error(int status, QByteArrayView code, const QString &description)
{
    QJsonObject object;
    object.insert(QStringLiteral("error"), QString::fromLatin1(code));
    if (!description.isEmpty())
        object.insert(QStringLiteral("error_description"), description);
    Response response = json(status, QJsonDocument(object));
    response.headers.add(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    return response;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return QByteArrayLiteral("Continue");
    case 101:
        return QByteArrayLiteral("Switching Protocols");
    case 200:
        return QByteArrayLiteral("OK");
    case 201:
        return QByteArrayLiteral("Created");
    case 202:
        return QByteArrayLiteral("Accepted");
    case 204:
        return QByteArrayLiteral("No Content");
    case 206:
        return QByteArrayLiteral("Partial Content");
    case 301:
        return QByteArrayLiteral("Moved Permanently");
    case 302:
        return QByteArrayLiteral("Found");
    case 303:
        return QByteArrayLiteral("See Other");
    case 304:
        return QByteArrayLiteral("Not Modified");
    case 307:
        return QByteArrayLiteral("Temporary Redirect");
    case 308:
        return QByteArrayLiteral("Permanent Redirect");
    case 400:
        return QByteArrayLiteral("Bad Request");
    case 401:
        return QByteArrayLiteral("Unauthorized");
    case 403:
        return QByteArrayLiteral("Forbidden");
    case 404:
        return QByteArrayLiteral("Not Found");
    case 405:
        return QByteArrayLiteral("Method Not Allowed");
    case 406:
        return QByteArrayLiteral("Not Acceptable");
    case 408:
        return QByteArrayLiteral("Request Timeout");
    case 409:
        return QByteArrayLiteral("Conflict");
    case 410:
        return QByteArrayLiteral("Gone");
    case 411:
        return QByteArrayLiteral("Length Required");
    case 412:
        return QByteArrayLiteral("Precondition Failed");
    case 413:
        return QByteArrayLiteral("Content Too Large");
    case 414:
        return QByteArrayLiteral("URI Too Long");
    case 415:
        return QByteArrayLiteral("Unsupported Media Type");
    case 417:
        return QByteArrayLiteral("Expectation Failed");
    case 422:
        return QByteArrayLiteral("Unprocessable Content");
    case 428:
        return QByteArrayLiteral("Precondition Required");
    case 429:
        return QByteArrayLiteral("Too Many Requests");
    case 431:
        return QByteArrayLiteral("Request Header Fields Too Large");
    case 500:
        return QByteArrayLiteral("Internal Server Error");
    case 501:
        return QByteArrayLiteral("Not Implemented");
    case 502:
        return QByteArrayLiteral("Bad Gateway");
    case 503:
        return QByteArrayLiteral("Service Unavailable");
    case 504:
        return QByteArrayLiteral("Gateway Timeout");
    case 505:
        return QByteArrayLiteral("HTTP Version Not Supported");
    default:
        return QByteArrayLiteral("Unknown");
    }
}

QString originOf(const QUrl &url)
{
    return url
        .adjusted(QUrl::RemovePath | QUrl::RemoveQuery | QUrl::RemoveFragment |
                  QUrl::RemoveUserInfo)
        .toString(QUrl::StripTrailingSlash);
}

} // namespace Http
