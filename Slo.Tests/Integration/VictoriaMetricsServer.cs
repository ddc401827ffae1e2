using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Slo.Tests.Integration;

/// <summary>
/// A Debian package's server (victoria-metrics, vmauth) as a child process on 127.0.0.1 at a free port, its output kept
/// in a log file beside its data.
/// </summary>
internal sealed class ToolServer : IAsyncDisposable
{
    private readonly Process _process;

    private ToolServer(Process process, int port, string log)
    {
        _process = process;
        Port = port;
        LogPath = log;
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public string LogPath { get; }

    /// <param name="arguments">The arguments; <c>{port}</c> in any of them becomes the chosen port.</param>
    /// <param name="ready">The path that answers 2xx once the server is ready.</param>
    public static async Task<ToolServer> StartAsync(string tool, string directory, string ready, params string[] arguments)
    {
        Directory.CreateDirectory(directory);
        var port = PrometheusServer.FreePort();
        var info = new ProcessStartInfo(Tools.Require(tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument.Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var log = Path.Combine(directory, tool + ".log");
        var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (writer) writer.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ToolServer(process, port, log);
        try
        {
            await Tools.WaitUntilReadyAsync(new Uri(server.Url, ready), process, TimeSpan.FromSeconds(60), () => $"see {log}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>
/// VictoriaMetrics single-node (Debian's victoria-metrics) holding the scenario's generated counters, imported through
/// its JSON-lines API (<c>/api/v1/import</c>) from the same OpenMetrics files promtool backfilled Prometheus from.
/// Started once, on first use, for every test that needs it; stopped with the integration environment.
/// </summary>
internal static class VictoriaMetrics
{
    private static readonly Lazy<Task<ToolServer>> SharedServer = new(() => StartAsync(Path.Combine(IntegrationEnvironment.WorkDirectory, "victoria-metrics")));

    /// <summary>The shared server, the scenario imported.</summary>
    public static Task<ToolServer> SharedAsync() => SharedServer.Value;

    public static async Task StopSharedAsync()
    {
        if (SharedServer.IsValueCreated && SharedServer.Value.IsCompletedSuccessfully)
            await SharedServer.Value.Result.DisposeAsync();
    }

    private static async Task<ToolServer> StartAsync(string directory)
    {
        var clock = Stopwatch.StartNew();
        // Its result cache would keep answers computed before an import; nothing is written after the import here, but
        // a cache is no part of what the accuracy tests judge.
        var server = await ToolServer.StartAsync("victoria-metrics", directory, "health",
            $"-storageDataPath={Path.Combine(directory, "data")}", "-httpListenAddr=127.0.0.1:{port}", "-retentionPeriod=100y",
            "-search.disableCache", "-loggerLevel=WARN");
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(2) };
        foreach (var file in Directory.EnumerateFiles(Path.Combine(IntegrationEnvironment.WorkDirectory, "openmetrics"), "*.om").Order(StringComparer.Ordinal))
        {
            using var content = new StringContent(JsonLines(file), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync("api/v1/import", content);
            response.EnsureSuccessStatusCode();
        }

        // Makes what was imported searchable at once.
        (await http.GetAsync("internal/force_flush")).EnsureSuccessStatusCode();
        TestContext.Progress.WriteLine($"VictoriaMetrics ready on {server.Url}, scenario imported, after {clock.Elapsed.TotalSeconds:F1} s");
        return server;
    }

    /// <summary>One JSON line per series of an OpenMetrics file: <c>{"metric":{...},"values":[...],"timestamps":[ms...]}</c>.</summary>
    private static string JsonLines(string openMetrics)
    {
        var series = new Dictionary<string, (List<string> Values, List<long> Timestamps)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(openMetrics))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var close = line.LastIndexOf('}');
            var parts = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var key = line[..(close + 1)];
            if (!series.TryGetValue(key, out var points))
                series[key] = points = ([], []);
            points.Values.Add(parts[0]);
            points.Timestamps.Add(long.Parse(parts[1], CultureInfo.InvariantCulture) * 1000);
        }

        var sb = new StringBuilder();
        foreach (var (key, (values, timestamps)) in series)
        {
            var open = key.IndexOf('{');
            var metric = new Dictionary<string, string> { ["__name__"] = key[..open] };
            foreach (var pair in key[(open + 1)..^1].Split("\",", StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=');
                metric[pair[..equals]] = pair[(equals + 2)..].TrimEnd('"');
            }

            sb.Append("{\"metric\":").Append(JsonSerializer.Serialize(metric))
                .Append(",\"values\":[").AppendJoin(',', values).Append("],\"timestamps\":[").AppendJoin(',', timestamps).Append("]}\n");
        }

        return sb.ToString();
    }
}
