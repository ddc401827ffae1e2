using System.Globalization;
using System.Text;

namespace Slo.Api.Demo;

/// <summary>A stretch of time in which a service behaves differently: an error burst, a latency regression, a surge.</summary>
/// <param name="ErrorRatio">Share of requests failing with a 5xx during the episode, or null for the usual share.</param>
/// <param name="SlowRatio">Share of requests slower than 300 ms during the episode, or null for the usual share.</param>
public sealed record Episode(Interval During, double? ErrorRatio = null, double? SlowRatio = null, int? RequestsPerMinute = null);

/// <summary>How one job's traffic looks, minute by minute.</summary>
/// <param name="Resets">Instants at which the process restarts and its counters start again from zero.</param>
/// <param name="Gaps">Intervals in which nobody scrapes the job (the counters keep counting).</param>
public sealed record TrafficProfile(
    string Job,
    int RequestsPerMinute,
    double ErrorRatio,
    double SlowRatio,
    IReadOnlyList<Episode>? Episodes = null,
    IReadOnlyList<Instant>? Resets = null,
    IReadOnlyList<Interval>? Gaps = null);

/// <summary>True event counts of one job over an interval.</summary>
/// <param name="Slow">Requests slower than 300 ms (above the <c>le="0.3"</c> bucket).</param>
public sealed record TrueCounts(long Requests, long Errors, long Slow);

/// <summary>
/// Generates counters (<c>http_requests_total{job,code}</c>) and a classic histogram
/// (<c>http_request_duration_seconds</c>, bounds 0.05, 0.1, 0.3, 1, +Inf) sampled once a minute, and knows the true
/// counts behind them, so tests can hold Prometheus' answers against the truth. Everything is deterministic:
/// fractions are spread with accumulators, no randomness.
/// </summary>
public sealed class SyntheticTraffic
{
    public static readonly double[] Bounds = [0.05, 0.1, 0.3, 1];
    private static readonly Duration Step = Duration.FromMinutes(1);

    private readonly Dictionary<string, Minute[]> _minutes = [];
    private readonly Dictionary<string, Cumulative[]> _cumulative = [];

    public SyntheticTraffic(Instant start, Instant end, IReadOnlyList<TrafficProfile> profiles)
    {
        if (start.ToUnixTimeMilliseconds() % 60_000 != 0 || end.ToUnixTimeMilliseconds() % 60_000 != 0)
            throw new ArgumentException("Start and end must fall on whole minutes.", nameof(start));
        if (end <= start)
            throw new ArgumentOutOfRangeException(nameof(end), end, "The end must come after the start.");
        Start = start;
        End = end;
        Profiles = profiles;
        foreach (var profile in profiles)
        {
            _minutes[profile.Job] = Generate(profile);
            _cumulative[profile.Job] = Cumulate(profile);
        }
    }

    public Instant Start { get; }
    public Instant End { get; }
    public IReadOnlyList<TrafficProfile> Profiles { get; }

    private int MinuteCount => (int)((End - Start) / Step) + 1;

    private Instant At(int index) => Start + Step * index;

    /// <summary>The true counts of events in the minutes ending within (from, to].</summary>
    public TrueCounts Truth(string job, Instant from, Instant to)
    {
        long requests = 0, errors = 0, slow = 0;
        var minutes = _minutes[job];
        for (var i = 0; i < minutes.Length; i++)
        {
            var t = At(i);
            if (t <= from || t > to)
                continue;
            requests += minutes[i].Requests;
            errors += minutes[i].Errors;
            slow += minutes[i].Slow;
        }

        return new TrueCounts(requests, errors, slow);
    }

