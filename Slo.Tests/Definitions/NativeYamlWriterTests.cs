using Slo.Engine;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Windows;

namespace Slo.Tests.Definitions;

/// <summary>The native text <c>slo convert</c> prints: it loads back into the same objectives, quotes what needs it,
/// and names what the native format cannot say.</summary>
[TestFixture]
public class NativeYamlWriterTests
{
    private static readonly RatioIndicator Ratio =
        new(null, SeriesSelector.Parse("http_requests_total{code=~\"5..\"}"), SeriesSelector.Parse("http_requests_total"));

    private static ServiceDefinition Service(params Objective[] objectives) => new(objectives[0].Service, objectives);

    private static Objective Objective(Indicator? indicator = null, SloWindow? window = null, BudgetingMethod? budgeting = null, string? description = null,
        IReadOnlyDictionary<string, string>? labels = null) =>
        new(new ObjectiveId("checkout", "availability"), Signal.Reliability, Target.FromPercent(99.95), window ?? new RollingWindow(Duration.FromDays(28)),
            indicator ?? Ratio, budgeting, labels: labels, description: description, definedAt: new SourceLocation("in.yaml", 3, 1));

    private static DefinitionSet RoundTrip(params ServiceDefinition[] services)
    {
        var conversion = NativeYamlWriter.Write(services);
        Assert.That(conversion.Problems, Is.Empty);
        var set = DefinitionLoader.LoadText(conversion.Yaml, "converted.yaml");
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty, conversion.Yaml);
        return set;
    }

    [Test]
    public void Write_ShippedDefinitions_LoadBackTheSame()
    {
        var shipped = DefinitionLoader.LoadDirectory(ValidateCommandTests.RepositoryDefinitions());
        var set = RoundTrip([.. shipped.Services]);
        ObjectiveComparison.AssertSame(set.Objectives, shipped.Objectives);
        Assert.That(set.Services.Select(s => (s.Name, s.Gate, s.Corrections.Count)), Is.EqualTo(shipped.Services.Select(s => (s.Name, s.Gate, s.Corrections.Count))));
    }

    [Test]
    public void Write_CompositeAndConditionAlerts_LoadBackTheSame()
    {
        var original = DefinitionLoader.LoadText("""
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: cart
            objectives:
              - name: availability
                target: 99.9
                window: 30d
                indicator: { ratio: { bad: 'e_total{job="cart"}', total: 'r_total{job="cart"}' } }
                alerting: { noDataAfter: off, exhaustionWithin: 7d }
              - name: checkout
                target: 99.5
                window: 30d
                composite: { objectives: [ { objective: availability, weight: 2.5 } ] }
                alerting: { noDataAfter: 5m }
            """, "journey.yaml");
        Assert.That(original.Diagnostics, Is.Empty);
        var set = RoundTrip([.. original.Services]);
        ObjectiveComparison.AssertSame(set.Objectives, original.Objectives);
        Assert.Multiple(() =>
        {
            Assert.That(set.Find("cart", "checkout")!.Indicator, Is.EqualTo(original.Find("cart", "checkout")!.Indicator));
            Assert.That(set.Find("cart", "availability")!.Alerting.NoDataAfter, Is.Null);
            Assert.That(set.Find("cart", "availability")!.Alerting.ExhaustionWithin, Is.EqualTo(Duration.FromDays(7)));
            Assert.That(set.Find("cart", "checkout")!.Alerting.NoDataAfter, Is.EqualTo(Duration.FromMinutes(5)));
        });
    }

    [TestCase("plain words")]
    [TestCase("it's \"quoted\" # not a comment: {x}")]
    [TestCase("  leading and trailing spaces  ")]
    [TestCase("two\nlines")]
    [TestCase("ends with a newline\n")]
    [TestCase("tab\tand \u0007bell and \u2028 and ✓ and 𝄞")]
    [TestCase("line with trailing space \nnext")]
    [TestCase("")]
    [TestCase("true")]
    [TestCase("- not a list")]
    public void Write_AnyDescriptionOrQuery_ReadsBackExactly(string text)
    {
        var query = $"sum(increase(x_total{{a=\"{text.Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\"}}[{{{{window}}}}]))\n# {text.Replace("\n", " ", StringComparison.Ordinal)}";
        var objective = Objective(new RawRatioIndicator(null, query, "sum(increase(x_total[{{window}}]))"), description: text.Length > 0 ? text : null,
            labels: new Dictionary<string, string> { ["note"] = text });
        var read = RoundTrip(Service(objective)).Objectives.Single();
        Assert.Multiple(() =>
        {
            Assert.That(read.Description, Is.EqualTo(text.Length > 0 ? text : null));
            Assert.That(((RawRatioIndicator)read.Indicator).BadQuery, Is.EqualTo(query));
            Assert.That(read.Labels["note"], Is.EqualTo(text));
        });
    }

    [Test]
    public void Write_MultiLineQuery_IsALiteralBlock()
    {
        var query = "(\n  sum(increase(a_count[{{window}}]))\n  -\n  sum(increase(a_bucket{le=\"0.4\"}[{{window}}]))\n)\n";
        var yaml = NativeYamlWriter.Write([Service(Objective(new RawRatioIndicator(null, query, "sum(increase(a_count[{{window}}]))")))]).Yaml;
        Assert.That(yaml, Does.Contain("        badQuery: |\n          (\n            sum(increase(a_count[{{window}}]))\n            -\n"));
    }

    [Test]
    public void Write_TimeslicesAndRatioTimeslices_AreNativeBudgeting()
    {
        var timeslices = Objective(budgeting: new TimeslicesBudgeting(0.999, Duration.FromMinutes(5)));
        var yaml = NativeYamlWriter.Write([Service(timeslices)]).Yaml;
        Assert.That(yaml, Does.Contain("    budgeting: { timeslices: { slice: 5m, sliceTarget: 99.9 } }\n"));
        Assert.That(RoundTrip(Service(timeslices)).Objectives.Single().Budgeting, Is.EqualTo(timeslices.Budgeting));
        var ratio = Objective(budgeting: new RatioTimeslicesBudgeting(Duration.FromHours(1)));
        Assert.That(RoundTrip(Service(ratio)).Objectives.Single().Budgeting, Is.EqualTo(ratio.Budgeting));
    }

    [Test]
    public void Write_CalendarWindowThatNativeCalendarsCut_IsNative()
    {
        // OpenSLO's 1M from 2024-01-01 00:00 cuts the same months as the native month.
        var anchored = Objective(window: new CalendarWindow(CalendarUnit.Month, 3, DateTimeZoneProviders.Tzdb["America/New_York"], new LocalDateTime(2024, 4, 1, 0, 0)));
        var yaml = NativeYamlWriter.Write([Service(anchored)]).Yaml;
        Assert.That(yaml, Does.Contain("window: { calendar: quarter, timeZone: America/New_York }"));
    }

    [Test]
    public void Write_CalendarWindowNoNativeCalendarCuts_IsAProblemAtTheDefinition()
    {
        var noon = Objective(window: new CalendarWindow(CalendarUnit.Week, 1, DateTimeZoneProviders.Tzdb["America/New_York"], new LocalDateTime(2022, 1, 1, 12, 0)));
        var conversion = NativeYamlWriter.Write([Service(noon)]);
        Assert.That(conversion.Yaml, Is.Empty);
        Assert.That(conversion.Problems.Single().ToString(), Does.StartWith(
            "in.yaml:3:1: checkout/availability: the native format has no calendar week in America/New_York starting at 2022-01-01T12:00:00 window"));
    }

    [Test]
    public void Write_TwoServices_AreTwoDocumentsWithTheirLabels()
    {
        var a = new ServiceDefinition("a", [new Objective(new ObjectiveId("a", "x"), Signal.Reliability, Target.FromPercent(99), new RollingWindow(Duration.FromDays(30)), Ratio,
            labels: new Dictionary<string, string> { ["team"] = "one", ["tier"] = "1" })], labels: new Dictionary<string, string> { ["team"] = "one" });
        var b = new ServiceDefinition("b", [new Objective(new ObjectiveId("b", "y"), Signal.Performance, Target.FromPercent(99), new RollingWindow(Duration.FromDays(30)), Ratio)]);
        var yaml = NativeYamlWriter.Write([a, b], ["from test"]).Yaml;
        Assert.That(yaml, Does.StartWith("# from test\napiVersion: slo/v1\nkind: ServiceObjectives\nservice: a\nlabels:\n  team: one\nobjectives:\n"));
        Assert.That(yaml, Does.Contain("    labels:\n      tier: '1'\n").And.Contain("---\napiVersion: slo/v1\nkind: ServiceObjectives\nservice: b\n").And.Contain("    signal: performance\n"));
        ObjectiveComparison.AssertSame(DefinitionLoader.LoadText(yaml).Objectives, [.. a.Objectives, .. b.Objectives]);
    }
}
