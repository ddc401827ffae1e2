using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Slo.Api.Evaluation;
using Slo.Api.Hosting;
using Slo.Api.Prometheus;
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

    private static PrometheusClient Direct(ScriptedHandler handler) => new(new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:9/") });

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
        var services = new ServiceCollection().AddLogging().AddSloOptions(config).AddPrometheusClient();
        services.AddHttpClient<PrometheusClient>().ConfigurePrimaryHttpMessageHandler(() => handler);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<PrometheusClient>(), provider);
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

    [TestCase("NaN")]
    [TestCase("+Inf")]
    public void MeasureAsync_NonFiniteCount_IsInvalidValue(string value)
    {
        var body = Vector.Replace("\"1000\"", $"\"{value}\"", StringComparison.Ordinal);
        var measurer = new ObjectiveMeasurer(Direct(new ScriptedHandler(ScriptedHandler.Reply(HttpStatusCode.OK, body))), NullLogger<ObjectiveMeasurer>.Instance);
        var objective = RatioObjective("""bad: 'e_total', total: 'r_total'""");
        Assert.That(async () => await measurer.MeasureAsync(objective, At, CancellationToken.None),
            Throws.TypeOf<PrometheusException>().With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.InvalidValue)
                .And.Message.Contains("total|30d"));
    }

    [Test]
    public async Task MeasureAsync_SendsOneBatchedQueryWithEscapedSelectors()
    {
        string? sent = null;
        var handler = new ScriptedHandler(async (request, _) =>
        {
            sent = await request.Content!.ReadAsStringAsync();
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Vector) };
        });
        var measurer = new ObjectiveMeasurer(Direct(handler), NullLogger<ObjectiveMeasurer>.Instance);
        var objective = RatioObjective("""bad: 'e_total{path="/a\"b"}', total: 'r_total'""");
        await measurer.MeasureAsync(objective, At, CancellationToken.None);
        var query = Uri.UnescapeDataString(sent!.Split('&').Single(p => p.StartsWith("query=", StringComparison.Ordinal))[6..].Replace('+', ' '));
        Assert.Multiple(() =>
        {
            Assert.That(handler.Calls, Is.EqualTo(1), "window and all burn windows in one request");
            Assert.That(query, Does.Contain("sum(increase(r_total[30d]))").And.Contain("sum(increase(r_total[5m]))").And.Contain("sum(increase(r_total[3d]))"));
            Assert.That(query, Does.Contain("e_total{path=\"/a\\\"b\"}"));
        });
    }
}
