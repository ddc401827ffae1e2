using System.Reflection;
using Slo.Engine.Definitions;
using static Slo.Tests.Deploy.DeployFiles;

namespace Slo.Tests.Deploy;

/// <summary>
/// deploy/kubernetes: every manifest against the Kubernetes schemas (kubernetes-models, offline, through
/// validate.mjs), and what the schemas cannot know: the probes, the security context, the mounts and the settings
/// match the service and its image.
/// </summary>
[TestFixture]
public class KubernetesManifestTests
{
    private static readonly string[] Deployments = ["deployment.yaml", "deployment-sqlserver.yaml"];

    private static string Validator => Path.Combine(Kubernetes, "validate");

    private string _work = "";

    [OneTimeSetUp]
    public async Task InstallValidatorAsync()
    {
        var (exit, output) = await RunAsync("npm", Validator, TimeSpan.FromMinutes(5), "ci", "--no-audit", "--no-fund");
        Assert.That(exit, Is.Zero, $"npm ci in {Validator} failed:\n{output}");
        _work = Path.Combine(Path.GetTempPath(), "slo-k8s-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_work);
    }

    [OneTimeTearDown]
    public void RemoveWork()
    {
        if (Directory.Exists(_work))
            Directory.Delete(_work, recursive: true);
    }

    private static IEnumerable<string> ManifestFiles() =>
        Directory.EnumerateFiles(Kubernetes, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    [Test]
    public async Task Validator_ShippedManifests_AreValid()
    {
        var documents = ManifestFiles().Sum(f => Documents(Path.Combine(Kubernetes, f)).Count);
        var (exit, output) = await RunAsync("node", Validator, TimeSpan.FromMinutes(1), "validate.mjs");
        Assert.That(exit, Is.Zero, output);
        // Every document was read: a validator that skipped files would pass vacuously.
        Assert.That(output, Does.Contain($"valid: {documents} document(s)"));
    }

    private static IEnumerable<TestCaseData> BrokenDeployments()
    {
        yield return new TestCaseData("replicas: 1", "replicas: \"two\"", "spec.replicas: must be integer").SetArgDisplayNames("replicas");
        yield return new TestCaseData("- name: slo\n", "- stage: slo\n", "spec.template.spec.containers[0].name: required field is missing").SetArgDisplayNames("containerName");
        yield return new TestCaseData("runAsUser: 1654", "runAsUser: app", "spec.template.spec.securityContext.runAsUser: must be integer").SetArgDisplayNames("runAsUser");
        yield return new TestCaseData("type: RuntimeDefault", "type: Default", "spec.template.spec.securityContext.seccompProfile.type: must be equal to one of the allowed values").SetArgDisplayNames("seccomp");
    }

    [TestCaseSource(nameof(BrokenDeployments))]
    public async Task Validator_BrokenDeployment_FailsNamingFileLineAndField(string original, string broken, string expected)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Kubernetes, "deployment.yaml"));
        var at = text.IndexOf(original, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"deployment.yaml no longer contains '{original}'");
        var line = text[..at].Count(c => c == '\n') + 1;
        var folder = Path.Combine(_work, Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "deployment.yaml"), text[..at] + broken + text[(at + original.Length)..]);

        var (exit, output) = await RunAsync("node", Validator, TimeSpan.FromMinutes(1), "validate.mjs", folder);

        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain($"deployment.yaml:{line}: Deployment/slo: {expected}"));
        Assert.That(output, Does.Contain("1 error(s) in 1 document(s)"));
    }

    private static Dictionary<object, object> Container(string file) =>
        Maps(Document(file, "Deployment"), "spec", "template", "spec", "containers").Single(c => Text(c, "name") == "slo");

    private static Dictionary<string, string> Env(Dictionary<object, object> container) =>
        Maps(container, "env").ToDictionary(e => Text(e, "name")!, e => Text(e, "value") ?? "");

    [TestCaseSource(nameof(Deployments))]
    public void Deployment_Probes_AskTheHealthEndpointsOnPort8080(string file)
    {
        var container = Container(file);
        var port = Maps(container, "ports").Single(p => Text(p, "name") == "http");
        Assert.Multiple(() =>
        {
            Assert.That(Text(port, "containerPort"), Is.EqualTo("8080"));
            Assert.That(Env(container)["ASPNETCORE_URLS"], Is.EqualTo("http://+:8080"));
            Assert.That(Text(container, "livenessProbe", "httpGet", "path"), Is.EqualTo("/health/live"));
            Assert.That(Text(container, "startupProbe", "httpGet", "path"), Is.EqualTo("/health/live"));
            Assert.That(Text(container, "readinessProbe", "httpGet", "path"), Is.EqualTo("/health/ready"));
            foreach (var probe in new[] { "livenessProbe", "startupProbe", "readinessProbe" })
                Assert.That(Text(container, probe, "httpGet", "port"), Is.EqualTo("http"), probe);
        });
    }

    [TestCaseSource(nameof(Deployments))]
    public void Deployment_SecurityContext_RunsAsTheImageUserWithoutPrivileges(string file)
    {
        var pod = At(Document(file, "Deployment"), "spec", "template", "spec");
        var container = Container(file);
        Assert.Multiple(() =>
        {
            Assert.That(Text(pod, "securityContext", "runAsNonRoot"), Is.EqualTo("true"));
            // APP_UID of the .NET images, owner of /var/lib/slo in the Dockerfile.
            Assert.That(Text(pod, "securityContext", "runAsUser"), Is.EqualTo("1654"));
            Assert.That(Text(pod, "securityContext", "fsGroup"), Is.EqualTo("1654"));
            Assert.That(Text(pod, "securityContext", "seccompProfile", "type"), Is.EqualTo("RuntimeDefault"));
            Assert.That(Text(container, "securityContext", "runAsNonRoot"), Is.EqualTo("true"));
            Assert.That(Text(container, "securityContext", "allowPrivilegeEscalation"), Is.EqualTo("false"));
            Assert.That(Text(container, "securityContext", "readOnlyRootFilesystem"), Is.EqualTo("true"));
            Assert.That(At(container, "securityContext", "capabilities", "drop"), Is.EqualTo(new List<object> { "ALL" }));
        });
    }

    [TestCaseSource(nameof(Deployments))]
    public void Deployment_Rollout_OneReplicaRecreatedWithResources(string file)
    {
        var deployment = Document(file, "Deployment");
        var container = Container(file);
        Assert.Multiple(() =>
        {
            Assert.That(Text(deployment, "spec", "replicas"), Is.EqualTo("1"));
            Assert.That(Text(deployment, "spec", "strategy", "type"), Is.EqualTo("Recreate"));
            Assert.That(Text(container, "image"), Is.EqualTo("slo:latest"));
            foreach (var kind in new[] { "requests", "limits" })
            foreach (var resource in new[] { "cpu", "memory" })
                Assert.That(Text(container, "resources", kind, resource), Is.Not.Null.And.Not.Empty, $"resources.{kind}.{resource}");
        });
    }

    [Test]
    public void Deployment_WritablePaths_AreVolumes()
    {
        var pod = At(Document("deployment.yaml", "Deployment"), "spec", "template", "spec");
        var volumes = Maps(pod, "volumes").ToDictionary(v => Text(v, "name")!);
        var mounts = Maps(Container("deployment.yaml"), "volumeMounts").Where(m => Text(m, "subPath") is null).ToDictionary(m => Text(m, "mountPath")!, m => volumes[Text(m, "name")!]);
        var claim = Text(Document("pvc.yaml", "PersistentVolumeClaim"), "metadata", "name");
        Assert.Multiple(() =>
        {
            Assert.That(Text(mounts["/var/lib/slo"], "persistentVolumeClaim", "claimName"), Is.EqualTo(claim));
            Assert.That(At(mounts["/tmp"], "emptyDir"), Is.Not.Null);
            Assert.That(Env(Container("deployment.yaml"))["Storage__ConnectionString"], Is.EqualTo("Data Source=/var/lib/slo/slo.db"));
            Assert.That(At(Document("pvc.yaml", "PersistentVolumeClaim"), "spec", "accessModes"), Is.EqualTo(new List<object> { "ReadWriteOnce" }));
        });
    }

    [TestCaseSource(nameof(Deployments))]
    public void Deployment_Definitions_AreTheConfigMapMountedAsTheFolder(string file)
    {
        // As a folder, not file by file with subPath: subPath mounts never see an edited ConfigMap. The kubelet's hidden
        // ..data/ copies beside the files are skipped by the loader (ValidateCommandTests pins that layout).
        var configMap = Document("configmap.yaml", "ConfigMap");
        var container = Container(file);
        var folder = Env(container)["Definitions__Path"];
        var volume = Maps(Document(file, "Deployment"), "spec", "template", "spec", "volumes")
            .Single(v => Text(v, "configMap", "name") == Text(configMap, "metadata", "name"));
        var mount = Maps(container, "volumeMounts").Single(m => Text(m, "name") == Text(volume, "name"));
        Assert.Multiple(() =>
        {
            Assert.That(folder, Is.EqualTo("/etc/slo/definitions"));
            Assert.That(Text(mount, "mountPath"), Is.EqualTo(folder));
            Assert.That(Text(mount, "subPath"), Is.Null);
            Assert.That(Text(mount, "readOnly"), Is.EqualTo("true"));
        });
    }

    [Test]
    public void ConfigMap_Example_IsTheRepositorysCheckoutDefinition()
    {
        var text = Text(Document("configmap.yaml", "ConfigMap"), "data", "checkout.yaml");
        Assert.That(text, Is.EqualTo(File.ReadAllText(Path.Combine(Root, "slo-definitions", "checkout.yaml"))));
        var set = DefinitionLoader.LoadText(text!, "checkout.yaml");
        Assert.That(set.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(set.Objectives, Has.Count.EqualTo(2));
    }

    [TestCaseSource(nameof(Deployments))]
    public void Deployment_Settings_NameRealOptions(string file)
    {
        // Section__Key for every options class of the service (a misspelt key would be ignored without a word).
        var options = typeof(Slo.Api.Prometheus.PrometheusOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null)
            .ToDictionary(t => t.Section!, t => t.Type, StringComparer.OrdinalIgnoreCase);
        var container = Container(file);
        var secrets = Maps(container, "envFrom").Select(e => Text(e, "secretRef", "name")).ToArray();
        var secretKeys = ManifestFiles().SelectMany(f => Documents(Path.Combine(Kubernetes, f)))
            .Where(d => Text(d, "kind") == "Secret" && secrets.Contains(Text(d, "metadata", "name")))
            .SelectMany(d => ((Dictionary<object, object>)At(d, "stringData")!).Keys.Cast<string>())
            .ToArray();
        var names = Env(container).Keys.Where(n => n != "ASPNETCORE_URLS").Concat(secretKeys).ToArray();

        Assert.That(secretKeys, Has.Length.GreaterThan(0), "the Secrets the container reads are in deploy/kubernetes");
        Assert.Multiple(() =>
        {
            foreach (var name in names)
            {
                var parts = name.Split("__");
                var known = parts.Length == 2 && options.TryGetValue(parts[0], out var type)
                    && type.GetProperty(parts[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not null;
                Assert.That(known, Is.True, $"{name} is no setting of the service");
            }
        });
    }

    [Test]
    public void DeploymentSqlServer_Storage_ComesFromItsSecret()
    {
        var container = Container("deployment-sqlserver.yaml");
        var secret = Document("deployment-sqlserver.yaml", "Secret");
        Assert.Multiple(() =>
        {
            Assert.That(Env(container)["Storage__Provider"], Is.EqualTo("sqlserver"));
            Assert.That(Env(container), Does.Not.ContainKey("Storage__ConnectionString"));
            Assert.That(Text(secret, "stringData", "Storage__ConnectionString"), Is.Not.Null.And.Not.Empty);
            Assert.That(Maps(container, "envFrom").Select(e => Text(e, "secretRef", "name")), Does.Contain(Text(secret, "metadata", "name")));
            Assert.That(Maps(container, "volumeMounts").Select(m => Text(m, "mountPath")), Does.Not.Contain("/var/lib/slo"));
        });
    }

    [Test]
    public void Service_Port_ReachesTheContainersHttpPort()
    {
        var service = Document("service.yaml", "Service");
        var podLabels = (Dictionary<object, object>)At(Document("deployment.yaml", "Deployment"), "spec", "template", "metadata", "labels")!;
        var port = Maps(service, "spec", "ports").Single();
        Assert.Multiple(() =>
        {
            Assert.That(Text(service, "spec", "type"), Is.EqualTo("ClusterIP"));
            Assert.That((Dictionary<object, object>)At(service, "spec", "selector")!, Is.SubsetOf(podLabels));
            Assert.That(Text(port, "name"), Is.EqualTo("http"));
            Assert.That(Text(port, "port"), Is.EqualTo("8080"));
            Assert.That(Text(port, "targetPort"), Is.EqualTo("http"));
        });
    }

    [Test]
    public void Manifests_NameNoNamespace()
    {
        var documents = ManifestFiles().SelectMany(f => Documents(Path.Combine(Kubernetes, f)).Select(d => (File: f, Document: d))).ToArray();
        Assert.Multiple(() =>
        {
            foreach (var (file, document) in documents)
            {
                Assert.That(Text(document, "kind"), Is.Not.EqualTo("Namespace"), file);
                Assert.That(At(document, "metadata", "namespace"), Is.Null, $"{file}: {Text(document, "kind")} names a namespace; users pick one with -n");
            }
        });
    }

    [Test]
    public void Kustomization_Resources_AreTheSqliteVariant()
    {
        var resources = (List<object>)At(Documents(Path.Combine(Kubernetes, "kustomization.yaml")).Single(), "resources")!;
        var expected = ManifestFiles().Except(["kustomization.yaml", "deployment-sqlserver.yaml"]);
        Assert.That(resources.Cast<string>(), Is.EquivalentTo(expected));
    }
}
