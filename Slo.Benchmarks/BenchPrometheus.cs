using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Slo.Tests.Integration;

namespace Slo.Benchmarks;

/// <summary>
/// A real Prometheus on 127.0.0.1 over the benchmark's TSDB: scrapes the live exporter every 15 s and evaluates an
/// optional rule file every 30 s. Its longest block is <see cref="TsdbBackfill.BlockLength"/>, the length of the
/// backfilled blocks, so it finds nothing to compact while it is measured. Restarted over the same TSDB with another
/// rule file between approaches.
/// </summary>
internal sealed class BenchPrometheus : IAsyncDisposable
{
    public static readonly TimeSpan EvaluationInterval = TimeSpan.FromSeconds(30);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(10) };

    private readonly string _directory;
    private readonly string _scrapeTarget;
    private Process? _process;
    private StreamWriter? _log;

    private BenchPrometheus(string directory, string scrapeTarget)
    {
        _directory = directory;
        _scrapeTarget = scrapeTarget;
    }

    public int Port { get; } = PrometheusServer.FreePort();
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public string TsdbPath => Path.Combine(_directory, "tsdb");
    private string LogPath => Path.Combine(_directory, "prometheus.log");

    /// <summary>CPU time Prometheus has used since it started (user and system).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            var process = _process ?? throw new InvalidOperationException("Prometheus is not running.");
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <param name="scrapeTarget">host:port of the live exporter.</param>
    public static BenchPrometheus Create(string directory, string scrapeTarget) => new(directory, scrapeTarget);

    /// <summary>(Re)starts Prometheus with <paramref name="rulesFile"/> (or none) and waits until it is ready.</summary>
    public async Task StartAsync(string? rulesFile)
    {
        await StopAsync();
        // The exporter writes each series' own job and instance labels; honor_labels keeps them over the target's,
        // so the live samples continue the backfilled series (which have no scrape-added labels).
        var config = $"global:\n  scrape_interval: 15s\n  evaluation_interval: {EvaluationInterval.TotalSeconds}s\n" +
                     $"scrape_configs:\n  - job_name: live\n    honor_labels: true\n    static_configs: [ {{ targets: ['{_scrapeTarget}'] }} ]\n" +
                     (rulesFile is null ? "" : $"rule_files: ['{rulesFile}']\n");
        var configPath = Path.Combine(_directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config);

        var info = new ProcessStartInfo(Tools.Require("prometheus")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     $"--config.file={configPath}",
                     $"--storage.tsdb.path={TsdbPath}",
                     $"--web.listen-address=127.0.0.1:{Port}",
                     "--storage.tsdb.retention.time=3650d",
                     $"--storage.tsdb.max-block-duration={TsdbBackfill.BlockLength.TotalHours}h",
                     "--log.level=warn",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        var log = _log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Tools.WaitUntilReadyAsync(new Uri(Url, "-/ready"), _process, TimeSpan.FromMinutes(5), () => $"see {LogPath}");
    }

    /// <summary>Prometheus' own /metrics.</summary>
    public async Task<MetricsText> SelfMetricsAsync(CancellationToken cancellationToken) =>
        MetricsText.Parse(await Http.GetStringAsync(new Uri(Url, "metrics"), cancellationToken));

    /// <summary>The samples an instant query of <paramref name="expr"/> at <paramref name="at"/> reads (stats=all's totalQueryableSamples).</summary>
    public async Task<long> QueryableSamplesAsync(string expr, Instant at, CancellationToken cancellationToken)
    {
        using var form = new FormUrlEncodedContent(
        [
            new("query", expr),
            new("time", (at.ToUnixTimeMilliseconds() / 1000.0).ToString("F3", CultureInfo.InvariantCulture)),
            new("stats", "all"),
        ]);
        using var response = await Http.PostAsync(new Uri(Url, "api/v1/query"), form, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Prometheus answered {(int)response.StatusCode} to {expr}: {System.Text.Encoding.UTF8.GetString(body)}");
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("data").GetProperty("stats").GetProperty("samples").GetProperty("totalQueryableSamples").GetInt64();
    }

    public async Task StopAsync()
    {
        if (_process is null)
            return;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _process = null;
        lock (_log!)
            _log.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
