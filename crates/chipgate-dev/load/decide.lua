-- wrk script: POST /v1/decide (H20 to China on 2025-08-12, no parties) with the token in
-- $CHIPGATE_TOKEN; prints requests/s, p50, p99 and the count of non-2xx answers. The same
-- body every time: after the first request the answer comes from the report cache
-- (decide-distinct.lua measures the computed path).
-- Used by load/load.sh; see docs/benchmarks.md, section Server.
wrk.method = "POST"
wrk.path = "/v1/decide"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("CHIPGATE_TOKEN") or "")
wrk.body = '{"item":"nvidia-h20","destination":"CN","date":"2025-08-12"}'

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format("requests/s: %.0f\n", summary.requests / seconds))
  io.write(string.format("latency p50: %.2f ms, p90: %.2f ms, p99: %.2f ms, max: %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("requests: %d, non-2xx: %d, socket errors: %d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
