using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Slo.Tests.Integration;

/// <summary>A real Prometheus process on 127.0.0.1 at a free port, over a TSDB folder of backfilled blocks.</summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string? _webConfig;
    private readonly HttpClient? _readyClient;
    private Process? _process;

    private PrometheusServer(string directory, int port, string? rules, string? scrapeTarget, string scrapeInterval, string? webConfig = null, HttpClient? readyClient = null)
    {
        _directory = directory;
        _webConfig = webConfig;
        _readyClient = readyClient;
        Port = port;
        var config = rules is null ? "global:\n  scrape_interval: 1m\n" : "global:\n  scrape_interval: 5s\n  evaluation_interval: 2s\n";
        config += scrapeTarget is null
            ? "scrape_configs: []\n"
            // Live samples continue the backfilled series: keep the exposed job label, drop the instance label.
            : $"scrape_configs:\n  - job_name: live\n    scrape_interval: {scrapeInterval}\n    honor_labels: true\n    static_configs: [ {{ targets: ['{scrapeTarget}'] }} ]\n" +
              "    metric_relabel_configs: [ { action: labeldrop, regex: instance } ]\n";
        if (rules is not null)
            config += $"rule_files: ['{rules}']\n";
        File.WriteAllText(ConfigPath, config);
    }

    public int Port { get; }
    public Uri Url => new($"{(_webConfig is null ? "http" : "https")}://127.0.0.1:{Port}/");
    public string TsdbPath => Path.Combine(_directory, "tsdb");
    private string ConfigPath => Path.Combine(_directory, "prometheus.yml");
    private string LogPath => Path.Combine(_directory, "prometheus.log");

    /// <summary>Starts Prometheus over the blocks in <paramref name="directory"/>/tsdb and waits until it is ready.</summary>
    /// <param name="rulesFile">Rules to load and evaluate every 2 s.</param>
    /// <param name="scrapeTarget">host:port of a live exporter to scrape every <paramref name="scrapeInterval"/>.</param>
    /// <param name="scrapeInterval">A Prometheus duration such as 5s.</param>
    public static async Task<PrometheusServer> StartAsync(string directory, string? rulesFile = null, string? scrapeTarget = null, string scrapeInterval = "5s")
    {
        var server = new PrometheusServer(directory, FreePort(), rulesFile, scrapeTarget, scrapeInterval);
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts Prometheus with a web configuration (TLS, basic auth: <c>--web.config.file</c>), so every
    /// endpoint is https; <paramref name="readyClient"/> carries what it needs to ask whether it is ready.</summary>
    public static async Task<PrometheusServer> StartSecuredAsync(string directory, string webConfigFile, HttpClient readyClient)
    {
        var server = new PrometheusServer(directory, FreePort(), null, null, "5s", webConfigFile, readyClient);
        await server.StartAsync();
        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Tools.Require("prometheus"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     $"--config.file={ConfigPath}",
                     $"--storage.tsdb.path={TsdbPath}",
                     $"--web.listen-address=127.0.0.1:{Port}",
                     "--storage.tsdb.retention.time=3650d",
                     "--log.level=warn",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        if (_webConfig is not null)
            info.ArgumentList.Add($"--web.config.file={_webConfig}");

        var log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await Tools.WaitUntilReadyAsync(new Uri(Url, "-/ready"), _process, TimeSpan.FromSeconds(90), () => $"see {LogPath}", _readyClient);
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
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}

/// <summary>Finds the Debian binaries the integration tests need, and says how to get them when they are missing.</summary>
internal static class Tools
{
    private static readonly HttpClient ReadyCheck = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>Polls <paramref name="ready"/> until it answers 2xx; fails early when the process exits.</summary>
    public static async Task WaitUntilReadyAsync(Uri ready, Process process, TimeSpan timeout, Func<string> details, HttpClient? client = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{Path.GetFileName(process.StartInfo.FileName)} exited with {process.ExitCode}: {details()}");
            try
            {
                using var response = await (client ?? ReadyCheck).GetAsync(ready);
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{ready} was not ready within {timeout.TotalSeconds:0} s: {details()}");
    }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (e.g. 24m) on <paramref name="path"/>; false where mounting is not allowed.</summary>
    public static async Task<bool> TryMountTmpfsAsync(string path, string size) =>
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path) == 0;

    public static async Task UnmountAsync(string path) => await RunAsync("umount", "-l", path);

    private static async Task<int> RunAsync(string file, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
                info.ArgumentList.Add(arg);
            using var process = Process.Start(info)!;
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    public static string Require(string name, params string[] alternatives) =>
        alternatives.Prepend(name).Select(FindOnPath).FirstOrDefault(p => p is not null) ?? throw new InvalidOperationException(
            $"'{name}' is not installed. The integration tests run the real thing: install Debian's prometheus, prometheus-alertmanager and victoria-metrics " +
            "(scripts/test does so when run as root: apt-get install -y prometheus prometheus-alertmanager victoria-metrics).");

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
