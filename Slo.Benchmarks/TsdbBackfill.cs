using System.Diagnostics;
using System.Globalization;
using System.Text;
using Slo.Tests.Integration;
using static Slo.Benchmarks.RealisticTraffic;

namespace Slo.Benchmarks;

/// <summary>A series whose history is recorded rule output: Sloth's 5m error ratio of one objective.</summary>
internal sealed record RecordedRatio(string Series, int Job, IndicatorKind Kind);

/// <summary>What the backfill wrote.</summary>
internal sealed record BackfillVolume(int Series, long Samples, int Blocks, TimeSpan Took);

/// <summary>
/// Writes the traffic from <c>start</c> to <c>end</c> as OpenMetrics — 1-minute samples, 15-second ones from
/// <c>recentStart</c> on — plus the history of recorded rule output every 30 s, and turns it into TSDB blocks with
/// promtool. One file per <see cref="BlockLength"/>-aligned stretch of time (one block each), two at a time, each
/// deleted once promtool has read it so the text never piles up on disk.
/// </summary>
internal static class TsdbBackfill
{
    /// <summary>
    /// The length of the blocks. Prometheus runs with it as its longest block, so it never compacts the backfilled
    /// blocks while being measured (promtool's default 2-hour blocks would be merged in the background, and 30 days
    /// of them would make every long query visit 360 blocks); 14 blocks for 30 days is close to a real server's layout.
    /// </summary>
    public static readonly Duration BlockLength = Duration.FromHours(54);

    private static readonly Duration Minute = Duration.FromMinutes(1), Recent = Duration.FromSeconds(15), RuleInterval = Duration.FromSeconds(30);

    public static async Task<BackfillVolume> RunAsync(
        RealisticTraffic traffic, IReadOnlyList<RecordedRatio> recorded, Instant start, Instant end, Instant recentStart,
        string directory, string tsdb, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var clock = Stopwatch.StartNew();
        var blockMs = (long)BlockLength.TotalMilliseconds;
        var stretches = new List<(Instant From, Instant To)>();
        for (var from = start; from <= end;)
        {
            var to = Instant.FromUnixTimeMilliseconds((from.ToUnixTimeMilliseconds() / blockMs + 1) * blockMs);
            stretches.Add((from, to > end ? end + Duration.FromMilliseconds(1) : to));
            from = to;
        }

        long samples = 0;
        // Newest first: the 15-second stretches are the largest, and two workers finish together when they go first.
        stretches.Reverse();
        await Parallel.ForEachAsync(stretches, new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellationToken }, async (stretch, token) =>
        {
            var file = Path.Combine(directory, $"chunk-{stretch.From.ToUnixTimeSeconds()}.om");
            Interlocked.Add(ref samples, Write(file, traffic, recorded, stretch.From, stretch.To, recentStart));
            await PromtoolAsync(file, tsdb, token);
            File.Delete(file);
        });
        return new BackfillVolume(traffic.SeriesCount + recorded.Count, samples, stretches.Count, clock.Elapsed);
    }

    /// <summary>
    /// Writes the samples in [from, to) to one OpenMetrics file, family by family and series by series (promtool
    /// appends a series' samples faster in a row than interleaved with the others); returns how many.
    /// </summary>
    private static long Write(string path, RealisticTraffic traffic, IReadOnlyList<RecordedRatio> recorded, Instant from, Instant to, Instant recentStart)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20);
        long samples = 0;
        Span<char> value = stackalloc char[32];
        var times = Times(from, to, recentStart).ToArray();
        var suffixes = times.Select(Suffix).ToArray();
        var elapsed = times.Select(traffic.Elapsed).ToArray();
        foreach (var (name, type, first, end) in Families)
        {
            writer.Write($"# TYPE {name} {type}\n");
            foreach (var instance in traffic.Instances)
            {
                var counts = elapsed.Select(instance.At).ToArray();
                for (var s = first; s < end; s++)
                {
                    for (var i = 0; i < times.Length; i++)
                    {
                        writer.Write(instance.Prefixes[s]);
                        writer.Write(value[..counts[i].Format(s, value)]);
                        writer.Write(suffixes[i]);
                    }
                }

                samples += (long)(end - first) * times.Length;
            }
        }

        if (recorded.Count > 0)
        {
            writer.Write($"# TYPE {SlothRules.FiveMinuteRatio} gauge\n");
            var ruleTimes = Every(from, to, RuleInterval).ToArray();
            var ruleSuffixes = ruleTimes.Select(Suffix).ToArray();
            var ratios = new Dictionary<(int, IndicatorKind), string[]>();
            foreach (var r in recorded)
            {
                if (!ratios.TryGetValue((r.Job, r.Kind), out var values))
                {
                    ratios[(r.Job, r.Kind)] = values = ruleTimes
                        .Select(t => " " + traffic.FiveMinuteErrorRatio(r.Job, r.Kind, t).ToString("G6", CultureInfo.InvariantCulture)).ToArray();
                }

                for (var i = 0; i < ruleTimes.Length; i++)
                {
                    writer.Write(r.Series);
                    writer.Write(values[i]);
                    writer.Write(ruleSuffixes[i]);
                }

                samples += ruleTimes.Length;
            }
        }

        writer.Write("# EOF\n");
        return samples;
    }

    /// <summary>Scrape instants: every minute, every 15 s from <paramref name="recentStart"/> on.</summary>
    private static IEnumerable<Instant> Times(Instant from, Instant to, Instant recentStart)
    {
        for (var t = Align(from, Minute); t < to; t += t >= recentStart ? Recent : Minute)
            yield return t;
    }

    private static IEnumerable<Instant> Every(Instant from, Instant to, Duration step)
    {
        for (var t = Align(from, step); t < to; t += step)
            yield return t;
    }

    private static Instant Align(Instant t, Duration step)
    {
        var ms = (long)step.TotalMilliseconds;
        return Instant.FromUnixTimeMilliseconds((t.ToUnixTimeMilliseconds() + ms - 1) / ms * ms);
    }

    private static string Suffix(Instant t) => " " + t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) + "\n";

    private static async Task PromtoolAsync(string file, string tsdb, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Tools.Require("promtool")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "tsdb", "create-blocks-from", "openmetrics", "--quiet", $"--max-block-duration={BlockLength.TotalHours}h", file, tsdb })
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw;
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"promtool failed on {file} (exit {process.ExitCode}): {await stderr}{await stdout}");
    }
}
