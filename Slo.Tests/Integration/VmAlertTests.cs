using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Ledger;

namespace Slo.Tests.Integration;

/// <summary>
/// What <c>slo rules</c> prints, loaded into vmalert (Debian's 1.79) against VictoriaMetrics holding the scenario, fires
/// the same tiers at the scenario's end as the service does reading the same VictoriaMetrics. vmalert replays the rules
/// over the last minutes (<c>-replay.timeFrom/-replay.timeTo</c>: range queries, one evaluation a minute, results and
/// <c>ALERTS</c> written back through remote write), which is how past data is judged without waiting for live time.
/// </summary>
[TestFixture]
public class VmAlertTests
{
    private const string Definitions = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: vm
        objectives:
          - name: burst
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="burst",code=~"5.."}', total: 'http_requests_total{job="burst"}' } }
          - name: flare
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="flare",code=~"5.."}', total: 'http_requests_total{job="flare"}' } }
        """;

    [Test]
    public async Task Rules_ReplayedByVmAlertOnVictoriaMetrics_FireTheServicesTiers()
    {
        var scenario = IntegrationEnvironment.Scenario;
        var victoria = await VictoriaMetrics.SharedAsync();
        var directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "vmalert");
        var definitions = Path.Combine(directory, "definitions");
        Directory.CreateDirectory(definitions);
        await File.WriteAllTextAsync(Path.Combine(definitions, "vm.yaml"), Definitions);
        var (exit, rules, stderr) = await SloProcess.RunAsync("rules", definitions);
        Assert.That(exit, Is.Zero, stderr);
        var rulesFile = Path.Combine(directory, "rules.yml");
        await File.WriteAllTextAsync(rulesFile, rules);

        // The service, reading the same VictoriaMetrics.
        var set = DefinitionLoader.LoadText(Definitions, "vm.yaml");
        var at = scenario.End;
        HashSet<string> service = [];
        await using (var ledgers = await TestLedgers.StartAsync(victoria.Url, Path.Combine(directory, "ledger")))
        {
            var failures = await ledgers.Book.SyncAsync(set.Objectives, at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
            Assert.That(failures, Is.Empty);
            foreach (var objective in set.Objectives)
            {
                foreach (var alert in ObjectiveEvaluator.Evaluate(objective, at, ledgers.Book.Measure(objective, at)).FiringAlerts)
                    service.Add($"{objective.Name} {alert.Tier.Key}");
            }
        }

        Assert.That(service, Is.EquivalentTo(new[] { "burst page-1h-5m", "flare page-6h-30m" }),
            "the scenario: the burst still rages at the end and pages on 1h/5m; the flare ended 10 minutes before, so only 6h/30m still pages");

        var replay = Stopwatch.StartNew();
        // Alerting rules read what the recording rules before them wrote: the delay between rules (the default, 1 s)
        // lets VictoriaMetrics make it searchable.
        var (code, output) = await RunAsync("vmalert", $"-rule={rulesFile}", $"-datasource.url={victoria.Url.ToString().TrimEnd('/')}",
            $"-remoteWrite.url={victoria.Url.ToString().TrimEnd('/')}", "-remoteWrite.flushInterval=200ms", "-replay.rulesDelay=1s",
            "-evaluationInterval=1m", "-replay.disableProgressBar", "-loggerLevel=WARN",
            $"-replay.timeFrom={Rfc3339(at - Duration.FromMinutes(5))}", $"-replay.timeTo={Rfc3339(at)}");
        Assert.That(code, Is.Zero, output);
        TestContext.Progress.WriteLine($"vmalert replayed {set.Objectives.Count} objectives' rules in {replay.Elapsed.TotalSeconds:F1} s");

        using var http = new HttpClient { BaseAddress = victoria.Url };
        await http.GetAsync("internal/force_flush");
        var fromRules = await FiringAtAsync(http, at);
        Assert.That(fromRules, Is.EquivalentTo(service), "vmalert, running the generated rules on the same data, fires the same tiers");
    }

    private static string Rfc3339(Instant at) => at.ToDateTimeUtc().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The firing alerts vmalert wrote for exactly <paramref name="at"/>, read raw through the export API.</summary>
    private static async Task<HashSet<string>> FiringAtAsync(HttpClient http, Instant at)
    {
        var seconds = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var lines = await http.GetStringAsync($"api/v1/export?match[]={Uri.EscapeDataString("ALERTS{alertstate=\"firing\",service=\"vm\"}")}&start={seconds}&end={seconds}");
        var firing = new HashSet<string>();
        foreach (var line in lines.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var labels = doc.RootElement.GetProperty("metric");
            if (doc.RootElement.GetProperty("timestamps").EnumerateArray().Any(t => t.GetInt64() == at.ToUnixTimeMilliseconds()))
                firing.Add($"{labels.GetProperty("objective").GetString()} {labels.GetProperty("severity").GetString()}-{labels.GetProperty("long_window").GetString()}-{labels.GetProperty("short_window").GetString()}");
        }

        return firing;
    }

    private static async Task<(int Exit, string Output)> RunAsync(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(Tools.Require(tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
