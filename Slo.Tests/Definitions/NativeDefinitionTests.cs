using Slo.Engine;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions;
using Slo.Engine.Gating;
using Slo.Engine.Windows;

namespace Slo.Tests.Definitions;

[TestFixture]
public class NativeDefinitionTests
{
    private const string Valid = """
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        labels: { team: payments }
        gate:
          reliability: { minBudgetRemaining: 0.1, mode: block }
          performance: { mode: block }
          blockOnPage: false
          maxDataAge: 5m
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator:
              ratio:
                bad: http_requests_total{job="checkout",code=~"5.."}
                total: http_requests_total{job="checkout"}
            alerting: { minEvents: 100, tiers: default }
          - name: latency
            target: 99
            window: { calendar: month, timeZone: Europe/Berlin }
            labels: { owner: alice }
            indicator:
              latency:
                histogram: http_request_duration_seconds
                selector: '{job="checkout"}'
                threshold: 300ms
            alerting:
              tiers:
                - { severity: page, budgetConsumed: 0.02, longWindow: 1h, shortWindow: 5m }
                - { severity: ticket, budgetConsumed: 0.1, longWindow: 3d, shortWindow: 6h, enabled: false }
        """;

    private static DefinitionSet Load(string yaml) => DefinitionLoader.LoadText(yaml, "defs/checkout.yaml");

    private static string[] Errors(string yaml) => Load(yaml).Errors.Select(e => e.ToString()).ToArray();

    /// <summary>The valid document with one line replaced, so each test breaks exactly one thing.</summary>
    private static string Break(string line, string replacement)
    {
        if (!Valid.Contains(line, StringComparison.Ordinal))
            throw new ArgumentException($"test setup: no line '{line}' to replace", nameof(line));
        return Valid.Replace(line, replacement, StringComparison.Ordinal);
    }

    [TestCase("checkout/availability", true, true)]
    [TestCase("checkout/nope", true, false)]
    [TestCase("checkout", false, false)]
    [TestCase("checkout/availability/x", false, false)]
    [TestCase("/availability", false, false)]
    [TestCase("check out/availability", false, false)]
    [TestCase("", false, false)]
    public void Find_StoredId_OnlyAWellFormedIdOfADefinedObjective(string id, bool parses, bool found)
    {
        var set = Load(Valid);
        Assert.That(ObjectiveId.TryParse(id, out var parsed), Is.EqualTo(parses));
        if (parses)
            Assert.That(parsed.ToString(), Is.EqualTo(id));
        Assert.That(set.Find(id), found ? Is.SameAs(set.Find("checkout", "availability")) : Is.Null);
    }

    [Test]
    public void Load_ValidDocument_BuildsModel()
    {
        var set = Load(Valid);
        Assert.That(set.Errors, Is.Empty);
        var availability = set.Find("checkout", "availability")!;
        var latency = set.Find("checkout", "latency")!;
        var gate = set.FindService("checkout")!.Gate;
        Assert.Multiple(() =>
        {
            Assert.That(availability.Signal, Is.EqualTo(Signal.Reliability));
            Assert.That(availability.Target.Fraction, Is.EqualTo(0.999));
            Assert.That(((RollingWindow)availability.Window).Duration, Is.EqualTo(Duration.FromDays(30)));
            Assert.That(((RatioIndicator)availability.Indicator).Bad!.ToString(), Is.EqualTo("http_requests_total{job=\"checkout\",code=~\"5..\"}"));
            Assert.That(availability.Alerting.MinEvents, Is.EqualTo(100));
            Assert.That(availability.Labels["team"], Is.EqualTo("payments"));
            Assert.That(latency.Signal, Is.EqualTo(Signal.Performance), "a latency indicator defaults to performance");
            Assert.That(((CalendarWindow)latency.Window).Zone.Id, Is.EqualTo("Europe/Berlin"));
            Assert.That(((LatencyIndicator)latency.Indicator).ThresholdSeconds, Is.EqualTo(0.3).Within(1e-12));
            Assert.That(latency.Labels, Is.EquivalentTo(new Dictionary<string, string> { ["team"] = "payments", ["owner"] = "alice" }));
            Assert.That(latency.Alerting.Tiers.Select(t => (t.Severity, t.Enabled)), Is.EqualTo(new[] { (Severity.Page, true), (Severity.Ticket, false) }));
            Assert.That(gate.Reliability, Is.EqualTo(new SignalGateRule(0.1, GateMode.Block)));
            Assert.That(gate.Performance, Is.EqualTo(new SignalGateRule(0, GateMode.Block)));
            Assert.That(gate.BlockOnPage, Is.False);
            Assert.That(gate.MaxDataAge, Is.EqualTo(Duration.FromMinutes(5)));
        });
    }

