-- Nearest 20 places with two filters around a random point of mainland France.
-- The two filters: a person who needs help with administrative procedures and wants to be
-- shown how to use a smartphone or computer, the most common orientation in the field.
local filters = "service%3DAide%20aux%20d%C3%A9marches%20administratives%3Bservice%3DMa%C3%AEtrise%20des%20outils%20num%C3%A9riques%20du%20quotidien"

math.randomseed(os.time())

request = function()
  local lat = 43.0 + math.random() * 7.5
  local lon = -1.5 + math.random() * 8.5
  local path = string.format("/api/v1/lieux?lat=%.5f&lon=%.5f&limite=20&filtres=%s", lat, lon, filters)
  return wrk.format("GET", path)
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
