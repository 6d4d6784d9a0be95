#!/usr/bin/env bash
# The flow walker (`mcpauth flow`) against a real third-party authorization server, the npm
# package oidc-provider 9 (oidc-provider-as.mjs), protecting our own resource server: two
# `mcpauth serve` instances whose RS trusts oidc-provider alone
# (resource_server.trusted_issuers, trust_embedded_issuer false), one by RFC 7662
# introspection (client_secret_basic; the endpoint read from its metadata; no introspection
# cache, so a revocation is seen at once), one by RFC 9068 JWT access tokens checked locally
# with oidc-provider's JWKS. Walks, each with --json and checked for the outcome, no failed
# MUST and the rules it must have met:
#   pkce           (our RS, introspection) DCR, PKCE through oidc-provider's own login and
#                  consent pages (headless), token, MCP calls, refresh (rotated), revocation
#   pkce-jwt       (our RS, JWT) the same; oidc-provider does not revoke JWT access tokens
#                  (RFC 7009 §2.2.1 unsupported_token_type), which the walker reports as a
#                  warning, and the refresh token is revoked
#   client-creds   (our RS, introspection) the pre-registered confidential client: client
#                  credentials, introspection before and after revocation
#   device         (our RS, JWT) the device authorization grant, approved through
#                  oidc-provider's device pages (user code confirmation, login, consent);
#                  revocation as in pkce-jwt
#   no-grant       (our RS) a client registered without client_credentials asks for it:
#                  refused, the walk fails at the token step (oidc-provider answers
#                  invalid_request "requested grant type is not allowed for this client"; RFC
#                  6749 §5.2 names unauthorized_client for this case)
#   pkce-dpop      (Node RS) PKCE with --dpop: per-run key, AS and RS nonces, DPoP-bound
#                  tokens, a DPoP-bound refresh token
#   cc-dpop        (Node RS) client credentials with --dpop (introspection shows cnf.jkt)
# The DPoP walks stay on the small Node resource server of oidc-provider-as.mjs: our RS, like
# our AS, does not implement DPoP, so it can neither check proofs nor hand out RS nonces.
#
# Usage: run-oidc-provider.sh /path/to/mcpauth
# MCPAUTH_INTEROP_KEEP=1 keeps the work folder (AS and RS logs, each walk's JSON).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_begin "$@"

# Our two resource servers' ports are chosen first: oidc-provider must know their canonical
# URIs (resource indicators), and they must know its issuer.
introspection_port="$(interop_free_port)"
jwt_port="$(interop_free_port)"
ours_introspection="http://127.0.0.1:$introspection_port/mcp"
ours_jwt="http://127.0.0.1:$jwt_port/mcp"

"$node_bin" "$here/oidc-provider-as.mjs" --resource "$ours_introspection=opaque" \
    --resource "$ours_jwt=jwt" >"$work/as.json" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do
    [ -s "$work/as.json" ] && break
    kill -0 "$server_pid" 2>/dev/null || interop_die "oidc-provider-as.mjs exited before it was ready"
    sleep 0.1
done
[ -s "$work/as.json" ] || interop_die "oidc-provider-as.mjs printed no ready line within 20 s"

