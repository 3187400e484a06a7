-- `dashboard`: GET a signed-in owner's dashboard page.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
common.install("dashboard", 200)

function request()
  local s = common.pick(sessions)
  return wrk.format("GET", "/", { ["Cookie"] = "storefront_session=" .. s.cookie })
end
