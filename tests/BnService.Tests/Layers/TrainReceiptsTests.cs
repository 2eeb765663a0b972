using BnService.Layers.Grains;

namespace BnService.Tests.Layers;

/// <summary>
/// request_id bookkeeping: at least the last 1,024 ids per layer, answers within the byte budget. (The layer
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

        // An answer larger than the whole budget is never held; its id still is.
        receipts.Add("huge", Reply(4, 400));
        Assert.True(receipts.TryFind("huge", out var huge, out var hugeReply));
        Assert.Equal(4, huge.Step);
        Assert.Null(hugeReply);
        Assert.True(receipts.TryFind("c", out _, out cReply));
        Assert.NotNull(cReply);
    }
}
