using System.CommandLine;
using System.Globalization;
using Slo.Api.Demo;

namespace Slo.Api.Cli;

/// <summary>
/// <c>slo demo-exporter DIR [--urls URL]</c>: keeps the counters that <c>slo demo-data DIR</c> wrote going live on
/// /metrics for Prometheus to scrape. Other arguments are settings for its host, as for <c>slo serve</c>.
/// </summary>
public sealed class DemoExporterCommand : Command
{
    public const string DefaultUrl = "http://127.0.0.1:9464";

    private readonly Argument<string> _directory = new("DIR") { Description = "The folder that 'slo demo-data DIR' wrote to." };

    private readonly Option<string> _urls = new("--urls")
    {
        Description = $"Where to listen (default {DefaultUrl}).",
        HelpName = "URLS",
    };

    public DemoExporterCommand()
        : base("demo-exporter", "Serves the demo counters of DIR live on /metrics for Prometheus to scrape.")
    {
        Arguments.Add(_directory);
        Options.Add(_urls);
        TreatUnmatchedTokensAsErrors = false;
        SetAction((result, _) => RunAsync(result.GetRequiredValue(_directory), SloCommandLine.HostArguments(result, _urls)));
    }

    public static async Task<int> RunAsync(string dir, string[] hostArguments)
    {
        var stamps = (await File.ReadAllTextAsync(Path.Combine(dir, "start"))).Split(' ');
        var start = Instant.FromUnixTimeSeconds(long.Parse(stamps[0], CultureInfo.InvariantCulture));
        var generatedAt = Instant.FromUnixTimeSeconds(long.Parse(stamps[1], CultureInfo.InvariantCulture));
        var traffic = DemoScenario.Create(start, generatedAt);

        var builder = WebApplication.CreateSlimBuilder(hostArguments);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls(DefaultUrl);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(traffic.Exposition(NodaTime.SystemClock.Instance.GetCurrentInstant()), "text/plain; version=0.0.4"));
        await app.RunAsync();
        return 0;
    }
}
