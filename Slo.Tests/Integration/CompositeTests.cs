using System.Text.Json;
using Slo.Api.Demo;
using Slo.Api.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>A composite of two objectives over the real Prometheus, against the generated truth.</summary>
[TestFixture]
public class CompositeTests
{
    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    private const string Journey = """

        ---
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: journey
        objectives:
          - name: checkout
            target: 99.5
            window: 30d
            composite:
              objectives:
                - { objective: steady/availability, weight: 1 }
                - { objective: leaky/availability, weight: 2 }
          - name: short-and-long
            target: 99.5
            window: 30d
            composite:
              objectives: [ { objective: steady/availability }, { objective: gappy/availability-raw } ]
        """;

    [Test]
    public async Task Composite_WeightsOneAndTwo_GiveTheWeightedFigureOfTheTruth()
    {
        var directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "composite-" + Guid.NewGuid().ToString("N")[..8]);
        await using var host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, directory, SloHost.ClockAt(Scenario.End),
            definitions: TestScenario.Definitions + Journey);
        await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        using var status = JsonDocument.Parse(await host.GetStringAsync("/api/v1/objectives/journey/checkout"));
        var root = status.RootElement;

        static double Ratio(TrueCounts t) => (double)t.Errors / t.Requests;
        var window = (1 * Ratio(Scenario.Truth("steady", Duration.FromDays(30))) + 2 * Ratio(Scenario.Truth("leaky", Duration.FromDays(30)))) / 3;
        var hour = (1 * Ratio(Scenario.Truth("steady", Duration.FromHours(1))) + 2 * Ratio(Scenario.Truth("leaky", Duration.FromHours(1)))) / 3;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("state").GetString(), Is.EqualTo("ok"), root.ToString());
            Assert.That(root.GetProperty("signal").GetString(), Is.EqualTo("reliability"));
            Assert.That(1 - root.GetProperty("sli").GetDouble(), Is.EqualTo(window).Within(1).Percent);
            Assert.That(root.GetProperty("errorBudget").GetProperty("consumed").GetDouble(), Is.EqualTo(window / 0.005).Within(1).Percent);
            Assert.That(root.GetProperty("burnRates").GetProperty("1h").GetDouble(), Is.EqualTo(hour / 0.005).Within(1).Percent);
        });

        // A component whose own window (7 days) is shorter than the composite's is still counted over the composite's.
        using var mixed = JsonDocument.Parse(await host.GetStringAsync("/api/v1/objectives/journey/short-and-long"));
        var both = (Ratio(Scenario.Truth("steady", Duration.FromDays(30))) + Ratio(Scenario.Truth("gappy", Duration.FromDays(30)))) / 2;
        Assert.That(mixed.RootElement.GetProperty("state").GetString(), Is.EqualTo("ok"), mixed.RootElement.ToString());
        Assert.That(1 - mixed.RootElement.GetProperty("sli").GetDouble(), Is.EqualTo(both).Within(1).Percent);

        // Its own gate checks, beside the other services' objectives.
        using var gate = JsonDocument.Parse(await host.GetStringAsync("/api/v1/services/journey/gate"));
        Assert.That(gate.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("objective").GetString()).Distinct(),
            Is.EqualTo(new[] { "journey/checkout", "journey/short-and-long" }));
    }
}
