using static BnService.Tests.Infrastructure.RestCalls;

namespace BnService.Tests.Hostile;

/// <summary>
/// Every case of <see cref="RestCases"/>: the exact status with an RFC 9457 problem (status, title, detail), every
/// layer exactly as it was (full representation and list), and no fault in the host's log.
/// </summary>
public sealed class MalformedRestTests(HostileService service) : IClassFixture<HostileService>
{
    public static TheoryData<string> Cases => RestCases.Names();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AnswersItsStatusWithAProblemAndChangesNothing(string name)
    {
        var @case = RestCases.Named(name);
        var before = await service.SnapshotAsync();
        var mark = service.Logs.Mark();

        using var response = await service.Rest.SendAsync(@case.Request(HostileService.Target));
        service.Logs.AssertNoFaults(name, mark);
        var problem = await AssertProblemAsync(response, @case.Status, @case.Field);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"{name}: the problem has no detail: {problem.ToJsonString()}");

        Assert.Equal(before, await service.SnapshotAsync());
        service.Logs.AssertNoFaults(name, mark);
    }

    [Fact]
    public void ThereAreAtLeastSixtyDistinctCases()
    {
        Assert.True(RestCases.All.Count >= 60);
        Assert.Equal(RestCases.All.Count, RestCases.All.Select(c => c.Name).Distinct().Count());
    }
}
