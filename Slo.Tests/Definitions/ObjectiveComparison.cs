using System.Globalization;
using Slo.Engine.Definitions;
using Slo.Engine.Windows;

namespace Slo.Tests.Definitions;

/// <summary>Objectives compared by everything that decides their figures and alerts, for round trips through the native format.</summary>
internal static class ObjectiveComparison
{
    public static void AssertSame(IEnumerable<Objective> actual, IEnumerable<Objective> expected) =>
        Assert.That(Describe(actual), Is.EqualTo(Describe(expected)));

    public static string[] Describe(IEnumerable<Objective> objectives) =>
        objectives.OrderBy(o => o.Id.ToString(), StringComparer.Ordinal).Select(Describe).ToArray();

    private static string Describe(Objective o) =>
        string.Join(" | ",
            o.Id.ToString(),
            o.Signal.ToString(),
            o.Target.Fraction.ToString("R", CultureInfo.InvariantCulture),
            Window(o.Window),
            o.Budgeting.ToString(),
            Indicator(o.Indicator),
            string.Join(",", o.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")),
            o.Description ?? "",
            o.Alerting.MinEvents.ToString("R", CultureInfo.InvariantCulture),
            string.Join(",", o.Alerting.Tiers.Select(t => $"{t.Key}:{t.BudgetConsumed.ToString("R", CultureInfo.InvariantCulture)}:{t.Enabled}")));

    /// <summary>A calendar window by the periods it cuts (two windows with different anchors may cut the same ones).</summary>
    private static string Window(SloWindow window) => window switch
    {
        RollingWindow r => $"rolling {r.Length}",
        CalendarWindow c => $"calendar {c.Length} {c.Zone.Id} " + string.Join(",",
            new[] { Instant.FromUtc(2026, 2, 17, 11, 0), Instant.FromUtc(2026, 11, 3, 23, 30) }.Select(c.PeriodAt)),
        _ => window.ToString()!,
    };

    private static string Indicator(Indicator indicator) => indicator switch
    {
        RatioIndicator r => $"ratio good={r.Good} bad={r.Bad} total={r.Total}",
        RawRatioIndicator q => $"raw good={q.GoodQuery} bad={q.BadQuery} total={q.TotalQuery}",
        LatencyIndicator l => $"latency {l.Histogram} {l.Selector} {l.Threshold}",
        _ => indicator.ToString(),
    };
}
