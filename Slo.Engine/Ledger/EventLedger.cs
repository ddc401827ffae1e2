using Slo.Engine.Budgets;

namespace Slo.Engine.Ledger;

/// <summary>A stretch of buckets to fetch for one part of a ledger: [<see cref="From"/>, <see cref="To"/>) in buckets of
/// <see cref="Bucket"/>, for the part <see cref="Tier"/> (0 is the coarsest).</summary>
public readonly record struct LedgerRange(Instant From, Instant To, Duration Bucket, int Tier)
{
    public int Buckets => (int)((To - From).TotalMilliseconds / Bucket.TotalMilliseconds);
}

/// <summary>
/// One objective's event counts in epoch-aligned buckets: a part per bucket length of its <see cref="LedgerLayout"/>,
/// coarsest first, together one contiguous stretch [<see cref="KnownFrom"/>, <see cref="KnownTo"/>). Its only questions
/// are sums. It never reads a clock or a server: the caller asks <see cref="Plan"/> what to fetch, writes the answers,
/// and the ledger merges aging buckets into coarser ones. Not thread-safe.
/// </summary>
public sealed class EventLedger
{
    private readonly BucketRun[] _runs;

    public EventLedger(LedgerLayout layout)
    {
        Layout = layout ?? throw new ArgumentNullException(nameof(layout));
        _runs = layout.Buckets.Select(b => new BucketRun((long)b.TotalMilliseconds, 0)).ToArray();
    }

    public LedgerLayout Layout { get; }

    public bool IsEmpty => _runs.All(r => r.Count == 0);

    /// <summary>The first instant counted; null when empty.</summary>
    public Instant? KnownFrom => IsEmpty ? null : Instant.FromUnixTimeMilliseconds(_runs.First(r => r.Count > 0).StartMs);

    /// <summary>The end of the newest bucket: counts are complete up to here. Null when empty.</summary>
    public Instant? KnownTo => IsEmpty ? null : Instant.FromUnixTimeMilliseconds(_runs.Last(r => r.Count > 0).EndMs);

    /// <summary>Buckets held, every length together.</summary>
    public int BucketCount => _runs.Sum(r => r.Count);

    /// <summary>True when buckets were dropped since the last <see cref="TakeDirtyChunks"/>: stored chunks outside
    /// <see cref="HeldRanges"/> must go.</summary>
    public bool Shrunk => _runs.Any(r => r.Shrunk);

    /// <summary>The latest fine-bucket edge at or before <paramref name="at"/>: the newest bucket that can exist ends there.</summary>
    public Instant Frontier(Instant at) => Instant.FromUnixTimeMilliseconds(BucketRun.Floor(at.ToUnixTimeMilliseconds(), _runs[^1].ResolutionMs));

    /// <summary>
    /// What to fetch so that [<paramref name="needFrom"/>, frontier of <paramref name="at"/>) is held, and buckets
    /// ending after <paramref name="settledBefore"/> are read again (they may still receive late samples). Each range
    /// comes in the bucket length that its age calls for. Call <see cref="PrepareFor"/> first, then write the answers
    /// in the order of the plan.
    /// </summary>
    public IReadOnlyList<LedgerRange> Plan(Instant needFrom, Instant at, Instant settledBefore)
    {
        var frontier = Frontier(at).ToUnixTimeMilliseconds();
        var starts = TierStarts(frontier);
        starts[0] = Math.Min(BucketRun.Floor(needFrom.ToUnixTimeMilliseconds(), _runs[0].ResolutionMs), starts.Length > 1 ? starts[1] : frontier);
        var ranges = new List<LedgerRange>();
        if (IsEmpty)
        {
            for (var tier = 0; tier < _runs.Length; tier++)
                Add(ranges, starts[tier], tier + 1 < _runs.Length ? starts[tier + 1] : frontier, tier);
            return ranges;
        }

        var knownFrom = KnownFrom!.Value.ToUnixTimeMilliseconds();
        if (starts[0] < knownFrom)
            Add(ranges, starts[0], knownFrom, 0);

        // Continue from the newest part held: up to where the next finer part starts, then that part, and so on.
        var newest = Array.FindLastIndex(_runs, r => r.Count > 0);
        var run = _runs[newest];
        if (newest == _runs.Length - 1)
        {
            var reread = Math.Max(run.StartMs, BucketRun.Floor(settledBefore.ToUnixTimeMilliseconds(), run.ResolutionMs));
            Add(ranges, Math.Min(run.EndMs, reread), frontier, newest);
            return ranges;
        }

        var from = run.EndMs;
        for (var tier = newest; tier < _runs.Length; tier++)
        {
            var to = tier + 1 < _runs.Length ? Math.Max(from, starts[tier + 1]) : frontier;
            Add(ranges, from, to, tier);
            from = Math.Max(from, to);
        }

        return ranges;
    }

