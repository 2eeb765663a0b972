namespace BnService.Layers.Grains;

/// <summary>
/// request_id idempotency for one layer. The ids of the last <see cref="Capacity"/> applied train calls are
/// stored with the layer, so a retry of any of them is never applied twice. The full answers (outputs included)
/// are kept in memory, newest first: the most recent answer always, however large, so an immediate retry gets
/// the very same answer; older ones while all held answers fit the byte budget. A retry whose answer is no
/// longer held (pushed out of the budget by later answers, or the layer was reloaded) gets a 409 that says so.
/// </summary>
internal sealed class TrainReceipts(List<TrainReceipt> stored, long replayBytes)
{
    public const int Capacity = 1024;

    private readonly Dictionary<string, HeldReply> _replies = new(StringComparer.Ordinal);
    private readonly Queue<(string RequestId, long Sequence)> _replyOrder = new();
    private long _replyBytes;
    private long _added;

    public bool TryFind(string requestId, out TrainReceipt receipt, out TrainReply? reply)
    {
        // Searching from the newest: retries come soon after the original.
        for (var i = stored.Count - 1; i >= 0; i--)
        {
            if (string.Equals(stored[i].RequestId, requestId, StringComparison.Ordinal))
            {
                receipt = stored[i];
                reply = _replies.GetValueOrDefault(requestId)?.Reply;
                return true;
            }
        }

        receipt = null!;
        reply = null;
        return false;
    }

    public void Add(string requestId, TrainReply reply)
    {
        stored.Add(new TrainReceipt(requestId, reply.Step));
        if (stored.Count > Capacity)
        {
            var dropped = stored[0];
            stored.RemoveAt(0);
            Forget(dropped.RequestId);
        }

        var held = new HeldReply(reply, Size(reply), ++_added);
        _replies[requestId] = held;
        _replyOrder.Enqueue((requestId, held.Sequence));
        _replyBytes += held.Bytes;
        // Oldest first, never the newest answer, even when it alone is over the budget.
        while (_replyOrder.Peek().Sequence != held.Sequence && (_replyBytes > replayBytes || !IsHeld(_replyOrder.Peek())))
        {
            var (oldest, sequence) = _replyOrder.Dequeue();
            if (IsHeld((oldest, sequence)))
            {
                Forget(oldest);
            }
        }
    }

    private void Forget(string requestId)
    {
        if (_replies.Remove(requestId, out var held))
        {
            _replyBytes -= held.Bytes;
        }
    }

    /// <summary>
    /// Whether a queued entry is still the held answer of its id: not when the id was dropped with the oldest
    /// receipts, or sent again after that. Dropping such entries from the head keeps the queue within the last
    /// <see cref="Capacity"/> calls.
    /// </summary>
    private bool IsHeld((string RequestId, long Sequence) entry) =>
        _replies.TryGetValue(entry.RequestId, out var held) && held.Sequence == entry.Sequence;

    private static long Size(TrainReply reply) => reply.Output.Bytes.LongLength + 16L * reply.BatchMean.Length;

    private sealed record HeldReply(TrainReply Reply, long Bytes, long Sequence);
}
