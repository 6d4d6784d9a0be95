#include "authserver/htmlpage.h"

#include <QFile>
#include <QLoggingCategory>
#include <QUrl>

#include "crypto/digest.h"

Q_LOGGING_CATEGORY(lcHtmlPage, "mcpauth.authserver.html")

namespace Auth {

namespace {

constexpr int kMaxSectionDepth = 8;

const QString kTemplateRoot = QStringLiteral(":/templates/");

Core::Error renderError(const QString &page, const QString &what)
{
    return Core::makeError(QStringLiteral("server_error"),
                           QStringLiteral("template %1: %2").arg(page, what));
}

Core::Result<QString> readTemplate(const QString &fileName)
{
    QFile file(kTemplateRoot + fileName);
    if (!file.open(QIODevice::ReadOnly))
        return Core::makeError(QStringLiteral("server_error"),
                               QStringLiteral("the page template %1 is not compiled into the "
                                              "program (resource %2)")
                                   .arg(fileName, file.fileName()));
    return QString::fromUtf8(file.readAll());
}

bool validName(QStringView name)
{
    if (name.isEmpty() || name.size() > 64)
        return false;
    for (const QChar c : name) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9') || u == u'_' ||
                        u == u'.' || u == u'-';
        if (!ok)
            return false;
    }
    return true;
}

/// The CSP hash source of the shared style sheet, computed once from the resource.
const QByteArray &styleHashSource()
{
    static const QByteArray source = [] {
        auto css = readTemplate(QStringLiteral("_style.css"));
        if (!css) {
            qCWarning(lcHtmlPage) << css.error().toString();
            return QByteArray();
        }
        return QByteArray(QByteArrayLiteral("'sha256-") + Crypto::sha256(css->toUtf8()).toBase64() +
                          '\'');
    }();
    return source;
}

class Renderer
{
public:
    Renderer(const QString &page, const HtmlPage::Values &values,
             const QHash<QString, QList<HtmlPage::Values>> &sections)
        : m_page(page)
        , m_values(values)
        , m_sections(sections)
    {}

    Core::Status render(QStringView text, const HtmlPage::Values *row, int depth, QString &out)
    {
        qsizetype pos = 0;
        while (true) {
            const qsizetype open = text.indexOf(u"{{", pos);
            if (open < 0) {
                out += text.mid(pos);
                return {};
            }
            out += text.mid(pos, open - pos);
            const qsizetype close = text.indexOf(u"}}", open + 2);
            if (close < 0)
                return renderError(m_page, QStringLiteral("unclosed {{ at offset %1").arg(open));
            const QStringView tag = text.mid(open + 2, close - open - 2);
            pos = close + 2;
            const QChar kind = tag.isEmpty() ? QChar() : tag.front();
            const QStringView name =
                (kind == u'#' || kind == u'/' || kind == u'>') ? tag.mid(1) : tag;
            if (!validName(name))
                return renderError(m_page, QStringLiteral("bad tag {{%1}}").arg(tag));
            if (kind == u'/')
                return renderError(m_page, QStringLiteral("{{%1}} closes nothing").arg(tag));
            if (kind == u'>') {
                auto partial = readTemplate(QLatin1Char('_') + name.toString());
                if (!partial)
                    return renderError(m_page, partial.error().message);
                // A style sheet goes in byte for byte: its CSP hash is computed over the file.
                if (name.endsWith(u".css")) {
                    out += *partial;
                    continue;
                }
                if (depth >= kMaxSectionDepth)
                    return renderError(m_page, QStringLiteral("partials nested too deeply"));
                if (auto s = render(*partial, row, depth + 1, out); !s)
                    return s;
                continue;
            }
            if (kind == u'#') {
                const qsizetype end = sectionEnd(text, name, pos);
                if (end < 0)
                    return renderError(m_page,
                                       QStringLiteral("section {{#%1}} is not closed").arg(name));
                if (depth >= kMaxSectionDepth)
                    return renderError(m_page, QStringLiteral("sections nested too deeply"));
                const QStringView body = text.mid(pos, end - pos);
                for (const HtmlPage::Values &sectionRow : m_sections.value(name.toString())) {
                    // Inner lookups fall back from the section row to the page values.
                    HtmlPage::Values merged = row ? *row : HtmlPage::Values{};
                    merged.insert(sectionRow);
                    if (auto s = render(body, &merged, depth + 1, out); !s)
                        return s;
                }
                pos = end + name.size() + 5; // "{{/" + name + "}}"
                continue;
            }
            const QString key = name.toString();
            if (row && row->contains(key))
                out += htmlEscape(row->value(key));
            else if (m_values.contains(key))
                out += htmlEscape(m_values.value(key));
            else
                return renderError(m_page, QStringLiteral("no value for {{%1}}").arg(key));
        }
    }

private:
    /// The offset of the "{{/name}}" closing the section whose body starts at `from`.
    static qsizetype sectionEnd(QStringView text, QStringView name, qsizetype from)
    {
        const QString openTag = QStringLiteral("{{#") + name + QStringLiteral("}}");
        const QString closeTag = QStringLiteral("{{/") + name + QStringLiteral("}}");
        int nesting = 0;
        qsizetype pos = from;
        while (true) {
            const qsizetype close = text.indexOf(closeTag, pos);
            if (close < 0)
                return -1;
            const qsizetype open = text.indexOf(openTag, pos);
            if (open >= 0 && open < close) {
                ++nesting;
                pos = open + openTag.size();
                continue;
            }
            if (nesting == 0)
                return close;
            --nesting;
            pos = close + closeTag.size();
        }
    }

