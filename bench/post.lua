-- wrk script: the cheapest Anthropic Messages call (fake upstream's fixed tiny JSON answer),
-- sent identically to the fake upstream directly, through nginx and through Switchyard.
-- The client key is the relay's; the fake upstream and nginx ignore/forward it.
wrk.method = "POST"
wrk.body = '{"model":"claude-bench","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-api-key"] = "sy-bench-key-0123456789abcdef"
wrk.headers["anthropic-version"] = "2023-06-01"
wrk.headers["x-fake-fast"] = "1"
-- Diagnostic: BENCH_CONNECTION_CLOSE=1 makes every request use a new connection (wrk reconnects
-- cleanly on `Connection: close`), the baseline for a relay that closes after each response.
if os.getenv("BENCH_CONNECTION_CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end

-- One machine-readable line with the figures bench.py needs (latencies in microseconds).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.1f,"stdev":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
