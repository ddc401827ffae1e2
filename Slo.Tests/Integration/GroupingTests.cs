using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Engine.Definitions;
using Slo.Engine.Evaluation;

namespace Slo.Tests.Integration;

/// <summary>Pyrra's <c>grouping</c>: one objective per label value found in a real Prometheus, each with its own truth;
/// values that appear later are picked up at the next search, and a failed search keeps what was found.</summary>
[TestFixture]
public class GroupingTests
{
    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    private static string Directory(string name)
    {
        var dir = Path.Combine(IntegrationEnvironment.WorkDirectory, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Three of the generated jobs under one Pyrra objective grouped by job.</summary>
    private const string ByJob = """
        apiVersion: pyrra.dev/v1alpha1
        kind: ServiceLevelObjective
        metadata:
          name: requests
          labels:
            pyrra.dev/service: fleet
            pyrra.dev/team: platform
        spec:
          target: '99.9'
          window: 30d
          indicator:
            ratio:
              errors:
                metric: http_requests_total{job=~"steady|leaky|burst",code=~"5.."}
              total:
                metric: http_requests_total{job=~"steady|leaky|burst"}
              grouping:
                - job
        """;

    [Test]
    public async Task Grouping_ByJob_OneObjectivePerJobWithThatJobsTruth()
    {
        var clock = SloHost.ClockAt(Scenario.End);
        await using var host = await SloHost.StartAsync(IntegrationEnvironment.Prometheus.Url, Directory("grouping"), clock, definitions: ByJob);
        var catalog = host.Get<DefinitionCatalog>();
        Assert.That(catalog.Current.Objectives.Select(o => o.Id.ToString()), Is.EquivalentTo(new[] { "fleet/requests-burst", "fleet/requests-leaky", "fleet/requests-steady" }),
            "found before the first cycle");

        await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        foreach (var job in new[] { "steady", "leaky", "burst" })
        {
            var status = host.Get<StatusBoard>().Get(new ObjectiveId("fleet", "requests-" + job))!;
            var truth = Scenario.Truth(job, Duration.FromDays(30));
            Assert.Multiple(() =>
            {
                Assert.That(status.State, Is.EqualTo(ObjectiveState.Ok));
                Assert.That(status.Events!.Value.Total, Is.EqualTo(truth.Requests).Within(1).Percent, $"{job} total");
                Assert.That(status.Events!.Value.Bad, Is.EqualTo(truth.Errors).Within(1).Percent, $"{job} bad");
                Assert.That(status.Objective.Labels, Does.ContainKey("team"), "the template's labels");
                Assert.That(status.Objective.Labels, Does.Not.ContainKey("job"), "job is the service's own label: in the name only");
            });
        }

        var answer = await host.GetStringAsync("/api/v1/definitions/status");
        Assert.That(answer, Does.Contain("\"groupBy\":[\"job\"]").And.Contain("fleet/requests-leaky"));
        Assert.That(await host.GetStringAsync("/metrics"), Does.Contain("objective=\"requests-leaky\",signal=\"reliability\",team=\"platform\""));
    }

    [Test]
    public async Task Grouping_NewValueAppears_IsPickedUpAtRefreshAndAFailedSearchKeepsTheGroups()
    {
        var routes = new List<string> { "cart" };
        var started = Stopwatch.StartNew();
        await using var exporter = await ExporterAsync(() =>
        {
            // 600 requests a minute per route, 1% of them failing, counted from the exporter's start.
            var seconds = (long)started.Elapsed.TotalSeconds;
            lock (routes)
            {
                return string.Concat(routes.Select(r =>
                    $"shop_requests_total{{route=\"{r}\",code=\"200\"}} {(seconds * 10 * 99 / 100).ToString(CultureInfo.InvariantCulture)}\n" +
                    $"shop_requests_total{{route=\"{r}\",code=\"500\"}} {(seconds * 10 / 100).ToString(CultureInfo.InvariantCulture)}\n"));
            }
        });
        var dir = Directory("grouping-live");
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "prometheus", "tsdb"));
        await using var prometheus = await PrometheusServer.StartAsync(Path.Combine(dir, "prometheus"), scrapeTarget: exporter.Urls.Single()[7..], scrapeInterval: "1s");
        await Eventually.HoldsAsync(async () => await SeriesAsync(prometheus, "cart"), "Prometheus scraped the first route");

        const string definitions = """
            apiVersion: pyrra.dev/v1alpha1
            kind: ServiceLevelObjective
            metadata: { name: requests, labels: { pyrra.dev/service: shop } }
            spec:
              target: '99'
              window: 7d
              indicator:
                ratio:
                  errors: { metric: 'shop_requests_total{code="500"}' }
                  total: { metric: 'shop_requests_total' }
                  grouping: [route]
            """;
        await using var host = await SloHost.StartAsync(prometheus.Url, Directory("grouping-live-host"), NodaTime.SystemClock.Instance, definitions: definitions,
            extra: ["--Definitions:GroupingRefresh=1s"]);
        var catalog = host.Get<DefinitionCatalog>();
        Assert.That(catalog.Current.Objectives.Select(o => o.Id.ToString()), Is.EqualTo(new[] { "shop/requests-cart" }));

        lock (routes)
            routes.Add("pay");
        await Eventually.HoldsAsync(() => Task.FromResult(catalog.Current.Find("shop", "requests-pay") is not null), "the new route became an objective at a refresh");
        var summary = await host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        Assert.That(summary.Failed, Is.Zero);
        Assert.That(host.Get<StatusBoard>().Get(new ObjectiveId("shop", "requests-pay"))!.Objective.Labels["route"], Is.EqualTo("pay"));

        // Prometheus gone: the search fails, the groups stay, the status says why.
        await prometheus.StopAsync();
        await host.Get<GroupDiscovery>().RefreshAsync(CancellationToken.None);
        Assert.That(catalog.Current.Objectives.Select(o => o.Id.ToString()), Is.EquivalentTo(new[] { "shop/requests-cart", "shop/requests-pay" }));
        Assert.That(host.Get<GroupDiscovery>().Searches[new ObjectiveId("shop", "requests")].Error, Is.Not.Null);
        Assert.That(await host.GetStringAsync("/api/v1/definitions/status"), Does.Contain("\"searchError\":\""));
    }

