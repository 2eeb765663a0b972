#!/bin/sh
# BnService with curl: REST /v1, the Open Inference Protocol (/v2) in JSON and in Triton's binary tensor form
# (what tritonclient.http sends), state files and metrics.   Usage: docs/clients/curl.sh [http://localhost:8080]
set -eu
base=${1:-http://localhost:8080}
layer=clients.curl.bn
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

curl -sf -X POST "$base/v1/layers" -H 'Content-Type: application/json' \
  -d "{\"name\": \"$layer\", \"channels\": 3, \"convention\": \"keras\", \"reuse\": \"auto\"}" >/dev/null
curl -sf -X POST "$base/v1/layers/$layer/train" -H 'Content-Type: application/json' \
  -d '{"input": {"shape": [4, 3], "data": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]}, "request_id": "curl-batch-1"}'; echo
curl -sf -X POST "$base/v1/layers/$layer/infer" -H 'Content-Type: application/json' \
  -d '{"input": {"shape": [1, 3], "data": [5, 6, 7]}}'; echo

# Open Inference Protocol, JSON.
curl -sf "$base/v2/models/$layer/infer" \
  -d '{"id": "42", "inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32", "data": [5, 6, 7]}]}'; echo

# Triton's binary tensor extension: JSON header, then the input as little-endian float32; the output comes back
# the same way (Inference-Header-Content-Length gives the JSON part's length).
header='{"inputs":[{"name":"input","shape":[2,3],"datatype":"FP32","parameters":{"binary_data_size":24}}],"outputs":[{"name":"output","parameters":{"binary_data":true}}]}'
printf '%s' "$header" > "$tmp/body"
python3 -c "import struct,sys; sys.stdout.buffer.write(struct.pack('<6f', 1, 2, 3, 4, 5, 6))" >> "$tmp/body"
curl -sf "$base/v2/models/$layer/infer" -H 'Content-Type: application/octet-stream' \
  -H "Inference-Header-Content-Length: ${#header}" --data-binary @"$tmp/body" -D "$tmp/headers" -o "$tmp/answer"
n=$(grep -i '^Inference-Header-Content-Length:' "$tmp/headers" | tr -dc '0-9')
head -c "$n" "$tmp/answer"; echo
tail -c +"$((n + 1))" "$tmp/answer" | python3 -c "import struct,sys; print(struct.unpack('<6f', sys.stdin.buffer.read()))"

# State files and metrics.
curl -sf "$base/v1/layers/$layer/state?format=keras"; echo
curl -sf "$base/v1/layers/$layer/state?format=safetensors" -o "$tmp/bn.safetensors"
curl -sf -X PUT "$base/v1/layers/$layer/state?format=safetensors" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$tmp/bn.safetensors" >/dev/null
curl -sf "$base/metrics" | grep "^bn_train_steps_total.*$layer"
curl -sf -X DELETE "$base/v1/layers/$layer"
echo "curl OK"
