using Slo.Engine.Time;

namespace Slo.Engine.Windows;

/// <summary>A window of fixed length that always ends at the evaluation instant, e.g. the last 30 days.</summary>
public sealed class RollingWindow : SloWindow
{
    public RollingWindow(Duration length)
    {
        if (length <= Duration.Zero)
            throw new ArgumentOutOfRangeException(nameof(length), length, "A rolling window must be longer than zero.");
        Duration = length;
    }

    public Duration Duration { get; }

    public override string Kind => "rolling";

    public override string Length => DurationText.Format(Duration);

    public override Interval ElapsedAt(Instant at) => new(at - Duration, at);

    public override Interval PeriodAt(Instant at) => ElapsedAt(at);

    public override string ToString() => $"rolling {Length}";
}