    [Test]
    public void Load_NoGate_UsesDefaults() =>
        Assert.That(Load(Valid[..Valid.IndexOf("gate:", StringComparison.Ordinal)] + Valid[Valid.IndexOf("objectives:", StringComparison.Ordinal)..]).FindService("checkout")!.Gate,
            Is.EqualTo(GatePolicy.Default));

    [Test]
    public void Load_TargetOutOfRange_NamesLineColumnAndField() =>
        Assert.That(Errors(Break("target: 99.9", "target: 100")),
            Is.EqualTo(new[] { "defs/checkout.yaml:12:13: objectives[0].target: 100 is out of range: a target is a percentage strictly between 0 and 100 (e.g. 99.9)" }));

    [Test]
    public void Load_TargetAsFraction_WarnsAboutPercent()
    {
        var set = Load(Break("target: 99.9", "target: 0.999"));
        Assert.That(set.IsValid, Is.True);
        Assert.That(set.Warnings.Single().ToString(), Does.Contain("objectives[0].target").And.Contain("percentages"));
    }

    [Test]
    public void Load_UnknownKey_SuggestsNearestKey() =>
        Assert.That(Errors(Break("    target: 99.9", "    target: 99.9\n    windw: 7d")),
            Is.EqualTo(new[] { "defs/checkout.yaml:13:5: objectives[0].windw: unknown key; did you mean 'window'?" }));

    // Shapes that crashed the loader (issue #16): each must come back as located errors or nothing, never a throw.
    [TestCase("...\n...\n")]
    [TestCase("service: s\nlabels: { team: a\rb }\n")]
    [TestCase("service: s\nlabels: { team: a\u0085b }\n")]
    [TestCase("deep")]
    public void Load_ShapesThatCrashedTheParser_AreLocatedErrors(string yaml)
    {
        if (yaml == "deep")
            yaml = "a: " + new string('[', 50_000);
        var set = Load(yaml);
        Assert.That(set.Errors.Select(e => e.ToString()), Has.All.StartWith("defs/checkout.yaml:"));
        if (yaml.StartsWith("a: [", StringComparison.Ordinal))
            Assert.That(set.Errors.Single().Message, Does.Contain("nesting deeper than 64 levels"));
    }

    [TestCase("    \"windw\\x01\\x85\": 7d", "windw\\u0001\\u0085")]
    [TestCase("    \"wi\\nnd\\u2028ow\": 7d", "wi\\nnd\\u2028ow")]
    public void Load_KeyWithControlCharacters_IsQuotedEscapedOnOneLine(string line, string shown)
    {
        var error = Errors(Break("    target: 99.9", "    target: 99.9\n" + line)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(error, Does.StartWith("defs/checkout.yaml:13:5: objectives[0]." + shown + ": unknown key"));
            Assert.That(error.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029'), Is.False, "one printable line");
        });
    }

    [Test]
    public void Load_UnknownTopLevelKey_ListsKnownKeys() =>
        Assert.That(Errors(Break("labels: { team: payments }", "labels: { team: payments }\nowner: bob")).Single(),
            Does.StartWith("defs/checkout.yaml:5:1: owner: unknown key; expected one of:").And.Contain("objectives"));

    [Test]
    public void Load_UnknownTimeZone_NamesZoneField() =>
        Assert.That(Errors(Break("timeZone: Europe/Berlin", "timeZone: Europe/Atlantis")),
            Is.EqualTo(new[] { "defs/checkout.yaml:21:42: objectives[1].window.timeZone: unknown time zone 'Europe/Atlantis': use an IANA name such as Europe/Berlin or America/New_York" }));

