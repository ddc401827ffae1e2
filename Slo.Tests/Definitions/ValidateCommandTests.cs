using Slo.Api.Cli;
using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

[TestFixture]
public class ValidateCommandTests
{
    private string _dir = "";

    [SetUp]
    public void CreateFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), "slo-validate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Out, string Err) Run(string directory)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = ValidateCommand.Run(directory, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The folder shipped with the repository; tests run from bin/, so walk up to find it.</summary>
    internal static string RepositoryDefinitions()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "slo-definitions");
            if (Directory.Exists(candidate))
                return candidate;
        }

        throw new DirectoryNotFoundException("slo-definitions not found above the test directory");
    }

    [Test]
    public void Run_ShippedDefinitions_AreValid()
    {
        var (exit, stdout, stderr) = Run(RepositoryDefinitions());
        Assert.That(stderr, Is.Empty);
        Assert.That(exit, Is.Zero);
        Assert.That(stdout, Does.Contain("valid: 5 service(s), 9 objective(s)"));
    }

    [Test]
    public void LoadDirectory_ShippedDefinitions_CoverEveryIndicatorWindowAndMethod()
    {
        var set = DefinitionLoader.LoadDirectory(RepositoryDefinitions());
        var kinds = set.Objectives.Select(o => o.Indicator.GetType().Name).Distinct();
        var windows = set.Objectives.Select(o => o.Window.Length).Distinct();
        Assert.Multiple(() =>
        {
            Assert.That(kinds, Is.EquivalentTo(new[] { "RatioIndicator", "RawRatioIndicator", "LatencyIndicator", "CompositeIndicator", "ThresholdIndicator" }));
            Assert.That(windows, Is.SupersetOf(new[] { "30d", "28d", "week", "month", "quarter" }));
            Assert.That(set.Objectives.Select(o => o.Budgeting).OfType<TimeslicesBudgeting>(), Is.Not.Empty);
        });
    }

    [Test]
    public void LoadDirectory_ConfigMapMountedAsFolder_ReadsEachFileOnce()
    {
        // The kubelet's layout: the data in ..<timestamp>/, ..data a link to it, each key a link through ..data.
        var stamped = Path.Combine(_dir, "..2026_11_26_06_00_00.123456789");
        Directory.CreateDirectory(stamped);
        File.Copy(Path.Combine(RepositoryDefinitions(), "checkout.yaml"), Path.Combine(stamped, "checkout.yaml"));
        File.CreateSymbolicLink(Path.Combine(_dir, "..data"), Path.GetFileName(stamped));
        File.CreateSymbolicLink(Path.Combine(_dir, "checkout.yaml"), Path.Combine("..data", "checkout.yaml"));
        File.WriteAllText(Path.Combine(_dir, ".checkout.yaml.swp"), "not: [yaml");

        var set = DefinitionLoader.LoadDirectory(_dir);
        Assert.That(set.Diagnostics.Select(d => d.ToString()), Is.Empty);
        Assert.That(set.Objectives.Select(o => o.Id.ToString()), Is.EquivalentTo(new[] { "checkout/availability", "checkout/latency" }));
    }

    [Test]
    public void Run_BrokenFile_ExitsOneWithLocatedErrorsOnStderr()
    {
        File.WriteAllText(Path.Combine(_dir, "bad.yml"), "apiVersion: slo/v1\nkind: ServiceObjectives\nservice: x\nobjectives:\n  - name: a\n    target: 150\n    window: 30d\n    indicator: { ratio: { bad: 'e_total', total: 'r_total' } }\n");
        var (exit, stdout, stderr) = Run(_dir);
        Assert.That(exit, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain($"{Path.Combine(_dir, "bad.yml")}:6:13: objectives[0].target: 150 is out of range"));
    }

    [Test]
    public void Run_OneBrokenAmongValid_StillExitsOne()
    {
        File.Copy(Path.Combine(RepositoryDefinitions(), "checkout.yaml"), Path.Combine(_dir, "checkout.yaml"));
        File.WriteAllText(Path.Combine(_dir, "z.yaml"), "apiVersion: slo/v1\nkind: [\n");
        Assert.That(Run(_dir).Exit, Is.EqualTo(1));
    }

    [Test]
    public void Run_MissingFolder_ExitsOne() =>
        Assert.That(Run(Path.Combine(_dir, "nope")).Err, Does.Contain("does not exist"));

    [Test]
    public void Run_IgnoresNonYamlFiles()
    {
        File.WriteAllText(Path.Combine(_dir, "README.md"), "not yaml: [");
        Assert.That(Run(_dir).Exit, Is.Zero);
    }

    [Test]
    public void Run_FolderOfEveryFormat_IsValid()
    {
        // slo validate reads what the loader reads: native, an OpenSLO list, Sloth and Pyrra files side by side.
        var formats = PublicFormatFilesTests.Formats();
        File.Copy(Path.Combine(RepositoryDefinitions(), "checkout.yaml"), Path.Combine(_dir, "checkout.yaml"));
        File.Copy(Path.Combine(formats, "OpenSLO/go-sdk/pkg/openslosdk/test_data/decode/v1_slos.yaml"), Path.Combine(_dir, "openslo.yaml"));
        File.Copy(Path.Combine(formats, "slok/sloth/examples/k8s-multifile.yml"), Path.Combine(_dir, "sloth.yml"));
        File.Copy(Path.Combine(formats, "pyrra-dev/pyrra/examples/nginx.yaml"), Path.Combine(_dir, "pyrra.yaml"));
        var (exit, stdout, stderr) = Run(_dir);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(stderr, Does.Not.Contain(": error").And.Contain("warning:"));
        Assert.That(stdout, Does.Contain("valid: 6 service(s), 7 objective(s) (5 reliability, 2 performance)"));
    }
}
