-- wrk reporter: one JSON line with requests/s, latency percentiles (ms) and non-2xx/3xx answers.
-- With BENCH_POST_IDS set (a file of ids, one per line), each request POSTs to BENCH_POST_PATH with
-- %d replaced by the next id, so every write acts on its own object.
local ids, next_id = nil, 0
local path_tpl = os.getenv("BENCH_POST_PATH")
local body = os.getenv("BENCH_POST_BODY") or ""

function init(args)
  local f = os.getenv("BENCH_POST_IDS")
  if f then
    ids = {}
    for line in io.lines(f) do ids[#ids + 1] = line end
  end
end

-- Each wrk thread gets its number as the global `thread_id` (set from the main state), so the
-- threads take alternate ids and never act twice on the same object.
local threads = 0
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
end

function request()
  if ids then
    next_id = next_id + 1
    local i = ((next_id - 1) * 2 + (thread_id or 0)) % #ids + 1
    local path = string.gsub(path_tpl, "%%d", ids[i])
    return wrk.format("POST", path, nil, body)
  end
  return wrk.format(nil, nil)
end

function done(summary, latency, requests)
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errs, summary.errors.status))
end
