using System.CommandLine;
using System.CommandLine.Invocation;

namespace Slo.Api.Cli;

/// <summary>
/// The <c>slo</c> executable's command line, on System.CommandLine: one <see cref="Command"/> class per verb, whose
/// action returns the exit code. Help (<c>--help</c>, <c>-h</c>), <c>--version</c> and shell completions (the
/// <c>[suggest]</c> directive that dotnet-suggest calls) come with it. With no verb, <c>slo</c> runs the service.
/// </summary>
public static class SloCommandLine
{
    /// <summary>The exit code of a command line that does not parse: an unknown verb or option, a missing argument.</summary>
    public const int UsageError = 2;

    /// <summary>Every verb. Adding one is a class deriving from <see cref="Command"/> and a line here.</summary>
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "Error budgets you can ship on: objectives in YAML, evaluated against Prometheus, with budgets, burn alerts and " +
            "a release gate over HTTP. With no command, runs the service (see 'slo serve --help').")
        {
            new ServeCommand(),
            new ValidateCommand(),
            new ConvertCommand(),
            new GateCommand(),
            new ReportCommand(),
            new RulesCommand(),
            new HealthCommand(),
            new DemoDataCommand(),
            new DemoExporterCommand(),
            HelpVerb(),
        };
        root.SetAction((result, _) => ServeCommand.RunAsync([], result.InvocationConfiguration.Error));
        return root;
    }

    /// <summary>Parses a command line; <c>slo</c> with no verb serves, as it always did.</summary>
    public static ParseResult Parse(IReadOnlyList<string> args)
    {
        var root = Create();
        // No response files: a token such as "@secret" in "--Api:Token @secret" belongs to the host, unchanged.
        return root.Parse(ServeByDefault(root, args), new ParserConfiguration { ResponseFileTokenReplacer = null });
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var result = Parse(args);
        var unparsed = result.Action is ParseErrorAction;
        if (result.Action is ParseErrorAction parseError)
            parseError.ShowHelp = false; // the error and where help is, not the whole help
        var exit = await result.InvokeAsync(new InvocationConfiguration
        {
            // A parse error and its typo corrections go to stderr: stdout is what scripts read (gate's table or JSON).
            Output = unparsed ? stderr : stdout,
            Error = stderr,
            // The service stops in order on SIGTERM or Ctrl-C by itself; System.CommandLine's own handling would end
            // the process 2 s after the signal, whatever the host was still writing.
            ProcessTerminationTimeout = null,
            // An unexpected exception ends the process as it always did, with its stack trace.
            EnableDefaultExceptionHandler = false,
        });
        if (!unparsed)
            return exit;
        var verb = result.CommandResult.Command;
        await stderr.WriteLineAsync($"See 'slo{(verb is RootCommand ? "" : " " + verb.Name)} --help'.");
        return UsageError;
    }

    /// <summary>The <c>DIR</c> of verbs that read definitions, by default where <c>slo serve</c> reads them.</summary>
    internal static Argument<string> DefinitionsArgument() => new("DIR")
    {
        Description = "The folder of definitions: every *.yaml and *.yml file below it is read.",
        DefaultValueFactory = _ => Definitions.DefinitionsOptions.DefaultPath,
    };

    /// <summary>GETs <paramref name="path"/> of a running service; null, after saying why on stderr, when it cannot be reached.</summary>
    internal static async Task<HttpResponseMessage?> AskAsync(HttpClient http, Uri url, string path, string verb, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            return await http.GetAsync(new Uri(AsBase(url), path), cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await stderr.WriteLineAsync($"slo {verb}: cannot reach the SLO service at {url}: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// The <c>--url</c> of verbs that ask a running service: an absolute http or https URL, by default where
    /// <c>slo serve</c> listens by default.
    /// </summary>
    internal static Option<Uri> UrlOption(string description) => new("--url")
    {
        Description = description,
        HelpName = "URL",
        DefaultValueFactory = _ => new Uri(ServeCommand.DefaultUrl),
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
                return url;
            result.AddError($"'{text}' is not an http or https URL.");
            return null;
        },
    };

    /// <summary>
    /// What a verb that runs a host (<c>serve</c>, <c>demo-exporter</c>) hands it as its command-line configuration:
    /// <c>--urls</c> and every token the parser did not claim, such as <c>--Prometheus:Url=URL</c>, as given.
    /// </summary>
    internal static string[] HostArguments(ParseResult result, Option<string> urls) =>
        result.GetValue(urls) is { } value ? [$"--urls={value}", .. result.UnmatchedTokens] : [.. result.UnmatchedTokens];

    /// <summary>The URL as a base for relative paths, so that a path prefix (a reverse proxy's) is kept.</summary>
    internal static Uri AsBase(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    /// <summary>
    /// <c>slo</c> alone is the root's action, which serves; arguments that start with an option the root does not know
    /// (<c>--urls</c>, <c>--Key=Value</c>) are serve's too.
    /// </summary>
    private static IReadOnlyList<string> ServeByDefault(RootCommand root, IReadOnlyList<string> args) =>
        args.Count > 0 && args[0].StartsWith('-') && !root.Options.Any(o => o.Name == args[0] || o.Aliases.Contains(args[0]))
            ? ["serve", .. args]
            : args;

    /// <summary><c>slo help</c>, which the earlier command line knew: the same as <c>slo --help</c>.</summary>
    private static Command HelpVerb()
    {
        var help = new Command("help", "Shows help and usage information, as --help does.") { Hidden = true };
        help.SetAction(result => result.RootCommandResult.Command.Parse(["--help"]).Invoke(result.InvocationConfiguration));
        return help;
    }
}
