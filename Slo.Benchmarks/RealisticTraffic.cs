using System.Globalization;

namespace Slo.Benchmarks;

/// <summary>
/// Jobs × instances of <c>http_requests_total{job,instance,code}</c> (200 and 500) and a classic histogram
/// <c>http_request_duration_seconds{job,instance}</c> (le 0.1, 0.3, 1, +Inf, _count, _sum). Every counter is a
/// closed-form, increasing function of time — a daily wave per job, per-instance rates and error shares, and one
/// 45-minute incident per job — so backfilled samples at any resolution and the live exporter agree exactly, and the
/// live counters continue the backfilled ones without a jump. Deterministic: no randomness.
/// </summary>
internal sealed class RealisticTraffic
{
    public static readonly string[] Bounds = ["0.1", "0.3", "1", "+Inf"];

    /// <summary>Series per instance: two codes, four buckets, _count and _sum.</summary>
    public const int SeriesPerInstance = 8;

    /// <summary>The two families, each with the range of <see cref="InstanceModel.Prefixes"/> it holds, in exposition order.</summary>
    public static readonly (string Name, string Type, int First, int End)[] Families =
        [("http_requests", "counter", 0, 2), ("http_request_duration_seconds", "histogram", 2, SeriesPerInstance)];

    private const double Day = 86_400;
    private const double IncidentErrors = 0.05, IncidentSlow = 0.15, IncidentVerySlow = 0.03;
    private readonly InstanceModel[] _instances;

    /// <param name="origin">Where the counters start from zero; incidents fall within <paramref name="days"/> after it.</param>
    public RealisticTraffic(int jobs, int instancesPerJob, Instant origin, int days)
    {
        Jobs = jobs;
        InstancesPerJob = instancesPerJob;
        Origin = origin;
        _instances = new InstanceModel[jobs * instancesPerJob];
        for (var j = 0; j < jobs; j++)
        {
            // One incident per job, spread over the days at different hours of the day.
            var incidentStart = (j * 37 % Math.Max(1, days * 24 - 1) + 0.25) * 3600;
            for (var i = 0; i < instancesPerJob; i++)
            {
                var rate = (2 + j % 5) * (0.7 + 0.6 * i / Math.Max(1, instancesPerJob - 1));
                var slow = 0.004 * (1 + (i * 7 + j) % 3);
                _instances[j * instancesPerJob + i] = new InstanceModel(
                    Job(j), $"i{i:D2}", rate, Phase: 2 * Math.PI * j / jobs,
                    ErrorShare: 0.0005 * (1 + (i + j) % 4), SlowShare: slow, VerySlowShare: slow / 4,
                    incidentStart, incidentStart + 45 * 60);
            }
        }
    }

    public int Jobs { get; }
    public int InstancesPerJob { get; }
    public Instant Origin { get; }
    public int SeriesCount => _instances.Length * SeriesPerInstance;

    public static string Job(int index) => $"job{index:D2}";

    public IReadOnlyList<InstanceModel> Instances => _instances;

    /// <summary>Seconds since the origin: the argument of <see cref="InstanceModel.At"/>.</summary>
    public double Elapsed(Instant at) => (at - Origin).TotalSeconds;

    /// <summary>
    /// The share of bad events of one job over the five minutes before <paramref name="at"/>: what Sloth's
    /// <c>slo:sli_error:ratio_rate5m</c> records for an objective on that job, used to backfill its history.
    /// </summary>
    public double FiveMinuteErrorRatio(int job, IndicatorKind kind, Instant at)
    {
        var to = Elapsed(at);
        var from = to - 300;
        double bad = 0, total = 0;
        for (var i = job * InstancesPerJob; i < (job + 1) * InstancesPerJob; i++)
        {
            var (a, b) = (_instances[i].At(from), _instances[i].At(to));
            total += b.Requests - a.Requests;
            bad += kind switch
            {
                IndicatorKind.Errors => b.Errors - a.Errors,
                IndicatorKind.Slow300Ms => b.Slow - a.Slow,
                _ => b.VerySlow - a.VerySlow,
            };
        }

        return total > 0 ? bad / total : 0;
    }

