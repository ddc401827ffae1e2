using Microsoft.AspNetCore.Http.HttpResults;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Gate;
using Slo.Api.Hosting;
using Slo.Api.Storage;
using Slo.Engine.Alerting;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Windows;

namespace Slo.Api.Dashboard;

/// <summary>
/// The dashboard: an overview of every service, and a page per objective with its burn-down. Razor components rendered
/// on the server (static rendering: no script, no interactivity), encoded by the renderer.
/// </summary>
public static class DashboardPages
{
    /// <summary>Charts draw at most this many points; longer histories are thinned evenly.</summary>
    private const int MaxChartPoints = 600;

    /// <summary>The renderer behind <see cref="RazorComponentResult"/>; nothing interactive is added.</summary>
    public static IServiceCollection AddSloDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents();
        return services;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", ShowOverview).ExcludeFromDescription();
        app.MapGet("/objectives/{service}/{name}", ShowObjective).ExcludeFromDescription();
        return app;
    }

    public static RazorComponentResult<OverviewPage> ShowOverview(
        string? sort, string? label, DefinitionCatalog catalog, StatusBoard board, GateService gates, IClock clock)
    {
        var order = ServiceOverview.ParseOrder(sort);
        var filter = LabelFilter.Parse(label);
        var services = catalog.Current.Services.Select(s => new ServiceSummary(
            s,
            s.Objectives.Select(o => new ObjectiveSummary(o, board.Get(o.Id))).ToArray(),
            gates.Preview(s.Name)));
        var model = new OverviewModel(
            ServiceOverview.Select(services, order, filter),
            catalog.Current.Services.Count,
            catalog.Current.Objectives.Count,
            board.LastCycle,
            clock.Now(),
            order,
            filter);
        return new RazorComponentResult<OverviewPage>(new Dictionary<string, object?> { [nameof(OverviewPage.Model)] = model });
    }

    public static async Task<Results<RazorComponentResult<ObjectivePage>, RazorComponentResult<UnknownObjectivePage>>> ShowObjective(
        string service, string name, DefinitionCatalog catalog, StatusBoard board, EvaluationHistory history, IClock clock, CancellationToken cancellationToken)
    {
        var o = catalog.Current.Find(service, name);
        if (o is null)
        {
            return new RazorComponentResult<UnknownObjectivePage>(new Dictionary<string, object?>
            {
                [nameof(UnknownObjectivePage.Service)] = service,
                [nameof(UnknownObjectivePage.Name)] = name,
            })
            { StatusCode = StatusCodes.Status404NotFound };
        }

        var now = clock.Now();
        var s = board.Get(o.Id);
        var at = s?.EvaluatedAt ?? now;
        var window = o.Window.ElapsedAt(at);
        var rows = await history.ReadAsync(o.Id, window.Start, now, cancellationToken);

        // A spent budget ran out in the past: read when from the evaluations, the current one included.
        var runOut = s?.Budget is { Remaining: <= 0 }
            ? BudgetRunOut.Find(rows.Select(r => (r.EvaluatedAt, r.BudgetRemaining)).Append((s.EvaluatedAt, (double?)s.Budget.Remaining)))
            : null;

        var model = new ObjectivePageModel(
            o,
            s,
            window,
            o.Window.PeriodAt(at),
            (o.Window as CalendarWindow)?.Zone ?? DateTimeZone.Utc,
            Thin(rows, MaxChartPoints),
            rows.Count,
            runOut,
            (s?.Alerts ?? []).Select(t => new TierRow(t, board.FiringSince(o.Id, t.Tier.Key))).ToArray(),
            now);
        return new RazorComponentResult<ObjectivePage>(new Dictionary<string, object?> { [nameof(ObjectivePage.Model)] = model });
    }

    /// <summary>Keeps at most <paramref name="max"/> records spread evenly over the list, always the last one.</summary>
    private static IReadOnlyList<HistoryRecord> Thin(IReadOnlyList<HistoryRecord> rows, int max)
    {
        if (rows.Count <= max)
            return rows;
        var step = (double)rows.Count / max;
        var result = Enumerable.Range(0, max).Select(i => rows[(int)(i * step)]).ToList();
        result[^1] = rows[^1];
        return result;
    }
}

/// <summary>An alert tier on the objective page, with the instant it started firing when it fires.</summary>
public sealed record TierRow(TierEvaluation Evaluation, Instant? FiringSince);

/// <summary>Everything an objective's page shows.</summary>
/// <param name="Window">The elapsed window of the status: [start, evaluation instant).</param>
/// <param name="Period">The window's whole period (a calendar month to its end); the charts span it.</param>
/// <param name="History">The stored evaluations of the window, thinned for the charts.</param>
/// <param name="StoredEvaluations">How many evaluations the window holds before thinning.</param>
/// <param name="RunOut">When a spent budget ran out; null while budget remains.</param>
public sealed record ObjectivePageModel(
    Objective Objective,
    ObjectiveStatus? Status,
    Interval Window,
    Interval Period,
    DateTimeZone Zone,
    IReadOnlyList<HistoryRecord> History,
    int StoredEvaluations,
    BudgetRunOut? RunOut,
    IReadOnlyList<TierRow> Tiers,
    Instant Now);
