using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Slo.Api.Demo;
using Slo.Tests.Integration;
using static Slo.Tests.Deploy.DeployFiles;

namespace Slo.Tests.Deploy;

/// <summary>
/// deploy/grafana/slo-dashboard.json against the real thing: a real <c>slo serve</c> over a Prometheus with generated
/// traffic, scraped every second by a second Prometheus, which answers every query of every panel.
/// </summary>
[TestFixture]
public partial class GrafanaDashboardTests
{
    private const string Service = "checkout";

    // checkout burns its availability budget twice as fast as allowed (the 3d/6h ticket tier fires, so alerts are
    // delivered, to nobody); search has an objective whose threshold is no histogram bound (an evaluation error).
    private const string Definitions = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        labels: { team: payments }
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="checkout",code=~"5.."}', total: 'http_requests_total{job="checkout"}' } }
          - name: latency
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="checkout"}', threshold: 300ms } }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: search
        objectives:
          - name: availability
            target: 99.5
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="search",code=~"5.."}', total: 'http_requests_total{job="search"}' } }
          - name: latency-wrong-bound
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="search"}', threshold: 250ms } }
        """;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private string _work = "";
    private PrometheusServer? _source;
    private SloProcess? _slo;
    private PrometheusServer? _scraper;
    private JsonElement _dashboard;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Grafana, "slo-dashboard.json"))).RootElement.Clone();
        _work = Path.Combine(Path.GetTempPath(), "slo-grafana-" + Guid.NewGuid().ToString("N")[..8]);
        var clock = Stopwatch.StartNew();

        // Six hours of minute samples up to a minute ago: enough for every burn window to hold events.
        var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var end = Instant.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 60_000 * 60_000) - Duration.FromMinutes(1);
        var traffic = new SyntheticTraffic(end - Duration.FromHours(6), end,
        [
            new TrafficProfile("checkout", 1000, 0.002, 0.005),
            new TrafficProfile("search", 300, 0.001, 0.02),
        ]);
        var source = Path.Combine(_work, "source");
        await Backfill.RunAsync(traffic.WriteOpenMetrics(Path.Combine(_work, "openmetrics")), Path.Combine(source, "tsdb"), CancellationToken.None, Tools.Require("promtool"));
        _source = await PrometheusServer.StartAsync(source);

        Directory.CreateDirectory(Path.Combine(_work, "definitions"));
        await File.WriteAllTextAsync(Path.Combine(_work, "definitions", "checkout.yaml"), Definitions);
        _slo = await SloProcess.StartAsync(
            $"--Prometheus:Url={_source.Url}",
            $"--Definitions:Path={Path.Combine(_work, "definitions")}",
            $"--Storage:ConnectionString=Data Source={Path.Combine(_work, "slo.db")}",
            "--Evaluation:Interval=2s",
            "--History:Backfill=false",
            // Nobody listens there: deliveries fail, and are counted.
            $"--Alerting:AlertmanagerUrl=http://127.0.0.1:{PrometheusServer.FreePort()}",
            "--Alerting:DispatchInterval=1s");

        var scraper = Path.Combine(_work, "scraper");
        Directory.CreateDirectory(scraper);
        _scraper = await PrometheusServer.StartAsync(scraper, scrapeTarget: $"127.0.0.1:{_slo.Port}", scrapeInterval: "1s");
        TestContext.Progress.WriteLine($"grafana dashboard: slo and two Prometheus servers ready after {clock.Elapsed.TotalSeconds:F1} s");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_scraper is not null)
            await _scraper.DisposeAsync();
        if (_slo is not null)
            await _slo.DisposeAsync();
        if (_source is not null)
            await _source.DisposeAsync();
        if (Directory.Exists(_work))
            Directory.Delete(_work, recursive: true);
    }

    /// <summary>Every panel, those inside collapsed rows too.</summary>
    private IEnumerable<JsonElement> Panels() => Flatten(_dashboard.GetProperty("panels"));

    private static IEnumerable<JsonElement> Flatten(JsonElement panels)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            yield return panel;
            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var inner in Flatten(nested))
                    yield return inner;
            }
        }
    }

    private IEnumerable<(string Panel, string Expr)> Queries() =>
        from panel in Panels()
        where panel.TryGetProperty("targets", out _)
        from target in panel.GetProperty("targets").EnumerateArray()
        select (panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!);

    [Test]
    public void Dashboard_Json_HasTitledPanelsOnTheDatasourceVariable()
    {
        var variables = _dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.Multiple(() =>
        {
            Assert.That(_dashboard.GetProperty("schemaVersion").GetInt32(), Is.GreaterThanOrEqualTo(39));
            Assert.That(variables.Keys, Is.SupersetOf(new[] { "datasource", "service", "objective" }));
            Assert.That(variables["datasource"].GetProperty("query").GetString(), Is.EqualTo("prometheus"));
            Assert.That(Panels().Count(), Is.GreaterThan(10));
            foreach (var panel in Panels())
            {
                var title = panel.TryGetProperty("title", out var t) ? t.GetString() : null;
                Assert.That(title, Is.Not.Null.And.Not.Empty, $"panel {panel.GetProperty("id")} has no title");
                if (panel.GetProperty("type").GetString() == "row")
                    continue;
                Assert.That(panel.GetProperty("datasource").GetProperty("uid").GetString(), Is.EqualTo("${datasource}"), title);
                Assert.That(panel.GetProperty("targets").GetArrayLength(), Is.GreaterThan(0), title);
                foreach (var target in panel.GetProperty("targets").EnumerateArray())
                    Assert.That(target.GetProperty("datasource").GetProperty("uid").GetString(), Is.EqualTo("${datasource}"), title);
            }
        });
    }

    [Test]
    public async Task Dashboard_Signals_ReliabilityAndPerformanceHaveTablesOfTheirOwn()
    {
        var tables = Panels().Where(p => p.GetProperty("type").GetString() == "table").ToArray();
        var bySignal = tables.ToDictionary(
            t => t.GetProperty("targets").EnumerateArray().Select(x => SignalOf().Match(x.GetProperty("expr").GetString()!).Groups[1].Value).Distinct().Single(),
            t => t.GetProperty("title").GetString());
        Assert.That(bySignal.Keys, Is.EquivalentTo(new[] { "reliability", "performance" }));
        // The label values the tables filter on are the ones the service writes.
        Assert.That(await LabelValuesAsync("slo_target_ratio", "signal"), Is.EquivalentTo(new[] { "reliability", "performance" }));
    }

    [Test]
    public async Task TemplateVariables_ScrapedService_ListServicesAndObjectives()
    {
        Assert.That(await VariableValuesAsync("service", []), Is.EquivalentTo(new[] { "checkout", "search" }));
        Assert.That(await VariableValuesAsync("objective", new() { ["service"] = Service }), Is.EquivalentTo(new[] { "availability", "latency" }));
    }

    [Test]
    public async Task PanelQueries_ScrapedService_EachReturnsSeries()
    {
        var objectives = await VariableValuesAsync("objective", new() { ["service"] = Service });
        var queries = (
            from objective in objectives
            from query in Queries()
            select (query.Panel, Objective: objective, Expr: Substitute(query.Expr, new() { ["service"] = Service, ["objective"] = objective }))).ToArray();
        Assert.That(queries, Has.Length.GreaterThan(20));

        // The scraper needs a few scrapes before rates over a minute have two samples: ask until all answer or time is up.
        var empty = queries.ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(40);
        while (true)
        {
            var answers = await Task.WhenAll(empty.Select(async q => (Query: q, Series: await SeriesAsync(q.Expr))));
            empty = answers.Where(a => a.Series == 0).Select(a => a.Query).ToList();
            if (empty.Count == 0 || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(1000);
        }

        Assert.That(empty.Select(q => $"{q.Panel} (objective {q.Objective}): {q.Expr}"), Is.Empty,
            "panels whose queries returned no series from a Prometheus scraping the service");
    }

    /// <summary>What Grafana puts in place of the variables: one value per variable, and fixed intervals.</summary>
    private static string Substitute(string expr, Dictionary<string, string> values)
    {
        var builtIn = new Dictionary<string, string>
        {
            ["__rate_interval"] = "1m", ["__interval"] = "15s", ["__range"] = "1h", ["__range_s"] = "3600", ["__interval_ms"] = "15000",
        };
        var result = Variable().Replace(expr, m =>
        {
            var name = m.Groups["braced"].Success ? m.Groups["braced"].Value : m.Groups["plain"].Value;
            return values.TryGetValue(name, out var v) ? v : builtIn.TryGetValue(name, out var b) ? b : m.Value;
        });
        Assert.That(result, Does.Not.Contain("$"), $"a variable the test does not know in: {expr}");
        return result;
    }

    private async Task<string[]> VariableValuesAsync(string name, Dictionary<string, string> values)
    {
        var variable = _dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
        var match = LabelValues().Match(variable.GetProperty("query").GetProperty("query").GetString()!);
        Assert.That(match.Success, Is.True, $"variable {name} is not a label_values query");
        return await LabelValuesAsync(Substitute(match.Groups[1].Value, values), match.Groups[2].Value);
    }

    private async Task<string[]> LabelValuesAsync(string selector, string label)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var url = new Uri(_scraper!.Url, $"api/v1/label/{label}/values?match[]={Uri.EscapeDataString(selector)}");
            using var answer = JsonDocument.Parse(await Http.GetStringAsync(url));
            var values = answer.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()!).ToArray();
            if (values.Length > 0 || DateTime.UtcNow > deadline)
                return values;
            await Task.Delay(500);
        }
    }

    /// <summary>The series an instant query returns; a query Prometheus refuses fails the test with its error.</summary>
    private async Task<int> SeriesAsync(string expr)
    {
        using var response = await Http.PostAsync(new Uri(_scraper!.Url, "api/v1/query"), new FormUrlEncodedContent([new("query", expr)]));
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.IsSuccessStatusCode, Is.True, $"{expr}: {body}");
        using var answer = JsonDocument.Parse(body);
        var data = answer.RootElement.GetProperty("data");
        return data.GetProperty("resultType").GetString() == "vector" ? data.GetProperty("result").GetArrayLength() : 1;
    }

    [GeneratedRegex(@"\$(?:\{(?<braced>\w+)\}|(?<plain>\w+))")]
    private static partial Regex Variable();

    [GeneratedRegex(@"^label_values\((.+),\s*(\w+)\)$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"signal=""(\w+)""")]
    private static partial Regex SignalOf();
}
