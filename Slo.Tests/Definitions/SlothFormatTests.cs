using Slo.Engine.Alerting;
using Slo.Engine.Definitions;
using Slo.Engine.Definitions.Sloth;

namespace Slo.Tests.Definitions;

/// <summary>Sloth's prometheus/v1 specs and PrometheusServiceLevel CRDs, with the checks Sloth's validation makes
/// (pkg/common/validation/slo.go and its tests) and the parts this service refuses.</summary>
[TestFixture]
public class SlothFormatTests
{
    private const string Spec = """
        version: "prometheus/v1"
        service: "myservice"
        labels:
          owner: "myteam"
        slos:
          - name: "requests-availability"
            objective: 99.9
            description: "Common SLO based on availability for HTTP request responses."
            labels:
              category: availability
            sli:
              events:
                error_query: sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{.window}}]))
                total_query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{ .window }}]))
            alerting:
              name: MyServiceHighErrorRate
              page_alert:
                labels: { severity: pageteam }
              ticket_alert:
                disable: true
        """;

    private static DefinitionSet Load(string yaml) => DefinitionLoader.LoadText(yaml, "sloth.yaml");

    private static string[] Errors(string yaml) => Load(yaml).Errors.Select(e => e.ToString()).ToArray();

    private static string Change(string text, string replacement)
    {
        if (!Spec.Contains(text, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no text '{text}' to replace", nameof(text));
        return Spec.Replace(text, replacement, StringComparison.Ordinal);
    }

    [Test]
    public void Load_EventsSpec_IsARawRatioOverThirtyDaysWithPageTiersOnly()
    {
        var set = Load(Spec);
        Assert.That(set.Errors, Is.Empty);
        var o = set.Find("myservice", "requests-availability")!;
        var raw = (RawRatioIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(raw.BadQuery, Is.EqualTo("sum(increase(http_request_duration_seconds_count{job=\"myservice\",code=~\"(5..|429)\"}[{{window}}]))"));
            Assert.That(raw.TotalQuery, Is.EqualTo("sum(increase(http_request_duration_seconds_count{job=\"myservice\"}[{{window}}]))"));
            Assert.That(o.Target.Percent, Is.EqualTo(99.9));
            Assert.That(o.Window.Length, Is.EqualTo("30d"));
            Assert.That(o.Description, Does.StartWith("Common SLO"));
            Assert.That(o.Labels, Is.EquivalentTo(new Dictionary<string, string> { ["owner"] = "myteam", ["category"] = "availability" }));
            Assert.That(o.Alerting.Tiers.Select(t => (t.Key, t.Enabled)), Is.EqualTo(new[]
            {
                ("page-1h-5m", true), ("page-6h-30m", true), ("ticket-1d-2h", false), ("ticket-3d-6h", false),
            }));
            Assert.That(set.Warnings.Single().ToString(), Is.EqualTo(
                "sloth.yaml:16:7: warning: slos[0].alerting: the alert name, page_alert.labels are not carried: alerts are named SLOBurnRate and carry the objective's labels and severity page or ticket"));
        });
    }

    [Test]
    public void Load_Crd_ReadsCamelCaseKeysAndWarnsOfSnakeCaseOnes()
    {
        var crd = """
            apiVersion: sloth.slok.dev/v1
            kind: PrometheusServiceLevel
            metadata: { name: sloth-slo-my-service, namespace: monitoring }
            spec:
              service: "myservice"
              slos:
                - name: "requests-availability"
                  objective: 99.9
                  sli:
                    events:
                      errorQuery: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
                      totalQuery: sum(rate(http_requests_total[{{.window}}]))
                  alerting:
                    page_alert: { disable: true }
                    pageAlert: { disable: true }
                    ticketAlert: { disable: true }
            """;
        var set = Load(crd);
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Objectives.Single().Alerting.Tiers.Select(t => t.Enabled), Is.All.False);
        Assert.That(set.Warnings.Single().ToString(), Is.EqualTo("sloth.yaml:14:21: warning: spec.slos[0].alerting.page_alert: ignored, as Sloth ignores it: a PrometheusServiceLevel spells it 'pageAlert'"));
    }

    // Sloth's own validation tests (pkg/common/validation/slo_test.go), each as the spec a user would write.
    [TestCase("objective: 99.9", "objective: 0", "7:16: slos[0].objective: 0 is out of range: objective must be >0 and <=100")]
    [TestCase("objective: 99.9", "objective: 100.0001", "7:16: slos[0].objective: 100.0001 is out of range: objective must be >0 and <=100")]
    [TestCase("objective: 99.9", "objective: 100", "7:16: slos[0].objective: 100 is out of range here: an objective of 100% leaves no error budget")]
    [TestCase("- name: \"requests-availability\"", "- name: \"requests-availability_\"", "6:11: slos[0].name: 'requests-availability_' is not a valid name: it must start and end with an alphanumeric")]
    [TestCase("- name: \"requests-availability\"", "- name: \"this-is-{a-test\"", "6:11: slos[0].name: 'this-is-{a-test' is not a valid name")]
    [TestCase("service: \"myservice\"", "service: \"\"", "2:10: service: is required")]
    [TestCase("[{{ .window }}]))", "[1m]))", "14:22: slos[0].sli.events.total_query: template must contain the {{ .window }} variable")]
    [TestCase("code=~\"(5..|429)\"}[{{.window}}]))", "code=~\"(5..|429)\"}[{{.window}}])) / {{.total}}", "13:22: slos[0].sli.events.error_query: only the {{ .window }} template variable is read")]
    [TestCase("sum(rate(http_request_duration_seconds_count{job=\"myservice\",code", "sum(rate(http_request_duration_seconds_count{[{{ .window }}])) or sum(rate(x{job=\"myservice\",code", "13:22: slos[0].sli.events.error_query: not a Prometheus expression: unexpected character inside braces: '['")]
    [TestCase("      name: MyServiceHighErrorRate\n", "", "16:7: slos[0].alerting.name: alert name is required (Sloth names its alerts with it) unless both page_alert and ticket_alert are disabled")]
    [TestCase("page_alert:\n        labels: { severity: pageteam }", "page_alert:\n        disable: maybe", "18:18: slos[0].alerting.page_alert.disable: 'maybe' is not true or false")]
    public void Load_WhatSlothRefuses_IsRefusedForTheSameReason(string text, string replacement, string error) =>
        Assert.That(Errors(Change(text, replacement)), Has.Some.StartsWith($"sloth.yaml:{error}"));

