using System.Text.Json;
using System.Text.Json.Serialization;
using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Api.Cluster;

/// <summary>
/// An objective's status as one replica writes it for the others: the numbers only, as plain values that round-trip
/// exactly (doubles as JSON numbers keep every bit). The objective itself is not stored: the reader joins the numbers to
/// its own definition, so tiers are found again by key.
/// </summary>
public sealed record SharedStatus
{
    public required string State { get; init; }
    public required long At { get; init; }
    public required long WindowStart { get; init; }
    public required long WindowEnd { get; init; }
    public double[]? Events { get; init; }
    public double[]? Slices { get; init; }
    public double? Sli { get; init; }
    public double[]? Budget { get; init; }
    public long? ExhaustsAt { get; init; }
    public required Dictionary<long, double?> BurnRates { get; init; }
    public required SharedTier[] Alerts { get; init; }
    public string? Message { get; init; }
    public double[]? Excluded { get; init; }
    public bool CorrectionActive { get; init; }
    public SharedCondition[]? Conditions { get; init; }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Write(ObjectiveStatus status) => JsonSerializer.Serialize(From(status), Json);

    /// <summary>The status of <paramref name="objective"/> that <paramref name="body"/> holds.</summary>
    public static ObjectiveStatus Read(Objective objective, string body) =>
        (JsonSerializer.Deserialize<SharedStatus>(body, Json) ?? throw new JsonException("empty status")).To(objective);

    public static SharedStatus From(ObjectiveStatus s) => new()
    {
        State = s.State.ToName(),
        At = s.EvaluatedAt.ToUnixTimeMilliseconds(),
        WindowStart = s.Window.Start.ToUnixTimeMilliseconds(),
        WindowEnd = s.Window.End.ToUnixTimeMilliseconds(),
        Events = Counts(s.Events),
        Slices = Counts(s.Slices),
        Sli = s.Sli,
        Budget = s.Budget is { } b ? [b.Allowed, b.Consumed, b.Remaining, b.RemainingEvents] : null,
        ExhaustsAt = s.ExhaustsAt?.ToUnixTimeMilliseconds(),
        BurnRates = s.BurnRates.ToDictionary(kv => (long)kv.Key.TotalMilliseconds, kv => kv.Value),
        Alerts = s.Alerts.Select(a => new SharedTier(a.Tier.Key, a.Factor, a.LongBurnRate, a.ShortBurnRate, a.EnoughEvents, a.Firing)).ToArray(),
        Message = s.Message,
        Excluded = s.Excluded.IsEmpty ? null : Counts(s.Excluded),
        CorrectionActive = s.CorrectionActive,
        Conditions = s.Conditions.Count == 0 ? null : s.Conditions.Select(c => new SharedCondition(c.Key, c.Name, c.Severity.ToName(), c.Firing, c.Detail, c.ExhaustsAt?.ToUnixTimeMilliseconds())).ToArray(),
    };

    public ObjectiveStatus To(Objective objective)
    {
        if (!ObjectiveStateNames.TryParse(State, out var state))
            throw new JsonException($"unknown state '{State}'");
        var tiers = objective.Alerting.Tiers.ToDictionary(t => t.Key);
        return new ObjectiveStatus(
            objective,
            state,
            Instant.FromUnixTimeMilliseconds(At),
            new Interval(Instant.FromUnixTimeMilliseconds(WindowStart), Instant.FromUnixTimeMilliseconds(WindowEnd)),
            Counts(Events),
            Counts(Slices),
            Sli,
            Budget is [var allowed, var consumed, var remaining, var remainingEvents] ? new ErrorBudget(allowed, consumed, remaining, remainingEvents) : null,
            ExhaustsAt is { } e ? Instant.FromUnixTimeMilliseconds(e) : null,
            BurnRates.ToDictionary(kv => Duration.FromMilliseconds(kv.Key), kv => kv.Value),
            Alerts.Where(a => tiers.ContainsKey(a.Key)).Select(a => new TierEvaluation(tiers[a.Key], a.Factor, a.Long, a.Short, a.EnoughEvents, a.Firing)).ToArray(),
            Message)
        {
            Excluded = Counts(Excluded) ?? EventCounts.Empty,
            CorrectionActive = CorrectionActive,
            Conditions = (Conditions ?? []).Select(c => new ConditionEvaluation(
                c.Key, c.Name, SeverityNames.TryParse(c.Severity, out var severity) ? severity : Severity.Ticket, c.Firing, c.Detail,
                c.ExhaustsAt is { } x ? Instant.FromUnixTimeMilliseconds(x) : null)).ToArray(),
        };
    }

    private static double[]? Counts(EventCounts? counts) => counts is { } c ? [c.Good, c.Bad] : null;

    private static EventCounts? Counts(double[]? values) => values is [var good, var bad] ? EventCounts.FromGoodAndBad(good, bad) : null;
}

public sealed record SharedTier(string Key, double Factor, double? Long, double? Short, bool EnoughEvents, bool Firing);

public sealed record SharedCondition(string Key, string Name, string Severity, bool Firing, string Detail, long? ExhaustsAt);