    /// <summary>Gets the ledger ready for the plan at <paramref name="at"/>: merges aged buckets into coarser ones, drops
    /// what starts before <paramref name="retainFrom"/>, and after a long stop drops the fine buckets left over that no
    /// longer fill a coarser one (they are fetched again in the coarser length).</summary>
    public void PrepareFor(Instant at, Instant retainFrom)
    {
        Compact(at, retainFrom);
        var starts = TierStarts(Frontier(at).ToUnixTimeMilliseconds());
        for (var tier = _runs.Length - 1; tier > 0; tier--)
        {
            var run = _runs[tier];
            if (run.Count > 0 && run.EndMs < starts[tier])
                run.TruncateFrom(run.StartMs);
        }
    }

    /// <summary>Stores fetched buckets: the coarsest part may grow at either end, a finer part at its end (while no finer
    /// part holds buckets); the finest part may also overwrite its newest buckets.</summary>
    public void Write(LedgerRange range, ReadOnlySpan<EventCounts> counts)
    {
        if (counts.Length != range.Buckets)
            throw new ArgumentException($"{range.Buckets} buckets expected, {counts.Length} given.", nameof(counts));
        if (range.Tier < 0 || range.Tier >= _runs.Length || (long)range.Bucket.TotalMilliseconds != _runs[range.Tier].ResolutionMs)
            throw new ArgumentException($"This ledger has no part {range.Tier} with buckets of {range.Bucket}.", nameof(range));
        var from = range.From.ToUnixTimeMilliseconds();
        var to = range.To.ToUnixTimeMilliseconds();
        var run = _runs[range.Tier];
        var finerHeld = _runs.Skip(range.Tier + 1).Any(r => r.Count > 0);
        var coarserEnd = _runs.Take(range.Tier).LastOrDefault(r => r.Count > 0)?.EndMs;
        if (range.Tier == 0 && run.Count > 0 && to == run.StartMs)
            run.Prepend(from, counts);
        else if (run.Count == 0 && (coarserEnd is null || coarserEnd == from) && (!finerHeld || to == _runs.Skip(range.Tier + 1).First(r => r.Count > 0).StartMs))
            run.Write(from, counts);
        else if (run.Count > 0 && !finerHeld && from >= run.StartMs && from <= run.EndMs)
            run.Write(from, counts);
        else
            throw new ArgumentOutOfRangeException(nameof(range), range, "Buckets must extend the ledger without a hole or an overlap.");
    }

    /// <summary>Merges buckets older than their part's span into the coarser part and drops what starts before
    /// <paramref name="retainFrom"/>.</summary>
    public void Compact(Instant at, Instant retainFrom)
    {
        var starts = TierStarts(Frontier(at).ToUnixTimeMilliseconds());
        for (var tier = _runs.Length - 1; tier > 0; tier--)
        {
            var run = _runs[tier];
            var coarser = _runs[tier - 1];
            var perCoarser = (int)(coarser.ResolutionMs / run.ResolutionMs);
            while (run.Count >= perCoarser && run.StartMs + coarser.ResolutionMs <= starts[tier] && run.StartMs % coarser.ResolutionMs == 0
                   && (coarser.Count == 0 || coarser.EndMs == run.StartMs))
            {
                var start = run.StartMs;
                coarser.Write(start, [run.TakeFront(perCoarser)]);
            }
        }

        var keepFrom = BucketRun.Floor(retainFrom.ToUnixTimeMilliseconds(), _runs[0].ResolutionMs);
        var oldest = _runs[0];
        if (oldest.Count > 0 && oldest.StartMs < keepFrom)
            oldest.TakeFront((int)Math.Min(oldest.Count, (keepFrom - oldest.StartMs) / oldest.ResolutionMs));
    }

    /// <summary>Events in [from, to); a bucket cut by an edge counts in proportion. Parts outside the ledger count
    /// nothing (check <see cref="KnownFrom"/> and <see cref="KnownTo"/> first).</summary>
    public EventCounts Sum(Instant from, Instant to)
    {
        double good = 0, bad = 0;
        var a = from.ToUnixTimeMilliseconds();
        var b = to.ToUnixTimeMilliseconds();
        foreach (var run in _runs)
            run.SumInto(a, b, ref good, ref bad);
        return EventCounts.FromTotalAndBad(good + bad, bad);
    }

