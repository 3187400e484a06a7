-- `dashboard`: GET a signed-in owner's dashboard page.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
common.install("dashboard", 200)

function init(args)
  sessions = common.load_sessions()
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local s = common.pick(sessions)
  return wrk.format("GET", "/", { ["Cookie"] = "storefront_session=" .. s.cookie })
end
