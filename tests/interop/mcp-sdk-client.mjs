// A real third-party MCP client against `mcpauth serve`: the official MCP TypeScript SDK
// (@modelcontextprotocol/sdk, pinned in package-lock.json) connects to the protected MCP
// endpoint and does the whole authorization on its own machinery — discovery from the 401,
// Protected Resource Metadata (RFC 9728), authorization server metadata (RFC 8414), dynamic
// client registration (RFC 7591), the authorization code grant with PKCE S256 and a resource
// indicator (RFC 8707), the code exchange and later a refresh. This script only plays the
// user's browser (login and consent forms of the authorization server, headlessly) and checks
// what went over the wire.
//
//   node mcp-sdk-client.mjs --mcp <mcp_resource> --issuer <issuer> --username <user>
//       [--require-friction-meta]
//   (the user's password comes from the environment variable MCPAUTH_INTEROP_PASSWORD)
//
// Prints one line per step, "PASS <step>: <detail>" or "FAIL <step>: <detail>", and exits 1
// on the first failure (later steps depend on earlier ones), 2 on bad usage.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const FRICTION_META = 'studio.mcpauth/friction';
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const MAX_BURST = 60;

let options;
try {
    ({ values: options } = parseArgs({
        options: {
            mcp: { type: 'string' },
            issuer: { type: 'string' },
            username: { type: 'string' },
            'require-friction-meta': { type: 'boolean', default: false },
        },
        strict: true,
    }));
} catch (error) {
    console.error(`mcp-sdk-client.mjs: ${error.message}`);
    process.exit(2);
}
const password = process.env.MCPAUTH_INTEROP_PASSWORD ?? '';
if (!options.mcp || !options.issuer || !options.username || !password) {
    console.error('usage: MCPAUTH_INTEROP_PASSWORD=... node mcp-sdk-client.mjs --mcp <url> ' +
        '--issuer <url> --username <name> [--require-friction-meta]');
    process.exit(2);
}
if (!URL.canParse(options.mcp) || !URL.canParse(options.issuer)) {
    console.error('mcp-sdk-client.mjs: --mcp and --issuer must be absolute URLs');
    process.exit(2);
}
const mcpUrl = new URL(options.mcp);

class StepFailed extends Error {}

function pass(step, detail) {
    console.log(`PASS ${step}: ${detail}`);
}

function fail(step, detail) {
    console.log(`FAIL ${step}: ${detail}`);
    throw new StepFailed(detail);
}

function check(step, condition, detail) {
    if (!condition)
        fail(step, detail);
}

/// Secrets (tokens, codes) are never printed whole.
function mask(secret) {
    if (typeof secret !== 'string' || secret.length === 0)
        return '(none)';
    return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}

// --- What the SDK sends and receives: every request its transport and auth() make ------

const exchanges = [];

function bodyText(body) {
    if (body === undefined || body === null)
        return '';
    if (typeof body === 'string')
        return body;
    if (body instanceof URLSearchParams)
        return body.toString();
    return '';
}

async function recordingFetch(input, init) {
    const request = input instanceof Request ? input : undefined;
    const entry = {
        method: (init?.method ?? request?.method ?? 'GET').toUpperCase(),
        url: String(request ? request.url : input),
        body: bodyText(init?.body),
    };
    const response = await fetch(input, init);
    entry.status = response.status;
    entry.wwwAuthenticate = response.headers.get('www-authenticate') ?? '';
    exchanges.push(entry);
    return response;
}

function exchangesSince(mark, predicate) {
    return exchanges.slice(mark).filter(predicate);
}

function formOf(entry) {
    return new URLSearchParams(entry.body);
}

// --- The user's browser: login and consent forms, headlessly ------------------------------

const HTML_ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", '#47': '/' };

function unescapeHtml(text) {
    return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name) => {
        if (HTML_ENTITIES[name.toLowerCase()] !== undefined)
            return HTML_ENTITIES[name.toLowerCase()];
        if (name[0] === '#')
            return String.fromCodePoint(name[1] === 'x' || name[1] === 'X'
                ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10));
        return whole;
    });
}

