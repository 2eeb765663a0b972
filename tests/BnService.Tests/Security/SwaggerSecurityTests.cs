using System.Text.Json.Nodes;
using BnService.Tests.Grpc;

namespace BnService.Tests.Security;

/// <summary>With authentication on, Swagger UI offers "Authorize" with the Bearer scheme; the document stays readable without a key.</summary>
public sealed class SwaggerSecurityTests
{
    [Fact]
    public async Task TheDocumentDeclaresTheBearerSchemeOnOperationsThatNeedAKey()
    {
        await using var host = AuthenticatedHost.Start();
        var document = await DocumentAsync(host);

        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        Assert.Equal("http", (string?)scheme["type"]);
        Assert.Equal("bearer", (string?)scheme["scheme"]);

        var train = document["paths"]!["/v1/layers/{name}/train"]!["post"]!;
        Assert.NotNull(train["security"]![0]!["Bearer"]);
        Assert.NotNull(train["responses"]!["401"]);
        Assert.NotNull(train["responses"]!["403"]);
        Assert.Contains("'write' role", (string?)train["description"], StringComparison.Ordinal);
        Assert.Contains("'read' role", (string?)document["paths"]!["/v1/layers/{name}"]!["get"]!["description"], StringComparison.Ordinal);
        Assert.Null(document["paths"]!["/healthz"]!["get"]!["security"]);
    }

    [Fact]
    public async Task WithAuthenticationOffTheDocumentHasNoScheme()
    {
        await using var host = GrpcHost.Start();
        var document = await DocumentAsync(host);
        Assert.Null(document["components"]?["securitySchemes"]);
        Assert.Null(document["paths"]!["/v1/layers/{name}/train"]!["post"]!["security"]);
    }

    private static async Task<JsonNode> DocumentAsync(GrpcHost host)
    {
        using var response = await host.Rest.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var ui = await host.Rest.GetAsync(new Uri("/swagger/index.html", UriKind.Relative));
        ui.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