    /// <summary>The bucket that holds <paramref name="at"/>, or null outside the ledger.</summary>
    public (Instant Start, Duration Length, EventCounts Counts)? BucketAt(Instant at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        foreach (var run in _runs)
        {
            if (ms >= run.StartMs && ms < run.EndMs)
            {
                var index = (int)((ms - run.StartMs) / run.ResolutionMs);
                var (good, bad) = run[index];
                return (Instant.FromUnixTimeMilliseconds(run.StartMs + index * run.ResolutionMs), Duration.FromMilliseconds(run.ResolutionMs),
                    EventCounts.FromTotalAndBad(good + (double)bad, bad));
            }
        }

        return null;
    }

    /// <summary>Adds events to the bucket that holds <paramref name="at"/>, e.g. the ones a scrape gap hid from the
    /// buckets it covered, which Prometheus shows only as the jump after it.</summary>
    public void AddTo(Instant at, EventCounts extra)
    {
        var ms = at.ToUnixTimeMilliseconds();
        var run = _runs.FirstOrDefault(r => ms >= r.StartMs && ms < r.EndMs)
                  ?? throw new ArgumentOutOfRangeException(nameof(at), at, "The ledger holds no bucket there.");
        run.Add((int)((ms - run.StartMs) / run.ResolutionMs), extra);
    }

    /// <summary>Running totals for many sums over the ledger as it is now; dispose it before the ledger is written.</summary>
    public LedgerIndex Index() => new(_runs);

    /// <summary>Marks every bucket as changed, e.g. after a failed write, so the next save stores them all.</summary>
    public void MarkAllDirty()
    {
        foreach (var run in _runs)
            run.MarkAllDirty();
    }

    /// <summary>Chunks changed since the last call, for storage.</summary>
    public IReadOnlyList<LedgerChunk> TakeDirtyChunks() => _runs.SelectMany((r, tier) => r.TakeDirtyChunks(tier)).ToArray();

    /// <summary>What each part holds, so storage can drop the chunks wholly outside it.</summary>
    public IReadOnlyList<(int Tier, long FromMs, long ToMs)> HeldRanges() => _runs.Select((r, tier) => (tier, r.StartMs, r.EndMs)).ToArray();

    /// <summary>Rebuilds a ledger from stored chunks; null when they do not form one contiguous stretch (the caller then
    /// fetches afresh).</summary>
    public static EventLedger? Restore(LedgerLayout layout, IEnumerable<LedgerChunk> chunks)
    {
        var ledger = new EventLedger(layout);
        try
        {
            foreach (var chunk in chunks.OrderBy(c => c.Tier).ThenBy(c => c.StartMs))
            {
                if (chunk.Tier < 0 || chunk.Tier >= ledger._runs.Length || chunk.Counts.Length != 2 * LedgerLayout.ChunkBuckets)
                    return null;
                var run = ledger._runs[chunk.Tier];
                for (var i = 0; i < LedgerLayout.ChunkBuckets; i++)
                {
                    var good = chunk.Counts[2 * i];
                    var bad = chunk.Counts[2 * i + 1];
                    if (float.IsNaN(good) || float.IsNaN(bad))
                        continue;
                    run.Write(chunk.StartMs + i * run.ResolutionMs, [EventCounts.FromTotalAndBad(good + (double)bad, bad)]);
                }
            }
        }
        catch (ArgumentException)
        {
            return null;
        }

        long? end = null;
        foreach (var run in ledger._runs.Where(r => r.Count > 0))
        {
            if (end is { } e && run.StartMs != e)
                return null;
            end = run.EndMs;
        }

        ledger.TakeDirtyChunks();
        return ledger;
    }

    /// <summary>Where each part starts at a frontier: the finer a part, the closer to now; each start aligned to the
    /// coarser length before it. The coarsest part's start is the caller's to choose (index 0 is a placeholder).</summary>
    private long[] TierStarts(long frontierMs)
    {
        var starts = new long[_runs.Length];
        for (var tier = 1; tier < _runs.Length; tier++)
            starts[tier] = BucketRun.Floor(frontierMs - (long)Layout.Spans[tier - 1].TotalMilliseconds, _runs[tier - 1].ResolutionMs);
        starts[0] = long.MinValue;
        return starts;
    }

    private void Add(List<LedgerRange> ranges, long from, long to, int tier)
    {
        if (to > from)
        {
            var bucket = Duration.FromMilliseconds(_runs[tier].ResolutionMs);
            ranges.Add(new LedgerRange(Instant.FromUnixTimeMilliseconds(from), Instant.FromUnixTimeMilliseconds(to), bucket, tier));
        }
    }
}
