#include "http/body.h"

#include <QSet>
#include <QStringDecoder>

#include "crypto/strictjson.h"
#include "http/syntax.h"

namespace Http {

namespace {

Core::Error invalidRequest(const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_request"), message);
}

/// A parameter name as it may appear in an error message: printable, short.
QString printableName(const QString &name)
{
    QString out = name.left(64);
    for (QChar &c : out) {
        if (!c.isPrint())
            c = QLatin1Char('?');
    }
    return out;
}

/// Strict form decoding of one name or value; `offset` is where it starts in the input.
Core::Result<QString> decodeComponent(QByteArrayView in, qsizetype offset, QStringView what)
{
    qsizetype badEscape = -1;
    const QByteArray bytes = decodeFormComponent(in, &badEscape);
    if (badEscape >= 0)
        return invalidRequest(QStringLiteral("malformed percent escape in a %1 at offset %2: '%' "
                                             "must be followed by two hex digits")
                                  .arg(what)
                                  .arg(offset + badEscape));
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless |
                                                     QStringDecoder::Flag::ConvertInitialBom);
    QString text = decoder(bytes);
    if (decoder.hasError())
        return invalidRequest(
            QStringLiteral("a %1 at offset %2 is not valid UTF-8").arg(what).arg(offset));
    return text;
}

Core::Result<FormData> parseUrlEncoded(QByteArrayView input, const FormLimits &limits,
                                       QStringView what)
{
    if (input.size() > limits.maxBytes)
        return invalidRequest(QStringLiteral("the %1 is %2 bytes, more than the limit of %3")
                                  .arg(what)
                                  .arg(input.size())
                                  .arg(limits.maxBytes));
    FormData form;
    QSet<QString> seen;
    std::optional<Core::Error> error;
    Syntax::forEachPiece(input, '&', [&](QByteArrayView pair) {
        if (error || pair.isEmpty())
            return;
        const qsizetype start = pair.data() - input.data();
        if (form.size() >= limits.maxParameters) {
            error = invalidRequest(QStringLiteral("the %1 has more than %2 parameters")
                                       .arg(what)
                                       .arg(limits.maxParameters));
            return;
        }
        const qsizetype eq = pair.indexOf('=');
        const QByteArrayView rawName = eq < 0 ? pair : pair.first(eq);
        const QByteArrayView rawValue = eq < 0 ? QByteArrayView() : pair.sliced(eq + 1);
        if (rawName.isEmpty()) {
            error = invalidRequest(QStringLiteral("a parameter with an empty name at offset %1 "
                                                  "of the %2")
                                       .arg(start)
                                       .arg(what));
            return;
        }
        auto name = decodeComponent(rawName, start, u"parameter name");
        auto value = decodeComponent(rawValue, start + eq + 1, u"parameter value");
        if (!name || !value) {
            error = name ? value.error() : name.error();
            return;
        }
        if (seen.contains(*name) && !limits.repeatableNames.contains(*name)) {
            error = invalidRequest(QStringLiteral("parameter '%1' is included more than once "
                                                  "(RFC 6749 section 3.1)")
                                       .arg(printableName(*name)));
            return;
        }
        seen.insert(*name);
        form.append(std::move(name).value(), std::move(value).value());
    });
    if (error)
        return *error;
    return form;
}

bool isUnreservedFormByte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '*';
}

void appendEncoded(QByteArray &out, const QString &text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char c : text.toUtf8()) {
        if (isUnreservedFormByte(c)) {
            out.append(c);
        } else if (c == ' ') {
            out.append('+');
        } else {
            const auto b = static_cast<unsigned char>(c);
            out.append('%').append(hex[b >> 4]).append(hex[b & 0xF]);
        }
    }
}

} // namespace

QByteArray decodeFormComponent(QByteArrayView in, qsizetype *errorOffset)
{
    if (errorOffset)
        *errorOffset = -1;
    QByteArray out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        const int hi = c == '%' && i + 1 < in.size() ? Syntax::hexValue(in[i + 1]) : -1;
        const int lo = c == '%' && i + 2 < in.size() ? Syntax::hexValue(in[i + 2]) : -1;
        if (c == '+') {
            out.append(' ');
        } else if (hi >= 0 && lo >= 0) {
            out.append(char(hi * 16 + lo));
            i += 2;
        } else if (c == '%' && errorOffset) {
            *errorOffset = i;
            return out;
        } else {
            out.append(c);
        }
    }
    return out;
}

FormData::FormData(std::initializer_list<Entry> entries)
    : m_entries(entries)
{}

void FormData::append(QString name, QString value)
{
    m_entries.append(Entry(std::move(name), std::move(value)));
}

bool FormData::contains(QStringView name) const
{
    return value(name).has_value();
}

std::optional<QString> FormData::value(QStringView name) const
{
    for (const Entry &e : m_entries) {
        if (e.first == name)
            return e.second;
    }
    return std::nullopt;
}

QStringList FormData::values(QStringView name) const
{
    QStringList out;
    for (const Entry &e : m_entries) {
        if (e.first == name)
            out.append(e.second);
    }
    return out;
}

Core::Result<FormData> parseForm(QByteArrayView body, FormLimits limits)
{
    return parseUrlEncoded(body, limits, u"form body");
}

Core::Result<FormData> parseQuery(QByteArrayView query, FormLimits limits)
{
    return parseUrlEncoded(query, limits, u"query string");
}

QByteArray encodeForm(const FormData &form)
{
    QByteArray out;
    for (const FormData::Entry &e : form.entries()) {
        if (!out.isEmpty())
            out.append('&');
        appendEncoded(out, e.first);
        out.append('=');
        appendEncoded(out, e.second);
    }
    return out;
}

Core::Status checkFormContentType(QByteArrayView contentType)
{
    const QList<QByteArray> parts = contentType.toByteArray().split(';');
    if (parts.first().trimmed().compare("application/x-www-form-urlencoded", Qt::CaseInsensitive) !=
        0)
        return invalidRequest(QStringLiteral("the request body must be "
                                             "application/x-www-form-urlencoded, not '%1'")
                                  .arg(QString::fromLatin1(parts.first().trimmed().left(100))));
    for (qsizetype i = 1; i < parts.size(); ++i) {
        const QByteArray param = parts.at(i).trimmed();
        const qsizetype eq = param.indexOf('=');
        if (eq < 0 || param.first(eq).trimmed().compare("charset", Qt::CaseInsensitive) != 0)
            continue;
        QByteArray charset = param.sliced(eq + 1).trimmed();
        if (charset.size() >= 2 && charset.startsWith('"') && charset.endsWith('"'))
            charset = charset.sliced(1, charset.size() - 2);
        if (charset.compare("utf-8", Qt::CaseInsensitive) != 0 &&
            charset.compare("us-ascii", Qt::CaseInsensitive) != 0)
            return invalidRequest(QStringLiteral("unsupported form charset '%1'; use UTF-8")
                                      .arg(QString::fromLatin1(charset.left(40))));
    }
    return {};
}

Core::Result<QJsonDocument> parseJson(QByteArrayView body, JsonLimits limits)
{
    // The structural scan (size, depth, duplicate member names) lives with the strict
    // JSON parser of the crypto area, so that JOSE headers and HTTP bodies share one rule.
    auto object = Crypto::parseStrictJsonObject(body, limits.maxBytes, limits.maxDepth);
    if (!object)
        return invalidRequest(QStringLiteral("the JSON body is not acceptable: ") +
                              object.error().message);
    return QJsonDocument(std::move(object).value());
}

} // namespace Http
