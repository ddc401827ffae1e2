using Slo.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Ledger;
using Slo.Api.Storage;
using Slo.Engine;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Api.Api;

/// <summary>Objective status, backtesting, history, per-service summaries and firing alerts.</summary>
public static class ObjectivesApi
{
    public static RouteGroupBuilder MapObjectivesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("objectives");
        api.MapGet("/objectives", ListObjectives).WithName("ListObjectives").WithSummary("Latest status of every objective");
        api.MapGet("/objectives/{service}/{name}", GetObjective).WithName("GetObjective")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Latest status of one objective, or a fresh evaluation as of ?at=INSTANT (backtesting)");
        api.MapGet("/objectives/{service}/{name}/history", GetHistory).WithName("GetObjectiveHistory")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Stored evaluations between ?from= and ?to= (default: the objective's window up to now)");
        api.MapGet("/services/{service}", GetService).WithName("GetService").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A service's objectives, reliability and performance apart, each with its worst remaining budget");
        api.MapGet("/alerts", ListAlerts).WithName("ListAlerts").WithSummary("Burn-rate alerts firing now");
        return api;
    }

    public static Ok<ObjectiveStatusDto[]> ListObjectives(DefinitionCatalog catalog, StatusBoard board, IClock clock)
    {
        var now = clock.Now();
        return TypedResults.Ok(catalog.Current.Objectives.Select(o => Status(o, board, now)).ToArray());
    }

    public static async Task<Results<Ok<ObjectiveStatusDto>, ProblemHttpResult>> GetObjective(
        string service, string name, string? at, DefinitionCatalog catalog, StatusBoard board, LedgerBook ledgers, IClock clock, CancellationToken cancellationToken)
    {
        var objective = catalog.Current.Find(service, name);
        if (objective is null)
            return Problems.UnknownObjective(service, name);
        var now = clock.Now();
        if (at is null)
            return TypedResults.Ok(Status(objective, board, now));

        if (!InstantQuery.TryParse(at, out var instant))
            return Problems.BadRequest(InstantQuery.Describe("at"));
        if (instant > now)
            return Problems.BadRequest($"'at' ({at}) lies in the future; backtesting looks at the past");
        try
        {
            // A sum over the ledger: backtesting costs Prometheus nothing once the ledger reaches back far enough.
            var status = ObjectiveEvaluator.Evaluate(objective, instant, await ledgers.MeasureAtAsync(objective, instant, now, cancellationToken));
            return TypedResults.Ok(status.ToDto(now));
        }
        catch (LedgerGapException e)
        {
            return Problems.BadRequest($"'at' ({at}) cannot be evaluated: {e.Message}; backtesting reaches from the start of the counts the service keeps (one period before the current window) to the end of its newest bucket");
        }
    }

    public static async Task<Results<Ok<HistoryPointDto[]>, ProblemHttpResult>> GetHistory(
        string service, string name, string? from, string? to, DefinitionCatalog catalog, EvaluationHistory history, IClock clock, CancellationToken cancellationToken)
    {
        var objective = catalog.Current.Find(service, name);
        if (objective is null)
            return Problems.UnknownObjective(service, name);

        var now = clock.Now();
        var end = now;
        if (to is not null && !InstantQuery.TryParse(to, out end))
            return Problems.BadRequest(InstantQuery.Describe("to"));
        var start = objective.Window.PeriodAt(end).Start;
        if (from is not null && !InstantQuery.TryParse(from, out start))
            return Problems.BadRequest(InstantQuery.Describe("from"));
        if (start > end)
            return Problems.BadRequest($"'from' ({start}) lies after 'to' ({end})");

        var rows = await history.ReadAsync(objective.Id, start, end, cancellationToken);
        return TypedResults.Ok(rows.Select(r => new HistoryPointDto(r.EvaluatedAt, r.Sli, r.BudgetRemaining, r.State)).ToArray());
    }

    public static Results<Ok<ServiceSummaryDto>, ProblemHttpResult> GetService(string service, DefinitionCatalog catalog, StatusBoard board, IClock clock)
    {
        var definition = catalog.Current.FindService(service);
        if (definition is null)
            return Problems.UnknownService(service);
        var now = clock.Now();
        var statuses = definition.Objectives.Select(o => Status(o, board, now)).ToArray();
        SignalSummaryDto Summary(Signal signal)
        {
            var objectives = statuses.Where(s => s.IsSignal(signal)).ToArray();
            return new SignalSummaryDto(Contracts.WorstRemaining(objectives), objectives);
        }

        return TypedResults.Ok(new ServiceSummaryDto(service, Summary(Signal.Reliability), Summary(Signal.Performance)));
    }

    public static Ok<FiringAlertDto[]> ListAlerts(StatusBoard board)
    {
        var alerts = board.All
            .SelectMany(s => s.FiringAlerts.Select(a => new FiringAlertDto(
                s.Id.ToString(),
                s.Objective.Service,
                s.Signal.ToName(),
                Engine.Alerting.SeverityNames.ToName(a.Tier.Severity),
                Engine.Alerting.BurnWindows.Label(a.Tier.LongWindow),
                Engine.Alerting.BurnWindows.Label(a.Tier.ShortWindow),
                a.Factor,
                a.LongBurnRate,
                a.ShortBurnRate,
                board.FiringSince(s.Id, a.Tier.Key)))
                .Concat(s.Conditions.Where(c => c.Firing).Select(c => new FiringAlertDto(
                    s.Id.ToString(), s.Objective.Service, s.Signal.ToName(), Engine.Alerting.SeverityNames.ToName(c.Severity),
                    null, null, null, null, null, board.FiringSince(s.Id, c.Key), c.Name))))
            .OrderBy(a => a.Severity, StringComparer.Ordinal)
            .ThenBy(a => a.Objective, StringComparer.Ordinal)
            .ToArray();
        return TypedResults.Ok(alerts);
    }

    /// <summary>The latest status, or for an objective not evaluated yet a stale placeholder without numbers.</summary>
    internal static ObjectiveStatusDto Status(Objective objective, StatusBoard board, Instant now)
    {
        if (board.Get(objective.Id) is { } status)
            return status.ToDto(now, board);
        var pending = ObjectiveStatus.Failed(objective, now, "not evaluated yet").ToDto(now) with
        {
            State = ObjectiveState.Stale.ToName(),
            EvaluatedAt = null,
            DataAgeSeconds = null,
        };
        return pending;
    }
}

/// <summary>RFC 7807 problem details used by the endpoints, served as application/problem+json.</summary>
public static class Problems
{
    public static ProblemHttpResult UnknownObjective(string service, string name) => TypedResults.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Unknown objective",
        Detail = $"No objective '{service}/{name}' is defined.",
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    });

    public static ProblemHttpResult UnknownService(string service) => TypedResults.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Unknown service",
        Detail = $"No service '{service}' is defined.",
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.5",
    });

    public static ProblemHttpResult BadRequest(string detail) => TypedResults.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "Bad request",
        Detail = detail,
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
    });
}
