#!/usr/bin/python3
"""Checks state files against PyTorch itself (Debian's python3-torch; the safetensors package is PyPI-only here,
so the file is read and written by the few lines below, from the format's description).

    /usr/bin/python3 docs/clients/torch_state_check.py http://localhost:8080

1. Trains a BnService layer (pytorch convention, NCHW) and torch.nn.BatchNorm2d on the same batches, exports the
   layer as safetensors, load_state_dict()s it into a fresh BatchNorm2d and compares with the trained module.
2. Writes the trained module's state_dict as safetensors, PUTs it into a fresh layer and compares eval outputs.
"""
import json
import struct
import sys
import uuid

import requests
import torch

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080"
DTYPES = {"F32": torch.float32, "I64": torch.int64}
NAMES = {torch.float32: "F32", torch.int64: "I64"}


def load_safetensors(data: bytes) -> dict:
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    header.pop("__metadata__", None)
    buffer = data[8 + n:]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        t = torch.frombuffer(bytearray(buffer[begin:end]), dtype=DTYPES[info["dtype"]])
        out[name] = t.reshape(info["shape"])
    return out


def save_safetensors(tensors: dict) -> bytes:
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def create(name, channels):
    r = requests.post(f"{BASE}/v1/layers", json={"name": name, "channels": channels, "convention": "pytorch", "data_format": "NCHW"})
    r.raise_for_status()


def main():
    torch.manual_seed(0)
    c = 4
    batches = [torch.randn(3, c, 5, 5) * (i + 1) + i for i in range(5)]

    # 1. BnService -> PyTorch
    name = f"torch-check-{uuid.uuid4().hex[:8]}"
    create(name, c)
    module = torch.nn.BatchNorm2d(c)
    module.train()
    for x in batches:
        requests.post(f"{BASE}/v1/layers/{name}/train",
                      json={"input": {"shape": list(x.shape), "data": x.flatten().tolist()}}).raise_for_status()
        module(x)
    r = requests.get(f"{BASE}/v1/layers/{name}/state", params={"format": "safetensors"})
    r.raise_for_status()
    loaded = torch.nn.BatchNorm2d(c)
    result = loaded.load_state_dict(load_safetensors(r.content))
    print("load_state_dict:", result)
    for key, value in module.state_dict().items():
        got = loaded.state_dict()[key]
        if key == "num_batches_tracked":
            assert int(got) == int(value), (key, got, value)
        else:
            assert torch.allclose(got, value, rtol=1e-5, atol=1e-6), (key, got, value)
        print(f"  {key}: matches torch ({value.flatten()[:2].tolist()}...)")

    # 2. PyTorch -> BnService
    other = f"torch-check-{uuid.uuid4().hex[:8]}"
    create(other, c)
    r = requests.put(f"{BASE}/v1/layers/{other}/state", params={"format": "safetensors"},
                     data=save_safetensors(module.state_dict()), headers={"Content-Type": "application/octet-stream"})
    r.raise_for_status()
    x = torch.randn(2, c, 3, 3)
    r = requests.post(f"{BASE}/v1/layers/{other}/infer", json={"input": {"shape": list(x.shape), "data": x.flatten().tolist()}})
    r.raise_for_status()
    got = torch.tensor(r.json()["output"]["data"]).reshape(x.shape)
    module.eval()
    want = module(x).detach()
    assert torch.allclose(got, want, rtol=1e-5, atol=1e-5), (got - want).abs().max()
    print(f"PUT torch state_dict, infer: max |diff| vs torch eval = {(got - want).abs().max().item():.3g}")
    for n in (name, other):
        requests.delete(f"{BASE}/v1/layers/{n}")
    print("torch", torch.__version__, "OK")


if __name__ == "__main__":
    main()
