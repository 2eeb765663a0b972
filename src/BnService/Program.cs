using BnService.Grpc;
using BnService.Hosting;
using BnService.Layers;
using BnService.Rest;
using BnService.Security;

var builder = WebApplication.CreateBuilder(args);
builder.AddBnLogging();
builder.AddBnHosting();
builder.AddBnLayers();
builder.AddBnRest();
builder.AddBnGrpc();
builder.AddBnSecurity();

var app = builder.Build();
app.UseBnRequestLogging();
app.UseBnProblems();
app.UseBnRouteLogging();
app.UseBnSecurity();
app.MapBnHealth();
app.MapBnRest();
app.MapBnGrpc();
app.Run();
