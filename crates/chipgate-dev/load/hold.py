#!/usr/bin/env python3
# Holds connections open against a local `chipgate serve` and reports when the server closes
# them: IDLE connections that never send a byte, and SLOW ones that send a request line and
# then a header line every 0.5 s, never ending the head (slowloris). Also GETs /healthz every
# 0.5 s meanwhile. Loopback only, bounded by LIMIT seconds. See docs/benchmarks.md, Server.
# Usage: ulimit -n 20000; python3 crates/chipgate-dev/load/hold.py PORT IDLE SLOW LIMIT
import socket, sys, time, urllib.request, select
port, idle_n, slow_n, limit = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
conns = []
opened_at = []
t0 = time.time()
for i in range(idle_n):
    s = socket.create_connection(("127.0.0.1", port)); s.setblocking(False); conns.append(("idle", s)); opened_at.append(time.time() - t0)
for i in range(slow_n):
    s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"GET /healthz HTTP/1.1\r\n"); s.setblocking(False); conns.append(("slow", s)); opened_at.append(time.time() - t0)
opened = time.time() - t0
closed = {}
health = []
last_drip = time.time()
while time.time() - t0 < limit and len(closed) < len(conns):
    if time.time() - last_drip > 0.5:
        for i, (kind, s) in enumerate(conns):
            if kind == "slow" and i not in closed:
                try: s.send(b"X-a: b\r\n")
                except OSError: closed[i] = time.time() - t0
        last_drip = time.time()
        t = time.time()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read(); health.append(time.time() - t)
        except Exception as e:
            health.append(None)
    poller = select.poll()
    by_fd = {}
    for i, (k, s) in enumerate(conns):
        if i not in closed:
            poller.register(s, select.POLLIN); by_fd[s.fileno()] = i
    for fd, ev in poller.poll(100):
        i = by_fd[fd]
        try: data = conns[i][1].recv(100)
        except OSError: data = b""
        if not data: closed[i] = time.time() - t0
for kind in ("idle", "slow"):
    ts = sorted(closed[i] - opened_at[i] for i, (k, s) in enumerate(conns) if k == kind and i in closed)
    n = sum(1 for k, s in conns if k == kind)
    if ts: print(f"{kind}: {len(ts)}/{n} closed by the server, {ts[0]:.1f} to {ts[-1]:.1f} s after each was opened (detected from {min(closed.values()):.1f} s)")
    else: print(f"{kind}: 0/{n} closed within {limit} s")
ok = [h for h in health if h is not None]
print(f"opened in {opened:.1f} s; /healthz during the test: {len(ok)}/{len(health)} answered, slowest {max(ok)*1000 if ok else 0:.1f} ms")
