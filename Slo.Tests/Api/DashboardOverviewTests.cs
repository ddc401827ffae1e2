using Slo.Api.Dashboard;
using Slo.Engine;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Windows;

namespace Slo.Tests.Api;

/// <summary>The overview's server-side sorting and label filter.</summary>
[TestFixture]
public class DashboardOverviewTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 1, 0, 0);

    [TestCase("team:payments", "team", "payments")]
    [TestCase("team=payments", "team", "payments")]
    [TestCase(" team : payments ", "team", "payments")]
    [TestCase("url:http://x", "url", "http://x")]
    [TestCase("team", "team", null)]
    public void LabelFilter_Parse_ReadsKeyAndValue(string text, string key, string? value) =>
        Assert.That(LabelFilter.Parse(text), Is.EqualTo(new LabelFilter(key, value)));

    [TestCase(null)]
    [TestCase("")]
    [TestCase("  ")]
    [TestCase(":payments")]
    public void LabelFilter_Parse_NothingToFilterOn_IsNull(string? text) => Assert.That(LabelFilter.Parse(text), Is.Null);

    [TestCase("budget", ServiceOrder.Budget)]
    [TestCase("BUDGET", ServiceOrder.Budget)]
    [TestCase("name", ServiceOrder.Name)]
    [TestCase("bogus", ServiceOrder.Name)]
    [TestCase(null, ServiceOrder.Name)]
    public void ParseOrder_Text_DefaultsToName(string? sort, ServiceOrder expected) =>
        Assert.That(ServiceOverview.ParseOrder(sort), Is.EqualTo(expected));

    [Test]
    public void Select_ByBudget_LeastRemainingFirstAndUnknownLast()
    {
        var services = new[] { Service("a", 0.9), Service("b", (double?)null), Service("c", -0.4, 0.8), Service("d", 0.1), Service("e", 0.1) };
        var names = ServiceOverview.Select(services, ServiceOrder.Budget, null).Select(s => s.Name);
        Assert.That(names, Is.EqualTo(new[] { "c", "d", "e", "a", "b" }));
    }

    [Test]
    public void Select_ByName_Ordinal()
    {
        var names = ServiceOverview.Select([Service("b", 0.1), Service("B", 0.2), Service("a", 0.3)], ServiceOrder.Name, null).Select(s => s.Name);
        Assert.That(names, Is.EqualTo(new[] { "B", "a", "b" }));
    }

    [Test]
    public void Select_LabelFilter_KeepsServicesAndObjectivesCarryingIt()
    {
        var payments = Service("pay", 0.5, labels: new Dictionary<string, string> { ["team"] = "payments" });
        var edge = Service("edge", 0.5, labels: new Dictionary<string, string> { ["team"] = "edge" });
        var plain = Service("plain", 0.5);
        var selected = ServiceOverview.Select([payments, edge, plain], ServiceOrder.Name, LabelFilter.Parse("team:payments"));
        Assert.Multiple(() =>
        {
            Assert.That(selected.Select(s => s.Name), Is.EqualTo(new[] { "pay" }));
            Assert.That(ServiceOverview.Select([payments, edge, plain], ServiceOrder.Name, LabelFilter.Parse("team")).Select(s => s.Name),
                Is.EqualTo(new[] { "edge", "pay" }), "a bare key keeps every value");
            Assert.That(ServiceOverview.Select([payments], ServiceOrder.Name, LabelFilter.Parse("team:Payments")), Is.Empty, "values compare ordinally");
        });
    }

    [Test]
    public void Link_SortAndFilter_EncodedInQuery()
    {
        var model = new OverviewModel([], 0, 0, null, At, ServiceOrder.Name, null);
        Assert.Multiple(() =>
        {
            Assert.That(model.Link(ServiceOrder.Name, null), Is.EqualTo("/"));
            Assert.That(model.Link(ServiceOrder.Budget, LabelFilter.Parse("team:pay&ments")), Is.EqualTo("/?sort=budget&label=team%3Apay%26ments"));
        });
    }

    private static ServiceSummary Service(string name, params double?[] remaining) => Service(name, remaining, null);

    private static ServiceSummary Service(string name, double? remaining, IReadOnlyDictionary<string, string>? labels) => Service(name, [remaining], labels);

    private static ServiceSummary Service(string name, double?[] remaining, IReadOnlyDictionary<string, string>? labels)
    {
        var objectives = remaining.Select((r, i) =>
        {
            var objective = new Objective(new ObjectiveId(name, "o" + i), Signal.Reliability, Target.FromPercent(99.9), new RollingWindow(Duration.FromDays(30)),
                new RatioIndicator(null, SeriesSelector.Parse("bad_total"), SeriesSelector.Parse("all_total")), labels: labels);
            var status = r is { } left
                ? new ObjectiveStatus(objective, ObjectiveState.Ok, At, new Interval(At - Duration.FromDays(30), At), null, null, null,
                    new ErrorBudget(0.001, 1 - left, left, left * 100), null, new Dictionary<Duration, double?>(), [])
                : null;
            return new ObjectiveSummary(objective, status);
        }).ToArray();
        return new ServiceSummary(new ServiceDefinition(name, objectives.Select(o => o.Objective).ToArray(), labels: labels), objectives, null);
    }
}
