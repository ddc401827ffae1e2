using Slo.Api.Hosting;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Slo.Api.Definitions;
using Slo.Api.Gate;
using Slo.Engine.Gating;

namespace Slo.Api.Api;

/// <summary>The <c>Api</c> configuration section.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>The Bearer token that authorises writes (gate overrides). Empty: every write is refused.</summary>
    public string Token { get; set; } = "";

    /// <summary>The longest an override may last.</summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "00:01:00", "90.00:00:00", ErrorMessage = "Api:MaxOverrideDuration must lie between 1 minute and 90 days.")]
    public TimeSpan MaxOverrideDuration { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>The release gate and its overrides.</summary>
public static class GateApi
{
    public static RouteGroupBuilder MapGateApi(this IEndpointRouteBuilder app)
    {
        var gate = app.MapGroup("/api/v1/services/{service}/gate").WithTags("gate");
        gate.MapGet("/", GetGate).WithName("GetGate")
            .WithSummary("Release gate: 200 pass or warn, 409 fail, 503 unknown (stale or missing data)")
            .Produces<GateDecisionDto>(StatusCodes.Status200OK).Produces<GateDecisionDto>(StatusCodes.Status409Conflict).Produces<GateDecisionDto>(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status404NotFound);
        gate.MapPost("/overrides", PostOverride).WithName("PostGateOverride")
            .WithSummary("Let releases through a failing gate until expiresAt (Bearer token required)")
            .Accepts<GateOverrideRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return gate;
    }

    public static Results<JsonBytesResult, ProblemHttpResult> GetGate(string service, GateService gates)
    {
        var served = gates.Decide(service);
        if (served is null)
            return Problems.UnknownService(service);
        return new JsonBytesResult(served.Json, served.StatusCode);
    }

    /// <summary>The largest body a write takes: an override is a few hundred bytes.</summary>
    public const long MaxWriteBody = 64 * 1024;

    /// <summary>The body is read only once the token is checked (an anonymous client cannot make the service buffer
    /// anything), and never beyond <see cref="MaxWriteBody"/>.</summary>
    public static async Task<Results<Created<GateOverrideDto>, ProblemHttpResult>> PostOverride(
        string service,
        HttpContext http,
        DefinitionCatalog catalog,
        GateService gates,
        IOptions<ApiOptions> options,
        IClock clock,
        CancellationToken cancellationToken)
    {
        var refusal = Authorise(http, options.Value.Token);
        if (refusal is not null)
            return refusal;
        if (catalog.Current.FindService(service) is null)
            return Problems.UnknownService(service);
        var (request, unreadable) = await ReadBodyAsync<GateOverrideRequest>(http, cancellationToken);
        if (unreadable is not null)
            return unreadable;

        var now = clock.Now();
        var max = Duration.FromTimeSpan(options.Value.MaxOverrideDuration);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(request?.Reason))
            problems.Add("'reason' is required: say why the release may ship");
        else if (request.Reason.Length > 2000)
            problems.Add("'reason' is longer than 2000 characters");
        if (string.IsNullOrWhiteSpace(request?.CreatedBy))
            problems.Add("'createdBy' is required: who decided");
        else if (request.CreatedBy.Length > 200)
            problems.Add("'createdBy' is longer than 200 characters");
        if (request?.ExpiresAt is not { } expires)
            problems.Add("'expiresAt' is required: an ISO-8601 instant in the future");
        else if (expires <= now)
            problems.Add($"'expiresAt' ({expires}) has already passed");
        else if (expires - now > max)
            problems.Add($"'expiresAt' lies more than {max.TotalDays:0.#} days ahead (Api:MaxOverrideDuration)");
        if (problems.Count > 0)
            return Problems.BadRequest(string.Join("; ", problems));

        var stored = await gates.AddOverrideAsync(new GateOverride(service, request!.Reason!.Trim(), request.CreatedBy!.Trim(), now, request.ExpiresAt!.Value), cancellationToken);
        return TypedResults.Created($"/api/v1/services/{service}/gate", stored.Override.ToDto(stored.Id));
    }

    /// <summary>Reads a JSON body of at most <see cref="MaxWriteBody"/> bytes with the API's JSON settings; the problem
    /// to answer with when it is too large or not JSON.</summary>
    internal static async Task<(T? Body, ProblemHttpResult? Problem)> ReadBodyAsync<T>(HttpContext http, CancellationToken cancellationToken)
        where T : class
    {
        static ProblemHttpResult TooLarge() => TypedResults.Problem(
            title: "Payload too large", detail: $"A write takes at most {MaxWriteBody / 1024} KiB.", statusCode: StatusCodes.Status413PayloadTooLarge);

        if (http.Request.ContentLength > MaxWriteBody)
            return (null, TooLarge());
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxWriteBody;
        if (!http.Request.HasJsonContentType())
            return (null, Problems.BadRequest("Send the body as JSON (Content-Type: application/json)."));
        try
        {
            var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
            return (await http.Request.ReadFromJsonAsync<T>(json, cancellationToken), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (System.Text.Json.JsonException e)
        {
            return (null, Problems.BadRequest($"The body is not valid JSON for this request: {e.Message}"));
        }
    }

    /// <summary>Null when the request carries the configured token; otherwise the problem to answer with.</summary>
    internal static ProblemHttpResult? Authorise(HttpContext http, string configured)
    {
        if (string.IsNullOrEmpty(configured))
        {
            return TypedResults.Problem(
                title: "Writes are disabled",
                detail: "No Api:Token is configured, so the API refuses every write.",
                statusCode: StatusCodes.Status403Forbidden);
        }

        var header = http.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
        if (presented is not null && TokensEqual(presented, configured))
            return null;

        http.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem(
            title: "Unauthorized",
            detail: presented is null ? "Send 'Authorization: Bearer <token>'." : "The Bearer token is not valid.",
            statusCode: StatusCodes.Status401Unauthorized);
    }

    /// <summary>Compares in constant time: hashing first makes the lengths equal, so nothing leaks through timing.</summary>
    internal static bool TokensEqual(string presented, string configured) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
}

/// <summary>Pre-serialized JSON with a status code: the gate's decision is serialized once and served many times.</summary>
public sealed class JsonBytesResult(byte[] json, int statusCode) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public int? StatusCode => statusCode;

    public string ContentType => "application/json; charset=utf-8";

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        httpContext.Response.ContentType = ContentType;
        httpContext.Response.ContentLength = json.Length;
        return httpContext.Response.Body.WriteAsync(json).AsTask();
    }
}
