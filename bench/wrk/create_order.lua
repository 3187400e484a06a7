-- `create_order`: POST a new order of three lines for an existing customer, as the page's
-- script does (the server function, with the Origin header the CSRF check reads).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
common.install("create_order", 200)

local origin = os.getenv("BENCH_ORIGIN")
local path = os.getenv("BENCH_CREATE_ORDER_PATH")

function request()
  local s = common.pick(sessions)
  local body = "customer=" .. s.customer
  for i, product in ipairs(s.products) do
    body = body .. string.format("&lines%%5B%d%%5D%%5Bproduct%%5D=%s&lines%%5B%d%%5D%%5Bquantity%%5D=%d",
      i - 1, product, i - 1, math.random(5))
  end
  return wrk.format("POST", path, {
    ["Cookie"] = "storefront_session=" .. s.cookie,
    ["Origin"] = origin,
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