function attribute(tag, name) {
    const match = tag.match(new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i'));
    return match ? unescapeHtml(match[1]) : undefined;
}

/// The first POST form of a page: its absolute action URL and its hidden fields.
function parseForm(html, pageUrl) {
    const form = html.match(/<form\b[^>]*>([\s\S]*?)<\/form>/i);
    if (!form)
        return undefined;
    const openTag = form[0].slice(0, form[0].indexOf('>') + 1);
    if ((attribute(openTag, 'method') ?? 'get').toLowerCase() !== 'post')
        return undefined;
    const hidden = {};
    for (const [input] of form[1].matchAll(/<input\b[^>]*>/gi)) {
        if ((attribute(input, 'type') ?? '').toLowerCase() === 'hidden')
            hidden[attribute(input, 'name')] = attribute(input, 'value') ?? '';
    }
    const buttons = [...form[1].matchAll(/<button\b[^>]*>/gi)].map(([tag]) => ({
        name: attribute(tag, 'name'), value: attribute(tag, 'value'),
    }));
    return { action: new URL(attribute(openTag, 'action') ?? pageUrl, pageUrl), hidden, buttons };
}

/// A cookie jar for one origin (the authorization server's), enough for its session cookie.
class Browser {
    constructor() {
        this.cookies = new Map();
    }

    async request(url, init = {}) {
        const headers = new Headers(init.headers);
        if (this.cookies.size > 0)
            headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
        const response = await fetch(url, { ...init, headers, redirect: 'manual' });
        for (const line of response.headers.getSetCookie()) {
            const [pair] = line.split(';');
            const eq = pair.indexOf('=');
            if (eq > 0)
                this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        return { response, text: await response.text() };
    }

    post(url, fields) {
        return this.request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(fields).toString(),
        });
    }
}

/// What a page says, for a failure message: its error paragraph, else its title.
function pageSummary(html) {
    const pick = (re) => html.match(re)?.[1].replace(/<[^>]*>/g, '').trim();
    const text = pick(/<p class="error"[^>]*>([\s\S]*?)<\/p>/i) ?? pick(/<title>([\s\S]*?)<\/title>/i) ??
        html.slice(0, 200);
    return unescapeHtml(text.replace(/\s+/g, ' '));
}

function locationOf(response, base) {
    const location = response.headers.get('location');
    return location ? new URL(location, base) : undefined;
}

/// Logs in and approves the consent page; returns the redirect back to the client.
async function signInAndApprove(authorizationUrl) {
    const step = 'browser';
    const browser = new Browser();
    const login = await browser.request(authorizationUrl);
    check(step, login.response.status === 200,
        `GET authorization URL answered ${login.response.status}, expected the login page ` +
        `(200): ${pageSummary(login.text)}`);
    const loginForm = parseForm(login.text, authorizationUrl);
    check(step, loginForm && loginForm.hidden.csrf_token && loginForm.hidden.request,
        'the login page has no POST form with csrf_token and request');
    const signedIn = await browser.post(loginForm.action, {
        ...loginForm.hidden, username: options.username, password,
    });
    const consentUrl = locationOf(signedIn.response, loginForm.action);
    check(step, signedIn.response.status === 303 && consentUrl,
        `login POST answered ${signedIn.response.status}, expected a 303 to the consent page: ` +
        pageSummary(signedIn.text));
    const consent = await browser.request(consentUrl);
    check(step, consent.response.status === 200,
        `GET ${consentUrl.pathname} answered ${consent.response.status}, expected 200: ` +
        pageSummary(consent.text));
    check(step, unescapeHtml(consent.text).includes(mcpUrl.href),
        `the consent page does not name the requested resource ${mcpUrl.href}`);
    const consentForm = parseForm(consent.text, consentUrl);
    check(step, consentForm && consentForm.hidden.csrf_token && consentForm.hidden.request,
        'the consent page has no POST form with csrf_token and request');
    const approve = consentForm.buttons.find((b) => b.value === 'approve');
    check(step, approve && approve.name, 'the consent form has no approve button');
    const decided = await browser.post(consentForm.action, {
        ...consentForm.hidden, [approve.name]: approve.value,
    });
    const back = locationOf(decided.response, consentForm.action);
    check(step, decided.response.status === 303 && back,
        `consent POST answered ${decided.response.status}, expected a 303 to the client: ` +
        pageSummary(decided.text));
    pass(step, `signed in as ${options.username} (${loginForm.action.pathname}), approved ` +
        `(${consentForm.action.pathname}), redirected to ${back.origin}${back.pathname}`);
    return back;
}

