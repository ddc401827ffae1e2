using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using NodaTime.Testing;
using Slo.Api.Api;
using Slo.Api.Evaluation;
using Slo.Api.Storage;

namespace Slo.Tests.Integration;

/// <summary>Every endpoint and status code of the v1 contract, in process (WebApplicationFactory) over the real Prometheus.</summary>
[TestFixture]
public class ApiTests
{
    private const string Token = "s3cret-token";
    private WebApplicationFactory<Program> _factory = null!;
    private HttpClient _http = null!;
    private FakeClock _clock = null!;
    private string _directory = "";

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "api-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_directory, "definitions"));
        await File.WriteAllTextAsync(Path.Combine(_directory, "definitions", "scenario.yaml"), TestScenario.Definitions);
        _clock = new FakeClock(Scenario.End);
        _factory = Factory(Token);
        _http = _factory.CreateClient();
    }

    private WebApplicationFactory<Program> Factory(string token) => new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
    {
        web.UseSetting("Prometheus:Url", IntegrationEnvironment.Prometheus.Url.ToString());
        web.UseSetting("Definitions:Path", Path.Combine(_directory, "definitions"));
        web.UseSetting("Storage:ConnectionString", $"Data Source={Path.Combine(_directory, $"slo-{Guid.NewGuid():N}.db")}");
        web.UseSetting("Evaluation:Enabled", "false");
        web.UseSetting("Api:Token", token);
        web.UseSetting("Logging:LogLevel:Default", "Warning");
        web.ConfigureTestServices(services => services.AddSingleton<IClock>(_clock));
    });

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    private async Task EvaluateAsync() => await _factory.Services.GetRequiredService<EvaluationWorker>().RunCycleAsync(CancellationToken.None);

    private async Task<JsonElement> Json(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.Clone();
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode code, string detailContains)
    {
        Assert.That(response.StatusCode, Is.EqualTo(code));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(body.GetProperty("status").GetInt32(), Is.EqualTo((int)code));
        Assert.That(body.GetProperty("detail").GetString(), Does.Contain(detailContains));
    }

    [Test, Order(1)]
    public async Task Ready_BeforeFirstEvaluation_Is503AndObjectivesAreStaleWithoutNumbers()
    {
        Assert.That((await _http.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await _http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var first = (await Json(await _http.GetAsync("/api/v1/objectives")))[0];
        Assert.That(first.GetProperty("state").GetString(), Is.EqualTo("stale"));
        Assert.That(first.GetProperty("errorBudget").ValueKind, Is.EqualTo(JsonValueKind.Null), "never 100% before anything is known");
        var gate = await _http.GetAsync("/api/v1/services/steady/gate");
        Assert.That(gate.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));

        await EvaluateAsync();
        Assert.That((await _http.GetAsync("/health/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test, Order(2)]
    public async Task Objectives_AfterEvaluation_FollowTheContract()
    {
        var all = await Json(await _http.GetAsync("/api/v1/objectives"));
        Assert.That(all.GetArrayLength(), Is.EqualTo(13));
        var burst = all.EnumerateArray().Single(o => o.GetProperty("id").GetString() == "burst/availability");
        Assert.Multiple(() =>
        {
            Assert.That(burst.GetProperty("service").GetString(), Is.EqualTo("burst"));
            Assert.That(burst.GetProperty("signal").GetString(), Is.EqualTo("reliability"));
            Assert.That(burst.GetProperty("target").GetDouble(), Is.EqualTo(0.999));
            Assert.That(burst.GetProperty("window").GetProperty("kind").GetString(), Is.EqualTo("rolling"));
            Assert.That(burst.GetProperty("window").GetProperty("length").GetString(), Is.EqualTo("30d"));
            Assert.That(burst.GetProperty("state").GetString(), Is.EqualTo("ok"));
            Assert.That(burst.GetProperty("evaluatedAt").GetString(), Is.EqualTo(NodaTime.Text.InstantPattern.ExtendedIso.Format(Scenario.End)));
            Assert.That(burst.GetProperty("dataAgeSeconds").GetInt64(), Is.Zero);
            Assert.That(burst.GetProperty("sli").GetDouble(), Is.InRange(0.99, 1.0));
            Assert.That(burst.GetProperty("events").GetProperty("total").GetDouble(), Is.GreaterThan(0));
            Assert.That(burst.GetProperty("errorBudget").GetProperty("allowed").GetDouble(), Is.EqualTo(0.001));
            Assert.That(burst.GetProperty("burnRates").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "5m", "30m", "1h", "2h", "6h", "1d", "3d" }));
            var page = burst.GetProperty("alerts").EnumerateArray().First();
            Assert.That(page.GetProperty("severity").GetString(), Is.EqualTo("page"));
            Assert.That(page.GetProperty("factor").GetDouble(), Is.EqualTo(14.4).Within(1e-9));
            Assert.That(page.GetProperty("firing").GetBoolean(), Is.True);
            Assert.That(page.GetProperty("since").GetString(), Is.Not.Null);
        });
    }

    [Test, Order(2)]
    public async Task Objective_UnknownOrWithBadAt_AnswersProblems()
    {
        await AssertProblem(await _http.GetAsync("/api/v1/objectives/nope/availability"), HttpStatusCode.NotFound, "nope/availability");
        await AssertProblem(await _http.GetAsync("/api/v1/objectives/steady/availability?at=yesterday"), HttpStatusCode.BadRequest, "ISO-8601");
        await AssertProblem(await _http.GetAsync($"/api/v1/objectives/steady/availability?at={Scenario.End + Duration.FromHours(1)}"), HttpStatusCode.BadRequest, "future");
        await AssertProblem(await _http.GetAsync("/api/v1/objectives/steady/availability?at=-9998-01-01T00:00:00Z"), HttpStatusCode.BadRequest, "from 1970");
        await AssertProblem(await _http.GetAsync("/api/v1/objectives/steady/availability/history?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z"), HttpStatusCode.BadRequest, "before 3000");
        await AssertProblem(await _http.GetAsync($"/api/v1/objectives/steady/availability?at={Scenario.End - Duration.FromDays(200)}"), HttpStatusCode.BadRequest, "cannot be evaluated");
    }

    [Test, Order(2)]
    public async Task Objective_At_BacktestsThroughTheSameEvaluation()
    {
        var at = Scenario.MidBurst;
        var response = await _http.GetAsync($"/api/v1/objectives/burst/availability?at={NodaTime.Text.InstantPattern.ExtendedIso.Format(at)}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var body = await Json(response);
        Assert.That(body.GetProperty("evaluatedAt").GetString(), Is.EqualTo(NodaTime.Text.InstantPattern.ExtendedIso.Format(at)));
        Assert.That(body.GetProperty("burnRates").GetProperty("5m").GetDouble(), Is.EqualTo(50).Within(1).Percent, "5% errors against a 0.1% budget");
    }

    [Test, Order(2)]
    public async Task History_RangeAndErrors()
    {
        var ok = await Json(await _http.GetAsync("/api/v1/objectives/steady/availability/history"));
        Assert.That(ok.GetArrayLength(), Is.EqualTo(1));
        Assert.That(ok[0].GetProperty("state").GetString(), Is.EqualTo("ok"));
        Assert.That(ok[0].GetProperty("budgetRemaining").GetDouble(), Is.InRange(0.3, 0.7));
        var empty = await Json(await _http.GetAsync($"/api/v1/objectives/steady/availability/history?from={Scenario.Start}&to={Scenario.Start + Duration.FromDays(1)}"));
        Assert.That(empty.GetArrayLength(), Is.Zero);
        await AssertProblem(await _http.GetAsync("/api/v1/objectives/steady/availability/history?from=soon"), HttpStatusCode.BadRequest, "'from'");
        await AssertProblem(await _http.GetAsync($"/api/v1/objectives/steady/availability/history?from={Scenario.End}&to={Scenario.Start}"), HttpStatusCode.BadRequest, "after");
        await AssertProblem(await _http.GetAsync("/api/v1/objectives/steady/nope/history"), HttpStatusCode.NotFound, "steady/nope");
    }

    [Test, Order(2)]
    public async Task Service_KeepsReliabilityAndPerformanceApart()
    {
        var body = await Json(await _http.GetAsync("/api/v1/services/steady"));
        var reliability = body.GetProperty("reliability");
        var performance = body.GetProperty("performance");
        Assert.Multiple(() =>
        {
            Assert.That(reliability.GetProperty("objectives").EnumerateArray().Select(o => o.GetProperty("signal").GetString()), Is.All.EqualTo("reliability"));
            Assert.That(performance.GetProperty("objectives").EnumerateArray().Select(o => o.GetProperty("id").GetString()), Is.EqualTo(new[] { "steady/latency" }));
            var worst = reliability.GetProperty("objectives").EnumerateArray().Min(o => o.GetProperty("errorBudget").GetProperty("remaining").GetDouble());
            Assert.That(reliability.GetProperty("budgetRemaining").GetDouble(), Is.EqualTo(worst));
        });
        await AssertProblem(await _http.GetAsync("/api/v1/services/nope"), HttpStatusCode.NotFound, "nope");
    }

    [TestCase("steady", HttpStatusCode.OK, "pass")]
    [TestCase("slowdown", HttpStatusCode.OK, "warn")]
    [TestCase("leaky", HttpStatusCode.Conflict, "fail")]
    [TestCase("burst", HttpStatusCode.Conflict, "fail")]
    [TestCase("idle", HttpStatusCode.ServiceUnavailable, "unknown")]
    [Order(3)]
    public async Task Gate_Decision_MapsToStatusCode(string service, HttpStatusCode code, string decision)
    {
        var response = await _http.GetAsync($"/api/v1/services/{service}/gate");
        var body = await Json(response);
        Assert.That(response.StatusCode, Is.EqualTo(code), body.ToString());
        Assert.That(body.GetProperty("decision").GetString(), Is.EqualTo(decision));
        Assert.That(body.GetProperty("checks").GetArrayLength(), Is.GreaterThan(0));
        foreach (var check in body.GetProperty("checks").EnumerateArray())
            Assert.That(check.GetProperty("message").GetString(), Is.Not.Empty);
    }

    [Test, Order(3)]
    public async Task Backtest_FloodOfAnonymousRequests_IsBoundedAndCostsPrometheusOneExtension()
    {
        // 300 backtests at once, each at an older instant than the one before (the order that would make a naive
        // ledger extend itself 300 times). The ledger is extended once, to all it keeps; the rest are sums.
        var cost = _factory.Services.GetRequiredService<Slo.Api.Prometheus.PrometheusCost>();
        var before = cost.Requests;
        var instants = Enumerable.Range(1, 300).Select(i => Scenario.End - Duration.FromHours(i)).ToArray();
        var answers = await Task.WhenAll(instants.Select(at =>
            _http.GetAsync($"/api/v1/objectives/steady/availability?at={NodaTime.Text.InstantPattern.ExtendedIso.Format(at)}")));
        var codes = answers.GroupBy(a => a.StatusCode).ToDictionary(g => g.Key, g => g.Count());
        Assert.Multiple(() =>
        {
            Assert.That(codes.Keys, Is.SubsetOf(new[] { HttpStatusCode.OK, HttpStatusCode.TooManyRequests }), string.Join(", ", codes));
            Assert.That(codes.GetValueOrDefault(HttpStatusCode.OK), Is.GreaterThanOrEqualTo(Slo.Api.Hosting.SloApiServices.BacktestConcurrency));
            Assert.That(cost.Requests - before, Is.LessThanOrEqualTo(8), "one extension of the ledger (its older buckets and a re-read of the newest), not one per request");
        });
        var refused = answers.FirstOrDefault(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        if (refused is not null)
        {
            Assert.That(refused.Headers.RetryAfter?.Delta, Is.EqualTo(TimeSpan.FromSeconds(1)));
            await AssertProblem(refused, HttpStatusCode.TooManyRequests, "backtests");
        }
    }

    [Test, Order(3)]
    public async Task Gate_UnknownService_Is404() =>
        await AssertProblem(await _http.GetAsync("/api/v1/services/nope/gate"), HttpStatusCode.NotFound, "nope");

    [Test, Order(4)]
    public async Task Override_WithoutOrWithWrongToken_IsRefused()
    {
        var body = JsonContent.Create(new { reason = "hotfix", createdBy = "alice", expiresAt = Scenario.End + Duration.FromHours(1) }, options: ApiJson.Options);
        var anonymous = await _http.PostAsync("/api/v1/services/leaky/gate/overrides", body);
        await AssertProblem(anonymous, HttpStatusCode.Unauthorized, "Bearer");
        Assert.That(anonymous.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));

        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/leaky/gate/overrides") { Content = body };
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
        await AssertProblem(await _http.SendAsync(wrong), HttpStatusCode.Unauthorized, "not valid");
        Assert.That((await _http.GetAsync("/api/v1/services/leaky/gate")).StatusCode, Is.EqualTo(HttpStatusCode.Conflict), "still failing");
    }

    [Test, Order(4)]
    public async Task Override_WithoutConfiguredToken_RefusesEveryWrite()
    {
        await using var factory = Factory(token: "");
        using var http = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/leaky/gate/overrides")
        {
            Content = JsonContent.Create(new { reason = "x", createdBy = "y", expiresAt = Scenario.End + Duration.FromHours(1) }, options: ApiJson.Options),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "");
        await AssertProblem(await http.SendAsync(request), HttpStatusCode.Forbidden, "Api:Token");
    }

    [Test, Order(4)]
    public async Task Override_InvalidBody_Is400WithEveryProblem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/leaky/gate/overrides")
        {
            Content = JsonContent.Create(new { reason = " ", expiresAt = Scenario.End - Duration.FromHours(1) }, options: ApiJson.Options),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var response = await _http.SendAsync(request);
        await AssertProblem(response, HttpStatusCode.BadRequest, "'reason' is required");
        Assert.That((await response.Content.ReadAsStringAsync()), Does.Contain("createdBy").And.Contain("already passed"));
    }

    [Test, Order(5)]
    public async Task Override_ValidToken_TurnsFailIntoPassAndIsAudited()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/leaky/gate/overrides")
        {
            Content = JsonContent.Create(new { reason = "fix for INC-42 must ship", createdBy = "alice", expiresAt = Scenario.End + Duration.FromHours(2) }, options: ApiJson.Options),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        var created = await _http.SendAsync(request);
        Assert.That(created.StatusCode, Is.EqualTo(HttpStatusCode.Created));
        var id = (await Json(created)).GetProperty("id").GetString();

        var gate = await _http.GetAsync("/api/v1/services/leaky/gate");
        var body = await Json(gate);
        Assert.Multiple(() =>
        {
            Assert.That(gate.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(body.GetProperty("decision").GetString(), Is.EqualTo("pass"));
            Assert.That(body.GetProperty("overridden").GetBoolean(), Is.True);
            Assert.That(body.GetProperty("override").GetProperty("id").GetString(), Is.EqualTo(id));
            Assert.That(body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("outcome").GetString()), Does.Contain("fail"), "failing checks stay listed");
        });

        // Decisions reach the audit trail once their second has passed.
        _clock.Advance(Duration.FromSeconds(2));
        var store = _factory.Services.GetRequiredService<GateStore>();
        IReadOnlyList<StoredDecision> decisions = [];
        for (var i = 0; i < 100 && !decisions.Any(d => d.Overridden); i++)
        {
            await Task.Delay(50);
            decisions = await store.DecisionsAsync("leaky", Scenario.End - Duration.FromHours(1), Scenario.End + Duration.FromHours(1), CancellationToken.None);
        }

        Assert.That(decisions.Select(d => d.Decision), Does.Contain("fail").And.Contain("pass"), "every decision is stored for audit");
        Assert.That(decisions.Single(d => d.Overridden).OverrideId, Is.EqualTo(id));
        Assert.That(decisions.Single(d => d.Overridden).Requests, Is.EqualTo(1));
        Assert.That(decisions.Single(d => d.Overridden).Checks, Does.Contain("minBudgetRemaining"));
        Assert.That((await store.ActiveOverridesAsync(Scenario.End, CancellationToken.None)).Select(o => o.Id), Does.Contain(id));
    }

    [Test, Order(2)]
    public async Task Alerts_ListsFiringTiers()
    {
        var alerts = await Json(await _http.GetAsync("/api/v1/alerts"));
        var pages = alerts.EnumerateArray().Where(a => a.GetProperty("severity").GetString() == "page").Select(a => a.GetProperty("objective").GetString());
        var tickets = alerts.EnumerateArray().Where(a => a.GetProperty("severity").GetString() == "ticket").Select(a => a.GetProperty("objective").GetString());
        Assert.That(pages, Does.Contain("burst/availability").And.Not.Contain("steady/availability"));
        Assert.That(tickets, Does.Contain("leaky/availability"));
    }

    [Test, Order(2)]
    public async Task Metrics_ExposeObjectiveGaugesAndHealth()
    {
        var text = await _http.GetStringAsync("/metrics");
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Contain("slo_sli_ratio{service=\"steady\",objective=\"availability\",signal=\"reliability\",team=\"\"}"));
            Assert.That(text, Does.Contain("slo_burn_rate{service=\"burst\",objective=\"availability\",signal=\"reliability\",team=\"\",window=\"1h\"}"));
            Assert.That(text, Does.Contain("slo_burn_alert_firing{service=\"burst\",objective=\"availability\",signal=\"reliability\",team=\"\",severity=\"page\",long_window=\"1h\",short_window=\"5m\"} 1"));
            Assert.That(text, Does.Contain("slo_objective_state{service=\"idle\",objective=\"availability\",signal=\"reliability\",team=\"\",state=\"no_data\"} 1"));
            Assert.That(text, Does.Contain("slo_prometheus_query_errors_total{kind=\"definition_mismatch\"} 1"));
            Assert.That(text, Does.Contain("slo_evaluation_duration_seconds_count"));
            Assert.That(text, Does.Contain("slo_data_age_seconds{service=\"steady\",objective=\"latency\",signal=\"performance\",team=\"\"}"));
            Assert.That(text, Does.Not.Contain("slo_sli_ratio{service=\"idle\""), "no number for an objective without data");
        });

        // What the service costs Prometheus and holds in memory, as numbers that are there and not zero.
        double Value(string name) => double.Parse(
            text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(Value("slo_ledger_buckets"), Is.GreaterThan(12 * 1000), "every objective holds its window in buckets");
            Assert.That(Value("slo_prometheus_samples_read_total"), Is.GreaterThan(12 * 30 * 1440), "a month of minute samples per objective, read once");
            Assert.That(Value("slo_prometheus_requests_total"), Is.GreaterThan(0));
            Assert.That(Value("slo_evaluation_cycle_queries"), Is.GreaterThan(0));
            Assert.That(Value("slo_evaluation_cycle_samples_read"), Is.GreaterThan(0));
        });
    }

    [Test, Order(2)]
    public async Task OpenApi_DescribesTheEndpoints()
    {
        var doc = await Json(await _http.GetAsync("/openapi/v1.json"));
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.That(paths, Is.SupersetOf(new[]
        {
            "/api/v1/objectives", "/api/v1/objectives/{service}/{name}", "/api/v1/objectives/{service}/{name}/history",
            "/api/v1/services/{service}", "/api/v1/services/{service}/gate", "/api/v1/services/{service}/gate/overrides", "/api/v1/alerts",
        }));
    }
}
