using Microsoft.Extensions.Options;
using Slo.Api.Hosting;

namespace Slo.Api.Cli;

/// <summary>Runs the HTTP service.</summary>
public static class ServeCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Loopback only unless told otherwise (--urls or ASPNETCORE_URLS).
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls(DefaultUrl);

        builder.Services
            .AddSloOptions(builder.Configuration)
            .AddSloStorage()
            .AddPrometheusClient()
            .AddSloEvaluation(builder.Configuration)
            .AddSloApi()
            .AddSloAlerting();
        configure?.Invoke(builder);

        return builder.Build().MapSlo();
    }

    /// <summary>Runs until stopped; the exit code is 0 for an orderly stop, 70 when a background service died (the host
    /// then stops, and a supervisor with <c>Restart=on-failure</c> must see that as a failure).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var app = Build(args);
        Preflight(app.Services);
        var background = BackgroundServices(app.Services);
        await app.RunAsync();
        return ExitCode(background);
    }

    /// <summary>The host's background services; taken before it runs, since running it ends with disposing them.</summary>
    public static IReadOnlyList<BackgroundService> BackgroundServices(IServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<BackgroundService>().ToArray();

    /// <summary>70 (EX_SOFTWARE) when a background service ended with an exception, else 0.</summary>
    public static int ExitCode(IReadOnlyList<BackgroundService> background)
    {
        var died = background.Where(s => s.ExecuteTask is { IsFaulted: true }).ToArray();
        foreach (var service in died)
            Console.Error.WriteLine($"slo: {service.GetType().Name} failed and stopped the service: {service.ExecuteTask!.Exception!.GetBaseException().Message}");
        return died.Length > 0 ? 70 : 0;
    }

    /// <summary>
    /// Reads every setting and the definitions before the host starts, so a mistake stops the service with one clear
    /// message (caught by the command line) instead of a host start-up failure and its stack trace.
    /// </summary>
    public static void Preflight(IServiceProvider services)
    {
        _ = services.GetRequiredService<IOptions<Prometheus.PrometheusOptions>>().Value;
        _ = services.GetRequiredService<IOptions<Evaluation.EvaluationOptions>>().Value;
        _ = services.GetRequiredService<IOptions<Storage.StorageOptions>>().Value;
        _ = services.GetRequiredService<IOptions<Definitions.DefinitionsOptions>>().Value;
        _ = services.GetRequiredService<IOptions<Alerting.AlertingOptions>>().Value;
        _ = services.GetRequiredService<IOptions<Evaluation.HistoryOptions>>().Value;
        _ = services.GetRequiredService<IOptions<Api.ApiOptions>>().Value;
        _ = services.GetRequiredService<Definitions.DefinitionCatalog>();
    }
}
