using System.CommandLine;
using Slo.Engine.Definitions;

namespace Slo.Api.Cli;

/// <summary><c>slo validate [DIR]</c>: prints every problem as <c>file:line:column: field: message</c> on stderr.</summary>
public sealed class ValidateCommand : Command
{
    private readonly Argument<string> _directory = SloCommandLine.DefinitionsArgument();

    public ValidateCommand()
        : base("validate", "Checks the definitions in DIR: exit 0 when valid, 1 with every error as file:line:column: on stderr.")
    {
        Arguments.Add(_directory);
        SetAction(result => Run(result.GetRequiredValue(_directory), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
    }

    public static int Run(string directory, TextWriter stdout, TextWriter stderr)
    {
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
            $"({set.Objectives.Count - performance} reliability, {performance} performance)" +
            (set.Grouped.Any() ? $", {set.Grouped.Count()} grouped objective(s) that become one objective per group found in Prometheus when served" : ""));
        return 0;
    }
}
