"""REST JSON as a Python client writes it, against a running BnService (standard library only).

json.dumps puts ", " between values, and a float32 array's values reach it as Python floats: each float32's double,
written with up to 17 significant digits. This creates a layer of 64 channels, trains it twice, checks that a JSON
infer of a [4096, 64] batch answers exactly what the binary infer of the same floats answers, then times JSON infer
calls (wall clock per call; with --pid, the server process's CPU time per call from /proc).

    python3 bench/python/json_infer.py --url http://127.0.0.1:5000 --calls 40 [--pid PID]
"""
import argparse
import json
import random
import struct
import time
import urllib.error
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--url", default="http://127.0.0.1:5000")
parser.add_argument("--calls", type=int, default=40)
parser.add_argument("--pid", type=int)
parser.add_argument("--layer", default="python-json")
args = parser.parse_args()
ROWS, CHANNELS = 4096, 64


def post(path, body, content_type="application/json", headers=None):
    request = urllib.request.Request(args.url + path, data=body, method="POST",
                                     headers={"Content-Type": content_type, **(headers or {})})
    with urllib.request.urlopen(request) as response:
        return response.read()


def server_cpu_ms():
    fields = open(f"/proc/{args.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / 100  # utime + stime, in clock ticks of 10 ms


random.seed(3)
values = [struct.unpack("<f", struct.pack("<f", random.uniform(-2, 2)))[0] for _ in range(ROWS * CHANNELS)]
try:
    post("/v1/layers", json.dumps({"name": args.layer, "channels": CHANNELS}).encode())
except urllib.error.HTTPError as error:
    if error.code != 409:  # already there from an earlier run
        raise
for step in range(2):
    post(f"/v1/layers/{args.layer}/train", json.dumps({"input": {"shape": [ROWS, CHANNELS], "data": values[step:] + values[:step]}}).encode())

body = json.dumps({"input": {"shape": [ROWS, CHANNELS], "data": values}}).encode()
from_json = json.loads(post(f"/v1/layers/{args.layer}/infer", body))["output"]["data"]
from_binary = struct.unpack(f"<{ROWS * CHANNELS}f", post(
    f"/v1/layers/{args.layer}/infer", struct.pack(f"<{ROWS * CHANNELS}f", *values), "application/octet-stream",
    {"X-Tensor-Shape": f"{ROWS},{CHANNELS}", "Accept": "application/octet-stream"}))
identical = all(struct.pack("<f", a) == struct.pack("<f", b) for a, b in zip(from_json, from_binary))
print(f"request {len(body)} bytes ({body[30:70]!r}...); JSON answer identical to the binary one: {identical}")
if not identical:
    raise SystemExit(1)

started, cpu = time.time(), server_cpu_ms() if args.pid else None
for _ in range(args.calls):
    post(f"/v1/layers/{args.layer}/infer", body)
line = f"{args.calls} JSON infer calls: wall {(time.time() - started) * 1000 / args.calls:.2f} ms a call"
if args.pid:
    line += f", server CPU {(server_cpu_ms() - cpu) / args.calls:.2f} ms a call"
print(line)
