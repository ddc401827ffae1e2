using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Slo.Api.Evaluation;
using Slo.Api.Hosting;
using Slo.Api.Prometheus;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Corrections;
using Slo.Engine.Ledger;
using Slo.Engine.Queries;

namespace Slo.Api.Ledger;

/// <summary>
/// Every objective's <see cref="EventLedger"/>, kept current from Prometheus and stored in SQL. A sync asks only for
/// the buckets a ledger lacks and re-reads the youngest, with the same bucket range of many objectives batched into
/// one range query; an objective new to the ledger costs one pass over its window, a restart on the same database
/// nothing settled. Measurements (the worker's, <c>?at=</c> backtesting, the history backfill) are sums over buckets.
/// </summary>
public sealed class LedgerBook(
    PrometheusSources prometheus,
    LedgerStore store,
    IOptions<LedgerOptions> options,
    IOptions<PrometheusOptions> prometheusOptions,
    ILogger<LedgerBook> logger,
    Corrections.CorrectionBook? corrections = null,
    Cluster.ClusterMembership? cluster = null)
{
    private static readonly TimeSpan BoundLookupLifetime = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<ObjectiveId, Entry> _entries = new();
    // The le values of each histogram selector of each source, shared by every objective on it; the lifetime runs on the process
    // clock, so lookups at past instants reuse one answer.
    private readonly ConcurrentDictionary<string, (Task<IReadOnlyList<string>> Values, long FoundAtTicks)> _bounds = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sync = new(1, 1);
    private Dictionary<string, StoredHead>? _stored;

    /// <summary>Buckets held in memory, every ledger together.</summary>
    public long BucketCount => _entries.Values.Sum(e => (long)e.BucketCount);

    /// <summary>
    /// Brings the ledgers of <paramref name="objectives"/> up to the frontier of <paramref name="at"/>, back to
    /// <paramref name="needFrom"/> of each. Returns why objectives failed; the others can be measured.
    /// </summary>
    public async Task<IReadOnlyDictionary<ObjectiveId, Exception>> SyncAsync(
        IReadOnlyCollection<Objective> objectives, Instant at, Func<Objective, Instant> needFrom, CancellationToken cancellationToken)
    {
        // A composite has no counters of its own: its components' ledgers serve it, so each of those reaches back as far as
        // the composites it is part of need (a 30-day journey over a 28-day objective).
        var reach = new Dictionary<ObjectiveId, Instant>();
        foreach (var composite in objectives.Where(o => o.Indicator is CompositeIndicator))
        {
            var from = LedgerMeasurement.RetainFrom(composite, at);
            foreach (var component in ((CompositeIndicator)composite.Indicator).Components)
                reach[component.Objective] = reach.TryGetValue(component.Objective, out var known) ? Instant.Min(known, from) : from;
        }

        if (reach.Count > 0)
        {
            var own = needFrom;
            needFrom = o => reach.TryGetValue(o.Id, out var r) ? Instant.Min(own(o), r) : own(o);
            _compositeReach = reach;
        }

        objectives = objectives.Where(o => o.Indicator is not CompositeIndicator).ToArray();
        await _sync.WaitAsync(cancellationToken);
        try
        {
            await LoadHeadsAsync(cancellationToken);
            // An objective naming a source the configuration lacks fails alone (the start-up check refuses such a set).
            var failures = new ConcurrentDictionary<ObjectiveId, Exception>(
                prometheus.Unknown(objectives).Select(u => KeyValuePair.Create(u.Objective.Id, (Exception)new DefinitionMismatchException(u.Problem))));
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = prometheusOptions.Value.MaxConcurrentQueries, CancellationToken = cancellationToken };
            var entries = await EntriesAsync(objectives.Where(o => !failures.ContainsKey(o.Id)).ToArray(), at, failures, cancellationToken);
            await Parallel.ForEachAsync(entries.Where(e => e.Objective.Indicator is LatencyIndicator), parallel, async (entry, token) =>
            {
                try
                {
                    entry.Le = await BoundAsync(entry.Objective, (LatencyIndicator)entry.Objective.Indicator, at, token);
                }
                catch (Exception e) when (e is PrometheusException or DefinitionMismatchException)
                {
                    failures[entry.Objective.Id] = e;
                }
            });

            // A cold start plans every window at once; fetching and writing it in slices keeps only one slice's
            // answers in memory at a time. A cycle's few buckets per objective fit in one slice.
            var settledBefore = at - options.Value.GetSettleAfter();
            var slice = new List<(Entry Entry, IReadOnlyList<LedgerRange> Ranges)>();
            long planned = 0;
            foreach (var entry in entries.Where(e => !failures.ContainsKey(e.Objective.Id)))
            {
                lock (entry.Gate)
                {
                    entry.Ledger.PrepareFor(at, Retain(entry.Objective, at));
                    slice.Add((entry, entry.Ledger.Plan(needFrom(entry.Objective), at, settledBefore)));
                }

                planned += slice[^1].Ranges.Sum(r => (long)r.Buckets);
                if (planned >= SliceBuckets)
                {
                    await SyncSliceAsync(slice, at, failures, parallel);
                    (slice, planned) = ([], 0);
                    MemoryRelease.Now();
                }
            }

            if (slice.Count > 0)
                await SyncSliceAsync(slice, at, failures, parallel);
            return failures;
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>Buckets fetched and written in one go; at 17 bytes a bucket while in flight, about 17 MB.</summary>
    private const long SliceBuckets = 1_000_000;

    private async Task SyncSliceAsync(
        List<(Entry Entry, IReadOnlyList<LedgerRange> Ranges)> slice, Instant at, ConcurrentDictionary<ObjectiveId, Exception> failures, ParallelOptions parallel)
    {
        var plans = new List<(Entry Entry, IReadOnlyList<LedgerRange> Ranges, EventCounts[][] Counts, bool[][] Present)>();
        var work = new List<Work>();
        foreach (var (entry, ranges) in slice)
        {
            var counts = ranges.Select(r => new EventCounts[r.Buckets]).ToArray();
            var present = ranges.Select(r => new bool[r.Buckets]).ToArray();
            for (var i = 0; i < ranges.Count; i++)
            {
                foreach (var (piece, offset) in Split(ranges[i]))
                    work.Add(new Work(entry, piece, counts[i], present[i], offset));
            }

            plans.Add((entry, ranges, counts, present));
        }

        // Objectives asking the same source for the same buckets share requests; long ranges go in smaller batches so
        // that one request stays well inside Prometheus' timeouts.
        var batches = work
            .GroupBy(w => (w.Entry.Objective.Source, w.Range.From, w.Range.To, w.Range.Bucket))
            .SelectMany(g => g.Chunk(Math.Max(1, options.Value.BatchSize * 288 / Math.Max(288, g.First().Range.Buckets))))
            .ToArray();
        await Parallel.ForEachAsync(batches, parallel, async (batch, token) => await FetchAsync(batch, failures, token));

        var gaps = new List<(Entry Entry, Instant From, Instant To)>();
        foreach (var (entry, ranges, counts, present) in plans)
        {
            // A failed objective keeps what it held; its next plan asks for the same buckets again.
            if (failures.ContainsKey(entry.Objective.Id))
                continue;
            lock (entry.Gate)
            {
                var heldFrom = entry.Ledger.KnownFrom;
                for (var i = 0; i < ranges.Count; i++)
                    entry.Ledger.Write(ranges[i], counts[i]);
                // A threshold's slices are sampled, not counted: nothing hides in a scrape gap to bridge.
                if (entry.Objective.Indicator is not ThresholdIndicator)
                    gaps.AddRange(Gaps(entry, ranges, present, heldFrom, at).Select(g => (entry, g.From, g.To)));
            }
        }

        // Objectives that missed the same scrapes (a Prometheus restart) share one request per batch.
        var bridges = gaps.GroupBy(g => (g.Entry.Objective.Source, g.From, g.To)).SelectMany(g => g.Select(x => x.Entry).Chunk(options.Value.BatchSize).Select(b => (g.Key.From, g.Key.To, Entries: b)));
        await Parallel.ForEachAsync(bridges, parallel, async (bridge, token) => await BridgeAsync(bridge.Entries, bridge.From, bridge.To, failures, token));
    }

    /// <summary>The most a scrape gap is looked back over for the events hidden in it.</summary>
    private static readonly Duration MaxGap = Duration.FromDays(1);

    /// <summary>
    /// Scrape gaps ending in the fetched <paramref name="ranges"/>: a bucket with samples after buckets without any.
    /// Each bucket's <c>increase</c> sees only its own samples, so the events counted during a gap show up only as the
    /// jump across it, which no bucket holds. Returns [last bucket before the gap, end of the first bucket after it).
    /// Which buckets lacked samples is remembered from one fetch to the next (<see cref="Entry.AbsentRuns"/>): a gap
    /// whose first bucket after it is read again (it can still change) is found again and bridged again, and a bucket
    /// that merely counted no events is never mistaken for a gap.
    /// </summary>
    private static List<(Instant From, Instant To)> Gaps(Entry entry, IReadOnlyList<LedgerRange> ranges, bool[][] present, Instant? heldFrom, Instant at)
    {
        var gaps = new List<(Instant From, Instant To)>();
        var runs = new List<(Instant From, Instant To)>();
        Instant? absentFrom = null;
        Instant? reached = null;
        for (var i = 0; i < ranges.Count; i++)
        {
            var range = ranges[i];
            if (reached != range.From)
            {
                // Before a stretch prepended to the ledger nothing is held; a stretch that continues what is held
                // starts in whatever run of sample-less buckets it continues.
                absentFrom = heldFrom is { } held && range.From > held
                    ? entry.AbsentRuns.Where(r => r.From < range.From && r.To >= range.From).Select(r => (Instant?)r.From).FirstOrDefault()
                    : null;
                runs.AddRange(entry.AbsentRuns.Where(r => r.To <= range.From && r.From < range.From));
            }

            for (var b = 0; b < present[i].Length; b++)
            {
                var start = range.From + range.Bucket * b;
                if (!present[i][b])
                {
                    absentFrom ??= start;
                    continue;
                }

                if (absentFrom is { } from)
                {
                    runs.Add((from, start));
                    if (start - from <= MaxGap && entry.Ledger.BucketAt(from - Duration.Epsilon) is { } last)
                        gaps.Add((last.Start, start + range.Bucket));
                }

                absentFrom = null;
            }

            reached = range.To;
        }

        if (absentFrom is { } open && reached is { } end)
            runs.Add((open, end));
        if (ranges.Count > 0 && reached == entry.Ledger.KnownTo)
        {
            // Only runs a later fetch can still continue or re-read matter.
            var keepFrom = at - LedgerLayout.FineSpan;
            entry.AbsentRuns = runs.Where(r => r.To >= keepFrom).Distinct().ToArray();
        }

        return gaps;
    }

    /// <summary>Counts [from, to) with one <c>increase</c> over the whole stretch, which sees the jump across the gap,
    /// and adds what the buckets missed to the first bucket after the gap (the one that saw the jump); one request for
    /// a batch of objectives with the same stretch.</summary>
    private async Task BridgeAsync(Entry[] batch, Instant from, Instant to, ConcurrentDictionary<ObjectiveId, Exception> failures, CancellationToken cancellationToken)
    {
        var query = string.Join("\nor ", batch.Select((e, i) => EventQueries.BucketCounts(e.Objective, to - from, i.ToString(CultureInfo.InvariantCulture), e.Le)));
        if (logger.IsEnabled(LogLevel.Debug))
            logger.LogDebug("Bridging a scrape gap in [{From}, {To}) for {Objectives}", from, to, string.Join(", ", batch.Select(e => e.Objective.Id)));
        QueryResult<IReadOnlyList<VectorSample>> result;
        try
        {
            result = await prometheus.For(batch[0].Objective).QueryAsync(query, to, cancellationToken);
        }
        catch (PrometheusException e) when (e.Failure == PrometheusFailure.QueryError && batch.Length > 1)
        {
            foreach (var entry in batch)
                await BridgeAsync([entry], from, to, failures, cancellationToken);
            return;
        }
        catch (PrometheusException e)
        {
            foreach (var entry in batch)
                failures.TryAdd(entry.Objective.Id, batch.Length == 1 ? WithId(e, entry.Objective) : e);
            return;
        }

        var totals = new double[batch.Length];
        var numerators = new double[batch.Length];
        foreach (var sample in result.Data)
        {
            if (TryMember(sample.Labels, batch.Length, out var index, out var kind) && double.IsFinite(sample.Value) && sample.Value >= 0)
            {
                (kind == CountKind.Total ? totals : numerators)[index] = sample.Value;
            }
        }

        for (var i = 0; i < batch.Length; i++)
        {
            var entry = batch[i];
            var whole = EventQueries.NumeratorKind(entry.Objective.Indicator) == CountKind.Bad
                ? EventCounts.FromTotalAndBad(totals[i], numerators[i])
                : EventCounts.FromTotalAndGood(totals[i], numerators[i]);
            lock (entry.Gate)
            {
                var held = entry.Ledger.Sum(from, to);
                var good = Math.Max(0, whole.Good - held.Good);
                var bad = Math.Max(0, whole.Bad - held.Bad);
                if (good + bad > 0 && entry.Ledger.BucketAt(to - Duration.Epsilon) is { } after)
                    entry.Ledger.AddTo(after.Start, EventCounts.FromTotalAndBad(good + bad, bad));
            }
        }
    }

    private Exclusions Excluded(Objective objective, Instant from, Instant to) => corrections?.For(objective, from, to) ?? Exclusions.None;

    // How far back the composites of the last full sync need each of their objectives (see SyncAsync).
    private volatile IReadOnlyDictionary<ObjectiveId, Instant> _compositeReach = new Dictionary<ObjectiveId, Instant>();

    /// <summary>Where a ledger may let go of its buckets: its own reach, or a composite's that holds it, if longer.</summary>
    private Instant Retain(Objective objective, Instant at)
    {
        var own = LedgerMeasurement.RetainFrom(objective, at);
        return _compositeReach.TryGetValue(objective.Id, out var reach) ? Instant.Min(own, reach) : own;
    }

    /// <summary>
    /// A composite's measurement: every component's counts over the composite's windows, from the component's own
    /// ledger with its own corrections left out, combined by weight (<see cref="CompositeCounts"/>). The windows end at
    /// the oldest of the components' frontiers, so every component is counted to the same instant.
    /// </summary>
    private Measurement MeasureComposite(Objective objective, CompositeIndicator composite, Instant at)
    {
        var parts = new List<(double Weight, Entry Entry)>(composite.Components.Count);
        foreach (var component in composite.Components)
        {
            if (!_entries.TryGetValue(component.Objective, out var entry))
                throw new LedgerGapException($"{objective.Id}: its objective {component.Objective} has no event counts yet");
            parts.Add((component.Weight, entry));
        }

        var asOf = parts.Min(p => p.Entry.Ledger.Frontier(at));
        var window = objective.Window.ElapsedAt(asOf);
        var burnWindows = objective.Alerting.RequiredWindows().ToArray();
        var from = burnWindows.Select(w => asOf - w).Append(window.Start).Min();
        var windowParts = new List<(double, EventCounts)>();
        var burnParts = burnWindows.ToDictionary(w => w, _ => new List<(double, EventCounts)>());
        var excluded = EventCounts.Empty;
        var active = false;
        foreach (var (weight, entry) in parts)
        {
            var exclusions = Excluded(entry.Objective, from, asOf);
            lock (entry.Gate)
            {
                var ledger = entry.Ledger;
                if (ledger.IsEmpty || ledger.KnownFrom > from || ledger.KnownTo < asOf)
                {
                    throw new LedgerGapException(
                        $"{objective.Id}: the event counts of its objective {entry.Objective.Id} do not cover {from} to {asOf}" +
                        (ledger.IsEmpty ? "" : $" (they hold {ledger.KnownFrom} to {ledger.KnownTo})"));
                }

                using var index = ledger.Index();
                Func<Instant, Instant, EventCounts> sum = index.Sum;
                var (kept, left) = exclusions.Split(sum, window.Start, asOf);
                windowParts.Add((weight, kept));
                excluded += left;
                active |= exclusions.Covers(asOf - Duration.Epsilon);
                foreach (var w in burnWindows)
                    burnParts[w].Add((weight, exclusions.Split(sum, asOf - w, asOf).Kept));
            }
        }

        return new Measurement(CompositeCounts.Combine(windowParts), burnParts.ToDictionary(kv => kv.Key, kv => CompositeCounts.Combine(kv.Value)))
        {
            Excluded = excluded,
            CorrectionActive = active,
        };
    }

    /// <summary>
    /// Lets go of the ledgers of objectives <paramref name="live"/> does not hold (removed by a reload, or a group that
    /// vanished). Their stored counts stay in SQL (reports of past periods are not ledgers' business); an objective that
    /// comes back is counted afresh, one pass over its window, and its stored counts replaced. A changed objective needs nothing here: its entry no longer fits and is replaced at the
    /// next sync, unless only its target, alerting or labels changed, which keep the counts.
    /// </summary>
    public int Forget(Engine.Definitions.DefinitionSet live)
    {
        var forgotten = 0;
        foreach (var id in _entries.Keys)
        {
            if (live.Find(id) is null && _entries.TryRemove(id, out _))
                forgotten++;
        }

        return forgotten;
    }

    /// <summary>The measurement of <paramref name="objective"/> at <paramref name="at"/> from its ledger, corrected periods left out.</summary>
    /// <exception cref="LedgerGapException">The ledger does not hold what the measurement needs.</exception>
    public Measurement Measure(Objective objective, Instant at)
    {
        if (objective.Indicator is CompositeIndicator composite)
            return MeasureComposite(objective, composite, at);
        if (!_entries.TryGetValue(objective.Id, out var entry) || !entry.Fits(objective))
            throw new LedgerGapException($"{objective.Id}: no event counts are held yet");
        lock (entry.Gate)
        {
            if (LedgerMeasurement.Gap(objective, entry.Ledger, at) is { } gap)
                throw new LedgerGapException($"{objective.Id}: {gap}");
            return LedgerMeasurement.Measure(objective, entry.Ledger, at, Excluded(objective, LedgerMeasurement.NeedFrom(objective, at), at));
        }
    }

    /// <summary>Measurements at each of <paramref name="instants"/> in order, up to the first the ledger cannot serve;
    /// one pass of running totals serves them all (the history backfill asks for hundreds).</summary>
    public IReadOnlyList<(Instant At, Measurement Measurement)> MeasureEach(Objective objective, IEnumerable<Instant> instants)
    {
        var result = new List<(Instant, Measurement)>();
        if (objective.Indicator is CompositeIndicator)
        {
            foreach (var at in instants)
            {
                try
                {
                    result.Add((at, Measure(objective, at)));
                }
                catch (LedgerGapException)
                {
                    break;
                }
            }

            return result;
        }

        if (!_entries.TryGetValue(objective.Id, out var entry) || !entry.Fits(objective))
            return result;
        var all = instants.ToArray();
        if (all.Length == 0)
            return result;
        var exclusions = Excluded(objective, all.Min(at => LedgerMeasurement.NeedFrom(objective, at)), all.Max());
        lock (entry.Gate)
        {
            using var index = entry.Ledger.Index();
            foreach (var at in all)
            {
                if (LedgerMeasurement.Gap(objective, entry.Ledger, at) is not null)
                    break;
                result.Add((at, LedgerMeasurement.Measure(objective, entry.Ledger, index, at, exclusions)));
            }
        }

        return result;
    }

    /// <summary>
    /// A measurement at a past instant (backtesting). Costs Prometheus nothing when the ledger holds the instant's
    /// window; when the window reaches further back than the ledger yet does (before the history backfill extended it),
    /// the ledger is extended once to all it keeps at <paramref name="now"/>, so later backtests cost nothing either.
    /// </summary>
    /// <exception cref="LedgerGapException">The instant lies beyond what the ledger keeps, or Prometheus failed.</exception>
    public async Task<Measurement> MeasureAtAsync(Objective objective, Instant at, Instant now, CancellationToken cancellationToken)
    {
        try
        {
            return Measure(objective, at);
        }
        catch (LedgerGapException) when (LedgerMeasurement.NeedFrom(objective, at) >= LedgerMeasurement.RetainFrom(objective, now) && at <= now)
        {
            // Straight back to all it keeps: a flood of backtests at ever older instants costs one extension, not one each.
            // A composite extends its components.
            Objective[] extend = objective.Indicator is CompositeIndicator composite
                ? composite.Components.Select(c => _entries.TryGetValue(c.Objective, out var e) ? e.Objective : null).OfType<Objective>().ToArray()
                : [objective];
            var failures = await SyncAsync(extend, now, o => LedgerMeasurement.RetainFrom(o, now), cancellationToken);
            if (failures.Values.FirstOrDefault() is { } failure)
                throw new LedgerGapException($"{objective.Id}: extending the event counts back failed: {failure.Message}");
            await SaveAsync(cancellationToken);
            return Measure(objective, at);
        }
    }

    /// <summary>
    /// <paramref name="objective"/>'s figures over a past period, as sums over its ledger with corrected periods left
    /// out. A period older than the ledger keeps is fetched once into it (one pass, in its coarsest buckets); the next
    /// cycle trims what the window does not need, so memory holds a long period only while it is being reported.
    /// </summary>
    public async Task<Engine.Reports.ReportRow> ReportAsync(Objective objective, Interval period, DateTimeZone zone, Instant now, CancellationToken cancellationToken)
    {
        var row = await TryReportAsync(objective, period, zone, now, cancellationToken);
        if (row is not null)
            return row;
        var failures = await SyncAsync([objective], now, o => Instant.Min(period.Start, LedgerMeasurement.NeedFrom(o, now)), cancellationToken);
        if (failures.TryGetValue(objective.Id, out var failure))
            throw new LedgerGapException($"{objective.Id}: reading the period's event counts failed: {failure.Message}");
        // Stored before the next cycle lets the old buckets go from memory: they stay in the archive.
        await SaveAsync(cancellationToken);
        return await TryReportAsync(objective, period, zone, now, cancellationToken)
               ?? throw new LedgerGapException($"{objective.Id}: the event counts do not reach back to {period.Start}");
    }

    private async Task<Engine.Reports.ReportRow?> TryReportAsync(Objective objective, Interval period, DateTimeZone zone, Instant now, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(objective.Id, out var entry) || !entry.Fits(objective))
            return null;
        Instant knownFrom;
        lock (entry.Gate)
        {
            var ledger = entry.Ledger;
            if (ledger.IsEmpty)
                return null;
            knownFrom = ledger.KnownFrom!.Value;
            if (knownFrom <= period.Start)
                return Report(entry.Ledger, null);
        }

        // Older than memory holds: the archive in SQL, when it reaches back to the period's start without a hole.
        var chunks = await store.LoadArchiveAsync(objective.Id.ToString(), period.Start.ToUnixTimeMilliseconds(), knownFrom.ToUnixTimeMilliseconds(),
            ArchiveChunkMs(entry.Ledger.Layout), cancellationToken);
        var archive = EventLedger.Restore(entry.Ledger.Layout, chunks);
        if (archive is null || archive.IsEmpty || archive.KnownFrom!.Value > period.Start || archive.KnownTo!.Value < knownFrom)
            return null;
        lock (entry.Gate)
        {
            return entry.Ledger.KnownFrom <= knownFrom ? Report(entry.Ledger, archive) : null;
        }

        Engine.Reports.ReportRow? Report(EventLedger ledger, EventLedger? older)
        {
            var to = Instant.Min(period.End, ledger.Frontier(now));
            if (ledger.KnownTo < to)
                return null;
            using var index = ledger.Index();
            using var olderIndex = older?.Index();
            var split = ledger.KnownFrom!.Value;
            Func<Instant, Instant, EventCounts> sum = olderIndex is null
                ? index.Sum
                : (a, b) => (a < split ? olderIndex.Sum(a, Instant.Min(b, split)) : EventCounts.Empty) + (b > split ? index.Sum(Instant.Max(a, split), b) : EventCounts.Empty);
            return Engine.Reports.PeriodReports.Compute(objective, period, zone, to, sum, Excluded(objective, period.Start, to));
        }
    }

    /// <summary>The span of one stored chunk of a layout's coarsest part.</summary>
    private static long ArchiveChunkMs(LedgerLayout layout) => LedgerLayout.ChunkBuckets * (long)layout.Buckets[0].TotalMilliseconds;

    /// <summary>Deletes archived counts older than <paramref name="before"/> (Storage:RetentionDays).</summary>
    public Task<int> PruneArchiveAsync(Instant before, CancellationToken cancellationToken) =>
        store.PruneArchiveAsync(before.ToUnixTimeMilliseconds(), LedgerLayout.ChunkBuckets * 3_600_000L, cancellationToken);

    /// <summary>
    /// With several replicas, at the start of a cycle: lets go of the ledgers of objectives this replica does not
    /// evaluate (their holder keeps them and stores them; a backtest here reads them back from SQL) and of those it
    /// just took over (they continue from what their last holder stored, not from an old copy in memory).
    /// <paramref name="taken"/> are the objectives of the shards just taken: their heads are read again with those of
    /// the dropped ledgers, since their last holder may have written ledgers this replica has never seen.
    /// </summary>
    public async Task HandOverAsync(Func<ObjectiveId, bool> keep, IReadOnlyCollection<ObjectiveId> taken, CancellationToken cancellationToken)
    {
        await _sync.WaitAsync(cancellationToken);
        try
        {
            var stale = new HashSet<string>(taken.Select(id => id.ToString()), StringComparer.Ordinal);
            foreach (var id in _entries.Keys.Where(id => !keep(id)).ToArray())
            {
                if (_entries.TryRemove(id, out _))
                    stale.Add(id.ToString());
            }

            // What is restored leaves the stored heads; read those again so the next restore finds them. Before the
            // first restore every head is still to be read.
            if (_stored is not null && stale.Count > 0)
            {
                foreach (var id in stale)
                    _stored.Remove(id);
                foreach (var head in await store.LoadHeadsAsync(stale, cancellationToken))
                    _stored[head.ObjectiveId] = head;
            }
        }
        finally
        {
            _sync.Release();
        }
    }

    /// <summary>Chunks stored in one transaction: a cold start's whole ledgers are written a part at a time, so only
    /// one part's chunks (about 1.6 KB each while in flight) are held at once.</summary>
    private const int SaveChunks = 20_000;

    /// <summary>Stores what changed since the last save, whole ledgers per transaction. When a write fails, every bucket
    /// of the ledgers in it is written again next time, and the ledgers not reached yet keep their marks, so nothing is
    /// lost to a failed write.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        var changed = new List<(Entry Entry, LedgerChanges Changes)>();
        var chunks = 0;
        foreach (var entry in _entries.Values)
        {
            // Only the replica that evaluates an objective writes its ledger.
            if (cluster is not null && !cluster.Owns(entry.Objective.Id))
                continue;
            lock (entry.Gate)
            {
                var shrunk = entry.Ledger.Shrunk;
                var dirty = entry.Ledger.TakeDirtyChunks();
                if (dirty.Count == 0 && !shrunk && !entry.Replace)
                    continue;
                changed.Add((entry, new LedgerChanges(
                    entry.Objective.Id.ToString(), entry.Fingerprint, entry.Ledger.Layout, entry.Replace, dirty, shrunk ? entry.Ledger.HeldRanges() : null)));
                entry.Replace = false;
                chunks += dirty.Count;
            }

            if (chunks >= SaveChunks)
            {
                await StoreAsync(changed, cancellationToken);
                (changed, chunks) = ([], 0);
                MemoryRelease.Now();
            }
        }

        await StoreAsync(changed, cancellationToken);
    }

    private async Task StoreAsync(List<(Entry Entry, LedgerChanges Changes)> changed, CancellationToken cancellationToken)
    {
        try
        {
            await store.SaveAsync(changed.Select(c => c.Changes).ToArray(), cancellationToken);
        }
        catch
        {
            foreach (var (entry, _) in changed)
            {
                lock (entry.Gate)
                {
                    entry.Replace = true;
                    entry.Ledger.MarkAllDirty();
                }
            }

            throw;
        }
    }

    /// <summary>Reads which ledgers SQL holds (not their counts), once, and again after a hand-over; under <c>_sync</c>.</summary>
    private async Task LoadHeadsAsync(CancellationToken cancellationToken)
    {
        if (_stored is not null)
            return;
        var stored = await store.LoadHeadsAsync(cancellationToken);
        _stored = stored.ToDictionary(s => s.ObjectiveId, StringComparer.Ordinal);
        if (stored.Count > 0)
            logger.LogInformation("Loaded the event ledgers of {Count} objectives", stored.Count);
    }

    /// <summary>The ledger entry of each objective: the one in memory while its indicator and layout hold, else the
    /// stored one, else a new one whose finest bucket suits how often its counters are scraped.</summary>
    private async Task<Entry[]> EntriesAsync(IReadOnlyCollection<Objective> objectives, Instant at, ConcurrentDictionary<ObjectiveId, Exception> failures, CancellationToken cancellationToken)
    {
        var result = new Dictionary<ObjectiveId, Entry>();
        var unknown = new List<Objective>();
        var restoring = new List<(Objective Objective, string Fingerprint, Duration Fine, LedgerLayout Layout)>();
        foreach (var objective in objectives)
        {
            if (_entries.TryGetValue(objective.Id, out var existing) && existing.Fits(objective))
            {
                existing.Objective = objective;
                result[objective.Id] = existing;
                continue;
            }

            var fingerprint = Fingerprint(objective);
            if (_stored!.Remove(objective.Id.ToString(), out var stored) && stored.Fingerprint == fingerprint
                && FineOf(stored.Buckets) is { } fine && LedgerLayout.For(objective, fine, at) is var layout && layout.Describe() == stored.Buckets)
            {
                restoring.Add((objective, fingerprint, fine, layout));
                continue;
            }

            unknown.Add(objective);
        }

        // Stored ledgers are read a group at a time: a restart holds one group's rows beside the ledgers, not all.
        foreach (var group in restoring.Chunk(LedgerStore.MaxLoad))
        {
            // Only what each ledger keeps is read into memory; the coarsest part's older chunks stay in SQL as the archive.
            var from = group.Min(r => LedgerMeasurement.RetainFrom(r.Objective, at).ToUnixTimeMilliseconds() - ArchiveChunkMs(r.Layout));
            var chunks = await store.LoadChunksAsync(group.Select(r => r.Objective.Id.ToString()).ToArray(), from, cancellationToken);
            foreach (var (objective, fingerprint, fine, layout) in group)
            {
                var keepFrom = LedgerMeasurement.RetainFrom(objective, at).ToUnixTimeMilliseconds();
                if (chunks.TryGetValue(objective.Id.ToString(), out var stored)
                    && EventLedger.Restore(layout, stored.Where(c => c.Tier > 0 || c.StartMs + ArchiveChunkMs(layout) > keepFrom)) is { } ledger)
                    result[objective.Id] = _entries[objective.Id] = new Entry(objective, fingerprint, fine, ledger) { Anchor = at };
                else
                    unknown.Add(objective);
            }
        }

        var fines = await FineBucketsAsync(unknown, at, failures, cancellationToken);
        foreach (var objective in unknown.Where(o => !failures.ContainsKey(o.Id)))
        {
            var fine = fines.GetValueOrDefault(objective.Id, Duration.FromMinutes(5));
            var ledger = new EventLedger(LedgerLayout.For(objective, fine, at));
            result[objective.Id] = _entries[objective.Id] = new Entry(objective, Fingerprint(objective), fine, ledger) { Replace = true, Anchor = at };
        }

        return objectives.Where(o => result.ContainsKey(o.Id)).Select(o => result[o.Id]).ToArray();
    }

    /// <summary>The finest bucket per objective: <c>Ledger:FineBucket</c>, or with <c>auto</c> 1m where every series of
    /// the total was scraped at least twice a minute over the last 10 minutes, else 5m.</summary>
    private async Task<Dictionary<ObjectiveId, Duration>> FineBucketsAsync(
        List<Objective> objectives, Instant at, ConcurrentDictionary<ObjectiveId, Exception> failures, CancellationToken cancellationToken)
    {
        var fines = new Dictionary<ObjectiveId, Duration>();
        if (options.Value.GetFineBucket() is { } configured)
        {
            foreach (var objective in objectives)
                fines[objective.Id] = configured;
            return fines;
        }

        var probes = objectives.Select(o => (Objective: o, Query: EventQueries.ScrapeDensity(o, "p"))).Where(p => p.Query is not null).ToArray();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = prometheusOptions.Value.MaxConcurrentQueries, CancellationToken = cancellationToken };
        var found = new ConcurrentDictionary<ObjectiveId, Duration>();
        await Parallel.ForEachAsync(probes.GroupBy(p => p.Objective.Source).SelectMany(g => g.Chunk(options.Value.BatchSize)), parallel, async (batch, token) =>
        {
            var query = string.Join("\nor ", batch.Select((p, i) => EventQueries.ScrapeDensity(p.Objective, i.ToString(CultureInfo.InvariantCulture))));
            try
            {
                var result = await prometheus.For(batch[0].Objective).QueryAsync(query, at, token);
                foreach (var sample in result.Data)
                {
                    if (TryMember(sample.Labels, batch.Length, out var index, out _))
                    {
                        // Two samples in every minute-long bucket: a scrape at least every 30 s, 20 in 10 minutes.
                        found[batch[index].Objective.Id] = sample.Value >= 20 ? Duration.FromMinutes(1) : Duration.FromMinutes(5);
                    }
                }
            }
            catch (PrometheusException e)
            {
                foreach (var (objective, _) in batch)
                    failures.TryAdd(objective.Id, e);
            }
        });
        foreach (var (id, fine) in found)
            fines[id] = fine;
        return fines;
    }

    private static Duration? FineOf(string buckets) =>
        long.TryParse(buckets.Split(',')[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? Duration.FromSeconds(seconds) : null;

    /// <summary>What identifies an objective's counts: its indicator and its source. A new target or alert policy keeps
    /// them; a new window keeps them too unless it needs other bucket lengths.</summary>
    private static string Fingerprint(Objective objective) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(objective.Indicator + (objective.Source is { } source ? "\nsource: " + source : ""))))[..32];

    private static IEnumerable<(LedgerRange Piece, int Offset)> Split(LedgerRange range)
    {
        var max = PrometheusClient.MaxPointsPerSeries - 1;
        for (var offset = 0; offset < range.Buckets; offset += max)
        {
            var count = Math.Min(max, range.Buckets - offset);
            yield return (range with { From = range.From + range.Bucket * offset, To = range.From + range.Bucket * (offset + count) }, offset);
        }
    }

    /// <summary>One range query for the same buckets of up to a batch of objectives; each objective's series carry its
    /// index in the batch. Step and range are the bucket length, so each point counts the bucket ending there.</summary>
    private async Task FetchAsync(Work[] batch, ConcurrentDictionary<ObjectiveId, Exception> failures, CancellationToken cancellationToken)
    {
        var range = batch[0].Range;
        var bucket = range.Bucket;
        var query = string.Join("\nor ", batch.Select((w, i) => EventQueries.BucketCounts(w.Entry.Objective, bucket, i.ToString(CultureInfo.InvariantCulture), w.Entry.Le)));
        try
        {
            var result = await prometheus.For(batch[0].Entry.Objective).QueryRangeAsync(query, range.From + bucket, range.To, bucket, cancellationToken);
            Warn(result.Warnings, batch);
            var series = result.Data.Select(s => (s.Labels, s.Points));
            var totals = new Dictionary<(int, Instant), double>();
            var numerators = new Dictionary<(int, Instant), double>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (labels, points) in series)
            {
                var key = labels.GetValueOrDefault(EventQueries.SeriesLabel) ?? "";
                if (!TryMember(labels, batch.Length, out var index, out var kind))
                    continue;
                var objective = batch[index].Entry.Objective;
                if (!seen.Add(key))
                {
                    failures.TryAdd(objective.Id, new PrometheusException(PrometheusFailure.InvalidValue,
                        $"{objective.Id}: the query returned more than one series for the {kind.ToString().ToLowerInvariant()} count; a raw query must return a single sample"));
                    continue;
                }

                foreach (var (t, v) in points)
                {
                    if (!double.IsFinite(v) || v < 0)
                    {
                        // increase() never goes below zero; a raw query can.
                        failures.TryAdd(objective.Id, new PrometheusException(PrometheusFailure.InvalidValue,
                            $"{objective.Id}: Prometheus returned {v.ToString(CultureInfo.InvariantCulture)} for the {kind.ToString().ToLowerInvariant()} count; event counts must be finite and at least 0"));
                        break;
                    }

                    (kind == CountKind.Total ? totals : numerators)[(index, t)] = v;
                }
            }

            for (var i = 0; i < batch.Length; i++)
            {
                var w = batch[i];
                var bad = EventQueries.NumeratorKind(w.Entry.Objective.Indicator) == CountKind.Bad;
                for (var b = 0; b < w.Range.Buckets; b++)
                {
                    var end = w.Range.From + bucket * (b + 1);
                    w.Present[w.Offset + b] = totals.ContainsKey((i, end));
                    var total = totals.GetValueOrDefault((i, end));
                    var numerator = numerators.GetValueOrDefault((i, end));
                    w.Counts[w.Offset + b] = bad ? EventCounts.FromTotalAndBad(total, numerator) : EventCounts.FromTotalAndGood(total, numerator);
                }
            }
        }
        catch (PrometheusException e) when (e.Failure == PrometheusFailure.QueryError && batch.Length > 1)
        {
            // One objective's own PromQL (a raw query) can spoil a batch: ask for each alone, so only it fails.
            foreach (var w in batch)
                await FetchAsync([w], failures, cancellationToken);
        }
        catch (PrometheusException e)
        {
            foreach (var w in batch)
                failures.TryAdd(w.Entry.Objective.Id, batch.Length == 1 ? WithId(e, w.Entry.Objective) : e);
        }
    }

    /// <summary>Which member of a batched query a series answers for (its tag is the member's index) and what it counts.</summary>
    private static bool TryMember(IReadOnlyDictionary<string, string> labels, int members, out int index, out CountKind kind)
    {
        index = -1;
        return EventQueries.TryParseKey(labels.GetValueOrDefault(EventQueries.SeriesLabel) ?? "", out var tag, out kind)
               && int.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < members;
    }

    private static PrometheusException WithId(PrometheusException e, Objective objective) =>
        e.Failure == PrometheusFailure.QueryError ? new PrometheusException(e.Failure, $"{objective.Id}: {e.Message}", e) : e;

    private void Warn(IReadOnlyList<string> warnings, Work[] batch)
    {
        foreach (var warning in warnings)
            logger.LogWarning("Prometheus warned about {Objectives}: {Warning}", string.Join(", ", batch.Select(w => w.Entry.Objective.Id)), warning);
    }

    /// <summary>
    /// The exact <c>le</c> text of the bucket that equals the threshold: clients write 0.3, 0.30 or 3e-01, and
    /// Prometheus 3 rewrites 1 as 1.0, so the bound is looked up rather than guessed. Null when the histogram has no
    /// series yet (the counts then come back empty: no data).
    /// </summary>
    private async Task<string?> BoundAsync(Objective objective, LatencyIndicator latency, Instant at, CancellationToken cancellationToken)
    {
        var bucket = latency.Selector.WithMetric(latency.Histogram + "_bucket").ToString();
        var values = await BoundsAsync(objective, bucket, at, cancellationToken);
        if (values.Count == 0)
            return null;

        var threshold = latency.ThresholdSeconds;
        string? match = null;
        foreach (var text in values)
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) && Math.Abs(bound - threshold) <= 1e-9 * Math.Max(1, threshold))
                match = text;
        }

        if (match is null)
        {
            var bounds = string.Join(", ", values.OrderBy(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : double.MaxValue));
            throw new DefinitionMismatchException(
                $"{objective.Id}: the threshold {latency.ThresholdSeconds.ToString(CultureInfo.InvariantCulture)}s is not a bucket bound of {bucket}; its bounds are {bounds}");
        }

        return match;
    }

    /// <summary>The <c>le</c> values of <paramref name="bucket"/> over the last 3 days: one lookup an hour per selector,
    /// however many objectives share it. A failed or empty answer is not kept (the histogram may appear any moment).</summary>
    private async Task<IReadOnlyList<string>> BoundsAsync(Objective objective, string bucket, Instant at, CancellationToken cancellationToken)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var client = prometheus.For(objective);
        var lookup = _bounds.AddOrUpdate(
            objective.Source + "\n" + bucket,
            _ => (Lookup(), now),
            (_, cached) => cached.Values.IsFaulted || cached.Values.IsCanceled || (cached.Values.IsCompletedSuccessfully && cached.Values.Result.Count == 0)
                           || System.Diagnostics.Stopwatch.GetElapsedTime(cached.FoundAtTicks) >= BoundLookupLifetime
                ? (Lookup(), now)
                : cached);
        return await lookup.Values.WaitAsync(cancellationToken);

        Task<IReadOnlyList<string>> Lookup() => client.LabelValuesAsync("le", bucket, at - Duration.FromDays(3), at, CancellationToken.None);
    }

    /// <summary>One piece of a range to fetch, and where its counts go.</summary>
    private sealed record Work(Entry Entry, LedgerRange Range, EventCounts[] Counts, bool[] Present, int Offset);

    private sealed class Entry(Objective objective, string fingerprint, Duration fine, EventLedger ledger)
    {
        public Objective Objective { get; set; } = objective;
        public string Fingerprint { get; } = fingerprint;

        /// <summary>The finest bucket chosen for the objective's scrape interval (before zone and slice constraints).</summary>
        public Duration Fine { get; } = fine;

        public EventLedger Ledger { get; } = ledger;
        public Lock Gate { get; } = new();

        /// <summary>New or started afresh: its stored chunks are replaced at the next save.</summary>
        public bool Replace { get; set; }

        public string? Le { get; set; }

        /// <summary>Recent runs of buckets without samples, [first, first with samples again or the newest edge), as
        /// the last fetch saw them; in memory only.</summary>
        public IReadOnlyList<(Instant From, Instant To)> AbsentRuns { get; set; } = [];

        /// <summary>Whether this entry's counts serve <paramref name="objective"/>: same indicator, same bucket lengths.</summary>
        public bool Fits(Objective objective) =>
            ReferenceEquals(objective, Objective)
            || (Fingerprint == LedgerBook.Fingerprint(objective) && Ledger.Layout.Equals(LedgerLayout.For(objective, Fine, Anchor)));

        /// <summary>Zone offsets of a layout are read around this instant; fixed per entry so layouts compare stably.</summary>
        public Instant Anchor { get; init; }

        public int BucketCount
        {
            get
            {
                lock (Gate)
                    return Ledger.BucketCount;
            }
        }
    }
}
