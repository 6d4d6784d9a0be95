// Runs the MCP conformance suite's authorization-server scenarios against a running
// authorization server, once per way a client can be known to it, and judges the result.
//
//   node as-conformance.mjs --issuer URL --results DIR [--resource URI] [--variants dcr,cimd]
//
// The suite's `authorization` command checks the metadata document, then starts a callback
// listener on 127.0.0.1:<port>/callback, prints the authorization URL and waits for a
// browser. This script plays the browser: it requests that URL (the server must run with
// auto_approve, so the answer is a redirect), checks the redirect goes to the callback and
// follows it. Client variants:
//   dcr   a public client registered here through the server's registration_endpoint
//   cimd  a Client ID Metadata Document served here on loopback (the server must run with
//         allow_loopback_cimd); the document must be fetched by the server
// Resource indicators (RFC 8707): the dcr run names none (the server's default resource
// applies); the cimd run names --resource when given.
// Exit status 0 only when every check of every variant is SUCCESS: a FAILURE, WARNING or
// SKIPPED check (the suite itself exits 0 on warnings), a missing scenario, or a suite that
// does not finish fails the run.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const suite = join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const expectedScenarios = ['authorization-server-metadata-endpoint', 'authorization-code-grant'];
const suiteTimeoutMs = 120_000;

const { values: args } = parseArgs({
    options: {
        issuer: { type: 'string' },
        resource: { type: 'string' },
        results: { type: 'string' },
        variants: { type: 'string', default: 'dcr,cimd' },
    },
});
if (!args.issuer || !args.results) {
    console.error('usage: as-conformance.mjs --issuer URL --results DIR ' +
                  '[--resource URI] [--variants dcr,cimd]');
    process.exit(2);
}

// The suite process of the run in progress, ended with this script on SIGTERM or SIGINT
// (its callback listener would otherwise wait five minutes).
let currentSuite = null;
for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
        currentSuite?.kill('SIGKILL');
        process.exit(1);
    });
}

function log(message) {
    console.log(`[as-conformance] ${message}`);
}

async function freePort() {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address();
    server.close();
    await once(server, 'close');
    return port;
}

async function fetchMetadata(issuer) {
    const url = new URL(issuer);
    const path = url.pathname.replace(/\/$/, '');
    const wellKnown = `${url.origin}/.well-known/oauth-authorization-server${path}`;
    const response = await fetch(wellKnown);
    if (response.status !== 200)
        throw new Error(`GET ${wellKnown} answered ${response.status}: no authorization ` +
                        'server metadata there (is the authorization server running?)');
    return response.json();
}

function clientMetadata(redirectUri, extra = {}) {
    return {
        client_name: 'MCP conformance suite',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        ...extra,
    };
}

async function registerClient(metadata, redirectUri) {
    if (!metadata.registration_endpoint)
        throw new Error('the metadata document has no registration_endpoint');
    const response = await fetch(metadata.registration_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(clientMetadata(redirectUri)),
    });
    const text = await response.text();
    if (response.status !== 201)
        throw new Error(`registration answered ${response.status}: ${text}`);
    const body = JSON.parse(text);
    if (typeof body.client_id !== 'string' || body.client_id === '')
        throw new Error(`registration answered without a client_id: ${text}`);
    return body.client_id;
}

/// Serves one Client ID Metadata Document on loopback and counts how often it is fetched.
async function startCimdServer(redirectUri) {
    const port = await freePort();
    const clientId = `http://127.0.0.1:${port}/conformance-client.json`;
    const document = JSON.stringify(clientMetadata(redirectUri, { client_id: clientId }));
    const state = { clientId, fetches: 0, server: null };
    state.server = createServer((request, response) => {
        if (request.method === 'GET' && request.url === '/conformance-client.json') {
            state.fetches += 1;
            response.writeHead(200, {
                'content-type': 'application/json',
                'cache-control': 'max-age=300',
            });
            response.end(document);
        } else {
            response.writeHead(404).end();
        }
    });
    state.server.listen(port, '127.0.0.1');
    await once(state.server, 'listening');
    return state;
}

/// Plays the user agent for one authorization request: the server (auto-approving) must
/// redirect to the suite's callback, which is then delivered.
async function authorizeLikeABrowser(authorizationUrl, callbackPrefix, callbackListening) {
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    const location = response.headers.get('location');
    if (![302, 303].includes(response.status) || !location) {
        const body = (await response.text()).replace(/\s+/g, ' ').slice(0, 300);
        throw new Error(`the authorization endpoint answered ${response.status} without a ` +
                        `redirect (is auto_approve on?): ${body}`);
    }
    const target = new URL(location, authorizationUrl).toString();
    if (!target.startsWith(callbackPrefix))
        throw new Error(`the authorization endpoint redirected to ${target}, not to the ` +
                        `client's redirect_uri ${callbackPrefix}`);
    log(`authorization endpoint answered ${response.status}, delivering the redirect`);
    // The suite prints the URL before its callback listener is up.
    await callbackListening;
    const callback = await fetch(target);
    await callback.text();
}

