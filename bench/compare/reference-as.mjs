// The reference authorization server of bench/compare-as.sh: the npm package oidc-provider
// (9.x, the copy tests/interop/setup.sh installs from tests/interop/package-lock.json) on
// 127.0.0.1, configured as closely as possible to `mcpauth serve` in that benchmark:
//   - client_credentials, authorization code + PKCE (S256), refresh tokens rotated on every
//     use, introspection (RFC 7662), revocation (RFC 7009), resource indicators (RFC 8707);
//   - opaque access tokens for OPAQUE_RESOURCE, JWT access tokens signed with ES256 for
//     JWT_RESOURCE (RFC 9068 shape, oidc-provider's own);
//   - the lifetimes mcpauth gets in the same run (ACCESS_TTL, REFRESH_TTL, CODE_TTL);
//   - oidc-provider's own in-memory adapter (the LRU-backed one it ships), given a capacity
//     far above what a run issues instead of its default 1,000 entries, so no token the
//     benchmark still uses is ever evicted;
//   - its development login and consent pages (devInteractions) for the seeding script;
//   - no rate limiting (oidc-provider has none built in; mcpauth's are switched off).
//
// Clients (secrets in the ready line; loopback only, benchmark only):
//   bench-cc      confidential, client_secret_basic: client_credentials and introspection
//   bench-public  public (PKCE), authorization_code + refresh_token: the refresh workload
//
// Usage: node reference-as.mjs   (environment: NODE_MODULES = the folder holding
// oidc-provider; PORT (0 = any); OPAQUE_RESOURCE, JWT_RESOURCE; ACCESS_TTL, REFRESH_TTL,
// CODE_TTL in seconds). Prints one JSON line when ready: {"issuer", "client_secret"}; runs
// until SIGTERM/SIGINT.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// oidc-provider prints its development notices with console.*: keep stdout for the ready line.
for (const method of ['log', 'info', 'warn', 'debug']) console[method] = console.error;

const env = (name, fallback) => process.env[name] ?? fallback;
const nodeModules = env('NODE_MODULES');
if (!nodeModules) throw new Error('NODE_MODULES must name the folder holding oidc-provider');
const lib = (file) => pathToFileURL(path.join(nodeModules, 'oidc-provider', 'lib', file)).href;
const { default: Provider } = await import(lib('index.js'));
const { default: MemoryAdapter } = await import(lib('adapters/memory_adapter.js'));
const { default: LRU } = await import(lib('helpers/lru.js'));

const host = '127.0.0.1';
const opaqueResource = env('OPAQUE_RESOURCE', 'https://bench.example/opaque');
const jwtResource = env('JWT_RESOURCE', 'https://bench.example/jwt');
const accessTtl = Number(env('ACCESS_TTL', 3600));
const refreshTtl = Number(env('REFRESH_TTL', 86400));
const codeTtl = Number(env('CODE_TTL', 60));
const scopes = 'tasks:read tasks:write tasks:delete';
const clientSecret = `cc-${randomBytes(24).toString('base64url')}`;

// One store for every model, as the stock adapter does; the LRU keeps up to 2 x maxSize.
const storage = new LRU({ maxSize: 4_000_000 });
const adapter = (model) => new MemoryAdapter(model, storage);

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-1', use: 'sig', alg: 'ES256' };

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(env('PORT', 0)), host, resolve);
});
const issuer = `http://${host}:${server.address().port}`;

const provider = new Provider(issuer, {
  adapter,
  jwks: { keys: [signingKey] },
  clients: [
    {
      client_id: 'bench-cc',
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'bench-public',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'none',
    },
  ],
  scopes: ['openid', 'offline_access'],
  pkce: { required: () => true },
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  // mcpauth issues a refresh token to a client allowed the grant that asks for offline_access;
  // here every such client gets one (no OIDC offline_access/prompt=consent dance).
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => opaqueResource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, indicator) => {
        if (indicator !== opaqueResource && indicator !== jwtResource) {
          throw new Provider.errors.InvalidTarget(`unknown resource ${indicator}`);
        }
        const jwt = indicator === jwtResource;
        return {
          audience: indicator,
          scope: scopes,
          accessTokenTTL: accessTtl,
          accessTokenFormat: jwt ? 'jwt' : 'opaque',
          ...(jwt ? { jwt: { sign: { alg: 'ES256' } } } : {}),
        };
      },
    },
  },
  ttl: {
    AccessToken: accessTtl,
    ClientCredentials: accessTtl,
    AuthorizationCode: codeTtl,
    RefreshToken: refreshTtl,
    Interaction: 600,
    Session: 3600,
    Grant: refreshTtl,
  },
});
provider.proxy = false;
server.on('request', provider.callback());

const stop = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.stdout.write(`${JSON.stringify({ issuer, client_secret: clientSecret })}\n`);
