using Slo.Engine;
using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Windows;

namespace Slo.Tests.Engine;

/// <summary>Objectives and measurements for engine tests.</summary>
internal static class TestObjectives
{
    public static Objective Availability(string service = "checkout", double targetPercent = 99.9, SloWindow? window = null, BudgetingMethod? budgeting = null) =>
        new(new ObjectiveId(service, "availability"),
            Signal.Reliability,
            Target.FromPercent(targetPercent),
            window ?? new RollingWindow(Duration.FromDays(30)),
            new RatioIndicator(null, SeriesSelector.Parse("http_requests_total{code=~\"5..\"}"), SeriesSelector.Parse("http_requests_total")),
            budgeting);

    public static Objective Latency(string service = "checkout", double targetPercent = 99) =>
        new(new ObjectiveId(service, "latency"),
            Signal.Performance,
            Target.FromPercent(targetPercent),
            new RollingWindow(Duration.FromDays(30)),
            new LatencyIndicator("http_request_duration_seconds", new SeriesSelector(null, []), Duration.FromMilliseconds(300)));

    /// <summary>The same bad ratio in the window and in every burn window.</summary>
    public static Measurement Steady(double total, double badRatio) =>
        new(EventCounts.FromTotalAndBad(total, total * badRatio),
            AlertPolicy.Default.RequiredWindows().ToDictionary(w => w, _ => EventCounts.FromTotalAndBad(total, total * badRatio)));
}
