using System.Diagnostics;
using System.Text;

namespace Slo.Tests.Integration;

/// <summary>The real <c>slo</c> executable as a child process, the way users and CI run it.</summary>
internal sealed class SloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SloProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The operating system's id of the process (for its /proc entries).</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Resident memory now, from /proc (Linux).</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
    public Uri Url => new($"http://127.0.0.1:{Port}/");
    public string Output { get { lock (_output) return _output.ToString(); } }

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "slo.dll");

    public static async Task<SloProcess> StartAsync(params string[] settings)
    {
        var port = PrometheusServer.FreePort();
        var info = Info(["serve", $"--urls=http://127.0.0.1:{port}", .. settings]);
        var slo = new SloProcess(Process.Start(info)!, port);
        slo._process.OutputDataReceived += (_, e) => { lock (slo._output) slo._output.AppendLine(e.Data); };
        slo._process.ErrorDataReceived += (_, e) => { lock (slo._output) slo._output.AppendLine(e.Data); };
        slo._process.BeginOutputReadLine();
        slo._process.BeginErrorReadLine();

        try
        {
            await Tools.WaitUntilReadyAsync(new Uri(slo.Url, "health/ready"), slo._process, TimeSpan.FromSeconds(60), () => slo.Output);
            return slo;
        }
        catch
        {
            await slo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one command-line verb to completion.</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var process = Process.Start(Info(args))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo Info(string[] args)
    {
        // Through env, with SIGHUP's default action restored: a test run started under nohup passes SIGHUP on ignored,
        // and the runtime then leaves it ignored (as it should for a service under nohup), so no reload test could send it.
        var info = new ProcessStartInfo("env") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("--default-signal=HUP");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    private bool _disposed;

    /// <summary>An orderly stop (SIGTERM, as a supervisor sends it); waits until the process is gone.</summary>
    public async Task TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>SIGKILL: the process dies on the spot, with no chance to hand anything over.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
