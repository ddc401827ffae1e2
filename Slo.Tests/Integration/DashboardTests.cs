using System.Diagnostics;
using System.Text.RegularExpressions;
using Slo.Api.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>The dashboard in a real headless Chromium, over the real service and Prometheus.</summary>
[TestFixture]
public partial class DashboardTests
{
    private const string Hostile = """
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: hostile
        labels: { owner: "<b>mallory</b>" }
        objectives:
          - name: availability
            description: "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="steady",code=~"5.."}', total: 'http_requests_total{job="steady"}' } }
        """;

    /// <summary>
    /// The burst job at 99.975%: its steady 0.02% of errors spend 80% of the budget, the burst two days ago leaves about 6%,
    /// and the burst of the last 30 minutes overspends it (about -7% at the end), so the budget runs out in those minutes.
    /// </summary>
    private const string Overspent = """
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: overspent
        labels: { team: payments }
        objectives:
          - name: availability
            target: 99.975
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="burst",code=~"5.."}', total: 'http_requests_total{job="burst"}' } }
        """;

    private static readonly string[] ScenarioServices = ["steady", "burst", "slowdown", "restart", "gappy", "leaky", "flare", "edges", "idle"];

    private SloHost _host = null!;
    private string _directory = "";
    private string _base = "";

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "dashboard-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        _host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, _directory, SloHost.ClockAt(Scenario.End), definitions: TestScenario.Definitions + "\n" + Hostile + "\n" + Overspent);
        await _host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        var backfill = _host.Get<HistoryBackfill>();
        var catalog = _host.Get<Slo.Api.Definitions.DefinitionCatalog>();
        foreach (var id in new[] { ("burst", "availability"), ("slowdown", "latency"), ("overspent", "availability") })
            await backfill.BackfillAsync([catalog.Current.Find(id.Item1, id.Item2)!], Scenario.End, Duration.FromHours(12), CancellationToken.None);
        _base = _host.App.Urls.First();
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _host.DisposeAsync();

    [Test]
    public async Task Overview_InChromium_ShowsEveryServiceWithBothSignalsApart()
    {
        var dom = await Chromium("--dump-dom", _base + "/");
        Assert.Multiple(() =>
        {
            Assert.That(dom, Does.Contain("Error budgets"));
            foreach (var service in new[] { "steady", "burst", "slowdown", "restart", "gappy", "leaky", "flare", "idle" })
                Assert.That(dom, Does.Contain($">{service}</a></h2>"), service);
            Assert.That(dom, Does.Contain("gate: fail"), "leaky and burst fail their gate");
            Assert.That(dom, Does.Contain("<h3>Reliability</h3>").And.Contain("<h3>Performance</h3>"));
            Assert.That(dom, Does.Contain("badge page"), "the burst's page shows");
            Assert.That(dom, Does.Contain("no_data"), "idle shows no data, not 100%");
            Assert.That(dom, Does.Contain("href=\"/api/v1/services/leaky/report?period=month\"").And.Contain("href=\"/api/v1/services/leaky/report?format=csv&amp;period=quarter\""),
                "each service links its last complete periods");
            Assert.That(Regex.Matches(dom, "<svg class=\"bar\"").Count, Is.GreaterThanOrEqualTo(12));
            Assert.That(ServiceOrder(dom), Is.EqualTo(ServiceOrder(dom).Order(StringComparer.Ordinal)), "by name unless asked otherwise");
        });

        var laptop = await Screenshot("/", "overview-laptop.png", "1366,900");
        var phone = await Screenshot("/", "overview-phone.png", "390,844");
        Assert.That(new FileInfo(laptop).Length, Is.GreaterThan(20_000));
        Assert.That(new FileInfo(phone).Length, Is.GreaterThan(10_000));
    }

