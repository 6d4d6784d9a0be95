#pragma once

#include <chrono>

#include <QByteArray>
#include <QList>
#include <QMap>
#include <QObject>
#include <QPair>
#include <QString>
#include <QTimer>
#include <QUrl>

#include "common/result.h"
#include "http/message.h"

class QTcpServer;
class QTcpSocket;

/// What the walker needs of a browser: reading an authorization server's HTML forms
/// (headless mode), a minimal cookie jar, and the loopback redirect listener (RFC 8252).
namespace Flow {

/// The first <form> of an HTML page, with what a browser would send for it.
struct HtmlForm
{
    QUrl action; ///< resolved against the page URL
    QByteArray method = QByteArrayLiteral("GET");
    QString id;                            ///< the form's id attribute, empty when none
    QList<QPair<QString, QString>> fields; ///< hidden and text inputs with their values
    QStringList inputNames;                ///< every input name, incl. password and checkbox
    QStringList textInputs;     ///< names of the visible text-like inputs (text, email, ...)
    QStringList passwordInputs; ///< names of the password inputs
    /// Submit button name -> its values; includes buttons outside the form that name it
    /// with form="<id>" (HTML's form-associated controls).
    QMap<QString, QStringList> buttons;
    /// The page submits the form by script on load (an OAuth form_post-style page): a
    /// browser would send it without anyone clicking.
    bool autoSubmit = false;

    [[nodiscard]] bool hasInput(const QString &name) const { return inputNames.contains(name); }
};

/// Finds the first form of `html` (entities in attribute values decoded). Fails with
/// "no_form" when the page has none.
[[nodiscard]] Core::Result<HtmlForm> parseFirstForm(const QByteArray &html, const QUrl &pageUrl);
/// Decodes the HTML character references of an attribute value (&amp; &#39; &#x2F; ...).
[[nodiscard]] QString decodeHtmlEntities(const QString &text);

/// Cookies of one walk, by host and path (RFC 6265 §5.1.4 path matching; a cookie set
/// without Path gets the request path's directory): enough for an AS's browser session.
/// Max-Age=0 or an Expires date in the past deletes a cookie.
class CookieJar final
{
public:
    /// Stores the Set-Cookie headers of a response from `url`.
    void store(const QUrl &url, const Http::Headers &responseHeaders);
    /// The Cookie header value for a request to `url`, empty when none (longer paths first).
    [[nodiscard]] QByteArray header(const QUrl &url) const;

private:
    /// host -> path -> name -> value
    QMap<QString, QMap<QString, QMap<QByteArray, QByteArray>>> m_cookies;
};

/// Receives authorization redirects on http://127.0.0.1:<ephemeral port>/callback. The
/// port stays bound from listen() to close(), so a re-authorization (step-up) reuses the
/// registered redirect URI. Each expectRedirect() accepts one request to that path: it is
/// answered with a small "you can close this tab" page and redirectReceived() carries the
/// full URL; other paths, and requests while nothing is expected, get 404. A wait gives up
/// after its timeout (timedOut()). Each connection is bounded: a request head over 16 KiB
/// gets 431, a connection that has not sent a whole request head within
/// connectionTimeout() is closed, and beyond kMaxConnections open connections new ones are
/// closed at once, so a stalled or hostile local client cannot hold sockets or memory until
/// the walk ends. Never blocks; lives in the caller's thread.
class LoopbackReceiver final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(LoopbackReceiver)

public:
    /// Open connections kept at most; more are closed as they arrive.
    static constexpr int kMaxConnections = 16;
    /// Largest request head (request line and headers) read.
    static constexpr qsizetype kMaxRequestHeadBytes = 16 * 1024;

    explicit LoopbackReceiver(QObject *parent = nullptr);
    ~LoopbackReceiver() override;

    /// How long one connection may take to send its request head (default 10 s).
    void setConnectionTimeout(std::chrono::milliseconds timeout) { m_connectionTimeout = timeout; }
    [[nodiscard]] std::chrono::milliseconds connectionTimeout() const
    {
        return m_connectionTimeout;
    }
    /// Connections currently open (for tests and diagnostics).
    [[nodiscard]] int openConnections() const { return m_openConnections; }

    /// Binds 127.0.0.1 on an ephemeral port. "listen_failed" when that is impossible.
    Core::Status listen();
    [[nodiscard]] bool isListening() const;
    /// Accepts the next redirect, for at most `timeout`.
    void expectRedirect(std::chrono::milliseconds timeout);
    /// Stops expecting (the redirect came another way, e.g. pasted).
    void cancelWait();
    /// http://127.0.0.1:<port>/callback (empty before listen()).
    [[nodiscard]] QUrl redirectUri() const;
    void close();

signals:
    void redirectReceived(const QUrl &url);
    void timedOut();

private:
    void handleConnection();
    void handleReadable(QTcpSocket *socket);

    QTcpServer *m_server;
    QTimer m_timeout;
    bool m_waiting = false;
    std::chrono::milliseconds m_connectionTimeout = std::chrono::seconds(10);
    int m_openConnections = 0;
};

} // namespace Flow
