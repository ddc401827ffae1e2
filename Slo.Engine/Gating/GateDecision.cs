using Slo.Engine.Definitions;

namespace Slo.Engine.Gating;

/// <summary>The verdict of a check or of the whole gate. Ordered from best to worst for a release.</summary>
public enum GateOutcome
{
    Pass,
    Warn,
    Unknown,
    Fail,
}

public static class GateOutcomeNames
{
    public static string ToName(this GateOutcome outcome) => outcome switch
    {
        GateOutcome.Pass => "pass",
        GateOutcome.Warn => "warn",
        GateOutcome.Unknown => "unknown",
        GateOutcome.Fail => "fail",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}

/// <summary>One rule applied to one objective.</summary>
/// <param name="Rule"><c>minBudgetRemaining</c>, <c>noFiringPage</c> or <c>freshData</c>.</param>
/// <param name="Threshold">The rule's limit (a fraction, a count, or seconds for freshness).</param>
/// <param name="Actual">The observed value in the same unit; null when unknown.</param>
/// <param name="Message">A sentence for people.</param>
/// <param name="Stale">Judged on the last numbers known before the objective's data went stale.</param>
public sealed record GateCheck(ObjectiveId Objective, Signal Signal, string Rule, double Threshold, double? Actual, GateOutcome Outcome, string Message, bool Stale = false);

/// <summary>A person's decision to let a release through despite a failing gate, until <see cref="ExpiresAt"/>.</summary>
public sealed record GateOverride(string Service, string Reason, string CreatedBy, Instant CreatedAt, Instant ExpiresAt)
{
    public bool IsActiveAt(Instant at) => CreatedAt <= at && at < ExpiresAt;
}

/// <summary>The gate's answer for a service.</summary>
/// <param name="Override">The active override, if any; when it turned a fail into a pass, <see cref="Overridden"/> is true.</param>
public sealed record GateDecision(string Service, GateOutcome Decision, Instant EvaluatedAt, IReadOnlyList<GateCheck> Checks, GateOverride? Override, bool Overridden);
