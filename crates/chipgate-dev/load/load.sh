#!/usr/bin/env bash
# Load test of POST /v1/decide on loopback: a release `chipgate serve` with a temporary data
# directory, then `wrk -t2 -c32 -d15s` three times (Debian package wrk): the same body every time
# (decide.lua: answered from the report cache), a new body every time (decide-distinct.lua:
# every request computed), and that again with `Accept-Encoding: gzip`. Bounded: a 3 s warm-up
# and three 15 s runs.
# Usage: [CHIPGATE_BIN=…] crates/chipgate-dev/load/load.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../../.."
duration="${1:-15s}"
command -v wrk >/dev/null 2>&1 || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-target}"
# CHIPGATE_BIN=path/to/chipgate uses an existing release binary instead of building one.
bin="${CHIPGATE_BIN:-$target/release/chipgate}"
[ -n "${CHIPGATE_BIN:-}" ] || cargo build --release --locked -p chipgate --bin chipgate
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
home="$(mktemp -d)"
export CHIPGATE_TOKEN="cg_load_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
CHIPGATE_HOME="$home" CHIPGATE_ADMIN_TOKEN="$CHIPGATE_TOKEN" "$bin" serve --addr "127.0.0.1:$port" \
  >"$home/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$home"' EXIT
for _ in $(seq 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null && break
  sleep 0.1
done
# Warm-up (first requests fault in pages and fill caches), then the measured run.
wrk -t2 -c32 -d3s -s crates/chipgate-dev/load/decide-distinct.lua "http://127.0.0.1:$port" >/dev/null
for script in decide decide-distinct; do
  echo "== wrk -t2 -c32 -d$duration --latency -s crates/chipgate-dev/load/$script.lua (POST /v1/decide)"
  wrk -t2 -c32 -d"$duration" --latency -s "crates/chipgate-dev/load/$script.lua" "http://127.0.0.1:$port" | tail -3
done
# The computed path again with gzip accepted: each 29.7 KB answer is compressed (≈ 4.6 KB).
echo "== wrk -t2 -c32 -d$duration --latency -H 'Accept-Encoding: gzip' -s crates/chipgate-dev/load/decide-distinct.lua (POST /v1/decide, gzip)"
wrk -t2 -c32 -d"$duration" --latency -H 'Accept-Encoding: gzip' -s crates/chipgate-dev/load/decide-distinct.lua \
  "http://127.0.0.1:$port" | tail -3
echo "== server log: $(wc -l <"$home/server.log") lines (CHIPGATE_LOG=${CHIPGATE_LOG:-info}; one per request with chipgate_server::access=debug)"
echo "== cache: $(python3 -c "import urllib.request; print(' '.join(l for l in urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode().splitlines() if l.startswith('chipgate_report_cache_total')))")"
