using System.Diagnostics;
using System.Text.Json;

namespace Slo.Tests.Integration;

/// <summary>A real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1 at a free port, clustering off.</summary>
internal sealed class AlertmanagerServer : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly string _directory;

    private AlertmanagerServer(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        _directory = directory;
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public static async Task<AlertmanagerServer> StartAsync(string directory, int? port = null)
    {
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "alertmanager.yml");
        // One receiver that notifies nobody: the tests read what Alertmanager holds through its API.
        await File.WriteAllTextAsync(config, "route:\n  receiver: nobody\n  group_wait: 1s\nreceivers:\n  - name: nobody\n");
        var listen = port ?? PrometheusServer.FreePort();
        var info = new ProcessStartInfo(Tools.Require("prometheus-alertmanager", "alertmanager")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     $"--config.file={config}", $"--storage.path={Path.Combine(directory, "data")}",
                     $"--web.listen-address=127.0.0.1:{listen}", "--cluster.listen-address=", "--log.level=warn",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new AlertmanagerServer(process, listen, directory);
        await Tools.WaitUntilReadyAsync(new Uri(server.Url, "-/ready"), process, TimeSpan.FromSeconds(30), () => directory);
        return server;
    }

    /// <summary>The alerts Alertmanager holds as active (its v2 API leaves out resolved ones).</summary>
    public async Task<IReadOnlyList<JsonElement>> AlertsAsync()
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync(new Uri(Url, "api/v2/alerts")));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
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
