using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Slo.Api.Cli;

namespace Slo.Tests.Api;

/// <summary>How <c>slo serve</c> ends: a supervisor restarts it only when the exit code says it failed.</summary>
[TestFixture]
public class ServeExitTests
{
    private sealed class Dying : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            await Task.Delay(200, stoppingToken);
            throw new IOException("database or disk is full");
        }
    }

    private static WebApplication Build(string directory, Action<IServiceCollection> services)
    {
        var definitions = Path.Combine(directory, "definitions");
        Directory.CreateDirectory(definitions);
        File.WriteAllText(Path.Combine(definitions, "s.yaml"), """
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: s
            objectives:
              - { name: a, target: 99, window: 30d, indicator: { ratio: { bad: 'e_total', total: 'r_total' } } }
            """);
        return ServeCommand.Build(
            ["--urls=http://127.0.0.1:0", "--Prometheus:Url=http://127.0.0.1:9", $"--Definitions:Path={definitions}",
             $"--Storage:ConnectionString=Data Source={Path.Combine(directory, "slo.db")}", "--Evaluation:Enabled=false",
             "--History:Backfill=false", "--Logging:LogLevel:Default=None"],
            builder => services(builder.Services));
    }

    [Test]
    public async Task Serve_BackgroundServiceThatDies_StopsWithANonZeroExitCode()
    {
        var directory = Directory.CreateTempSubdirectory("slo-exit-").FullName;
        await using var app = Build(directory, s => s.AddHostedService<Dying>());
        var background = ServeCommand.BackgroundServices(app.Services);
        await app.RunAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.That(ServeCommand.ExitCode(background), Is.EqualTo(70));
    }

    [Test]
    public async Task Serve_StoppedInOrder_ExitsWithZero()
    {
        var directory = Directory.CreateTempSubdirectory("slo-exit-").FullName;
        await using var app = Build(directory, _ => { });
        var background = ServeCommand.BackgroundServices(app.Services);
        await app.StartAsync();
        await app.StopAsync();
        Assert.That(ServeCommand.ExitCode(background), Is.Zero);
    }
}
