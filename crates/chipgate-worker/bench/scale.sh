#!/usr/bin/env bash
# One worker against two, over NATS JetStream, recording into one PostgreSQL ledger (issue 17).
#
#   crates/chipgate-worker/bench/scale.sh [N] [CONCURRENCY] [RUNS]
#
# For each run, in this order: one worker, then two (each with CONCURRENCY tasks, default 2, and
# --batch ${BATCH:-64}), on a fresh ledger schema and fresh streams. The workers are started
# and left to load their data; then N generated order lines (default 20,000) are published and
# the time from the start of publishing to the N-th recorded order (polled in the ledger) is
# the run's figure. Needs a release build (CHIPGATE, default target/release/chipgate), a NATS
# server with JetStream (NATS, default nats://127.0.0.1:4222) and PostgreSQL (PG, default
# postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
N=${1:-20000}
C=${2:-2}
RUNS=${3:-1}
BATCH=${BATCH:-64}
B=${CHIPGATE:-target/release/chipgate}
PG=${PG:-postgres://postgres@127.0.0.1:5432/test}
NATS=${NATS:-nats://127.0.0.1:4222}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$B" gen-orders "$N" --seed 7 -o "$work/orders.csv"

# CPU seconds (user + system) used so far by every process whose command is $1.
cpu_of() {
  local ticks=0 pid
  for pid in $(pgrep -x "$1"); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$ticks / $(getconf CLK_TCK)" | bc -l
}

run() {
  local workers=$1 tag
  tag="scale_$$_${workers}_$RANDOM"
  local db="$PG?schema=$tag" pids=()
  for i in $(seq "$workers"); do
    /usr/bin/time -f "%U %S" -o "$work/w$i.cpu" \
      "$B" worker --nats "$NATS" --db "$db" --stream "${tag^^}" --subject-prefix "$tag" --durable "$tag" \
      --concurrency "$C" --batch "$BATCH" --user bench --idle-exit 4 >"$work/w$i.out" 2>"$work/w$i.err" &
    pids+=($!)
  done
  # Ready: each worker says so once its consumer is bound (after loading the data).
  for i in $(seq "$workers"); do
    until grep -q "consuming" "$work/w$i.err" 2>/dev/null; do sleep 0.1; done
  done
  local t0 t1 n=0 nats0 pg0
  nats0=$(cpu_of nats-server)
  pg0=$(cpu_of postgres)
  t0=$(date +%s.%N)
  "$B" worker --nats "$NATS" --stream "${tag^^}" --subject-prefix "$tag" --publish "$work/orders.csv" -q
  until [ "$n" -ge "$N" ]; do
    sleep 0.1
    n=$(psql "$PG" -Atc "SELECT count(*) FROM $tag.orders" 2>/dev/null || echo 0)
  done
  t1=$(date +%s.%N)
  local nats pg
  nats=$(echo "$(cpu_of nats-server) - $nats0" | bc -l)
  pg=$(echo "$(cpu_of postgres) - $pg0" | bc -l)
  for p in "${pids[@]}"; do wait "$p"; done
  local secs wcpu=0
  secs=$(echo "$t1 - $t0" | bc -l)
  for i in $(seq "$workers"); do
    wcpu=$(echo "$wcpu + $(tr ' ' '+' <"$work/w$i.cpu" | tail -1)" | bc -l)
  done
  printf '%d worker(s) x %d tasks, batch %d: %d orders in %.2f s = %.0f orders/s (load %s)\n' \
    "$workers" "$C" "$BATCH" "$N" "$secs" "$(echo "$N / $secs" | bc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '  CPU per order: workers %.0f us (whole run, with start-up), nats-server %.0f us, postgres %.0f us\n' \
    "$(echo "$wcpu * 1000000 / $N" | bc -l)" "$(echo "$nats * 1000000 / $N" | bc -l)" "$(echo "$pg * 1000000 / $N" | bc -l)"
  psql "$PG" -qc "DROP SCHEMA $tag CASCADE" >/dev/null 2>&1 || true
  delete_streams "${tag^^}" "${tag^^}_RESULTS"
}

# Deletes JetStream streams (the results of a run are ~30 KB an order): the JetStream API's
# delete request, sent over the plain NATS protocol.
delete_streams() {
  python3 - "$NATS" "$@" <<'PY'
import socket, sys, time
host, port = sys.argv[1].split("//")[-1].split(":")
s = socket.create_connection((host, int(port)))
s.recv(4096)
msg = b'CONNECT {"verbose":false}\r\n'
for name in sys.argv[2:]:
    msg += b"PUB $JS.API.STREAM.DELETE." + name.encode() + b" 0\r\n\r\n"
s.sendall(msg + b"PING\r\n")
time.sleep(0.3)
s.close()
PY
}

for _ in $(seq "$RUNS"); do
  run 1
  run 2
done
