using System.Diagnostics;

namespace Slo.Api.Demo;

/// <summary>Turns OpenMetrics files into Prometheus TSDB blocks with <c>promtool tsdb create-blocks-from openmetrics</c>.</summary>
public static class Backfill
{
    /// <summary>Runs promtool on every file, a few at a time, writing blocks into <paramref name="tsdbDirectory"/>.</summary>
    /// <exception cref="InvalidOperationException">promtool is missing or rejected a file; the message holds its output.</exception>
    public static async Task RunAsync(IReadOnlyList<string> files, string tsdbDirectory, CancellationToken cancellationToken, string promtool = "promtool")
    {
        Directory.CreateDirectory(tsdbDirectory);
        using var gate = new SemaphoreSlim(Math.Max(2, Environment.ProcessorCount * 2));
        await Task.WhenAll(files.Select(async file =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                await RunOneAsync(promtool, file, tsdbDirectory, cancellationToken);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task RunOneAsync(string promtool, string file, string tsdbDirectory, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(promtool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "tsdb", "create-blocks-from", "openmetrics", "--quiet", file, tsdbDirectory })
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {promtool}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{promtool} is not installed (Debian package 'prometheus'): {e.Message}", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"{promtool} failed on {file} (exit {process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}