    [Test]
    public void ApplyGroups_ValueVanishes_ItsObjectiveLeavesLikeARemovedOne()
    {
        var set = DefinitionLoader.LoadText(ByJob);
        var catalog = new DefinitionCatalog(set);
        var template = set.Grouped.Single();
        Dictionary<string, string> Job(string job) => new() { ["job"] = job };
        catalog.ApplyGroups([(template, [Job("steady"), Job("leaky")])]);
        DefinitionsChanged? seen = null;
        catalog.Changed += c => seen = c;

        var changes = catalog.ApplyGroups([(template, [Job("steady")])]);
        Assert.Multiple(() =>
        {
            Assert.That(changes.Removed.Select(id => id.ToString()), Is.EqualTo(new[] { "fleet/requests-leaky" }));
            Assert.That(changes.Unchanged.Select(id => id.ToString()), Is.EqualTo(new[] { "fleet/requests-steady" }));
            Assert.That(seen?.Reloaded, Is.False, "a change of the groups, not a reload");
            Assert.That(catalog.Current.Objectives.Select(o => o.Id.ToString()), Is.EqualTo(new[] { "fleet/requests-steady" }));
        });
        Assert.That(catalog.ApplyGroups([(template, [Job("steady")])]).Any, Is.False, "the same groups change nothing");
    }

    private static async Task<bool> SeriesAsync(PrometheusServer prometheus, string route)
    {
        using var http = new HttpClient { BaseAddress = prometheus.Url };
        return (await http.GetStringAsync($"api/v1/series?match[]=shop_requests_total{{route=\"{route}\"}}")).Contains(route, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> ExporterAsync(Func<string> exposition)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{PrometheusServer.FreePort()}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(exposition(), "text/plain; version=0.0.4"));
        await app.StartAsync();
        return app;
    }
}
