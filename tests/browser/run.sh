#!/usr/bin/env bash
# Browser test of the web app: `chipgate serve` on a free loopback port with a temporary data
# directory and a known admin token, headless Chromium driven through chromedriver by
# tests/browser/drive.py (Python standard library only). Screenshots go to
# $CARGO_TARGET_DIR/browser (default target/browser).
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing chromium and chromium-driver (Debian packages)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "tests/browser/run.sh needs chromium and chromium-driver (apt-get install chromium chromium-driver)" >&2
    exit 1
  fi
fi

target="${CARGO_TARGET_DIR:-target}"
cargo build --locked -p chipgate --bin chipgate
shots="$target/browser"
mkdir -p "$shots"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
port="$(free_port)"
driver_port="$(free_port)"
home="$(mktemp -d)"
profile="$(mktemp -d)"
token="cg_browser_test_$(python3 -c 'import secrets; print(secrets.token_hex(16))')"

server_pid=""
driver_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$home" "$profile"
}
trap cleanup EXIT

# A stored party with hits for the review queue (`party add` exits 2 when it became a hit).
status=0
CHIPGATE_HOME="$home" CHIPGATE_USER=browser-test "$target/debug/chipgate" party add \
  "Huawei Technologies Co., Ltd." --country CN --external-id C-100 >"$shots/party.log" 2>&1 || status=$?
if [ "$status" != 2 ]; then
  echo "seeding the party master failed (exit $status):" >&2
  cat "$shots/party.log" >&2
  exit 1
fi

CHIPGATE_HOME="$home" CHIPGATE_ADMIN_TOKEN="$token" "$target/debug/chipgate" serve --addr "127.0.0.1:$port" \
  >"$shots/server.log" 2>&1 &
server_pid=$!
chromedriver --port="$driver_port" >"$shots/chromedriver.log" 2>&1 &
driver_pid=$!

python3 - "$port" "$driver_port" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 60
for url in ("http://127.0.0.1:%s/healthz" % sys.argv[1], "http://127.0.0.1:%s/status" % sys.argv[2]):
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except Exception:
            if time.time() > deadline:
                sys.exit("not answering: " + url)
            time.sleep(0.2)
PY

CHROMIUM_BIN="$(command -v chromium)" CHROMIUM_PROFILE="$profile" \
  python3 tests/browser/drive.py "http://127.0.0.1:$port" "$token" "$shots" "$driver_port"