field() {
    "$node_bin" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]);
                    process.stdout.write(String(process.argv[2].split(".").reduce((o, k) => o?.[k], r) ?? ""));' \
        "$work/as.json" "$1"
}
node_rs_url="$(field mcp_url)"
issuer="$(field issuer)"
echo "$interop_name: oidc-provider at $issuer, its Node MCP server (DPoP) at $node_rs_url"
printf '%s\n' "$(field clients.confidential.client_secret)" >"$work/cc.secret"
printf '%s\n' "$(field clients.no_client_credentials.client_secret)" >"$work/nocc.secret"
printf '%s\n' "$(field clients.resource_server.client_secret)" >"$work/rs.secret"
printf '%s\n' 'any-password' >"$work/password"
chmod 600 "$work"/*.secret "$work/password"

# serve_ours NAME RS_PORT TRUSTED_ISSUER_JSON: mcpauth serve (its own SQLite store) whose RS
# trusts oidc-provider alone; waits for its ready file.
serve_ours() {
    local name=$1 port=$2 trusted=$3 pid
    printf '{"bind": "127.0.0.1", "as_port": 0, "rs_port": %s, "admin_token_file": "%s",
  "resource_server": {"trust_embedded_issuer": false, "positive_cache_seconds": 0,
                      "trusted_issuers": [%s]}}\n' \
        "$port" "$work/$name.admin-token" "$trusted" >"$work/$name.json"
    "$mcpauth" serve --config "$work/$name.json" --store "sqlite://$work/$name.db" \
        --ready-file "$work/$name.ready.json" >"$work/$name.log" 2>&1 &
    pid=$!
    interop_pids+=("$pid")
    for _ in $(seq 1 300); do
        [ -s "$work/$name.ready.json" ] && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$work/$name.log"
            interop_die "mcpauth serve ($name) exited before it was ready"
        fi
        sleep 0.1
    done
    interop_die "mcpauth serve ($name) wrote no ready file within 30 s"
}
serve_ours rs-introspection "$introspection_port" "{\"issuer\": \"$issuer\",
    \"verification\": \"introspection\", \"client_id\": \"mcp-resource-server\",
    \"client_secret_file\": \"$work/rs.secret\"}"
serve_ours rs-jwt "$jwt_port" "{\"issuer\": \"$issuer\", \"verification\": \"jwt\",
    \"algorithms\": [\"ES256\"]}"
echo "$interop_name: our MCP servers at $ours_introspection (introspection), $ours_jwt (JWT)"

failures=0

# walk NAME MCP_URL EXPECTED(succeeded|failed) "RULE..." -- FLOW OPTIONS...
# Runs mcpauth flow --json; checks the outcome, that no MUST failed (for a walk expected to
# succeed) and that each listed rule passed (rule=verdict to expect another verdict,
# rule=verdict~text for one whose explanation contains text, '+' standing for a space).
walk() {
    local name=$1 mcp_url=$2 expected=$3 rules=$4 status=0
    shift 5
    echo "--- $name: mcpauth flow $mcp_url $*"
    # Registered clients are kept per issuer in the work folder (reused by later walks).
    "$mcpauth" flow "$mcp_url" --json --timeout 60 --credentials file \
        --credentials-file "$work/credentials.json" "$@" >"$work/$name.json" 2>"$work/$name.err" ||
        status=$?
    if ! "$node_bin" - "$work/$name.json" "$expected" "$status" "$rules" <<'EOF'; then
const [file, expected, status, rules] = process.argv.slice(2);
let run;
try {
  run = JSON.parse(require('fs').readFileSync(file, 'utf8'));
} catch (e) {
  console.log(`  no JSON run (${e.message})`);
  process.exit(1);
}
const checks = run.steps.flatMap((s) => s.checks.map((c) => ({ ...c, step: s.id })));
for (const s of run.steps) {
  console.log(`  [${s.id}] ${s.status}: ${s.summary}`);
  for (const c of s.checks.filter((c) => c.verdict !== 'pass')) {
    console.log(`      ${c.verdict} ${c.rule} (${c.level}) ${c.explanation}`);
  }
}
const problems = [];
if (run.outcome !== expected) problems.push(`outcome ${run.outcome}, expected ${expected} (${run.error})`);
if ((Number(status) === 0) !== (expected === 'succeeded')) problems.push(`exit status ${status}`);
if (expected === 'succeeded') {
  for (const c of checks.filter((c) => c.level === 'MUST' && c.verdict === 'fail')) {
    problems.push(`MUST failed: ${c.rule}: ${c.explanation}`);
  }
}
for (const spec of rules.split(' ').filter(Boolean)) {
  const [ruleVerdict, plusText = ''] = spec.split('~');
  const text = plusText.replaceAll('+', ' ');
  const [rule, verdict = 'pass'] = ruleVerdict.split('=');
  if (!checks.some((c) => c.rule === rule && c.verdict === verdict && c.explanation.includes(text))) {
    problems.push(`no ${rule} check with verdict ${verdict}${text ? ` mentioning ${text}` : ''}`);
  }
}
for (const p of problems) console.log(`  PROBLEM: ${p}`);
process.exit(problems.length ? 1 : 0);
EOF
        echo "$interop_name: walk '$name' FAILED (stderr below)"
        cat "$work/$name.err"
        failures=$((failures + 1))
    else
        echo "$interop_name: walk '$name' passed"
    fi
}

headless=(--browser headless --username interop-user --password-file "$work/password")
cc=(--grant client-credentials --client-id mcp-confidential --client-secret-file "$work/cc.secret")

walk pkce "$ours_introspection" succeeded "registration.dcr_status authorization.iss \
authorization.code token.resource refresh.rotation revocation.access_token \
revocation.refresh_token revocation.effective mcp.tools_call" -- "${headless[@]}"
# oidc-provider does not revoke JWT access tokens (RFC 7009 §2.2.1 unsupported_token_type):
# a warning, the access token's effectiveness check skipped, the refresh token revoked.
walk pkce-jwt "$ours_jwt" succeeded "authorization.iss token.resource mcp.tools_call \
refresh.rotation revocation.access_token=warn~unsupported_token_type \
revocation.refresh_token revocation.effective=skip" -- "${headless[@]}"
walk client-creds "$ours_introspection" succeeded "registration.pre_registered \
as.client_credentials introspection.active introspection.aud introspection.revoked \
revocation.effective mcp.tools_call" -- "${cc[@]}"
walk device "$ours_jwt" succeeded "device.response device.verification_uri_complete \
token.resource mcp.tools_call revocation.access_token=warn~unsupported_token_type" -- \
    "${headless[@]}" --grant device
walk no-grant "$ours_introspection" failed "token.ok=fail~not+allowed+for+this+client" -- \
    --grant client-credentials --client-id mcp-no-client-creds \
    --client-secret-file "$work/nocc.secret"
walk pkce-dpop "$node_rs_url" succeeded "dpop.supported authorization.dpop_jkt dpop.as_nonce \
dpop.token_type dpop.rs_nonce dpop.resource refresh.rotation revocation.effective" -- \
    "${headless[@]}" --dpop
walk cc-dpop "$node_rs_url" succeeded "dpop.supported dpop.as_nonce dpop.token_type \
dpop.rs_nonce dpop.resource introspection.cnf_jkt introspection.revoked" -- "${cc[@]}" --dpop

[ "$failures" -eq 0 ] || interop_die "$failures walk(s) failed"
echo "$interop_name: every walk against oidc-provider passed (our RS trusting it by" \
    "introspection and by JWT; its Node RS for DPoP)"