    [Test]
    public void Load_SameErrorAndTotalQueries_AreRefused() =>
        Assert.That(Errors(Change("{job=\"myservice\",code=~\"(5..|429)\"}[{{.window}}]", "{job=\"myservice\"}[{{ .window }}]")).Single(),
            Is.EqualTo("sloth.yaml:14:22: slos[0].sli.events.total_query: both error and total queries can't be the same"));

    [Test]
    public void Load_EventsAndRaw_OnlyOneSliTypeIsAllowed() =>
        Assert.That(Errors(Change("      events:", "      raw: { error_ratio_query: 'x[{{.window}}]' }\n      events:")).Single(),
            Does.StartWith("sloth.yaml:12:7: slos[0].sli: only one SLI type is allowed"));

    [Test]
    public void Load_RawErrorRatio_IsNotSupported() =>
        Assert.That(Errors("version: prometheus/v1\nservice: s\nslos:\n  - name: a\n    objective: 95\n    sli:\n      raw:\n        error_ratio_query: 1 - avg_over_time(x[{{.window}}])\n" +
                "    alerting: { page_alert: { disable: true }, ticket_alert: { disable: true } }\n").Single(),
            Is.EqualTo("sloth.yaml:8:9: slos[0].sli.raw: raw error-ratio SLIs are not supported: the service adds up counts of events, and a ratio cannot be added up; give events with an error and a total query"));

    [Test]
    public void Load_NoSlos_AtLeastOneIsRequired() =>
        Assert.That(Errors("version: prometheus/v1\nservice: s\nslos: []\n").Single(), Is.EqualTo("sloth.yaml:1:1: slos: at least one SLO is required"));

    [Test]
    public void Load_OtherSpecVersion_IsRefused() =>
        Assert.That(Errors("version: prometheus/v2\nservice: s\n").Single(),
            Is.EqualTo("sloth.yaml:1:10: version: unsupported Sloth spec version 'prometheus/v2': expected prometheus/v1"));

    [Test]
    public void Load_UnknownKey_IsStillAnError() =>
        Assert.That(Errors(Change("    description:", "    descripton:")), Has.Some.StartsWith("sloth.yaml:8:5: slos[0].descripton: unknown key; did you mean 'description'?"));

    [TestCase("sum(rate(x_total[{{window}}]))", "sum(increase(x_total[{{window}}]))")]
    [TestCase("sum(rate (x_total{a=\"rate(\"}[{{window}}] ))", "sum(increase (x_total{a=\"rate(\"}[{{window}}] ))")]
    [TestCase("sum(irate(x_total[{{window}}]))", "sum(irate(x_total[{{window}}]))")]
    [TestCase("sum(rate(x_total[5m]))", "sum(rate(x_total[5m]))")]
    [TestCase("sum_over_time(rate(x_total[5m])[{{window}}:])", "sum_over_time(rate(x_total[5m])[{{window}}:])")]
    [TestCase("sum(my_rate(x[{{window}}])) + sum(rate(y[{{window}}])) # rate(z[{{window}}])", "sum(my_rate(x[{{window}}])) + sum(increase(y[{{window}}])) # rate(z[{{window}}])")]
    [TestCase("(sum(rate(a_count[{{window}}])) - sum(rate(a_bucket{le=\"0.4\"}[{{window}}])))", "(sum(increase(a_count[{{window}}])) - sum(increase(a_bucket{le=\"0.4\"}[{{window}}])))")]
    public void RatesToIncreases_RateOverTheWindowOnly_BecomesIncrease(string query, string expected) =>
        Assert.That(SlothValidator.RatesToIncreases(query), Is.EqualTo(expected));

    [Test]
    public void Load_SubqueryOverTheWindow_IsKeptAsWritten()
    {
        // home-wifi.yml's events count samples with a subquery; nothing there is a rate.
        var o = Load(Change("sum(rate(http_request_duration_seconds_count{job=\"myservice\"}[{{ .window }}]))", "sum_over_time((count(unifipoller_client_satisfaction_ratio))[{{.window}}:])")).Objectives.Single();
        Assert.That(((RawRatioIndicator)o.Indicator).TotalQuery, Is.EqualTo("sum_over_time((count(unifipoller_client_satisfaction_ratio))[{{window}}:])"));
    }

    [Test]
    public void Load_BothAlertsDisabled_NeedsNoAlertName()
    {
        var set = Load(Change("      name: MyServiceHighErrorRate\n      page_alert:\n        labels: { severity: pageteam }", "      page_alert:\n        disable: true"));
        Assert.That(set.Diagnostics, Is.Empty);
        Assert.That(set.Objectives.Single().Alerting.Tiers, Has.All.Property(nameof(AlertTier.Enabled)).False);
    }
}
