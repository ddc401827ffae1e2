using System.Globalization;
using System.Text;
using NodaTime.Text;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Gate;
using Slo.Api.Hosting;
using Slo.Api.Storage;
using Slo.Engine;
using Slo.Engine.Alerting;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;
using Slo.Engine.Windows;
using static Slo.Api.Dashboard.Html;

namespace Slo.Api.Dashboard;

/// <summary>The dashboard: an overview of every service, and a page per objective with its burn-down.</summary>
public static class DashboardPages
{
    /// <summary>Charts draw at most this many points; longer histories are thinned evenly.</summary>
    private const int MaxChartPoints = 600;

    private static readonly ZonedDateTimePattern ZonedPattern = ZonedDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm", null);

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", Overview).ExcludeFromDescription();
        app.MapGet("/objectives/{service}/{name}", ObjectivePage).ExcludeFromDescription();
        return app;
    }

    public static IResult Overview(DefinitionCatalog catalog, StatusBoard board, GateService gates, IClock clock)
    {
        var now = clock.Now();
        var sb = new StringBuilder();
        var cycle = board.LastCycle;
        sb.Append("<h1>Error budgets</h1><p class=\"muted\">");
        sb.Append(CultureInfo.InvariantCulture, $"{catalog.Current.Services.Count} services, {catalog.Current.Objectives.Count} objectives. ");
        sb.Append(cycle is null ? "The first evaluation is running." : $"Last evaluation {Age((now - cycle.At).TotalSeconds)} ago, took {Number(cycle.Took.TotalSeconds, "0.0")} s.");
        sb.Append("</p>");
        foreach (var service in catalog.Current.Services.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var statuses = service.Objectives.Select(o => (Objective: o, Status: board.Get(o.Id))).ToArray();
            var gate = gates.Preview(service.Name);
            var stale = statuses.Any(s => s.Status is null || s.Status.State is ObjectiveState.Stale or ObjectiveState.Error);
            sb.Append("<section class=\"service\"><div class=\"service-head\">");
            sb.Append(CultureInfo.InvariantCulture, $"<h2><a href=\"/api/v1/services/{Uri.EscapeDataString(service.Name)}\">{E(service.Name)}</a></h2>");
            if (gate is not null)
                sb.Append(CultureInfo.InvariantCulture, $"<a class=\"badge {E(gate.Decision)}\" href=\"/api/v1/services/{Uri.EscapeDataString(service.Name)}/gate\">gate: {E(gate.Decision)}</a>");
            if (stale)
                sb.Append("<span class=\"badge stale\">stale</span>");
            foreach (var (k, v) in service.Labels)
                sb.Append(CultureInfo.InvariantCulture, $"<span class=\"muted\">{E(k)}={E(v)}</span>");
            sb.Append("</div><div class=\"signals\">");
            foreach (var signal in new[] { Signal.Reliability, Signal.Performance })
            {
                var rows = statuses.Where(s => s.Objective.Signal == signal).ToArray();
                sb.Append(CultureInfo.InvariantCulture, $"<div class=\"signal {signal.ToName()}\"><h3>{(signal == Signal.Reliability ? "Reliability" : "Performance")}</h3>");
                if (rows.Length == 0)
                {
                    sb.Append("<p class=\"empty\">no objectives</p></div>");
                    continue;
                }

                sb.Append("<div class=\"wrap\"><table><thead><tr><th>objective</th><th>SLI</th><th class=\"opt\">target</th><th>budget left</th><th>fastest burn</th><th>alerts</th><th class=\"opt\">age</th></tr></thead><tbody>");
                foreach (var (objective, status) in rows)
                    Row(sb, objective, status, now);
                sb.Append("</tbody></table></div></div>");
            }

            sb.Append("</div></section>");
        }

        return Results.Content(Page("SLO service", sb.ToString()), "text/html; charset=utf-8");
    }

    private static void Row(StringBuilder sb, Objective o, ObjectiveStatus? s, Instant now)
    {
        var fastest = s?.BurnRates.Where(kv => kv.Value is not null).OrderByDescending(kv => kv.Value).FirstOrDefault();
        sb.Append("<tr><td>");
        sb.Append(CultureInfo.InvariantCulture, $"<a href=\"{Link(o.Service, o.Name)}\">{E(o.Name)}</a>");
        if (s is null || s.State != ObjectiveState.Ok)
            sb.Append(CultureInfo.InvariantCulture, $" <span class=\"badge {(s?.State ?? ObjectiveState.Stale).ToName()}\">{E((s?.State ?? ObjectiveState.Stale).ToName())}</span>");
        sb.Append("</td>");
        sb.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{Percent(s?.Sli)}</td><td class=\"num opt\">{Percent(o.Target.Fraction)}</td>");
        sb.Append(CultureInfo.InvariantCulture, $"<td>{Charts.BudgetBar(s?.Budget?.Remaining)} <span class=\"num\">{Percent(s?.Budget?.Remaining, 1)}</span></td>");
        sb.Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{(fastest is { Value: { } rate } f ? $"{Number(rate)}x <span class=\"muted\">{BurnWindows.Label(f.Key)}</span>" : "–")}</td><td>");
        foreach (var alert in s?.FiringAlerts ?? [])
            sb.Append(CultureInfo.InvariantCulture, $"<span class=\"badge {alert.Tier.Severity.ToName()}\">{alert.Tier.Severity.ToName()} {BurnWindows.Label(alert.Tier.LongWindow)}</span> ");
        sb.Append(CultureInfo.InvariantCulture, $"</td><td class=\"num opt\">{(s is null || s.State == ObjectiveState.Error && s.Budget is null ? "–" : Age((now - s.EvaluatedAt).TotalSeconds))}</td></tr>");
    }

    public static async Task<IResult> ObjectivePage(string service, string name, DefinitionCatalog catalog, StatusBoard board, EvaluationHistory history, IClock clock, CancellationToken cancellationToken)
    {
        var o = catalog.Current.Find(service, name);
        if (o is null)
            return Results.Content(Page("Unknown objective", $"<h1>Unknown objective</h1><p>No objective {E(service)}/{E(name)} is defined. <a href=\"/\">All objectives</a></p>"), "text/html; charset=utf-8", statusCode: 404);

        var now = clock.Now();
        var s = board.Get(o.Id);
        var window = o.Window.ElapsedAt(s?.EvaluatedAt ?? now);
        var zone = (o.Window as CalendarWindow)?.Zone ?? DateTimeZone.Utc;
        var rows = await history.ReadAsync(o.Id, window.Start, now, cancellationToken);
        var thinned = Thin(rows, MaxChartPoints);

        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\"><a href=\"/\">All services</a> / {E(o.Service)}</p>");
        sb.Append(CultureInfo.InvariantCulture, $"<h1>{E(o.Id.ToString())} <span class=\"badge {(s?.State ?? ObjectiveState.Stale).ToName()}\">{E((s?.State ?? ObjectiveState.Stale).ToName())}</span></h1>");
        if (o.Description is not null)
            sb.Append(CultureInfo.InvariantCulture, $"<p>{E(o.Description)}</p>");
        sb.Append("<dl class=\"facts\">");
        void Fact(string term, string html) => sb.Append(CultureInfo.InvariantCulture, $"<dt>{E(term)}</dt><dd>{html}</dd>");
        Fact("signal", E(o.Signal.ToName()));
        Fact("target", Percent(o.Target.Fraction));
        Fact("window", $"{E(o.Window.Kind)} {E(o.Window.Length)}: {E(ZonedPattern.Format(window.Start.InZone(zone)))} to {E(ZonedPattern.Format(window.End.InZone(zone)))} ({E(zone.Id)})");
        Fact("SLI", Percent(s?.Sli));
        Fact("error budget", s?.Budget is { } b
            ? $"{Charts.BudgetBar(b.Remaining)} {Percent(b.Remaining, 1)} left, {Percent(b.Consumed, 1)} used, " +
              (b.RemainingEvents >= 0 ? $"{Number(b.RemainingEvents, "N0")} bad events to spare" : $"{Number(-b.RemainingEvents, "N0")} bad events over budget")
            : "<span class=\"empty\">unknown</span>");
        Fact("exhausted", s?.ExhaustsAt is { } ex ? E(ZonedPattern.Format(ex.InZone(zone))) + " at the current 1h burn rate" : "not at the current burn rate");
        Fact("events", s?.Events is { } ev ? $"{Number(ev.Total, "N0")} total, {Number(ev.Bad, "N0")} bad" : "–");
        Fact("evaluated", s is null ? "not yet" : $"{E(ZonedPattern.Format(s.EvaluatedAt.InZone(zone)))} ({Age((now - s.EvaluatedAt).TotalSeconds)} ago)");
        if (s?.Message is { } message)
            Fact("note", E(message));
        if (o.Labels.Count > 0)
            Fact("labels", string.Join(", ", o.Labels.Select(kv => $"{E(kv.Key)}={E(kv.Value)}")));
        Fact("JSON", $"<a href=\"{ApiLink(o.Service, o.Name)}\">status</a> · <a href=\"{ApiLink(o.Service, o.Name)}/history\">history</a>");
        sb.Append("</dl>");

        sb.Append("<div class=\"grid2\"><div><h3>Error budget remaining</h3>");
        sb.Append(Charts.Line("error budget remaining", thinned.Select(r => (r.EvaluatedAt, r.BudgetRemaining)).ToArray(), window.Start, window.End,
            [(0, "budget spent")], v => Percent(v, 0), zone));
        sb.Append("</div><div><h3>SLI</h3>");
        sb.Append(Charts.Line("SLI", thinned.Select(r => (r.EvaluatedAt, r.Sli)).ToArray(), window.Start, window.End,
            [(o.Target.Fraction, "target")], v => Percent(v, 3), zone));
        sb.Append("</div></div>");
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"muted\">{rows.Count} stored evaluations in this window.</p>");

        sb.Append("<div class=\"grid2\"><div><h3>Burn rate by window</h3><table><thead><tr><th>window</th><th>burn rate</th></tr></thead><tbody>");
        foreach (var (w, rate) in s?.BurnRates ?? new Dictionary<Duration, double?>())
            sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{BurnWindows.Label(w)}</td><td class=\"num\">{(rate is { } r ? Number(r) + "x" : "–")}</td></tr>");
        sb.Append("</tbody></table></div><div><h3>Alert tiers</h3><table><thead><tr><th>severity</th><th>long</th><th>short</th><th>factor</th><th>state</th></tr></thead><tbody>");
        foreach (var t in s?.Alerts ?? [])
        {
            var since = board.FiringSince(o.Id, t.Tier.Key);
            var state = !t.Tier.Enabled ? "<span class=\"muted\">off</span>"
                : t.Firing ? $"<span class=\"badge {t.Tier.Severity.ToName()}\">firing</span>{(since is { } at ? " since " + E(ZonedPattern.Format(at.InZone(zone))) : "")}"
                : !t.EnoughEvents ? "<span class=\"muted\">too few events</span>"
                : "quiet";
            sb.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{t.Tier.Severity.ToName()}</td><td>{BurnWindows.Label(t.Tier.LongWindow)}: {Number(t.LongBurnRate)}x</td><td>{BurnWindows.Label(t.Tier.ShortWindow)}: {Number(t.ShortBurnRate)}x</td><td class=\"num\">{Number(t.Factor)}x</td><td>{state}</td></tr>");
        }

        sb.Append("</tbody></table></div></div>");
        return Results.Content(Page($"{o.Id} · SLO", sb.ToString()), "text/html; charset=utf-8");
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
