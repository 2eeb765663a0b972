#!/usr/bin/env bash
# Cost of durable writes: sequential train calls per second on one layer with memory, file and redis storage,
# the same batch each time, one run each (WriteEvery=1: every call answers after its state is written).
# Usage: scripts/storage-throughput.sh [seconds per kind, default 10]
# Needs the built service (dotnet build), python3, and redis-server on PATH for the redis run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
dll=src/BnService/bin/Debug/net10.0/BnService.dll
[ -f "$dll" ] || dotnet build src/BnService/BnService.csproj --nologo -v q
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

redis_port=$(port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null &
pids+=($!)

for kind in memory file redis; do
  rest=$(port); grpc=$(port); silo=$(port); gateway=$(port)
  Kestrel__Endpoints__Rest__Url="http://127.0.0.1:$rest" Kestrel__Endpoints__Grpc__Url="http://127.0.0.1:$grpc" \
  Cluster__SiloPort=$silo Cluster__GatewayPort=$gateway Logging__Level=Warning \
  Storage__Kind=$kind Storage__Path="$work/layers" Storage__Redis="127.0.0.1:$redis_port" \
    dotnet "$dll" >"$work/$kind.log" 2>&1 &
  service=$!
  pids+=($service)
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$rest/readyz" >/dev/null && break; sleep 0.2; done
  python3 - "$rest" "$seconds" "$kind" <<'PY'
import http.client, json, struct, sys, time
port, seconds, kind = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port)
channels, rows = 64, 32
c.request("POST", "/v1/layers", json.dumps({"name": "bench", "channels": channels}), {"Content-Type": "application/json"})
c.getresponse().read()
body = struct.pack(f"<{rows * channels}f", *[(i % 97) / 10.0 for i in range(rows * channels)])
headers = {"Content-Type": "application/octet-stream", "X-Tensor-Shape": f"{rows},{channels}", "Accept": "application/octet-stream"}
def train():
    c.request("POST", "/v1/layers/bench/train", body, headers)
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
for _ in range(200):
    train()
calls, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds:
    train(); calls += 1
elapsed = time.perf_counter() - start
print(f"{kind:6s} {calls / elapsed:8.0f} train calls/s  ({1000 * elapsed / calls:.2f} ms a call; batch {rows}x{channels} float32, binary)")
PY
  kill "$service"; wait "$service" 2>/dev/null || true
done
