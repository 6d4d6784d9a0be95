#include "http/masking.h"

#include <array>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>

#include "crypto/mask.h"
#include "http/body.h"
#include "http/syntax.h"

namespace Http {

namespace {

constexpr std::array<QLatin1StringView, 14> kSensitiveNames = {
    QLatin1StringView("token"),
    QLatin1StringView("code"),
    QLatin1StringView("code_verifier"),
    QLatin1StringView("client_secret"),
    QLatin1StringView("client_assertion"),
    QLatin1StringView("refresh_token"),
    QLatin1StringView("access_token"),
    QLatin1StringView("id_token"),
    QLatin1StringView("password"),
    QLatin1StringView("device_code"),
    QLatin1StringView("assertion"),
    QLatin1StringView("subject_token"),
    QLatin1StringView("actor_token"),
    QLatin1StringView("private_key"),
};

/// JWK members that hold private or symmetric key material (RFC 7518 section 6).
constexpr std::array<QLatin1StringView, 8> kPrivateJwkMembers = {
    QLatin1StringView("d"),   QLatin1StringView("p"),  QLatin1StringView("q"),
    QLatin1StringView("dp"),  QLatin1StringView("dq"), QLatin1StringView("qi"),
    QLatin1StringView("oth"), QLatin1StringView("k"),
};

/// Header names masked whole when they contain one of these (case-insensitively).
constexpr std::array<QByteArrayView, 5> kSecretHeaderWords = {
    QByteArrayView("token"),   QByteArrayView("secret"), QByteArrayView("password"),
    QByteArrayView("api-key"), QByteArrayView("apikey"),
};

/// The mask as a form value: only what would change the form's structure is escaped, so
/// the ellipsis stays readable and the value decodes back to the mask.
QByteArray encodeFormValue(const QString &mask)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    QByteArray out;
    for (const char c : mask.toUtf8()) {
        const auto b = static_cast<unsigned char>(c);
        if (b < 0x20 || b == 0x7F || c == '&' || c == '=' || c == '+' || c == '%' || c == '#' ||
            c == ' ')
            out.append('%').append(hex[b >> 4]).append(hex[b & 0xF]);
        else
            out.append(c);
    }
    return out;
}

QByteArray maskBytes(QByteArrayView secret)
{
    return Crypto::maskSecret(secret).toUtf8();
}

QByteArray maskUrlEncoded(const QByteArray &input)
{
    if (input.isEmpty())
        return input;
    QByteArray out;
    out.reserve(input.size());
    Syntax::forEachPiece(input, '&', [&out](QByteArrayView pair) {
        const qsizetype eq = pair.indexOf('=');
        if (eq > 0 && isSensitiveName(QString::fromUtf8(decodeFormComponent(pair.first(eq))))) {
            out.append(pair.first(eq + 1));
            out.append(
                encodeFormValue(Crypto::maskSecret(decodeFormComponent(pair.sliced(eq + 1)))));
        } else {
            out.append(pair);
        }
        out.append('&');
    });
    out.chop(1);
    return out;
}

bool isPrivateJwkMember(const QString &name)
{
    for (const QLatin1StringView member : kPrivateJwkMembers) {
        if (name == member)
            return true;
    }
    return false;
}

QJsonValue maskJsonValue(const QJsonValue &value, bool &changed);

QJsonValue maskSecretValue(const QJsonValue &value, bool &changed)
{
    switch (value.type()) {
    case QJsonValue::String:
        changed = true;
        return Crypto::maskSecret(value.toString().toUtf8());
    case QJsonValue::Object:
        changed = true;
        return Crypto::maskSecret(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    case QJsonValue::Array:
        changed = true;
        return Crypto::maskSecret(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    default:
        // Numbers, booleans and null are never secrets; JSON-RPC's numeric error "code"
        // stays readable.
        return value;
    }
}

QJsonValue maskJsonValue(const QJsonValue &value, bool &changed)
{
    if (value.isArray()) {
        QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i)
            array[i] = maskJsonValue(array.at(i), changed);
        return array;
    }
    if (!value.isObject())
        return value;
    QJsonObject object = value.toObject();
    const bool isJwk = object.contains(QLatin1StringView("kty"));
    for (auto it = object.begin(); it != object.end(); ++it) {
        const QString key = it.key();
        if (isSensitiveName(key) || (isJwk && isPrivateJwkMember(key)))
            it.value() = maskSecretValue(it.value(), changed);
        else
            it.value() = maskJsonValue(it.value(), changed);
    }
    return object;
}

bool isWordByte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool mentionsSensitiveName(QByteArrayView body)
{
    const QByteArray lower = body.toByteArray().toLower();
    for (const QLatin1StringView name : kSensitiveNames) {
        const QByteArrayView needle(name.data(), name.size());
        for (qsizetype at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + 1)) {
            const qsizetype after = at + needle.size();
            if ((at == 0 || !isWordByte(lower[at - 1])) &&
                (after >= lower.size() || !isWordByte(lower[after])))
                return true;
        }
    }
    return false;
}

QByteArray maskAuthorization(const QByteArray &value)
{
    const QByteArray trimmed = value.trimmed();
    const qsizetype space = trimmed.indexOf(' ');
    if (space < 0)
        return maskBytes(trimmed);
    return trimmed.first(space) + ' ' + maskBytes(trimmed.sliced(space + 1).trimmed());
}

/// "name=value" -> "name=<mask>"; a pair without '=' is a bare value and masked whole.
QByteArray maskCookiePair(QByteArrayView pair)
{
    const qsizetype eq = pair.indexOf('=');
    if (eq < 0)
        return maskBytes(pair.trimmed());
    return pair.first(eq + 1).toByteArray() + maskBytes(pair.sliced(eq + 1));
}

QByteArray maskCookie(const QByteArray &value)
{
    QByteArray out;
    for (const QByteArray &pair : value.split(';')) {
        if (!out.isEmpty())
            out.append(';');
        qsizetype lead = 0;
        while (lead < pair.size() && pair.at(lead) == ' ')
            ++lead;
        out.append(pair.first(lead)).append(maskCookiePair(QByteArrayView(pair).sliced(lead)));
    }
    return out;
}

QByteArray maskSetCookie(const QByteArray &value)
{
    const qsizetype semi = value.indexOf(';');
    if (semi < 0)
        return maskCookiePair(value);
    return maskCookiePair(QByteArrayView(value).first(semi)) + value.sliced(semi);
}

bool hasSecretWord(QByteArrayView name)
{
    const QByteArray lower = name.toByteArray().toLower();
    for (const QByteArrayView word : kSecretHeaderWords) {
        if (lower.contains(word))
            return true;
    }
    return false;
}

QByteArray maskHeaderValue(QByteArrayView name, const QByteArray &value)
{
    if (Syntax::equalsIgnoreCase(name, "authorization") ||
        Syntax::equalsIgnoreCase(name, "proxy-authorization"))
        return maskAuthorization(value);
    if (Syntax::equalsIgnoreCase(name, "cookie"))
        return maskCookie(value);
    if (Syntax::equalsIgnoreCase(name, "set-cookie"))
        return maskSetCookie(value);
    if (Syntax::equalsIgnoreCase(name, "location") ||
        Syntax::equalsIgnoreCase(name, "content-location") ||
        Syntax::equalsIgnoreCase(name, "referer"))
        return maskUrl(QString::fromUtf8(value)).toUtf8();
    if (Syntax::equalsIgnoreCase(name, "dpop") || hasSecretWord(name))
        return maskBytes(value);
    return value;
}

} // namespace

