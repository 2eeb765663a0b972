using BnService.Layers.Grains;

namespace BnService.Tests.Layers;

/// <summary>
/// request_id bookkeeping: at least the last 1,024 ids per layer, the newest answer always and older ones within the byte budget. (The layer
/// grain keeps one of these over its stored receipts; IdempotencyTests check retries end to end.)
/// </summary>
public class TrainReceiptsTests
{
    private static TrainReply Reply(long step, int bytes) => new(new GrainTensor([bytes / 4, 1], new byte[bytes]), [0.0], [1.0], step, 0);

    [Fact]
    public void IdsBeyondTheCapacityAreForgottenOldestFirst()
    {
        var stored = new List<TrainReceipt>();
        var receipts = new TrainReceipts(stored, replayBytes: 1 << 20);
        for (var i = 0; i < TrainReceipts.Capacity + 10; i++)
        {
            receipts.Add($"id-{i}", Reply(i + 1, 8));
        }

        Assert.Equal(TrainReceipts.Capacity, stored.Count);
        Assert.False(receipts.TryFind("id-9", out _, out _));
        Assert.True(receipts.TryFind("id-10", out var oldest, out var reply));
        Assert.Equal(11, oldest.Step);
        Assert.Equal(11, reply!.Step);
    }

    [Fact]
    public void AnswersAreKeptNewestFirstWithinTheBudget()
    {
        var stored = new List<TrainReceipt>();
        var receipts = new TrainReceipts(stored, replayBytes: 100);
        receipts.Add("a", Reply(1, 40));
        receipts.Add("b", Reply(2, 40));
        receipts.Add("c", Reply(3, 40));

        Assert.True(receipts.TryFind("a", out var a, out var aReply));
        Assert.Equal(1, a.Step);
        Assert.Null(aReply);
        Assert.True(receipts.TryFind("c", out _, out var cReply));
        Assert.Equal(3, cReply!.Step);

        // The newest answer is held even when it alone is over the budget; it pushes out the older ones.
        receipts.Add("huge", Reply(4, 400));
        Assert.True(receipts.TryFind("huge", out var huge, out var hugeReply));
        Assert.Equal(4, huge.Step);
        Assert.Equal(4, hugeReply!.Step);
        Assert.True(receipts.TryFind("c", out var c, out cReply));
        Assert.Equal(3, c.Step);
        Assert.Null(cReply);

        // Once a later answer comes, the huge one is over the budget and goes; the newest stays.
        receipts.Add("d", Reply(5, 40));
        Assert.True(receipts.TryFind("huge", out _, out hugeReply));
        Assert.Null(hugeReply);
        Assert.True(receipts.TryFind("d", out _, out var dReply));
        Assert.Equal(5, dReply!.Step);
    }

    [Fact]
    public void ABudgetOfZeroStillHoldsTheNewestAnswer()
    {
        var receipts = new TrainReceipts([], replayBytes: 0);
        receipts.Add("a", Reply(1, 64));
        Assert.True(receipts.TryFind("a", out _, out var aReply));
        Assert.Equal(1, aReply!.Step);

        receipts.Add("b", Reply(2, 64));
        Assert.True(receipts.TryFind("a", out var a, out aReply));
        Assert.Equal(1, a.Step);
        Assert.Null(aReply);
        Assert.True(receipts.TryFind("b", out _, out var bReply));
        Assert.Equal(2, bReply!.Step);
    }

    [Fact]
    public void AnIdForgottenWithTheOldestReceiptsCanBeUsedAgain()
    {
        var receipts = new TrainReceipts([], replayBytes: 1 << 20);
        receipts.Add("reused", Reply(1, 8));
        for (var i = 0; i < TrainReceipts.Capacity; i++)
        {
            receipts.Add($"id-{i}", Reply(i + 2, 8));
        }

        Assert.False(receipts.TryFind("reused", out _, out _));
        receipts.Add("reused", Reply(2000, 8));
        for (var i = 0; i < 10; i++)
        {
            receipts.Add($"more-{i}", Reply(2001 + i, 8));
        }

        // The old entry of the id does not take the new answer with it.
        Assert.True(receipts.TryFind("reused", out var reused, out var reply));
        Assert.Equal(2000, reused.Step);
        Assert.Equal(2000, reply!.Step);
    }
}