// --- The OAuthClientProvider: in-memory storage, the browser above as the user agent -----

class InteropProvider {
    constructor() {
        this.saved = { client: undefined, tokens: undefined, verifier: undefined };
        this.savedTokens = [];
        this.discovery = undefined;
        this.authorizationUrl = undefined;
        this.callback = undefined;
        this.expectedState = undefined;
        this.staleAccessToken = undefined; // set: tokens() presents it instead of the real one
    }

    get redirectUrl() {
        return REDIRECT_URI;
    }

    get clientMetadata() {
        return {
            client_name: 'MCP TypeScript SDK interop client',
            redirect_uris: [REDIRECT_URI],
            grant_types: ['authorization_code', 'refresh_token'],
            response_types: ['code'],
            token_endpoint_auth_method: 'none',
        };
    }

    state() {
        this.expectedState = randomBytes(16).toString('base64url');
        return this.expectedState;
    }

    clientInformation() {
        return this.saved.client;
    }

    saveClientInformation(information) {
        this.saved.client = information;
    }

    tokens() {
        if (this.saved.tokens && this.staleAccessToken)
            return { ...this.saved.tokens, access_token: this.staleAccessToken };
        return this.saved.tokens;
    }

    saveTokens(tokens) {
        this.saved.tokens = tokens;
        this.savedTokens.push(tokens);
        this.staleAccessToken = undefined;
    }

    saveCodeVerifier(verifier) {
        this.saved.verifier = verifier;
    }

    codeVerifier() {
        if (!this.saved.verifier)
            throw new Error('no PKCE code verifier was saved');
        return this.saved.verifier;
    }

    saveDiscoveryState(state) {
        this.discovery = state;
    }

    discoveryState() {
        return this.discovery;
    }

    async redirectToAuthorization(authorizationUrl) {
        this.authorizationUrl = new URL(authorizationUrl);
        this.callback = await signInAndApprove(this.authorizationUrl);
    }
}

// --- Steps ----------------------------------------------------------------------------

function toolText(result) {
    return (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

function toolJson(step, result) {
    check(step, !result.isError, `the tool answered an error: ${toolText(result).slice(0, 300)}`);
    try {
        return JSON.parse(toolText(result));
    } catch {
        return fail(step, `the tool's text content is not JSON: ${toolText(result).slice(0, 200)}`);
    }
}

function newTransport(provider) {
    return new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider, fetch: recordingFetch });
}

function newClient() {
    return new Client({ name: 'mcpauth-interop-sdk-client', version: '1.0.0' }, { capabilities: {} });
}

