-- wrk script for bench/cache-mix.sh: requests of many owners, each for one of their own sites,
-- sites drawn Zipf(1.1) over every site in BENCH_SITES (lines "<site id> <owner's token>").
-- BENCH_MIX=mix: 50 % GET site, 20 % list sites, 15 % who is on shift now, 15 % this month's
-- report; BENCH_MIX=site: GET site only. BENCH_FROM / BENCH_TO: the report's dates.
local sites = {}
local cdf = {}
local mix = os.getenv("BENCH_MIX") or "mix"
local from = os.getenv("BENCH_FROM") or "2026-11-01"
local to = os.getenv("BENCH_TO") or "2026-11-30"

function init(args)
  for line in io.lines(os.getenv("BENCH_SITES")) do
    local id, token = line:match("^(%d+)%s+(%S+)")
    if id then sites[#sites + 1] = { id, "Bearer " .. token } end
  end
  -- The same shuffle in every thread, so the popular ranks fall on sites of different owners.
  math.randomseed(42)
  for i = #sites, 2, -1 do
    local j = math.random(i)
    sites[i], sites[j] = sites[j], sites[i]
  end
  local sum = 0
  for k = 1, #sites do
    sum = sum + 1 / (k ^ 1.1)
    cdf[k] = sum
  end
  for k = 1, #sites do cdf[k] = cdf[k] / sum end
  -- Each thread its own stream of draws.
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end

local function pick()
  local u = math.random()
  local lo, hi = 1, #cdf
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return sites[lo]
end

request = function()
  local s = pick()
  local path
  local r = (mix == "site") and 0 or math.random()
  if r < 0.5 then
    path = "/api/v1/sites/" .. s[1]
  elseif r < 0.7 then
    path = "/api/v1/sites"
  elseif r < 0.85 then
    path = "/api/v1/shifts?status=active&site_id=" .. s[1]
  else
    path = "/api/v1/reports/summary?from=" .. from .. "&to=" .. to .. "&site_id=" .. s[1]
  end
  return wrk.format("GET", path, { ["Authorization"] = s[2] })
end
