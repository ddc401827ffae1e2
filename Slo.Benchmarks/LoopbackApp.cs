using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Slo.Benchmarks;

/// <summary>
/// A small Kestrel app on a free 127.0.0.1 port inside the benchmark process (the live exporter, the samples proxy).
/// Quiet, and deaf to Ctrl-C and SIGTERM: those are the benchmark's to handle, so it can stop its child processes
/// first, instead of the app stopping itself under a still-running benchmark.
/// </summary>
internal static class LoopbackApp
{
    public static WebApplication Create()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Slo.Tests.Integration.PrometheusServer.FreePort()}");
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, NoSignals>();
        return builder.Build();
    }

    /// <summary>The address the app listens on.</summary>
    public static Uri Url(this WebApplication app) => new(app.Urls.Single() + "/");

    private sealed class NoSignals : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
