using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Slo.Api.Definitions;
using Slo.Engine.Definitions;

namespace Slo.Api.Api;

/// <summary>A reload's outcome: what was taken, or every error.</summary>
public sealed record ReloadAttemptDto(
    Instant At,
    string Trigger,
    bool Success,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string>? Added,
    IReadOnlyList<string>? Changed,
    IReadOnlyList<string>? Removed,
    int? Unchanged)
{
    public static ReloadAttemptDto From(ReloadAttempt a) => new(
        a.At,
        a.Trigger.ToString().ToLowerInvariant(),
        a.Success,
        a.Errors,
        a.Warnings,
        a.Changes?.Added.Select(id => id.ToString()).ToArray(),
        a.Changes?.Changed.Select(id => id.ToString()).ToArray(),
        a.Changes?.Removed.Select(id => id.ToString()).ToArray(),
        a.Changes?.Unchanged.Count);
}

/// <summary>A grouped objective (Pyrra <c>grouping</c>): its labels, its groups' objectives and its last search.</summary>
public sealed record GroupedObjectiveDto(string Id, IReadOnlyList<string> GroupBy, IReadOnlyList<string> Objectives, Instant? SearchedAt, string? SearchError);

/// <summary>What <c>GET /api/v1/definitions/status</c> answers.</summary>
public sealed record DefinitionsStatusDto(
    string? Path,
    Instant LoadedAt,
    int Objectives,
    int Services,
    Instant LastSuccessAt,
    ReloadAttemptDto LastAttempt,
    IReadOnlyList<GroupedObjectiveDto> Grouped,
    IReadOnlyList<string> GroupConflicts);

/// <summary>Reloading the definitions and reading how the last load went.</summary>
public static class DefinitionsApi
{
    public static IEndpointRouteBuilder MapDefinitionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/-/reload", Reload).WithTags("definitions").WithName("ReloadDefinitions")
            .WithSummary("Read the definitions again (Bearer token required); an invalid set is refused whole and the running set stays")
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        app.MapGet("/api/v1/definitions/status", Status).WithTags("definitions").WithName("DefinitionsStatus")
            .WithSummary("Where the definitions come from, when they were loaded, and how the last reload went");
        return app;
    }

    public static async Task<Results<Ok<ReloadAttemptDto>, ProblemHttpResult>> Reload(
        HttpContext http, DefinitionReloader reloader, DefinitionCatalog catalog, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        if (GateApi.Authorise(http, options.Value.Token) is { } refusal)
            return refusal;
        var attempt = await reloader.ReloadAsync(ReloadTrigger.Http, cancellationToken);
        if (attempt.Success)
            return TypedResults.Ok(ReloadAttemptDto.From(attempt));
        return TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The definitions do not validate",
            Detail = $"{attempt.Errors.Count} error(s); nothing was changed: the set loaded at {catalog.LoadedAt} keeps running. "
                     + string.Join(" ", attempt.Errors),
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
            Extensions = { ["errors"] = attempt.Errors, ["warnings"] = attempt.Warnings, ["runningSince"] = catalog.LoadedAt.ToString() },
        });
    }

    public static Ok<DefinitionsStatusDto> Status(DefinitionCatalog catalog, GroupDiscovery discovery)
    {
        var current = catalog.Current;
        var grouped = catalog.Loaded.Grouped
            .Select(g => new GroupedObjectiveDto(
                g.Id.ToString(),
                g.GroupBy,
                (catalog.Groups.GetValueOrDefault(g.Id) ?? []).Select(group => g.Expand(group).Id).Where(id => current.IsExpansion(id)).Select(id => id.ToString()).ToArray(),
                discovery.Searches.GetValueOrDefault(g.Id)?.At,
                discovery.Searches.GetValueOrDefault(g.Id)?.Error))
            .ToArray();
        return TypedResults.Ok(new DefinitionsStatusDto(
            catalog.Path, catalog.LoadedAt, current.Objectives.Count, current.Services.Count, catalog.LastSuccessAt,
            ReloadAttemptDto.From(catalog.LastAttempt), grouped, catalog.GroupConflicts));
    }
}
