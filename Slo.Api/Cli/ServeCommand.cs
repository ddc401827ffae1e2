using System.CommandLine;
using Microsoft.Extensions.Options;
using Slo.Api.Dashboard;
using Slo.Api.Hosting;

namespace Slo.Api.Cli;

/// <summary>
/// <c>slo serve [--urls URLS] [--Key=Value ...]</c> (or <c>slo</c> alone): runs the HTTP service. Every argument but
/// <c>--urls</c> and <c>--help</c> is a setting for the host, passed on unchanged.
/// </summary>
public sealed class ServeCommand : Command
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    private readonly Option<string> _urls = new("--urls")
    {
        Description = $"Where to listen, several separated by ';' (default {DefaultUrl}, or ASPNETCORE_URLS); loopback unless told otherwise.",
        HelpName = "URLS",
    };

    public ServeCommand()
        : base("serve", "Runs the service, as 'slo' alone does. Additional arguments are settings passed to it unchanged, " +
                        "as --Section:Key=Value (e.g. --Prometheus:Url=http://127.0.0.1:9090); the README lists them.")
    {
        Options.Add(_urls);
        TreatUnmatchedTokensAsErrors = false;
        SetAction((result, _) => RunAsync(HostArguments(result), result.InvocationConfiguration.Error));
    }

    /// <summary>The arguments the host reads as configuration.</summary>
    internal string[] HostArguments(ParseResult result) => SloCommandLine.HostArguments(result, _urls);

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Loopback only unless told otherwise (--urls or ASPNETCORE_URLS).
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls(DefaultUrl);

        builder.Services
            .AddSloOptions(builder.Configuration)
            .AddSloStorage()
            .AddPrometheusClient(builder.Configuration)
            .AddSloEvaluation(builder.Configuration)
            .AddSloApi()
            .AddSloDashboard()
            .AddSloAlerting();
        configure?.Invoke(builder);

        return builder.Build().MapSlo();
    }

    /// <summary>Runs until stopped; the exit code is 0 for an orderly stop, 1 when a setting or a definition is wrong (said on
    /// <paramref name="stderr"/>), 70 when a background service died (the host then stops, and a supervisor with
    /// <c>Restart=on-failure</c> must see that as a failure).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stderr)
    {
        try
        {
            var app = Build(args);
            Preflight(app.Services);
            var background = BackgroundServices(app.Services);
            await app.RunAsync();
            return ExitCode(background);
        }
        catch (Exception e) when (e is Definitions.InvalidDefinitionsException or OptionsValidationException)
        {
            // A setting or a definition is wrong: say which, without a stack trace.
            await stderr.WriteLineAsync($"slo: cannot start: {e.Message}");
            return 1;
        }
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
        var catalog = services.GetRequiredService<Definitions.DefinitionCatalog>();
        // A definition naming a source the configuration lacks is a mistake to fix before anything runs.
        var unknown = services.GetRequiredService<Prometheus.PrometheusSources>().Unknown(catalog.Current.Objectives);
        if (unknown.Count > 0)
            throw new Definitions.InvalidDefinitionsException("objectives read Prometheus sources that are not configured:\n" + string.Join("\n", unknown.Select(u => u.Problem)));
    }
}
