namespace BnService.Layers.Grains;

/// <summary>
/// request_id idempotency for one layer. The ids of the last <see cref="Capacity"/> applied train calls are
/// stored with the layer, so a retry is never applied twice. The full answers (outputs included) are kept in
/// memory within a byte budget, newest first, so a retry normally gets the very same answer; a retry whose
/// answer is no longer held (older than the budget, or the layer was reloaded) gets a 409 that says so.
/// </summary>
internal sealed class TrainReceipts(List<TrainReceipt> stored, long replayBytes)
{
    public const int Capacity = 1024;

    private readonly Dictionary<string, TrainReply> _replies = new(StringComparer.Ordinal);
    private readonly Queue<string> _replyOrder = new();
    private long _replyBytes;

    public bool TryFind(string requestId, out TrainReceipt receipt, out TrainReply? reply)
    {
        // Searching from the newest: retries come soon after the original.
        for (var i = stored.Count - 1; i >= 0; i--)
        {
            if (string.Equals(stored[i].RequestId, requestId, StringComparison.Ordinal))
            {
                receipt = stored[i];
                reply = _replies.GetValueOrDefault(requestId);
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

        var size = Size(reply);
        if (size > replayBytes)
        {
            return;
        }

        _replies[requestId] = reply;
        _replyOrder.Enqueue(requestId);
        _replyBytes += size;
        while (_replyBytes > replayBytes && _replyOrder.TryDequeue(out var oldest))
        {
            Forget(oldest);
        }
    }

    private void Forget(string requestId)
    {
        if (_replies.Remove(requestId, out var reply))
        {
            _replyBytes -= Size(reply);
        }
    }

    private static long Size(TrainReply reply) => reply.Output.Bytes.LongLength + 16L * reply.BatchMean.Length;
}
