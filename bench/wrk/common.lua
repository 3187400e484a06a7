-- Shared by the workload's wrk scripts (shared/bench/WORKLOAD.md): the signed-in owners, one
-- session cookie each (written by the sign-in phase of scripts/bench), picked uniformly per
-- request; every answer other than the expected status counts as an error; and one JSON line
-- of figures when the run ends.
local common = {}

-- Each line: tenant id, session cookie, a customer id, three product ids (tab-separated).
function common.load_sessions()
  local path = os.getenv("BENCH_SESSIONS")
  local sessions = {}
  for line in io.lines(path) do
    local fields = {}
    for field in line:gmatch("[^\t]+") do fields[#fields + 1] = field end
    sessions[#sessions + 1] = {
      tenant = fields[1], cookie = fields[2], customer = fields[3],
      products = { fields[4], fields[5], fields[6] },
    }
  end
  assert(#sessions > 0, "no signed-in sessions in " .. path)
  return sessions
end

function common.pick(sessions)
  return sessions[math.random(#sessions)]
end

-- wrk runs each thread in its own Lua state: counters live per thread and are summed in done().
local threads = {}

-- Installs wrk's hooks. Each thread loads the sessions into the global `sessions` and seeds its
-- own random numbers (threads started in the same second would otherwise pick alike).
function common.install(kind, expected)
  function init(args)
    sessions = common.load_sessions()
    math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  end

  function setup(thread)
    thread:set("unexpected", 0)
    table.insert(threads, thread)
  end

  function response(status, headers, body)
    if status ~= expected then
      unexpected = unexpected + 1
      if unexpected <= 3 then
        io.stderr:write(string.format("%s: unexpected %d %s\n", kind, status, (body or ""):sub(1, 200)))
      end
    end
  end

  function done(summary, latency, requests)
    local unexpected = 0
    for _, thread in ipairs(threads) do unexpected = unexpected + thread:get("unexpected") end
    local e = summary.errors
    local errors = unexpected + e.connect + e.read + e.write + e.timeout
    local seconds = summary.duration / 1e6
    io.write(string.format(
      'BENCH_JSON {"kind":"%s","requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.2f,"p99_ms":%.2f,"errors":%d}\n',
      kind, summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
  end
end

return common
