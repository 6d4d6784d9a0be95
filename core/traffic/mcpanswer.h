#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include "common/result.h"
#include "http/client.h"

/// Reading the answers of an MCP server (Streamable HTTP transport) as a client.
namespace Traffic {

/// The JSON-RPC response to request `id` in an MCP Streamable HTTP answer: the body itself
/// when it is `application/json`, or the first `data:` event of a `text/event-stream` body
/// that is a response (has "result" or "error") with that id; server requests and
/// notifications on the stream are skipped. Errors have the code "invalid_response".
[[nodiscard]] Core::Result<QJsonObject> jsonRpcResponse(const Http::ClientResponse &response,
                                                        const QJsonValue &id);

/// The parameters of a `Bearer` challenge in a WWW-Authenticate header (RFC 6750 3).
struct BearerChallenge
{
    QString error;            ///< e.g. "invalid_token", "insufficient_scope"; may be empty
    QString description;      ///< error_description
    QString scope;            ///< space-separated scopes the resource asks for
    QString resourceMetadata; ///< resource_metadata (RFC 9728 5.1)
};

/// Reads the Bearer challenge of a WWW-Authenticate value (other schemes are skipped;
/// quoted strings unescaped). Missing or malformed: an empty challenge.
[[nodiscard]] BearerChallenge parseBearerChallenge(QByteArrayView header);

/// What a tools/call result says about friction (the `studio.mcpauth/friction` member of
/// `_meta`) and whether the tool failed.
struct ToolAnswer
{
    enum class Kind {
        Allowed,              ///< the tool ran (or a server without friction: no isError)
        Justified,            ///< HIGH friction, the call carried a justification and ran
        Blocked,              ///< refused: BLOCKED or over budget
        JustificationMissing, ///< refused: HIGH friction needs a justification
        ToolError,            ///< `isError: true` for another reason (e.g. unknown task)
    };
    Kind kind = Kind::Allowed;
    bool hasFriction = false; ///< the server reported friction for this call
    double friction = -1;     ///< 0..1; -1 when not reported
    QString band;             ///< "none" ... "blocked"; empty when not reported
    double cost = 0;
    double retryAfterSeconds = -1; ///< blocked calls only; -1 when not reported
    QString text;                  ///< the first text content (the reason of a refusal)
    QJsonObject structured;        ///< structuredContent, if any
};

/// The `_meta` member that carries the friction outcome of a tools/call.
[[nodiscard]] QString frictionMetaKey();

/// Classifies a tools/call `result` object.
[[nodiscard]] ToolAnswer readToolAnswer(const QJsonObject &result);

} // namespace Traffic
