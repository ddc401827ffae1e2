using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using NodaTime.Testing;
using Slo.Api.Cli;

namespace Slo.Tests.Integration;

/// <summary>The real service host (as <c>slo serve</c> builds it) on a free loopback port, with a fake clock.</summary>
internal sealed class SloHost : IAsyncDisposable
{
    private SloHost(WebApplication app, string directory)
    {
        App = app;
        Directory = directory;
    }

    public WebApplication App { get; }
    public string Directory { get; }
    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    /// <param name="directory">Holds the definitions and the SQLite file; reuse it to restart over the same database.</param>
    /// <param name="background">Run the evaluation worker's own loop (otherwise tests drive cycles themselves).</param>
    public static async Task<SloHost> StartAsync(Uri prometheus, string directory, IClock clock, bool background = false, string interval = "30s", string? definitions = null, IEnumerable<string>? extra = null)
    {
        var definitionsPath = Path.Combine(directory, "definitions");
        System.IO.Directory.CreateDirectory(definitionsPath);
        File.WriteAllText(Path.Combine(definitionsPath, "scenario.yaml"), definitions ?? TestScenario.Definitions);
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Prometheus:Url={prometheus}",
            "--Prometheus:AttemptTimeout=00:00:02",
            "--Prometheus:TotalTimeout=00:00:05",
            $"--Definitions:Path={definitionsPath}",
            $"--Storage:ConnectionString=Data Source={Path.Combine(directory, "slo.db")}",
            $"--Evaluation:Enabled={background}",
            $"--Evaluation:Interval={interval}",
            "--Logging:LogLevel:Default=Warning",
            .. extra ?? [],
        ];
        var app = ServeCommand.Build(args, builder => builder.Services.AddSingleton(clock));
        await app.StartAsync();
        return new SloHost(app, directory);
    }

    /// <summary>GET a path from the host over real HTTP.</summary>
    public async Task<string> GetStringAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(App.Urls.First()) };
        return await http.GetStringAsync(path);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        // SQLite pools connections per file; release them so the next host (or the clean-up) sees a closed file.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public static FakeClock ClockAt(Instant at) => new(at);
}
