using System.Globalization;
using System.Text;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime.Text;
using Slo.Api.Definitions;
using Slo.Api.Hosting;
using Slo.Api.Ledger;
using Slo.Engine;
using Slo.Engine.Reports;

namespace Slo.Api.Api;

public sealed record ReportObjectiveDto(
    string Id,
    string Signal,
    Instant Start,
    Instant End,
    string TimeZone,
    double Target,
    double? Sli,
    bool? Met,
    EventsDto Events,
    EventsDto ExcludedEvents,
    double? BudgetRemaining,
    bool Complete,
    EventsDto? Timeslices);

public sealed record ReportDto(string Service, string Period, IReadOnlyList<ReportObjectiveDto> Objectives);

/// <summary>Reports over past periods (week, month, quarter, year), each objective's period in its own time zone, as
/// JSON or CSV. A complete period's report changes only when a correction covering it does.</summary>
public static class ReportsApi
{
    /// <summary>The CSV columns, in order.</summary>
    public static readonly string[] CsvColumns =
        ["id", "signal", "start", "end", "timeZone", "target", "sli", "met", "good", "bad", "total", "excludedTotal", "budgetRemaining"];

    public static RouteHandlerBuilder MapReportsApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/services/{service}/report", GetReport).WithName("GetReport").WithTags("reports")
            .WithSummary("Figures over a past period: ?period=week|month|quarter|year&at=2026-10-15 (default: the last complete period), ?timeZone= to force one, ?format=csv")
            .Produces<ReportDto>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

    public static async Task<IResult> GetReport(
        string service,
        string? period,
        string? at,
        string? timeZone,
        string? format,
        HttpContext http,
        DefinitionCatalog catalog,
        LedgerBook ledgers,
        Corrections.CorrectionBook corrections,
        IClock clock,
        CancellationToken cancellationToken)
    {
        var definition = catalog.Current.FindService(service);
        if (definition is null)
            return Problems.UnknownService(service);
        var kind = ReportPeriod.Month;
        if (period is not null && !PeriodReports.TryParse(period, out kind))
            return Problems.BadRequest($"'period' '{period}' is not week, month, quarter or year");
        LocalDate? date = null;
        if (at is not null)
        {
            var parsed = LocalDatePattern.Iso.Parse(at);
            if (!parsed.Success)
                return Problems.BadRequest($"'at' '{at}' is not an ISO date such as 2026-10-15");
            date = parsed.Value;
        }

        DateTimeZone? forced = null;
        if (timeZone is not null && (forced = DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone)) is null)
            return Problems.BadRequest($"'timeZone' '{timeZone}' is not an IANA time zone such as America/New_York");
        var csv = format == "csv" || (format is null && http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)));
        if (format is not null and not ("csv" or "json"))
            return Problems.BadRequest($"'format' '{format}' is not json or csv");

        await corrections.EnsureLoadedAsync(cancellationToken);
        var now = clock.Now();
        var rows = new List<ReportObjectiveDto>();
        foreach (var objective in definition.Objectives)
        {
            var zone = forced ?? PeriodReports.ZoneOf(objective);
            var span = PeriodReports.PeriodOf(kind, zone, date, now);
            if (span.Start > now)
                return Problems.BadRequest($"the {kind.ToName()} holding {at} has not begun");
            try
            {
                rows.Add(ToDto(await ledgers.ReportAsync(objective, span, zone, now, cancellationToken)));
            }
            catch (Evaluation.LedgerGapException e)
            {
                return TypedResults.Problem(title: "Counts unavailable", detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }

        var report = new ReportDto(service, kind.ToName(), rows);
        return csv ? Results.Text(Csv(report), "text/csv; charset=utf-8", Encoding.UTF8) : TypedResults.Ok(report);
    }

    private static ReportObjectiveDto ToDto(ReportRow row) => new(
        row.Objective.Id.ToString(),
        row.Objective.Signal.ToName(),
        row.Period.Start,
        row.Period.End,
        row.Zone.Id,
        row.Objective.Target.Fraction,
        row.Sli,
        row.Met,
        new EventsDto(row.Events.Good, row.Events.Bad, row.Events.Total),
        new EventsDto(row.Excluded.Good, row.Excluded.Bad, row.Excluded.Total),
        row.BudgetRemaining,
        row.Complete,
        row.Slices is { } s ? new EventsDto(s.Good, s.Bad, s.Total) : null);

    /// <summary>One row per objective under the <see cref="CsvColumns"/> header (RFC 4180, invariant numbers).</summary>
    public static string Csv(ReportDto report)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, CsvWriterOptions.Default with { NewLine = "\n", FormatProvider = CultureInfo.InvariantCulture }, true))
        {
            csv.WriteHeader(CsvColumns);
            foreach (var o in report.Objectives)
            {
                csv.WriteRecord(
                [
                    o.Id, o.Signal, InstantPattern.ExtendedIso.Format(o.Start), InstantPattern.ExtendedIso.Format(o.End), o.TimeZone,
                    Number(o.Target), Number(o.Sli), o.Met is { } met ? (met ? "true" : "false") : "",
                    Number(o.Events.Good), Number(o.Events.Bad), Number(o.Events.Total), Number(o.ExcludedEvents.Total), Number(o.BudgetRemaining),
                ]);
            }

            csv.Flush();
        }

        return text.ToString();
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";
}
