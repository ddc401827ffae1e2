using Slo.Engine;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>Pyrra's ServiceLevelObjective, with the checks of Pyrra's webhook (kubernetes/api/v1alpha1,
/// servicelevelobjective_types_test.go TestServiceLevelObjective_Validate) and the parts this service refuses.</summary>
[TestFixture]
public class PyrraFormatTests
{
    private const string Ratio = """
        apiVersion: pyrra.dev/v1alpha1
        kind: ServiceLevelObjective
        metadata:
          name: http-errors
          namespace: monitoring
          labels:
            prometheus: k8s
            pyrra.dev/team: foo
        spec:
          target: "99"
          window: 1w
          indicator:
            ratio:
              errors:
                metric: http_requests_total{job="api",code=~"5.."}
              total:
                metric: http_requests_total{job="api"}
        """;

    private const string Latency = """
        apiVersion: pyrra.dev/v1alpha1
        kind: ServiceLevelObjective
        metadata:
          name: http-latency
          labels: { pyrra.dev/service: api }
        spec:
          target: "99"
          window: 4w
          indicator:
            latency:
              success:
                metric: http_request_duration_seconds_bucket{job="api",le="0.3"}
              total:
                metric: http_request_duration_seconds_count{job="api"}
        """;

    private static DefinitionSet Load(string yaml) => DefinitionLoader.LoadText(yaml, "pyrra.yaml");

    private static string[] Errors(string yaml) => Load(yaml).Errors.Select(e => e.ToString()).ToArray();

    private static string Change(string yaml, string text, string replacement)
    {
        if (!yaml.Contains(text, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no text '{text}' to replace", nameof(text));
        return yaml.Replace(text, replacement, StringComparison.Ordinal);
    }

    [Test]
    public void Load_Ratio_IsErrorsOverTotalWithPyrrasTiers()
    {
        var set = Load(Ratio);
        Assert.That(set.Diagnostics, Is.Empty);
        var o = set.Find("http-errors", "http-errors")!;
        var ratio = (RatioIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(o.Signal, Is.EqualTo(Signal.Reliability));
            Assert.That(ratio.Bad!.ToString(), Is.EqualTo("http_requests_total{job=\"api\",code=~\"5..\"}"));
            Assert.That(o.Window.Length, Is.EqualTo("7d"));
            Assert.That(o.Labels, Is.EquivalentTo(new Dictionary<string, string> { ["team"] = "foo" }), "pyrra.dev/ labels, as Pyrra propagates them");
            // slo/rules.go Windows(7d): 15m/1m x14, 90m/8m x7, 6h/30m x2, 1d/90m x1, rounded to minutes.
            Assert.That(o.Alerting.Tiers.Select(t => t.Key), Is.EqualTo(new[] { "page-15m-1m", "page-1h30m-8m", "ticket-6h-30m", "ticket-1d-1h30m" }));
            Assert.That(o.Alerting.Tiers.Select(t => t.Factor(Duration.FromDays(7))), Is.EqualTo(new[] { 14, 7, 2, 1.0 }).Within(1e-9));
        });
    }

    [Test]
    public void Load_FourWeekWindow_HasTheSreWorkbookWindowsWithPyrrasFactors() =>
        Assert.That(Load(Latency).Objectives.Single().Alerting.Tiers.Select(t => (t.Key, Math.Round(t.Factor(Duration.FromDays(28)), 9))),
            Is.EqualTo(new[] { ("page-1h-5m", 14.0), ("page-6h-30m", 7.0), ("ticket-1d-2h", 2.0), ("ticket-4d-6h", 1.0) }));

    [Test]
    public void Load_LatencyOnOneHistogram_IsTheNativeLatencyIndicatorOfItsService()
    {
        var o = Load(Latency).Objectives.Single();
        var latency = (LatencyIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(o.Id.ToString(), Is.EqualTo("api/http-latency"), "pyrra.dev/service names the service");
            Assert.That(o.Signal, Is.EqualTo(Signal.Performance));
            Assert.That(latency.Histogram, Is.EqualTo("http_request_duration_seconds"));
            Assert.That(latency.Selector.ToString(), Is.EqualTo("{job=\"api\"}"));
            Assert.That(latency.Threshold, Is.EqualTo(Duration.FromMilliseconds(300)));
        });
    }

    [TestCase("http_request_duration_seconds_count{job=\"api\"}", "http_request_duration_seconds_count{job=\"web\"}")]
    [TestCase("http_request_duration_seconds_count{job=\"api\"}", "requests_total{job=\"api\"}")]
    [TestCase("le=\"0.3\"", "le=\"0.0003\"")]
    public void Load_LatencyNotOnOneHistogramBound_IsARatioOfTheCounters(string text, string replacement)
    {
        var o = Load(Change(Latency, text, replacement)).Objectives.Single();
        Assert.That(o.Indicator, Is.TypeOf<RatioIndicator>());
        Assert.That(o.Signal, Is.EqualTo(Signal.Performance));
    }

    [Test]
    public void Load_BoolGauge_CountsSamplesAtOne()
    {
        var yaml = Change(Ratio, "    ratio:\n      errors:\n        metric: http_requests_total{job=\"api\",code=~\"5..\"}\n      total:\n        metric: http_requests_total{job=\"api\"}",
            "    bool_gauge:\n      metric: probe_success{job=\"blackbox\"}");
        var raw = (RawRatioIndicator)Load(yaml).Objectives.Single().Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(raw.GoodQuery, Is.EqualTo("sum(sum_over_time(probe_success{job=\"blackbox\"}[{{window}}]))"));
            Assert.That(raw.TotalQuery, Is.EqualTo("sum(count_over_time(probe_success{job=\"blackbox\"}[{{window}}]))"));
        });
    }

    [TestCase("disabled: true")]
    [TestCase("burnrates: false")]
    public void Load_AlertingSwitchedOff_DisablesEveryTier(string setting) =>
        Assert.That(Load(Ratio + $"\n  alerting:\n    {setting}\n").Objectives.Single().Alerting.Tiers.Select(t => t.Enabled), Is.All.False);

    [Test]
    public void Load_AlertNamesAndAbsentAlerts_AreSaidNotToBeCarried()
    {
        var set = Load(Ratio + "\n  alerting:\n    name: ApiErrors\n    absent: true\n    severities: { fastBurn: critical }\n");
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Warnings.Select(w => w.ToString()), Is.EqualTo(new[]
        {
            "pyrra.yaml:19:5: warning: spec.alerting: name, severities: alert names and severities are not carried; alerts are named SLOBurnRate with severity page or ticket",
            "pyrra.yaml:20:13: warning: spec.alerting.absent: absent alerts are not supported: only burn-rate alerts are sent",
        }));
    }

    [Test]
    public void Load_Grouping_IsATemplateNotAnObjective()
    {
        var set = Load(Ratio + "\n      grouping: [handler]\n");
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Objectives, Is.Empty);
        var grouped = set.Grouped.Single();
        Assert.That(grouped.GroupBy, Is.EqualTo(new[] { "handler" }));
        Assert.That(grouped.Discovery.ToString(), Is.EqualTo(((RatioIndicator)grouped.Template.Indicator).Total.ToString()));
    }

    [Test]
    public void Expand_Group_AddsTheValueToEverySelectorTheNameAndTheLabels()
    {
        var grouped = Load(Ratio + "\n      grouping: [handler, method]\n").Grouped.Single();
        var objective = grouped.Expand(new Dictionary<string, string> { ["handler"] = "/api/v1/query", ["method"] = "GET" });
        var ratio = (RatioIndicator)objective.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(ratio.Bad!.ToString(), Does.Contain("handler=\"/api/v1/query\"").And.Contain("method=\"GET\""));
            Assert.That(ratio.Total.ToString(), Does.Contain("handler=\"/api/v1/query\"").And.Contain("method=\"GET\""));
            Assert.That(objective.Labels["handler"], Is.EqualTo("/api/v1/query"));
            Assert.That(objective.Id.Name, Does.StartWith(grouped.Id.Name + "-_api_v1_query-GET-"), "cleaned, with a hash because '/' was replaced");
            Assert.That(ObjectiveId.IsValidPart(objective.Id.Name));
        });
    }

    [TestCase(new[] { "eu", "get" }, "slo-eu-get")]
    [TestCase(new[] { "a/b" }, "slo-a_b-")]
    [TestCase(new[] { "a_b" }, "slo-a_b")]
    [TestCase(new[] { "" }, "slo-")]
    public void NameOf_Values_IsReadableUniqueAndValid(string[] values, string start)
    {
        var name = GroupedObjective.NameOf("slo", values);
        Assert.That(name, Does.StartWith(start));
        Assert.That(ObjectiveId.IsValidPart(name), name);
        Assert.That(GroupedObjective.NameOf("slo", values), Is.EqualTo(name), "stable");
    }

    [Test]
    public void NameOf_ValuesThatCleanAlike_StayApart() =>
        Assert.That(GroupedObjective.NameOf("slo", ["a/b"]), Is.Not.EqualTo(GroupedObjective.NameOf("slo", ["a_b"])).And.Not.EqualTo(GroupedObjective.NameOf("slo", ["a:b"])));

    [Test]
    public void NameOf_LongValues_StaysWithin128Characters() =>
        Assert.That(GroupedObjective.NameOf(new string('n', 120), [new string('v', 300)]), Has.Length.LessThanOrEqualTo(128).And.Matches("^n+-v*-?[0-9a-f]{8}$"));

    [TestCase("[le]", "'le' cannot group")]
    [TestCase("[handler, handler]", "'handler' is listed twice")]
    [TestCase("['not a label']", "'not a label' cannot group")]
    public void Load_BadGrouping_IsLocatedError(string grouping, string message) =>
        Assert.That(Errors(Ratio + $"\n      grouping: {grouping}\n"), Has.Exactly(1).Contains(message).And.All.StartWith("pyrra.yaml:18:"));

    [Test]
    public void Load_EmptyGrouping_IsNoGrouping() =>
        Assert.That(Errors(Ratio + "\n      grouping: []\n"), Is.Empty);

    // Pyrra's TestServiceLevelObjective_Validate, case by case, as the YAML a user would apply.
    [TestCase("  name: http-errors\n", "", "4:3: metadata.name: is required")]
    [TestCase("  target: \"99\"\n", "", "10:3: spec.target: is required")]
    [TestCase("target: \"99\"", "target: \"-99\"", "10:11: spec.target: target must be between 0 and 100")]
    [TestCase("target: \"99\"", "target: \"9999\"", "10:11: spec.target: target must be between 0 and 100")]
    [TestCase("  window: 1w\n", "", "10:3: spec.window: is required")]
    [TestCase("window: 1w", "window: 2t", "11:11: spec.window: '2t' has an unknown unit 't'")]
    [TestCase("errors:\n        metric: http_requests_total{job=\"api\",code=~\"5..\"}", "errors:\n        metric: \"\"", "15:17: spec.indicator.ratio.errors.metric: ratio errors metric must be set")]
    [TestCase("metric: http_requests_total{job=\"api\"}", "metric: foo{", "17:17: spec.indicator.ratio.total.metric: ratio total metric must be a vector selector")]
    [TestCase("metric: http_requests_total{job=\"api\"}", "metric: foo}", "17:17: spec.indicator.ratio.total.metric: ratio total metric must be a vector selector")]
    [TestCase("metric: http_requests_total{job=\"api\"}", "metric: $$$", "17:17: spec.indicator.ratio.total.metric: ratio total metric must be a vector selector")]
    [TestCase("metric: http_requests_total{job=\"api\"}", "metric: foo{foo=\"bar'}", "17:17: spec.indicator.ratio.total.metric: ratio total metric must be a vector selector")]
    [TestCase("metric: http_requests_total{job=\"api\"}", "metric: sum(total{foo=\"bar\"})", "17:17: spec.indicator.ratio.total.metric: ratio total metric must be a vector selector")]
    [TestCase("metric: http_requests_total{job=\"api\"}", "metric: errors{foo=\"bar\"} / total{foo=\"bar\"}", "17:17: spec.indicator.ratio.total.metric: ratio total metric must be a vector selector")]
    [TestCase("metric: http_requests_total{job=\"api\",code=~\"5..\"}", "metric: rate(errors{foo=\"bar\"}[5m])", "15:17: spec.indicator.ratio.errors.metric: ratio errors metric must be a vector selector")]
    [TestCase("    ratio:\n      errors:\n        metric: http_requests_total{job=\"api\",code=~\"5..\"}\n      total:\n        metric: http_requests_total{job=\"api\"}", "    {}", "13:5: spec.indicator: one of ratio, latency, latencyNative or bool_gauge must be set")]
    public void Load_WhatPyrraRefuses_IsRefusedForTheSameReason(string text, string replacement, string error) =>
        Assert.That(Errors(Change(Ratio, text, replacement)), Has.Some.StartsWith($"pyrra.yaml:{error}"));

    [TestCase("le=\"0.3\"", "foo=\"baz\"", "12:17: spec.indicator.latency.success.metric: latency success metric must contain a le label matcher")]
    [TestCase("le=\"0.3\"", "le=\"foo\"", "12:17: spec.indicator.latency.success.metric: latency success metric must contain a le label matcher with a float value")]
    [TestCase("http_request_duration_seconds_bucket{job=\"api\",le=\"0.3\"}", "foo{le=\"1.0\"} or vector(0)", "12:17: spec.indicator.latency.success.metric: latency success metric must be a vector selector")]
    public void Load_LatencyPyrraRefuses_IsRefusedForTheSameReason(string text, string replacement, string error) =>
        Assert.That(Errors(Change(Latency, text, replacement)), Has.Some.StartsWith($"pyrra.yaml:{error}"));

    [Test]
    public void Load_FractionTarget_WarnsAsPyrraDoes()
    {
        var set = Load(Change(Ratio, "target: \"99\"", "target: \"0.9134\""));
        Assert.That(set.Warnings.Single().ToString(), Does.Contain("spec.target: target is from 0-100 (91.34), not 0-1 (0.9134)"));
        Assert.That(set.Objectives.Single().Target.Percent, Is.EqualTo(0.9134));
    }

    [TestCase("\"100\"", "100 is out of range here")]
    [TestCase("\"0\"", "0 is out of range here")]
    public void Load_TargetPyrraAllowsButNoBudgetCanHave_IsRefused(string target, string message) =>
        Assert.That(Errors(Change(Ratio, "\"99\"", target)).Single(), Does.StartWith($"pyrra.yaml:10:11: spec.target: {message}"));

    [Test]
    public void Load_RuleTuning_IsSaidToBeUnused()
    {
        var set = Load(Ratio + "\n  performanceOverAccuracy: true\n");
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Warnings.Single().ToString(), Does.StartWith("pyrra.yaml:18:28: warning: spec.performanceOverAccuracy: not used"));
    }

    [Test]
    public void Load_YearWindow_IsPrometheusThreeHundredSixtyFiveDays() =>
        Assert.That(Load(Change(Ratio, "window: 1w", "window: 1y")).Objectives.Single().Window.Length, Is.EqualTo("365d"));

    [Test]
    public void Load_OtherKind_IsRefused() =>
        Assert.That(Errors("apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjectiveList\nitems: []\n"),
            Has.Some.StartsWith("pyrra.yaml:2:7: kind: unknown kind 'ServiceLevelObjectiveList' for pyrra.dev/v1alpha1: expected ServiceLevelObjective"));

    [Test]
    public void Load_SameAlertingAsPyrraDefaults_EnablesEveryTier() =>
        Assert.That(Load(Ratio).Objectives.Single().Alerting.Tiers, Has.All.Property(nameof(AlertTier.Enabled)).True);
}
