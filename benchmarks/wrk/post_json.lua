-- wrk script for benchmarks/wrk_server.py: every request is the same POST with
-- a JSON body and Stream's server-side authentication (a static JWT).
--   WRK_BODY   the request body (default "{}")
--   WRK_TOKEN  the JWT, signed with the server's api secret
wrk.method = "POST"
wrk.body = os.getenv("WRK_BODY") or "{}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = os.getenv("WRK_TOKEN")
wrk.headers["stream-auth-type"] = "jwt"

-- One JSON line for the driver: counts, latency percentiles (microseconds), errors.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p99_us": %d, '
      .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