    [Test]
    public void Load_MissingTotal_IsRequired() =>
        Assert.That(Errors(Break("        total: http_requests_total{job=\"checkout\"}\n", "")),
            Is.EqualTo(new[] { "defs/checkout.yaml:16:9: objectives[0].indicator.ratio.total: is required" }));

    [Test]
    public void Load_MissingGoodAndBad_AsksForOne() =>
        Assert.That(Errors(Break("        bad: http_requests_total{job=\"checkout\",code=~\"5..\"}\n", "")),
            Is.EqualTo(new[] { "defs/checkout.yaml:16:9: objectives[0].indicator.ratio.good: one of good or bad is required" }));

    [Test]
    public void Load_GoodAndBad_RejectsBoth() =>
        Assert.That(Errors(Break("        total: http_requests_total{job=\"checkout\"}", "        total: http_requests_total{job=\"checkout\"}\n        good: http_requests_total{job=\"checkout\",code!~\"5..\"}")).Single(),
            Does.Contain("objectives[0].indicator.ratio.bad: give good or bad, not both"));

    [TestCase("threshold: 0.3", "bare number")]
    [TestCase("threshold: fast", "not a duration")]
    [TestCase("threshold: 1M", "months")]
    public void Load_ThresholdNotADuration_Rejects(string replacement, string because)
    {
        var error = Errors(Break("threshold: 300ms", replacement)).Single();
        Assert.That(error, Does.StartWith("defs/checkout.yaml:27:20: objectives[1].indicator.latency.threshold: the latency threshold must be a duration"));
        Assert.That(error, Does.Contain(because));
    }

    [Test]
    public void Load_DuplicateObjectiveName_PointsAtBoth() =>
        Assert.That(Errors(Break("  - name: latency", "  - name: availability")),
            Is.EqualTo(new[] { "defs/checkout.yaml:19:11: objectives[1].name: duplicate objective id 'checkout/availability': first defined at defs/checkout.yaml:11:11" }));

    [Test]
    public void Load_DuplicateAcrossFiles_IsRejected()
    {
        var set = DefinitionLoader.Load([("a.yaml", Valid), ("b.yaml", Valid.Replace("gate:", "gate_off:", StringComparison.Ordinal).Split("gate_off:")[0] + Valid[Valid.IndexOf("objectives:", StringComparison.Ordinal)..])]);
        Assert.That(set.Errors.Select(e => e.ToString()), Has.Some.StartWith("b.yaml:6:5: id: duplicate objective id 'checkout/availability': first defined at a.yaml:11:5"));
        Assert.That(set.Objectives, Has.Count.EqualTo(2), "the first definitions survive");
    }

    [Test]
    public void Load_UnknownSignal_IsRejected() =>
        Assert.That(Errors(Break("    target: 99\n", "    target: 99\n    signal: speed\n")),
            Is.EqualTo(new[] { "defs/checkout.yaml:21:13: objectives[1].signal: unknown signal 'speed': expected reliability or performance" }));

    [Test]
    public void Load_SelectorWithInjection_IsRejected() =>
        Assert.That(Errors(Break("total: http_requests_total{job=\"checkout\"}", "total: 'http_requests_total{job=\"checkout\"} or vector(1)'")).Single(),
            Does.StartWith("defs/checkout.yaml:17:16: objectives[0].indicator.ratio.total: not a series selector: unexpected text after the selector"));

    [Test]
    public void Load_RawQueryWithoutPlaceholder_IsRejected()
    {
        var yaml = Break("        bad: http_requests_total{job=\"checkout\",code=~\"5..\"}\n        total: http_requests_total{job=\"checkout\"}",
            "        badQuery: sum(increase(errors_total[5m]))\n        totalQuery: sum(increase(requests_total[{{window}}]))");
        Assert.That(Errors(yaml).Single(), Does.StartWith("defs/checkout.yaml:16:19: objectives[0].indicator.ratio.badQuery: a raw query must contain {{window}}"));
    }

    [Test]
    public void Load_UnknownCalendarPeriod_IsRejected() =>
        Assert.That(Errors(Break("calendar: month", "calendar: fortnight")).Single(),
            Does.Contain("objectives[1].window.calendar: unknown calendar period 'fortnight'"));

