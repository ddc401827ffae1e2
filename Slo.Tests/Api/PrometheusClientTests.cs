using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Slo.Api.Evaluation;
using Microsoft.Extensions.Options;
using Slo.Api.Hosting;
using Slo.Api.Ledger;
using Slo.Api.Prometheus;
using Slo.Api.Storage;
using Slo.Engine.Ledger;
using Slo.Engine.Definitions;

namespace Slo.Tests.Api;

/// <summary>Failure paths of the Prometheus client, against a fake server that misbehaves on purpose.</summary>
[TestFixture]
public class PrometheusClientTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 24, 8, 0);

    /// <summary>Answers each request with the next scripted response (the last one repeats) and counts calls.</summary>
    private sealed class ScriptedHandler(params Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] script) : HttpMessageHandler
    {
        private int _calls;

        public int Calls => _calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var i = Interlocked.Increment(ref _calls) - 1;
            return script[Math.Min(i, script.Length - 1)](request, cancellationToken);
        }

        public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Reply(HttpStatusCode code, string body) =>
            (_, _) => Task.FromResult(new HttpResponseMessage(code) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }

    private const string Vector = """{"status":"success","data":{"resultType":"vector","result":[{"metric":{"slo_series":"total|30d"},"value":[1764000000,"1000"]}]}}""";

    private static PrometheusClient Direct(ScriptedHandler handler) => new(new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:9/") }, new PrometheusCost());

    /// <summary>A client built exactly as the host builds it, resilience pipeline included, over the scripted handler.</summary>
    private static (PrometheusClient Client, ServiceProvider Provider) Resilient(ScriptedHandler handler, string attemptTimeout = "00:00:00.300", int retries = 2)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Prometheus:Url"] = "http://127.0.0.1:9",
            ["Prometheus:AttemptTimeout"] = attemptTimeout,
            ["Prometheus:TotalTimeout"] = "00:00:05",
            ["Prometheus:MaxRetries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSloOptions(config).AddPrometheusClient(config);
        services.AddHttpClient(PrometheusSources.HttpClientName("default")).ConfigurePrimaryHttpMessageHandler(() => handler);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<PrometheusSources>().For(RatioObjective("bad: e_total, total: r_total")), provider);
    }

    [Test]
    public async Task QueryAsync_Success_ReadsLabelsValueAndWarnings()
    {
        var body = Vector[..^1] + ",\"warnings\":[\"partial\"]}";
        var result = await Direct(new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.OK, body)))
            .QueryAsync("up", At, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(result.Data.Single().Labels["slo_series"], Is.EqualTo("total|30d"));
            Assert.That(result.Data.Single().Value, Is.EqualTo(1000));
            Assert.That(result.Warnings, Is.EqualTo(new[] { "partial" }));
        });
    }

    [Test]
    public void QueryAsync_Unreachable_MessageHidesThePasswordOfTheUrl()
    {
        // A real refused connection (nothing listens on port 9), through a URL that carries user information.
        var client = new PrometheusClient(new HttpClient { BaseAddress = new Uri("http://scraper:hunter2@127.0.0.1:9/") }, new PrometheusCost());
        var error = Assert.ThrowsAsync<PrometheusException>(async () => await client.QueryAsync("up", At, CancellationToken.None))!;
        Assert.That(error.Message, Does.Contain("cannot reach Prometheus at http://127.0.0.1:9/").And.Not.Contain("hunter2").And.Not.Contain("scraper"));
    }

    [Test]
    public void QueryAsync_StatusError_IsQueryErrorWithPrometheusMessage()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.BadRequest, """{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"""));
        Assert.That(async () => await Direct(handler).QueryAsync("up{", At, CancellationToken.None),
            Throws.TypeOf<PrometheusException>()
                .With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.QueryError)
                .And.Message.Contains("bad_data").And.Message.Contains("parse error at char 5"));
    }

    [Test]
    public void QueryAsync_HtmlFromAProxy_IsBadResponse()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.OK, "<html>login required</html>"));
        Assert.That(async () => await Direct(handler).QueryAsync("up", At, CancellationToken.None),
            Throws.TypeOf<PrometheusException>().With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.BadResponse)
                .And.Message.Contains("<html>login required"));
    }

    [Test]
    public void QueryAsync_MalformedSample_IsBadResponse()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":["x"]}]}}"""));
        Assert.That(async () => await Direct(handler).QueryAsync("up", At, CancellationToken.None),
            Throws.TypeOf<PrometheusException>().With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.BadResponse));
    }

    [Test]
    public void QueryAsync_ConnectionRefused_IsUnreachable()
    {
        var handler = new ScriptedHandler((_, _) => throw new HttpRequestException("Connection refused"));
        Assert.That(async () => await Direct(handler).QueryAsync("up", At, CancellationToken.None),
            Throws.TypeOf<PrometheusException>().With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.Unreachable)
                .And.Message.Contains("Connection refused"));
    }

    [Test]
    public async Task QueryAsync_ServerErrorThenSuccess_IsRetried()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.ServiceUnavailable, "overloaded"), ScriptedHandler.Reply(HttpStatusCode.OK, Vector));
        var (client, provider) = Resilient(handler);
        await using (provider)
        {
            var result = await client.QueryAsync("up", At, CancellationToken.None);
            Assert.That(result.Data, Has.Count.EqualTo(1));
            Assert.That(handler.Calls, Is.EqualTo(2));
        }
    }

    [Test]
    public async Task QueryAsync_ServerThatHangs_TimesOutAfterRetries()
    {
        var handler = new ScriptedHandler(async (_, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        var (client, provider) = Resilient(handler, retries: 1);
        await using (provider)
        {
            Assert.That(async () => await client.QueryAsync("up", At, CancellationToken.None),
                Throws.TypeOf<PrometheusException>().With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.Timeout));
            Assert.That(handler.Calls, Is.EqualTo(2), "one attempt and one retry");
        }
    }

    [Test]
    public async Task QueryAsync_BadRequest_IsNotRetried()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.BadRequest, """{"status":"error","errorType":"bad_data","error":"x"}"""));
        var (client, provider) = Resilient(handler);
        await using (provider)
        {
            Assert.That(async () => await client.QueryAsync("up", At, CancellationToken.None), Throws.TypeOf<PrometheusException>());
            Assert.That(handler.Calls, Is.EqualTo(1));
        }
    }

    /// <summary>A 99%/30d ratio objective with the given indicator fields.</summary>
    private static Objective RatioObjective(string ratio) => DefinitionLoader.LoadText($$"""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: s
        objectives:
          - { name: a, target: 99, window: 30d, indicator: { ratio: { {{ratio}} } } }
        """).Objectives.Single();

    /// <summary>A ledger book over the scripted server, with 1m fine buckets (no scrape probe) and a fresh SQLite file.</summary>
    private static async Task<LedgerBook> Book(PrometheusClient client)
    {
        var directory = Path.Combine(Path.GetTempPath(), "slo-book-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var database = SqlDatabase.Sqlite($"Data Source={Path.Combine(directory, "slo.db")};Pooling=False");
        await new MigrationRunner(database, SystemClock.Instance, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        return new LedgerBook(PrometheusSources.Single(client), new LedgerStore(database, SystemClock.Instance), Options.Create(new LedgerOptions { FineBucket = "1m" }),
            Options.Create(new PrometheusOptions()), NullLogger<LedgerBook>.Instance);
    }

    private static string Matrix(string series, string value) =>
        $$$"""{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"slo_series":"{{{series}}}"},"values":[[{{{At.ToUnixTimeSeconds()}}},"{{{value}}}"]]}]}}""";

    [TestCase("NaN")]
    [TestCase("+Inf")]
    [TestCase("-3")]
    public async Task SyncAsync_NonFiniteOrNegativeCount_FailsTheObjectiveAsInvalidValue(string value)
    {
        var book = await Book(Direct(new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.OK, Matrix("0|total", value)))));
        var objective = RatioObjective("""bad: 'e_total', total: 'r_total'""");
        var failures = await book.SyncAsync([objective], At, o => LedgerMeasurement.NeedFrom(o, At), CancellationToken.None);
        Assert.That(failures[objective.Id], Is.TypeOf<PrometheusException>()
            .With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.InvalidValue)
            .And.Message.Contains("total count"));
        Assert.That(() => book.Measure(objective, At), Throws.TypeOf<LedgerGapException>(), "nothing was counted");
    }

    [Test]
    public async Task SyncAsync_TwoObjectives_OneRequestPerBucketLengthWithEscapedSelectors()
    {
        var queries = new List<string>();
        var handler = new ScriptedHandler(async (request, _) =>
        {
            var body = await request.Content!.ReadAsStringAsync();
            lock (queries)
                queries.Add(Uri.UnescapeDataString(body.Split('&').Single(p => p.StartsWith("query=", StringComparison.Ordinal))[6..].Replace('+', ' ')));
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"status":"success","data":{"resultType":"matrix","result":[]}}""") };
        });
        var book = await Book(Direct(handler));
        var set = DefinitionLoader.LoadText("""
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: s
            objectives:
              - { name: a, target: 99, window: 30d, indicator: { ratio: { bad: 'e_total{path="/a\"b"}', total: 'r_total' } } }
              - { name: b, target: 99, window: 30d, indicator: { ratio: { good: 'g_total', total: 'r_total' } } }
            """, "s.yaml");
        Assert.That(set.Errors, Is.Empty);
        var failures = await book.SyncAsync(set.Objectives, At, o => LedgerMeasurement.NeedFrom(o, At), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(queries, Has.Count.EqualTo(3), "hourly, 5-minute and 1-minute buckets: one request each for both objectives");
            Assert.That(queries, Has.One.Contains("sum(increase(r_total[1h]))").And.One.Contains("sum(increase(r_total[5m]))").And.One.Contains("sum(increase(r_total[1m]))"));
            Assert.That(queries, Has.All.Contains("\"0|bad\"").And.All.Contains("\"1|good\""));
            Assert.That(queries, Has.All.Contains("e_total{path=\"/a\\\"b\"}"));
            Assert.That(book.Measure(set.Objectives[0], At).Window.IsEmpty, Is.True, "empty answers are zero events, counted");
        });
    }
}
