using Prometheus;
using Slo.Api.Api;
using Slo.Api.Evaluation;

namespace Slo.Api.Hosting;

/// <summary>Every route the service answers.</summary>
public static class SloEndpoints
{
    public static WebApplication MapSlo(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapObjectivesApi();
        app.MapGateApi();
        app.MapCorrectionsApi();
        app.MapReportsApi();
        app.MapDefinitionsApi();
        app.MapClusterApi();
        app.MapOpenApi();
        app.MapGet("/metrics", async (HttpContext context, Metrics.SloMetrics metrics) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
        }).ExcludeFromDescription();
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" })).WithTags("health");
        app.MapGet("/health/ready", (StatusBoard board, Storage.SqlDatabase database) =>
            {
                if (!board.Ready)
                    return Results.Json(new { status = "starting", detail = "the first evaluation has not finished" }, statusCode: StatusCodes.Status503ServiceUnavailable);
                var failing = database.Health.Failing;
                if (failing.Count > 0)
                {
                    var detail = string.Join("; ", failing.Select(f => $"storing {f.Operation} has failed since {f.Since:yyyy-MM-ddTHH:mm:ssZ}: {f.Message}"));
                    return Results.Json(new { status = "storage_failing", detail }, statusCode: StatusCodes.Status503ServiceUnavailable);
                }

                return Results.Ok(new { status = "ready", lastCycle = board.LastCycle!.At });
            })
            .WithTags("health");
        Dashboard.DashboardPages.MapDashboard(app);
        return app;
    }
}
