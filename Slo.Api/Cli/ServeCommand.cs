namespace Slo.Api.Cli;

/// <summary>Runs the HTTP service.</summary>
public static class ServeCommand
{
    public static async Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var app = builder.Build();
        app.MapGet("/health/live", () => TypedResults.Ok(new { status = "live" }));
        await app.RunAsync();
    }
}
