-- Shared by bench/pages.lua and bench/quiz.lua (loaded with dofile in every Lua state).
-- Each wrk thread drives exactly one connection (run.py passes -t N -c N), so a thread's
-- request() and response() calls alternate and a script may keep per-connection state.

local threads, next_id = {}, 0

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  thread:set("thread_count", tonumber(os.getenv("BENCH_THREADS") or "1"))
  table.insert(threads, thread)
end

function read_fixture(kind)
  -- Lines of the fixture file (BENCH_FIXTURE) that start with "<kind>\t".
  local out, path = {}, os.getenv("BENCH_FIXTURE")
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  for line in file:lines() do
    local k, v = line:match("^([^\t]+)\t(.*)$")
    if k == kind then table.insert(out, v) end
  end
  file:close()
  return out
end

function mine(items)
  -- This thread's share of a list, round-robin by thread id (all of it if it is short).
  local out = {}
  for i, v in ipairs(items) do
    if (i - 1) % thread_count == thread_id then table.insert(out, v) end
  end
  if #out == 0 then
    for i, v in ipairs(items) do table.insert(out, v) end
  end
  return out
end

function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

ok, bad, flows, exhausted = 0, 0, 0, 0
bad_statuses = ""

function note_bad(status, where)
  bad = bad + 1
  if #bad_statuses < 200 then bad_statuses = bad_statuses .. where .. ":" .. status .. " " end
end

function done(summary, latency, requests)
  local t_ok, t_bad, t_flows, t_exhausted, statuses = 0, 0, 0, 0, ""
  for _, thread in ipairs(threads) do
    t_ok = t_ok + (thread:get("ok") or 0)
    t_bad = t_bad + (thread:get("bad") or 0)
    t_flows = t_flows + (thread:get("flows") or 0)
    t_exhausted = t_exhausted + (thread:get("exhausted") or 0)
    if #statuses < 300 then statuses = statuses .. (thread:get("bad_statuses") or "") end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"ok": %d, "bad": %d, "flows": %d, "exhausted": %d, "bad_statuses": "%s", ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes, t_ok, t_bad, t_flows, t_exhausted,
    statuses:gsub('"', "'"), e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
