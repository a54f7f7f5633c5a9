-- The quiz, as a learner does it, on one connection per thread:
--   POST /courses/<slug>/quiz/start            (real CSRF token, session cookie) -> 303
--   GET  /courses/<slug>/quiz/<id>/1           (reads the answer field's options)
--   POST /courses/<slug>/quiz/<id>/1           (answer save, Accept: application/json)
--   POST /courses/<slug>/quiz/<id>/submit      -> 303 to the result
-- and again with the next course or person. A person who has used every attempt at a
-- course is skipped ("exhausted"). Fixture lines: "course\t<slug>" and
-- "session\t<cookie>\t<csrf token>".
dofile((os.getenv("BENCH_LUA_DIR") or "bench") .. "/common.lua")

local sessions, courses = {}, {}
local s, c = 1, 1          -- current session and course
local state = "start"
local attempt_path, answer = nil, nil
local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
  courses = read_fixture("course")
  for _, line in ipairs(mine(read_fixture("session"))) do
    local cookie, token = line:match("^([^\t]+)\t(.+)$")
    table.insert(sessions, { cookie = cookie, csrf = urlencode(token) })
  end
end

local function headers(extra)
  local h = { Cookie = sessions[s].cookie }
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

local function advance()
  -- Next course of this person, then the next person (wrapping round).
  c = c + 1
  if c > #courses then
    c = 1
    s = s % #sessions + 1
  end
  state = "start"
end

function request()
  local slug = courses[c]
  local session = sessions[s]
  if state == "start" then
    return wrk.format("POST", "/courses/" .. slug .. "/quiz/start", headers(form),
                      "csrf_token=" .. session.csrf)
  elseif state == "question" then
    return wrk.format("GET", attempt_path .. "/1", headers())
  elseif state == "save" then
    return wrk.format("POST", attempt_path .. "/1",
                      headers({ ["Content-Type"] = form["Content-Type"],
                                Accept = "application/json" }),
                      "csrf_token=" .. session.csrf .. "&answer=" .. urlencode(answer) ..
                      "&go=save")
  else -- submit
    return wrk.format("POST", attempt_path .. "/submit", headers(form),
                      "csrf_token=" .. session.csrf)
  end
end

local function first_answer(body)
  for tag in body:gmatch("<input[^>]-name=\"answer\"[^>]*>") do
    local kind = tag:match('type="([^"]*)"')
    if kind == "radio" or kind == "checkbox" then
      return tag:match('value="([^"]*)"')
    end
    return "Hồ Chí Minh"  -- a text answer
  end
  return nil
end

function response(status, headers, body)
  if state == "start" then
    local location = headers["Location"] or headers["location"] or ""
    local path = location:match("(/courses/[^/]+/quiz/%d+)/1$")
    if status == 303 and path then
      ok = ok + 1
      attempt_path = path
      state = "question"
    elseif status == 303 then
      ok = ok + 1
      exhausted = exhausted + 1   -- no attempt left (or lessons not studied): next one
      advance()
    else
      note_bad(status, "start")
      advance()
    end
  elseif state == "question" then
    answer = status == 200 and first_answer(body) or nil
    if answer then
      ok = ok + 1
      state = "save"
    else
      note_bad(status, "question")
      state = "submit"
    end
  elseif state == "save" then
    if status == 200 then ok = ok + 1 else note_bad(status, "save") end
    state = "submit"
  else
    if status == 303 then
      ok = ok + 1
      flows = flows + 1
    else
      note_bad(status, "submit")
    end
    advance()
  end
end
