using System.CommandLine;
using Slo.Api.Demo;

namespace Slo.Api.Cli;

/// <summary><c>slo demo-data DIR</c>: writes a month of demo traffic as Prometheus blocks (through promtool) into DIR/tsdb.</summary>
public sealed class DemoDataCommand : Command
{
    private readonly Argument<string> _directory = new("DIR") { Description = "The demo's Prometheus folder; the blocks go to DIR/tsdb." };

    public DemoDataCommand()
        : base("demo-data", "Writes a month of demo traffic for four services as Prometheus blocks into DIR/tsdb (needs promtool).")
    {
        Arguments.Add(_directory);
        SetAction((result, cancellationToken) => RunAsync(
            result.GetRequiredValue(_directory), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error, cancellationToken));
    }

    public static async Task<int> RunAsync(string dir, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var now = NodaTime.SystemClock.Instance.GetCurrentInstant();
        var minute = Instant.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds() / 60_000 * 60_000);
        var start = minute - DemoScenario.History;
        var traffic = DemoScenario.Create(start, minute);
        var files = traffic.WriteOpenMetrics(Path.Combine(dir, "openmetrics"), until: minute);
        try
        {
            await Backfill.RunAsync(files, Path.Combine(dir, "tsdb"), cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            await stderr.WriteLineAsync($"slo demo-data: {e.Message}");
            return 1;
        }

        await File.WriteAllTextAsync(Path.Combine(dir, "start"), $"{start.ToUnixTimeSeconds()} {minute.ToUnixTimeSeconds()}", cancellationToken);
        Directory.Delete(Path.Combine(dir, "openmetrics"), recursive: true);
        await stdout.WriteLineAsync($"demo data: {traffic.Profiles.Count} services, {DemoScenario.History.TotalDays:0} days up to {minute}, in {Path.Combine(dir, "tsdb")}");
        return 0;
    }
}
