using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Slo.Tests.Integration;

/// <summary>An objective whose alert fires is removed by a reload of a real process: its alert resolves in a real
/// Alertmanager, and exactly one resolution is sent (every post to Alertmanager passes a recording relay).</summary>
[TestFixture]
public class ReloadAlertTests : AlertmanagerTests
{
    private const string Token = "reload-token";

    /// <summary>leaky fails 0.2% of its requests against a 99.9% target: its 3-day ticket tier fires (burn rate 2 > 1).</summary>
    private static readonly string Leaky = ReloadTests.Objective("leaky");

    private static readonly string Steady = ReloadTests.Objective("steady");

    [Test]
    public async Task Reload_RemovesObjectiveWithFiringAlert_ItResolvesExactlyOnce()
    {
        var posts = new ConcurrentQueue<JsonElement>();
        await using var relay = await RelayAsync(posts);
        var definitions = System.IO.Path.Combine(Directory, "definitions");
        System.IO.Directory.CreateDirectory(definitions);
        await File.WriteAllTextAsync(System.IO.Path.Combine(definitions, "leaky.yaml"), Leaky);
        await File.WriteAllTextAsync(System.IO.Path.Combine(definitions, "steady.yaml"), Steady);
        await using var slo = await SloProcess.StartAsync(
            $"--Prometheus:Url={IntegrationEnvironment.Prometheus.Url}",
            $"--Definitions:Path={definitions}",
            "--Definitions:Watch=false",
            $"--Storage:ConnectionString=Data Source={System.IO.Path.Combine(Directory, "slo.db")}",
            $"--Api:Token={Token}",
            $"--Alerting:AlertmanagerUrl={relay.Urls.Single()}",
            "--Alerting:DispatchInterval=1s",
            "--Evaluation:Interval=1h",
            "--History:Backfill=false");
        using var http = new HttpClient { BaseAddress = slo.Url };

        await Eventually.HoldsAsync(async () => (await Alertmanager.AlertsAsync()).Any(a => Label(a, "service") == "leaky"), "leaky's alert reaches Alertmanager");
        Assert.That(LeakyAlerts(posts).Select(a => Label(a, "long_window")), Has.Member("3d"), "the 3-day ticket tier fires");

        // A reload that leaves leaky unchanged (steady gets a new target) leaves its incident alone: same start, no resolution.
        var startedAt = LeakyAlerts(posts).Select(a => a.GetProperty("startsAt").GetDateTimeOffset()).Distinct().ToArray();
        await File.WriteAllTextAsync(System.IO.Path.Combine(definitions, "steady.yaml"), ReloadTests.Objective("steady", target: "99.5"));
        using (var unchanged = new HttpRequestMessage(HttpMethod.Post, "/-/reload"))
        {
            unchanged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            var answer = await (await http.SendAsync(unchanged)).Content.ReadAsStringAsync();
            Assert.That(answer, Does.Contain("\"changed\":[\"steady/availability\"]").And.Contain("\"unchanged\":1"), answer);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That(LeakyAlerts(posts).Select(a => a.GetProperty("startsAt").GetDateTimeOffset()).Distinct(), Is.EqualTo(startedAt), "the same incidents");
        Assert.That(LeakyAlerts(posts).Select(a => a.GetProperty("endsAt").GetDateTimeOffset()), Has.All.GreaterThan(DateTimeOffset.UtcNow), "none resolved");

        File.Delete(System.IO.Path.Combine(definitions, "leaky.yaml"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/-/reload");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());

        await Eventually.HoldsAsync(async () => (await Alertmanager.AlertsAsync()).All(a => Label(a, "service") != "leaky"), "leaky's alert resolves in Alertmanager");
        // Several more dispatch rounds and a cycle: nothing more about leaky may go out.
        using (var again = new HttpRequestMessage(HttpMethod.Post, "/-/reload"))
        {
            again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            Assert.That((await http.SendAsync(again)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        await Task.Delay(TimeSpan.FromSeconds(4));
        // Each of leaky's alerts (the 3-day tier; SLONoData too when the generated data ended over 15 minutes ago): posted
        // firing, then resolved once (endsAt in the past), then never again.
        var now = DateTimeOffset.UtcNow;
        foreach (var alert in LeakyAlerts(posts).GroupBy(a => $"{Label(a, "alertname")} {Label(a, "long_window")}"))
        {
            var sent = alert.ToArray();
            var resolutions = sent.Where(a => a.GetProperty("endsAt").GetDateTimeOffset() <= now).ToArray();
            Assert.Multiple(() =>
            {
                Assert.That(resolutions, Has.Length.EqualTo(1), $"{alert.Key}: exactly one resolution");
                Assert.That(sent[^1].GetProperty("endsAt").GetDateTimeOffset(), Is.LessThanOrEqualTo(now), $"{alert.Key}: nothing after it");
                Assert.That(Label(resolutions[0], "objective"), Is.EqualTo("availability"), "with the labels it fired with");
                Assert.That(resolutions[0].GetProperty("startsAt").GetDateTimeOffset(), Is.EqualTo(sent[0].GetProperty("startsAt").GetDateTimeOffset()), "the same incident");
            });
        }

        Assert.That((await Alertmanager.AlertsAsync()).Select(a => Label(a, "service")), Has.None.EqualTo("leaky"));
    }

    private static JsonElement[] LeakyAlerts(ConcurrentQueue<JsonElement> posts) =>
        posts.SelectMany(p => p.EnumerateArray()).Where(a => Label(a, "service") == "leaky").ToArray();

    private static string? Label(JsonElement alert, string name) =>
        alert.GetProperty("labels").TryGetProperty(name, out var v) ? v.GetString() : null;

    /// <summary>Passes every post on to the real Alertmanager and keeps a copy of its alerts.</summary>
    private async Task<WebApplication> RelayAsync(ConcurrentQueue<JsonElement> posts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{PrometheusServer.FreePort()}");
        builder.Logging.ClearProviders();
        var relay = builder.Build();
        var upstream = new HttpClient { BaseAddress = Alertmanager.Url };
        relay.MapPost("/api/v2/alerts", async (HttpRequest incoming) =>
        {
            using var reader = new StreamReader(incoming.Body);
            var body = await reader.ReadToEndAsync();
            posts.Enqueue(JsonDocument.Parse(body).RootElement.Clone());
            using var forwarded = await upstream.PostAsync("api/v2/alerts", new StringContent(body, Encoding.UTF8, "application/json"));
            return Results.StatusCode((int)forwarded.StatusCode);
        });
        await relay.StartAsync();
        return relay;
    }
}