    const QString &m_page;
    const HtmlPage::Values &m_values;
    const QHash<QString, QList<HtmlPage::Values>> &m_sections;
};

} // namespace

HtmlPage::HtmlPage(QString name, QString text)
    : m_name(std::move(name))
    , m_text(std::move(text))
{}

Core::Result<HtmlPage> HtmlPage::load(const QString &name)
{
    if (!validName(name))
        return Core::makeError(QStringLiteral("server_error"),
                               QStringLiteral("invalid template name \"%1\"").arg(name));
    auto text = readTemplate(name);
    if (!text)
        return text.error();
    return HtmlPage(name, std::move(*text));
}

HtmlPage HtmlPage::fromText(QString name, QString text)
{
    return HtmlPage(std::move(name), std::move(text));
}

HtmlPage &HtmlPage::setValue(const QString &name, const QString &value)
{
    m_values.insert(name, value);
    return *this;
}

HtmlPage &HtmlPage::setSection(const QString &name, QList<Values> rows)
{
    m_sections.insert(name, std::move(rows));
    return *this;
}

HtmlPage &HtmlPage::showSection(const QString &name, bool shown)
{
    return setSection(name, shown ? QList<Values>{Values{}} : QList<Values>{});
}

Core::Result<QByteArray> HtmlPage::render() const
{
    QString out;
    out.reserve(m_text.size() + 1024);
    Renderer renderer(m_name, m_values, m_sections);
    if (auto s = renderer.render(m_text, nullptr, 0, out); !s)
        return s.error();
    return out.toUtf8();
}

Http::Response HtmlPage::response(int status, const QStringList &formActionSources) const
{
    auto html = render();
    if (!html) {
        qCWarning(lcHtmlPage) << html.error().toString();
        return htmlResponse(500, QByteArrayLiteral("<!DOCTYPE html><html lang=\"en\"><head>"
                                                   "<meta charset=\"utf-8\"><title>Server "
                                                   "error</title></head><body><h1>Server "
                                                   "error</h1><p>The page could not be "
                                                   "rendered.</p></body></html>"));
    }
    return htmlResponse(status, std::move(*html), formActionSources);
}

QString htmlEscape(QStringView text)
{
    QString out;
    out.reserve(text.size() + text.size() / 8);
    for (const QChar c : text) {
        switch (c.unicode()) {
        case u'&':
            out += QLatin1String("&amp;");
            break;
        case u'<':
            out += QLatin1String("&lt;");
            break;
        case u'>':
            out += QLatin1String("&gt;");
            break;
        case u'"':
            out += QLatin1String("&quot;");
            break;
        case u'\'':
            out += QLatin1String("&#39;");
            break;
        default:
            out += c;
        }
    }
    return out;
}

