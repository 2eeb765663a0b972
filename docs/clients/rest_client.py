#!/usr/bin/python3
"""BnService over REST with `requests` (Debian: python3-requests).

    /usr/bin/python3 docs/clients/rest_client.py http://localhost:8080
"""
import json
import struct
import sys

import requests

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080"
LAYER = "clients.rest.bn"

s = requests.Session()
# s.headers["Authorization"] = "Bearer <key>"   # when API keys are on

# Create (or reuse) a layer; errors are problem details: raise_for_status() plus r.json()["detail"].
r = s.post(f"{BASE}/v1/layers", json={"name": LAYER, "channels": 3, "convention": "pytorch", "reuse": "auto"})
r.raise_for_status()
print("layer:", r.json()["name"], "step", r.json()["step"])

# Train on a JSON batch (NHWC: channels last); request_id makes a retry safe.
batch = {"shape": [4, 3], "data": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}
r = s.post(f"{BASE}/v1/layers/{LAYER}/train", json={"input": batch, "request_id": "rest-batch-1"})
r.raise_for_status()
print("train: step", r.json()["step"], "batch_mean", r.json()["batch_mean"])

# Train on a binary batch: raw little-endian float32, shape in X-Tensor-Shape; binary answer too.
values = [float(v) for v in range(12)]
r = s.post(f"{BASE}/v1/layers/{LAYER}/train", data=struct.pack("<12f", *values),
           headers={"Content-Type": "application/octet-stream", "X-Tensor-Shape": "4,3", "Accept": "application/octet-stream"})
r.raise_for_status()
print("binary train: step", r.headers["X-Layer-Step"], "output[:3]", struct.unpack("<12f", r.content)[:3])

# Infer with the moving statistics.
r = s.post(f"{BASE}/v1/layers/{LAYER}/infer", json={"input": {"shape": [1, 3], "data": [5, 6, 7]}})
r.raise_for_status()
print("infer:", r.json()["output"]["data"])

# A bad request is a 400 problem naming the field.
r = s.post(f"{BASE}/v1/layers/{LAYER}/infer", json={"input": {"shape": [1, 4], "data": [1, 2, 3, 4]}})
print("bad infer:", r.status_code, r.headers["Content-Type"], r.json()["errors"])

# The state as PyTorch's state_dict in a safetensors file, and back.
r = s.get(f"{BASE}/v1/layers/{LAYER}/state", params={"format": "safetensors"})
r.raise_for_status()
(n,) = struct.unpack("<Q", r.content[:8])
print("safetensors tensors:", sorted(k for k in json.loads(r.content[8:8 + n]) if k != "__metadata__"))
s.put(f"{BASE}/v1/layers/{LAYER}/state", params={"format": "safetensors"}, data=r.content,
      headers={"Content-Type": "application/octet-stream"}).raise_for_status()

# Open Inference Protocol (KServe V2 / Triton) JSON.
r = s.post(f"{BASE}/v2/models/{LAYER}/infer",
           json={"inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32", "data": [5, 6, 7]}]})
r.raise_for_status()
print("v2 infer:", r.json()["outputs"][0]["data"])

print("metrics:", [line for line in s.get(f"{BASE}/metrics").text.splitlines() if line.startswith("bn_train_steps_total") and LAYER in line])
s.delete(f"{BASE}/v1/layers/{LAYER}").raise_for_status()
print("requests", requests.__version__, "OK")
