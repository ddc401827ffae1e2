using Slo.Engine.Budgets;

namespace Slo.Engine.Ledger;

/// <summary>
/// Contiguous buckets of one length, [<see cref="StartMs"/>, <see cref="EndMs"/>), each holding good and bad event
/// counts as 32-bit floats (seven significant digits: far finer than the 1% the figures need, half the memory of
/// doubles). Remembers which chunks changed since they were last taken for storage.
/// </summary>
internal sealed class BucketRun
{
    private float[] _data = [];
    private int _offset;
    private readonly HashSet<long> _dirty = [];

    public BucketRun(long resolutionMs, long startMs)
    {
        if (resolutionMs <= 0)
            throw new ArgumentOutOfRangeException(nameof(resolutionMs), resolutionMs, "A bucket must be longer than zero.");
        if (startMs % resolutionMs != 0)
            throw new ArgumentOutOfRangeException(nameof(startMs), startMs, "Buckets are aligned to the epoch.");
        ResolutionMs = resolutionMs;
        StartMs = startMs;
    }

    public long ResolutionMs { get; }
    public long StartMs { get; private set; }
    public int Count { get; private set; }
    public long EndMs => StartMs + Count * ResolutionMs;
    public long ChunkMs => ResolutionMs * LedgerLayout.ChunkBuckets;

    /// <summary>True when buckets were dropped at either end since the last <see cref="TakeDirtyChunks"/>.</summary>
    public bool Shrunk { get; private set; }

    public (float Good, float Bad) this[int index] => (_data[2 * (_offset + index)], _data[2 * (_offset + index) + 1]);

    /// <summary>Writes buckets from <paramref name="startMs"/> on, overwriting held ones and appending the rest; the
    /// first must lie within or right after the run, so no hole opens. An empty run may start anywhere aligned.</summary>
    public void Write(long startMs, ReadOnlySpan<EventCounts> counts)
    {
        if (counts.IsEmpty)
            return;
        Aligned(startMs);
        if (Count == 0)
            StartMs = startMs;
        else if (startMs < StartMs || startMs > EndMs)
            throw new ArgumentOutOfRangeException(nameof(startMs), startMs, $"Writing at {startMs} would leave a hole in buckets [{StartMs}, {EndMs}).");

        var first = (int)((startMs - StartMs) / ResolutionMs);
        EnsureCapacityAtEnd(Math.Max(Count, first + counts.Length));
        for (var i = 0; i < counts.Length; i++)
        {
            var at = 2 * (_offset + first + i);
            _data[at] = (float)counts[i].Good;
            _data[at + 1] = (float)counts[i].Bad;
        }

        Count = Math.Max(Count, first + counts.Length);
        MarkDirty(startMs, startMs + counts.Length * ResolutionMs);
    }

    /// <summary>Puts buckets right before the run (extending it back in time).</summary>
    public void Prepend(long startMs, ReadOnlySpan<EventCounts> counts)
    {
        if (counts.IsEmpty)
            return;
        Aligned(startMs);
        if (Count == 0)
        {
            Write(startMs, counts);
            return;
        }

        if (startMs + counts.Length * ResolutionMs != StartMs)
            throw new ArgumentOutOfRangeException(nameof(startMs), startMs, $"Prepended buckets must end where the run starts ({StartMs}).");
        var data = new float[2 * (Count + counts.Length)];
        for (var i = 0; i < counts.Length; i++)
        {
            data[2 * i] = (float)counts[i].Good;
            data[2 * i + 1] = (float)counts[i].Bad;
        }

        Array.Copy(_data, 2 * _offset, data, 2 * counts.Length, 2 * Count);
        _data = data;
        _offset = 0;
        Count += counts.Length;
        StartMs = startMs;
        MarkDirty(startMs, startMs + counts.Length * ResolutionMs);
    }

    /// <summary>Adds to the bucket at <paramref name="index"/>.</summary>
    public void Add(int index, EventCounts extra)
    {
        var at = 2 * (_offset + index);
        _data[at] += (float)extra.Good;
        _data[at + 1] += (float)extra.Bad;
        var start = StartMs + index * ResolutionMs;
        MarkDirty(start, start + 1);
    }

