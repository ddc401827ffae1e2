using System.Buffers;
using Slo.Engine.Budgets;

namespace Slo.Engine.Ledger;

/// <summary>
/// Running totals over a ledger's buckets at one moment, so that any window is two lookups rather than a walk over its
/// buckets: a measurement asks for eight windows, the history backfill for hundreds of instants. Rented from the shared
/// array pool and returned on <see cref="Dispose"/>; valid only while the ledger is not written.
/// </summary>
public sealed class LedgerIndex : IDisposable
{
    private readonly Part[] _parts;

    internal LedgerIndex(IReadOnlyList<BucketRun> runs)
    {
        _parts = new Part[runs.Count];
        for (var p = 0; p < runs.Count; p++)
        {
            var run = runs[p];
            // prefix[2i], prefix[2i + 1]: good and bad events in the run's first i buckets.
            var prefix = ArrayPool<double>.Shared.Rent(2 * (run.Count + 1));
            prefix[0] = prefix[1] = 0;
            for (var i = 0; i < run.Count; i++)
            {
                var (good, bad) = run[i];
                prefix[2 * i + 2] = prefix[2 * i] + good;
                prefix[2 * i + 3] = prefix[2 * i + 1] + bad;
            }

            _parts[p] = new Part(run.StartMs, run.ResolutionMs, run.Count, prefix);
        }
    }

    /// <summary>Events in [from, to); a bucket cut by an edge counts in proportion, as <see cref="EventLedger.Sum"/>.</summary>
    public EventCounts Sum(Instant from, Instant to)
    {
        double good = 0, bad = 0;
        var a = from.ToUnixTimeMilliseconds();
        var b = to.ToUnixTimeMilliseconds();
        foreach (var part in _parts)
        {
            var (g, d) = part.Sum(a, b);
            good += g;
            bad += d;
        }

        return EventCounts.FromTotalAndBad(good + bad, bad);
    }

    public void Dispose()
    {
        foreach (var part in _parts)
            ArrayPool<double>.Shared.Return(part.Prefix);
    }

    private readonly record struct Part(long StartMs, long ResolutionMs, int Count, double[] Prefix)
    {
        public (double Good, double Bad) Sum(long fromMs, long toMs)
        {
            var from = Math.Max(fromMs, StartMs);
            var to = Math.Min(toMs, StartMs + Count * ResolutionMs);
            if (to <= from)
                return (0, 0);
            // Position in buckets, fractional at a cut: the running total there is interpolated within the bucket.
            var (g1, b1) = At((from - StartMs) / (double)ResolutionMs);
            var (g2, b2) = At((to - StartMs) / (double)ResolutionMs);
            return (g2 - g1, b2 - b1);
        }

        private (double Good, double Bad) At(double position)
        {
            var whole = (int)Math.Floor(position);
            if (whole >= Count)
                return (Prefix[2 * Count], Prefix[2 * Count + 1]);
            var share = position - whole;
            var good = Prefix[2 * whole] + share * (Prefix[2 * whole + 2] - Prefix[2 * whole]);
            var bad = Prefix[2 * whole + 1] + share * (Prefix[2 * whole + 3] - Prefix[2 * whole + 1]);
            return (good, bad);
        }
    }
}
