using System.Net;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Slo.Api.Cli;
using Slo.Api.Hosting;
using Slo.Api.Prometheus;
using Slo.Engine;
using Slo.Engine.Budgets;
using Slo.Engine.Definitions;

namespace Slo.Tests.Api;

/// <summary>
/// Named sources as the host builds them: settings validated at start with messages naming them, credentials and
/// headers on every attempt, files read again when they change, 401/403 as <c>unauthorized</c> and never retried.
/// The servers here are scripted to look at what was sent; the real ones are in the integration tests.
/// </summary>
[TestFixture]
public class PrometheusSourcesTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 24, 8, 0);
    private const string Vector = """{"status":"success","data":{"resultType":"vector","result":[]}}""";
    private string _directory = "";

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Path.Combine(Path.GetTempPath(), "slo-sources-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    /// <summary>Records the headers of every request and answers with the next status (the last repeats).</summary>
    private sealed class RecordingServer(params HttpStatusCode[] answers) : HttpMessageHandler
    {
        public List<Dictionary<string, string>> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase));
                var status = answers[Math.Min(Requests.Count - 1, answers.Length - 1)];
                return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(status == HttpStatusCode.OK ? Vector : "no", Encoding.UTF8, "application/json") });
            }
        }
    }

    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    /// <summary>The host's sources, each named client's connection replaced by <paramref name="server"/>.</summary>
    private static ServiceProvider Sources(RecordingServer server, params (string Key, string Value)[] settings)
    {
        var config = Config([("Prometheus:Url", "http://127.0.0.1:9"), ("Prometheus:AttemptTimeout", "00:00:02"), .. settings]);
        var services = new ServiceCollection().AddLogging().AddSloOptions(config).AddPrometheusClient(config);
        foreach (var name in config.GetSection("Prometheus:Sources").GetChildren().Select(c => c.Key).Prepend("default"))
            services.AddHttpClient(PrometheusSources.HttpClientName(name)).ConfigurePrimaryHttpMessageHandler(() => server);
        return services.BuildServiceProvider();
    }

    private static Objective On(string? source) => new(new ObjectiveId("s", "o"), Signal.Reliability, Target.FromPercent(99),
        new Slo.Engine.Windows.RollingWindow(Duration.FromDays(30)), new RatioIndicator(null, SeriesSelector.Parse("e_total"), SeriesSelector.Parse("r_total")), source: source);

    [Test]
    public void Validate_EveryMistake_NamesItsSettingAndNoSecret()
    {
        var config = Config(
            ("Prometheus:Url", "http://127.0.0.1:9090"),
            ("Prometheus:BearerToken", "tok-secret-1"),
            ("Prometheus:BasicAuth:Username", "u"),
            ("Prometheus:BasicAuth:Password", "pw-secret-2"),
            ("Prometheus:Sources:default:Url", "http://127.0.0.1:1"),
            ("Prometheus:Sources:nourl:BearerToken", "tok-secret-3"),
            ("Prometheus:Sources:inurl:Url", "https://u:pw-secret-4@mimir:9009/prometheus"),
            ("Prometheus:Sources:both:Url", "https://mimir:9009"),
            ("Prometheus:Sources:both:BearerToken", "tok-secret-5"),
            ("Prometheus:Sources:both:BearerTokenFile", "/nonexistent/token"),
            ("Prometheus:Sources:tls:Url", "http://vm:8428"),
            ("Prometheus:Sources:tls:Tls:CaFile", "/nonexistent/ca.pem"),
            ("Prometheus:Sources:tls:Tls:CertFile", "/nonexistent/client.pem"),
            ("Prometheus:Sources:tls:AttemptTimeout", "00:01:00"),
            ("Prometheus:Sources:tls:TotalTimeout", "00:00:30"),
            ("Prometheus:Sources:hdr:Url", "http://vm:8428"),
            ("Prometheus:Sources:hdr:Headers:X Bad", "x"));
        var services = new ServiceCollection().AddLogging().AddSloOptions(config).AddPrometheusClient(config).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => _ = services.GetRequiredService<IOptions<PrometheusOptions>>().Value)!;
        Assert.That(error.Failures, Is.EquivalentTo(new[]
        {
            "Prometheus:Sources:default is not allowed: 'default' is the source of Prometheus:Url.",
            "Prometheus: give a bearer token or BasicAuth, not both.",
            "Prometheus:Sources:both: give BearerToken or BearerTokenFile, not both.",
            "Prometheus:Sources:both:BearerTokenFile: cannot read '/nonexistent/token': Could not find a part of the path '/nonexistent/token'.",
            "Prometheus:Sources:hdr:Headers:X Bad: 'X Bad' is not an HTTP header name.",
            "Prometheus:Sources:inurl:Url 'https://mimir:9009/prometheus' holds a user name or password, which would show wherever the URL does: give them in Prometheus:Sources:inurl:BasicAuth.",
            "Prometheus:Sources:nourl:Url is required.",
            "Prometheus:Sources:tls:TotalTimeout must be at least Prometheus:Sources:tls:AttemptTimeout.",
            "Prometheus:Sources:tls:Tls applies to https URLs; Prometheus:Sources:tls:Url is http.",
            "Prometheus:Sources:tls:Tls:CaFile: cannot read '/nonexistent/ca.pem': Could not find a part of the path '/nonexistent/ca.pem'.",
            "Prometheus:Sources:tls:Tls: give CertFile and KeyFile together (PEM files).",
        }));
        foreach (var secret in new[] { "tok-secret-1", "pw-secret-2", "tok-secret-3", "pw-secret-4", "tok-secret-5" })
            Assert.That(error.Message, Does.Not.Contain(secret));
    }

    [Test]
    public async Task Requests_CarryTokenAndHeaders_OnEveryAttempt_RetriedOrNot()
    {
        var server = new RecordingServer(HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK);
        await using var provider = Sources(server,
            ("Prometheus:Sources:mimir:Url", "http://127.0.0.1:9009/prometheus"),
            ("Prometheus:Sources:mimir:BearerToken", "tok-1"),
            ("Prometheus:Sources:mimir:Headers:X-Scope-OrgID", "team-a"));
        await provider.GetRequiredService<PrometheusSources>().For(On("mimir")).QueryAsync("up", At, CancellationToken.None);
        Assert.That(server.Requests, Has.Count.EqualTo(2), "the 503 was retried");
        Assert.That(server.Requests.Select(r => (r["Authorization"], r["X-Scope-OrgID"])), Is.All.EqualTo(("Bearer tok-1", "team-a")));
    }

    [Test]
    public async Task Requests_DefaultAndNamedSources_EachSendItsOwnCredentials()
    {
        var server = new RecordingServer(HttpStatusCode.OK);
        var password = Path.Combine(_directory, "password");
        await File.WriteAllTextAsync(password, "pa:ss wörd\n");
        await using var provider = Sources(server,
            ("Prometheus:BasicAuth:Username", "reader"),
            ("Prometheus:BasicAuth:PasswordFile", password),
            ("Prometheus:Sources:open:Url", "http://127.0.0.1:8428"));
        var sources = provider.GetRequiredService<PrometheusSources>();
        await sources.For(On(null)).QueryAsync("up", At, CancellationToken.None);
        await sources.For(On("OPEN")).QueryAsync("up", At, CancellationToken.None);
        Assert.That(server.Requests[0]["Authorization"], Is.EqualTo("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("reader:pa:ss wörd"))));
        Assert.That(server.Requests[1].ContainsKey("Authorization"), Is.False, "source names are matched without case; 'open' sends nothing");
    }

    [Test]
    public async Task TokenFile_Rewritten_TheNextRequestSendsTheNewToken_AnEmptyOneKeepsTheLast()
    {
        var server = new RecordingServer(HttpStatusCode.OK);
        var token = Path.Combine(_directory, "token");
        await File.WriteAllTextAsync(token, "first\n");
        await using var provider = Sources(server, ("Prometheus:Sources:vm:Url", "http://127.0.0.1:8427"), ("Prometheus:Sources:vm:BearerTokenFile", token));
        var client = provider.GetRequiredService<PrometheusSources>().For(On("vm"));
        await client.QueryAsync("up", At, CancellationToken.None);
        await File.WriteAllTextAsync(token, "second-and-longer");
        await client.QueryAsync("up", At, CancellationToken.None);
        // A rotation caught half-way (the file emptied before it is written) keeps the token that works.
        await File.WriteAllTextAsync(token, "");
        await client.QueryAsync("up", At, CancellationToken.None);
        Assert.That(server.Requests.Select(r => r["Authorization"]), Is.EqualTo(new[] { "Bearer first", "Bearer second-and-longer", "Bearer second-and-longer" }));
    }

    [TestCase(HttpStatusCode.Unauthorized)]
    [TestCase(HttpStatusCode.Forbidden)]
    public async Task Refused_IsUnauthorized_NamesTheSource_NeverRetried(HttpStatusCode status)
    {
        var server = new RecordingServer(status);
        await using var provider = Sources(server, ("Prometheus:Sources:team-b:Url", "http://127.0.0.1:8427"), ("Prometheus:Sources:team-b:BearerToken", "tok-secret"));
        var client = provider.GetRequiredService<PrometheusSources>().For(On("team-b"));
        var error = Assert.ThrowsAsync<PrometheusException>(async () => await client.QueryAsync("up", At, CancellationToken.None))!;
        Assert.Multiple(() =>
        {
            Assert.That(error.Failure, Is.EqualTo(PrometheusFailure.Unauthorized));
            Assert.That(error.FailureName, Is.EqualTo("unauthorized"));
            Assert.That(error.Message, Does.StartWith($"unauthorized: Prometheus source 'team-b' at http://127.0.0.1:8427/ answered HTTP {(int)status}")
                .And.Contain("Prometheus:Sources:team-b").And.Not.Contain("tok-secret"));
            Assert.That(server.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void Preflight_DefinitionNamingAnUnconfiguredSource_RefusesToStart()
    {
        var definitions = Path.Combine(_directory, "definitions");
        Directory.CreateDirectory(definitions);
        File.WriteAllText(Path.Combine(definitions, "a.yaml"), """
            apiVersion: slo/v1
            kind: ServiceObjectives
            service: a
            source: eu-mimir
            objectives:
              - { name: x, target: 99, window: 30d, indicator: { ratio: { bad: e_total, total: r_total } } }
            """);
        var app = ServeCommand.Build([$"--Definitions:Path={definitions}", $"--Storage:ConnectionString=Data Source={Path.Combine(_directory, "slo.db")}"]);
        Assert.That(() => ServeCommand.Preflight(app.Services), Throws.TypeOf<Slo.Api.Definitions.InvalidDefinitionsException>()
            .With.Message.EqualTo($"objectives read Prometheus sources that are not configured:\na/x reads source 'eu-mimir' ({Path.Combine(definitions, "a.yaml")}:6:5), which is not configured: set Prometheus:Sources:eu-mimir:Url"));
    }
}
