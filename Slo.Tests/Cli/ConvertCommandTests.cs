using Slo.Api.Cli;
using Slo.Engine.Definitions;
using Slo.Tests.Definitions;

namespace Slo.Tests.Cli;

/// <summary><c>slo convert FILE...</c>: the native equivalent on stdout, or located errors on stderr and exit 1.</summary>
[TestFixture]
public class ConvertCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] paths)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = ConvertCommand.Run(paths, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string Public(string path) => Path.Combine(PublicFormatFilesTests.Formats(), path);

    [Test]
    public void Run_SlothAndPyrraFiles_PrintsNativeThatLoadsBackTheSame()
    {
        string[] files = [Public("slok/sloth/examples/kubernetes-apiserver.yml"), Public("pyrra-dev/pyrra/examples/caddy-response-latency.yaml")];
        var (exit, stdout, stderr) = Run(files);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stderr, Does.Contain("warning:"), "what Sloth's alerts carry that ours do not is said");
        Assert.That(stdout, Does.StartWith("# Converted by `slo convert` from "));
        var original = DefinitionLoader.Load(files.Select(f => (f, File.ReadAllText(f))));
        ObjectiveComparison.AssertSame(DefinitionLoader.LoadText(stdout).Objectives, original.Objectives);
    }

    [Test]
    public void Run_GroupedFile_ExitsOneSayingGroupingIsUnsupportedInConvertAndPrintsNothing()
    {
        var file = Public("pyrra-dev/pyrra/examples/prometheus-http.yaml");
        var (exit, stdout, stderr) = Run(file);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain($"{file}:20:11: grouping: prometheus-api-query/prometheus-api-query: grouping is unsupported in slo convert")
            .And.Contain("only known at run time").And.Contain("nothing was converted"));
    }

    [Test]
    public void Run_ObjectiveTheNativeFormatCannotSay_ExitsOneNamingIt()
    {
        var dir = Path.Combine(Path.GetTempPath(), "slo-convert-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var file = Path.Combine(dir, "noon.yaml");
            File.WriteAllText(file, """
                apiVersion: openslo/v1
                kind: SLO
                metadata: { name: weekly }
                spec:
                  service: web
                  indicator: { spec: { ratioMetric: { counter: true, bad: { metricSource: { type: Prometheus, spec: { query: e_total } } }, total: { metricSource: { type: Prometheus, spec: { query: r_total } } } } } }
                  timeWindow: [ { duration: 1w, isRolling: false, calendar: { startTime: 2022-01-01 12:00:00, timeZone: America/New_York } } ]
                  budgetingMethod: Occurrences
                  objectives: [ { target: 0.99 } ]
                """);
            var (exit, stdout, stderr) = Run(dir);
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr, Does.Contain($"{file}:1:1: web/weekly: the native format has no calendar week in America/New_York starting at 2022-01-01T12:00:00 window"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Run_MissingFile_ExitsOne() =>
        Assert.That(Run("/nonexistent/slo.yaml").Err, Does.Contain("'/nonexistent/slo.yaml' is neither a file nor a folder"));
}