    /// <summary>Writes one OpenMetrics file per day (promtool's backfill is much faster on small files); returns their paths.</summary>
    public IReadOnlyList<string> WriteOpenMetrics(string directory, Instant? until = null)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var perFile = (int)(Duration.FromDays(1) / Step);
        var count = until is { } u ? Math.Min(MinuteCount, (int)((u - Start) / Step) + 1) : MinuteCount;
        for (var first = 0; first < count; first += perFile)
        {
            var last = Math.Min(count, first + perFile);
            var path = Path.Combine(directory, $"traffic-{first / perFile:D4}.om");
            using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);
            WriteSlice(writer, first, last);
            files.Add(path);
        }

        return files;
    }

    private void WriteSlice(TextWriter w, int first, int last)
    {
        w.Write(CounterHeader);
        for (var i = first; i < last; i++)
        {
            foreach (var p in Profiles.Where(p => !Skipped(p, i)))
                WriteCounters(w, p.Job, _cumulative[p.Job][i], " " + Timestamp(i));
        }

        w.Write(HistogramHeader);
        for (var i = first; i < last; i++)
        {
            foreach (var p in Profiles.Where(p => !Skipped(p, i)))
                WriteHistogram(w, p.Job, _cumulative[p.Job][i], " " + Timestamp(i));
        }

        w.Write("# EOF\n");
    }

    /// <summary>
    /// The Prometheus text exposition of every series at the minute containing <paramref name="at"/>: what a live
    /// exporter of the same traffic shows, continuing the backfilled counters without a jump.
    /// </summary>
    public string Exposition(Instant at)
    {
        var index = (int)Math.Clamp((at - Start) / Step, 0, MinuteCount - 1);
        var w = new StringWriter(CultureInfo.InvariantCulture);
        w.Write(CounterHeader.Replace("http_requests counter", "http_requests_total counter", StringComparison.Ordinal));
        foreach (var p in Profiles)
            WriteCounters(w, p.Job, _cumulative[p.Job][index], "");
        w.Write(HistogramHeader);
        foreach (var p in Profiles)
            WriteHistogram(w, p.Job, _cumulative[p.Job][index], "");
        return w.ToString();
    }

    private const string CounterHeader = "# HELP http_requests Requests served.\n# TYPE http_requests counter\n";
    private const string HistogramHeader = "# HELP http_request_duration_seconds Request latency.\n# TYPE http_request_duration_seconds histogram\n";

    /// <param name="suffix">" &lt;timestamp&gt;" for OpenMetrics samples, empty for a live exposition.</param>
    private static void WriteCounters(TextWriter w, string job, Cumulative c, string suffix)
    {
        w.Write($"http_requests_total{{job=\"{job}\",code=\"200\"}} {c.Requests - c.Errors}{suffix}\n");
        w.Write($"http_requests_total{{job=\"{job}\",code=\"500\"}} {c.Errors}{suffix}\n");
    }

    private static void WriteHistogram(TextWriter w, string job, Cumulative c, string suffix)
    {
        for (var b = 0; b < Bounds.Length; b++)
            w.Write($"http_request_duration_seconds_bucket{{job=\"{job}\",le=\"{Bounds[b].ToString(CultureInfo.InvariantCulture)}\"}} {c.Buckets[b]}{suffix}\n");
        w.Write($"http_request_duration_seconds_bucket{{job=\"{job}\",le=\"+Inf\"}} {c.Requests}{suffix}\n");
        w.Write($"http_request_duration_seconds_count{{job=\"{job}\"}} {c.Requests}{suffix}\n");
        w.Write($"http_request_duration_seconds_sum{{job=\"{job}\"}} {c.Seconds.ToString("0.###", CultureInfo.InvariantCulture)}{suffix}\n");
    }

    private string Timestamp(int index) => (At(index).ToUnixTimeMilliseconds() / 1000).ToString(CultureInfo.InvariantCulture);

    private bool Skipped(TrafficProfile p, int index) => p.Gaps?.Any(g => g.Contains(At(index))) == true;

    private readonly record struct Minute(long Requests, long Errors, long Slow, long[] Buckets, double Seconds);

    private sealed record Cumulative(long Requests, long Errors, long[] Buckets, double Seconds);

    private Minute[] Generate(TrafficProfile p)
    {
        var result = new Minute[MinuteCount];
        double errorAcc = 0, slowAcc = 0;
        var bucketAcc = new double[Bounds.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var t = At(i);
            var episode = p.Episodes?.LastOrDefault(e => e.During.Contains(t));
            var requests = episode?.RequestsPerMinute ?? p.RequestsPerMinute;
            errorAcc += requests * (episode?.ErrorRatio ?? p.ErrorRatio);
            slowAcc += requests * (episode?.SlowRatio ?? p.SlowRatio);
            var errors = Math.Min(requests, (long)Math.Floor(errorAcc));
            var slow = Math.Min(requests, (long)Math.Floor(slowAcc));
            errorAcc -= errors;
            slowAcc -= slow;

            // Within the fast requests: 60% under 50 ms, 30% under 100 ms, the rest under 300 ms;
            // within the slow ones: 80% under 1 s. Buckets count requests at or below each bound.
            var fast = requests - slow;
            var shares = new[] { fast * 0.6, fast * 0.9, fast, fast + slow * 0.8 };
            var buckets = new long[Bounds.Length];
            for (var b = 0; b < Bounds.Length; b++)
                buckets[b] = b == 2 ? fast : (long)Math.Floor(shares[b]);
            var seconds = fast * 0.06 + slow * 0.9;
            result[i] = new Minute(requests, errors, slow, buckets, seconds);
        }

        return result;
    }

    private Cumulative[] Cumulate(TrafficProfile p)
    {
        var minutes = _minutes[p.Job];
        var result = new Cumulative[minutes.Length];
        long requests = 0, errors = 0;
        var buckets = new long[Bounds.Length];
        double seconds = 0;
        for (var i = 0; i < minutes.Length; i++)
        {
            if (p.Resets?.Any(r => r > At(i) - Step && r <= At(i)) == true)
            {
                requests = errors = 0;
                seconds = 0;
                Array.Clear(buckets);
            }

            var m = minutes[i];
            requests += m.Requests;
            errors += m.Errors;
            seconds += m.Seconds;
            for (var b = 0; b < buckets.Length; b++)
                buckets[b] += m.Buckets[b];
            result[i] = new Cumulative(requests, errors, (long[])buckets.Clone(), seconds);
        }

        return result;
    }
}
