using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Slo.Tests.Integration;

/// <summary>
/// Reloading the definitions of a real <c>slo serve</c> process over the real Prometheus while it runs: through
/// <c>POST /-/reload</c>, SIGHUP and a file change; objectives added, changed and removed; a broken file refused whole.
/// </summary>
[TestFixture]
public class ReloadTests
{
    private const string Token = "reload-token";

    private string _dir = "";
    private SloProcess? _slo;
    private HttpClient _http = null!;

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    private string Definitions => Path.Combine(_dir, "definitions");

    [SetUp]
    public void CreateFolder()
    {
        _dir = Path.Combine(IntegrationEnvironment.WorkDirectory, "reload-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Definitions);
    }

    [TearDown]
    public async Task StopAsync()
    {
        _http?.Dispose();
        if (_slo is not null)
            await _slo.DisposeAsync();
        _slo = null;
    }

    private async Task StartAsync(string yaml, params string[] settings)
    {
        await File.WriteAllTextAsync(Path.Combine(Definitions, "objectives.yaml"), yaml);
        _slo = await SloProcess.StartAsync(
        [
            $"--Prometheus:Url={IntegrationEnvironment.Prometheus.Url}",
            $"--Definitions:Path={Definitions}",
            $"--Storage:ConnectionString=Data Source={Path.Combine(_dir, "slo.db")}",
            $"--Api:Token={Token}",
            "--Evaluation:Interval=1h",
            "--History:Backfill=false",
            .. settings,
        ]);
        _http = new HttpClient { BaseAddress = _slo.Url };
    }

    /// <summary>A native objective over one generated job.</summary>
    internal static string Objective(string job, string target = "99.9", string bad = "code=~\"5..\"", string labels = "{}") => $$"""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: {{job}}
        labels: {{labels}}
        objectives:
          - name: availability
            target: {{target}}
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="{{job}}",{{bad}}}', total: 'http_requests_total{job="{{job}}"}' } }
        """;

    private static string Set(params string[] documents) => string.Join("\n---\n", documents) + "\n";

    private async Task<HttpResponseMessage> PostReloadAsync(string? token = Token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/-/reload");
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _http.SendAsync(request);
    }

    private async Task<JsonElement> JsonAsync(string path) => JsonDocument.Parse(await _http.GetStringAsync(path)).RootElement.Clone();

    private async Task<JsonElement?> ObjectiveAsync(string id)
    {
        var response = await _http.GetAsync($"/api/v1/objectives/{id}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The objective once evaluated after <paramref name="after"/> with state ok.</summary>
    private async Task<JsonElement> EvaluatedAsync(string id, DateTimeOffset after)
    {
        JsonElement found = default;
        await Eventually.HoldsAsync(async () =>
        {
            found = await ObjectiveAsync(id) ?? default;
            return found.ValueKind == JsonValueKind.Object && found.GetProperty("state").GetString() == "ok" && found.GetProperty("evaluatedAt").GetDateTimeOffset() > after;
        }, () => $"{id} evaluated after {after:O} (last seen: {(found.ValueKind == JsonValueKind.Object ? found.GetProperty("state") + ", " + found.GetProperty("evaluatedAt") + (found.TryGetProperty("message", out var m) ? ", " + m : "") : "not defined")}; process output:\n{Tail(_slo?.Output)})");
        return found;
    }

    private static string Tail(string? output) => output is null ? "" : string.Join("\n", output.Split('\n').TakeLast(30));

    /// <summary>The objective's total and bad events match the generated truth over its 30-day window within 1%.</summary>
    private static void AssertTruth(JsonElement status, string job)
    {
        var at = Instant.FromDateTimeOffset(status.GetProperty("evaluatedAt").GetDateTimeOffset());
        var truth = Scenario.Traffic.Truth(job, at - Duration.FromDays(30), Instant.Min(at, Scenario.End));
        var events = status.GetProperty("events");
        Assert.Multiple(() =>
        {
            Assert.That(events.GetProperty("total").GetDouble(), Is.EqualTo(truth.Requests).Within(1).Percent, $"{job} total");
            Assert.That(events.GetProperty("bad").GetDouble(), Is.EqualTo(truth.Errors).Within(1).Percent, $"{job} bad");
        });
    }

    /// <summary>The samples read by the cycle that evaluated <paramref name="status"/>. A cycle's figures reach
    /// /metrics when it ends, after its statuses reached the API: wait for that cycle's timestamp first.</summary>
    private async Task<double> CycleSamplesAsync(JsonElement status)
    {
        var at = status.GetProperty("evaluatedAt").GetDateTimeOffset().ToUnixTimeMilliseconds() / 1000.0;
        double last = 0;
        await Eventually.HoldsAsync(async () => (last = await MetricAsync("slo_evaluation_last_cycle_timestamp_seconds")) >= at,
            () => $"the cycle at {at} completes (last cycle on /metrics: {last})");
        return await MetricAsync("slo_evaluation_cycle_samples_read");
    }

    private async Task<double> MetricAsync(string name)
    {
        var line = (await _http.GetStringAsync("/metrics")).Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task WriteAsync(string yaml, string file = "objectives.yaml")
    {
        // As editors do: a temporary file renamed over the old one.
        var temp = Path.Combine(Definitions, "." + file + ".tmp");
        await File.WriteAllTextAsync(temp, yaml);
        File.Move(temp, Path.Combine(Definitions, file), overwrite: true);
    }

    [Test]
    public async Task Reload_AddChangeRemove_FollowsWhileRunning()
    {
        await StartAsync(Set(Objective("steady"), Objective("burst")), "--Definitions:Watch=false");
        var first = (await ObjectiveAsync("steady/availability"))!.Value;
        AssertTruth(first, "steady");
        var coldSamples = await CycleSamplesAsync(first);

        // Changed target, new objective (with a label name new to the service), removed objective: one reload.
        await WriteAsync(Set(Objective("steady", target: "99"), Objective("leaky", labels: "{ tier: gold }")));
        var reloadedAt = DateTimeOffset.UtcNow;
        var response = await PostReloadAsync();
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(answer.GetProperty("added").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "leaky/availability" }));
            Assert.That(answer.GetProperty("changed").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "steady/availability" }));
            Assert.That(answer.GetProperty("removed").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "burst/availability" }));
            Assert.That(answer.GetProperty("trigger").GetString(), Is.EqualTo("http"));
        });

        // The new one is evaluated in a cycle that does not wait for the hour-long interval, against the truth.
        var leaky = await EvaluatedAsync("leaky/availability", reloadedAt);
        AssertTruth(leaky, "leaky");
        var steady = await EvaluatedAsync("steady/availability", reloadedAt);
        Assert.That(steady.GetProperty("target").GetDouble(), Is.EqualTo(0.99));
        AssertTruth(steady, "steady");
        Assert.That(await ObjectiveAsync("burst/availability"), Is.Null, "a removed objective leaves the API");
        var metrics = await _http.GetStringAsync("/metrics");
        Assert.That(metrics, Does.Not.Contain("service=\"burst\""), "and /metrics");
        Assert.That(metrics, Does.Contain("slo_target_ratio{service=\"leaky\",objective=\"availability\",signal=\"reliability\",tier=\"gold\"} 0.999")
            .And.Contain("slo_target_ratio{service=\"steady\",objective=\"availability\",signal=\"reliability\",tier=\"\"} 0.99"), "a new label name on every series");
        var history = await JsonAsync("/api/v1/objectives/steady/availability/history");
        Assert.That(history.EnumerateArray().Select(h => h.GetProperty("at").GetDateTimeOffset()), Has.Some.LessThan(reloadedAt), "a changed target keeps the history");

        // A new target cost no refetch: the post-reload cycle read only leaky's window (one objective of the two at start).
        var afterTarget = await CycleSamplesAsync(steady);
        Assert.That(afterTarget, Is.LessThan(coldSamples * 0.75), "steady's counts were kept");

        // Only the target again: nothing to read but the youngest buckets.
        await WriteAsync(Set(Objective("steady", target: "99.5"), Objective("leaky", labels: "{ tier: gold }")));
        reloadedAt = DateTimeOffset.UtcNow;
        Assert.That((await PostReloadAsync()).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        steady = await EvaluatedAsync("steady/availability", reloadedAt);
        Assert.That(steady.GetProperty("target").GetDouble(), Is.EqualTo(0.995));
        Assert.That(await CycleSamplesAsync(steady), Is.LessThan(coldSamples * 0.05), "a target change refetches nothing");

        // A new query (same meaning, other text) is counted afresh: one pass over its window.
        await WriteAsync(Set(Objective("steady", target: "99.5", bad: "code=~\"5[0-9][0-9]\""), Objective("leaky", labels: "{ tier: gold }")));
        reloadedAt = DateTimeOffset.UtcNow;
        Assert.That((await PostReloadAsync()).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        steady = await EvaluatedAsync("steady/availability", reloadedAt);
        AssertTruth(steady, "steady");
        Assert.That(await CycleSamplesAsync(steady), Is.GreaterThan(coldSamples * 0.25), "a query change refetches its window");

        var status = await JsonAsync("/api/v1/definitions/status");
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("objectives").GetInt32(), Is.EqualTo(2));
            Assert.That(status.GetProperty("lastAttempt").GetProperty("success").GetBoolean());
            Assert.That(status.GetProperty("lastAttempt").GetProperty("changed").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "steady/availability" }));
            Assert.That(status.GetProperty("lastAttempt").GetProperty("unchanged").GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Reload_BrokenFile_KeepsTheRunningSetAndSaysWhereThenTakesTheFix()
    {
        await StartAsync(Set(Objective("steady")), "--Definitions:Watch=false");
        var broken = Objective("leaky", target: "150");
        await WriteAsync(broken, "leaky.yaml");
        var response = await PostReloadAsync();
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity), body);
        var problem = JsonDocument.Parse(body).RootElement;
        var where = $"{Path.Combine(Definitions, "leaky.yaml")}:7:13: objectives[0].target:";
        Assert.Multiple(() =>
        {
            Assert.That(problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()), Has.Exactly(1).StartsWith(where));
            Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("keeps running").And.Contain(where));
        });
        Assert.That(await ObjectiveAsync("steady/availability"), Is.Not.Null, "the running set stays");
        Assert.That(await ObjectiveAsync("leaky/availability"), Is.Null);
        var status = await JsonAsync("/api/v1/definitions/status");
        Assert.Multiple(() =>
        {
            Assert.That(status.GetProperty("lastAttempt").GetProperty("success").GetBoolean(), Is.False);
            Assert.That(status.GetProperty("lastAttempt").GetProperty("errors").EnumerateArray().Select(e => e.GetString()), Has.Exactly(1).StartsWith(where));
            Assert.That(status.GetProperty("objectives").GetInt32(), Is.EqualTo(1));
        });
        Assert.That(await MetricAsync("slo_definitions_reload_success"), Is.Zero);

        await WriteAsync(Objective("leaky"), "leaky.yaml");
        Assert.That((await PostReloadAsync()).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await MetricAsync("slo_definitions_reload_success"), Is.EqualTo(1));
        Assert.That(await MetricAsync("slo_definitions_last_reload_success_timestamp_seconds"), Is.GreaterThan(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60));
        await EvaluatedAsync("leaky/availability", DateTimeOffset.MinValue);
    }

    [TestCase(null, HttpStatusCode.Unauthorized)]
    [TestCase("wrong", HttpStatusCode.Unauthorized)]
    [TestCase(Token, HttpStatusCode.OK)]
    public async Task Reload_Endpoint_NeedsTheToken(string? token, HttpStatusCode expected)
    {
        await StartAsync(Set(Objective("steady")), "--Definitions:Watch=false");
        await WriteAsync(Set(Objective("steady"), Objective("leaky")));
        var response = await PostReloadAsync(token);
        Assert.That(response.StatusCode, Is.EqualTo(expected));
        Assert.That(await ObjectiveAsync("leaky/availability") is not null, Is.EqualTo(expected == HttpStatusCode.OK), "refused: nothing was read");
    }

    [Test]
    public async Task Sighup_ReloadsAndTheProcessLivesOn()
    {
        // Cycles every 5 s: a first evaluation of the new objective that fails (a busy Prometheus during its window's
        // fill) is retried, so the test shows the signal, not one request's luck.
        await StartAsync(Set(Objective("steady")), "--Definitions:Watch=false", "--Evaluation:Interval=5s");
        await WriteAsync(Set(Objective("steady"), Objective("leaky")));
        using (var kill = Process.Start("kill", ["-HUP", _slo!.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync();
        var leaky = await EvaluatedAsync("leaky/availability", DateTimeOffset.MinValue);
        AssertTruth(leaky, "leaky");
        Assert.That(_slo.HasExited, Is.False, "SIGHUP no longer ends the process");
        var status = await JsonAsync("/api/v1/definitions/status");
        Assert.That(status.GetProperty("lastAttempt").GetProperty("trigger").GetString(), Is.EqualTo("sighup"));
    }

    [Test]
    public async Task FileChange_IsNoticedByTheWatcher()
    {
        // The periodic check is an hour away: only the watcher can notice.
        await StartAsync(Set(Objective("steady")), "--Definitions:CheckInterval=1h");
        await WriteAsync(Objective("leaky"), "leaky.yaml");
        await EvaluatedAsync("leaky/availability", DateTimeOffset.MinValue);
        var status = await JsonAsync("/api/v1/definitions/status");
        Assert.That(status.GetProperty("lastAttempt").GetProperty("trigger").GetString(), Is.EqualTo("file"));
    }

    [Test]
    public async Task ConfigMapSwap_IsNoticedAndReadOnce()
    {
        // The kubelet's layout: files are links through ..data, a link to a timestamped folder, swapped by a rename.
        var first = Path.Combine(Definitions, "..2026_11_26_01");
        Directory.CreateDirectory(first);
        await File.WriteAllTextAsync(Path.Combine(first, "objectives.yaml"), Set(Objective("steady")));
        File.CreateSymbolicLink(Path.Combine(Definitions, "..data"), "..2026_11_26_01");
        File.CreateSymbolicLink(Path.Combine(Definitions, "objectives.yaml"), "..data/objectives.yaml");
        await StartAsync(Set(Objective("steady")), "--Definitions:CheckInterval=1h");

        // StartAsync wrote through the link; the update comes as a new folder and a swapped ..data.
        var second = Path.Combine(Definitions, "..2026_11_26_02");
        Directory.CreateDirectory(second);
        await File.WriteAllTextAsync(Path.Combine(second, "objectives.yaml"), Set(Objective("steady"), Objective("leaky")));
        File.CreateSymbolicLink(Path.Combine(Definitions, "..data_tmp"), "..2026_11_26_02");
        using (var rename = Process.Start("mv", ["-T", Path.Combine(Definitions, "..data_tmp"), Path.Combine(Definitions, "..data")]))
            await rename.WaitForExitAsync();

        await EvaluatedAsync("leaky/availability", DateTimeOffset.MinValue);
        var status = await JsonAsync("/api/v1/definitions/status");
        Assert.That(status.GetProperty("objectives").GetInt32(), Is.EqualTo(2), "each objective once, not again through the hidden copies");
    }
}
