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
        app.MapOpenApi();
        app.MapGet("/metrics", async (HttpContext context, Metrics.SloMetrics metrics) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(context.Response.Body, context.RequestAborted);
        }).ExcludeFromDescription();
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" })).WithTags("health");
        app.MapGet("/health/ready", (StatusBoard board) => board.Ready
            ? Results.Ok(new { status = "ready", lastCycle = board.LastCycle!.At })
            : Results.Json(new { status = "starting", detail = "the first evaluation has not finished" }, statusCode: StatusCodes.Status503ServiceUnavailable))
            .WithTags("health");
        Dashboard.DashboardPages.MapDashboard(app);
        return app;
    }
}
