#pragma once

#include <optional>

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonDocument>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include "common/result.h"

/// Strict request-body helpers: application/x-www-form-urlencoded and JSON. Everything a
/// client sends us goes through these, so that two parsers never disagree about a request
/// (repeated parameters, duplicate JSON members, lenient escapes).
namespace Http {

/// Decoded form or query parameters in the order they were sent.
class FormData
{
public:
    using Entry = QPair<QString, QString>;

    FormData() = default;
    FormData(std::initializer_list<Entry> entries);

    void append(QString name, QString value);
    [[nodiscard]] bool contains(QStringView name) const;
    /// The value of `name` (the first one for a repeatable name), or nullopt when absent.
    [[nodiscard]] std::optional<QString> value(QStringView name) const;
    /// Every value of `name` in order (more than one only for repeatable names).
    [[nodiscard]] QStringList values(QStringView name) const;
    [[nodiscard]] const QList<Entry> &entries() const { return m_entries; }
    [[nodiscard]] qsizetype size() const { return m_entries.size(); }
    [[nodiscard]] bool isEmpty() const { return m_entries.isEmpty(); }

private:
    QList<Entry> m_entries;
};

struct FormLimits
{
    qsizetype maxBytes = 64 * 1024;
    qsizetype maxParameters = 100;
    /// Names that may legitimately appear more than once, e.g. "resource" (RFC 8707
    /// section 2). Every other name is rejected when repeated (RFC 6749 section 3.1).
    QStringList repeatableNames;
};

/// Parses an application/x-www-form-urlencoded body: '&'-separated `name=value` pairs,
/// '+' is a space, percent escapes must be `%` and two hex digits, the decoded bytes must
/// be UTF-8, names must not be empty and must not repeat. Empty pairs ("a=1&&b=2", a
/// trailing '&') are skipped. Errors have the code "invalid_request".
[[nodiscard]] Core::Result<FormData> parseForm(QByteArrayView body, FormLimits limits = {});
/// Same rules as parseForm() for a raw query string (without the '?').
[[nodiscard]] Core::Result<FormData> parseQuery(QByteArrayView query, FormLimits limits = {});

/// Form-decodes one name or value: '+' is a space, `%XX` a byte. When `errorOffset` is
/// null a malformed escape is kept literally (lenient, for display and masking); otherwise
/// decoding stops at the first one, whose offset is stored there (-1 when there was none).
[[nodiscard]] QByteArray decodeFormComponent(QByteArrayView in, qsizetype *errorOffset = nullptr);

/// Encodes parameters as application/x-www-form-urlencoded (UTF-8, space as '+').
[[nodiscard]] QByteArray encodeForm(const FormData &form);

/// Checks a Content-Type header value: `application/x-www-form-urlencoded`, optionally with
/// a `charset` parameter that must be UTF-8 (or US-ASCII). Error code "invalid_request".
[[nodiscard]] Core::Status checkFormContentType(QByteArrayView contentType);

struct JsonLimits
{
    qsizetype maxBytes = 1024 * 1024;
    int maxDepth = 32;
};

/// Parses a JSON request or response body whose top level is an object (every JSON body
/// in OAuth, MCP and JSON-RPC is one). The size and the nesting depth are checked before
/// QJsonDocument sees the text, and duplicate member names are rejected (QJsonDocument
/// would silently keep one of them). Errors have the code "invalid_request" and give the
/// offset of the problem where there is one.
[[nodiscard]] Core::Result<QJsonDocument> parseJson(QByteArrayView body, JsonLimits limits = {});

} // namespace Http
