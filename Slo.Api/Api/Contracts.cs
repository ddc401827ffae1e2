using Slo.Api.Evaluation;
using Slo.Engine;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Gating;
using Slo.Engine.Windows;

namespace Slo.Api.Api;

// The JSON shapes of the v1 HTTP contract (docs: ../shared/DESIGN.md). Ratios are fractions, instants ISO-8601 UTC.

public sealed record WindowDto(string Kind, string Length, Instant Start, Instant End, string? TimeZone);

public sealed record EventsDto(double Good, double Bad, double Total);

public sealed record ErrorBudgetDto(double Allowed, double Consumed, double Remaining, double RemainingEvents, Instant? ExhaustsAt);

public sealed record AlertDto(string Severity, string LongWindow, string ShortWindow, double Factor, bool Firing, Instant? Since, double? LongBurnRate, double? ShortBurnRate, bool Enabled);

public sealed record ObjectiveStatusDto(
    string Id,
    string Service,
    string Name,
    string Signal,
    double Target,
    WindowDto Window,
    string State,
    Instant? EvaluatedAt,
    long? DataAgeSeconds,
    double? Sli,
    EventsDto? Events,
    ErrorBudgetDto? ErrorBudget,
    IReadOnlyDictionary<string, double?> BurnRates,
    IReadOnlyList<AlertDto> Alerts,
    string BudgetingMethod,
    EventsDto? Timeslices,
    string? Message,
    CorrectionsStatusDto Corrections,
    IReadOnlyList<ConditionDto> Conditions);

/// <summary>Whether a correction covers the instant evaluated, and the events of the window corrections excluded.</summary>
public sealed record CorrectionsStatusDto(bool Active, EventsDto ExcludedEvents);

/// <summary>A correction as the API shows it; <c>source</c> is <c>definitions</c> or <c>api</c>.</summary>
public sealed record CorrectionDto(
    string Id,
    string Service,
    string? Name,
    IReadOnlyList<string> Objectives,
    string Start,
    string Duration,
    string TimeZone,
    string? Rrule,
    Instant FirstStart,
    string Reason,
    string? CreatedBy,
    Instant? CreatedAt,
    string Source);

/// <summary>The body of <c>POST /api/v1/services/{service}/corrections</c>: <c>start</c> is an instant (with Z or an
/// offset) or a local date-time in <c>timeZone</c>; the period ends at <c>end</c> or lasts <c>duration</c>.</summary>
public sealed record CorrectionRequest(string? Start, string? End, string? Duration, string? Rrule, string? TimeZone, IReadOnlyList<string>? Objectives, string? Reason, string? CreatedBy, string? Name);

public sealed record SignalSummaryDto(double? BudgetRemaining, IReadOnlyList<ObjectiveStatusDto> Objectives);

public sealed record ServiceSummaryDto(string Service, SignalSummaryDto Reliability, SignalSummaryDto Performance);

public sealed record HistoryPointDto(Instant At, double? Sli, double? BudgetRemaining, string State);

/// <param name="Alert">SLOBurnRate, or SLONoData / SLOBudgetExhaustion (which have no windows, factor or burn rates).</param>
public sealed record FiringAlertDto(string Objective, string Service, string Signal, string Severity, string? LongWindow, string? ShortWindow, double? Factor, double? LongBurnRate, double? ShortBurnRate, Instant? Since, string Alert = "SLOBurnRate");

/// <summary>An alert beside the burn-rate tiers, as each objective status shows it.</summary>
public sealed record ConditionDto(string Alert, string Severity, bool Firing, Instant? Since, string Detail, Instant? ExhaustsAt);

/// <param name="Stale">True when the check judged the last numbers known before the objective's data went stale.</param>
public sealed record GateCheckDto(string Objective, string Signal, string Rule, double Threshold, double? Actual, string Outcome, string Message, bool Stale = false);

public sealed record GateOverrideDto(string Id, string Service, string Reason, string CreatedBy, Instant CreatedAt, Instant ExpiresAt);

public sealed record GateDecisionDto(string Service, string Decision, Instant EvaluatedAt, IReadOnlyList<GateCheckDto> Checks, GateOverrideDto? Override, bool Overridden);

