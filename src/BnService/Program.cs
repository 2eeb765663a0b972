using BnService.Grpc;

var builder = WebApplication.CreateBuilder(args);
builder.AddBnGrpc();
var app = builder.Build();
app.MapGet("/healthz", () => Results.Ok());
app.MapBnGrpc();
app.Run();
