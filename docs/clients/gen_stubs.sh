#!/bin/sh
# Python stubs for bn.v1.BatchNorm and inference.GRPCInferenceService from the repository's protos.
# Debian packages: protobuf-compiler (protoc 3.21), protobuf-compiler-grpc (grpc_python_plugin), python3-grpcio,
# python3-protobuf, and python3-grpc-tools only for the well-known protos (its bundled protoc 3.5 is too old for
# proto3 "optional"). Usage: docs/clients/gen_stubs.sh [out-dir]   (prints the directory to put on sys.path)
set -e
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"${TMPDIR:-/tmp}/bnservice-stubs"}
mkdir -p "$out"
protoc -I "$root/protos" -I /usr/lib/python3/dist-packages/grpc_tools/_proto --python_out="$out" --grpc_out="$out" \
  --plugin=protoc-gen-grpc="$(command -v grpc_python_plugin)" \
  bn/v1/batchnorm.proto inference/grpc_predict_v2.proto
echo "$out"
