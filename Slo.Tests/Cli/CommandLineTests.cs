using System.CommandLine;
using System.Text.RegularExpressions;
using Slo.Api.Cli;
using Slo.Tests.Definitions;
using Slo.Tests.Integration;

namespace Slo.Tests.Cli;

/// <summary>The <c>slo</c> command line: help, version, completions, parse errors and exit codes of every verb.</summary>
[TestFixture]
public class CommandLineTests
{
    /// <summary>Every verb, a phrase of its description, and what its help must list. A new verb adds a row.</summary>
    private static readonly (string Verb, string Describes, string[] Lists)[] Verbs =
    [
        ("serve", "Runs the service", ["--urls <URLS>", "--Section:Key=Value"]),
        ("validate", "Checks the definitions in DIR", ["<DIR>", "[default: slo-definitions]"]),
        ("convert", "Prints the native slo/v1 equivalent of definitions written for OpenSLO, Sloth or Pyrra", ["<FILE>..."]),
        ("gate", "SERVICE's release gate", ["<SERVICE>", "--url <URL>", "[default: http://127.0.0.1:8080/]", "--json"]),
        ("report", "figures over a past week, month, quarter or year", ["<SERVICE>", "--url <URL>", "--period", "--at <DATE>", "--time-zone <ZONE>", "--json", "--csv"]),
        ("rules", "Prometheus recording and alerting rules", ["<DIR>", "[default: slo-definitions]", "--source"]),
        ("health", "answers /health/live", ["--url <URL>"]),
        ("demo-data", "a month of demo traffic", ["<DIR>"]),
        ("demo-exporter", "demo counters of DIR live", ["<DIR>", "--urls <URLS>"]),
    ];

    private static IEnumerable<TestCaseData> HelpCases() =>
        from verb in Verbs
        from flag in new[] { "--help", "-h" }
        select new TestCaseData(verb.Verb, flag, verb.Describes, verb.Lists).SetArgDisplayNames(verb.Verb, flag);

    private static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await SloCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Help wraps long lines to the terminal's width; phrases are looked for with the wrapping undone.</summary>
    private static string Unwrapped(string text) => Regex.Replace(text, @"\s+", " ");

