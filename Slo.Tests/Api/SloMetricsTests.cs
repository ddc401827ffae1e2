using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NodaTime.Testing;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Ledger;
using Slo.Api.Metrics;
using Slo.Api.Prometheus;
using Slo.Api.Storage;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Tests.Engine;

namespace Slo.Tests.Api;

/// <summary>The per-objective part of /metrics, written from the status board at each scrape.</summary>
[TestFixture]
public class SloMetricsTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 26, 12, 0);

    private static (SloMetrics Metrics, StatusBoard Board, FakeClock Clock) Create(DefinitionSet set)
    {
        var board = new StatusBoard();
        var clock = new FakeClock(At);
        var client = new PrometheusClient(new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") }, new PrometheusCost());
        var database = SqlDatabase.Sqlite("Data Source=:memory:");
        var book = new LedgerBook(PrometheusSources.Single(client), new LedgerStore(database, clock), Options.Create(new LedgerOptions()), Options.Create(new PrometheusOptions()),
            NullLogger<LedgerBook>.Instance);
        var metrics = new SloMetrics(global::Prometheus.Metrics.NewCustomRegistry(), new DefinitionCatalog(set), board, clock, book, new PrometheusCost(), database);
        return (metrics, board, clock);
    }

    private static DefinitionSet OneObjective(string serviceLine)
    {
        var set = DefinitionLoader.LoadText($$"""
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: s
            {{serviceLine}}
            objectives:
              - { name: a, target: 99, window: 30d, indicator: { ratio: { bad: 'e_total', total: 'r_total' } } }
            """, "s.yaml");
        Assert.That(set.Errors, Is.Empty);
        return set;
    }

    private static async Task<string[]> Scrape(SloMetrics metrics)
    {
        using var output = new MemoryStream();
        await metrics.WriteAsync(output, CancellationToken.None);
        return System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n');
    }

    [Test]
    public async Task Write_LabelValuesWithQuotesBackslashesAndNewlines_AreEscaped()
    {
        var set = OneObjective("""labels: { team: "a \"quoted\" \\ path\nsecond line" }""");
        var (metrics, board, clock) = Create(set);
        board.RecordSuccess(ObjectiveEvaluator.Evaluate(set.Objectives.Single(), At, TestObjectives.Steady(1000, 0.002)));
        clock.Advance(Duration.FromSeconds(42));

        var lines = await Scrape(metrics);
        const string labels = "service=\"s\",objective=\"a\",signal=\"reliability\",team=\"a \\\"quoted\\\" \\\\ path\\nsecond line\"";
        Assert.Multiple(() =>
        {
            Assert.That(lines, Does.Contain($"slo_sli_ratio{{{labels}}} 0.998"));
            Assert.That(lines, Does.Contain($"slo_error_budget_consumed_ratio{{{labels}}} 0.2").Or.Contain($"slo_error_budget_consumed_ratio{{{labels}}} 0.20000000000000018"));
            Assert.That(lines, Does.Contain($"slo_data_age_seconds{{{labels}}} 42"));
            Assert.That(lines, Does.Contain($"slo_objective_state{{{labels},state=\"ok\"}} 1").And.Contain($"slo_objective_state{{{labels},state=\"stale\"}} 0"));
            Assert.That(lines.Count(l => l == "# TYPE slo_burn_rate gauge"), Is.EqualTo(1), "one family header, every series of it below");
            Assert.That(lines.Where(l => l.StartsWith("slo_burn_rate{", StringComparison.Ordinal)), Has.Some.Contains("window=\"1h\""));
        });
    }

    [Test]
    public async Task Write_ObjectiveWithoutData_PublishesStateButNoNumbers()
    {
        var set = OneObjective("");
        var (metrics, board, _) = Create(set);
        board.RecordFailure(set.Objectives.Single(), At, "Prometheus is unreachable");

        var lines = await Scrape(metrics);
        Assert.Multiple(() =>
        {
            Assert.That(lines.Where(l => l.StartsWith("slo_sli_ratio{", StringComparison.Ordinal)), Is.Empty, "never a made-up SLI");
            Assert.That(lines.Where(l => l.StartsWith("slo_error_budget_remaining_ratio{", StringComparison.Ordinal)), Is.Empty);
            Assert.That(lines.Where(l => l.StartsWith("slo_objective_state{", StringComparison.Ordinal) && l.EndsWith(" 1", StringComparison.Ordinal)).Single(),
                Does.Contain("state=\"error\"").Or.Contain("state=\"stale\""));
            Assert.That(lines, Does.Contain("slo_target_ratio{service=\"s\",objective=\"a\",signal=\"reliability\"} 0.99"));
        });
    }
}
