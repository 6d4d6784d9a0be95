#pragma once

#include <optional>

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QJsonDocument>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

/// HTTP/1.1 message types shared by the server, the outbound client and exchange capture.
namespace Http {

/// An ordered header list with case-insensitive name lookup. Names keep the case they
/// were given; repeated names are kept as separate entries in order.
class Headers
{
public:
    using Entry = QPair<QByteArray, QByteArray>;

    void add(QByteArray name, QByteArray value);
    /// Replaces every entry of `name` with one entry.
    void set(QByteArray name, QByteArray value);
    void remove(QByteArrayView name);
    [[nodiscard]] bool contains(QByteArrayView name) const;
    /// The first value of `name`, or an empty array.
    [[nodiscard]] QByteArray value(QByteArrayView name) const;
    [[nodiscard]] QList<QByteArray> values(QByteArrayView name) const;
    [[nodiscard]] qsizetype count(QByteArrayView name) const;
    [[nodiscard]] const QList<Entry> &entries() const { return m_entries; }
    [[nodiscard]] bool isEmpty() const { return m_entries.isEmpty(); }
    void clear() { m_entries.clear(); }

private:
    QList<Entry> m_entries;
};

/// A parsed request as the router and handlers see it.
struct Request
{
    QByteArray method;    ///< upper case as sent, e.g. "GET"
    QByteArray target;    ///< the request-target exactly as sent
    QByteArray path;      ///< percent-decoded path of the target, without the query
    QByteArray query;     ///< raw query string without '?', not decoded
    int versionMinor = 1; ///< HTTP/1.x
    Headers headers;
    QByteArray body;
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    quint16 localPort = 0;
    bool secure = false;                      ///< arrived over TLS
    QHash<QByteArray, QByteArray> pathParams; ///< filled by the router from ":name" segments

    /// The media type of Content-Type without parameters, lower case.
    [[nodiscard]] QByteArray contentType() const;
    /// The first value of query parameter `name` (decoded, '+' as space), or nullopt.
    [[nodiscard]] std::optional<QString> queryValue(QByteArrayView name) const;
};

/// A response built by a handler. The server adds Date, Content-Length and Connection.
struct Response
{
    int status = 200;
    Headers headers;
    QByteArray body;

    [[nodiscard]] static Response json(int status, const QJsonDocument &document);
    [[nodiscard]] static Response text(int status, QByteArray body,
                                       QByteArray contentType = "text/plain; charset=utf-8");
    /// `{"error": code, "error_description": description}` (RFC 6749 section 5.2 shape).
    [[nodiscard]] static Response error(int status, QByteArrayView code,
                                        const QString &description);
};

/// The standard reason phrase of `status` ("Not Found"), or "Unknown".
[[nodiscard]] QByteArray reasonPhrase(int status);

/// The scheme://authority of `url` (no user info, path, query or fragment; no trailing
/// slash), e.g. "https://as.example:8443".
[[nodiscard]] QString originOf(const QUrl &url);

} // namespace Http
