using System.Collections.Concurrent;

namespace BnService.Layers;

/// <summary>
/// Reused byte arrays for batches (request bodies read off the wire, layer outputs), by exact length: a
/// <see cref="TensorData"/> is always exactly its values, and a training loop sends one batch size over and over, so
/// the arrays of one call serve the next one instead of becoming garbage: a large one (each 1 MB one would cost a
/// gen2 collection's share), and a small one too, since at thousands of small calls a second their 8 KB arrays were
/// most of what the collector cleared. Arrays under <see cref="MinPooledBytes"/> are plain allocations. An array is
/// returned only by whoever knows that nothing holds it any more; an array never returned is simply collected.
/// That is why a call that fails returns nothing: after a timeout, a grain call still queued may hold its arrays by
/// reference (grain messages are immutable, passed by reference within a silo), so giving them back in a
/// <c>finally</c> could hand a live array to the next call.
/// </summary>
public static class TensorBuffers
{
    /// <summary>Below this many bytes an array is allocated normally (a scalar's or a few channels' worth).</summary>
    public const int MinPooledBytes = 1024;

    /// <summary>The most bytes the pool keeps idle, over all lengths.</summary>
    public const long MaxIdleBytes = 256L * 1024 * 1024;

    /// <summary>The most idle arrays of one length.</summary>
    public const int MaxIdlePerLength = 16;

    private static readonly ConcurrentDictionary<int, ConcurrentStack<byte[]>> Idle = new();
    private static long _idleBytes;

    /// <summary>An array of exactly <paramref name="length"/> bytes whose content is undefined: the caller writes all of it.</summary>
    public static byte[] Rent(int length)
    {
        if (length >= MinPooledBytes && Idle.TryGetValue(length, out var stack) && stack.TryPop(out var array))
        {
            Interlocked.Add(ref _idleBytes, -length);
            return array;
        }

        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Gives an array back for reuse; the caller must hold no reference to it (nor let anything else) afterwards.</summary>
    public static void Return(byte[] array)
    {
        var length = array.Length;
        if (length < MinPooledBytes || length > MaxIdleBytes)
        {
            return;
        }

        if (Interlocked.Add(ref _idleBytes, length) > MaxIdleBytes)
        {
            Interlocked.Add(ref _idleBytes, -length);
            // Full: the batch sizes in use changed. Let the idle arrays of other lengths go, and keep this one next time.
            foreach (var (other, idle) in Idle)
            {
                if (other != length)
                {
                    while (idle.TryPop(out var dropped))
                    {
                        Interlocked.Add(ref _idleBytes, -dropped.Length);
                    }
                }
            }

            return;
        }

        var stack = Idle.GetOrAdd(length, _ => new ConcurrentStack<byte[]>());
        if (stack.Count >= MaxIdlePerLength)
        {
            Interlocked.Add(ref _idleBytes, -length);
            return;
        }

        stack.Push(array);
    }
}

/// <summary>
/// The arrays of one call that can go back to <see cref="TensorBuffers"/> once its answer is written: its batches (the
/// layer or the op is done with them when the call returns) and its output (unless a request_id's replay holds it).
/// Nulls are skipped, and an array named twice goes back once.
/// </summary>
public readonly struct CallBuffers(params byte[]?[] arrays)
{
    /// <summary>For a call whose answer has been written (a stream's message once WriteAsync returned).</summary>
    public void ReturnNow()
    {
        if (arrays is null)
        {
            return;
        }

        for (var i = 0; i < arrays.Length; i++)
        {
            if (arrays[i] is { } array && !NamedBefore(array, i))
            {
                TensorBuffers.Return(array);
            }
        }
    }

    private bool NamedBefore(byte[] array, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (ReferenceEquals(arrays[i], array))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Once the response has been sent: the answer may still be serialized after the handler returns.</summary>
    public void ReturnAfterResponse(HttpContext http)
    {
        if (arrays is not null && Array.FindIndex(arrays, static a => a is not null) >= 0)
        {
            http.Response.RegisterForDispose(new Returner(this));
        }
    }

    private sealed class Returner(CallBuffers buffers) : IDisposable
    {
        public void Dispose() => buffers.ReturnNow();
    }
}