async function authorize(provider) {
    let step = 'connect-unauthorized';
    const firstTransport = newTransport(provider);
    try {
        await newClient().connect(firstTransport);
        fail(step, 'client.connect() succeeded without a token; expected UnauthorizedError');
    } catch (error) {
        if (error instanceof StepFailed)
            throw error;
        check(step, error instanceof UnauthorizedError,
            `client.connect() threw ${error?.name}: ${error?.message}, expected UnauthorizedError`);
    }
    const challenge = exchanges.find((e) => e.url === mcpUrl.href && e.status === 401);
    check(step, challenge, 'the SDK never saw a 401 from the MCP endpoint');
    const metadataUrl = challenge.wwwAuthenticate.match(/resource_metadata="([^"]+)"/)?.[1];
    check(step, /^Bearer\b/i.test(challenge.wwwAuthenticate) && metadataUrl,
        `the 401's WWW-Authenticate names no resource_metadata: ${challenge.wwwAuthenticate}`);
    pass(step, `UnauthorizedError; 401 WWW-Authenticate resource_metadata=${metadataUrl}`);

    step = 'protected-resource-metadata';
    const prmFetch = exchanges.find((e) => e.url === metadataUrl && e.method === 'GET');
    check(step, prmFetch && prmFetch.status === 200,
        `the SDK did not GET ${metadataUrl} with a 200 (got ${prmFetch?.status ?? 'no request'})`);
    const prm = provider.discovery?.resourceMetadata;
    check(step, prm, 'the SDK saved no resource metadata in its discovery state');
    check(step, prm.resource === mcpUrl.href,
        `PRM resource is ${prm.resource}, expected the MCP URL ${mcpUrl.href}`);
    check(step, (prm.authorization_servers ?? []).includes(options.issuer),
        `PRM authorization_servers ${JSON.stringify(prm.authorization_servers)} lack ${options.issuer}`);
    pass(step, `resource=${prm.resource}, authorization_servers=${JSON.stringify(prm.authorization_servers)}`);

    step = 'authorization-server-metadata';
    const asm = provider.discovery?.authorizationServerMetadata;
    check(step, asm, 'the SDK saved no authorization server metadata');
    check(step, asm.issuer === options.issuer,
        `metadata issuer is ${asm.issuer}, expected ${options.issuer}`);
    check(step, (asm.code_challenge_methods_supported ?? []).includes('S256'),
        'code_challenge_methods_supported lacks S256');
    check(step, asm.registration_endpoint, 'the metadata has no registration_endpoint');
    pass(step, `issuer=${asm.issuer}, from ${provider.discovery.authorizationServerUrl}`);

    step = 'dynamic-client-registration';
    const registration = exchanges.find((e) => e.url === asm.registration_endpoint && e.method === 'POST');
    check(step, registration && registration.status === 201,
        `no registration POST answered 201 (got ${registration?.status ?? 'no request'})`);
    check(step, provider.saved.client?.client_id,
        'saveClientInformation() was never called with a client_id');
    check(step, (provider.saved.client.redirect_uris ?? []).includes(REDIRECT_URI),
        `the registered redirect_uris ${JSON.stringify(provider.saved.client.redirect_uris)} lack ${REDIRECT_URI}`);
    pass(step, `client_id=${provider.saved.client.client_id}, ` +
        `token_endpoint_auth_method=${provider.saved.client.token_endpoint_auth_method}`);

    step = 'authorization-request';
    const request = provider.authorizationUrl;
    check(step, request, 'redirectToAuthorization() was never called');
    const q = request.searchParams;
    check(step, `${request.origin}${request.pathname}` === asm.authorization_endpoint,
        `the authorization URL ${request.origin}${request.pathname} is not ${asm.authorization_endpoint}`);
    check(step, q.get('response_type') === 'code', `response_type=${q.get('response_type')}`);
    check(step, q.get('client_id') === provider.saved.client.client_id, 'client_id is not the registered one');
    check(step, q.get('code_challenge_method') === 'S256',
        `code_challenge_method=${q.get('code_challenge_method')}, expected S256`);
    check(step, /^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? ''),
        `code_challenge ${q.get('code_challenge')} is not a base64url SHA-256`);
    check(step, q.get('resource') === mcpUrl.href, `resource=${q.get('resource')}, expected ${mcpUrl.href}`);
    check(step, q.get('redirect_uri') === REDIRECT_URI, `redirect_uri=${q.get('redirect_uri')}`);
    check(step, q.get('state') && q.get('state') === provider.expectedState, 'state is not the provider\'s');
    pass(step, `PKCE S256, resource=${q.get('resource')}, scope=${q.get('scope') ?? '(none)'}`);

    step = 'authorization-response';
    const back = provider.callback;
    const params = back.searchParams;
    check(step, `${back.origin}${back.pathname}` === REDIRECT_URI,
        `redirected to ${back.origin}${back.pathname}, expected ${REDIRECT_URI}`);
    check(step, !params.has('error'),
        `error=${params.get('error')}: ${params.get('error_description')}`);
    check(step, params.getAll('code').length === 1 && params.get('code'), 'not exactly one code');
    check(step, params.getAll('state').length === 1 && params.get('state') === provider.expectedState,
        'state does not match the request\'s');
    check(step, params.get('iss') === asm.issuer,
        `iss=${params.get('iss')}, expected the issuer ${asm.issuer} (RFC 9207)`);
    pass(step, `code ${mask(params.get('code'))}, state matches, iss=${params.get('iss')}`);

    step = 'token-exchange';
    const mark = exchanges.length;
    await firstTransport.finishAuth(params.get('code'));
    const tokenRequest = exchangesSince(mark, (e) => e.url === asm.token_endpoint && e.method === 'POST');
    check(step, tokenRequest.length === 1 && tokenRequest[0].status === 200,
        `expected one token request answered 200, saw ${JSON.stringify(tokenRequest.map((e) => e.status))}`);
    const form = formOf(tokenRequest[0]);
    check(step, form.get('grant_type') === 'authorization_code', `grant_type=${form.get('grant_type')}`);
    check(step, form.get('code_verifier') === provider.saved.verifier, 'code_verifier is not the saved one');
    check(step, form.get('resource') === mcpUrl.href, `token request resource=${form.get('resource')}`);
    const tokens = provider.saved.tokens;
    check(step, tokens?.access_token && /^bearer$/i.test(tokens.token_type ?? ''),
        'saveTokens() got no bearer access token');
    check(step, tokens.refresh_token, 'saveTokens() got no refresh token');
    pass(step, `access token ${mask(tokens.access_token)}, refresh token ${mask(tokens.refresh_token)}, ` +
        `scope=${tokens.scope ?? '(none)'}, expires_in=${tokens.expires_in}`);
}

