using System.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Slo.Tests.Deploy;

/// <summary>The repository's <c>deploy/</c> folder, its YAML documents, and the external programs that check them.</summary>
internal static class DeployFiles
{
    /// <summary>The repository root; tests run from bin/, so walk up to the folder that holds deploy/kubernetes.</summary>
    public static string Root { get; } = FindRoot();

    public static string Kubernetes => Path.Combine(Root, "deploy", "kubernetes");

    public static string Grafana => Path.Combine(Root, "deploy", "grafana");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "deploy", "kubernetes")) && Directory.Exists(Path.Combine(dir.FullName, "slo-definitions")))
                return dir.FullName;
        }

        throw new DirectoryNotFoundException("deploy/kubernetes not found above the test directory");
    }

    /// <summary>
    /// Every non-empty YAML document of a file as plain maps, lists and strings (scalars stay text: <c>true</c> is
    /// "true"), so the tests see what the file says rather than what a typed model would make of it.
    /// </summary>
    public static IReadOnlyList<Dictionary<object, object>> Documents(string path)
    {
        var deserializer = new DeserializerBuilder().Build();
        var parser = new Parser(new StringReader(File.ReadAllText(path)));
        parser.Consume<StreamStart>();
        var documents = new List<Dictionary<object, object>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize<Dictionary<object, object>?>(parser) is { } document)
                documents.Add(document);
        }

        return documents;
    }

    /// <summary>The one document of <paramref name="kind"/> in a file.</summary>
    public static Dictionary<object, object> Document(string file, string kind) =>
        Documents(Path.Combine(Kubernetes, file)).Single(d => d.TryGetValue("kind", out var k) && (string)k == kind);

    /// <summary>Follows map keys and list indices; null where the path leads nowhere.</summary>
    public static object? At(object? node, params object[] path)
    {
        foreach (var step in path)
        {
            node = (node, step) switch
            {
                (Dictionary<object, object> map, string key) => map.GetValueOrDefault(key),
                (List<object> list, int index) => index < list.Count ? list[index] : null,
                _ => null,
            };
        }

        return node;
    }

    public static string? Text(object? node, params object[] path) => At(node, path) as string;

    public static IEnumerable<Dictionary<object, object>> Maps(object? node, params object[] path) =>
        (At(node, path) as List<object> ?? []).OfType<Dictionary<object, object>>();

    /// <summary>Runs a program to completion, stdout and stderr together.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string program, string workingDirectory, TimeSpan timeout, params string[] args)
    {
        var info = new ProcessStartInfo(RequireOnPath(program))
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment["NO_UPDATE_NOTIFIER"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} took longer than {timeout.TotalSeconds:0} s: {await stdout}{await stderr}");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>node and npm are part of the test tool chain, like prometheus: missing means failing, with the fix.</summary>
    private static string RequireOnPath(string name) =>
        Integration.Tools.FindOnPath(name) ??
        throw new InvalidOperationException(
            $"'{name}' is not installed. The Kubernetes manifests are validated with Node.js (deploy/kubernetes/validate): " +
            "install Debian's nodejs and npm (scripts/test does so when run as root: apt-get install -y nodejs npm).");
}