    /// <summary>The Prometheus text exposition at <paramref name="at"/>, with each series' own job and instance labels.</summary>
    public string Exposition(Instant at)
    {
        var w = new StringWriter(CultureInfo.InvariantCulture);
        Span<char> value = stackalloc char[32];
        var counts = _instances.Select(m => m.At(Elapsed(at))).ToArray();
        foreach (var (name, type, first, end) in Families)
        {
            // The text format names a counter's family with its _total suffix; OpenMetrics without.
            w.Write($"# TYPE {(type == "counter" ? name + "_total" : name)} {type}\n");
            for (var i = 0; i < _instances.Length; i++)
            {
                for (var s = first; s < end; s++)
                {
                    w.Write(_instances[i].Prefixes[s]);
                    w.Write(value[..counts[i].Format(s, value)]);
                    w.Write('\n');
                }
            }
        }

        return w.ToString();
    }

    /// <summary>What an SLO counts as bad: 5xx answers, or answers slower than one of two thresholds.</summary>
    public enum IndicatorKind { Errors, Slow300Ms, Slow1S }

    /// <summary>Cumulative counts at one instant (reals; the exposed counters are their integer parts).</summary>
    public readonly record struct Counts(double Requests, double Errors, double Slow, double VerySlow)
    {
        /// <summary>
        /// Writes series <paramref name="series"/> (in <see cref="InstanceModel.Prefixes"/> order) into
        /// <paramref name="destination"/>; returns the characters written. Of the fast requests 60% take under 0.1 s.
        /// </summary>
        public int Format(int series, Span<char> destination)
        {
            if (series == SeriesPerInstance - 1)
                return Written((0.05 * Requests + 0.8 * Slow).TryFormat(destination, out var sumLength, "F3", CultureInfo.InvariantCulture), sumLength);
            var value = series switch
            {
                0 => Requests - Errors,
                1 => Errors,
                2 => 0.6 * (Requests - Slow),
                3 => Requests - Slow,
                4 => Requests - VerySlow,
                _ => Requests, // +Inf and _count
            };
            return Written(((long)value).TryFormat(destination, out var length, default, CultureInfo.InvariantCulture), length);
        }

        private static int Written(bool fits, int length) => fits ? length : throw new ArgumentException("The buffer is too small for a value.");
    }

    /// <summary>One instance: its request rate follows a daily wave; shares of errors and slow requests jump during its job's incident.</summary>
    internal sealed record InstanceModel(
        string Job, string Instance, double Rate, double Phase,
        double ErrorShare, double SlowShare, double VerySlowShare,
        double IncidentStart, double IncidentEnd)
    {
        private const double Amplitude = 0.4;

        /// <summary>
        /// "name{labels} " of the instance's series: code 200 and 500, the four buckets, _count and _sum; built once,
        /// since the backfill writes each of them tens of thousands of times.
        /// </summary>
        public string[] Prefixes { get; } =
        [
            $"http_requests_total{{job=\"{Job}\",instance=\"{Instance}\",code=\"200\"}} ",
            $"http_requests_total{{job=\"{Job}\",instance=\"{Instance}\",code=\"500\"}} ",
            .. Bounds.Select(b => $"http_request_duration_seconds_bucket{{job=\"{Job}\",instance=\"{Instance}\",le=\"{b}\"}} "),
            $"http_request_duration_seconds_count{{job=\"{Job}\",instance=\"{Instance}\"}} ",
            $"http_request_duration_seconds_sum{{job=\"{Job}\",instance=\"{Instance}\"}} ",
        ];

        /// <summary>Requests since the origin: the integral of Rate × (1 + Amplitude × sin(2πt/day + Phase)).</summary>
        private double Requests(double t) =>
            Rate * (t + Amplitude * Day / (2 * Math.PI) * (Math.Cos(Phase) - Math.Cos(2 * Math.PI * t / Day + Phase)));

        public Counts At(double t)
        {
            var requests = Requests(t);
            var incident = t <= IncidentStart ? 0 : Requests(Math.Min(t, IncidentEnd)) - Requests(IncidentStart);
            return new Counts(
                requests,
                ErrorShare * requests + IncidentErrors * incident,
                SlowShare * requests + IncidentSlow * incident,
                VerySlowShare * requests + IncidentVerySlow * incident);
        }
    }
}