async function useTools(client) {
    let step = 'tools/list';
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const name of ['echo', 'create_task', 'list_tasks', 'delete_task'])
        check(step, names.includes(name), `tools/list lacks ${name}: ${names.join(', ')}`);
    pass(step, names.join(', '));

    step = 'tools/call create_task';
    const created = toolJson(step, await client.callTool({
        name: 'create_task', arguments: { title: 'written by the MCP TypeScript SDK' },
    }));
    check(step, created.task?.id !== undefined, `no task id in ${JSON.stringify(created)}`);
    pass(step, `task ${created.task.id}`);

    step = 'tools/call list_tasks';
    const listed = toolJson(step, await client.callTool({ name: 'list_tasks', arguments: {} }));
    check(step, (listed.tasks ?? []).some((t) => t.id === created.task.id),
        `list_tasks does not show task ${created.task.id}`);
    pass(step, `${listed.tasks.length} task(s), including ${created.task.id}`);

    step = 'tools/call echo';
    const text = `hello from the SDK ${randomBytes(4).toString('hex')}`;
    const echoed = await client.callTool({ name: 'echo', arguments: { text } });
    check(step, !echoed.isError && toolText(echoed).includes(text),
        `echo answered ${toolText(echoed).slice(0, 200)}`);
    pass(step, `"${text}"`);
}

async function refresh(provider, client) {
    const step = 'refresh';
    const asm = provider.discovery.authorizationServerMetadata;
    const before = provider.saved.tokens;
    const saves = provider.savedTokens.length;
    provider.staleAccessToken = `invalid-${randomBytes(24).toString('base64url')}`;
    const mark = exchanges.length;
    const text = 'after the refresh';
    const echoed = await client.callTool({ name: 'echo', arguments: { text } });
    check(step, !echoed.isError && toolText(echoed).includes(text),
        `the call after the refresh answered ${toolText(echoed).slice(0, 200)}`);
    const seen = exchanges.slice(mark);
    check(step, seen.some((e) => e.url === mcpUrl.href && e.status === 401 &&
        /invalid_token/.test(e.wwwAuthenticate)),
    'the invalid access token was not answered 401 invalid_token');
    const refreshes = seen.filter((e) => e.url === asm.token_endpoint && e.method === 'POST');
    check(step, refreshes.length === 1 && refreshes[0].status === 200,
        `expected one token request answered 200, saw ${JSON.stringify(refreshes.map((e) => e.status))}`);
    const form = formOf(refreshes[0]);
    check(step, form.get('grant_type') === 'refresh_token', `grant_type=${form.get('grant_type')}`);
    check(step, form.get('refresh_token') === before.refresh_token, 'the SDK sent another refresh token');
    check(step, form.get('resource') === mcpUrl.href, `refresh request resource=${form.get('resource')}`);
    check(step, provider.savedTokens.length === saves + 1, 'saveTokens() was not called once');
    const after = provider.saved.tokens;
    check(step, after.access_token && after.access_token !== before.access_token,
        'no new access token was saved');
    check(step, after.refresh_token && after.refresh_token !== before.refresh_token,
        'the refresh token was not rotated');
    pass(step, `401 invalid_token -> refresh_token grant -> new access token ${mask(after.access_token)}, ` +
        `rotated refresh token ${mask(after.refresh_token)}, call retried`);
}