    [Test]
    public void Load_TierWithLongShortSwapped_IsRejected() =>
        Assert.That(Errors(Break("longWindow: 1h, shortWindow: 5m", "longWindow: 5m, shortWindow: 1h")).Single(),
            Does.Contain("objectives[1].alerting.tiers[0].shortWindow: the short window must be shorter than the long window"));

    [Test]
    public void Load_UnknownSeverity_IsRejected() =>
        Assert.That(Errors(Break("severity: ticket", "severity: sms")).Single(),
            Does.Contain("objectives[1].alerting.tiers[1].severity: unknown severity 'sms'"));

    [Test]
    public void Load_BadGateMode_IsRejected() =>
        Assert.That(Errors(Break("mode: block }\n  performance", "mode: stop }\n  performance")).Single(),
            Does.StartWith("defs/checkout.yaml:6:49: gate.reliability.mode: unknown mode 'stop'"));

    [Test]
    public void Load_ReservedLabel_IsRejected() =>
        Assert.That(Errors(Break("labels: { team: payments }", "labels: { severity: high }")).Single(),
            Does.Contain("labels.severity: 'severity' is set by the service itself"));

    [Test]
    public void Load_MissingRequiredFields_ReportsEach()
    {
        const string yaml = """
            apiVersion: slo/v1
            kind: ServiceObjectives
            objectives:
              - name: a
            """;
        Assert.That(Errors(yaml), Is.EquivalentTo(new[]
        {
            "defs/checkout.yaml:1:1: service: is required",
            "defs/checkout.yaml:4:5: objectives[0].target: is required",
            "defs/checkout.yaml:4:5: objectives[0].window: is required: a rolling length such as 30d, or { calendar: month, timeZone: ... }",
            "defs/checkout.yaml:4:5: objectives[0].indicator: is required",
        }));
    }

    [Test]
    public void Load_SyntaxError_GivesLineAndColumn()
    {
        var error = Errors("apiVersion: slo/v1\nkind: ServiceObjectives\nservice: [checkout\n").Single();
        Assert.That(error, Does.Match(@"^defs/checkout\.yaml:\d+:\d+: yaml: YAML syntax error: "));
    }

    [Test]
    public void Load_DuplicateYamlKey_IsSyntaxError() =>
        Assert.That(Errors("apiVersion: slo/v1\nkind: ServiceObjectives\nservice: a\nservice: b\n").Single(),
            Does.StartWith("defs/checkout.yaml:4:1: yaml: YAML syntax error:").And.Contain("service"));

    [Test]
    public void Load_UnsupportedApiVersion_IsRejected() =>
        Assert.That(Errors("apiVersion: openslo/v1alpha\nkind: SLO\n").Single(),
            Does.StartWith("defs/checkout.yaml:1:13: apiVersion: unsupported apiVersion 'openslo/v1alpha'"));

    [Test]
    public void Load_ManyErrors_ReportsAllOfThem()
    {
        var yaml = Break("target: 99.9", "target: 200").Replace("timeZone: Europe/Berlin", "timeZone: Nowhere", StringComparison.Ordinal).Replace("threshold: 300ms", "threshold: soon", StringComparison.Ordinal);
        Assert.That(Errors(yaml), Has.Length.EqualTo(3));
    }

    [Test]
    public void Load_MultipleDocuments_ReadsEach()
    {
        var second = Valid.Replace("service: checkout", "service: cart", StringComparison.Ordinal);
        var set = Load(Valid + "\n---\n" + second);
        Assert.That(set.Services.Select(s => s.Name), Is.EquivalentTo(new[] { "checkout", "cart" }));
        Assert.That(set.Objectives, Has.Count.EqualTo(4));
    }

    [Test]
    public void Load_TwoGatesForOneService_IsRejected()
    {
        var other = Valid.Replace("name: availability", "name: errors", StringComparison.Ordinal).Replace("name: latency", "name: slowness", StringComparison.Ordinal);
        var set = DefinitionLoader.Load([("a.yaml", Valid), ("b.yaml", other)]);
        Assert.That(set.Errors.Single().ToString(), Is.EqualTo("b.yaml:1:1: gate: service 'checkout' already has a gate policy, set at a.yaml:1:1"));
    }
}
