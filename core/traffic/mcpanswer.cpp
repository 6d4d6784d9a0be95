#include "traffic/mcpanswer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QList>

#include "http/body.h"

namespace Traffic {

namespace {

Core::Error invalidResponse(const QString &message)
{
    return Core::makeError(QStringLiteral("invalid_response"), message);
}

bool isResponseTo(const QJsonObject &message, const QJsonValue &id)
{
    return (message.contains(QStringLiteral("result")) ||
            message.contains(QStringLiteral("error"))) &&
           message.value(QStringLiteral("id")) == id;
}

/// The data of every event of an SSE body (lines joined with '\n', per the SSE spec).
QList<QByteArray> sseEventData(const QByteArray &body)
{
    QList<QByteArray> events;
    QByteArray data;
    bool hasData = false;
    const auto dispatch = [&] {
        if (hasData)
            events.append(data);
        data.clear();
        hasData = false;
    };
    qsizetype pos = 0;
    while (pos <= body.size()) {
        qsizetype end = pos;
        while (end < body.size() && body.at(end) != '\n' && body.at(end) != '\r')
            ++end;
        const QByteArray line = body.mid(pos, end - pos);
        if (end < body.size() && body.at(end) == '\r' && end + 1 < body.size() &&
            body.at(end + 1) == '\n')
            ++end;
        pos = end + 1;
        if (line.isEmpty()) {
            dispatch();
            continue;
        }
        if (line.startsWith(':'))
            continue;
        const qsizetype colon = line.indexOf(':');
        const QByteArray field = colon < 0 ? line : line.left(colon);
        QByteArray value = colon < 0 ? QByteArray() : line.mid(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
        if (field == "data") {
            if (hasData)
                data += '\n';
            data += value;
            hasData = true;
        }
    }
    dispatch();
    return events;
}

QString unquote(QByteArrayView text, qsizetype &pos)
{
    // pos is on the opening quote.
    QByteArray value;
    ++pos;
    while (pos < text.size() && text.at(pos) != '"') {
        if (text.at(pos) == '\\' && pos + 1 < text.size())
            ++pos;
        value += text.at(pos);
        ++pos;
    }
    ++pos; // the closing quote
    return QString::fromUtf8(value);
}

} // namespace

Core::Result<QJsonObject> jsonRpcResponse(const Http::ClientResponse &response,
                                          const QJsonValue &id)
{
    const QByteArray type = response.contentType();
    if (type == "text/event-stream") {
        for (const QByteArray &data : sseEventData(response.body)) {
            auto document = Http::parseJson(data);
            if (!document)
                return invalidResponse(QStringLiteral("an event of the stream is not a JSON-RPC "
                                                      "message: ") +
                                       document.error().message);
            if (isResponseTo(document->object(), id))
                return document->object();
        }
        return invalidResponse(
            QStringLiteral("the event stream ended without the response to request %1")
                .arg(id.isString() ? id.toString() : QString::number(id.toInteger())));
    }
    if (type != "application/json")
        return invalidResponse(QStringLiteral("HTTP %1 with Content-Type '%2' (expected "
                                              "application/json or text/event-stream)")
                                   .arg(response.status)
                                   .arg(QString::fromLatin1(type)));
    auto document = Http::parseJson(response.body);
    if (!document)
        return invalidResponse(QStringLiteral("the body is not a JSON-RPC message: ") +
                               document.error().message);
    const QJsonObject message = document->object();
    if (!message.contains(QStringLiteral("result")) && !message.contains(QStringLiteral("error")))
        return invalidResponse(QStringLiteral("the JSON-RPC message has neither result nor error"));
    return message;
}

BearerChallenge parseBearerChallenge(QByteArrayView header)
{
    BearerChallenge challenge;
    const QByteArray text = header.toByteArray();
    qsizetype pos = text.toLower().indexOf("bearer");
    while (pos > 0 && text.at(pos - 1) != ' ' && text.at(pos - 1) != ',')
        pos = text.toLower().indexOf("bearer", pos + 1);
    if (pos < 0)
        return challenge;
    pos += 6;
    while (pos < text.size()) {
        while (pos < text.size() && (text.at(pos) == ' ' || text.at(pos) == ','))
            ++pos;
        const qsizetype nameStart = pos;
        while (pos < text.size() && text.at(pos) != '=' && text.at(pos) != ' ' &&
               text.at(pos) != ',')
            ++pos;
        const QByteArray name = text.mid(nameStart, pos - nameStart).toLower();
        while (pos < text.size() && text.at(pos) == ' ')
            ++pos;
        if (pos >= text.size() || text.at(pos) != '=')
            break; // a token without '=': the next challenge's scheme
        ++pos;
        while (pos < text.size() && text.at(pos) == ' ')
            ++pos;
        QString value;
        if (pos < text.size() && text.at(pos) == '"') {
            value = unquote(text, pos);
        } else {
            const qsizetype valueStart = pos;
            while (pos < text.size() && text.at(pos) != ',' && text.at(pos) != ' ')
                ++pos;
            value = QString::fromUtf8(text.mid(valueStart, pos - valueStart));
        }
        if (name == "error")
            challenge.error = value;
        else if (name == "error_description")
            challenge.description = value;
        else if (name == "scope")
            challenge.scope = value;
        else if (name == "resource_metadata")
            challenge.resourceMetadata = value;
    }
    return challenge;
}

QString frictionMetaKey()
{
    return QStringLiteral("studio.mcpauth/friction");
}

ToolAnswer readToolAnswer(const QJsonObject &result)
{
    ToolAnswer answer;
    const bool isError = result.value(QStringLiteral("isError")).toBool();
    for (const QJsonValue &content : result.value(QStringLiteral("content")).toArray()) {
        const QJsonObject item = content.toObject();
        if (item.value(QStringLiteral("type")) == QJsonValue(QStringLiteral("text"))) {
            answer.text = item.value(QStringLiteral("text")).toString();
            break;
        }
    }
    answer.structured = result.value(QStringLiteral("structuredContent")).toObject();
    const QJsonObject friction =
        result.value(QStringLiteral("_meta")).toObject().value(frictionMetaKey()).toObject();
    const QString outcome = friction.value(QStringLiteral("outcome")).toString();
    answer.hasFriction = !outcome.isEmpty();
    if (answer.hasFriction) {
        answer.friction = friction.value(QStringLiteral("friction")).toDouble(-1);
        answer.band = friction.value(QStringLiteral("band")).toString();
        answer.cost = friction.value(QStringLiteral("cost")).toDouble();
        answer.retryAfterSeconds =
            friction.value(QStringLiteral("retry_after_seconds")).toDouble(-1);
    }
    if (outcome == QLatin1String("blocked"))
        answer.kind = ToolAnswer::Kind::Blocked;
    else if (outcome == QLatin1String("justification_missing"))
        answer.kind = ToolAnswer::Kind::JustificationMissing;
    else if (isError)
        answer.kind = ToolAnswer::Kind::ToolError;
    else if (outcome == QLatin1String("justified"))
        answer.kind = ToolAnswer::Kind::Justified;
    else
        answer.kind = ToolAnswer::Kind::Allowed;
    return answer;
}

} // namespace Traffic