bool isSensitiveName(QStringView name)
{
    for (const QLatin1StringView sensitive : kSensitiveNames) {
        if (name.compare(sensitive, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

Headers maskHeaders(const Headers &headers)
{
    Headers out;
    for (const Headers::Entry &e : headers.entries())
        out.add(e.first, maskHeaderValue(e.first, e.second));
    return out;
}

QByteArray maskForm(const QByteArray &body)
{
    return maskUrlEncoded(body);
}

QByteArray maskQuery(const QByteArray &query)
{
    return maskUrlEncoded(query);
}

QByteArray maskJson(const QByteArray &body)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError)
        return maskOpaque(body);
    bool changed = false;
    const QJsonValue root =
        document.isObject() ? QJsonValue(document.object()) : QJsonValue(document.array());
    const QJsonValue masked = maskJsonValue(root, changed);
    if (!changed)
        return body;
    return masked.isObject() ? QJsonDocument(masked.toObject()).toJson(QJsonDocument::Compact)
                             : QJsonDocument(masked.toArray()).toJson(QJsonDocument::Compact);
}

QString maskUrl(const QString &url)
{
    QString rest = url;
    QString fragment;
    const qsizetype hash = rest.indexOf(QLatin1Char('#'));
    if (hash >= 0) {
        fragment = rest.sliced(hash + 1);
        rest.truncate(hash);
    }
    QString query;
    const qsizetype question = rest.indexOf(QLatin1Char('?'));
    const bool hasQuery = question >= 0;
    if (hasQuery) {
        query = rest.sliced(question + 1);
        rest.truncate(question);
    }
    const qsizetype schemeEnd = rest.indexOf(QLatin1StringView("://"));
    if (schemeEnd >= 0) {
        const qsizetype authorityStart = schemeEnd + 3;
        qsizetype authorityEnd = rest.indexOf(QLatin1Char('/'), authorityStart);
        if (authorityEnd < 0)
            authorityEnd = rest.size();
        const qsizetype at = rest.lastIndexOf(QLatin1Char('@'), authorityEnd - 1);
        if (at >= authorityStart) {
            const qsizetype colon = rest.indexOf(QLatin1Char(':'), authorityStart);
            if (colon >= 0 && colon < at) {
                const QString password = rest.sliced(colon + 1, at - colon - 1);
                rest = rest.first(colon + 1) +
                       QString::fromUtf8(encodeFormValue(Crypto::maskSecret(password.toUtf8()))) +
                       rest.sliced(at);
            }
        }
    }
    if (hasQuery)
        rest += QLatin1Char('?') + QString::fromUtf8(maskQuery(query.toUtf8()));
    if (hash >= 0)
        rest += QLatin1Char('#') + QString::fromUtf8(maskQuery(fragment.toUtf8()));
    return rest;
}

QByteArray maskBody(QByteArrayView contentType, const QByteArray &body)
{
    if (body.isEmpty())
        return body;
    QByteArrayView media = contentType;
    if (const qsizetype semi = media.indexOf(';'); semi >= 0)
        media = media.first(semi);
    const QByteArray type = media.trimmed().toByteArray().toLower();
    if (type == "application/x-www-form-urlencoded")
        return maskForm(body);
    if (type == "application/json" || type.endsWith("+json"))
        return maskJson(body);
    if (type == "application/jwt" || type.endsWith("+jwt") || type == "application/jose")
        return maskBytes(body.trimmed());
    const QByteArray trimmed = body.trimmed();
    if (trimmed.startsWith('{') || trimmed.startsWith('['))
        return maskJson(body);
    return maskOpaque(body);
}

QByteArray maskOpaque(const QByteArray &body)
{
    if (!mentionsSensitiveName(body))
        return body;
    return QByteArrayLiteral("[masked: ") + QByteArray::number(body.size()) +
           QByteArrayLiteral(" bytes that could not be parsed and mention a secret-bearing name]");
}

} // namespace Http
