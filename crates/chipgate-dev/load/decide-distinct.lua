-- wrk script: POST /v1/decide with a different quantity on every request, so that no answer
-- comes from the report cache: every request is a full determination (classification, license
-- rules, trace) and its serialization. Token in $CHIPGATE_TOKEN. See docs/benchmarks.md.
wrk.method = "POST"
wrk.path = "/v1/decide"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("CHIPGATE_TOKEN") or "")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("offset", threads * 1000000000)
end

function init(args)
  counter = offset or 0
end

function request()
  counter = counter + 1
  local body = string.format('{"item":"nvidia-h20","destination":"CN","date":"2025-08-12","quantity":%d}', counter)
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("requests/s: %.0f\n", summary.requests / seconds))
  io.write(string.format("latency p50: %.2f ms, p90: %.2f ms, p99: %.2f ms, max: %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("requests: %d, non-2xx: %d, socket errors: %d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
