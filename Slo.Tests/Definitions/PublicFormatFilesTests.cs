using Slo.Engine;
using Slo.Engine.Definitions;

namespace Slo.Tests.Definitions;

/// <summary>
/// Definition files published by OpenSLO (OpenSLO/OpenSLO examples, OpenSLO/oslo and OpenSLO/go-sdk test data), Sloth
/// (slok/sloth examples and validation test data) and Pyrra (pyrra-dev/pyrra examples), reproduced unchanged under
/// Formats/OWNER/REPO/PATH, each with its source and commit in a two-line header (so upstream line N is line N+2 here).
/// Every Prometheus-sourced objective among them is read; every file upstream's own tests call invalid is refused for
/// the same reason; what this service does not support is refused where it is written, saying so.
/// </summary>
[TestFixture]
public class PublicFormatFilesTests
{
    /// <summary>Slo.Tests/Definitions/Formats in the source tree; tests run from bin/, so walk up to find it.</summary>
    internal static string Formats()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Slo.Tests", "Definitions", "Formats");
            if (Directory.Exists(candidate))
                return candidate;
        }

        throw new DirectoryNotFoundException("Slo.Tests/Definitions/Formats not found above the test directory");
    }

    /// <summary>Loads files by their path below Formats/, which is also the name every message carries.</summary>
    internal static DefinitionSet Load(params string[] files) =>
        DefinitionLoader.Load(files.Select(f => (f, File.ReadAllText(Path.Combine(Formats(), f)))));

    private static IEnumerable<TestCaseData> Accepted()
    {
        // OpenSLO: a list-form file with a Prometheus SLO (metricSourceRef without a DataSource, as upstream allows, and
        // no timeWindow, which the specification makes optional); files of Services, DataSources, SLIs and targets only.
        yield return Case(["OpenSLO/go-sdk/pkg/openslosdk/test_data/decode/v1_slos.yaml"], "foo/foo-slo");
        yield return Case(["OpenSLO/go-sdk/pkg/openslosdk/test_data/decode/sequence_of_objects.yaml"]);
        yield return Case(["OpenSLO/go-sdk/pkg/openslosdk/test_data/decode/two_documents.yaml"]);
        yield return Case(["OpenSLO/go-sdk/pkg/openslo/v1/examples/services.yaml"]);
        yield return Case(["OpenSLO/go-sdk/pkg/openslo/v1/examples/data_sources.yaml"]);
        yield return Case(["OpenSLO/go-sdk/pkg/openslo/v1/examples/slis.yaml"]);
        yield return Case(["OpenSLO/go-sdk/pkg/openslo/v1/examples/alert_conditions.yaml"]);
        yield return Case(["OpenSLO/go-sdk/pkg/openslo/v1/examples/alert_notification_targets.yaml"]);
        yield return Case(["OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_alert_policies_keep_refs.yaml"]);
        yield return Case(["OpenSLO/oslo/internal/files/testdata/format/list-of-services.yaml"]);
        yield return Case(["OpenSLO/oslo/internal/files/testdata/format/two-documents.yaml"]);
        yield return Case(["OpenSLO/oslo/test/inputs/fmt/service.yaml"]);

        // Sloth: events SLIs in both forms, with and without alerts, several documents per file.
        yield return Case(["slok/sloth/examples/getting-started.yml"], "myservice/requests-availability");
        yield return Case(["slok/sloth/examples/k8s-getting-started.yml"], "myservice/requests-availability");
        yield return Case(["slok/sloth/examples/no-alerts.yml"], "myapp/http-availability");
        yield return Case(["slok/sloth/examples/home-wifi.yml"], "home-wifi/good-wifi-client-satisfaction", "home-wifi/risk-wifi-client-satisfaction");
        yield return Case(["slok/sloth/examples/k8s-home-wifi.yml"], "home-wifi/good-wifi-client-satisfaction", "home-wifi/risk-wifi-client-satisfaction");
        yield return Case(["slok/sloth/examples/multifile.yml"], "myservice/requests-availability", "myservice2/requests-availability");
        yield return Case(["slok/sloth/examples/k8s-multifile.yml"], "myservice/requests-availability", "myservice2/requests-availability");
        yield return Case(["slok/sloth/examples/kubernetes-apiserver.yml"], "k8s-apiserver/requests-availability", "k8s-apiserver/requests-latency");

        // Pyrra: ratio, latency (native latency or a ratio), the objective's name as its service.
        yield return Case(["pyrra-dev/pyrra/examples/caddy-response-latency.yaml"], "caddy-response-latency/caddy-response-latency");
        yield return Case(["pyrra-dev/pyrra/examples/nginx.yaml"], "nginx-api-errors/nginx-api-errors", "nginx-api-latency/nginx-api-latency");
        yield return Case(["pyrra-dev/pyrra/examples/thanos-http.yaml"], "thanos-query/thanos-query");
        yield return Case(["pyrra-dev/pyrra/examples/thanos-grpc.yaml"], "thanos-store/thanos-store");
        yield return Case(["pyrra-dev/pyrra/examples/prometheus-operator.yaml"], "prometheus-operator-http/prometheus-operator-http");
        yield return Case(["pyrra-dev/pyrra/examples/pyrra-filesystem-errors.yaml"], "pyrra-filesystem-errors/pyrra-filesystem-errors");
        yield return Case(["pyrra-dev/pyrra/examples/pyrra-kubernetes-errors.yaml"], "pyrra-kubernetes-errors/pyrra-kubernetes-errors");
        yield return Case(["pyrra-dev/pyrra/examples/parca-grpc-queryrange-errors.yaml"], "parca-grpc-queryrange-errors/parca-grpc-queryrange-errors");
        yield return Case(["pyrra-dev/pyrra/examples/mimir/example-slo.yaml"], "apiserver-read-cluster-latency/apiserver-read-cluster-latency");
        yield return Case(["pyrra-dev/pyrra/examples/docker-compose/pyrra/prometheus-http.yaml"], "prometheus-api-query/prometheus-api-query");
        foreach (var name in new[] { "apiserver-read-cluster-latency", "apiserver-read-resource-latency", "apiserver-read-response-errors", "coredns-response-errors", "kubelet-runtime-errors", "prometheus-rule-evaluation-failures" })
            yield return Case([$"pyrra-dev/pyrra/examples/kubernetes/manifests-webhook/slos/slo-{name}.yaml"], $"{name}/{name}");
    }

    private static TestCaseData Case(string[] files, params string[] ids) =>
        new TestCaseData(files, ids).SetArgDisplayNames(string.Join(" + ", files));

    [TestCaseSource(nameof(Accepted))]
    public void Load_PublicFile_IsReadWithoutErrors(string[] files, string[] ids)
    {
        var set = Load(files);
        Assert.That(set.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(set.Objectives.Select(o => o.Id.ToString()), Is.EquivalentTo(ids));
    }

    [TestCaseSource(nameof(Accepted))]
    public void Convert_PublicFile_LoadsBackIntoTheSameObjectives(string[] files, string[] ids)
    {
        var set = Load(files);
        var conversion = NativeYamlWriter.Write(set.Services);
        Assert.That(conversion.Problems, Is.Empty);
        var native = DefinitionLoader.LoadText(conversion.Yaml, "converted.yaml");
        Assert.That(native.Diagnostics.Select(d => d.ToString()), Is.Empty, conversion.Yaml);
        ObjectiveComparison.AssertSame(native.Objectives, set.Objectives);
    }

    /// <summary>Refused files: every error, in line order, as file-relative "line:column: field: message" starts.</summary>
    private static IEnumerable<TestCaseData> Refused()
    {
        // OpenSLO's own examples use the placeholder source type "Any" and op on ratios; timeslices-slo.yaml also
        // writes a calendar duration of 1m (minutes) where a month is meant, occurences-slo.yaml counts occurrences of a
        // thresholdMetric (a value sampled per time slice has none).
        yield return Refusal("OpenSLO/OpenSLO/examples/budgeting-method/occurences-slo.yaml",
            "19:17: spec.indicator.spec.thresholdMetric.metricSource.type: metric source Any is not supported",
            "25:20: spec.budgetingMethod: thresholdMetric SLIs are read with budgetingMethod Timeslices");
        yield return Refusal("OpenSLO/OpenSLO/examples/budgeting-method/ratio-timeslices.yaml",
            "20:19: spec.indicator.spec.ratioMetric.good.metricSource.type: metric source Any is not supported",
            "25:19: spec.indicator.spec.ratioMetric.total.metricSource.type: metric source Any is not supported",
            "34:11: spec.objectives[0].op: op is forbidden with a ratioMetric");
        yield return Refusal("OpenSLO/OpenSLO/examples/budgeting-method/timeslices-slo.yaml",
            "20:19: spec.indicator.spec.ratioMetric.good.metricSource.type: metric source Any is not supported",
            "25:19: spec.indicator.spec.ratioMetric.total.metricSource.type: metric source Any is not supported",
            "29:17: spec.timeWindow[0].duration: '1m' is minutes, not a calendar period",
            "37:11: spec.objectives[0].op: op is forbidden with a ratioMetric");
        yield return Refusal("OpenSLO/OpenSLO/examples/treat-low-traffic-as-equally-important/timeslices-slo.yaml",
            "18:19: spec.indicator.spec.ratioMetric.good.metricSource.type: metric source Any is not supported",
            "23:19: spec.indicator.spec.ratioMetric.total.metricSource.type: metric source Any is not supported",
            "35:11: spec.objectives[0].op: op is forbidden with a ratioMetric");

        // oslo's test/validate.bats: v1.yaml fails for 'spec.objectives[0].op' ("property is forbidden") and for the
        // Service named 'example service' (its time-zone complaint comes from a test image without tzdata).
        yield return Refusal("OpenSLO/oslo/test/inputs/validate/v1.yaml",
            "42:13: spec.objectives[0].op: op is forbidden with a ratioMetric",
            "61:11: metadata.name: 'example service' is not a valid name");
        yield return Refusal("OpenSLO/oslo/test/inputs/validate/mix/2.yaml",
            "6:11: metadata.name: 'example service' is not a valid name");
        // oslo: 'json: unknown field "markdown"' (its decoder stops there, before the name).
        yield return Refusal("OpenSLO/oslo/test/inputs/validate/unknown-field.yaml",
            "6:9: metadata.name: 'my-rad service' is not a valid name",
            "8:3: spec.markdown: unknown key");
        // oslo: 'unsupported openslo.Version: foo'.
        yield return Refusal("OpenSLO/oslo/test/inputs/validate/invalid-apiversion.yaml",
            "3:13: apiVersion: unsupported apiVersion 'foo'");

        // go-sdk's reference_inliner_test.go: a reference to an object that does not exist.
        yield return Refusal("OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo_invalid_sli.yaml",
            "9:19: spec.indicatorRef: SLI 'no-sli' does not exist");
        yield return Refusal("OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_alert_policies_invalid_condition.yaml",
            "10:23: spec.conditions[0].conditionRef: AlertCondition 'cpu-usage-breach' does not exist");
        yield return Refusal("OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_alert_policies_invalid_target.yaml",
            "27:20: spec.notificationTargets[1].targetRef: AlertNotificationTarget 'devs-email-notification' does not exist");
        // Their thresholdMetric objectives also lack the value their op compares with (go-sdk cannot tell through a
        // reference; resolved here, it is named).
        yield return Refusal("OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo_invalid_target.yaml",
            "27:31: spec.alertPolicies[0].spec.conditions[0].spec.condition.alertAfter: alertAfter 5m is not supported",
            "34:26: spec.alertPolicies[0].spec.notificationTargets[1].targetRef: AlertNotificationTarget 'devs-email-notification' does not exist",
            "43:9: spec.objectives[0].value: is required with a thresholdMetric");
        yield return Refusal("OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo_invalid_policy.yaml",
            "11:25: spec.alertPolicies[0].alertPolicyRef: AlertPolicy 'no-policy' does not exist",
            "20:9: spec.objectives[0].value: is required with a thresholdMetric");
        // Valid upstream: its thresholdMetric SLOs are read (see ThresholdDefinitionTests); the second one's policies wait
        // before alerting (alertAfter), and an unused condition fires on an lte burn rate.
        yield return Refusal("OpenSLO/go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo.yaml",
            "81:31: spec.alertPolicies[1].spec.conditions[0].spec.condition.alertAfter: alertAfter 5m is not supported",
            "108:11: spec.condition.op: op lte is not supported",
            "111:19: spec.condition.alertAfter: alertAfter 5m is not supported");
        // go-sdk's own slo.go forbids op on a ratioMetric objective, which its example writes.
        yield return Refusal("OpenSLO/go-sdk/pkg/openslo/v1/examples/slos.yaml",
            "42:13: spec.objectives[0].op: op is forbidden with a ratioMetric");

        // Sloth's test/integration/prometheus/testdata/validate/bad, each with a "# BAD!" line: objective 101, an empty
        // service, an empty sli, an empty alert name. Their raw SLIs are refused too, as in the good files.
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/bad/bad-aa.yaml",
            "30:16: slos[1].objective: 101 is out of range: objective must be >0 and <=100",
            "36:9: slos[1].sli.raw: raw error-ratio SLIs are not supported");
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/bad/bad-k8s.yaml",
            "9:12: spec.service: is required",
            "41:11: spec.slos[1].sli.raw: raw error-ratio SLIs are not supported");
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/bad/bad-multi.yaml",
            "37:9: slos[1].sli.raw: raw error-ratio SLIs are not supported",
            "79:10: slos[1].sli: at least one SLI type is required");
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/bad/bad-multi-k8s.yaml",
            "24:9: spec.slos[0].alerting.name: alert name is required",
            "42:11: spec.slos[1].sli.raw: raw error-ratio SLIs are not supported",
            "91:11: spec.slos[1].sli.raw: raw error-ratio SLIs are not supported");
        // Sloth's good files: the events SLO of each is read; the raw one is refused, and nothing else.
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/good/good-aa.yaml",
            "36:9: slos[1].sli.raw: raw error-ratio SLIs are not supported");
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/good/good-k8s.yaml",
            "41:11: spec.slos[1].sli.raw: raw error-ratio SLIs are not supported");
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/good/good-multi.yaml",
            "37:9: slos[1].sli.raw: raw error-ratio SLIs are not supported",
            "81:9: slos[1].sli.raw: raw error-ratio SLIs are not supported");
        yield return Refusal("slok/sloth/test/integration/prometheus/testdata/validate/good/good-multi-k8s.yaml",
            "42:11: spec.slos[1].sli.raw: raw error-ratio SLIs are not supported",
            "91:11: spec.slos[1].sli.raw: raw error-ratio SLIs are not supported");
        yield return Refusal("slok/sloth/examples/raw-home-wifi.yml",
            "30:9: slos[0].sli.raw: raw error-ratio SLIs are not supported");
        yield return Refusal("slok/sloth/examples/plugin-getting-started.yml",
            "16:9: slos[0].sli.plugin: SLI plugins are not supported");
        yield return Refusal("slok/sloth/examples/contrib-denominator-corrected.yaml",
            "13:5: spec.sloPlugins: SLO plugins are not supported");
        yield return Refusal("slok/sloth/examples/windows/7d.yaml",
            "4:7: kind: Sloth AlertWindows are not read");

        // Pyrra: native histograms.
        yield return Refusal("pyrra-dev/pyrra/examples/pyrra-connect-latency.yaml",
            "17:7: spec.indicator.latencyNative: native histograms (latencyNative) are not supported");
    }

    /// <summary>Pyrra files with <c>grouping</c>: read as templates, one objective per group found in Prometheus at run time.</summary>
    private static IEnumerable<TestCaseData> Grouped()
    {
        yield return Case(["pyrra-dev/pyrra/examples/prometheus-http.yaml"], "prometheus-api-query/prometheus-api-query by (handler)");
        yield return Case(["pyrra-dev/pyrra/examples/prometheus-probe-success.yaml"], "prometheus-blackbox-probe-success/prometheus-blackbox-probe-success by (target)");
        yield return Case(["pyrra-dev/pyrra/examples/pyrra-connect-errors.yaml"], "pyrra-connect-errors/pyrra-connect-errors by (service, method)");
        yield return Case(["pyrra-dev/pyrra/examples/kubernetes/manifests-webhook/slos/slo-prometheus-operator-reconcile-errors.yaml"],
            "prometheus-operator-reconcile-errors/prometheus-operator-reconcile-errors by (controller)");
    }

    [TestCaseSource(nameof(Grouped))]
    public void Load_GroupedPublicFile_IsReadAsATemplate(string[] files, string[] templates)
    {
        var set = Load(files);
        Assert.That(set.Errors.Select(e => e.ToString()), Is.Empty);
        Assert.That(set.Objectives, Is.Empty, "the objectives come from the groups found in Prometheus");
        Assert.That(set.Grouped.Select(g => g.ToString()), Is.EqualTo(templates));
    }

    [TestCaseSource(nameof(Grouped))]
    public void Convert_GroupedPublicFile_SaysGroupingIsUnsupportedThere(string[] files, string[] templates)
    {
        var conversion = NativeYamlWriter.Write(Load(files).Services);
        Assert.That(conversion.Yaml, Is.Empty);
        Assert.That(conversion.Problems.Select(p => p.ToString()), Has.All.Contains("grouping is unsupported in slo convert").And.Exactly(templates.Length).Items);
    }

    private static TestCaseData Refusal(string file, params string[] errors) =>
        new TestCaseData(file, errors).SetArgDisplayNames(file);

    [TestCaseSource(nameof(Refused))]
    public void Load_PublicFile_IsRefusedForTheSameReasonWhereItIsWritten(string file, string[] errors)
    {
        var actual = Load(file).Errors.Select(e => e.ToString()).ToArray();
        Assert.That(actual, Has.Length.EqualTo(errors.Length), string.Join("\n", actual));
        Assert.Multiple(() =>
        {
            for (var i = 0; i < errors.Length; i++)
                Assert.That(actual[i], Does.StartWith($"{file}:{errors[i]}"));
        });
    }

    [Test]
    public void Load_GoodSlothFile_ReadsItsEventsObjectiveAndOnlyRefusesTheRawOne()
    {
        var set = Load("slok/sloth/test/integration/prometheus/testdata/validate/good/good-aa.yaml");
        var slo1 = set.Find("svc01", "slo1")!;
        Assert.Multiple(() =>
        {
            Assert.That(slo1.Target.Percent, Is.EqualTo(99.9));
            Assert.That(slo1.Labels, Is.EquivalentTo(new Dictionary<string, string> { ["global01k1"] = "global01v1", ["global02k1"] = "global02v1" }));
            // Sloth ignores camelCase pageAlert in a prometheus/v1 file, so both alerts stay on; said as a warning.
            Assert.That(slo1.Alerting.Tiers.Select(t => t.Enabled), Is.All.True);
            Assert.That(set.Warnings.Select(w => w.ToString()), Has.Some.Contains("slos[0].alerting.pageAlert: ignored, as Sloth ignores it: a prometheus/v1 spec spells it 'page_alert'"));
        });
    }

    [Test]
    public void Load_GoSdkExamplesTogether_ResolveEachOthersReferences()
    {
        // The examples reference each other across files; read together, only names no file defines remain errors
        // (the policies name notification targets the targets file calls otherwise), as go-sdk's inliner would say.
        var dir = "OpenSLO/go-sdk/pkg/openslo/v1/examples";
        var files = Directory.GetFiles(Path.Combine(Formats(), dir)).Order(StringComparer.Ordinal).Select(f => $"{dir}/{Path.GetFileName(f)}").ToArray();
        var errors = Load(files).Errors.Select(e => e.ToString()).ToArray();
        Assert.That(errors, Has.Length.EqualTo(3), string.Join("\n", errors));
        Assert.Multiple(() =>
        {
            Assert.That(errors[0], Does.StartWith($"{dir}/alert_policies.yaml:20:20: spec.notificationTargets[0].targetRef: AlertNotificationTarget 'on-call-mail-notification' does not exist"));
            Assert.That(errors[1], Does.StartWith($"{dir}/alert_policies.yaml:52:20: spec.notificationTargets[0].targetRef: AlertNotificationTarget 'on-call-pd-notification' does not exist"));
            Assert.That(errors[2], Does.StartWith($"{dir}/slos.yaml:42:13: spec.objectives[0].op: op is forbidden"));
        });
    }

    [Test]
    public void Load_SlothKubernetesApiserver_ReadsRatesAsIncreasesOverTheWindow()
    {
        var o = Load("slok/sloth/examples/kubernetes-apiserver.yml").Find("k8s-apiserver", "requests-latency")!;
        var raw = (RawRatioIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(raw.BadQuery, Does.Contain("sum(increase(apiserver_request_duration_seconds_count{verb!=\"WATCH\"}[{{window}}]))")
                .And.Contain("sum(increase(apiserver_request_duration_seconds_bucket{le=\"0.4\",verb!=\"WATCH\"}[{{window}}]))"));
            Assert.That(raw.TotalQuery, Is.EqualTo("sum(increase(apiserver_request_duration_seconds_count{verb!=\"WATCH\"}[{{window}}]))"));
            Assert.That(o.Window.Length, Is.EqualTo("30d"), "Sloth's default period");
            Assert.That(o.Alerting.Tiers, Is.EqualTo(Slo.Engine.Alerting.AlertTier.Defaults), "Sloth's google-30d windows are the SRE Workbook's");
            Assert.That(o.Labels["category"], Is.EqualTo("latency"));
            Assert.That(o.Labels["cluster"], Is.EqualTo("valhalla"), "service labels reach every objective");
        });
    }

    [Test]
    public void Load_PyrraLatencyOnItsHistogram_IsTheNativeLatencyIndicator()
    {
        var o = Load("pyrra-dev/pyrra/examples/kubernetes/manifests-webhook/slos/slo-apiserver-read-cluster-latency.yaml").Objectives.Single();
        var latency = (LatencyIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(o.Signal, Is.EqualTo(Signal.Performance));
            Assert.That(latency.Histogram, Is.EqualTo("apiserver_request_sli_duration_seconds"));
            Assert.That(latency.Selector.ToString(), Is.EqualTo("{component=\"apiserver\",scope=~\"cluster|\",verb=~\"LIST|GET\"}"));
            Assert.That(latency.Threshold, Is.EqualTo(Duration.FromSeconds(5)), "le=\"5.0\"");
            Assert.That(o.Window.Length, Is.EqualTo("14d"));
            Assert.That(o.Target.Percent, Is.EqualTo(99));
        });
    }

    [Test]
    public void Load_PyrraLatencyWhoseSuccessFiltersMore_IsARatioOfTheTwoCounters()
    {
        // nginx.yaml's success bucket also matches status=~"5..", which its total does not: no histogram threshold.
        var o = Load("pyrra-dev/pyrra/examples/nginx.yaml").Find("nginx-api-latency", "nginx-api-latency")!;
        var ratio = (RatioIndicator)o.Indicator;
        Assert.Multiple(() =>
        {
            Assert.That(o.Signal, Is.EqualTo(Signal.Performance));
            Assert.That(ratio.Good!.ToString(), Does.StartWith("nginx_ingress_controller_request_duration_seconds_bucket{").And.Contain("le=\"1\""));
            Assert.That(ratio.Total.ToString(), Does.StartWith("nginx_ingress_controller_request_duration_seconds_count{"));
        });
    }

    [Test]
    public void Load_PyrraPropagatedLabel_BecomesAnObjectiveLabel() =>
        Assert.That(Load("pyrra-dev/pyrra/examples/parca-grpc-queryrange-errors.yaml").Objectives.Single().Labels,
            Is.EquivalentTo(new Dictionary<string, string> { ["team"] = "parca" }));
}
