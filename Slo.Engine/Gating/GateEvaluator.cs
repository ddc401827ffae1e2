using System.Globalization;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Engine.Gating;

/// <summary>
/// Applies a service's gate policy to its latest statuses. Each signal is judged in its own mode: a reliability
/// failure blocks by default, a performance failure only warns. Data that is missing, stale, empty or too old makes
/// the check unknown (fail closed) in block mode; data gone stale also keeps its last known checks, marked stale. Any
/// failed block check fails the gate; otherwise any unknown one makes it unknown; otherwise any warning makes it warn.
/// </summary>
public static class GateEvaluator
{
    public const string MinBudgetRemainingRule = "minBudgetRemaining";
    public const string NoFiringPageRule = "noFiringPage";
    public const string FreshDataRule = "freshData";

    /// <param name="statuses">The latest status per objective; an objective without one is judged unknown.</param>
    /// <param name="now">The instant of the decision; data age is measured against it.</param>
    /// <param name="activeOverride">An override; it counts only when active at <paramref name="now"/>.</param>
    public static GateDecision Decide(ServiceDefinition service, IReadOnlyCollection<ObjectiveStatus> statuses, Instant now, GateOverride? activeOverride = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(statuses);
        var policy = service.Gate;
        var byId = statuses.ToDictionary(s => s.Id);
        var checks = new List<GateCheck>();
        foreach (var objective in service.Objectives)
        {
            var rule = policy.RuleFor(objective.Signal);
            var status = byId.GetValueOrDefault(objective.Id);
            var fresh = FreshnessCheck(objective, status, policy, rule, now);
            checks.Add(fresh);
            if (fresh.Outcome == GateOutcome.Pass)
            {
                checks.Add(BudgetCheck(objective, status!, rule));
                if (policy.BlockOnPage)
                    checks.Add(PageCheck(objective, status!, rule));
            }
            else if (status is { State: ObjectiveState.Stale, Budget: not null })
            {
                // An outage does not erase what was known: the last numbers are judged again and marked stale, so a gate
                // that failed on an overspent budget keeps failing, and saying why, while Prometheus is away.
                var since = $"last known, {Seconds((now - status.EvaluatedAt).TotalSeconds)} ago: ";
                checks.Add(Stale(BudgetCheck(objective, status, rule), since));
                if (policy.BlockOnPage)
                    checks.Add(Stale(PageCheck(objective, status, rule), since));
            }
        }

        var decision = checks.Count == 0 ? GateOutcome.Unknown : checks.Max(c => c.Outcome);
        var active = activeOverride is not null && activeOverride.IsActiveAt(now) && activeOverride.Service == service.Name ? activeOverride : null;
        var overridden = decision == GateOutcome.Fail && active is not null;
        return new GateDecision(service.Name, overridden ? GateOutcome.Pass : decision, now, checks, active, overridden);
    }

    private static GateCheck Stale(GateCheck check, string since) => check with { Message = since + check.Message, Stale = true };

    private static GateOutcome Failing(SignalGateRule rule) => rule.Mode == GateMode.Block ? GateOutcome.Fail : GateOutcome.Warn;

    private static GateOutcome Unknown(SignalGateRule rule) => rule.Mode == GateMode.Block ? GateOutcome.Unknown : GateOutcome.Warn;

    private static GateCheck FreshnessCheck(Objective objective, ObjectiveStatus? status, GatePolicy policy, SignalGateRule rule, Instant now)
    {
        var limit = policy.MaxDataAge.TotalSeconds;
        if (status is null)
            return new GateCheck(objective.Id, objective.Signal, FreshDataRule, limit, null, Unknown(rule), $"{objective.Id} has not been evaluated yet.");

        var age = (now - status.EvaluatedAt).TotalSeconds;
        var why = status.State switch
        {
            ObjectiveState.NoData => $"{objective.Id} has no events in its window, so its budget is unknown.",
            ObjectiveState.Stale => $"{objective.Id} is stale: {status.Message}",
            ObjectiveState.Error => $"{objective.Id} could not be evaluated: {status.Message}",
            _ when age > limit => $"{objective.Id} was last evaluated {Seconds(age)} ago, longer than the allowed {Seconds(limit)}.",
            _ => null,
        };
        return why is null
            ? new GateCheck(objective.Id, objective.Signal, FreshDataRule, limit, age, GateOutcome.Pass, $"{objective.Id} was evaluated {Seconds(age)} ago.")
            : new GateCheck(objective.Id, objective.Signal, FreshDataRule, limit, age, Unknown(rule), why);
    }

    private static GateCheck BudgetCheck(Objective objective, ObjectiveStatus status, SignalGateRule rule)
    {
        var remaining = status.Budget!.Remaining;
        var signal = objective.Signal.ToName();
        var ok = remaining >= rule.MinBudgetRemaining;
        var message = ok
            ? $"{objective.Id}: {Percent(remaining)} of the {signal} error budget remains (minimum {Percent(rule.MinBudgetRemaining)})."
            : $"{objective.Id}: {Percent(remaining)} of the {signal} error budget remains, below the minimum of {Percent(rule.MinBudgetRemaining)}.";
        return new GateCheck(objective.Id, objective.Signal, MinBudgetRemainingRule, rule.MinBudgetRemaining, remaining, ok ? GateOutcome.Pass : Failing(rule), message);
    }

    private static GateCheck PageCheck(Objective objective, ObjectiveStatus status, SignalGateRule rule)
    {
        var pages = status.FiringAlerts.Where(a => a.Tier.Severity == Severity.Page).ToArray();
        if (pages.Length == 0)
            return new GateCheck(objective.Id, objective.Signal, NoFiringPageRule, 0, 0, GateOutcome.Pass, $"{objective.Id}: no page-level burn alert is firing.");

        var which = string.Join("; ", pages.Select(p =>
            $"{BurnWindows.Label(p.Tier.LongWindow)}/{BurnWindows.Label(p.Tier.ShortWindow)} burning at {Rate(p.LongBurnRate)}/{Rate(p.ShortBurnRate)}x, above {Rate(p.Factor)}x"));
        return new GateCheck(objective.Id, objective.Signal, NoFiringPageRule, 0, pages.Length, Failing(rule), $"{objective.Id}: page-level burn alert firing ({which}).");
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private static string Rate(double? rate) => rate?.ToString("0.##", CultureInfo.InvariantCulture) ?? "n/a";

    private static string Seconds(double seconds) => Duration.FromSeconds(Math.Round(seconds)).ToString("-H:mm:ss", CultureInfo.InvariantCulture);
}