    [Test]
    public async Task Overview_SortByBudget_OrdersServicesByLeastRemainingBudget()
    {
        var board = _host.Get<StatusBoard>();
        var catalog = _host.Get<Slo.Api.Definitions.DefinitionCatalog>();
        double? Worst(string service) => catalog.Current.FindService(service)!.Objectives
            .Select(o => board.Get(o.Id)?.Budget?.Remaining).Where(r => r is not null).Min();

        var dom = await Chromium("--dump-dom", _base + "/?sort=budget");
        var order = ServiceOrder(dom);
        var remaining = order.Select(Worst).ToArray();
        var known = remaining.TakeWhile(r => r is not null).Select(r => r!.Value).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(order, Is.EquivalentTo(ScenarioServices.Append("hostile").Append("overspent")), "every service, once");
            Assert.That(order[0], Is.EqualTo("leaky"), "leaky is 100% over its budget, the most of all");
            Assert.That(known, Is.Ordered, "least remaining budget first");
            Assert.That(remaining.Skip(known.Length), Has.All.Null, "services without numbers last");
            Assert.That(order[^1], Is.EqualTo("idle"), "idle has no events, so no budget");
            Assert.That(dom, Does.Contain("aria-current=\"true\">budget left</a>"), "the order in use is marked");
        });
    }

    [Test]
    public async Task Overview_LabelFilter_KeepsOnlyServicesWithThatLabel()
    {
        var payments = await Chromium("--dump-dom", _base + "/?label=team%3Apayments&sort=budget");
        var edge = await Chromium("--dump-dom", _base + "/?label=team:edge");
        var hostile = await Chromium("--dump-dom", _base + "/?label=" + Uri.EscapeDataString("owner:<b>mallory</b>"));
        Assert.Multiple(() =>
        {
            Assert.That(ServiceOrder(payments), Is.EqualTo(new[] { "overspent" }));
            Assert.That(payments, Does.Contain("1 of 11 services with the label team:payments"));
            Assert.That(payments, Does.Contain("href=\"/?sort=budget\">clear</a>"), "clearing the filter keeps the order");
            Assert.That(payments, Does.Contain("name=\"sort\" value=\"budget\""), "filtering again keeps the order");
            Assert.That(ServiceOrder(edge), Is.EqualTo(new[] { "flare" }));
            Assert.That(ServiceOrder(hostile), Is.EqualTo(new[] { "hostile" }), "a label value with markup filters as text");
            Assert.That(hostile, Does.Not.Contain("<b>mallory</b>"));
        });
    }

    [Test]
    public async Task ObjectivePage_InChromium_PlotsBurnDownAndSliFromHistory()
    {
        var dom = await Chromium("--dump-dom", _base + "/objectives/burst/availability");
        var lines = PolylinePoints().Matches(dom).Select(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(dom, Does.Contain("burst/availability"));
            Assert.That(lines, Has.Length.GreaterThanOrEqualTo(2), "a burn-down and an SLI chart");
            Assert.That(lines, Has.All.GreaterThanOrEqualTo(50), "60 half-daily backfilled points and the live one, drawn");
            Assert.That(dom, Does.Contain("Error budget remaining").And.Contain("budget spent"));
            Assert.That(dom, Does.Contain("rolling 30d:").And.Contain("(UTC)"), "the window's start and end in its zone");
            Assert.That(dom, Does.Contain("firing"), "the 1h/5m page fires at the scenario's end");
            Assert.That(dom, Does.Contain("14.4x"));
            Assert.That(dom, Does.Contain("href=\"/api/v1/objectives/burst/availability\""), "a link to the JSON");
            Assert.That(dom, Does.Match("<dd class=\"exhausted\">\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d at the current 1h burn rate</dd>"),
                "budget is left and burning at 25x: a forecast");
        });

        var laptop = await Screenshot("/objectives/burst/availability", "objective-laptop.png", "1366,900");
        var phone = await Screenshot("/objectives/burst/availability", "objective-phone.png", "390,844");
        Assert.That(File.ReadAllBytes(laptop)[..4], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), "a PNG was written");
        Assert.That(new FileInfo(phone).Length, Is.GreaterThan(10_000));
    }

    [Test]
    public async Task ObjectivePage_BurnDown_DrawsIdealBurnFromFullToSpentOverTheWindow()
    {
        var dom = await Chromium("--dump-dom", _base + "/objectives/burst/availability");
        var chart = BurnDownChart().Match(dom);
        Assert.That(chart.Success, Is.True, "the burn-down chart is there");
        var ideal = IdealLine().Match(chart.Value);
        var spent = SpentLine().Match(chart.Value);
        Assert.That(ideal.Success && spent.Success, Is.True, "an ideal-burn line and the 0% line: " + chart.Value);
        double Number(Match m, string group) => double.Parse(m.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(chart.Value, Does.Contain(">ideal burn</text>"));
            Assert.That(Number(ideal, "x1"), Is.EqualTo(Number(spent, "x1")), "starts at the window's start (the left edge)");
            Assert.That(Number(ideal, "x2"), Is.EqualTo(Number(spent, "x2")), "ends at the window's end (the right edge)");
            Assert.That(Number(ideal, "y2"), Is.EqualTo(Number(spent, "y")).Within(0.01), "ends at 0% budget");
            Assert.That(Number(ideal, "y1"), Is.LessThan(Number(ideal, "y2")), "starts above it, at 100%");
        });
    }

    [Test]
    public async Task ObjectivePage_Overspent_SaysWhenTheBudgetRanOut()
    {
        var dom = await Chromium("--dump-dom", _base + "/objectives/overspent/availability");
        var leaky = await Chromium("--dump-dom", _base + "/objectives/leaky/availability");
        var ranOut = RanOut().Match(dom);
        Assert.That(ranOut.Success, Is.True, "the page says between which evaluations the budget ran out: " + Exhausted().Match(dom).Value);
        var after = Instant.FromDateTimeOffset(DateTimeOffset.Parse(ranOut.Groups["after"].Value + "Z", System.Globalization.CultureInfo.InvariantCulture));
        var by = Instant.FromDateTimeOffset(DateTimeOffset.Parse(ranOut.Groups["by"].Value + "Z", System.Globalization.CultureInfo.InvariantCulture));
        Assert.Multiple(() =>
        {
            Assert.That(dom, Does.Contain("bad events over budget"), "the budget is overspent");
            Assert.That(dom, Does.Not.Contain("not at the current burn rate"));
            Assert.That(by, Is.GreaterThan(Scenario.End - Duration.FromMinutes(30)).And.LessThanOrEqualTo(Scenario.End), "in the burst of the last 30 minutes");
            // Backfill skips a 12-hour multiple within half a step of a stored evaluation, so the live evaluation's
            // predecessor is up to a step and a half back (18 h when the clock stands just after 00:00 or 12:00).
            Assert.That(after, Is.LessThan(by).And.GreaterThanOrEqualTo(by - Duration.FromHours(18)), "the evaluation before, at most a step and a half apart");
            Assert.That(leaky, Does.Contain("already exhausted by ").And.Contain("the oldest evaluation stored in this window"),
                "leaky was overspent in every evaluation stored");
            Assert.That(leaky, Does.Not.Contain("not at the current burn rate"));
        });
    }

    [Test]
    public async Task Pages_HostileDefinitionText_RendersAsText()
    {
        var dom = await Chromium("--dump-dom", _base + "/objectives/hostile/availability");
        Assert.Multiple(() =>
        {
            Assert.That(dom, Does.Contain("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
            Assert.That(dom, Does.Not.Contain("<script>document.title"));
            Assert.That(dom, Does.Not.Contain("<img src=\"x\""));
            Assert.That(dom, Does.Contain("&lt;b&gt;mallory&lt;/b&gt;"));
            Assert.That(dom, Does.Not.Contain("<title>pwned"));
        });
        Assert.That(await Chromium("--dump-dom", _base + "/"), Does.Contain("&lt;b&gt;mallory&lt;/b&gt;"));
    }

    [TestCase("/")]
    [TestCase("/?sort=budget&label=owner:x")]
    [TestCase("/objectives/hostile/availability")]
    [TestCase("/objectives/burst/availability")]
    [TestCase("/objectives/nope/none")]
    public async Task Pages_Served_HaveNoScriptAndNoExternalAsset(string path)
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(_base + path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/html; charset=utf-8"));
            Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
            Assert.That(html, Does.Not.Contain("<script").IgnoreCase, "no script element");
            Assert.That(html, Does.Not.Contain("blazor").IgnoreCase, "no Blazor script or markers: static rendering");
            Assert.That(html, Does.Not.Contain("<link").IgnoreCase.And.Not.Contain("@import").IgnoreCase);
            Assert.That(html, Does.Not.Match("(src|href|action)=\"(https?:)?//"), "no external asset or link");
        });
    }

    [Test]
    public async Task ObjectivePage_Unknown_Is404()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(_base + "/objectives/nope/none");
        Assert.That((int)response.StatusCode, Is.EqualTo(404));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("No objective nope/none is defined"));
    }

    private async Task<string> Screenshot(string path, string name, string size)
    {
        var dir = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots");
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, name);
        File.Delete(file);
        await Chromium($"--screenshot={file}", $"--window-size={size}", "--hide-scrollbars", _base + path);
        Assert.That(File.Exists(file), Is.True, $"{file} was written");
        TestContext.AddTestAttachment(file);
        return file;
    }

    private async Task<string> Chromium(params string[] args)
    {
        var profile = Path.Combine(_directory, "chromium-" + Guid.NewGuid().ToString("N")[..8]);
        var info = new ProcessStartInfo(Tools.Require("chromium")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic", $"--user-data-dir={profile}",
                 }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.That(process.ExitCode, Is.Zero, await stderr);
        return output;
    }

    /// <summary>The services of an overview page, in the order shown.</summary>
    private static string[] ServiceOrder(string dom) => ServiceHeading().Matches(dom).Select(m => m.Groups[1].Value).ToArray();

    [GeneratedRegex("<polyline class=\"series\"[^>]*points=\"([^\"]+)\"")]
    private static partial Regex PolylinePoints();

    [GeneratedRegex("<h2><a [^>]*>([^<]+)</a></h2>")]
    private static partial Regex ServiceHeading();

    [GeneratedRegex("<svg class=\"chart\"[^>]*aria-label=\"error budget remaining[^\"]*\".*?</svg>", RegexOptions.Singleline)]
    private static partial Regex BurnDownChart();

    [GeneratedRegex("<line class=\"ideal\" x1=\"(?<x1>[0-9.]+)\" y1=\"(?<y1>[0-9.-]+)\" x2=\"(?<x2>[0-9.]+)\" y2=\"(?<y2>[0-9.-]+)\"")]
    private static partial Regex IdealLine();

    [GeneratedRegex("<line x1=\"(?<x1>[0-9.]+)\" x2=\"(?<x2>[0-9.]+)\" y1=\"(?<y>[0-9.-]+)\"[^>]*stroke-dasharray=\"4 3\"[^>]*>(</line>)?\\s*<text[^>]*>budget spent</text>")]
    private static partial Regex SpentLine();

    [GeneratedRegex("ran out between (?<after>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) and (?<by>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d)")]
    private static partial Regex RanOut();

    [GeneratedRegex("<dd class=\"exhausted\">[^<]*</dd>")]
    private static partial Regex Exhausted();
}
