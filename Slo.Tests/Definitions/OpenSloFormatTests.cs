using Slo.Engine.Alerting;
using Slo.Engine.Definitions;
using Slo.Engine.Windows;

namespace Slo.Tests.Definitions;

/// <summary>OpenSLO v1 as people write it: list-form files, SLI and DataSource references, RatioTimeslices, alert
/// policies as tiers, and the features refused where they are written.</summary>
[TestFixture]
public class OpenSloFormatTests
{
    /// <summary>A list-form file as OpenSLO tools write it: a DataSource, an SLI, an SLO naming both, a policy.</summary>
    private const string Objects = """
        - apiVersion: openslo/v1
          kind: DataSource
          metadata: { name: prometheus }
          spec:
            type: Prometheus
            connectionDetails: [ { url: http://prometheus:9090 } ]
        - apiVersion: openslo/v1
          kind: SLI
          metadata: { name: checkout-errors }
          spec:
            ratioMetric:
              counter: true
              bad:
                metricSource: { metricSourceRef: prometheus, spec: { query: 'http_requests_total{job="checkout",code=~"5.."}' } }
              total:
                metricSource: { metricSourceRef: prometheus, spec: { query: 'sum(http_requests_total{job="checkout"})' } }
        - apiVersion: openslo/v1
          kind: SLO
          metadata: { name: availability }
          spec:
            service: checkout
            indicatorRef: checkout-errors
            timeWindow: [ { duration: 30d, isRolling: true } ]
            budgetingMethod: Occurrences
            objectives: [ { target: 0.999 } ]
            alertPolicies: [ { alertPolicyRef: burn } ]
        - apiVersion: openslo/v1
          kind: AlertPolicy
          metadata: { name: burn }
          spec:
            alertWhenBreaching: true
            conditions:
              - conditionRef: fast
              - kind: AlertCondition
                metadata: { name: slow }
                spec:
                  severity: ticket
                  condition: { kind: burnrate, op: gt, threshold: 1, lookbackWindow: 3d, alertAfter: 0m }
            notificationTargets: []
        - apiVersion: openslo/v1
          kind: AlertCondition
          metadata: { name: fast }
          spec:
            severity: page
            condition: { kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h }
        """;

    private static DefinitionSet Load(string yaml, string file = "objects.yaml") => DefinitionLoader.LoadText(yaml, file);

    private static string[] Errors(string yaml) => Load(yaml).Errors.Select(e => e.ToString()).ToArray();

    private static string Change(string text, string replacement)
    {
        if (!Objects.Contains(text, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no text '{text}' to replace", nameof(text));
        return Objects.Replace(text, replacement, StringComparison.Ordinal);
    }

    [Test]
    public void Load_ListOfObjects_ResolvesSliDataSourceAndPolicies()
    {
        var set = Load(Objects);
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty);
        var o = set.Find("checkout", "availability")!;
        var ratio = (RatioIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(ratio.Bad!.ToString(), Is.EqualTo("http_requests_total{job=\"checkout\",code=~\"5..\"}"));
            Assert.That(ratio.Total.ToString(), Is.EqualTo("http_requests_total{job=\"checkout\"}"), "sum() of a selector counts per series, then sums");
            Assert.That(o.Alerting.Tiers.Select(t => t.Key), Is.EqualTo(new[] { "page-1h-5m", "ticket-3d-6h" }));
            Assert.That(o.Alerting.Tiers.Select(t => t.Factor(Duration.FromDays(30))), Is.EqualTo(new[] { 14.4, 1.0 }).Within(1e-9));
            Assert.That(o.Alerting.Tiers.Select(t => t.BudgetConsumed), Is.EqualTo(new[] { 0.02, 0.1 }).Within(1e-12), "the SRE Workbook's tiers again");
            Assert.That(o.Alerting.Tiers.Select(t => t.Enabled), Is.All.True);
        });
    }

    [Test]
    public void Load_SliInAnotherFile_IsFoundAndItsErrorsPointIntoThatFileInReadOrder()
    {
        var sloAt = Objects.IndexOf("- apiVersion: openslo/v1\n  kind: SLO", StringComparison.Ordinal);
        var policyAt = Objects.IndexOf("- apiVersion: openslo/v1\n  kind: AlertPolicy", StringComparison.Ordinal);
        var slo = Objects[sloAt..policyAt];
        var sli = Objects[..sloAt].Replace("counter: true", "counter: false", StringComparison.Ordinal);
        var set = DefinitionLoader.Load([("slo.yaml", slo), ("sli.yaml", sli)]);
        Assert.That(string.Join("\n", set.Errors), Is.EqualTo(string.Join("\n", new[]
        {
            "slo.yaml:10:40: spec.alertPolicies[0].alertPolicyRef: AlertPolicy 'burn' does not exist: no AlertPolicy of that name was read",
            "sli.yaml:12:16: spec.ratioMetric.counter: only counters are supported (counter: true): events are counted with increase()",
        })));
    }

