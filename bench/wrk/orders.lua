-- `orders`: GET page 1..20 of a signed-in owner's orders.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
common.install("orders", 200)

function request()
  local s = common.pick(sessions)
  local page = math.random(20)
  return wrk.format("GET", "/orders?page=" .. page, { ["Cookie"] = "storefront_session=" .. s.cookie })
end
