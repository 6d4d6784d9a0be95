#include "traffic/mcpwire.h"

namespace Traffic {

bool isStatelessProtocol(const QString &version)
{
    return version >= QLatin1String("2026-07-28");
}

void stampStatelessRequest(const QString &method, QJsonObject &params, Http::Headers &headers,
                           const QString &version, const QJsonObject &capabilities)
{
    QJsonObject meta = params.value(QStringLiteral("_meta")).toObject();
    meta.insert(QStringLiteral("io.modelcontextprotocol/protocolVersion"), version);
    meta.insert(QStringLiteral("io.modelcontextprotocol/clientCapabilities"), capabilities);
    params.insert(QStringLiteral("_meta"), meta);
    headers.set(QByteArrayLiteral("MCP-Protocol-Version"), version.toUtf8());
    headers.set(QByteArrayLiteral("Mcp-Method"), method.toUtf8());
    QString name;
    if (method == QLatin1String("tools/call") || method == QLatin1String("prompts/get"))
        name = params.value(QStringLiteral("name")).toString();
    else if (method == QLatin1String("resources/read"))
        name = params.value(QStringLiteral("uri")).toString();
    if (!name.isEmpty())
        headers.set(QByteArrayLiteral("Mcp-Name"), name.toUtf8());
}

} // namespace Traffic
