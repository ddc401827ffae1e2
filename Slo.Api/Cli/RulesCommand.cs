using Slo.Engine.Definitions;
using Slo.Engine.Rules;

namespace Slo.Api.Cli;

/// <summary><c>slo rules [DIR]</c>: prints Prometheus recording and alerting rules for the definitions in DIR.</summary>
public static class RulesCommand
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length > 1)
        {
            stderr.WriteLine("usage: slo rules [DIR] > slo-rules.yml");
            return 2;
        }

        var directory = args.Length == 1 ? args[0] : ValidateCommand.DefaultDirectory;
        var set = DefinitionLoader.LoadDirectory(directory);
        foreach (var diagnostic in set.Diagnostics)
            stderr.WriteLine(diagnostic);
        if (!set.IsValid)
            return 1;
        stdout.Write(PrometheusRules.Generate(set.Objectives, NodaTime.SystemClock.Instance.GetCurrentInstant()));
        return 0;
    }
}
