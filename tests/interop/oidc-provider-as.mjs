// A real third-party authorization server for the flow walker's interop test: the npm
// package oidc-provider (9.x, pinned in package-lock.json) on 127.0.0.1, plus a small MCP
// resource server in the same process that it protects.
//
// Most walks of run-oidc-provider.sh go to our own resource server (`mcpauth serve`
// trusting this issuer through resource_server.trusted_issuers, by introspection or by
// JWT access tokens and this server's JWKS). Their canonical URIs are given with
// --resource URL=opaque|jwt, and the access tokens issued for each are of that format.
//
// The Node resource server stays for what ours cannot do: DPoP. Our AS and RS do not
// support DPoP, so the DPoP-bound tokens with RS nonces (RFC 9449 §7, §8) are checked here:
// it introspects every token at oidc-provider (RFC 7662, as the confidential client
// "mcp-resource-server") and checks the DPoP proof of DPoP-bound tokens with its own nonces.
//
// oidc-provider is configured with: PKCE required (S256 only), refresh tokens (rotated for
// public clients whose tokens are not sender-constrained: oidc-provider's default policy),
// client credentials, the device authorization grant, introspection, revocation, dynamic
// registration, resource indicators (each MCP server's canonical URI, scopes tasks:read
// tasks:write tasks:delete; opaque access tokens, or RFC 9068 JWTs signed ES256 for a
// --resource given as jwt), DPoP with server nonces, and its development login and consent
// pages (devInteractions: any login name and password).
//
// Pre-registered clients (secrets printed in the ready line, loopback only, test only):
//   mcp-confidential      client_credentials + refresh_token, client_secret_basic
//   mcp-no-client-creds   authorization_code only (the negative case: no client_credentials)
//   mcp-resource-server   the resource servers' introspection credential
//
// Usage: node oidc-provider-as.mjs [--resource URL=opaque|jwt]...
// Prints one JSON line when ready: {"issuer", "mcp_url", "clients": {...}}; runs until
// SIGTERM/SIGINT.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

import * as jose from 'jose';
import Provider from 'oidc-provider';

// oidc-provider prints its development notices with console.*: keep stdout for the ready line.
for (const method of ['log', 'info', 'warn', 'debug']) console[method] = console.error;

const host = '127.0.0.1';
const scopes = ['tasks:read', 'tasks:write', 'tasks:delete'];
const secret = (name) => `${name}-${randomBytes(24).toString('base64url')}`;
const confidentialSecret = secret('cc');
const noCcSecret = secret('nocc');
const rsSecret = secret('rs');

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server.address().port));
  });
}

// Both ports first: the issuer and the resource URI name each other.
const asServer = http.createServer();
const rsServer = http.createServer();
const asPort = await listen(asServer);
const rsPort = await listen(rsServer);
const issuer = `http://${host}:${asPort}`;
const resource = `http://${host}:${rsPort}/mcp`;
const prmUrl = `http://${host}:${rsPort}/.well-known/oauth-protected-resource/mcp`;

// Canonical URI -> access token format ("opaque" or "jwt").
const resources = new Map([[resource, 'opaque']]);
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const match = args[i] === '--resource' ? /^(.+)=(opaque|jwt)$/.exec(args[i + 1] ?? '') : null;
  if (!match) {
    console.error(`usage: node oidc-provider-as.mjs [--resource URL=opaque|jwt]... (got ${args[i]})`);
    process.exit(2);
  }
  resources.set(match[1], match[2]);
}

const { privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
const signingKey = { ...(await jose.exportJWK(privateKey)), kid: 'as-1', use: 'sig', alg: 'ES256' };

const provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  clients: [
    {
      client_id: 'mcp-confidential',
      client_secret: confidentialSecret,
      grant_types: ['client_credentials', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'mcp-no-client-creds',
      client_secret: noCcSecret,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'mcp-resource-server',
      client_secret: rsSecret,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  scopes: ['openid', 'offline_access'],
  pkce: { required: () => true },
  clientDefaults: {
    grant_types: ['authorization_code', 'refresh_token'],
    id_token_signed_response_alg: 'ES256',
  },
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: { enabled: true, allowedPolicy: async () => true },
    revocation: { enabled: true },
    registration: { enabled: true },
    dPoP: {
      enabled: true,
      nonceSecret: randomBytes(32),
      requireNonce: () => true,
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx, indicator) => {
        const format = resources.get(indicator);
        if (!format) {
          throw new Provider.errors.InvalidTarget(`unknown resource ${indicator}`);
        }
        return {
          audience: indicator,
          scope: scopes.join(' '),
          accessTokenFormat: format,
          accessTokenTTL: 600,
          ...(format === 'jwt' ? { jwt: { sign: { alg: 'ES256' } } } : {}),
        };
      },
    },
  },
  ttl: {
    DeviceCode: 120,
    AccessToken: 600,
    ClientCredentials: 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
    RefreshToken: 3600,
  },
});
provider.proxy = false;
asServer.on('request', provider.callback());

// --- the MCP resource server ------------------------------------------------------------

const tools = [
  { name: 'echo', description: 'Echoes its text.', scope: 'tasks:read' },
  { name: 'list_tasks', description: 'Lists tasks.', scope: 'tasks:read' },
  { name: 'delete_task', description: 'Deletes a task.', scope: 'tasks:delete' },
];
const rsNonces = new Map(); // nonce -> expiry (ms)
const seenJti = new Map();
const sessions = new Set();

function newNonce() {
  const nonce = randomBytes(16).toString('base64url');
  rsNonces.set(nonce, Date.now() + 60_000);
  return nonce;
}

function challenge(res, status, error, description, { dpop = false, nonce = false } = {}) {
  const bearer = [`resource_metadata="${prmUrl}"`, `scope="${scopes.join(' ')}"`];
  const dpopParams = ['algs="ES256 RS256 PS256 EdDSA"'];
  if (error) {
    const params = [`error="${error}"`, `error_description="${description}"`];
    (dpop ? dpopParams : bearer).push(...params);
  }
  const headers = {
    'WWW-Authenticate': `Bearer ${bearer.join(', ')}, DPoP ${dpopParams.join(', ')}`,
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
  };
  if (nonce) headers['DPoP-Nonce'] = newNonce();
  res.writeHead(status, headers);
  res.end(JSON.stringify({ error: error ?? 'invalid_token', error_description: description }));
}

async function introspect(token) {
  const response = await fetch(`${issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`mcp-resource-server:${rsSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token }).toString(),
  });
  return response.json();
}

// RFC 9449 §4.3 and §7.1: the proof's signature, typ, htm, htu, iat, jti, ath, nonce and the
// key's thumbprint against the token's cnf.jkt. Returns an error message or null.
async function checkProof(req, proof, token, jkt) {
  if (!proof) return ['invalid_token', 'a DPoP-bound token needs a DPoP proof'];
  let verified;
  try {
    verified = await jose.jwtVerify(proof, jose.EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    });
  } catch (e) {
    return ['invalid_dpop_proof', `the DPoP proof does not verify: ${e.message}`];
  }
  const { payload, protectedHeader } = verified;
  if (payload.htm !== req.method) return ['invalid_dpop_proof', 'htm differs'];
  if (payload.htu !== resource) return ['invalid_dpop_proof', `htu differs from ${resource}`];
  if (typeof payload.iat !== 'number' || Math.abs(Date.now() / 1000 - payload.iat) > 60) {
    return ['invalid_dpop_proof', 'iat is not recent'];
  }
  if (typeof payload.jti !== 'string' || seenJti.has(payload.jti)) {
    return ['invalid_dpop_proof', 'jti missing or replayed'];
  }
  seenJti.set(payload.jti, Date.now());
  const ath = createHash('sha256').update(token).digest('base64url');
  if (payload.ath !== ath) return ['invalid_dpop_proof', 'ath does not match the token'];
  if (await jose.calculateJwkThumbprint(protectedHeader.jwk) !== jkt) {
    return ['invalid_token', 'the proof key is not the key the token is bound to'];
  }
  if (!payload.nonce || !rsNonces.has(payload.nonce) || rsNonces.get(payload.nonce) < Date.now()) {
    return ['use_dpop_nonce', 'the resource server requires a DPoP nonce'];
  }
  return null;
}

