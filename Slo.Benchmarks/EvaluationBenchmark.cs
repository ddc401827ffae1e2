using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Slo.Api.Cli;
using Slo.Api.Demo;
using Slo.Api.Evaluation;
using Slo.Api.Prometheus;
using Slo.Tests.Integration;

namespace Slo.Benchmarks;

/// <summary>
/// Evaluates N objectives (default 1,000) against a real Prometheus holding 30 days of generated traffic and reports
/// HTTP requests per cycle, cycle time, CPU and memory. The first cycle also looks up histogram bounds; the next
/// ones show the steady state.
/// </summary>
internal static class EvaluationBenchmark
{
    public static async Task<int> RunAsync(int objectives, int cycles)
    {
        await using var env = await BenchEnvironment.StartAsync(objectives);
        var work = env.Directory;
        var prometheus = env.Prometheus;
        var definitions = env.DefinitionsPath;
        {

            var counter = new CountingHandler();
            var app = ServeCommand.Build(
            [
                "--urls=http://127.0.0.1:0",
                $"--Prometheus:Url={prometheus.Url}",
                $"--Definitions:Path={definitions}",
                $"--Storage:ConnectionString=Data Source={Path.Combine(work, "slo.db")}",
                "--Evaluation:Enabled=false",
                "--Logging:LogLevel:Default=Warning",
            ], builder => builder.Services.AddHttpClient<PrometheusClient>().AddHttpMessageHandler(() => counter));
            await app.StartAsync();
            var worker = app.Services.GetRequiredService<EvaluationWorker>();
            var board = app.Services.GetRequiredService<StatusBoard>();

            var rows = new StringBuilder("| cycle | objectives | failed | HTTP requests | requests/objective | wall time (s) | CPU time (s) | managed heap (MB) | working set (MB) |\n|---|---|---|---|---|---|---|---|---|\n");
            var process = Process.GetCurrentProcess();
            for (var cycle = 1; cycle <= cycles; cycle++)
            {
                counter.Reset();
                process.Refresh();
                var cpu = process.TotalProcessorTime;
                var summary = await worker.RunCycleAsync(CancellationToken.None);
                process.Refresh();
                var requests = counter.Count;
                rows.Append(CultureInfo.InvariantCulture,
                    $"| {cycle} | {summary.Objectives} | {summary.Failed} | {requests} | {(double)requests / summary.Objectives:F2} | {summary.Took.TotalSeconds:F2} | {(process.TotalProcessorTime - cpu).TotalSeconds:F2} | {GC.GetTotalMemory(false) / 1048576.0:F0} | {process.WorkingSet64 / 1048576.0:F0} |\n");
            }

            Console.WriteLine();
            Console.WriteLine($"{objectives} objectives, Prometheus {prometheus.Url}, {Environment.ProcessorCount} cores, MaxConcurrentQueries 8");
            Console.Write(rows);
            var states = board.All.GroupBy(s => s.State).Select(g => $"{g.Key}: {g.Count()}");
            Console.WriteLine($"states after the last cycle: {string.Join(", ", states)}");
            await app.StopAsync();
            await app.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            return board.All.All(s => s.State == Slo.Engine.Evaluation.ObjectiveState.Ok) ? 0 : 1;
        }
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _count;

        public int Count => _count;

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