Http::Response htmlResponse(int status, QByteArray html, const QStringList &formActionSources)
{
    Http::Response response;
    response.status = status;
    response.body = std::move(html);
    QByteArray formAction = QByteArrayLiteral("'self'");
    for (const QString &source : formActionSources) {
        if (!source.isEmpty())
            formAction += ' ' + source.toLatin1();
    }
    QByteArray csp = QByteArrayLiteral("default-src 'none'; style-src ");
    csp += styleHashSource().isEmpty() ? QByteArrayLiteral("'none'") : styleHashSource();
    csp += QByteArrayLiteral("; form-action ") + formAction +
           QByteArrayLiteral("; frame-ancestors 'none'; base-uri 'none'");
    auto &h = response.headers;
    h.set(QByteArrayLiteral("Content-Type"), QByteArrayLiteral("text/html; charset=utf-8"));
    h.set(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    h.set(QByteArrayLiteral("Pragma"), QByteArrayLiteral("no-cache"));
    h.set(QByteArrayLiteral("X-Frame-Options"), QByteArrayLiteral("DENY"));
    h.set(QByteArrayLiteral("X-Content-Type-Options"), QByteArrayLiteral("nosniff"));
    h.set(QByteArrayLiteral("Referrer-Policy"), QByteArrayLiteral("no-referrer"));
    h.set(QByteArrayLiteral("Content-Security-Policy"), csp);
    return response;
}

Http::Response errorPage(int status, const QString &title, const QString &message,
                         const QString &errorCode)
{
    auto page = HtmlPage::load(QStringLiteral("error.html"));
    if (!page) {
        qCWarning(lcHtmlPage) << page.error().toString();
        return htmlResponse(status,
                            htmlEscape(QString(title + QStringLiteral(": ") + message)).toUtf8());
    }
    page->setValue(QStringLiteral("title"), title).setValue(QStringLiteral("message"), message);
    page->setSection(QStringLiteral("code"),
                     errorCode.isEmpty()
                         ? QList<HtmlPage::Values>{}
                         : QList<HtmlPage::Values>{{{QStringLiteral("code"), errorCode}}});
    return page->response(status);
}

QString cspSourceForUri(const QString &uri)
{
    const QUrl url(uri, QUrl::StrictMode);
    if (!url.isValid())
        return {};
    const QString scheme = url.scheme().toLower();
    QString source;
    if (scheme == QLatin1String("http") || scheme == QLatin1String("https")) {
        QString host = url.host(QUrl::FullyEncoded).toLower();
        if (host.isEmpty())
            return {};
        if (host.contains(QLatin1Char(':')))
            host = QLatin1Char('[') + host + QLatin1Char(']');
        source = scheme + QStringLiteral("://") + host;
        if (url.port() >= 0)
            source += QLatin1Char(':') + QString::number(url.port());
    } else if (!scheme.isEmpty()) {
        source = scheme + QLatin1Char(':');
    } else {
        return {};
    }
    // A source expression must not be able to add directives or sources of its own.
    for (const QChar c : std::as_const(source)) {
        const char16_t u = c.unicode();
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9') || u == u'.' ||
                        u == u'-' || u == u'+' || u == u':' || u == u'/' || u == u'[' || u == u']';
        if (!ok)
            return {};
    }
    return source;
}

QString scopeDescription(const QString &scope)
{
    static const QHash<QString, QString> descriptions = {
        {QStringLiteral("tasks:read"), QStringLiteral("Read your tasks")},
        {QStringLiteral("tasks:write"), QStringLiteral("Create and change your tasks")},
        {QStringLiteral("tasks:delete"), QStringLiteral("Delete your tasks")},
        {QStringLiteral("offline_access"),
         QStringLiteral("Keep access while you are away (a refresh token)")},
        {QStringLiteral("openid"), QStringLiteral("Know who you are")},
    };
    return descriptions.value(scope);
}

QList<HtmlPage::Values> scopeRows(const QStringList &scopes)
{
    QList<HtmlPage::Values> rows;
    rows.reserve(scopes.size());
    for (const QString &scope : scopes) {
        const QString description = scopeDescription(scope);
        rows.append({{QStringLiteral("name"), scope},
                     {QStringLiteral("description"), description.isEmpty() ? scope : description}});
    }
    return rows;
}

} // namespace Auth