/// <summary>The body of <c>POST /api/v1/services/{service}/gate/overrides</c>.</summary>
public sealed record GateOverrideRequest(string? Reason, Instant? ExpiresAt, string? CreatedBy);

public static class Contracts
{
    public static ObjectiveStatusDto ToDto(this ObjectiveStatus status, Instant now, StatusBoard? board = null)
    {
        var o = status.Objective;
        var evaluated = status.State != ObjectiveState.Error || status.Budget is not null;
        return new ObjectiveStatusDto(
            o.Id.ToString(),
            o.Service,
            o.Name,
            o.Signal.ToName(),
            o.Target.Fraction,
            new WindowDto(o.Window.Kind, o.Window.Length, status.Window.Start, status.Window.End, (o.Window as CalendarWindow)?.Zone.Id),
            status.State.ToName(),
            status.EvaluatedAt,
            (long)Math.Floor((now - status.EvaluatedAt).TotalSeconds),
            status.Sli,
            status.Events is { } e && evaluated ? new EventsDto(e.Good, e.Bad, e.Total) : null,
            status.Budget is { } b ? new ErrorBudgetDto(b.Allowed, b.Consumed, b.Remaining, b.RemainingEvents, status.ExhaustsAt) : null,
            status.BurnRates.ToDictionary(kv => BurnWindows.Label(kv.Key), kv => kv.Value),
            status.Alerts.Select(a => new AlertDto(
                a.Tier.Severity.ToName(),
                BurnWindows.Label(a.Tier.LongWindow),
                BurnWindows.Label(a.Tier.ShortWindow),
                a.Factor,
                a.Firing,
                a.Firing ? board?.FiringSince(o.Id, a.Tier.Key) ?? status.EvaluatedAt : null,
                a.LongBurnRate,
                a.ShortBurnRate,
                a.Tier.Enabled)).ToArray(),
            o.Budgeting switch { TimeslicesBudgeting => "timeslices", RatioTimeslicesBudgeting => "ratio_timeslices", _ => "occurrences" },
            status.Slices is { } s ? new EventsDto(s.Good, s.Bad, s.Total) : null,
            status.Message,
            new CorrectionsStatusDto(status.CorrectionActive, new EventsDto(status.Excluded.Good, status.Excluded.Bad, status.Excluded.Total)),
            status.Conditions.Select(c => new ConditionDto(c.Name, c.Severity.ToName(), c.Firing, c.Firing ? board?.FiringSince(o.Id, c.Key) ?? status.EvaluatedAt : null,
                c.Detail, c.ExhaustsAt)).ToArray());
    }

    public static CorrectionDto ToDto(this Engine.Corrections.Correction c) => new(
        c.Id,
        c.Service,
        c.Name,
        c.Objectives,
        NodaTime.Text.LocalDateTimePattern.GeneralIso.Format(c.Start),
        Engine.Time.DurationText.Format(c.Length.ToDuration()),
        c.Zone.Id,
        c.Recurrence,
        c.FirstStart,
        c.Reason,
        c.CreatedBy,
        c.CreatedAt,
        c.DefinedAt is null ? "api" : "definitions");

    public static GateDecisionDto ToDto(this GateDecision decision, string? overrideId) =>
        new(decision.Service,
            decision.Decision.ToName(),
            decision.EvaluatedAt,
            decision.Checks.Select(c => new GateCheckDto(c.Objective.ToString(), c.Signal.ToName(), c.Rule, c.Threshold, c.Actual, c.Outcome.ToName(), c.Message, c.Stale)).ToArray(),
            decision.Override is { } o ? o.ToDto(overrideId ?? "") : null,
            decision.Overridden);

    public static GateOverrideDto ToDto(this GateOverride o, string id) => new(id, o.Service, o.Reason, o.CreatedBy, o.CreatedAt, o.ExpiresAt);

    /// <summary>The worst (lowest) remaining budget among objectives with numbers; null when none has any.</summary>
    public static double? WorstRemaining(IEnumerable<ObjectiveStatusDto> objectives) =>
        objectives.Select(o => o.ErrorBudget?.Remaining).Where(r => r is not null).Min();

    public static bool IsSignal(this ObjectiveStatusDto dto, Signal signal) => dto.Signal == signal.ToName();
}
