using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Slo.Benchmarks;

/// <summary>
/// Loads 1,000 objectives into the real <c>slo</c> process (Release build) over real Prometheus data, waits for
/// the first evaluation, then drives the objective-status and gate endpoints with wrk and reports requests per second
/// and latency percentiles. wrk, the service and Prometheus share the machine's cores.
/// </summary>
internal static partial class HttpBenchmark
{
    public static async Task<int> RunAsync(int objectives, int seconds, int connections)
    {
        await using var env = await BenchEnvironment.StartAsync(objectives);
        var port = Slo.Tests.Integration.PrometheusServer.FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "slo.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     dll, "serve", $"--urls=http://127.0.0.1:{port}", $"--Prometheus:Url={env.Prometheus.Url}",
                     $"--Definitions:Path={env.DefinitionsPath}", $"--Storage:ConnectionString=Data Source={Path.Combine(env.Directory, "slo.db")}",
                     "--Evaluation:Interval=1h", "--Logging:LogLevel:Default=Warning",
                 })
        {
            info.ArgumentList.Add(arg);
        }

        using var slo = Process.Start(info)!;
        slo.OutputDataReceived += (_, _) => { };
        slo.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        slo.BeginOutputReadLine();
        slo.BeginErrorReadLine();
        try
        {
            var baseUrl = $"http://127.0.0.1:{port}";
            using var http = new HttpClient();
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    if ((await http.GetAsync($"{baseUrl}/health/ready")).IsSuccessStatusCode)
                        break;
                }
                catch (HttpRequestException)
                {
                }

                if (sw.Elapsed > TimeSpan.FromMinutes(3))
                    throw new TimeoutException("the service did not finish its first evaluation in 3 minutes");
                await Task.Delay(250);
            }

            Console.WriteLine($"service ready with {objectives} objectives after {sw.Elapsed.TotalSeconds:F1} s (first evaluation cycle included)");
            var paths = new[]
            {
                ("objective status", "/api/v1/objectives/svc042/o3"),
                ("service gate", "/api/v1/services/svc042/gate"),
                ("service summary", "/api/v1/services/svc042"),
            };
            Console.WriteLine();
            Console.WriteLine($"wrk: 2 threads, {connections} connections, {seconds} s per endpoint, {Environment.ProcessorCount} cores shared by wrk, slo and Prometheus");
            Console.WriteLine("| endpoint | status | requests/s | p50 (ms) | p90 (ms) | p99 (ms) |");
            Console.WriteLine("|---|---|---|---|---|---|");
            foreach (var (name, path) in paths)
            {
                var status = (int)(await http.GetAsync(baseUrl + path)).StatusCode;
                await Wrk(baseUrl + path, 3, connections); // warm-up
                var output = await Wrk(baseUrl + path, seconds, connections);
                Console.WriteLine($"| {name} `{path}` | {status} | {Number(RequestsPerSecond(), output)} | {Latency("50", output)} | {Latency("90", output)} | {Latency("99", output)} |");
            }

            return 0;
        }
        finally
        {
            slo.Kill(entireProcessTree: true);
            await slo.WaitForExitAsync();
        }
    }

    private static async Task<string> Wrk(string url, int seconds, int connections)
    {
        var info = new ProcessStartInfo(Slo.Tests.Integration.Tools.Require("wrk")) { RedirectStandardOutput = true };
        foreach (var arg in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency", url })
            info.ArgumentList.Add(arg);
        using var wrk = Process.Start(info)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        if (output.Contains("Non-2xx", StringComparison.Ordinal) && !url.EndsWith("/gate", StringComparison.Ordinal))
            Console.Error.WriteLine($"warning: non-2xx answers from {url}");
        return output;
    }

    private static string Number(Regex regex, string output) =>
        regex.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture).ToString("N0", CultureInfo.InvariantCulture) : "?";

    /// <summary>wrk prints "50%  1.23ms" (or us, s) in its latency distribution.</summary>
    private static string Latency(string percentile, string output)
    {
        var m = Regex.Match(output, $@"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success)
            return "?";
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        var ms = m.Groups[2].Value switch { "us" => value / 1000, "s" => value * 1000, _ => value };
        return ms.ToString("0.00", CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();
}