    [Test]
    public void Load_DataSourceOfAnotherType_IsNotSupportedWhereItIsNamed()
    {
        var errors = Errors(Change("type: Prometheus", "type: Datadog"));
        Assert.That(errors, Is.EqualTo(new[]
        {
            "objects.yaml:14:42: spec.ratioMetric.bad.metricSource.metricSourceRef: metric source Datadog is not supported (DataSource 'prometheus'): only Prometheus sources are read",
            "objects.yaml:16:42: spec.ratioMetric.total.metricSource.metricSourceRef: metric source Datadog is not supported (DataSource 'prometheus'): only Prometheus sources are read",
        }));
    }

    [Test]
    public void Load_SourceTypeOtherThanPrometheus_SaysWhichSourceIsNotSupported() =>
        Assert.That(Errors(Change("{ metricSourceRef: prometheus, spec: { query: 'http_requests_total{job=\"checkout\",code=~\"5..\"}' } }", "{ type: CloudWatch, spec: { metricName: errors } }")),
            Is.EqualTo(new[] { "objects.yaml:14:31: spec.ratioMetric.bad.metricSource.type: metric source CloudWatch is not supported: only Prometheus sources are read" }));

    [Test]
    public void Load_MissingDataSourceWithoutType_IsAnError() =>
        Assert.That(Errors(Change("metricSource: { metricSourceRef: prometheus, spec: { query: 'sum(", "metricSource: { metricSourceRef: thanos, spec: { query: 'sum(")),
            Is.EqualTo(new[] { "objects.yaml:16:42: spec.ratioMetric.total.metricSource.metricSourceRef: DataSource 'thanos' does not exist: no DataSource of that name was read" }));

