#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include "common/result.h"
#include "http/message.h"

namespace Auth {

/// The HTML pages of the authorization server (login, consent, errors, device
/// verification), rendered from the templates compiled into the Qt resource
/// ":/templates/" (sources in resources/templates/).
///
/// Template syntax, deliberately tiny:
///  - `{{name}}`     a value, always HTML-escaped (there is no unescaped form);
///  - `{{#name}}...{{/name}}` a section, repeated once per row given with setSection();
///                   a section that was never set renders nothing (use one row with no
///                   values for a conditional block). Inside a section, `{{name}}` looks in
///                   the row first, then in the page's values; sections may nest;
///  - `{{>name}}`    the partial template ":/templates/_name" (template text, never data),
///                   rendered in place with the same values; a `.css` partial is inserted
///                   byte for byte. `{{>head.html}}` is the shared <head> content (style
///                   sheet included), `{{>scopes.html}}` the list of the `scopes` section.
/// Names are [a-z0-9_.-]. A `{{name}}` with no value, an unclosed section or an unknown
/// partial is a render error, so a typo in a template cannot silently drop content.
///
/// Usage (thread-safe: each page is a value; templates are read from the resource):
///   auto page = HtmlPage::load(QStringLiteral("error.html"));
///   page->setValue(QStringLiteral("title"), ...).setValue(QStringLiteral("message"), ...);
///   return page->response(400);
class HtmlPage final
{
public:
    using Values = QHash<QString, QString>;

    /// Reads ":/templates/<name>". NotFound-style error (code "server_error") if missing.
    [[nodiscard]] static Core::Result<HtmlPage> load(const QString &name);
    /// A page over template text given directly (tests).
    [[nodiscard]] static HtmlPage fromText(QString name, QString text);

    HtmlPage &setValue(const QString &name, const QString &value);
    /// Replaces the rows of section `name`.
    HtmlPage &setSection(const QString &name, QList<Values> rows);
    /// Shorthand for a conditional block: one empty row when `shown`, none otherwise.
    HtmlPage &showSection(const QString &name, bool shown = true);

    /// The rendered document (UTF-8).
    [[nodiscard]] Core::Result<QByteArray> render() const;

    /// render() wrapped by htmlResponse(); a render error becomes a plain 500 page (and is
    /// logged) so a broken template never leaks half a page.
    [[nodiscard]] Http::Response response(int status = 200,
                                          const QStringList &formActionSources = {}) const;

    [[nodiscard]] const QString &name() const { return m_name; }

private:
    HtmlPage(QString name, QString text);

    QString m_name;
    QString m_text;
    Values m_values;
    QHash<QString, QList<Values>> m_sections;
};

/// Escapes & < > " ' so the value is safe in element content and in quoted attributes.
[[nodiscard]] QString htmlEscape(QStringView text);

/// A response carrying an HTML document with the headers every AS page needs:
/// `Content-Type: text/html; charset=utf-8`, `Cache-Control: no-store`, `Pragma: no-cache`,
/// `X-Frame-Options: DENY`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`
/// and a Content-Security-Policy allowing nothing but the shared inline style sheet (by
/// hash), forms posting to 'self' plus `formActionSources` (CSP source expressions such as
/// "https://client.example:8443"; browsers apply form-action to the redirect that follows
/// a POST, so the client's redirect origin must be listed), and no framing.
[[nodiscard]] Http::Response htmlResponse(int status, QByteArray html,
                                          const QStringList &formActionSources = {});

/// The error page (error.html): `title`, `message`, and the OAuth error code if any.
[[nodiscard]] Http::Response errorPage(int status, const QString &title, const QString &message,
                                       const QString &errorCode = {});

/// The CSP source expression for the origin of `uri` ("https://host:port", or "scheme:" for a
/// private-use scheme), or an empty string when `uri` has no origin that can be expressed
/// safely (the caller then lists nothing extra).
[[nodiscard]] QString cspSourceForUri(const QString &uri);

/// A human description of a scope for consent and device pages ("Read your tasks"), or an
/// empty string when the scope is not one the server knows.
[[nodiscard]] QString scopeDescription(const QString &scope);

/// The rows of a `{{#scopes}}` section: `name` and `description` (the description falls
/// back to the name).
[[nodiscard]] QList<HtmlPage::Values> scopeRows(const QStringList &scopes);

} // namespace Auth
