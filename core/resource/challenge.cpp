#include "resource/challenge.h"

#include <QJsonObject>

namespace Resource {

namespace {

/// RFC 6750 section 2.1 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool isB64Token(QByteArrayView token)
{
    qsizetype i = 0;
    for (; i < token.size(); ++i) {
        const char c = token[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'))
            break;
    }
    if (i == 0)
        return false;
    for (; i < token.size(); ++i)
        if (token[i] != '=')
            return false;
    return true;
}

bool queryNamesToken(const QByteArray &query)
{
    for (const QByteArray &pair : query.split('&')) {
        const QByteArray name = pair.left(pair.indexOf('=') < 0 ? pair.size() : pair.indexOf('='));
        if (name == "access_token")
            return true;
    }
    return false;
}

} // namespace

Challenge::Challenge(QString metadataUrl, QStringList scopes)
    : m_metadataUrl(std::move(metadataUrl))
    , m_scopes(std::move(scopes))
{}

QByteArray Challenge::quoted(const QString &value)
{
    QByteArray out("\"");
    for (const char c : value.toUtf8()) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            continue;
        out += c;
    }
    return out + '"';
}

Http::Response Challenge::build(int status, const QByteArray &error, const QStringList &scopes,
                                const QString &description) const
{
    QByteArray header = QByteArrayLiteral("Bearer resource_metadata=") + quoted(m_metadataUrl);
    if (!scopes.isEmpty())
        header += QByteArrayLiteral(", scope=") + quoted(scopes.join(QLatin1Char(' ')));
    if (!error.isEmpty()) {
        header += QByteArrayLiteral(", error=") + quoted(QString::fromLatin1(error));
        if (!description.isEmpty())
            header += QByteArrayLiteral(", error_description=") + quoted(description);
    }
    Http::Response response;
    if (error.isEmpty()) {
        response = Http::Response::json(
            status, QJsonDocument(QJsonObject{
                        {QStringLiteral("error"), QStringLiteral("unauthorized")},
                        {QStringLiteral("error_description"),
                         description.isEmpty() ? QStringLiteral("a bearer access token is required")
                                               : description}}));
    } else {
        response = Http::Response::error(status, error, description);
    }
    response.headers.set(QByteArrayLiteral("WWW-Authenticate"), header);
    response.headers.set(QByteArrayLiteral("Cache-Control"), QByteArrayLiteral("no-store"));
    return response;
}

Http::Response Challenge::unauthorized(bool tokenSent, const QString &description) const
{
    return build(401, tokenSent ? QByteArrayLiteral("invalid_token") : QByteArray(), m_scopes,
                 description);
}

Http::Response Challenge::insufficientScope(const QStringList &needed,
                                            const QString &description) const
{
    return build(403, QByteArrayLiteral("insufficient_scope"), needed, description);
}

Http::Response Challenge::invalidRequest(const QString &description) const
{
    return build(400, QByteArrayLiteral("invalid_request"), m_scopes, description);
}

Http::Response Challenge::unavailable(const QString &description) const
{
    Http::Response response =
        Http::Response::error(503, QByteArrayLiteral("temporarily_unavailable"), description);
    response.headers.set(QByteArrayLiteral("Retry-After"), QByteArrayLiteral("5"));
    return response;
}

std::variant<std::optional<QByteArray>, Http::Response>
Challenge::extractToken(const Http::Request &request) const
{
    if (queryNamesToken(request.query))
        return invalidRequest(QStringLiteral("access tokens are not accepted in the query string; "
                                             "send them in the Authorization header"));
    const qsizetype count = request.headers.count("Authorization");
    if (count == 0)
        return std::optional<QByteArray>();
    if (count > 1)
        return invalidRequest(QStringLiteral("more than one Authorization header"));
    const QByteArray value = request.headers.value("Authorization").trimmed();
    const qsizetype space = value.indexOf(' ');
    const QByteArray scheme = space < 0 ? value : value.left(space);
    if (scheme.compare("Bearer", Qt::CaseInsensitive) != 0)
        return unauthorized(false, QStringLiteral("the Authorization scheme must be Bearer"));
    const QByteArray token = space < 0 ? QByteArray() : value.mid(space + 1).trimmed();
    if (token.isEmpty() || !isB64Token(token))
        return invalidRequest(QStringLiteral("the Authorization header is malformed: expected "
                                             "\"Bearer <token>\" (RFC 6750 section 2.1)"));
    return std::optional<QByteArray>(token);
}

} // namespace Resource
