using Slo.Engine.Definitions;

namespace Slo.Api.Cli;

/// <summary><c>slo validate [DIR]</c>: prints every problem as <c>file:line:column: field: message</c> on stderr.</summary>
public static class ValidateCommand
{
    public const string DefaultDirectory = "slo-definitions";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length > 1)
        {
            stderr.WriteLine("usage: slo validate [DIR]");
            return 2;
        }

        var directory = args.Length == 1 ? args[0] : DefaultDirectory;
        var set = DefinitionLoader.LoadDirectory(directory);
        foreach (var diagnostic in set.Diagnostics)
            stderr.WriteLine(diagnostic);

        if (!set.IsValid)
        {
            stderr.WriteLine($"{directory}: {set.Errors.Count()} error(s); nothing was loaded from the broken documents");
            return 1;
        }

        var performance = set.Objectives.Count(o => o.Signal == Engine.Signal.Performance);
        stdout.WriteLine(
            $"{directory}: valid: {set.Services.Count} service(s), {set.Objectives.Count} objective(s) " +
            $"({set.Objectives.Count - performance} reliability, {performance} performance)");
        return 0;
    }
}
