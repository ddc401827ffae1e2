using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>Which Prometheus source an objective reads: native <c>source:</c> per service and per objective, OpenSLO
/// DataSource references, and <c>slo convert</c> writing it back.</summary>
[TestFixture]
public class SourceDefinitionTests
{
    private const string Native = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        source: eu-mimir
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator:
              ratio:
                bad: http_requests_total{code=~"5.."}
                total: http_requests_total
          - name: errors-us
            source: us-vm
            target: 99
            window: 30d
            indicator:
              ratio:
                bad: http_requests_total{code=~"5.."}
                total: http_requests_total
          - name: errors-default
            source: default
            target: 99
            window: 30d
            indicator:
              ratio:
                bad: http_requests_total{code=~"5.."}
                total: http_requests_total
          - name: journey
            target: 99
            window: 30d
            composite:
              objectives: [ { objective: checkout/availability }, { objective: checkout/errors-us } ]
        """;

    private static DefinitionSet Load(string yaml, string file = "defs/checkout.yaml") => DefinitionLoader.LoadText(yaml, file);

    [Test]
    public void Native_ServiceAndObjectiveSources_ObjectiveOverridesService()
    {
        var set = Load(Native);
        Assert.That(set.Errors, Is.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(set.Find("checkout", "availability")!.Source, Is.EqualTo("eu-mimir"));
            Assert.That(set.Find("checkout", "errors-us")!.Source, Is.EqualTo("us-vm"));
            Assert.That(set.Find("checkout", "errors-default")!.Source, Is.Null, "'default' is the default source");
            Assert.That(set.Find("checkout", "journey")!.Source, Is.Null, "a composite reads its objectives' sources");
        });
    }

    [Test]
    public void Native_NoSource_ReadsDefault() =>
        Assert.That(Load(Native.Replace("source: eu-mimir\n", "", StringComparison.Ordinal)).Find("checkout", "availability")!.Source, Is.Null);

    [Test]
    public void Native_SourceOnComposite_IsRefusedWhereWritten()
    {
        var yaml = Native.Replace("  - name: journey\n", "  - name: journey\n    source: us-vm\n", StringComparison.Ordinal);
        Assert.That(Load(yaml).Errors.Select(e => e.ToString()),
            Is.EqualTo(new[] { "defs/checkout.yaml:30:13: objectives[3].source: a composite has no source of its own: its objectives' counts are read from their sources" }));
    }

    [Test]
    public void Native_InvalidSourceName_NamesField()
    {
        var errors = Load(Native.Replace("source: us-vm", "source: 'us vm'", StringComparison.Ordinal)).Errors.Select(e => e.ToString()).ToArray();
        // The composite over it then names an objective that is not defined: the second error.
        Assert.That(errors[0], Does.StartWith("defs/checkout.yaml:14:13: objectives[1].source: 'us vm' is not a valid name"));
    }

    [Test]
    public void Convert_WritesEachObjectivesSource_AndReadsBackTheSame()
    {
        var set = Load(Native);
        var yaml = NativeYamlWriter.Write(set.Services).Yaml;
        Assert.That(yaml, Does.Contain("    source: eu-mimir\n").And.Contain("    source: us-vm\n"));
        var back = Load(yaml, "converted.yaml");
        Assert.That(back.Errors, Is.Empty);
        Assert.That(back.Objectives.Select(o => (o.Id.ToString(), o.Source)), Is.EqualTo(set.Objectives.Select(o => (o.Id.ToString(), o.Source))));
    }

    private const string OpenSlo = """
        - apiVersion: openslo/v1
          kind: DataSource
          metadata: { name: tenant-a }
          spec: { type: Prometheus, connectionDetails: { url: http://mimir:9009/prometheus } }
        - apiVersion: openslo/v1
          kind: SLO
          metadata: { name: availability }
          spec:
            service: checkout
            timeWindow: [ { duration: 30d, isRolling: true } ]
            budgetingMethod: Occurrences
            objectives: [ { target: 0.999 } ]
            indicator:
              kind: SLI
              metadata: { name: errors }
              spec:
                ratioMetric:
                  counter: true
                  bad: { metricSource: { metricSourceRef: tenant-a, spec: { query: 'http_requests_total{code=~"5.."}' } } }
                  total: { metricSource: { metricSourceRef: tenant-a, spec: { query: http_requests_total } } }
        """;

    [Test]
    public void OpenSlo_MetricSourceRef_NamesTheSource()
    {
        var set = Load(OpenSlo, "openslo.yaml");
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Find("checkout", "availability")!.Source, Is.EqualTo("tenant-a"));
    }

    [Test]
    public void OpenSlo_Converted_WritesTheDataSourceAsSource()
    {
        var yaml = NativeYamlWriter.Write(Load(OpenSlo, "openslo.yaml").Services).Yaml;
        Assert.That(Load(yaml, "converted.yaml").Find("checkout", "availability")!.Source, Is.EqualTo("tenant-a"));
        Assert.That(yaml, Does.Contain("    source: tenant-a\n"));
    }

    [Test]
    public void OpenSlo_ThresholdMetricWithRef_ReadsThatSource()
    {
        var set = Load($$"""
            {{OpenSlo[..OpenSlo.IndexOf("- apiVersion: openslo/v1\n  kind: SLO", StringComparison.Ordinal)]}}
            - apiVersion: openslo/v1
              kind: SLO
              metadata: { name: p99 }
              spec:
                service: search
                indicator:
                  metadata: { name: p99 }
                  spec:
                    thresholdMetric:
                      metricSource: { metricSourceRef: tenant-a, spec: { query: 'histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))' } }
                timeWindow: [ { duration: 7d, isRolling: true } ]
                budgetingMethod: Timeslices
                objectives: [ { op: lte, value: 0.3, target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 1m } ]
            """, "threshold.yaml");
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Find("search", "p99")!.Source, Is.EqualTo("tenant-a"));
    }

    [Test]
    public void OpenSlo_InlineTypeWithoutRef_ReadsDefault()
    {
        var yaml = OpenSlo.Replace("metricSourceRef: tenant-a", "type: Prometheus", StringComparison.Ordinal);
        Assert.That(Load(yaml, "openslo.yaml").Find("checkout", "availability")!.Source, Is.Null);
    }

    [Test]
    public void OpenSlo_CountersFromTwoSources_AreRefused()
    {
        var yaml = OpenSlo.Replace("total: { metricSource: { metricSourceRef: tenant-a", "total: { metricSource: { type: Prometheus", StringComparison.Ordinal);
        Assert.That(Load(yaml, "openslo.yaml").Errors.Select(e => e.ToString()), Is.EqualTo(new[]
        {
            "openslo.yaml:20:34: spec.indicator.spec.ratioMetric.total.metricSource.metricSourceRef: reads the default source while spec.indicator.spec.ratioMetric.bad.metricSource reads DataSource 'tenant-a': an SLI's counters must come from one source",
        }));
    }
}