    [TestCaseSource(nameof(HelpCases))]
    public async Task Help_EveryVerb_ExitsZeroWithDescriptionAndOptions(string verb, string flag, string describes, string[] lists)
    {
        var (exit, stdout, stderr) = await RunAsync(verb, flag);
        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero, stderr);
            Assert.That(stderr, Is.Empty);
            Assert.That(Unwrapped(stdout), Does.Contain(describes));
            Assert.That(stdout, Does.Contain($" {verb} "), "usage line");
            foreach (var item in lists.Append("--help"))
                Assert.That(stdout, Does.Contain(item));
        });
    }

    [Test]
    public void Help_VerbTable_CoversEveryVerb() =>
        Assert.That(
            SloCommandLine.Create().Subcommands.Where(c => !c.Hidden).Select(c => c.Name),
            Is.EquivalentTo(Verbs.Select(v => v.Verb)));

    [TestCase("--help")]
    [TestCase("-h")]
    [TestCase("help")]
    public async Task Help_Root_ListsEveryVerbAndVersion(string flag)
    {
        var (exit, stdout, stderr) = await RunAsync(flag);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(Unwrapped(stdout), Does.Contain("With no command, runs the service"));
        Assert.That(stdout, Does.Contain("--version"));
        foreach (var (verb, _, _) in Verbs)
            Assert.That(stdout, Does.Match($@"\n\s+{Regex.Escape(verb)}\b"), verb);
    }

    [Test]
    public async Task Version_Root_ExitsZeroPrintingAVersion()
    {
        var (exit, stdout, stderr) = await RunAsync("--version");
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Does.Match(@"^\d+\.\d+\.\d+"));
    }

    [Test]
    public async Task UnknownVerb_ExitsTwoNamingIt()
    {
        var (exit, stdout, stderr) = await RunAsync("frobnicate");
        Assert.That(exit, Is.EqualTo(SloCommandLine.UsageError));
        Assert.That(stderr, Does.Contain("Unrecognized command or argument 'frobnicate'").And.Contain("slo --help"));
        Assert.That(stderr, Does.Not.Contain("Required command"), "a verb is optional: 'slo' alone serves");
        Assert.That(stdout, Is.Empty);
    }

    [Test]
    public async Task MistypedVerb_SuggestsTheVerb()
    {
        var (exit, _, stderr) = await RunAsync("gat", "checkout");
        Assert.That(exit, Is.EqualTo(SloCommandLine.UsageError));
        Assert.That(stderr, Does.Contain("'gat' was not matched").And.Contain("gate"));
    }

    [Test]
    public async Task Gate_MissingService_ExitsTwoWithAMessageOnStderr()
    {
        var (exit, stdout, stderr) = await RunAsync("gate", "--url", "http://127.0.0.1:9");
        Assert.That(exit, Is.EqualTo(GateCommand.Unknown));
        Assert.That(stderr, Does.Contain("Required argument missing").And.Contain("'gate'").And.Contain("slo gate --help"));
        Assert.That(stdout, Is.Empty, "stdout is the gate's table or JSON, never an error");
    }

    [TestCase("--bogus", "'--bogus'")]
    [TestCase("second", "'second'")]
    public async Task Gate_UnexpectedArgument_ExitsTwoNamingIt(string argument, string named)
    {
        var (exit, stdout, stderr) = await RunAsync("gate", "checkout", argument);
        Assert.That(exit, Is.EqualTo(GateCommand.Unknown));
        Assert.That(stderr, Does.Contain(named));
        Assert.That(stdout, Is.Empty);
    }

    [TestCase("not a url")]
    [TestCase("ftp://127.0.0.1/")]
    [TestCase("/relative")]
    public async Task Gate_UrlThatIsNoHttpUrl_ExitsTwo(string url)
    {
        var (exit, _, stderr) = await RunAsync("gate", "checkout", "--url", url);
        Assert.That(exit, Is.EqualTo(GateCommand.Unknown));
        Assert.That(stderr, Does.Contain($"'{url}' is not an http or https URL"));
    }

    [Test]
    public async Task Validate_ShippedDefinitions_ExitsZero()
    {
        var (exit, stdout, stderr) = await RunAsync("validate", ValidateCommandTests.RepositoryDefinitions());
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("valid: 5 service(s)"));
    }

    [Test]
    public async Task Validate_BrokenDefinitions_ExitsOneWithLocatedErrors()
    {
        var dir = Path.Combine(Path.GetTempPath(), "slo-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "bad.yaml"), "apiVersion: slo/v1\nkind: ServiceObjectives\nservice: x\nobjectives:\n  - name: a\n    target: 150\n    window: 30d\n    indicator: { ratio: { bad: 'e_total', total: 'r_total' } }\n");
            var (exit, stdout, stderr) = await RunAsync("validate", dir);
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr, Does.Contain($"{Path.Combine(dir, "bad.yaml")}:6:13: objectives[0].target: 150 is out of range"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Rules_TwoSources_WarnsAndPrintsEach_SourcePicksOne()
    {
        var dir = Path.Combine(Path.GetTempPath(), "slo-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "two.yaml"), """
                apiVersion: slo/v1
                kind: ServiceObjectives
                service: shop
                objectives:
                  - name: here
                    target: 99.9
                    window: 30d
                    indicator: { ratio: { bad: 'home_errors_total', total: 'home_requests_total' } }
                  - name: there
                    source: eu
                    target: 99.9
                    window: 30d
                    indicator: { ratio: { bad: 'away_errors_total', total: 'away_requests_total' } }
                """);
            var all = await RunAsync("rules", dir);
            var eu = await RunAsync("rules", dir, "--source", "eu");
            var fallback = await RunAsync("rules", dir, "--source", "default");
            var unknown = await RunAsync("rules", dir, "--source", "us");
            Assert.Multiple(() =>
            {
                Assert.That(all.Exit, Is.Zero);
                Assert.That(all.Out, Does.Contain("home_requests_total").And.Contain("away_requests_total"));
                Assert.That(all.Err, Does.Contain("2 Prometheus sources (default, eu)").And.Contain("--source NAME"));
                Assert.That(eu.Exit, Is.Zero);
                Assert.That(eu.Out, Does.Contain("away_requests_total").And.Not.Contain("home_requests_total"));
                Assert.That(eu.Err, Is.Empty);
                Assert.That(fallback.Out, Does.Contain("home_requests_total").And.Not.Contain("away_requests_total"));
                Assert.That(unknown.Exit, Is.EqualTo(1));
                Assert.That(unknown.Out, Is.Empty);
                Assert.That(unknown.Err, Does.Contain("no objective in " + dir + " reads the source 'us'; the sources read are: default, eu"));
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public async Task Validate_TwoFolders_ExitsTwo() =>
        Assert.That((await RunAsync("validate", "a", "b")).Exit, Is.EqualTo(SloCommandLine.UsageError));

    [TestCase("serve", "--urls", "http://127.0.0.1:1")]
    [TestCase("--urls", "http://127.0.0.1:1")]
    [TestCase("--urls=http://127.0.0.1:1")]
    public void Parse_ServeWithHostSettings_HandsThemToTheHostUnchanged(params string[] head)
    {
        var result = SloCommandLine.Parse([.. head, "--Evaluation:Interval=1h", "--Prometheus:Url=http://127.0.0.1:9090", "--Api:Token", "@secret"]);
        Assert.That(result.Errors, Is.Empty);
        var serve = result.CommandResult.Command as ServeCommand;
        Assert.That(serve, Is.Not.Null);
        Assert.That(serve!.HostArguments(result), Is.EqualTo(new[]
        {
            "--urls=http://127.0.0.1:1", "--Evaluation:Interval=1h", "--Prometheus:Url=http://127.0.0.1:9090", "--Api:Token", "@secret",
        }));
    }

    [Test]
    public async Task Run_NoArguments_ServesWithTheEnvironmentsSettings()
    {
        Environment.SetEnvironmentVariable("Storage__Provider", "oracle");
        try
        {
            var (exit, _, stderr) = await RunAsync();
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(stderr, Does.Contain("slo: cannot start:").And.Contain("Storage:Provider must be 'sqlite' or 'sqlserver'"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("Storage__Provider", null);
        }
    }

    [TestCase("serve")]
    [TestCase(null)]
    public async Task Serve_BadHostSetting_StopsNamingTheSetting(string? verb)
    {
        string[] settings = ["--urls=http://127.0.0.1:0", "--Evaluation:Interval=1h", "--Storage:Provider=oracle"];
        var (exit, _, stderr) = await RunAsync(verb is null ? settings : [verb, .. settings]);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("slo: cannot start:").And.Contain("Storage:Provider must be 'sqlite' or 'sqlserver'"));
    }

    // What dotnet-suggest runs for a shell's tab: the line without the executable's name, and the cursor's position in it.
    [TestCase("", new[] { "serve", "validate", "convert", "gate", "report", "rules", "health", "demo-data", "demo-exporter", "--help", "--version" })]
    [TestCase("ga", new[] { "gate" })]
    [TestCase("gate checkout --", new[] { "--url", "--json", "--help" })]
    [TestCase("serve --u", new[] { "--urls" })]
    public async Task Suggest_Line_CompletesVerbsAndOptions(string line, string[] expected)
    {
        var (exit, stdout, stderr) = await RunAsync($"[suggest:{line.Length}]", line);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), Is.SupersetOf(expected).And.Not.Contain("help"));
    }

    [Test]
    public async Task Process_GateHelp_ExitsZeroWithUsage()
    {
        var (exit, stdout, stderr) = await SloProcess.RunAsync("gate", "--help");
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("slo gate <SERVICE> [options]").And.Contain("--json"));
    }

    [Test]
    public async Task Process_Version_ExitsZeroPrintingTheVersion()
    {
        var (exit, stdout, stderr) = await SloProcess.RunAsync("--version");
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stdout, Does.Match(@"^\d+\.\d+\.\d+"));
        Assert.That(stderr, Is.Empty);
    }
}
