// libFuzzer target: client metadata documents as the AS receives them — a dynamic client
// registration request (RFC 7591) and a Client ID Metadata Document — through the strict
// JSON parser and ClientMetadata::parse (core/authserver/clientmetadata.h). Checks that an
// accepted document yields a client whose redirect URIs are absolute URLs without
// fragments, whose metadata document carries no shared secret method, and whose RFC 7591
// description is a JSON object without a secret.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include "authserver/clientmetadata.h"
#include "authserver/config.h"
#include "fuzzsupport.h"
#include "http/body.h"
#include "store/clientrepository.h"

using FuzzSupport::require;

namespace {

void checkClient(const Store::Client &client, Auth::ClientMetadata::Origin origin)
{
    for (const QString &uri : client.redirectUris) {
        const QUrl url(uri, QUrl::StrictMode);
        require(url.isValid() && !url.scheme().isEmpty() && !url.hasFragment());
    }
    if (origin == Auth::ClientMetadata::Origin::MetadataDocument)
        require(!client.authMethod.startsWith(QLatin1String("client_secret")));
    const QJsonObject described = Auth::ClientMetadata::describe(client);
    require(!described.contains(QStringLiteral("client_secret")));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const Auth::Config config;
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    Http::JsonLimits limits;
    limits.maxBytes = 16 * 1024;
    limits.maxDepth = 8;
    const auto document = Http::parseJson(input, limits);
    if (!document)
        return 0;
    for (const auto origin : {Auth::ClientMetadata::Origin::Registration,
                              Auth::ClientMetadata::Origin::MetadataDocument}) {
        const auto client = Auth::ClientMetadata::parse(document->object(), origin, config);
        if (client)
            checkClient(*client, origin);
        else
            require(!client.error().message.isEmpty());
    }
    return 0;
}
