using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using NodaTime.Testing;
using Slo.Api.Alerting;
using Slo.Api.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>Burn alerts from the real worker to a real Alertmanager, and to a signed webhook.</summary>
[TestFixture]
public class AlertingTests : AlertmanagerTests
{

    // The scenario ends a few minutes before the tests run; firing alerts carry endsAt = now + 4 x ResendInterval,
    // so a 15-minute interval keeps alerts sent for instants half an hour back active in Alertmanager's eyes.
    private Task<SloHost> Host(FakeClock clock, string? webhook = null) => SloHost.StartAsync(
        IntegrationEnvironment.Prometheus.Url, Directory, clock,
        extra:
        [
            $"--Alerting:AlertmanagerUrl={Alertmanager.Url}",
            "--Alerting:ResendInterval=15m",
            "--Alerting:DispatchInterval=1h",
            .. webhook is null ? Array.Empty<string>() : [$"--Alerting:Webhooks:0:Url={webhook}", "--Alerting:Webhooks:0:Secret=hook-secret"],
        ]);

    private static string Label(JsonElement alert, string name) => alert.GetProperty("labels").GetProperty(name).GetString()!;

    [Test]
    public async Task FastBurn_PagesSlowBurn_TicketsHealthy_Nothing_ThenResolvesWithoutDuplicates()
    {
        var clock = SloHost.ClockAt(Scenario.FlareStart + Duration.FromMinutes(12));
        await using (var first = await Host(clock))
        {
            await CycleAndDispatch(first);
        }

        var alerts = await Alertmanager.AlertsAsync();
        var flare = alerts.Where(a => Label(a, "service") == "flare").ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(flare.Select(a => Label(a, "severity")), Is.EqualTo(new[] { "page" }), "a fast burn pages");
            var page = flare.Single();
            Assert.That(Label(page, "alertname"), Is.EqualTo("SLOBurnRate"));
            Assert.That(Label(page, "objective"), Is.EqualTo("availability"));
            Assert.That(Label(page, "signal"), Is.EqualTo("reliability"));
            Assert.That(Label(page, "long_window"), Is.EqualTo("1h"));
            Assert.That(Label(page, "short_window"), Is.EqualTo("5m"));
            Assert.That(Label(page, "team"), Is.EqualTo("edge"), "the definition's labels come along");
            Assert.That(page.GetProperty("annotations").GetProperty("summary").GetString(), Does.Contain("flare/availability").And.Contain("1h"));
            Assert.That(page.GetProperty("annotations").GetProperty("objective_url").GetString(), Does.EndWith("/api/v1/objectives/flare/availability"));
            Assert.That(page.GetProperty("annotations").GetProperty("budget_remaining").GetString(), Is.Not.EqualTo("unknown"));
            Assert.That(alerts.Where(a => Label(a, "service") == "leaky").Select(a => Label(a, "severity")), Is.EqualTo(new[] { "ticket" }), "a slow burn tickets");
            Assert.That(alerts.Where(a => Label(a, "service") == "steady"), Is.Empty, "a healthy service alerts nobody");
        });
        var startsAt = flare.Single().GetProperty("startsAt").GetDateTimeOffset();

        // Restart mid-incident, one resend interval later: the same alert (same labels, same start) is sent again.
        // By now the flare also trips the slower 6h/30m page, a different alert.
        static JsonElement[] FastPage(IEnumerable<JsonElement> all) =>
            all.Where(a => Label(a, "service") == "flare" && Label(a, "long_window") == "1h").ToArray();
        clock.Advance(Duration.FromMinutes(15));
        await using (var second = await Host(clock))
        {
            await CycleAndDispatch(second);
            var all = await Alertmanager.AlertsAsync();
            var again = FastPage(all);
            Assert.That(again, Has.Length.EqualTo(1), "no duplicate after the restart");
            Assert.That(again[0].GetProperty("startsAt").GetDateTimeOffset(), Is.EqualTo(startsAt), "the same incident, not a new page");
            Assert.That(again[0].GetProperty("endsAt").GetDateTimeOffset(), Is.GreaterThan(DateTimeOffset.UtcNow), "still active");
            Assert.That(all.Where(a => Label(a, "service") == "flare" && Label(a, "long_window") == "6h"), Has.Exactly(1).Items);

            // The flare ended ten minutes before the scenario's end: the 5m window clears and the fast page resolves.
            clock.Advance(Duration.FromMinutes(13));
            await CycleAndDispatch(second);
        }

        var after = await Alertmanager.AlertsAsync();
        Assert.That(FastPage(after), Is.Empty, "a resolved alert leaves Alertmanager's active list");
        Assert.That(after.Where(a => Label(a, "service") == "leaky"), Is.Not.Empty, "the slow burn goes on");
    }

    [Test]
    public async Task Webhook_GetsSignedStartAndResolution()
    {
        var received = new ConcurrentQueue<(string Signature, string Body)>();
        var builder = WebApplication.CreateSlimBuilder();
        var port = PrometheusServer.FreePort();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var receiver = builder.Build();
        receiver.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            received.Enqueue((request.Headers["X-Slo-Signature"].ToString(), await reader.ReadToEndAsync()));
            return Results.Ok();
        });
        await receiver.StartAsync();

        var clock = SloHost.ClockAt(Scenario.FlareStart + Duration.FromMinutes(12));
        await using var host = await Host(clock, webhook: $"http://127.0.0.1:{port}/hook");
        await CycleAndDispatch(host);
        clock.Advance(Duration.FromMinutes(28));
        await CycleAndDispatch(host);
        await CycleAndDispatch(host);

        var messages = received.ToArray();
        foreach (var (signature, body) in messages)
            Assert.That(signature, Is.EqualTo(AlertDispatcher.Sign(System.Text.Encoding.UTF8.GetBytes(body), "hook-secret")), "signed with the secret");
        var events = messages
            .Select(m => JsonDocument.Parse(m.Body).RootElement)
            .SelectMany(root => root.GetProperty("alerts").EnumerateArray().Select(a => (
                Status: root.GetProperty("status").GetString(),
                Key: $"{a.GetProperty("labels").GetProperty("service").GetString()}/{a.GetProperty("labels").GetProperty("long_window").GetString()}")))
            .ToArray();
        Assert.That(events.Where(e => e.Key == "flare/1h").Select(e => e.Status), Is.EqualTo(new[] { "firing", "resolved" }), "each start and end once");
        Assert.That(events.Where(e => e.Key == "leaky/3d").Select(e => e.Status), Is.EqualTo(new[] { "firing" }));
    }

    [Test]
    public async Task Dispatch_AlertmanagerDown_FailsWithoutBlockingEvaluationThenDeliversAfterBackoff()
    {
        var port = Alertmanager.Port;
        await Alertmanager.DisposeAsync();
        var clock = SloHost.ClockAt(Scenario.FlareStart + Duration.FromMinutes(12));
        await using var host = await Host(clock);
        var summary = await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        Assert.That(summary.Failed, Is.EqualTo(1), "evaluation is untouched (only the wrong-bound objective fails)");
        var dispatcher = host.Get<AlertDispatcher>();
        Assert.That(await dispatcher.DispatchOnceAsync(CancellationToken.None), Is.Zero);
        Assert.That(await host.GetStringAsync("/metrics"), Does.Contain("slo_alert_deliveries_total{target=\"alertmanager\",outcome=\"failure\"} 1"));

        Alertmanager = await AlertmanagerServer.StartAsync(Path.Combine(Directory, "alertmanager2"), port);
        Assert.That(await dispatcher.DispatchOnceAsync(CancellationToken.None), Is.Zero, "the next attempt waits out the backoff");
        clock.Advance(Duration.FromSeconds(2));
        Assert.That(await dispatcher.DispatchOnceAsync(CancellationToken.None), Is.GreaterThan(0));
        Assert.That((await Alertmanager.AlertsAsync()).Select(a => Label(a, "service")), Does.Contain("flare"));
        Assert.That(await host.GetStringAsync("/metrics"), Does.Contain("slo_alert_deliveries_total{target=\"alertmanager\",outcome=\"success\"} 1"));
    }
}
