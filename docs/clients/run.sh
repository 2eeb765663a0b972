#!/bin/sh
# Starts BnService on free loopback ports, runs every client here against it, stops it.
#   docs/clients/run.sh          (from the repository root; needs the Debian packages named in each script)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
set -- $(python3 -c "
import socket
s = [socket.socket() for _ in range(4)]
for x in s: x.bind(('127.0.0.1', 0))
print(' '.join(str(x.getsockname()[1]) for x in s))")
rest=$1 grpc=$2
log=$(mktemp)
Kestrel__Endpoints__Rest__Url=http://127.0.0.1:$rest Kestrel__Endpoints__Grpc__Url=http://127.0.0.1:$grpc \
  Cluster__SiloPort=$3 Cluster__GatewayPort=$4 dotnet run --project "$root/src/BnService" >"$log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$rest/readyz" >/dev/null 2>&1 && break
  sleep 1
done
curl -sf "http://127.0.0.1:$rest/readyz" >/dev/null || { cat "$log"; exit 1; }

"$root/docs/clients/curl.sh" "http://127.0.0.1:$rest"
/usr/bin/python3 "$root/docs/clients/rest_client.py" "http://127.0.0.1:$rest"
/usr/bin/python3 "$root/docs/clients/grpc_client.py" "127.0.0.1:$grpc"
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 "$root/docs/clients/torch_state_check.py" "http://127.0.0.1:$rest"
else
  echo "torch_state_check.py skipped: no python3-torch"
fi