function readChecks(resultsDir) {
    const byScenario = new Map();
    if (!existsSync(resultsDir))
        return byScenario;
    for (const entry of readdirSync(resultsDir)) {
        const file = join(resultsDir, entry, 'checks.json');
        if (!existsSync(file))
            continue;
        const scenario = expectedScenarios.find((s) =>
            entry.startsWith(`authorization-server-${s}-`));
        byScenario.set(scenario ?? entry, JSON.parse(readFileSync(file, 'utf8')));
    }
    return byScenario;
}

async function runSuite(variant, { clientId, port, resource }) {
    const resultsDir = join(args.results, variant);
    mkdirSync(resultsDir, { recursive: true });
    const suiteArgs = [suite, 'authorization', '--url', args.issuer, '--client-id', clientId,
                       '--port', String(port), '--output-dir', resultsDir];
    if (resource)
        suiteArgs.push('--resource', resource);
    log(`${variant}: ${process.execPath} ${suiteArgs.join(' ')}`);

    const child = spawn(process.execPath, suiteArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    currentSuite = child;
    const problems = [];
    const callbackPrefix = `http://127.0.0.1:${port}/callback`;
    const metadata = await fetchMetadata(args.issuer);
    let driving = null;
    let buffered = '';
    let listening;
    const callbackListening = new Promise((resolve) => { listening = resolve; });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        buffered = lines.pop();
        for (const line of lines) {
            console.log(`  suite| ${line}`);
            if (line.trim() === `Callback server started: http://127.0.0.1:${port}`)
                listening();
            if (!driving && line.startsWith(`${metadata.authorization_endpoint}?`)) {
                driving = authorizeLikeABrowser(line.trim(), callbackPrefix,
                                                callbackListening).catch((error) => {
                    problems.push(`${variant}: ${error.message}`);
                    child.kill('SIGTERM');
                });
            }
        }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
        for (const line of chunk.split('\n').filter((l) => l !== ''))
            console.log(`  suite! ${line}`);
    });

    const timer = setTimeout(() => {
        problems.push(`${variant}: the suite did not finish within ${suiteTimeoutMs / 1000} s`);
        child.kill('SIGKILL');
    }, suiteTimeoutMs);
    const [code, signal] = await once(child, 'close');
    currentSuite = null;
    if (buffered !== '')
        console.log(`  suite| ${buffered}`);
    clearTimeout(timer);
    if (driving)
        await driving;
    if (code !== 0)
        problems.push(`${variant}: the suite exited with ${signal ?? `status ${code}`}`);

    const checks = readChecks(resultsDir);
    let passed = 0;
    for (const scenario of expectedScenarios) {
        const list = checks.get(scenario);
        if (!list || list.length === 0) {
            problems.push(`${variant}: scenario ${scenario} recorded no checks`);
            continue;
        }
        for (const check of list) {
            const why = check.errorMessage ? ` — ${check.errorMessage}` : '';
            log(`${variant}: ${check.status.padEnd(7)} ${scenario} / ${check.id}${why}`);
            if (check.status === 'SUCCESS')
                passed += 1;
            else
                problems.push(`${variant}: ${check.status} ${scenario} / ${check.id}${why}`);
        }
    }
    for (const scenario of checks.keys())
        if (!expectedScenarios.includes(scenario))
            problems.push(`${variant}: unexpected scenario ${scenario} (new suite version?)`);
    return { passed, problems };
}

async function main() {
    const variants = args.variants.split(',').filter(Boolean);
    const metadata = await fetchMetadata(args.issuer);
    let passed = 0;
    const problems = [];
    for (const variant of variants) {
        const port = await freePort();
        const redirectUri = `http://127.0.0.1:${port}/callback`;
        let cimd = null;
        try {
            let clientId;
            if (variant === 'dcr') {
                clientId = await registerClient(metadata, redirectUri);
                log(`dcr: registered public client ${clientId}`);
            } else if (variant === 'cimd') {
                cimd = await startCimdServer(redirectUri);
                clientId = cimd.clientId;
                log(`cimd: serving the client metadata document at ${clientId}`);
            } else {
                throw new Error(`unknown variant '${variant}' (dcr, cimd)`);
            }
            const named = variant === 'cimd' ? args.resource : undefined;
            log(`${variant}: resource (RFC 8707): ${named ?? "none (the server's default)"}`);
            const result = await runSuite(variant, { clientId, port, resource: named });
            passed += result.passed;
            problems.push(...result.problems);
            if (cimd && cimd.fetches === 0)
                problems.push('cimd: the server never fetched the client metadata document');
        } catch (error) {
            problems.push(`${variant}: ${error.message}`);
        } finally {
            cimd?.server.close();
        }
    }
    console.log('');
    for (const problem of problems)
        console.log(`[as-conformance] PROBLEM ${problem}`);
    console.log(`conformance_authserver: ${passed} passed, ${problems.length} failed`);
    process.exit(problems.length === 0 ? 0 : 1);
}

main().catch((error) => {
    console.error(`[as-conformance] ${error.message ?? error}`);
    process.exit(1);
});
