-- wrk script of `python -m bench http`: auth headers, POST bodies and random ids from the environment.
--   BENCH_PATH    request path; "{id}" becomes a random id in [BENCH_ID_MIN, BENCH_ID_MAX]
--   BENCH_METHOD  GET (default) or POST, with BENCH_BODY (JSON) as the body
--   BENCH_AUTH    value of the Authorization header (e.g. "Token abc"); BENCH_COOKIE: the Cookie header
-- Prints one line "BENCH_RESULT <json>" when done.
local path = os.getenv("BENCH_PATH") or "/"
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local id_min = tonumber(os.getenv("BENCH_ID_MIN") or "1")
local id_max = tonumber(os.getenv("BENCH_ID_MAX") or "1")
local headers = {}
if os.getenv("BENCH_AUTH") then headers["Authorization"] = os.getenv("BENCH_AUTH") end
if os.getenv("BENCH_COOKIE") then headers["Cookie"] = os.getenv("BENCH_COOKIE") end
if body then headers["Content-Type"] = "application/json" end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local p = path:gsub("{id}", tostring(math.random(id_min, id_max)))
  return wrk.format(method, p, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "non2xx": %d, ' ..
    '"errors": %d, "bytes": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3,
    e.status, e.connect + e.read + e.write + e.timeout, summary.bytes))
end
