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

/// <summary>The window is cut into slices of <see cref="SliceLength"/>; a slice is good when its good ratio is at
/// least <see cref="SliceTarget"/> (a fraction in (0, 1]); SLI = good slices / slices.</summary>
public sealed record TimeslicesBudgeting : BudgetingMethod
{
    public TimeslicesBudgeting(double sliceTarget, Duration sliceLength)
    {
        if (!(sliceTarget > 0 && sliceTarget <= 1))
            throw new ArgumentOutOfRangeException(nameof(sliceTarget), sliceTarget, "A slice target must lie in (0, 1].");
        if (sliceLength <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(sliceLength), sliceLength, "A slice must be longer than zero.");
        SliceTarget = sliceTarget;
        SliceLength = sliceLength;
    }

    public double SliceTarget { get; }
    public Duration SliceLength { get; }

    public override string ToString() => $"Timeslices({SliceTarget}, {DurationText.Format(SliceLength)})";
}
