using System.Diagnostics;
using Slo.Api.Demo;
using Slo.Tests.Integration;

namespace Slo.Tests.Policy;

/// <summary>
/// A world at fixed dates for the budget-policy tests (reports over a complete local month, corrections across a DST
/// change): generated counters from 28 September to 3 November 2026, backfilled into a real Prometheus; the tests run
/// the service with a fake clock at <see cref="Now"/>. Fixed dates make "October in New York" and "the night clocks
/// went back in Berlin" the same on every run.
/// </summary>
[SetUpFixture]
public sealed class PolicyEnvironment
{
    public static readonly Instant Start = Instant.FromUtc(2026, 9, 28, 0, 0);
    public static readonly Instant Now = Instant.FromUtc(2026, 11, 3, 0, 0);

    private static PrometheusServer? _prometheus;
    private static SyntheticTraffic? _traffic;

    internal static PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("The policy environment did not start.");
    internal static SyntheticTraffic Traffic => _traffic ?? throw new InvalidOperationException("The policy environment did not start.");
    internal static string WorkDirectory { get; private set; } = "";

    /// <summary>A 2-hour burst of 3% errors in mid-October.</summary>
    public static readonly Interval MidOctoberBurst = new(Instant.FromUtc(2026, 10, 14, 12, 0), Instant.FromUtc(2026, 10, 14, 14, 0));

    /// <summary>A burst of 5% errors across the New York month edge: 23:30 on 31 October to 00:30 on 1 November, local.</summary>
    public static readonly Interval MonthEdgeBurst = new(Instant.FromUtc(2026, 11, 1, 3, 30), Instant.FromUtc(2026, 11, 1, 4, 30));

    public static IReadOnlyList<TrafficProfile> Profiles { get; } =
    [
        new TrafficProfile("nyc", 1000, 0.0005, 0.004, Episodes:
        [
            new Episode(MidOctoberBurst, ErrorRatio: 0.03),
            new Episode(MonthEdgeBurst, ErrorRatio: 0.05),
        ]),
    ];

    public const string Definitions = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: nyc
        objectives:
          - name: availability
            target: 99.9
            window: { calendar: month, timeZone: America/New_York }
            indicator: { ratio: { bad: 'http_requests_total{job="nyc",code=~"5.."}', total: 'http_requests_total{job="nyc"}' } }
          - name: latency
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="nyc"}', threshold: 300ms } }
        """;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "slo-policy-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(WorkDirectory);
        var clock = Stopwatch.StartNew();
        _traffic = new SyntheticTraffic(Start, Now, Profiles);
        var files = _traffic.WriteOpenMetrics(Path.Combine(WorkDirectory, "openmetrics"));
        var tsdb = Path.Combine(WorkDirectory, "prometheus");
        await Backfill.RunAsync(files, Path.Combine(tsdb, "tsdb"), CancellationToken.None, Tools.Require("promtool"));
        _prometheus = await PrometheusServer.StartAsync(tsdb);
        TestContext.Progress.WriteLine($"policy environment: Prometheus ready on {_prometheus.Url} after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_prometheus is not null)
            await _prometheus.DisposeAsync();
        if (Directory.Exists(WorkDirectory))
            Directory.Delete(WorkDirectory, recursive: true);
    }
}
