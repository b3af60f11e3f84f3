-- wrk script of `npm run bench`: POSTs the Distribution 2.8.2 manifest-push capture with a fresh event id per request.
local template = os.getenv("BENCH_BODY")
local counter = 0
local tid = tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("BENCH_CT")
wrk.headers["Authorization"] = os.getenv("BENCH_AUTH")
request = function()
  counter = counter + 1
  local body = string.gsub(template, "EVENTID", tid .. "-" .. counter)
  return wrk.format(nil, "/hooks/registry", nil, body)
end
