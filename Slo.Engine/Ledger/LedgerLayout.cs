using Slo.Engine.Definitions;
using Slo.Engine.Windows;

namespace Slo.Engine.Ledger;

/// <summary>
/// The bucket lengths of one objective's ledger, finest last: fine buckets (1m) for the last hours, where the short
/// burn-rate windows lie, 5-minute buckets back to the longest burn window, hourly ones beyond. Every length divides
/// every instant the objective must cut at: a calendar period start in its zone (Asia/Kolkata starts days at :30,
/// Asia/Kathmandu at :45) and a time-slice edge, so those cuts stay exact at any age.
/// </summary>
public sealed record LedgerLayout
{
    /// <summary>How many buckets one stored chunk holds, at any length.</summary>
    public const int ChunkBuckets = 96;

    /// <summary>How far back the fine buckets reach: the 5m to 6h burn windows, and an hour to spare.</summary>
    public static readonly Duration FineSpan = Duration.FromHours(7);

    private readonly Duration[] _buckets;
    private readonly Duration[] _spans;

    /// <param name="buckets">Bucket lengths, coarsest first; each a whole multiple of the next.</param>
    /// <param name="spans">For every length but the coarsest: how far back from the newest bucket it reaches.</param>
    public LedgerLayout(IReadOnlyList<Duration> buckets, IReadOnlyList<Duration> spans)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentNullException.ThrowIfNull(spans);
        if (buckets.Count == 0 || spans.Count != buckets.Count - 1)
            throw new ArgumentException("Give one bucket length or more, and a span for every length but the coarsest.", nameof(spans));
        for (var i = 0; i < buckets.Count; i++)
        {
            if (buckets[i] < Duration.FromSeconds(1) || buckets[i].BclCompatibleTicks % TimeSpan.TicksPerSecond != 0)
                throw new ArgumentOutOfRangeException(nameof(buckets), buckets[i], "A bucket is a whole number of seconds, at least 1s.");
            if (i > 0 && (buckets[i] >= buckets[i - 1] || buckets[i - 1].BclCompatibleTicks % buckets[i].BclCompatibleTicks != 0))
                throw new ArgumentOutOfRangeException(nameof(buckets), buckets[i], "Each bucket length divides the coarser one before it.");
            if (i > 0 && (spans[i - 1] < buckets[i - 1] || (i > 1 && spans[i - 1] >= spans[i - 2])))
                throw new ArgumentOutOfRangeException(nameof(spans), spans[i - 1], "Finer buckets reach back less far than coarser ones.");
        }

        _buckets = [.. buckets];
        _spans = [.. spans];
    }

    /// <summary>Bucket lengths, coarsest first.</summary>
    public IReadOnlyList<Duration> Buckets => _buckets;

    /// <summary>How far back from the newest bucket each length but the coarsest reaches.</summary>
    public IReadOnlyList<Duration> Spans => _spans;

    /// <summary>The finest bucket: counts are complete up to its newest edge.</summary>
    public Duration Fine => _buckets[^1];

    /// <summary>The coarsest bucket: where the ledger starts is aligned to it.</summary>
    public Duration Coarse => _buckets[0];

    /// <summary>A text that changes whenever stored buckets could no longer be reused: the lengths, e.g. 3600,300,60.</summary>
    public string Describe() => string.Join(",", _buckets.Select(b => ((long)b.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>
    /// The layout for <paramref name="objective"/>: hourly, 5-minute and <paramref name="fine"/> buckets, each shortened
    /// where a time slice or a zone offset needs it; lengths that come out equal merge.
    /// </summary>
    /// <param name="fine">The finest bucket length: 1m when every counter is scraped at least twice a minute, else
    /// 5m. It must divide 5m.</param>
    /// <param name="around">Zone offsets are read for two years either side of this instant.</param>
    public static LedgerLayout For(Objective objective, Duration fine, Instant around)
    {
        ArgumentNullException.ThrowIfNull(objective);
        var fineSeconds = (long)fine.TotalSeconds;
        if (fineSeconds < 1 || 300 % fineSeconds != 0)
            throw new ArgumentOutOfRangeException(nameof(fine), fine, "The finest bucket must divide 5m (1m, 5m ...).");

        // Every cut the objective needs, in seconds since the epoch, must fall on a bucket edge.
        var cut = 3600L;
        if (objective.Budgeting is SlicedBudgeting slices)
            cut = Gcd(cut, (long)slices.SliceLength.TotalSeconds);
        if (objective.Window is CalendarWindow calendar)
        {
            var span = new Interval(around - Duration.FromDays(731), around + Duration.FromDays(731));
            foreach (var zoneInterval in calendar.Zone.GetZoneIntervals(span))
                cut = Gcd(cut, Math.Abs((long)zoneInterval.WallOffset.Seconds));
            // A period anchored at a time of day (OpenSLO startTime) cuts there too.
            cut = Gcd(cut, calendar.Anchor.TimeOfDay.TickOfDay / NodaConstants.TicksPerSecond);
        }

        var coarse = Gcd(3600, cut);
        var medium = Gcd(300, cut);
        var finest = Gcd(fineSeconds, cut);
        var longest = objective.Alerting.RequiredWindows().Append(Duration.FromDays(3)).Max() + Duration.FromHours(1);
        var buckets = new List<Duration> { Duration.FromSeconds(coarse) };
        var spans = new List<Duration>();
        if (medium < coarse)
        {
            buckets.Add(Duration.FromSeconds(medium));
            spans.Add(RoundUp(longest, coarse));
        }

        if (finest < medium && FineSpan < longest)
        {
            buckets.Add(Duration.FromSeconds(finest));
            spans.Add(RoundUp(FineSpan, medium));
        }

        return new LedgerLayout(buckets, spans);
    }

    public bool Equals(LedgerLayout? other) => other is not null && _buckets.SequenceEqual(other._buckets) && _spans.SequenceEqual(other._spans);

    public override int GetHashCode() => Describe().GetHashCode(StringComparison.Ordinal);

    private static Duration RoundUp(Duration span, long seconds) =>
        Duration.FromSeconds(((long)span.TotalSeconds + seconds - 1) / seconds * seconds);

    private static long Gcd(long a, long b)
    {
        while (b != 0)
            (a, b) = (b, a % b);
        return a == 0 ? 1 : a;
    }
}
