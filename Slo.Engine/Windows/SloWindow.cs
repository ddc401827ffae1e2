namespace Slo.Engine.Windows;

/// <summary>
/// The stretch of time an objective is judged over. Intervals include their start and exclude their end.
/// </summary>
public abstract class SloWindow
{
    private protected SloWindow()
    {
    }

    /// <summary><c>rolling</c> or <c>calendar</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>A short description: <c>30d</c> for rolling, <c>month</c> or <c>2w</c>-style for calendar.</summary>
    public abstract string Length { get; }

    /// <summary>The part of the window that has elapsed at <paramref name="at"/>: the interval the SLI is computed over.</summary>
    public abstract Interval ElapsedAt(Instant at);

    /// <summary>The whole period <paramref name="at"/> belongs to. For a rolling window it ends at <paramref name="at"/>;
    /// for a calendar window it runs to the end of the current period.</summary>
    public abstract Interval PeriodAt(Instant at);
}
