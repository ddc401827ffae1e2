namespace Slo.Engine.Gating;

/// <summary>What a failed check of a signal does to the release: <c>block</c> fails the gate, <c>warn</c> only reports.</summary>
public enum GateMode
{
    Block,
    Warn,
}

/// <summary>The gate rule of one signal.</summary>
/// <param name="MinBudgetRemaining">The budget fraction that must remain (0 = not overspent; 0.25 = a quarter left). At most 1.</param>
public sealed record SignalGateRule(double MinBudgetRemaining, GateMode Mode)
{
    public double MinBudgetRemaining { get; } = double.IsFinite(MinBudgetRemaining) && MinBudgetRemaining <= 1
        ? MinBudgetRemaining
        : throw new ArgumentOutOfRangeException(nameof(MinBudgetRemaining), MinBudgetRemaining, "The minimum remaining budget must be a fraction of at most 1.");
}

/// <summary>
/// A service's release-gate policy. By default an overspent reliability budget blocks, an overspent performance
/// budget warns, a firing page blocks (in the signal's own mode), and data older than ten minutes gives <c>unknown</c>.
/// </summary>
public sealed record GatePolicy(SignalGateRule Reliability, SignalGateRule Performance, bool BlockOnPage, Duration MaxDataAge)
{
    public Duration MaxDataAge { get; } = MaxDataAge > Duration.Zero
        ? MaxDataAge
        : throw new ArgumentOutOfRangeException(nameof(MaxDataAge), MaxDataAge, "The maximum data age must be positive.");

    public static SignalGateRule DefaultReliability { get; } = new(0, GateMode.Block);
    public static SignalGateRule DefaultPerformance { get; } = new(0, GateMode.Warn);
    public static Duration DefaultMaxDataAge { get; } = Duration.FromMinutes(10);

    public static GatePolicy Default { get; } = new(DefaultReliability, DefaultPerformance, true, DefaultMaxDataAge);

    public SignalGateRule RuleFor(Signal signal) => signal == Signal.Reliability ? Reliability : Performance;
}
