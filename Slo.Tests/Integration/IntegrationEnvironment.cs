using System.Diagnostics;
using Slo.Api.Demo;

namespace Slo.Tests.Integration;

/// <summary>
/// Generates the scenario's counters once, backfills them with promtool and starts a real Prometheus for every
/// integration test in this namespace; stops it and removes its files afterwards.
/// </summary>
[SetUpFixture]
public sealed class IntegrationEnvironment
{
    private static PrometheusServer? _prometheus;
    private static TestScenario? _scenario;

    internal static TestScenario Scenario => _scenario ?? throw new InvalidOperationException("The integration environment did not start.");
    internal static PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("The integration environment did not start.");
    internal static string WorkDirectory { get; private set; } = "";

    /// <summary>The backfilled blocks as promtool wrote them; never served, only copied, so no compaction races a copy.</summary>
    private static string BlocksDirectory => Path.Combine(WorkDirectory, "blocks");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        WorkDirectory = Path.Combine(Path.GetTempPath(), "slo-it-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(WorkDirectory);
        var clock = Stopwatch.StartNew();
        var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
        // On a 5-minute edge: the ledger's 5-minute buckets then end exactly where the truth's windows do.
        var end = Instant.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 300_000 * 300_000) - Duration.FromMinutes(5);
        _scenario = new TestScenario(end);
        var files = _scenario.Traffic.WriteOpenMetrics(Path.Combine(WorkDirectory, "openmetrics"));
        await Backfill.RunAsync(files, BlocksDirectory, CancellationToken.None, Tools.Require("promtool"));
        TestContext.Progress.WriteLine($"integration data: {files.Count} files backfilled in {clock.Elapsed.TotalSeconds:F1} s");
        _prometheus = await PrometheusServer.StartAsync(CopyTsdb("prometheus"));
        TestContext.Progress.WriteLine($"Prometheus ready on {_prometheus.Url} after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_prometheus is not null)
            await _prometheus.DisposeAsync();
        await VictoriaMetrics.StopSharedAsync();
        if (Directory.Exists(WorkDirectory))
            Directory.Delete(WorkDirectory, recursive: true);
    }

    /// <summary>A fresh copy of the backfilled blocks, for a Prometheus of its own (one a test may stop, say).</summary>
    internal static string CopyTsdb(string name)
    {
        var target = Path.Combine(WorkDirectory, name);
        foreach (var file in Directory.EnumerateFiles(BlocksDirectory, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, "tsdb", Path.GetRelativePath(BlocksDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }
}
