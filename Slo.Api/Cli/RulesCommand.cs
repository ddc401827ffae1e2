using System.CommandLine;
using Slo.Engine.Definitions;
using Slo.Engine.Rules;

namespace Slo.Api.Cli;

/// <summary><c>slo rules [DIR]</c>: prints Prometheus recording and alerting rules for the definitions in DIR.</summary>
public sealed class RulesCommand : Command
{
    private readonly Argument<string> _directory = SloCommandLine.DefinitionsArgument();

    public RulesCommand()
        : base("rules", "Prints Prometheus recording and alerting rules for the definitions in DIR (exit 1 when they are invalid).")
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
            return 1;
        foreach (var grouped in set.Grouped)
            stderr.WriteLine($"{grouped.GroupingAt ?? grouped.Template.DefinedAt}: grouping: {grouped.Id}: no rules written: its objectives are the groups found in Prometheus while the service runs");
        stdout.Write(PrometheusRules.Generate(set.Objectives, NodaTime.SystemClock.Instance.GetCurrentInstant()));
        return 0;
    }
}