    [Test]
    public void Load_RatioTimeslices_AveragesSlicesOfTheirWindow()
    {
        var set = Load(Change("budgetingMethod: Occurrences\n    objectives: [ { target: 0.999 } ]", "budgetingMethod: RatioTimeslices\n    objectives: [ { target: 0.999, timeSliceWindow: 5m } ]"));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Objectives.Single().Budgeting, Is.EqualTo(new RatioTimeslicesBudgeting(Duration.FromMinutes(5))));
    }

    [Test]
    public void Load_RatioTimeslicesWithSliceTarget_IsAnError() =>
        Assert.That(Errors(Change("budgetingMethod: Occurrences\n    objectives: [ { target: 0.999 } ]", "budgetingMethod: RatioTimeslices\n    objectives: [ { target: 0.999, timeSliceWindow: 5, timeSliceTarget: 0.9 } ]")).Single(),
            Does.StartWith("objects.yaml:25:73: spec.objectives[0].timeSliceTarget: timeSliceTarget applies only with budgetingMethod: Timeslices"));

    [TestCase("op: gte", "op: lt", "45:38: spec.condition.op: op lt is not supported: a burn-rate tier fires when the burn rate exceeds the threshold (gt or gte)")]
    [TestCase("lookbackWindow: 1h", "lookbackWindow: 1h, alertAfter: 5m", "45:92: spec.condition.alertAfter: alertAfter 5m is not supported")]
    [TestCase("severity: page", "severity: critical", "44:15: spec.severity: severity 'critical' is not supported: a tier is page or ticket")]
    [TestCase("kind: burnrate, op: gte", "kind: budget, op: gte", "45:24: spec.condition.kind: condition kind 'budget' is not supported: only burnrate")]
    [TestCase("threshold: 14.4", "threshold: 1000", "45:54: spec.condition.threshold: burning at 1000 for 1h spends more than the whole budget of 30d")]
    [TestCase("alertWhenBreaching: true", "alertWhenBreaching: true\n    alertWhenNoData: true", "32:22: spec.alertWhenNoData: alertWhenNoData is not supported yet")]
    public void Load_AlertConditionThatIsNoTier_IsRefusedWhereItIsWritten(string text, string replacement, string error) =>
        Assert.That(Errors(Change(text, replacement)), Has.Some.StartsWith($"objects.yaml:{error}"));

    [Test]
    public void Load_BurnRateConditionOnCalendarWindow_IsRefused() =>
        Assert.That(Errors(Change("timeWindow: [ { duration: 30d, isRolling: true } ]", "timeWindow: [ { duration: 1M, calendar: { timeZone: UTC } } ]")), Is.EqualTo(new[]
        {
            "objects.yaml:38:59: spec.conditions[1].spec.condition.threshold: a burn-rate condition maps onto a tier only for a rolling timeWindow: a calendar period's length varies, so a fixed threshold would not stay one share of the budget",
            "objects.yaml:45:54: spec.condition.threshold: a burn-rate condition maps onto a tier only for a rolling timeWindow: a calendar period's length varies, so a fixed threshold would not stay one share of the budget",
        }));

    [Test]
    public void Load_PolicyWithoutAlertWhenBreaching_KeepsItsTiersDisabled()
    {
        var set = Load(Change("    alertWhenBreaching: true\n", ""));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Objectives.Single().Alerting.Tiers.Select(t => t.Enabled), Is.All.False);
        Assert.That(set.Warnings.Select(w => w.ToString()), Has.Some.Contains("spec.alertWhenBreaching: is not set, which OpenSLO reads as false"));
    }

    [Test]
    public void Load_RollingMonth_IsReadAsThirtyDaysWithAWarning()
    {
        var set = Load(Change("duration: 30d", "duration: 1M"));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(((RollingWindow)set.Objectives.Single().Window).Duration, Is.EqualTo(Duration.FromDays(30)));
        Assert.That(set.Warnings.Single().ToString(), Does.StartWith("objects.yaml:23:31: warning: spec.timeWindow[0].duration: a rolling '1M' is read as 30d"));
    }

    [Test]
    public void Load_NoTimeWindow_IsReadAsThirtyDaysWithAWarning()
    {
        var set = Load(Change("    timeWindow: [ { duration: 30d, isRolling: true } ]\n", ""));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Objectives.Single().Window.Length, Is.EqualTo("30d"));
        Assert.That(set.Warnings.Single().ToString(), Does.Contain("spec.timeWindow: is not given: read as a rolling 30d"));
    }

    [Test]
    public void Load_ManyErrorsAcrossListItems_AreAllReportedInLineOrder()
    {
        var yaml = Change("type: Prometheus", "type: prometheus\n    region: x")
            .Replace("target: 0.999", "target: 99.9", StringComparison.Ordinal)
            .Replace("severity: page", "severity: sev1", StringComparison.Ordinal)
            .Replace("metadata: { name: slow }", "metadata: { name: slow, owner: me }", StringComparison.Ordinal);
        var errors = Load(yaml).Errors.ToArray();
        Assert.That(errors.Select(e => e.Location.Line), Is.Ordered);
        Assert.That(string.Join("\n", errors.Select(e => e.ToString())), Is.EqualTo(string.Join("\n", new[]
        {
            "objects.yaml:6:5: spec.region: unknown key; expected one of: connectionDetails, description, type",
            "objects.yaml:26:29: spec.objectives[0].target: 99.9 is out of range: an OpenSLO target is a fraction strictly between 0 and 1 (e.g. 0.999)",
            "objects.yaml:36:33: spec.conditions[1].metadata.owner: unknown key; expected one of: annotations, displayName, labels, name",
            "objects.yaml:45:15: spec.severity: severity 'sev1' is not supported: a tier is page or ticket",
        })));
    }

    [Test]
    public void Load_UnusedSli_IsSkippedWithAWarning()
    {
        var set = Load(Change("indicatorRef: checkout-errors", "indicator: { spec: { ratioMetric: { bad: { metricSource: { spec: { query: e_total } } }, total: { metricSource: { spec: { query: r_total } } } } } }"));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Warnings.Select(w => w.ToString()), Is.EqualTo(new[] { "objects.yaml:7:3: warning: kind: SLI 'checkout-errors' is not used by any SLO read with it; it is not checked further" }));
    }

    [Test]
    public void Load_NonMappingListItem_IsALocatedError() =>
        Assert.That(Errors("- apiVersion: openslo/v1\n  kind: Service\n  metadata: { name: a }\n- just text\n"),
            Is.EqualTo(new[] { "objects.yaml:4:3: (document): a definition document must be a mapping with apiVersion and kind (or a list of them)" }));
}
