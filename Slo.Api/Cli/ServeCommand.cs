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

    public static async Task RunAsync(string[] args)
    {
        var app = Build(args);
        Preflight(app.Services);
        await app.RunAsync();
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
