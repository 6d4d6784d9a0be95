#pragma once

// Small MCP servers over the demo tools with a hand-made, optionally lax, token verifier:
// what the server audit (Flow::ServerCheck) must catch, shared by its own tests and the
// Flows panel's GUI tests.

#include <memory>

#include <QString>
#include <QStringList>

#include "http/server.h"
#include "resource/mcpserver.h"

namespace Core {
class Engine;
}

namespace CheckTest {

/// How a LaxServer deviates from a correct resource server.
struct LaxServerOptions
{
    bool checkAudience = true; ///< false: accepts tokens issued for another resource
    bool acceptQuery = false;  ///< true: takes RFC 6750 §2.3 query-string tokens
    /// true: its Protected Resource Metadata names the engine's issuer; false: another AS.
    bool nameIssuer = true;
    /// When set, the authorization servers its metadata names instead (a test AS in front).
    QStringList authorizationServers;
    /// true: takes "Authorization: DPoP <token>" as a bearer token without checking the
    /// proof (stands in for a DPoP-aware server in walks).
    bool dpopAsBearer = false;
};

/// The server: its HTTP listener, the MCP handler and the MCP endpoint's URL. Owned by the
/// test; verifies JWTs with the engine's JWKS and issuer, revocation through its store.
struct LaxServer
{
    Http::Server http;
    std::unique_ptr<Resource::McpServer> mcp;
    QString url;
};

/// Starts a LaxServer on a loopback ephemeral port for tokens of `engine`'s authorization
/// server (which must be running); null when it cannot listen or read the JWKS.
[[nodiscard]] std::unique_ptr<LaxServer> startLaxServer(Core::Engine &engine,
                                                        const LaxServerOptions &options);

} // namespace CheckTest
