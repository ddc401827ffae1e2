using Slo.Engine;
using Slo.Engine.Definitions;
using Slo.Engine.Queries;
using Slo.Engine.Rules;

namespace Slo.Tests.Definitions;

/// <summary>Threshold indicators: OpenSLO <c>thresholdMetric</c> SLIs on Prometheus with time slices, the native
/// <c>threshold</c> indicator they convert to, and the queries and rules that count their slices.</summary>
[TestFixture]
public class ThresholdDefinitionTests
{
    /// <summary>A p99 latency sampled every minute: a slice is good when the quantile is at most 300 ms.</summary>
    private const string OpenSlo = """
        apiVersion: openslo/v1
        kind: SLO
        metadata: { name: search-p99 }
        spec:
          service: search
          indicator:
            metadata: { name: search-p99 }
            spec:
              thresholdMetric:
                metricSource:
                  type: Prometheus
                  spec: { query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="search"}[5m])))' }
          timeWindow: [ { duration: 7d, isRolling: true } ]
          budgetingMethod: Timeslices
          objectives:
            - { displayName: fast, op: lte, value: 0.3, target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 1m }
        """;

    private const string Native = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: kafka
        objectives:
          - name: lag
            target: 99.5
            window: 7d
            indicator:
              threshold: { query: 'sum(kafka_consumergroup_lag{topic="in"})', op: lt, value: 1000, slice: 5m }
        """;

    private static DefinitionSet Load(string yaml, string file = "slo.yaml") => DefinitionLoader.LoadText(yaml, file);

    private static string[] Errors(string yaml) => Load(yaml).Errors.Select(e => e.ToString()).ToArray();

    private static string Change(string text, string from, string to)
    {
        if (!text.Contains(from, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no text '{from}' to replace", nameof(from));
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    [Test]
    public void Load_OpenSloThresholdMetric_IsTheQuerySampledEverySlice()
    {
        var set = Load(OpenSlo);
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty);
        var o = set.Find("search", "search-p99")!;
        var threshold = (ThresholdIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(threshold.Query, Is.EqualTo("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"search\"}[5m])))"));
            Assert.That(threshold.Op, Is.EqualTo(ThresholdOperator.LessOrEqual));
            Assert.That(threshold.Value, Is.EqualTo(0.3));
            Assert.That(threshold.Slice, Is.EqualTo(Duration.FromMinutes(1)));
            Assert.That(o.Budgeting, Is.EqualTo(new TimeslicesBudgeting(1, Duration.FromMinutes(1))), "one value per slice: the slice target cannot change a slice's verdict");
            Assert.That(o.Target.Fraction, Is.EqualTo(0.99));
            Assert.That(o.Signal, Is.EqualTo(Signal.Performance), "a histogram quantile is a latency");
        });
    }

    [Test]
    public void Load_OpenSloThresholdOnAnotherValue_IsReliabilityUnlessAnnotated()
    {
        var lag = Change(OpenSlo, "'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"search\"}[5m])))'", "'sum(kafka_consumergroup_lag)'");
        Assert.That(Load(lag).Objectives.Single().Signal, Is.EqualTo(Signal.Reliability));
        var annotated = Change(lag, "metadata: { name: search-p99 }\nspec:", "metadata: { name: search-p99, annotations: { slo/signal: performance } }\nspec:");
        Assert.That(Load(annotated).Objectives.Single().Signal, Is.EqualTo(Signal.Performance));
    }

    [Test]
    public void Load_OpenSloThresholdWithRatioTimeslices_IsTheSameSlices()
    {
        var set = Load(Change(OpenSlo, "budgetingMethod: Timeslices", "budgetingMethod: RatioTimeslices").Replace(", timeSliceTarget: 0.95", "", StringComparison.Ordinal));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Objectives.Single().Budgeting, Is.EqualTo(new TimeslicesBudgeting(1, Duration.FromMinutes(1))));
    }

    [TestCase("op: lte, ", "", "slo.yaml:16:7: spec.objectives[0].op: is required with a thresholdMetric: lt, lte, gt or gte")]
    [TestCase("value: 0.3, ", "", "slo.yaml:16:7: spec.objectives[0].value: is required with a thresholdMetric: the bound the query's value is compared with")]
    [TestCase("op: lte", "op: eq", "slo.yaml:16:32: spec.objectives[0].op: unknown op 'eq': expected lt, lte, gt or gte")]
    [TestCase("type: Prometheus", "type: Datadog", "slo.yaml:11:17: spec.indicator.spec.thresholdMetric.metricSource.type: metric source Datadog is not supported: only Prometheus sources are read")]
    [TestCase("[5m])))'", "[5m]))'", "slo.yaml:12:26: spec.indicator.spec.thresholdMetric.metricSource.spec.query: not a PromQL expression: '(' at character 19 is not closed")]
    [TestCase("timeSliceTarget: 0.95", "timeSliceTarget: 1.5", "slo.yaml:16:80: spec.objectives[0].timeSliceTarget: 1.5 is out of range: a slice target is a fraction in (0, 1]")]
    public void Load_OpenSloThresholdMistake_IsNamedWhereItIsWritten(string from, string to, string error) =>
        Assert.That(Errors(Change(OpenSlo, from, to)), Is.EqualTo(new[] { error }));

    [Test]
    public void Load_OpenSloThresholdCountingOccurrences_IsRefusedAsUnsupported()
    {
        var yaml = Change(OpenSlo, "budgetingMethod: Timeslices", "budgetingMethod: Occurrences").Replace(", timeSliceTarget: 0.95, timeSliceWindow: 1m", "", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Is.EqualTo(new[]
        {
            "slo.yaml:14:20: spec.budgetingMethod: thresholdMetric SLIs are read with budgetingMethod Timeslices (a slice is good when the query's value at its end " +
            "satisfies op value); Occurrences of a sampled value are not supported",
        }));
    }

    [Test]
    public void Load_GoSdkThresholdSlo_ReadsTheSloWithoutPoliciesAndRefusesOnlyWhatIsUnsupported()
    {
        // go-sdk's inline test input: my-slo-1 has no alert policy and is read; my-slo-2's policies wait 5m (alertAfter).
        var set = PublicFormatFilesTests.Load("OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo.yaml");
        var o = set.Find("web", "my-slo-1")!;
        var threshold = (ThresholdIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(threshold.Query, Does.StartWith("sum(min_over_time(kafka_consumergroup_lag{k8s_cluster=\"prod\""));
            Assert.That((threshold.Op, threshold.Value, threshold.Slice), Is.EqualTo((ThresholdOperator.Greater, 1.0, Duration.FromMinutes(1))));
            Assert.That(o.Signal, Is.EqualTo(Signal.Reliability));
            Assert.That(o.Target.Fraction, Is.EqualTo(0.995));
            Assert.That(set.Errors.Select(e => e.ToString()), Has.None.Contains("thresholdMetric"));
        });
    }

    [Test]
    public void Load_NativeThreshold_SetsItsOwnSlices()
    {
        var set = Load(Native);
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty);
        var o = set.Objectives.Single();
        Assert.Multiple(() =>
        {
            Assert.That(o.Indicator, Is.EqualTo(new ThresholdIndicator("sum(kafka_consumergroup_lag{topic=\"in\"})", ThresholdOperator.Less, 1000, Duration.FromMinutes(5))));
            Assert.That(o.Budgeting, Is.EqualTo(new TimeslicesBudgeting(1, Duration.FromMinutes(5))));
            Assert.That(o.Signal, Is.EqualTo(Signal.Reliability));
        });
    }

    [TestCase("slice: 5m", "slice: 90s", "slo.yaml:9:99: objectives[0].indicator.threshold.slice: a slice is a whole number of minutes up to 1d, e.g. 1m or 5m")]
    [TestCase("op: lt", "op: '<'", "slo.yaml:9:75: objectives[0].indicator.threshold.op: unknown op '<': expected lt, lte, gt or gte")]
    [TestCase("value: 1000", "value: lots", "slo.yaml:9:86: objectives[0].indicator.threshold.value: 'lots' is not a number")]
    [TestCase(", slice: 5m", "", "slo.yaml:9:18: objectives[0].indicator.threshold.slice: is required")]
    [TestCase("window: 7d\n", "window: 7d\n    budgeting: { timeslices: { slice: 5m, sliceTarget: 99 } }\n",
        "slo.yaml:8:16: objectives[0].budgeting: a threshold indicator sets its own time slices (indicator.threshold.slice): leave budgeting out")]
    [TestCase("    indicator:\n", "    indicator:\n      ratio: { bad: 'e_total', total: 'r_total' }\n",
        "slo.yaml:9:7: objectives[0].indicator: must hold exactly one of ratio, latency or threshold")]
    public void Load_NativeThresholdMistake_IsNamedWhereItIsWritten(string from, string to, string error) =>
        Assert.That(Errors(Change(Native, from, to)), Is.EqualTo(new[] { error }));

    [Test]
    public void Convert_OpenSloThreshold_IsTheNativeThresholdAndLoadsBackTheSame()
    {
        var set = Load(OpenSlo);
        var conversion = NativeYamlWriter.Write(set.Services);
        Assert.That(conversion.Problems, Is.Empty);
        Assert.That(conversion.Yaml, Does.Contain("""
                indicator:
                  threshold:
                    query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="search"}[5m])))'
                    op: lte
                    value: 0.3
                    slice: 1m
            """).And.Not.Contain("budgeting"));
        var native = DefinitionLoader.LoadText(conversion.Yaml, "converted.yaml");
        Assert.That(native.Diagnostics.Select(d => d.ToString()), Is.Empty, conversion.Yaml);
        ObjectiveComparison.AssertSame(native.Objectives, set.Objectives);
        Assert.That(native.Objectives.Single().Indicator, Is.EqualTo(set.Objectives.Single().Indicator));
    }

    [Test]
    public void Objective_ThresholdWithoutItsOwnSlices_IsRefused()
    {
        var threshold = new ThresholdIndicator("max(lag)", ThresholdOperator.Less, 10, Duration.FromMinutes(5));
        var window = new Slo.Engine.Windows.RollingWindow(Duration.FromDays(7));
        var id = new ObjectiveId("kafka", "lag");
        var target = Slo.Engine.Budgets.Target.FromPercent(99);
        Assert.Multiple(() =>
        {
            Assert.That(() => new Objective(id, Signal.Reliability, target, window, threshold), Throws.ArgumentException, "occurrences");
            Assert.That(() => new Objective(id, Signal.Reliability, target, window, threshold, new TimeslicesBudgeting(1, Duration.FromMinutes(1))),
                Throws.ArgumentException, "another slice");
            Assert.That(() => new Objective(id, Signal.Reliability, target, window, threshold, new TimeslicesBudgeting(1, Duration.FromMinutes(5))), Throws.Nothing);
        });
    }

    [Test]
    public void BucketCounts_Threshold_CountsTheSliceEndsInsideEachBucket()
    {
        var o = Load(Native).Objectives.Single();
        var query = EventQueries.BucketCounts(o, Duration.FromHours(1), "3");
        const string valued = "((sum(kafka_consumergroup_lag{topic=\"in\"})) >= -Inf)";
        Assert.That(query, Is.EqualTo(
            $"label_replace(count_over_time(count({valued})[3599999ms:5m]), \"slo_series\", \"3|total\", \"\", \"\")\n" +
            $"or label_replace(count_over_time((count({valued} < 1000) == count({valued}))[3599999ms:5m]), \"slo_series\", \"3|good\", \"\", \"\")"));
    }

    [Test]
    public void Generate_Threshold_RecordsOneSamplePerSliceAndAveragesThem()
    {
        var rules = PrometheusRules.Generate(Load(Native).Objectives, Instant.FromUtc(2026, 11, 1, 0, 0));
        Assert.Multiple(() =>
        {
            Assert.That(rules, Does.Contain("  - name: \"slo-kafka-lag\"\n    interval: 5m\n    rules:\n      - record: slo:threshold_slice:good\n"));
            Assert.That(rules, Does.Contain("expr: \"1 - avg_over_time(slo:threshold_slice:good{service=\\\"kafka\\\",objective=\\\"lag\\\",signal=\\\"reliability\\\"}[3599999ms])\""), "an hour holds its 12 five-minute slices, its start left out");
        });
    }
}
