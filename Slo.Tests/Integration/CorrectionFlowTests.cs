using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using NodaTime.Testing;
using NodaTime.Text;
using Slo.Api.Alerting;
using Slo.Api.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>
/// Corrections against the real Prometheus and Alertmanager: posted for the past, they change every figure at once to
/// what the generated truth gives without the corrected events; an alert a corrected burst fired resolves.
/// </summary>
[TestFixture]
public class CorrectionFlowTests : AlertmanagerTests
{
    private const string Token = "correction-token";

    private Task<SloHost> Host(FakeClock clock) => SloHost.StartAsync(
        IntegrationEnvironment.Prometheus.Url, Directory, clock,
        extra:
        [
            $"--Alerting:AlertmanagerUrl={Alertmanager.Url}",
            "--Alerting:ResendInterval=15m",
            "--Alerting:DispatchInterval=1h",
            $"--Api:Token={Token}",
        ]);

    private static HttpClient Client(SloHost host)
    {
        var http = new HttpClient { BaseAddress = new Uri(host.App.Urls.First()) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    private static async Task<JsonElement> Json(HttpClient http, string path)
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync(path));
        return doc.RootElement.Clone();
    }

    private static async Task<JsonElement> PostCorrection(HttpClient http, string service, Interval period, string reason)
    {
        var body = $$"""
            {"start":"{{InstantPattern.ExtendedIso.Format(period.Start)}}","end":"{{InstantPattern.ExtendedIso.Format(period.End)}}",
             "reason":"{{reason}}","createdBy":"ci"}
            """;
        using var response = await http.PostAsync($"/api/v1/services/{service}/corrections", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    [Test]
    public async Task PastCorrectionOverABurst_GivesTheTruthWithoutTheBurst_AtOnce_AndIsAudited()
    {
        await using var host = await Host(SloHost.ClockAt(Scenario.End));
        using var http = Client(host);
        await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        var before = await Json(http, "/api/v1/objectives/burst/availability");

        // The first of the burst job's two bursts: 30 minutes at 5% errors, two days back.
        var burst = new Interval(Scenario.End - Duration.FromDays(2), Scenario.End - Duration.FromDays(2) + Duration.FromMinutes(30));
        var created = await PostCorrection(http, "burst", burst, "known bad deploy");
        var after = await Json(http, "/api/v1/objectives/burst/availability");

        var window = Scenario.Truth("burst", Duration.FromDays(30));
        var excluded = Scenario.Traffic.Truth("burst", burst.Start, burst.End);
        double total = window.Requests - excluded.Requests, bad = window.Errors - excluded.Errors;
        var remaining = 1 - bad / total / 0.001;
        var threeDays = Scenario.Truth("burst", Duration.FromDays(3));
        var burn3d = (threeDays.Errors - excluded.Errors) / (double)(threeDays.Requests - excluded.Requests) / 0.001;
        var events = after.GetProperty("events");
        var corrections = after.GetProperty("corrections");
        Assert.Multiple(() =>
        {
            Assert.That(events.GetProperty("total").GetDouble(), Is.EqualTo(total).Within(1).Percent);
            Assert.That(events.GetProperty("bad").GetDouble(), Is.EqualTo(bad).Within(1).Percent);
            Assert.That(after.GetProperty("errorBudget").GetProperty("remaining").GetDouble(), Is.EqualTo(remaining).Within(0.01));
            Assert.That(after.GetProperty("errorBudget").GetProperty("remaining").GetDouble(),
                Is.GreaterThan(before.GetProperty("errorBudget").GetProperty("remaining").GetDouble()), "the burst's errors no longer count");
            Assert.That(corrections.GetProperty("excludedEvents").GetProperty("total").GetDouble(), Is.EqualTo(excluded.Requests).Within(1).Percent);
            Assert.That(corrections.GetProperty("excludedEvents").GetProperty("bad").GetDouble(), Is.EqualTo(excluded.Errors).Within(1).Percent);
            Assert.That(corrections.GetProperty("active").GetBoolean(), Is.False);
            Assert.That(after.GetProperty("burnRates").GetProperty("3d").GetDouble(), Is.EqualTo(burn3d).Within(1).Percent, "burn rates leave the burst out too");
        });

        // Listed, and audited in SQL: who, why, when.
        var id = created.GetProperty("id").GetString()!;
        var listed = await Json(http, "/api/v1/services/burst/corrections");
        Assert.That(listed.EnumerateArray().Select(c => c.GetProperty("id").GetString()), Does.Contain(id));
        var audit = (await Json(http, $"/api/v1/services/burst/corrections/{id}/audit")).EnumerateArray().Single();
        Assert.That(audit.GetProperty("action").GetString(), Is.EqualTo("create"));
        Assert.That(audit.GetProperty("actor").GetString(), Is.EqualTo("ci"));
        Assert.That(audit.GetProperty("reason").GetString(), Is.EqualTo("known bad deploy"));

        // Deleted, the burst counts again, at once; the deletion is audited too.
        using (var deleted = await http.DeleteAsync($"/api/v1/services/burst/corrections/{id}?by=alice&reason=wrong%20period"))
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var restored = await Json(http, "/api/v1/objectives/burst/availability");
        Assert.That(restored.GetProperty("errorBudget").GetProperty("remaining").GetDouble(),
            Is.EqualTo(before.GetProperty("errorBudget").GetProperty("remaining").GetDouble()).Within(1e-9));
        var trail = (await Json(http, $"/api/v1/services/burst/corrections/{id}/audit")).EnumerateArray().ToArray();
        Assert.That(trail.Select(e => e.GetProperty("action").GetString() + ":" + e.GetProperty("actor").GetString()), Is.EqualTo(new[] { "create:ci", "delete:alice" }));
    }

    [Test]
    public async Task CorrectionOverAFiringBurst_ResolvesItsAlert_PassesTheGate_AndNoNewAlertStarts()
    {
        var clock = SloHost.ClockAt(Scenario.FlareStart + Duration.FromMinutes(12));
        await using var host = await Host(clock);
        using var http = Client(host);
        await CycleAndDispatch(host);
        Assert.That((await Alertmanager.AlertsAsync()).Count(a => a.GetProperty("labels").GetProperty("service").GetString() == "flare"), Is.EqualTo(1), "the flare pages");
        using (var failing = await http.GetAsync("/api/v1/services/flare/gate"))
            Assert.That(failing.StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "a firing page blocks releases");

        await PostCorrection(http, "flare", new Interval(Scenario.FlareStart, Scenario.FlareEnd), "load test against production");
        var status = await Json(http, "/api/v1/objectives/flare/availability");
        Assert.That(status.GetProperty("alerts").EnumerateArray().Where(a => a.GetProperty("firing").GetBoolean()), Is.Empty, "at once, before any cycle");
        Assert.That(status.GetProperty("corrections").GetProperty("active").GetBoolean(), Is.True);
        using (var passing = await http.GetAsync("/api/v1/services/flare/gate"))
            Assert.That(passing.StatusCode, Is.EqualTo(HttpStatusCode.OK), await passing.Content.ReadAsStringAsync());

        await CycleAndDispatch(host);
        Assert.That((await Alertmanager.AlertsAsync()).Where(a => a.GetProperty("labels").GetProperty("service").GetString() == "flare"), Is.Empty,
            "the page resolves in Alertmanager");

        // Through the rest of the burst and beyond it, nothing starts again: the corrected events never count.
        for (var step = 1; step <= 3; step++)
        {
            clock.AdvanceMinutes(10);
            await CycleAndDispatch(host);
            var firing = await Json(http, "/api/v1/alerts");
            Assert.That(firing.EnumerateArray().Where(a => a.GetProperty("service").GetString() == "flare"), Is.Empty, $"{10 * step} minutes later");
        }

        Assert.That((await Alertmanager.AlertsAsync()).Where(a => a.GetProperty("labels").GetProperty("service").GetString() == "flare"), Is.Empty);
    }
}
