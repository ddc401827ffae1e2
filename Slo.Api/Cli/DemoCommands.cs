using System.Globalization;
using Slo.Api.Demo;

namespace Slo.Api.Cli;

/// <summary>
/// <c>slo demo-data DIR</c> writes a month of demo traffic as Prometheus blocks (through promtool) into DIR/tsdb;
/// <c>slo demo-exporter DIR --urls URL</c> keeps the same counters going live for Prometheus to scrape.
/// </summary>
public static class DemoCommands
{
    public static async Task<int> DataAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length != 1)
        {
            await stderr.WriteLineAsync("usage: slo demo-data DIR");
            return 2;
        }

        var dir = args[0];
        var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var minute = Instant.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 60_000 * 60_000);
        var start = minute - DemoScenario.History;
        var traffic = DemoScenario.Create(start, minute);
        var files = traffic.WriteOpenMetrics(Path.Combine(dir, "openmetrics"), until: minute);
        try
        {
            await Backfill.RunAsync(files, Path.Combine(dir, "tsdb"), CancellationToken.None);
        }
        catch (InvalidOperationException e)
        {
            await stderr.WriteLineAsync($"slo demo-data: {e.Message}");
            return 1;
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "start"), $"{start.ToUnixTimeSeconds()} {minute.ToUnixTimeSeconds()}");
        Directory.Delete(Path.Combine(dir, "openmetrics"), recursive: true);
        await stdout.WriteLineAsync($"demo data: {traffic.Profiles.Count} services, {DemoScenario.History.TotalDays:0} days up to {minute}, in {Path.Combine(dir, "tsdb")}");
        return 0;
    }

    public static async Task<int> ExporterAsync(string[] args)
    {
        if (args.Length < 1)
        {
            await Console.Error.WriteLineAsync("usage: slo demo-exporter DIR [--urls http://127.0.0.1:9464]");
            return 2;
        }

        var stamps = (await File.ReadAllTextAsync(Path.Combine(args[0], "start"))).Split(' ');
        var start = Instant.FromUnixTimeSeconds(long.Parse(stamps[0], CultureInfo.InvariantCulture));
        var generatedAt = Instant.FromUnixTimeSeconds(long.Parse(stamps[1], CultureInfo.InvariantCulture));
        var traffic = DemoScenario.Create(start, generatedAt);

        var builder = WebApplication.CreateSlimBuilder(args[1..]);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls("http://127.0.0.1:9464");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(traffic.Exposition(NodaTime.SystemClock.Instance.GetCurrentInstant()), "text/plain; version=0.0.4"));
        await app.RunAsync();
        return 0;
    }
}
