using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>The native <c>budgeting</c> key, which OpenSLO's budgeting methods convert into.</summary>
[TestFixture]
public class NativeBudgetingTests
{
    private static string Document(string budgeting) => $$"""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: checkout
        objectives:
          - name: availability
            target: 99.5
            window: 30d
            budgeting: {{budgeting}}
            indicator: { ratio: { bad: 'e_total', total: 'r_total' } }
        """;

    private static DefinitionSet Load(string budgeting) => DefinitionLoader.LoadText(Document(budgeting), "b.yaml");

    [TestCase("occurrences")]
    [TestCase("{ timeslices: { slice: 5m, sliceTarget: 99.9 } }")]
    [TestCase("{ ratioTimeslices: { slice: 1h } }")]
    public void Load_Budgeting_IsRead(string budgeting)
    {
        var expected = budgeting switch
        {
            "occurrences" => BudgetingMethod.Occurrences,
            _ when budgeting.Contains("ratio", StringComparison.Ordinal) => new RatioTimeslicesBudgeting(Duration.FromHours(1)),
            _ => (BudgetingMethod)new TimeslicesBudgeting(0.999, Duration.FromMinutes(5)),
        };
        var set = Load(budgeting);
        Assert.That(set.Diagnostics, Is.Empty);
        Assert.That(set.Objectives.Single().Budgeting, Is.EqualTo(expected));
    }

    [TestCase("sometimes", "8:16: objectives[0].budgeting: unknown budgeting 'sometimes'")]
    [TestCase("{ timeslices: { slice: 30s, sliceTarget: 99 } }", "8:39: objectives[0].budgeting.timeslices.slice: a slice is a whole number of minutes")]
    [TestCase("{ timeslices: { slice: 1m, sliceTarget: 0 } }", "8:56: objectives[0].budgeting.timeslices.sliceTarget: 0 is out of range: a slice target is a percentage in (0, 100]")]
    [TestCase("{ timeslices: { slice: 1m } }", "8:30: objectives[0].budgeting.timeslices.sliceTarget: is required")]
    [TestCase("{ timeslices: { slice: 1m, sliceTarget: 99 }, ratioTimeslices: { slice: 1m } }", "8:16: objectives[0].budgeting: must hold exactly one of timeslices or ratioTimeslices")]
    [TestCase("{ ratioTimeslices: { slice: 1m, sliceTarget: 99 } }", "8:48: objectives[0].budgeting.ratioTimeslices.sliceTarget: unknown key; expected one of: slice")]
    public void Load_WrongBudgeting_IsALocatedError(string budgeting, string error) =>
        Assert.That(Load(budgeting).Errors.Single().ToString(), Does.StartWith($"b.yaml:{error}"));
}
