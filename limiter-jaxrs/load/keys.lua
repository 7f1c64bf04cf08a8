-- rotate among N API keys: wrk -s keys.lua ... (N from the environment, default 10000)
local n = tonumber(os.getenv("AGENTS") or "10000")
local i = 0
request = function()
  i = (i + 1) % n
  return wrk.format("GET", "/hello", { ["Authorization"] = "Bearer ak_load_" .. i .. "_0123456789abcdef" })
end
