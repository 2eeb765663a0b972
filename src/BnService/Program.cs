using BnService.Grpc;
using BnService.Hosting;
using BnService.Inference;
using BnService.Layers;
using BnService.Rest;
using BnService.Security;
using BnService.StateFiles;

var builder = WebApplication.CreateBuilder(args);
builder.AddBnLogging();
builder.AddBnHosting();
builder.AddBnLayers();
builder.AddBnRest();
builder.AddBnGrpc();
builder.AddBnSecurity();
builder.AddBnInference();
builder.AddBnStateFiles();

var app = builder.Build();
app.UseBnRequestLogging();
app.UseBnProblems();
app.UseBnRouteLogging();
app.UseBnSecurity();
app.MapBnHealth();
app.MapBnRest();
app.MapBnGrpc();
app.MapBnInference();
app.MapBnStateFiles();
app.Run();
