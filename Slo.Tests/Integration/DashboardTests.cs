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

    private SloHost _host = null!;
    private string _directory = "";
    private string _base = "";

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "dashboard-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        _host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, _directory, SloHost.ClockAt(Scenario.End), definitions: TestScenario.Definitions + "\n" + Hostile);
        await _host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        var backfill = _host.Get<HistoryBackfill>();
        var catalog = _host.Get<Slo.Api.Definitions.DefinitionCatalog>();
        foreach (var id in new[] { ("burst", "availability"), ("slowdown", "latency") })
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
            Assert.That(Regex.Matches(dom, "<svg class=\"bar\"").Count, Is.GreaterThanOrEqualTo(12));
        });

        var laptop = await Screenshot("/", "overview-laptop.png", "1280,1800");
        var phone = await Screenshot("/", "overview-phone.png", "390,844");
        Assert.That(new FileInfo(laptop).Length, Is.GreaterThan(20_000));
        Assert.That(new FileInfo(phone).Length, Is.GreaterThan(10_000));
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
        });

        var file = await Screenshot("/objectives/burst/availability", "objective-burst.png", "1280,1400");
        Assert.That(File.ReadAllBytes(file)[..4], Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47 }), "a PNG was written");
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

    [GeneratedRegex("<polyline class=\"series\"[^>]*points=\"([^\"]+)\"")]
    private static partial Regex PolylinePoints();
}
