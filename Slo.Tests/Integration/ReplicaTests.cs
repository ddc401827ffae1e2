using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Slo.Api.Cluster;
using Slo.Engine.Definitions;

namespace Slo.Tests.Integration;

/// <summary>
/// Three real <c>slo serve</c> processes on one SQLite database, over a real Prometheus scraping live counters the test
/// drives, a real Alertmanager and a webhook: the objectives are split between the replicas, each evaluated once per
/// cycle; every replica serves the same figures; a replica killed during a fast burn is taken over within two intervals
/// without a second page; a rolling restart loses no history row and no alert transition.
/// </summary>
[TestFixture]
public class ReplicaTests : AlertmanagerTests
{
    private const int Jobs = 9;
    private static readonly Duration Interval = Duration.FromSeconds(3);

    private readonly List<SloProcess> _replicas = [];
    private readonly ConcurrentQueue<(string Status, string Service)> _webhook = new();
    private LiveCounters _counters = null!;
    private WebApplication _exporter = null!;
    private WebApplication _receiver = null!;
    private PrometheusServer _prometheus = null!;
    private string _definitions = "";
    private string _hook = "";
    private DefinitionSet _set = null!;

    [SetUp]
    public async Task StartWorld()
    {
        _counters = new LiveCounters(Jobs);
        _exporter = await ServeAsync(app => app.MapGet("/metrics", () => Results.Text(_counters.Exposition(), "text/plain; version=0.0.4")));
        _receiver = await ServeAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var body = JsonDocument.Parse(await new StreamReader(request.Body).ReadToEndAsync());
            var status = body.RootElement.GetProperty("status").GetString()!;
            foreach (var alert in body.RootElement.GetProperty("alerts").EnumerateArray())
            {
                if (alert.GetProperty("labels").GetProperty("alertname").GetString() == "SLOBurnRate")
                    _webhook.Enqueue((status, alert.GetProperty("labels").GetProperty("service").GetString()!));
            }

            return Results.Ok();
        }));
        _hook = _receiver.Urls.Single() + "/hook";
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "prometheus"));
        _prometheus = await PrometheusServer.StartAsync(Path.Combine(Directory, "prometheus"), scrapeTarget: new Uri(_exporter.Urls.Single()).Authority, scrapeInterval: "1s");

        _definitions = Path.Combine(Directory, "definitions");
        System.IO.Directory.CreateDirectory(_definitions);
        var yaml = new StringBuilder();
        for (var job = 0; job < Jobs; job++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $$"""
                apiVersion: slo/v1
                kind: ServiceObjectives
                service: live{{job}}
                objectives:
                  - name: availability
                    target: 99.9
                    window: 1d
                    indicator: { ratio: { bad: 'http_requests_total{job="live{{job}}",code=~"5.."}', total: 'http_requests_total{job="live{{job}}"}' } }
                    alerting:
                      minEvents: 10
                      tiers:
                        - { severity: page, budgetConsumed: 0.02, longWindow: 2m, shortWindow: 1m }
                ---

                """);
        }

        await File.WriteAllTextAsync(Path.Combine(_definitions, "live.yaml"), yaml.ToString());
        _set = DefinitionLoader.LoadDirectory(_definitions);
        Assert.That(_set.IsValid, Is.True, string.Join("\n", _set.Errors));
    }

    [TearDown]
    public async Task StopWorld()
    {
        foreach (var replica in _replicas)
            await replica.DisposeAsync();
        if (_prometheus is not null)
            await _prometheus.DisposeAsync();
        if (_exporter is not null)
            await _exporter.DisposeAsync();
        if (_receiver is not null)
            await _receiver.DisposeAsync();
    }

    [Test]
    public async Task ThreeReplicas_SplitEvaluation_SurviveKillAndRollingRestart()
    {
        // Data first: the burn windows need a few minutes of counts.
        await Task.Delay(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 3; i++)
            await StartReplicaAsync();
        var ids = _set.Objectives.Select(o => o.Id.ToString()).ToArray();
        await ConvergedAsync(3);

        // Every objective once per cycle: the replicas' shares add up to all of them, and each objective's history has
        // one row per interval, never two close together (which two replicas evaluating it would leave).
        var from = SystemClock.Instance.GetCurrentInstant();
        await Task.Delay(TimeSpan.FromSeconds(30));
        var to = SystemClock.Instance.GetCurrentInstant();
        var held = await Task.WhenAll(_replicas.Select(async r => await MetricAsync(r, "slo_cluster_objectives_held")));
        Assert.That(held, Has.All.GreaterThan(0), "each replica evaluates a share");
        Assert.That(held.Sum(), Is.EqualTo(Jobs), "together, every objective");
        foreach (var id in ids)
        {
            var rows = await HistoryAsync(_replicas[0], id, from, to);
            var expected = (to - from) / Interval;
            Assert.That(rows, Has.Count.InRange(expected - 3, expected + 1), $"{id}: one evaluation per cycle");
            Assert.That(rows.Zip(rows.Skip(1), (a, b) => b - a).DefaultIfEmpty(Interval).Min(), Is.GreaterThan(Interval / 2), $"{id}: never evaluated twice in a cycle");
        }

        await SameFiguresEverywhereAsync();

        // A fast burn on live0, then the replica holding it is killed.
        _counters.SetBadRatio(0, 0.5);
        JsonElement[] firing = [];
        await Eventually.HoldsAsync(async () => (firing = await PagesAsync("live0")).Length > 0, "live0 pages", TimeSpan.FromMinutes(3));
        var startsAt = firing.Single().GetProperty("startsAt").GetDateTimeOffset();
        var shard = ShardMap.ShardOf(_set, "live0/availability", 60);
        var holder = await HolderAsync(_replicas[0], shard);
        var names = await Task.WhenAll(_replicas.Select(ReplicaOfAsync));
        Assert.That(names, Does.Contain(holder), "the holder is one of the replicas");
        var victim = _replicas[Array.IndexOf(names, holder)];
        await victim.KillAsync();
        var killed = Stopwatch.StartNew();
        var survivor = _replicas.First(r => r != victim);
        await Eventually.HoldsAsync(async () => await HolderAsync(survivor, shard) is { } h && h != holder, "the shard is taken over", TimeSpan.FromSeconds(20));
        var takeover = killed.Elapsed;
        _replicas.Remove(victim);
        Assert.That(takeover, Is.LessThan((Interval * 2).ToTimeSpan() + TimeSpan.FromSeconds(1.5)), "taken over within two intervals");
        TestContext.Out.WriteLine($"take-over after {takeover.TotalSeconds:0.0} s");

        await StartReplicaAsync();
        await Task.Delay((Interval * 3).ToTimeSpan());
        var pages = await PagesAsync("live0");
        Assert.That(pages.Select(p => p.GetProperty("startsAt").GetDateTimeOffset()), Is.EqualTo(new[] { startsAt }), "one alert, the original start");

        // The burn stops and moves to live1; live0's resolution still arrives, once.
        _counters.SetBadRatio(0, 0);
        _counters.SetBadRatio(1, 0.5);
        await Eventually.HoldsAsync(async () => (await PagesAsync("live0")).Length == 0, "live0 resolves", TimeSpan.FromMinutes(3));
        await Eventually.HoldsAsync(async () => (await PagesAsync("live1")).Length > 0, "live1 pages", TimeSpan.FromMinutes(3));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That(Webhook("live0"), Is.EqualTo(new[] { "firing", "resolved" }), "the webhook hears each transition once");

        // A rolling restart while live1 burns: no history row lost, no second page, and its resolution afterwards.
        var before = SystemClock.Instance.GetCurrentInstant();
        var rowsBefore = await Task.WhenAll(ids.Select(id => HistoryAsync(_replicas[0], id, before - Duration.FromMinutes(2), before)));
        var live1Starts = new HashSet<DateTimeOffset>();
        foreach (var old in _replicas.ToArray())
        {
            await old.TerminateAsync();
            await old.DisposeAsync();
            _replicas.Remove(old);
            await StartReplicaAsync();
            foreach (var p in await PagesAsync("live1"))
                live1Starts.Add(p.GetProperty("startsAt").GetDateTimeOffset());
        }

        await ConvergedAsync(3);
        var after = SystemClock.Instance.GetCurrentInstant();
        _counters.SetBadRatio(1, 0);
        await Eventually.HoldsAsync(async () => (await PagesAsync("live1")).Length == 0, "live1 resolves", TimeSpan.FromMinutes(3));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var kept = new List<Instant>[ids.Length];
        var through = new List<Instant>[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            kept[i] = await HistoryAsync(_replicas[0], ids[i], before - Duration.FromMinutes(2), before);
            through[i] = await HistoryAsync(_replicas[0], ids[i], before, after);
        }

        Assert.Multiple(() =>
        {
            Assert.That(live1Starts, Has.Count.EqualTo(1), "live1 kept one alert through the restarts");
            Assert.That(Webhook("live1"), Is.EqualTo(new[] { "firing", "resolved" }), "no transition lost or repeated");
            for (var i = 0; i < ids.Length; i++)
            {
                Assert.That(kept[i], Is.EqualTo(rowsBefore[i]), $"{ids[i]}: every history row kept");
                var edges = through[i].Prepend(before).Append(after).ToArray();
                var widest = edges.Zip(edges.Skip(1), (a, b) => b - a).Max();
                Assert.That(widest, Is.LessThan(Interval * 4), $"{ids[i]}: evaluated on through the restarts");
            }
        });
        await SameFiguresEverywhereAsync();
    }

    private async Task StartReplicaAsync() =>
        _replicas.Add(await SloProcess.StartAsync(
            $"--Prometheus:Url={_prometheus.Url}",
            $"--Definitions:Path={_definitions}",
            $"--Storage:ConnectionString=Data Source={Path.Combine(Directory, "shared.db")}",
            "--Cluster:Enabled=true",
            $"--Evaluation:Interval={(int)Interval.TotalSeconds}s",
            "--Ledger:FineBucket=1m",
            "--History:Backfill=false",
            $"--Alerting:AlertmanagerUrl={Alertmanager.Url}",
            "--Alerting:DispatchInterval=1s",
            $"--Alerting:Webhooks:0:Url={_hook}",
            "--Alerting:Webhooks:0:Secret=replica-secret"));

    /// <summary>Waits until every replica sees <paramref name="count"/> live replicas holding every shard between them.</summary>
    private async Task ConvergedAsync(int count) =>
        await Eventually.HoldsAsync(async () =>
        {
            foreach (var replica in _replicas)
            {
                var cluster = await GetJsonAsync(replica, "api/v1/cluster");
                var alive = cluster.GetProperty("replicas").EnumerateArray().Where(r => r.GetProperty("alive").GetBoolean()).ToArray();
                if (alive.Length != count || alive.Any(r => r.GetProperty("shards").GetArrayLength() != 60 / count))
                    return false;
            }

            return true;
        }, $"{count} replicas share the shards", TimeSpan.FromSeconds(60));

    /// <summary>Every replica answers with the same figures once each has read the others' latest statuses.</summary>
    private async Task SameFiguresEverywhereAsync()
    {
        string Figures(JsonElement objectives) => string.Join("\n", objectives.EnumerateArray()
            .Select(o => string.Join(" ", o.GetProperty("id"), o.GetProperty("evaluatedAt"), o.GetProperty("state"), o.GetProperty("sli"),
                o.GetProperty("events").GetRawText(), o.GetProperty("errorBudget").GetRawText(), o.GetProperty("burnRates").GetRawText()))
            .Order(StringComparer.Ordinal));
        await Eventually.HoldsAsync(async () =>
        {
            var answers = await Task.WhenAll(_replicas.Select(async r => Figures(await GetJsonAsync(r, "api/v1/objectives"))));
            return answers.Distinct().Count() == 1 && answers[0].Split('\n').Length == Jobs;
        }, "the same figures from every replica", TimeSpan.FromSeconds(30));
        // The gate answers 200, 409 or 503 by its decision: read the body whatever the status.
        var gates = await Task.WhenAll(_replicas.Select(async r =>
        {
            using var http = new HttpClient { BaseAddress = r.Url };
            using var response = await http.GetAsync("api/v1/services/live4/gate");
            using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return answer.RootElement.GetProperty("decision").GetString();
        }));
        Assert.That(gates.Distinct(), Has.Exactly(1).Items, "the same gate decision");
    }

    private async Task<JsonElement[]> PagesAsync(string service) =>
        (await Alertmanager.AlertsAsync())
        .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "SLOBurnRate"
                    && a.GetProperty("labels").GetProperty("service").GetString() == service)
        .ToArray();

    private string[] Webhook(string service) => _webhook.Where(w => w.Service == service).Select(w => w.Status).ToArray();

    private static async Task<string?> HolderAsync(SloProcess replica, int shard)
    {
        var cluster = await GetJsonAsync(replica, "api/v1/cluster");
        var lease = cluster.GetProperty("leases").EnumerateArray().Single(l => l.GetProperty("shard").GetInt32() == shard);
        return lease.GetProperty("holder").GetString();
    }

    private static async Task<string> ReplicaOfAsync(SloProcess replica) =>
        (await GetJsonAsync(replica, "api/v1/cluster")).GetProperty("replica").GetString()!;

    private static async Task<List<Instant>> HistoryAsync(SloProcess replica, string id, Instant from, Instant to)
    {
        var history = await GetJsonAsync(replica, $"api/v1/objectives/{id}/history?from={NodaTime.Text.InstantPattern.ExtendedIso.Format(from)}&to={NodaTime.Text.InstantPattern.ExtendedIso.Format(to)}");
        return history.EnumerateArray().Select(h => NodaTime.Text.InstantPattern.ExtendedIso.Parse(h.GetProperty("at").GetString()!).Value).Order().ToList();
    }

    private static async Task<double> MetricAsync(SloProcess replica, string name)
    {
        using var http = new HttpClient { BaseAddress = replica.Url };
        var line = (await http.GetStringAsync("metrics")).Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<JsonElement> GetJsonAsync(SloProcess replica, string path)
    {
        using var http = new HttpClient { BaseAddress = replica.Url };
        return await http.GetFromJsonAsync<JsonElement>(path);
    }

    private static async Task<WebApplication> ServeAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{PrometheusServer.FreePort()}");
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return app;
    }

    /// <summary>Request counters that grow with the real clock, 50 a second per job, with a share of failures the test sets.</summary>
    private sealed class LiveCounters(int jobs)
    {
        private const double Rate = 50;
        private readonly double[] _good = new double[jobs];
        private readonly double[] _bad = new double[jobs];
        private readonly double[] _badRatio = new double[jobs];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly Lock _lock = new();
        private TimeSpan _last;

        public void SetBadRatio(int job, double ratio)
        {
            lock (_lock)
            {
                Advance();
                _badRatio[job] = ratio;
            }
        }

        public string Exposition()
        {
            lock (_lock)
            {
                Advance();
                var text = new StringBuilder("# TYPE http_requests_total counter\n");
                for (var job = 0; job < _good.Length; job++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"http_requests_total{{job=\"live{job}\",code=\"200\"}} {Math.Floor(_good[job])}\n");
                    text.Append(CultureInfo.InvariantCulture, $"http_requests_total{{job=\"live{job}\",code=\"500\"}} {Math.Floor(_bad[job])}\n");
                }

                return text.ToString();
            }
        }

        private void Advance()
        {
            var now = _clock.Elapsed;
            var events = Rate * (now - _last).TotalSeconds;
            _last = now;
            for (var job = 0; job < _good.Length; job++)
            {
                _good[job] += events * (1 - _badRatio[job]);
                _bad[job] += events * _badRatio[job];
            }
        }
    }
}
