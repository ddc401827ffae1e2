using Slo.Engine.Budgets;
using Slo.Engine.Time;

namespace Slo.Engine.Definitions;

/// <summary>How the SLI is counted over the window.</summary>
public abstract record BudgetingMethod
{
    private protected BudgetingMethod()
    {
    }

    public static BudgetingMethod Occurrences { get; } = new OccurrencesBudgeting();
}

/// <summary>Every event counts: SLI = good events / events.</summary>
public sealed record OccurrencesBudgeting : BudgetingMethod
{
    internal OccurrencesBudgeting()
    {
    }

    public override string ToString() => "Occurrences";
}

/// <summary>
/// The window is cut into slices of <see cref="SliceLength"/> (aligned to the Unix epoch); each slice's events give one
/// figure, and the SLI and budget are computed from those figures instead of from the events themselves.
/// </summary>
public abstract record SlicedBudgeting : BudgetingMethod
{
    private protected SlicedBudgeting(Duration sliceLength)
    {
        if (sliceLength <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(sliceLength), sliceLength, "A slice must be longer than zero.");
        SliceLength = sliceLength;
    }

    public Duration SliceLength { get; }

    /// <summary>The slices of a window as the counts the budget math works on (<see cref="ErrorBudget.FromEvents"/>):
    /// total = slices with events, bad = how much of them counts as bad. Slices without events count neither way.</summary>
    public abstract EventCounts Combine(IEnumerable<EventCounts> slices);
}

/// <summary>A slice is good when its good ratio is at least <see cref="SliceTarget"/> (a fraction in (0, 1]);
/// SLI = good slices / slices.</summary>
public sealed record TimeslicesBudgeting : SlicedBudgeting
{
    public TimeslicesBudgeting(double sliceTarget, Duration sliceLength)
        : base(sliceLength)
    {
        if (!(sliceTarget > 0 && sliceTarget <= 1))
            throw new ArgumentOutOfRangeException(nameof(sliceTarget), sliceTarget, "A slice target must lie in (0, 1].");
        SliceTarget = sliceTarget;
    }

    public double SliceTarget { get; }

    public override EventCounts Combine(IEnumerable<EventCounts> slices) => TimesliceBudget.ClassifySlices(slices, SliceTarget);

    public override string ToString() => $"Timeslices({SliceTarget}, {DurationText.Format(SliceLength)})";
}

/// <summary>OpenSLO's <c>RatioTimeslices</c>: SLI = the mean of the slices' good ratios, so a quiet slice weighs as much
/// as a busy one. The slice counts it reports are fractional: bad = the sum of the slices' bad ratios.</summary>
public sealed record RatioTimeslicesBudgeting : SlicedBudgeting
{
    public RatioTimeslicesBudgeting(Duration sliceLength)
        : base(sliceLength)
    {
    }

    public override EventCounts Combine(IEnumerable<EventCounts> slices) => TimesliceBudget.AverageSlices(slices);

    public override string ToString() => $"RatioTimeslices({DurationText.Format(SliceLength)})";
}
