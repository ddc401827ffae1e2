namespace Slo.Api.Cli;

/// <summary>The verbs of the <c>slo</c> executable. With no verb, or <c>serve</c>, it runs the service.</summary>
public static class SloCommandLine
{
    public const string Usage = """
        usage: slo [serve] [--urls http://127.0.0.1:8080] [--Key=Value ...]
               slo validate [DIR]                 check definitions; exit 0 valid, 1 invalid
               slo gate SERVICE [--url URL] [--json]
               slo rules [DIR]
               slo health [--url URL]             exit 0 when the service is live
               slo demo-data DIR                  write a month of demo traffic as Prometheus blocks
               slo demo-exporter DIR [--urls URL] serve the same demo counters live
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
        switch (verb)
        {
            case "serve":
                try
                {
                    return await ServeCommand.RunAsync(rest);
                }
                catch (Exception e) when (e is Definitions.InvalidDefinitionsException or Microsoft.Extensions.Options.OptionsValidationException)
                {
                    // A setting or a definition is wrong: say which, without a stack trace.
                    await stderr.WriteLineAsync($"slo: cannot start: {e.Message}");
                    return 1;
                }
            case "validate":
                return ValidateCommand.Run(rest, stdout, stderr);
            case "help" or "--help" or "-h":
                await stdout.WriteLineAsync(Usage);
                return 0;
            case "gate":
                return await GateCommand.RunAsync(rest, stdout, stderr);
            case "health":
                return await HealthCommand.RunAsync(rest, stderr);
            case "demo-data":
                return await DemoCommands.DataAsync(rest, stdout, stderr);
            case "demo-exporter":
                return await DemoCommands.ExporterAsync(rest);
            case "rules":
                return RulesCommand.Run(rest, stdout, stderr);
            default:
                await stderr.WriteLineAsync($"slo: unknown verb '{verb}'\n{Usage}");
                return 2;
        }
    }
}
