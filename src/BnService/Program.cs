using BnService.Grpc;
using BnService.Hosting;
using BnService.Layers;

var builder = WebApplication.CreateBuilder(args);
builder.AddBnLogging();
builder.AddBnHosting();
builder.AddBnLayers();
builder.AddBnGrpc();

var app = builder.Build();
app.UseBnRequestLogging();
app.MapBnHealth();
app.MapBnGrpc();
app.Run();
