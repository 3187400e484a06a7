-- `create_order`: POST a new order of three lines for an existing customer, as the page's
-- script does (the server function, with the Origin header the CSRF check reads).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
common.install("create_order", 200)

local origin = os.getenv("BENCH_ORIGIN")
local path = os.getenv("BENCH_CREATE_ORDER_PATH")

-- A fresh idempotency key per order, as each showing of the form has.
local function key()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    return string.format("%x", c == "x" and math.random(0, 15) or math.random(8, 11))
  end))
end

function request()
  local s = common.pick(sessions)
  local body = "idempotency_key=" .. key() .. "&customer=" .. s.customer
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
