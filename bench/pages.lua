-- GET one of the fixture's paths per request, round-robin, with one of this thread's session
-- cookies (none for public pages). Used for hello world, the lesson page, the verification
-- API and the dashboard. Responses other than BENCH_EXPECT (default 200) count as "bad".
dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local requests_ = {}
local index = 0
local expect = tonumber(os.getenv("BENCH_EXPECT") or "200")

function init(args)
  local paths = read_fixture("path")
  local cookies = mine(read_fixture("cookie"))
  -- Pre-built requests: paths start at a different place in each thread.
  local offset = thread_id * 7919
  local n = math.max(#paths, #cookies)
  if n > 5000 then n = 5000 end
  for i = 0, n - 1 do
    local path = paths[((i + offset) % #paths) + 1]
    local headers = {}
    if #cookies > 0 then headers["Cookie"] = cookies[(i % #cookies) + 1] end
    table.insert(requests_, wrk.format("GET", path, headers, nil))
  end
end

function request()
  index = index % #requests_ + 1
  return requests_[index]
end

function response(status, headers, body)
  if status == expect then ok = ok + 1 else note_bad(status, "get") end
end
