using Slo.Engine.Budgets;

namespace Slo.Engine.Alerting;

/// <summary>The burn-rate tiers of one objective and the minimum traffic below which none of them fires.</summary>
public sealed class AlertPolicy
{
    public AlertPolicy(IReadOnlyList<AlertTier> tiers, double minEvents)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        if (!double.IsFinite(minEvents) || minEvents < 0)
            throw new ArgumentOutOfRangeException(nameof(minEvents), minEvents, "The minimum event count must be 0 or more.");
        var duplicate = tiers.GroupBy(t => t.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"Tier {duplicate.Key} is listed twice.", nameof(tiers));
        Tiers = tiers;
        MinEvents = minEvents;
    }

    public static AlertPolicy Default { get; } = new(AlertTier.Defaults, 0);

    /// <summary>The default silence after which an objective that had events raises <c>SLONoData</c>.</summary>
    public static Duration DefaultNoDataAfter => Duration.FromMinutes(15);

    /// <summary><c>SLONoData</c> fires when an objective with events in its window has none for this long; null: off.</summary>
    public Duration? NoDataAfter { get; init; } = DefaultNoDataAfter;

    /// <summary><c>SLOBudgetExhaustion</c> fires when the forecast says the budget runs out within this; null (the
    /// default): off.</summary>
    public Duration? ExhaustionWithin { get; init; }

    public IReadOnlyList<AlertTier> Tiers { get; }

    /// <summary>No tier fires while its long window holds fewer events than this: a handful of requests
    /// with one failure is not a fire.</summary>
    public double MinEvents { get; }

    /// <summary>Every window whose burn rate the evaluation needs: the reported ones and those of enabled tiers.</summary>
    public IReadOnlyList<Duration> RequiredWindows() =>
        BurnWindows.Reported
            .Concat(Tiers.Where(t => t.Enabled).SelectMany(t => new[] { t.LongWindow, t.ShortWindow }))
            .Concat(NoDataAfter is { } silence ? [silence] : [])
            .Distinct()
            .Order()
            .ToArray();

    /// <summary>Decides for each tier whether it fires now.</summary>
    /// <param name="period">The objective's period, which scales the factors (30d gives 14.4 for the first tier).</param>
    /// <param name="target">The objective's target.</param>
    /// <param name="countsByWindow">Event counts per look-back window; a window missing here cannot fire.</param>
    public IReadOnlyList<TierEvaluation> Evaluate(Duration period, Target target, IReadOnlyDictionary<Duration, EventCounts> countsByWindow)
    {
        var result = new List<TierEvaluation>(Tiers.Count);
        foreach (var tier in Tiers)
        {
            var factor = tier.Factor(period);
            var longCounts = countsByWindow.GetValueOrDefault(tier.LongWindow);
            var shortCounts = countsByWindow.GetValueOrDefault(tier.ShortWindow);
            var longRate = BurnRate.Compute(target, longCounts);
            var shortRate = BurnRate.Compute(target, shortCounts);
            var enoughEvents = longCounts.Total >= MinEvents;
            var firing = tier.Enabled && enoughEvents && longRate > factor && shortRate > factor;
            result.Add(new TierEvaluation(tier, factor, longRate, shortRate, enoughEvents, firing));
        }

        return result;
    }
}

/// <summary>The verdict of one tier at one instant.</summary>
/// <param name="Factor">The burn-rate threshold for the objective's period.</param>
/// <param name="LongBurnRate">Null when the long window held no events.</param>
/// <param name="ShortBurnRate">Null when the short window held no events.</param>
/// <param name="EnoughEvents">Whether the long window met the minimum-events guard.</param>
public sealed record TierEvaluation(AlertTier Tier, double Factor, double? LongBurnRate, double? ShortBurnRate, bool EnoughEvents, bool Firing);
