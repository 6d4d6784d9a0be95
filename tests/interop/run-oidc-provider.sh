#!/usr/bin/env bash
# The flow walker (`mcpauth flow`) against a real third-party authorization server: the npm
# package oidc-provider 9 (oidc-provider-as.mjs, with an MCP resource server it protects),
# started here on loopback. Walks, each with --json and checked for the outcome, no failed
# MUST and the rules it must have met:
#   pkce           DCR, PKCE through oidc-provider's own login and consent pages (headless),
#                  token, MCP calls, refresh (rotated), revocation
#   pkce-dpop      the same with --dpop: per-run key, AS and RS nonces, DPoP-bound tokens,
#                  a DPoP-bound refresh token
#   client-creds   the pre-registered confidential client: client credentials, introspection
#                  before and after revocation
#   cc-dpop        the same with --dpop (introspection shows cnf.jkt)
#   device         the device authorization grant, approved through oidc-provider's device
#                  pages (user code confirmation, login, consent) headlessly
#   no-grant       a client registered without client_credentials asks for it: refused, the
#                  walk fails at the token step (oidc-provider answers invalid_request "requested
#                  grant type is not allowed for this client"; RFC 6749 §5.2 names
#                  unauthorized_client for this case)
#
# Usage: run-oidc-provider.sh /path/to/mcpauth
# MCPAUTH_INTEROP_KEEP=1 keeps the work folder (AS log, each walk's JSON).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
interop_begin "$@"

"$node_bin" "$here/oidc-provider-as.mjs" >"$work/as.json" 2>"$work/server.log" &
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
mcp_url="$(field mcp_url)"
echo "$interop_name: oidc-provider at $(field issuer), MCP server at $mcp_url"
printf '%s\n' "$(field clients.confidential.client_secret)" >"$work/cc.secret"
printf '%s\n' "$(field clients.no_client_credentials.client_secret)" >"$work/nocc.secret"
printf '%s\n' 'any-password' >"$work/password"
chmod 600 "$work"/*.secret "$work/password"

failures=0

# walk NAME EXPECTED(succeeded|failed) "RULE..." -- FLOW OPTIONS...
# Runs mcpauth flow --json; checks the outcome, that no MUST failed (for a walk expected to
# succeed) and that each listed rule passed (rule=verdict to expect another verdict,
# rule=verdict~text for one whose explanation contains text, '+' standing for a space).
walk() {
    local name=$1 expected=$2 rules=$3 status=0
    shift 4
    echo "--- $name: mcpauth flow $mcp_url $*"
    "$mcpauth" flow "$mcp_url" --json --timeout 60 "$@" >"$work/$name.json" 2>"$work/$name.err" ||
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

walk pkce succeeded "registration.dcr_status authorization.iss authorization.code token.resource refresh.rotation \
revocation.access_token revocation.refresh_token revocation.effective mcp.tools_call" -- \
    "${headless[@]}"
walk pkce-dpop succeeded "dpop.supported authorization.dpop_jkt dpop.as_nonce dpop.token_type \
dpop.rs_nonce dpop.resource refresh.rotation revocation.effective" -- "${headless[@]}" --dpop
walk client-creds succeeded "registration.pre_registered as.client_credentials introspection.active \
introspection.aud introspection.revoked revocation.effective mcp.tools_call" -- "${cc[@]}"
walk cc-dpop succeeded "dpop.supported dpop.as_nonce dpop.token_type dpop.rs_nonce dpop.resource \
introspection.cnf_jkt introspection.revoked" -- "${cc[@]}" --dpop
walk device succeeded "device.response device.verification_uri_complete token.resource \
mcp.tools_call revocation.effective" -- "${headless[@]}" --grant device
walk no-grant failed "token.ok=fail~not+allowed+for+this+client" -- --grant client-credentials \
    --client-id mcp-no-client-creds --client-secret-file "$work/nocc.secret"

[ "$failures" -eq 0 ] || interop_die "$failures walk(s) failed"
echo "$interop_name: every walk against oidc-provider passed"
