using Slo.Engine;
using Slo.Engine.Definitions;
using Slo.Engine.Windows;

namespace Slo.Tests.Definitions;

[TestFixture]
public class OpenSloDefinitionTests
{
    private const string Valid = """
        apiVersion: openslo/v1
        kind: SLO
        metadata:
          name: availability
          labels: { team: payments, env: [prod, eu] }
        spec:
          service: payments
          indicator:
            metadata: { name: payments-errors }
            spec:
              ratioMetric:
                counter: true
                bad:
                  metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="payments",code=~"5.."}' } }
                total:
                  metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job="payments"}' } }
          timeWindow:
            - duration: 28d
              isRolling: true
          budgetingMethod: Occurrences
          objectives:
            - displayName: Payments succeed
              target: 0.999
        """;

    private static DefinitionSet Load(string yaml) => DefinitionLoader.LoadText(yaml, "payments.yaml");

    private static string[] Errors(string yaml) => Load(yaml).Errors.Select(e => e.ToString()).ToArray();

    private static string Break(string text, string replacement)
    {
        if (!Valid.Contains(text, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no text '{text}' to replace", nameof(text));
        return Valid.Replace(text, replacement, StringComparison.Ordinal);
    }

    [Test]
    public void Load_RollingOccurrences_BuildsReliabilityObjective()
    {
        var set = Load(Valid);
        Assert.That(set.Diagnostics, Is.Empty);
        var o = set.Find("payments", "availability")!;
        Assert.Multiple(() =>
        {
            Assert.That(o.Signal, Is.EqualTo(Signal.Reliability));
            Assert.That(o.Target.Fraction, Is.EqualTo(0.999));
            Assert.That(((RollingWindow)o.Window).Duration, Is.EqualTo(Duration.FromDays(28)));
            Assert.That(o.Budgeting, Is.EqualTo(BudgetingMethod.Occurrences));
            Assert.That(((RatioIndicator)o.Indicator).Bad!.Metric, Is.EqualTo("http_requests_total"));
            Assert.That(o.Labels["env"], Is.EqualTo("prod,eu"), "list label values are joined");
        });
    }

    [Test]
    public void Load_CalendarTimeslices_BuildsAnchoredWindowAndSlices()
    {
        var yaml = Break("    - duration: 28d\n      isRolling: true", "    - duration: 1M\n      calendar: { startTime: 2024-01-01 00:00:00, timeZone: America/New_York }")
            .Replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices", StringComparison.Ordinal)
            .Replace("target: 0.999", "target: 0.995\n      timeSliceTarget: 0.99\n      timeSliceWindow: 5", StringComparison.Ordinal);
        var set = Load(yaml);
        Assert.That(set.Errors, Is.Empty);
        var o = set.Objectives.Single();
        var window = (CalendarWindow)o.Window;
        var slices = (TimeslicesBudgeting)o.Budgeting;
        Assert.Multiple(() =>
        {
            Assert.That(window.Unit, Is.EqualTo(CalendarUnit.Month));
            Assert.That(window.Zone.Id, Is.EqualTo("America/New_York"));
            Assert.That(window.PeriodAt(Instant.FromUtc(2026, 4, 15, 0, 0)).Start, Is.EqualTo(Instant.FromUtc(2026, 4, 1, 4, 0)));
            Assert.That(slices.SliceTarget, Is.EqualTo(0.99));
            Assert.That(slices.SliceLength, Is.EqualTo(Duration.FromMinutes(5)), "a bare number of slice minutes");
        });
    }

    [Test]
    public void Load_CalendarDurationInMinutes_IsAnErrorNotAMonth() =>
        Assert.That(Errors(Break("    - duration: 28d\n      isRolling: true", "    - duration: 1m\n      calendar: { startTime: 2024-01-01 00:00:00, timeZone: UTC }")),
            Is.EqualTo(new[] { "payments.yaml:18:17: spec.timeWindow[0].duration: '1m' is minutes, not a calendar period: a calendar window counts in d, w, M (months), Q or Y; write 1M for a month" }));

    [Test]
    public void Load_RollingMonth_IsThirtyDaysSaidInAWarning()
    {
        var set = Load(Break("duration: 28d", "duration: 1M"));
        Assert.That(set.Errors, Is.Empty);
        Assert.That(((RollingWindow)set.Objectives.Single().Window).Duration, Is.EqualTo(Duration.FromDays(30)));
        Assert.That(set.Warnings.Single().ToString(), Does.StartWith("payments.yaml:18:17: warning: spec.timeWindow[0].duration: a rolling '1M' is read as 30d (months vary in length)"));
    }

    [Test]
    public void Load_RollingQuarter_IsAmbiguous() =>
        Assert.That(Errors(Break("duration: 28d", "duration: 1Q")).Single(),
            Does.StartWith("payments.yaml:18:17: spec.timeWindow[0].duration: a rolling window needs a fixed length, and 'Q' (quarters) varies"));

    [TestCase("target: 99.9", "99.9 is out of range: an OpenSLO target is a fraction strictly between 0 and 1")]
    [TestCase("target: 1", "1 is out of range")]
    [TestCase("targetPercent: 100", "targetPercent lies strictly between 0 and 100")]
    public void Load_TargetOutOfRange_IsRejected(string replacement, string message) =>
        Assert.That(Errors(Break("target: 0.999", replacement)).Single(), Does.StartWith("payments.yaml:23:").And.Contain(message));

    [Test]
    public void Load_TargetPercent_IsAccepted() =>
        Assert.That(Load(Break("target: 0.999", "targetPercent: 99.9")).Objectives.Single().Target.Fraction, Is.EqualTo(0.999));

    [Test]
    public void Load_UnknownZone_IsRejected() =>
        Assert.That(Errors(Break("    - duration: 28d\n      isRolling: true", "    - duration: 1Q\n      calendar: { timeZone: Moon/Tranquility }")).Single(),
            Does.StartWith("payments.yaml:19:29: spec.timeWindow[0].calendar.timeZone: unknown time zone 'Moon/Tranquility'"));

    [Test]
    public void Load_MissingTotal_IsRequired()
    {
        var yaml = Break("        total:\n          metricSource: { type: Prometheus, spec: { query: 'http_requests_total{job=\"payments\"}' } }\n", "");
        Assert.That(Errors(yaml).Single(), Is.EqualTo("payments.yaml:12:9: spec.indicator.spec.ratioMetric.total: is required"));
    }

    [Test]
    public void Load_NonPrometheusSource_IsRejected() =>
        Assert.That(Errors(Break("bad:\n          metricSource: { type: Prometheus", "bad:\n          metricSource: { type: Datadog")).Single(),
            Does.Contain("spec.indicator.spec.ratioMetric.bad.metricSource.type: metric source Datadog is not supported: only Prometheus sources are read"));

    [Test]
    public void Load_UnknownSpecKey_IsRejected() =>
        Assert.That(Errors(Break("  budgetingMethod: Occurrences", "  budgetingMethod: Occurrences\n  budgetMethod: x")).Single(),
            Is.EqualTo("payments.yaml:21:3: spec.budgetMethod: unknown key; did you mean 'budgetingMethod'?"));

    [Test]
    public void Load_TimeslicesWithoutSliceTarget_IsRejected() =>
        Assert.That(Errors(Break("budgetingMethod: Occurrences", "budgetingMethod: Timeslices")),
            Is.EquivalentTo(new[]
            {
                "payments.yaml:22:7: spec.objectives[0].timeSliceTarget: is required with budgetingMethod: Timeslices",
                "payments.yaml:22:7: spec.objectives[0].timeSliceWindow: is required with budgetingMethod: Timeslices",
            }));

    [Test]
    public void Load_PerformanceAnnotation_SetsSignal() =>
        Assert.That(Load(Break("  name: availability\n", "  name: availability\n  annotations: { slo/signal: performance }\n")).Objectives.Single().Signal,
            Is.EqualTo(Signal.Performance));

    [Test]
    public void Load_AlertPolicyThatDoesNotExist_IsAnError() =>
        Assert.That(Errors(Valid + "\n  alertPolicies: [ { alertPolicyRef: fast-burn } ]\n").Single(),
            Is.EqualTo("payments.yaml:24:38: spec.alertPolicies[0].alertPolicyRef: AlertPolicy 'fast-burn' does not exist: no AlertPolicy of that name was read"));

    [Test]
    public void Load_SeveralObjectives_GetDistinctIds()
    {
        var set = Load(Break("target: 0.999", "target: 0.999\n    - displayName: Strict goal\n      target: 0.9999"));
        Assert.That(set.Objectives.Select(o => o.Id.ToString()), Is.EqualTo(new[] { "payments/availability-payments-succeed", "payments/availability-strict-goal" }));
    }

    [Test]
    public void Load_ServiceDocument_IsAcceptedSilently()
    {
        var set = Load("apiVersion: openslo/v1\nkind: Service\nmetadata: { name: payments }\nspec: { description: x }\n");
        Assert.That(set.Diagnostics, Is.Empty);
    }

    [Test]
    public void Load_ServiceDocumentWithUnknownKey_IsAnError()
    {
        var errors = Errors("apiVersion: openslo/v1\nkind: Service\nmetadata: { name: payments, owner: me }\nspec: { descripton: x }\n");
        Assert.That(errors, Has.Some.StartsWith("payments.yaml:3:").And.Contain("owner"));
        Assert.That(errors, Has.Some.StartsWith("payments.yaml:4:").And.Contain("descripton"));
    }

    [Test]
    public void Load_MisspeltKind_IsAnErrorNamingTheKind()
    {
        // The audit: `kind: Slo` used to be a warning; the objective vanished while validate exited 0.
        var set = Load(Break("kind: SLO", "kind: Slo"));
        Assert.That(set.Objectives, Is.Empty);
        Assert.That(set.Errors.Single().ToString(), Is.EqualTo(
            "payments.yaml:2:7: kind: unknown OpenSLO kind 'Slo' (kinds are case-sensitive: did you mean 'SLO'?); " +
            "OpenSLO v1 defines SLO, Service, SLI, DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget"));
    }

    [Test]
    public void Load_UnusedAlertCondition_IsSkippedWithAWarning()
    {
        var set = Load("apiVersion: openslo/v1\nkind: AlertCondition\nmetadata: { name: fast }\nspec: { severity: page, condition: { op: gt, threshold: 14.4, lookbackWindow: 1h } }\n");
        Assert.That(set.Errors, Is.Empty);
        Assert.That(set.Warnings.Single().ToString(), Does.Contain("AlertCondition 'fast' is not used by any SLO"));
    }

    [Test]
    public void Load_MixedWithNative_DuplicateIdIsRejected()
    {
        const string native = """
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: payments
            objectives:
              - name: availability
                target: 99.9
                window: 30d
                indicator: { ratio: { bad: 'e_total', total: 'r_total' } }
            """;
        var set = DefinitionLoader.Load([("a.yaml", native), ("b.yaml", Valid)]);
        Assert.That(set.Errors.Single().ToString(), Does.StartWith("b.yaml:1:1: id: duplicate objective id 'payments/availability': first defined at a.yaml:5:5"));
    }
}
