using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using NodaTime.Text;
using Slo.Api.Corrections;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Gate;
using Slo.Api.Hosting;
using Slo.Api.Storage;
using Slo.Engine.Corrections;
using Slo.Engine.Definitions;
using Slo.Engine.Time;

namespace Slo.Api.Api;

/// <summary>Corrections: periods whose events count neither as good nor as bad. Writes need the Bearer token, are
/// audited in SQL, and take effect at once, on every figure, for the past as for the future.</summary>
public static class CorrectionsApi
{
    private static readonly InstantPattern[] Instants = [InstantPattern.ExtendedIso, InstantPattern.General];

    private static readonly OffsetDateTimePattern Offset = OffsetDateTimePattern.ExtendedIso;

    private static readonly LocalDateTimePattern[] Locals =
    [
        LocalDateTimePattern.ExtendedIso,
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd'T'HH:mm"),
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd"),
    ];

    public static RouteGroupBuilder MapCorrectionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/services/{service}/corrections").WithTags("corrections");
        group.MapGet("/", List).WithName("ListCorrections").WithSummary("The service's corrections: those of the definitions and those posted here")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Post).WithName("PostCorrection")
            .WithSummary("Exclude a period (once, or recurring by an RRULE in a time zone) from the service's figures (Bearer token required)")
            .Accepts<CorrectionRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        group.MapDelete("/{id}", Delete).WithName("DeleteCorrection")
            .WithSummary("End a correction posted through the API; ?by= and ?reason= go to the audit (Bearer token required)")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id}/audit", Audit).WithName("CorrectionAudit").WithSummary("Who created and deleted a correction, when and why")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static async Task<Results<Ok<CorrectionDto[]>, ProblemHttpResult>> List(string service, DefinitionCatalog catalog, CorrectionBook book, CancellationToken cancellationToken)
    {
        if (catalog.Current.FindService(service) is null)
            return Problems.UnknownService(service);
        await book.EnsureLoadedAsync(cancellationToken);
        return TypedResults.Ok(book.Of(service).Select(c => c.ToDto()).ToArray());
    }

    public static async Task<Results<Created<CorrectionDto>, ProblemHttpResult>> Post(
        string service,
        HttpContext http,
        DefinitionCatalog catalog,
        CorrectionBook book,
        EvaluationWorker worker,
        GateService gates,
        IOptions<ApiOptions> options,
        IClock clock,
        CancellationToken cancellationToken)
    {
        if (GateApi.Authorise(http, options.Value.Token) is { } refusal)
            return refusal;
        if (catalog.Current.FindService(service) is not { } definition)
            return Problems.UnknownService(service);
        var (request, unreadable) = await GateApi.ReadBodyAsync<CorrectionRequest>(http, cancellationToken);
        if (unreadable is not null)
            return unreadable;

        var problems = new List<string>();
        var correction = Build(request!, definition, clock.Now(), problems);
        if (correction is null)
            return Problems.BadRequest(string.Join("; ", problems));

        await book.AddAsync(correction, cancellationToken);
        Recompute(definition, correction, worker, gates);
        return TypedResults.Created($"/api/v1/services/{service}/corrections/{correction.Id}", correction.ToDto());
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        string service,
        string id,
        string? by,
        string? reason,
        HttpContext http,
        DefinitionCatalog catalog,
        CorrectionBook book,
        EvaluationWorker worker,
        GateService gates,
        IOptions<ApiOptions> options,
        IClock clock,
        CancellationToken cancellationToken)
    {
        if (GateApi.Authorise(http, options.Value.Token) is { } refusal)
            return refusal;
        if (catalog.Current.FindService(service) is not { } definition)
            return Problems.UnknownService(service);
        await book.EnsureLoadedAsync(cancellationToken);
        if (book.Of(service).FirstOrDefault(c => c.Id == id) is { DefinedAt: { } at })
        {
            return TypedResults.Problem(
                title: "Defined in the definitions",
                detail: $"correction '{id}' is written at {at}; remove it there (the API deletes only corrections posted to it)",
                statusCode: StatusCodes.Status409Conflict);
        }

        var deleted = await book.DeleteAsync(service, id, Text(by, 200) ?? "api", Text(reason, 2000) ?? "", clock.Now(), cancellationToken);
        if (deleted is null)
            return TypedResults.Problem(title: "Not found", detail: $"service '{service}' has no correction '{id}'", statusCode: StatusCodes.Status404NotFound);
        Recompute(definition, deleted, worker, gates);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<CorrectionStore.AuditEntry[]>, ProblemHttpResult>> Audit(
        string service, string id, DefinitionCatalog catalog, CorrectionStore store, CancellationToken cancellationToken)
    {
        if (catalog.Current.FindService(service) is null)
            return Problems.UnknownService(service);
        var entries = await store.AuditAsync(id, cancellationToken);
        return entries.Count == 0
            ? TypedResults.Problem(title: "Not found", detail: $"no correction '{id}' was ever posted for service '{service}'", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(entries.ToArray());
    }

    /// <summary>The correction a request describes, or null with the problems found.</summary>
    internal static Correction? Build(CorrectionRequest request, ServiceDefinition service, Instant now, List<string> problems)
    {
        var zone = DateTimeZone.Utc;
        if (!string.IsNullOrWhiteSpace(request.TimeZone) && DateTimeZoneProviders.Tzdb.GetZoneOrNull(request.TimeZone) is not { } named)
            problems.Add($"'timeZone' '{request.TimeZone}' is not an IANA time zone such as Europe/Berlin");
        else if (!string.IsNullOrWhiteSpace(request.TimeZone))
            zone = DateTimeZoneProviders.Tzdb[request.TimeZone];

        var start = When(request.Start, "start", zone, problems, required: true);
        var end = When(request.End, "end", zone, problems, required: false);
        Period? length = null;
        if (request.End is not null && request.Duration is not null)
            problems.Add("give 'end' or 'duration', not both");
        else if (request.Duration is not null)
        {
            if (!DurationText.TryParse(request.Duration, out var d, out var error))
                problems.Add($"'duration': {error}");
            else if (d <= Duration.Zero)
                problems.Add("'duration' must be longer than 0");
            else
                length = Period.FromMilliseconds((long)d.TotalMilliseconds).Normalize();
        }
        else if (end is { } e && start is { } s)
        {
            if (e <= s)
                problems.Add("'end' must lie after 'start'");
            else
                length = Period.Between(s, e, PeriodUnits.Hours | PeriodUnits.Minutes | PeriodUnits.Seconds);
        }
        else if (request.End is null)
            problems.Add("'end' or 'duration' is required");

        if (request.Rrule is { } rule && Correction.CheckRecurrence(rule) is { } bad)
            problems.Add($"'rrule': {bad}");
        var objectives = (request.Objectives ?? []).ToArray();
        foreach (var name in objectives.Where(n => service.Objectives.All(o => o.Name != n)))
            problems.Add($"service '{service.Name}' has no objective '{name}'");
        var reason = Text(request.Reason, 2000);
        if (reason is null)
            problems.Add("'reason' is required (at most 2000 characters): why these events do not count");
        var createdBy = Text(request.CreatedBy, 200);
        if (createdBy is null)
            problems.Add("'createdBy' is required (at most 200 characters): who decided");
        if (request.Name is { } n && !ObjectiveId.IsValidPart(n))
            problems.Add($"'name' '{n}' is not a valid name");

        if (problems.Count > 0)
            return null;
        return new Correction
        {
            Id = Guid.NewGuid().ToString("N"),
            Service = service.Name,
            Name = request.Name,
            Objectives = objectives,
            Start = start!.Value,
            Length = length!,
            Zone = zone,
            Recurrence = request.Rrule,
            Reason = reason!,
            CreatedBy = createdBy,
            CreatedAt = now,
        };
    }

    /// <summary>A start or end: an instant with Z or an offset (taken in the zone), or a local date-time in the zone.</summary>
    private static LocalDateTime? When(string? text, string field, DateTimeZone zone, List<string> problems, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
                problems.Add($"'{field}' is required: an ISO-8601 instant (2026-10-12T08:00:00Z) or a local date-time in timeZone");
            return null;
        }

        if (Instants.Select(p => p.Parse(text)).FirstOrDefault(r => r.Success) is { } instant)
            return instant.Value.InZone(zone).LocalDateTime;
        if (Offset.Parse(text) is { Success: true } offset)
            return offset.Value.ToInstant().InZone(zone).LocalDateTime;
        if (Locals.Select(p => p.Parse(text)).FirstOrDefault(r => r.Success) is { } local)
            return local.Value;
        problems.Add($"'{field}' '{text}' is not an ISO-8601 instant or local date-time");
        return null;
    }

    private static string? Text(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) || value.Length > max ? null : value.Trim();

    /// <summary>The budgets of the objectives a correction covers are recomputed from their ledgers now, not at the next cycle.</summary>
    private static void Recompute(ServiceDefinition service, Correction correction, EvaluationWorker worker, GateService gates)
    {
        worker.Reevaluate(service.Objectives.Where(o => correction.AppliesTo(o.Id)));
        gates.Invalidate();
    }
}
