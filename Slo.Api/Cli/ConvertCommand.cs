using System.CommandLine;
using Slo.Engine.Definitions;

namespace Slo.Api.Cli;

/// <summary>
/// <c>slo convert FILE...</c>: reads definitions in any format the service reads (native, OpenSLO, Sloth, Pyrra) and
/// prints their native <c>slo/v1</c> equivalent on stdout; warnings and errors go to stderr, located.
/// </summary>
public sealed class ConvertCommand : Command
{
    private readonly Argument<string[]> _files = new("FILE")
    {
        Description = "Definition files to convert (a folder stands for every *.yaml and *.yml file below it). Files read together may name each other's objects (an OpenSLO SLO and its SLI).",
        Arity = ArgumentArity.OneOrMore,
    };

    public ConvertCommand()
        : base("convert", "Prints the native slo/v1 equivalent of definitions written for OpenSLO, Sloth or Pyrra (exit 1 with every error as file:line:column: on stderr).")
    {
        Arguments.Add(_files);
        SetAction(result => Run(result.GetRequiredValue(_files), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
    }

    public static int Run(IReadOnlyList<string> paths, TextWriter stdout, TextWriter stderr)
    {
        var files = new List<(string File, string Text)>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
                files.AddRange(DefinitionLoader.FilesIn(path).Select(f => (f, File.ReadAllText(f))));
            else if (File.Exists(path))
                files.Add((path, File.ReadAllText(path)));
            else
            {
                stderr.WriteLine($"slo convert: '{path}' is neither a file nor a folder");
                return 1;
            }
        }

        var set = DefinitionLoader.Load(files);
        foreach (var diagnostic in set.Diagnostics)
            stderr.WriteLine(diagnostic);
        if (!set.IsValid)
        {
            stderr.WriteLine($"slo convert: {set.Errors.Count()} error(s); nothing was converted");
            return 1;
        }

        var conversion = NativeYamlWriter.Write(set.Services, [$"Converted by `slo convert` from {string.Join(", ", paths)}."]);
        foreach (var problem in conversion.Problems)
            stderr.WriteLine(problem);
        if (conversion.Problems.Count > 0)
        {
            stderr.WriteLine($"slo convert: {conversion.Problems.Count} objective(s) the native format cannot express; nothing was converted");
            return 1;
        }

        stdout.Write(conversion.Yaml);
        return 0;
    }
}
