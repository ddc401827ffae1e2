using System.Text.Json;
using NodaTime.Testing;
using NodaTime.Text;
using Slo.Api.Alerting;
using Slo.Api.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>SLONoData and SLOBudgetExhaustion from the real worker to a real Alertmanager, over the real Prometheus.</summary>
[TestFixture]
public class ConditionAlertTests : AlertmanagerTests
{
    private const string Definitions = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: silent
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="gappy",code=~"5.."}', total: 'http_requests_total{job="gappy"}' } }
            alerting: { noDataAfter: 10m }
        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: drain
        objectives:
          - name: availability
            target: 99.7
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="leaky",code=~"5.."}', total: 'http_requests_total{job="leaky"}' } }
            alerting: { exhaustionWithin: 30d, noDataAfter: off }
        """;


    // The gappy job's exporter stops for the hour before two days ago, then comes back.
    private static Instant GapStart => Scenario.End - Duration.FromDays(2) - Duration.FromHours(1);

    private static Instant GapEnd => Scenario.End - Duration.FromDays(2);

    // The gap lies two days back: firing alerts carry endsAt = now + 4 x ResendInterval, so a day-long interval keeps
    // them active in the eyes of Alertmanager, which runs on the real clock.
    private Task<SloHost> Host(FakeClock clock) => SloHost.StartAsync(
        IntegrationEnvironment.Prometheus.Url, Directory, clock, definitions: Definitions,
        extra: [$"--Alerting:AlertmanagerUrl={Alertmanager.Url}", "--Alerting:ResendInterval=1d", "--Alerting:DispatchInterval=1h"]);

    private async Task<JsonElement[]> Active(string alertname) =>
        (await Alertmanager.AlertsAsync()).Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == alertname).ToArray();

    [Test]
    public async Task ExporterStops_SLONoDataPages_AndResolvesWhenItReturns()
    {
        var clock = SloHost.ClockAt(GapStart + Duration.FromMinutes(4));
        await using var host = await Host(clock);
        await CycleAndDispatch(host);
        Assert.That(await Active("SLONoData"), Is.Empty, "four minutes of silence are not ten");

        // Ten minutes of silence, plus the five-minute buckets the frontier and the gap's edge may take.
        clock.AdvanceMinutes(16);
        await CycleAndDispatch(host);
        var fired = (await Active("SLONoData")).Single();
        Assert.Multiple(() =>
        {
            Assert.That(fired.GetProperty("labels").GetProperty("service").GetString(), Is.EqualTo("silent"));
            Assert.That(fired.GetProperty("labels").GetProperty("severity").GetString(), Is.EqualTo("page"));
            Assert.That(fired.GetProperty("annotations").GetProperty("summary").GetString(), Does.Contain("none in the last 10m"));
        });
        using (var alerts = JsonDocument.Parse(await host.GetStringAsync("/api/v1/alerts")))
            Assert.That(alerts.RootElement.EnumerateArray().Select(a => a.GetProperty("alert").GetString()), Does.Contain("SLONoData"));

        clock.Reset(GapEnd + Duration.FromMinutes(12));
        await CycleAndDispatch(host);
        Assert.That(await Active("SLONoData"), Is.Empty, "resolved once the exporter is back");
        using var status = JsonDocument.Parse(await host.GetStringAsync("/api/v1/objectives/silent/availability"));
        Assert.That(status.RootElement.GetProperty("conditions").EnumerateArray().Single().GetProperty("firing").GetBoolean(), Is.False);
    }

    [Test]
    public async Task SteadyLeak_SLOBudgetExhaustionTickets_WithTheForecastInstant()
    {
        await using var host = await Host(SloHost.ClockAt(Scenario.End));
        await CycleAndDispatch(host);
        var ticket = (await Active("SLOBudgetExhaustion")).Single();
        using var status = JsonDocument.Parse(await host.GetStringAsync("/api/v1/objectives/drain/availability"));
        var exhaustsAt = InstantPattern.ExtendedIso.Parse(status.RootElement.GetProperty("errorBudget").GetProperty("exhaustsAt").GetString()!).Value;
        var annotated = InstantPattern.ExtendedIso.Parse(ticket.GetProperty("annotations").GetProperty("exhausts_at").GetString()!).Value;
        Assert.Multiple(() =>
        {
            Assert.That(ticket.GetProperty("labels").GetProperty("severity").GetString(), Is.EqualTo("ticket"));
            Assert.That(annotated, Is.EqualTo(exhaustsAt));
            // 0.2% errors against a 0.3% allowance: two thirds spent, spending two thirds a window, so half a window left.
            Assert.That((annotated - Scenario.End).TotalDays, Is.EqualTo(15).Within(2));
        });
    }
}