async function authorize(req, res) {
  const header = req.headers.authorization ?? '';
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(header);
  if (!match) {
    challenge(res, 401, header ? 'invalid_request' : undefined, 'a token is required');
    return null;
  }
  const scheme = match[1].toLowerCase();
  const token = match[2];
  const info = await introspect(token);
  const audiences = [info.aud ?? []].flat();
  if (!info.active || !audiences.includes(resource)) {
    challenge(res, 401, 'invalid_token', 'the token is not active for this resource');
    return null;
  }
  const jkt = info.cnf?.jkt;
  if (jkt && scheme !== 'dpop') {
    challenge(res, 401, 'invalid_token', 'a DPoP-bound token must be sent with the DPoP scheme', { dpop: true });
    return null;
  }
  if (jkt) {
    const problem = await checkProof(req, req.headers.dpop, token, jkt);
    if (problem) {
      challenge(res, 401, problem[0], problem[1], { dpop: true, nonce: problem[0] === 'use_dpop_nonce' });
      return null;
    }
    res.setHeader('DPoP-Nonce', newNonce());
  }
  return { scopes: new Set((info.scope ?? '').split(' ').filter(Boolean)) };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 1 << 20) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function mcp(req, res) {
  const auth = await authorize(req, res);
  if (!auth) return;
  let message;
  try {
    message = JSON.parse(await readBody(req));
  } catch {
    return json(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
  }
  const reply = (result) => json(res, 200, { jsonrpc: '2.0', id: message.id, result });
  switch (message.method) {
    case 'initialize': {
      const session = randomBytes(16).toString('hex');
      sessions.add(session);
      return json(res, 200, {
        jsonrpc: '2.0',
        id: message.id,
        result: {
          protocolVersion: message.params?.protocolVersion ?? '2025-11-25',
          capabilities: { tools: {} },
          serverInfo: { name: 'oidc-provider-protected-mcp', version: '1.0.0' },
        },
      }, { 'Mcp-Session-Id': session });
    }
    case 'notifications/initialized':
      res.writeHead(202);
      return res.end();
    case 'tools/list':
      return reply({
        tools: tools.map(({ name, description }) => ({
          name, description, inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
        })),
      });
    case 'tools/call': {
      const tool = tools.find((t) => t.name === message.params?.name);
      if (!tool) return json(res, 200, { jsonrpc: '2.0', id: message.id, error: { code: -32602, message: 'unknown tool' } });
      if (!auth.scopes.has(tool.scope)) {
        res.writeHead(403, {
          'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${tool.scope}", resource_metadata="${prmUrl}"`,
        });
        return res.end();
      }
      const text = tool.name === 'echo' ? String(message.params?.arguments?.text ?? '') : '[]';
      return reply({ content: [{ type: 'text', text }], isError: false });
    }
    default:
      return json(res, 200, { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'method not found' } });
  }
}

rsServer.on('request', async (req, res) => {
  try {
    const { pathname } = new URL(req.url, resource);
    if (req.method === 'GET' && pathname === '/.well-known/oauth-protected-resource/mcp') {
      return json(res, 200, {
        resource,
        authorization_servers: [issuer],
        scopes_supported: scopes,
        bearer_methods_supported: ['header'],
        dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      });
    }
    if (pathname === '/mcp' && req.method === 'POST') return await mcp(req, res);
    json(res, 404, { error: 'not_found' });
  } catch (e) {
    json(res, 500, { error: 'server_error', error_description: e.message });
  }
});

const stop = () => {
  asServer.close();
  rsServer.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

process.stdout.write(`${JSON.stringify({
  issuer,
  mcp_url: resource,
  clients: {
    confidential: { client_id: 'mcp-confidential', client_secret: confidentialSecret },
    no_client_credentials: { client_id: 'mcp-no-client-creds', client_secret: noCcSecret },
    resource_server: { client_id: 'mcp-resource-server', client_secret: rsSecret },
  },
})}\n`);
