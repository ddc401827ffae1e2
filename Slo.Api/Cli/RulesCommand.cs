using System.CommandLine;
using Slo.Engine.Definitions;
using Slo.Engine.Rules;

namespace Slo.Api.Cli;

/// <summary><c>slo rules [DIR]</c>: prints Prometheus recording and alerting rules for the definitions in DIR.</summary>
public sealed class RulesCommand : Command
{
    private readonly Argument<string> _directory = SloCommandLine.DefinitionsArgument();

    private readonly Option<string?> _source = new("--source")
    {
        HelpName = "NAME",
        Description = "Only the objectives read from this Prometheus source (default: Prometheus:Url); "
            + "rules belong in the Prometheus that holds their metrics.",
    };

    public RulesCommand()
        : base("rules", "Prints Prometheus recording and alerting rules for the definitions in DIR (exit 1 when they are invalid).")
    {
        Arguments.Add(_directory);
        Options.Add(_source);
        SetAction(result => Run(result.GetRequiredValue(_directory), result.GetValue(_source), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));
    }

    public static int Run(string directory, string? source, TextWriter stdout, TextWriter stderr)
    {
        var set = DefinitionLoader.LoadDirectory(directory);
        foreach (var diagnostic in set.Diagnostics)
            stderr.WriteLine(diagnostic);
        if (!set.IsValid)
            return 1;
        static string SourceOf(Objective o) => o.Source ?? Objective.DefaultSource;
        // A composite is summed by the service from its components, each read from its own source: it has no rules.
        var sources = set.Objectives.Where(o => o.Indicator is not CompositeIndicator).Select(SourceOf).Distinct().Order(StringComparer.Ordinal).ToArray();
        var objectives = set.Objectives;
        if (source is not null)
        {
            if (!sources.Contains(source, StringComparer.Ordinal))
            {
                stderr.WriteLine($"error: no objective in {directory} reads the source '{source}'; the sources read are: {string.Join(", ", sources)}");
                return 1;
            }

            objectives = [.. set.Objectives.Where(o => o.Indicator is not CompositeIndicator && SourceOf(o) == source)];
        }
        else if (sources.Length > 1)
        {
            stderr.WriteLine($"warning: these objectives read {sources.Length} Prometheus sources ({string.Join(", ", sources)}); "
                + "each Prometheus has only its own metrics: print each one's rules with --source NAME");
        }

        foreach (var grouped in set.Grouped.Where(g => source is null || SourceOf(g.Template) == source))
            stderr.WriteLine($"{grouped.GroupingAt ?? grouped.Template.DefinedAt}: grouping: {grouped.Id}: no rules written: its objectives are the groups found in Prometheus while the service runs");
        stdout.Write(PrometheusRules.Generate(objectives, NodaTime.SystemClock.Instance.GetCurrentInstant()));
        return 0;
    }
}
