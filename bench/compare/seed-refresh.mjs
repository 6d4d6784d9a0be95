// Seeds the refresh workload of bench/compare-as.sh: obtains COUNT refresh tokens, each
// through its own real authorization code + PKCE (S256) flow, done headlessly:
//   - mcpauth serve runs with authorization_server.auto_approve, so /authorize answers at
//     once with a redirect carrying the code (as the demo user);
//   - oidc-provider goes through its development login and consent pages (devInteractions:
//     any login name), each flow with a fresh cookie jar, so each token starts its own
//     session and grant, as COUNT separate users would.
// Every code is exchanged at the token endpoint for an access token and a refresh token.
// Any step that does not answer as expected stops the script with a non-zero status.
//
// Usage: node seed-refresh.mjs AUTHORIZE_URL TOKEN_URL CLIENT_ID RESOURCE SCOPE COUNT
// Prints one refresh token per line.
import { createHash, randomBytes } from 'node:crypto';

const [authorizeUrl, tokenUrl, clientId, resource, scope, countText] = process.argv.slice(2);
const count = Number(countText);
if (!authorizeUrl || !tokenUrl || !clientId || !resource || !scope || !(count > 0)) {
  console.error('usage: seed-refresh.mjs AUTHORIZE_URL TOKEN_URL CLIENT_ID RESOURCE SCOPE COUNT');
  process.exit(2);
}
const redirectUri = 'http://127.0.0.1/callback';

function fail(message) {
  console.error(`seed-refresh: ${message}`);
  process.exit(1);
}

// One browser: a cookie jar over fetch without automatic redirects.
function browser() {
  const jar = new Map();
  return async (url, options = {}) => {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, {
      ...options,
      redirect: 'manual',
      headers: { ...(options.headers ?? {}), ...(cookie ? { cookie } : {}) },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      jar.set(pair.slice(0, at).trim(), pair.slice(at + 1));
    }
    return response;
  };
}

async function oneRefreshToken() {
  const go = browser();
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(8).toString('hex');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    resource,
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  let url = `${authorizeUrl}?${query}`;
  let response = await go(url);
  for (let step = 0; step < 12; step += 1) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      url = new URL(location, url).href;
      if (url.startsWith(redirectUri)) break;
      response = await go(url);
      continue;
    }
    const page = await response.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    if (response.status !== 200 || !prompt) {
      fail(`${url} answered ${response.status} without a redirect or an interaction form`);
    }
    const form = new URLSearchParams({ prompt, login: 'bench-user', password: 'bench' });
    response = await go(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
  }
  const back = new URL(url);
  if (!url.startsWith(redirectUri) || back.searchParams.get('state') !== state) {
    fail(`the authorization did not come back to the client (${back.origin}${back.pathname})`);
  }
  const code = back.searchParams.get('code');
  if (!code) fail(`the authorization failed: ${back.searchParams.get('error')}`);
  const token = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
      client_id: clientId,
      resource,
    }).toString(),
  });
  const body = await token.json();
  if (token.status !== 200 || !body.refresh_token) {
    fail(`the code exchange answered ${token.status} ${body.error ?? ''} ${body.error_description ?? ''} without a refresh token`);
  }
  return body.refresh_token;
}

// A few flows at a time: each is a handful of sequential round trips.
const tokens = [];
while (tokens.length < count) {
  const batch = Math.min(8, count - tokens.length);
  tokens.push(...(await Promise.all(Array.from({ length: batch }, oneRefreshToken))));
}
process.stdout.write(`${tokens.join('\n')}\n`);
