using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace BnService.Tests;

public class HealthTests
{
    [Fact]
    public async Task HealthzAnswers()
    {
        await using var app = new WebApplicationFactory<Program>();
        using var client = app.CreateClient();
        var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