/// The friction outcome our server puts in a tool result's _meta, checked when present (and
/// required with --require-friction-meta).
function frictionOutcome(step, result, expected) {
    const meta = result._meta?.[FRICTION_META];
    if (meta === undefined && !options['require-friction-meta'])
        return undefined;
    check(step, expected.includes(meta?.outcome),
        `_meta["${FRICTION_META}"] is ${JSON.stringify(meta)}, expected outcome ${expected.join(' or ')}`);
    return meta.outcome;
}

async function frictionBurst(client) {
    const step = 'friction';
    const outcomes = {};
    let deleted = 0;
    for (let i = 1; i <= MAX_BURST; ++i) {
        const created = toolJson(step, await client.callTool({
            name: 'create_task', arguments: { title: `burst ${i}` },
        }));
        // A justification so that calls in the "high" band go through and friction keeps rising.
        const result = await client.callTool({
            name: 'delete_task',
            arguments: { id: created.task.id },
            _meta: { justification: 'interop test: a deliberate burst of deletes' },
        });
        const text = toolText(result);
        if (!result.isError) {
            const outcome = frictionOutcome(step, result, ['allowed', 'justified']);
            if (outcome)
                outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            ++deleted;
            continue;
        }
        check(step, /blocked/i.test(text) && text.includes('delete_task'),
            `delete_task call ${i} failed without a block: ${text.slice(0, 300)}`);
        check(step, deleted > 0, 'the very first delete_task was blocked');
        const blocked = frictionOutcome(step, result, ['blocked']);
        // Friction rises through the high band (justification needed) before the block.
        if (blocked)
            check(step, outcomes.justified > 0,
                `no delete_task went through with a justification before the block: ${JSON.stringify(outcomes)}`);
        const metaNote = blocked ? `, _meta outcomes before: ${JSON.stringify(outcomes)}, then ${blocked}` : '';
        pass(step, `${deleted} delete_task call(s) allowed, call ${i} blocked: isError, ` +
            `"${text.slice(0, 120)}"${metaNote}`);
        return;
    }
    fail(step, `no block after ${MAX_BURST} delete_task calls`);
}

async function main() {
    const provider = new InteropProvider();
    await authorize(provider);

    const step = 'connect';
    const transport = newTransport(provider);
    const client = newClient();
    await client.connect(transport);
    const server = client.getServerVersion();
    pass(step, `initialized with ${server?.name} ${server?.version}, ` +
        `session ${transport.sessionId ? 'assigned' : 'none'}`);

    await useTools(client);
    await refresh(provider, client);
    await frictionBurst(client);

    await client.close();
}

try {
    await main();
    console.log('mcp-sdk-client.mjs: all steps passed');
} catch (error) {
    if (!(error instanceof StepFailed))
        console.log(`FAIL unexpected: ${error?.stack ?? error}`);
    // The SDK's requests so far (URLs carry no secrets: codes and tokens travel in bodies).
    console.log('--- requests the SDK made ---');
    const lines = exchanges.map((e) =>
        `${e.method} ${e.url} -> ${e.status}${e.wwwAuthenticate ? ` (${e.wwwAuthenticate})` : ''}`);
    for (let i = 0; i < lines.length;) {
        let n = 1;
        while (lines[i + n] === lines[i])
            ++n;
        console.log(n > 1 ? `${lines[i]} (x${n})` : lines[i]);
        i += n;
    }
    process.exit(1);
}
