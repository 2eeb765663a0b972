#!/usr/bin/python3
"""BnService over gRPC with grpcio and stubs generated from the repository's protos (gen_stubs.sh), including the
call a Triton / KServe client makes: inference.GRPCInferenceService/ModelInfer with raw_input_contents.

    /usr/bin/python3 docs/clients/grpc_client.py localhost:8081
"""
import os
import struct
import subprocess
import sys

import grpc

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, subprocess.check_output([os.path.join(here, "gen_stubs.sh")], text=True).strip())
from bn.v1 import batchnorm_pb2 as bn, batchnorm_pb2_grpc as bn_grpc  # noqa: E402
from inference import grpc_predict_v2_pb2 as v2, grpc_predict_v2_pb2_grpc as v2_grpc  # noqa: E402

TARGET = sys.argv[1] if len(sys.argv) > 1 else "localhost:8081"
LAYER = "clients.grpc.bn"

channel = grpc.insecure_channel(TARGET)  # plain-text HTTP/2 port
# metadata=[("authorization", "Bearer <key>")] on each call when API keys are on
client = bn_grpc.BatchNormStub(channel)

layer = client.CreateLayer(bn.CreateLayerRequest(config=bn.LayerConfig(name=LAYER, channels=3, convention="keras"), reuse="auto")).layer
print("layer:", layer.config.name, "step", layer.step)

reply = client.Train(bn.TrainRequest(name=LAYER, input=bn.Tensor(shape=[4, 3], data=range(1, 13)), request_id="grpc-batch-1"))
print("train: step", reply.step, "batch_mean", list(reply.batch_mean))

# raw_data: little-endian float32 bytes; the answer comes back as raw_data too.
reply = client.Infer(bn.InferRequest(name=LAYER, input=bn.Tensor(shape=[1, 3], raw_data=struct.pack("<3f", 5, 6, 7))))
print("infer (raw_data):", struct.unpack("<3f", reply.output.raw_data))

# Streams: one answer per request, in order.
answers = client.TrainStream(iter([bn.TrainRequest(name=LAYER, input=bn.Tensor(shape=[2, 3], data=[1, 2, 3, 4, 5, 6])),
                                   bn.TrainRequest(name=LAYER, input=bn.Tensor(shape=[2, 3], data=[6, 5, 4, 3, 2, 1]))]))
print("train stream steps:", [a.step for a in answers])

try:
    client.Infer(bn.InferRequest(name=LAYER, input=bn.Tensor(shape=[1, 4], data=[1, 2, 3, 4])))
except grpc.RpcError as e:
    print("bad infer:", e.code().name, "|", e.details(), "| field", dict(e.trailing_metadata()).get("bn-error-field"))

# What a Triton or KServe gRPC client sends (tritonclient.grpc builds exactly this ModelInferRequest).
infer = v2_grpc.GRPCInferenceServiceStub(channel)
print("server ready:", infer.ServerReady(v2.ServerReadyRequest()).ready)
meta = infer.ModelMetadata(v2.ModelMetadataRequest(name=LAYER))
print("model metadata:", meta.platform, [(t.name, t.datatype, list(t.shape)) for t in meta.inputs])
request = v2.ModelInferRequest(model_name=LAYER, id="42",
                               inputs=[v2.ModelInferRequest.InferInputTensor(name="input", datatype="FP32", shape=[2, 3])],
                               outputs=[v2.ModelInferRequest.InferRequestedOutputTensor(name="output")],
                               raw_input_contents=[struct.pack("<6f", 1, 2, 3, 4, 5, 6)])
response = infer.ModelInfer(request)
out = response.outputs[0]
print("ModelInfer:", response.id, out.name, out.datatype, list(out.shape), struct.unpack("<6f", response.raw_output_contents[0]))

client.DeleteLayer(bn.DeleteLayerRequest(name=LAYER))
print("grpcio", grpc.__version__, "OK")