    /// <summary>Removes the first <paramref name="buckets"/> buckets and returns their sum.</summary>
    public EventCounts TakeFront(int buckets)
    {
        if (buckets < 0 || buckets > Count)
            throw new ArgumentOutOfRangeException(nameof(buckets), buckets, $"The run holds {Count} buckets.");
        double good = 0, bad = 0;
        for (var i = 0; i < buckets; i++)
        {
            var (g, b) = this[i];
            good += g;
            bad += b;
        }

        _offset += buckets;
        Count -= buckets;
        StartMs += buckets * ResolutionMs;
        if (buckets > 0)
        {
            // The chunk holding the new first bucket changes; chunks wholly before it are dropped from storage.
            Shrunk = true;
            if (Count > 0)
                MarkDirty(StartMs, StartMs + 1);
        }

        if (Count == 0)
            _offset = 0;
        return EventCounts.FromTotalAndBad(good + bad, bad);
    }

    /// <summary>Drops every bucket that starts at or after <paramref name="ms"/>.</summary>
    public void TruncateFrom(long ms)
    {
        if (ms >= EndMs)
            return;
        var keep = (int)Math.Max(0, (ms - StartMs + ResolutionMs - 1) / ResolutionMs);
        Count = Math.Min(Count, keep);
        Shrunk = true;
        if (Count > 0)
            MarkDirty(EndMs - 1, EndMs);
    }

    /// <summary>Adds each bucket's counts in proportion to how much of it lies in [fromMs, toMs).</summary>
    public void SumInto(long fromMs, long toMs, ref double good, ref double bad)
    {
        var from = Math.Max(fromMs, StartMs);
        var to = Math.Min(toMs, EndMs);
        if (to <= from)
            return;
        var first = (int)((from - StartMs) / ResolutionMs);
        var last = (int)((to - 1 - StartMs) / ResolutionMs);
        for (var i = first; i <= last; i++)
        {
            var bucketStart = StartMs + i * ResolutionMs;
            var (g, b) = this[i];
            var inside = Math.Min(to, bucketStart + ResolutionMs) - Math.Max(from, bucketStart);
            if (inside == ResolutionMs)
            {
                good += g;
                bad += b;
            }
            else
            {
                // A bucket cut by the window's edge: events are taken as spread evenly over it.
                var share = inside / (double)ResolutionMs;
                good += g * share;
                bad += b * share;
            }
        }
    }

    /// <summary>The chunks changed since the last call, each as <see cref="LedgerLayout.ChunkBuckets"/> pairs with NaN
    /// where the run holds nothing; clears the marks.</summary>
    public IReadOnlyList<LedgerChunk> TakeDirtyChunks(int tier)
    {
        var chunks = new List<LedgerChunk>(_dirty.Count);
        foreach (var chunkStart in _dirty.Order())
        {
            var counts = new float[2 * LedgerLayout.ChunkBuckets];
            Array.Fill(counts, float.NaN);
            for (var i = 0; i < LedgerLayout.ChunkBuckets; i++)
            {
                var ms = chunkStart + i * ResolutionMs;
                if (ms < StartMs || ms >= EndMs)
                    continue;
                var (g, b) = this[(int)((ms - StartMs) / ResolutionMs)];
                counts[2 * i] = g;
                counts[2 * i + 1] = b;
            }

            chunks.Add(new LedgerChunk(tier, chunkStart, counts));
        }

        _dirty.Clear();
        Shrunk = false;
        return chunks;
    }

    public void MarkAllDirty() => MarkDirty(StartMs, EndMs);

    private void MarkDirty(long fromMs, long toMs)
    {
        for (var chunk = Floor(fromMs, ChunkMs); chunk < toMs; chunk += ChunkMs)
            _dirty.Add(chunk);
    }

    private void EnsureCapacityAtEnd(int count)
    {
        if (2 * (_offset + count) <= _data.Length)
            return;
        // Slide back over buckets taken from the front before growing; grow by an eighth so long runs waste little.
        var capacity = Math.Max(count + count / 8, count + 16);
        var data = 2 * capacity <= _data.Length ? _data : new float[2 * capacity];
        Array.Copy(_data, 2 * _offset, data, 0, 2 * Count);
        _data = data;
        _offset = 0;
    }

    private void Aligned(long ms)
    {
        if (ms % ResolutionMs != 0)
            throw new ArgumentOutOfRangeException(nameof(ms), ms, $"Buckets of {ResolutionMs} ms are aligned to the epoch.");
    }

    internal static long Floor(long ms, long step) => ms >= 0 ? ms / step * step : -((-ms + step - 1) / step) * step;
}

/// <summary>One stored piece of a ledger's part <see cref="Tier"/> (0 is the coarsest): <see cref="LedgerLayout.ChunkBuckets"/>
/// buckets from <see cref="StartMs"/>, as good, bad pairs; NaN marks a bucket that part does not hold.</summary>
public sealed record LedgerChunk(int Tier, long StartMs, float[] Counts);
