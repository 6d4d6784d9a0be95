-- wrk script of bench/compare-as.sh: one workload against one server, and a check of every
-- answer's body (a 200 that does not say what the workload expects is a failure too).
-- bench/lib.sh appends the done() hook that prints the full percentiles and calls report().
--
-- Arguments after `--`: KIND then key=value pairs.
--   token       path, auth (Basic credentials), body                 expects access_token
--   introspect  path, auth, token                                    expects "active": true
--   refresh     path, client, pool (file, one refresh token a line)  expects refresh_token
--   mcp         path, bearer                                          expects a JSON-RPC result
--   mixed       everything of token, introspect and refresh: 7 introspections, 2 token
--               requests and 1 refresh in every 10 requests
--   check=0     the machine's limit: it answers {"ok":true} to anything, so the bodies are
--               not checked and refresh tokens are reused instead of rotated
--
-- Refresh: each thread takes its share of the pool file; a request takes a token from the
-- thread's pool and the answer's new (rotated) refresh token goes back into it. A refused
-- refresh gives no token back; if the pool runs dry the request is sent with the token
-- "pool-empty", which every server refuses: it is counted, never re-seeded.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local cfg = {}
-- The thread's refresh tokens: a queue, pool[head] to pool[tail].
local pool, head, tail = {}, 1, 0
local sent = 0
local formHeaders = {["Content-Type"] = "application/x-www-form-urlencoded"}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function poolPut(token)
  tail = tail + 1
  pool[tail] = token
end

local function poolTake()
  if head > tail then
    empty = empty + 1
    return "pool-empty"
  end
  local token = pool[head]
  pool[head] = nil
  head = head + 1
  if cfg.check == "0" then poolPut(token) end
  return token
end

function init(args)
  cfg.kind = args[1]
  for i = 2, #args do
    local k, v = args[i]:match("^([%w_]+)=(.*)$")
    if k then cfg[k] = v end
  end
  failed, empty = 0, 0
  if cfg.pool then
    local n = 0
    for line in io.lines(cfg.pool) do
      if line ~= "" then
        if n % tonumber(cfg.threads) == id then poolPut(line) end
        n = n + 1
      end
    end
  end
  if cfg.auth then formHeaders["Authorization"] = "Basic " .. cfg.auth end
  local kind = cfg.kind
  if kind == "mcp" then
    wrk.method = "POST"
    wrk.path = cfg.path
    wrk.headers["Authorization"] = "Bearer " .. cfg.bearer
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Accept"] = "application/json, text/event-stream"
    wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
    wrk.headers["Mcp-Method"] = "tools/call"
    wrk.headers["Mcp-Name"] = "echo"
    wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo",' ..
      '"arguments":{"text":"hello"},"_meta":{"io.modelcontextprotocol/protocolVersion":' ..
      '"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}'
  elseif kind ~= "token" and kind ~= "introspect" and kind ~= "refresh" and kind ~= "mixed" then
    error("unknown workload " .. tostring(kind))
  end
end

local function tokenRequest()
  return wrk.format("POST", cfg.path, formHeaders, cfg.body)
end

local function introspectRequest()
  return wrk.format("POST", cfg.introspect_path or cfg.path, formHeaders,
    "token=" .. urlencode(cfg.token))
end

local function refreshRequest()
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  return wrk.format("POST", cfg.refresh_path or cfg.path, headers,
    "grant_type=refresh_token&client_id=" .. urlencode(cfg.client) ..
    "&refresh_token=" .. urlencode(poolTake()))
end

function request()
  local kind = cfg.kind
  if kind == "token" then return tokenRequest() end
  if kind == "introspect" then return introspectRequest() end
  if kind == "refresh" then return refreshRequest() end
  if kind == "mixed" then
    sent = sent + 1
    local slot = sent % 10
    if slot < 7 then return introspectRequest() end
    if slot < 9 then return tokenRequest() end
    return refreshRequest()
  end
  return wrk.request()
end

-- wrk counts the answers from 400 up itself; this counts the others that are not a 200
-- saying what the workload expects.
function response(status, headers, body)
  if cfg.check == "0" then return end
  if status ~= 200 then
    if status < 400 then failed = failed + 1 end
    sample = sample or (status .. " " .. body:sub(1, 160))
    return
  end
  local kind = cfg.kind
  local rotated = body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if rotated then
    poolPut(rotated)
    if kind == "refresh" or kind == "mixed" then return end
  end
  local before = failed
  if kind == "refresh" then
    failed = failed + 1
  elseif kind == "introspect" or (kind == "mixed" and body:find('"active"', 1, true)) then
    if not body:find('"active"%s*:%s*true') then failed = failed + 1 end
  elseif kind == "token" or kind == "mixed" then
    if not body:find('"access_token"', 1, true) then failed = failed + 1 end
  elseif kind == "mcp" then
    if not body:find('"result"', 1, true) or body:find('"isError"%s*:%s*true') then
      failed = failed + 1
    end
  end
  if failed > before then sample = sample or ("200 " .. body:sub(1, 160)) end
end

-- Called by the done() hook in the main state: the per-thread counts, summed.
function report()
  local f, e, first = 0, 0, nil
  for _, t in ipairs(threads) do
    f = f + (t:get("failed") or 0)
    e = e + (t:get("empty") or 0)
    first = first or t:get("sample")
  end
  io.write(string.format("CHECKS failed %d pool-empty %d\n", f, e))
  if first then io.write("FIRSTFAILURE " .. first:gsub("%s+", " ") .. "\n") end
end
