using System.Globalization;

namespace Slo.Api.Dashboard;

/// <summary>A value at an instant; a null value breaks the line (an evaluation without numbers).</summary>
public readonly record struct ChartPoint(Instant At, double? Value);

/// <summary>A horizontal reference line (a target, 0% budget), drawn dashed and labelled.</summary>
public sealed record ChartReference(double Value, string Label);

/// <summary>A straight line from <paramref name="Start"/> at the chart's left edge to <paramref name="End"/> at its
/// right edge: the ideal burn of a budget, 100% at the window's start to 0% at its end.</summary>
public sealed record ChartGuide(double Start, double End, string Label);

internal static class ChartMath
{
    /// <summary>An SVG coordinate: invariant, two decimals at most.</summary>
    public static string Coordinate(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
}
