using System.Text.Json;
using Slo.Api.Prometheus;
using Slo.Engine.Definitions;
using Slo.Engine.Ledger;

namespace Slo.Tests.Integration;

/// <summary>
/// Sources as users run them, all real and on 127.0.0.1: a Prometheus behind TLS (an authority, server and client
/// certificates made by the test) and basic auth (<c>--web.config.file</c>), and vmauth routing bearer tokens to the
/// plain Prometheus and to VictoriaMetrics. Right credentials give the same figures as no auth; wrong or missing ones
/// fail only their own objectives, as <c>unauthorized</c>; no secret ever shows in a log line, an error or a page.
/// </summary>
[TestFixture]
public class PrometheusConnectionTests
{
    private const string User = "slo-reader";
    private const string Password = "Pw-7c1e94f2b8d3a6";
    private const string WrongPassword = "Pw-wrong-55e0d9c4a1";
    private const string TokenA = "tok-a-3f9b27d1c5e84a60";
    private const string TokenB = "tok-b-81d4f0a6c2e937b5";
    private const string WrongToken = "tok-x-0a2b4c6d8e1f3579";
    private const string UrlPassword = "Pw-in-url-6d2f8a0c4e";

    private static readonly string[] Secrets = [Password, WrongPassword, TokenA, TokenB, WrongToken, UrlPassword];

    private string _directory = "";
    private TestCertificates _certificates = null!;
    private PrometheusServer _secured = null!;
    private ToolServer _vmauth = null!;
    private string _passwordFile = "";
    private string _tokenFile = "";

    private static TestScenario Scenario => IntegrationEnvironment.Scenario;

    [OneTimeSetUp]
    public async Task StartServers()
    {
        _directory = Path.Combine(IntegrationEnvironment.WorkDirectory, "connections");
        _certificates = TestCertificates.Create(Path.Combine(_directory, "tls"));
        var web = Path.Combine(_directory, "web.yml");
        // Prometheus reads bcrypt hashes only; a client certificate signed by the test authority is required too.
        await File.WriteAllTextAsync(web, $"""
            tls_server_config:
              cert_file: {_certificates.ServerCertFile}
              key_file: {_certificates.ServerKeyFile}
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: {_certificates.CaFile}
            basic_auth_users:
              {User}: '{BCrypt.Net.BCrypt.HashPassword(Password, 10)}'
            """);
        _passwordFile = Path.Combine(_directory, "password");
        await File.WriteAllTextAsync(_passwordFile, Password + "\n");
        _tokenFile = Path.Combine(_directory, "token-b");
        await File.WriteAllTextAsync(_tokenFile, TokenB + "\n");

        var startSecured = PrometheusServer.StartSecuredAsync(IntegrationEnvironment.CopyTsdb("secured"), web, _certificates.ReadyClient(User, Password));
        var victoria = await VictoriaMetrics.SharedAsync();
        var auth = Path.Combine(_directory, "vmauth.yml");
        // Each tenant's token routes to its own backend: team-a to Prometheus, team-b to VictoriaMetrics.
        await File.WriteAllTextAsync(auth, $"""
            users:
              - bearer_token: "{TokenA}"
                url_prefix: "{IntegrationEnvironment.Prometheus.Url.ToString().TrimEnd('/')}"
              - bearer_token: "{TokenB}"
                url_prefix: "{victoria.Url.ToString().TrimEnd('/')}"
            """);
        _vmauth = await ToolServer.StartAsync("vmauth", _directory, "health", $"-auth.config={auth}", "-httpListenAddr=127.0.0.1:{port}", "-loggerLevel=WARN");
        _secured = await startSecured;
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        if (_vmauth is not null)
            await _vmauth.DisposeAsync();
        if (_secured is not null)
            await _secured.DisposeAsync();
    }

    /// <summary>The same two objectives (a ratio and a latency histogram) for a service reading <paramref name="source"/>.</summary>
    private static string Service(string service, string job, string? source) => $$"""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: {{service}}
        {{(source is null ? "" : "source: " + source)}}
        objectives:
          - name: availability
            target: 99.9
            window: 30d
            indicator: { ratio: { bad: 'http_requests_total{job="{{job}}",code=~"5.."}', total: 'http_requests_total{job="{{job}}"}' } }
          - name: latency
            target: 99
            window: 30d
            indicator: { latency: { histogram: http_request_duration_seconds, selector: '{job="{{job}}"}', threshold: 300ms } }
        """;

    private (string Key, string Value)[] SecuredSources(string tls = "Tls") =>
    [
        ("Prometheus:Sources:secured:Url", _secured.Url.ToString()),
        ("Prometheus:Sources:secured:BasicAuth:Username", User),
        ("Prometheus:Sources:secured:BasicAuth:PasswordFile", _passwordFile),
        ($"Prometheus:Sources:secured:{tls}:CaFile", _certificates.CaFile),
        ($"Prometheus:Sources:secured:{tls}:CertFile", _certificates.ClientCertFile),
        ($"Prometheus:Sources:secured:{tls}:KeyFile", _certificates.ClientKeyFile),
        ("Prometheus:Sources:wrong-password:Url", _secured.Url.ToString()),
        ("Prometheus:Sources:wrong-password:BasicAuth:Username", User),
        ("Prometheus:Sources:wrong-password:BasicAuth:Password", WrongPassword),
        ("Prometheus:Sources:wrong-password:Tls:CaFile", _certificates.CaFile),
        ("Prometheus:Sources:wrong-password:Tls:CertFile", _certificates.ClientCertFile),
        ("Prometheus:Sources:wrong-password:Tls:KeyFile", _certificates.ClientKeyFile),
        ("Prometheus:Sources:no-credentials:Url", _secured.Url.ToString()),
        ("Prometheus:Sources:no-credentials:Tls:CaFile", _certificates.CaFile),
        ("Prometheus:Sources:no-credentials:Tls:CertFile", _certificates.ClientCertFile),
        ("Prometheus:Sources:no-credentials:Tls:KeyFile", _certificates.ClientKeyFile),
    ];

    private (string Key, string Value)[] VmAuthSources() =>
    [
        ("Prometheus:Sources:team-a:Url", _vmauth.Url.ToString()),
        ("Prometheus:Sources:team-a:BearerToken", TokenA),
        ("Prometheus:Sources:team-a:Headers:X-Scope-OrgID", "team-a"),
        ("Prometheus:Sources:team-b:Url", _vmauth.Url.ToString()),
        ("Prometheus:Sources:team-b:BearerTokenFile", _tokenFile),
        ("Prometheus:Sources:team-b:Headers:X-Scope-OrgID", "team-b"),
        ("Prometheus:Sources:team-c:Url", _vmauth.Url.ToString()),
        ("Prometheus:Sources:team-c:BearerToken", WrongToken),
    ];

    private static DefinitionSet Load(params string[] documents)
    {
        var set = DefinitionLoader.LoadText(string.Join("\n---\n", documents), "sources.yaml");
        Assert.That(set.Errors, Is.Empty);
        return set;
    }

    [Test]
    public async Task SecuredPrometheus_RightCredentials_SameFiguresAsWithout_WrongOrMissingAreUnauthorized()
    {
        var set = Load(Service("plain", "burst", null), Service("secured", "burst", "secured"),
            Service("wrong", "burst", "wrong-password"), Service("missing", "burst", "no-credentials"));
        await using var ledgers = await TestLedgers.StartAsync(IntegrationEnvironment.Prometheus.Url, Path.Combine(_directory, "ledger-secured"), SecuredSources());
        var at = Scenario.End;
        var failures = await ledgers.Book.SyncAsync(set.Objectives, at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);

        Assert.That(failures.Keys.Select(k => k.Service).Distinct(), Is.EquivalentTo(new[] { "wrong", "missing" }));
        Assert.Multiple(() =>
        {
            foreach (var (id, failure) in failures)
            {
                var source = id.Service == "wrong" ? "wrong-password" : "no-credentials";
                Assert.That(failure, Is.TypeOf<PrometheusException>().With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.Unauthorized), id.ToString());
                Assert.That(failure.Message, Does.StartWith($"unauthorized: Prometheus source '{source}' at {_secured.Url} answered HTTP 401"));
                foreach (var secret in Secrets)
                    Assert.That(failure.Message, Does.Not.Contain(secret));
            }

            foreach (var name in new[] { "availability", "latency" })
            {
                var plain = ledgers.Book.Measure(set.Find("plain", name)!, at);
                var secured = ledgers.Book.Measure(set.Find("secured", name)!, at);
                Assert.That(secured.Window, Is.EqualTo(plain.Window), $"{name}: window counts through TLS and basic auth");
                Assert.That(secured.BurnWindows, Is.EquivalentTo(plain.BurnWindows), $"{name}: burn windows");
                Assert.That(plain.Window.Total, Is.EqualTo((double)Scenario.Truth("burst", Duration.FromDays(30)).Requests).Within(1).Percent);
            }
        });
    }

    [Test]
    public async Task SecuredPrometheus_ServerNotTrusted_OrNoClientCertificate_FailsWithoutCredentialsInTheMessage()
    {
        var set = Load(Service("untrusted", "steady", "untrusted"), Service("anonymous", "steady", "no-certificate"));
        await using var ledgers = await TestLedgers.StartAsync(IntegrationEnvironment.Prometheus.Url, Path.Combine(_directory, "ledger-tls"),
            ("Prometheus:Sources:untrusted:Url", _secured.Url.ToString()),
            ("Prometheus:Sources:untrusted:BasicAuth:Username", User),
            ("Prometheus:Sources:untrusted:BasicAuth:Password", Password),
            ("Prometheus:Sources:untrusted:MaxRetries", "0"),
            ("Prometheus:Sources:no-certificate:Url", _secured.Url.ToString()),
            ("Prometheus:Sources:no-certificate:BasicAuth:Username", User),
            ("Prometheus:Sources:no-certificate:BasicAuth:Password", Password),
            ("Prometheus:Sources:no-certificate:Tls:CaFile", _certificates.CaFile),
            ("Prometheus:Sources:no-certificate:MaxRetries", "0"));
        var at = Scenario.End;
        var failures = await ledgers.Book.SyncAsync(set.Objectives, at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
        Assert.That(failures.Keys.Select(k => k.Service).Distinct(), Is.EquivalentTo(new[] { "untrusted", "anonymous" }), "neither reaches Prometheus");
        Assert.Multiple(() =>
        {
            foreach (var (id, failure) in failures)
            {
                Assert.That(failure, Is.TypeOf<PrometheusException>().With.Property(nameof(PrometheusException.Failure)).EqualTo(PrometheusFailure.Unreachable), id.ToString());
                Assert.That(failure.Message, Does.Not.Contain(Password));
            }
        });
    }

    [Test]
    public async Task VmAuth_TwoTenantsByToken_BothMatchTruth_ABrokenOneStopsNeither_RotatedTokenFileIsReadAgain()
    {
        var set = Load(Service("a", "burst", "team-a"), Service("b", "slowdown", "team-b"), Service("c", "steady", "team-c"));
        await using var ledgers = await TestLedgers.StartAsync(IntegrationEnvironment.Prometheus.Url, Path.Combine(_directory, "ledger-vmauth"), VmAuthSources());
        var at = Scenario.End;
        var failures = await ledgers.Book.SyncAsync(set.Objectives, at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
        Assert.That(failures.Keys.Select(k => k.Service).Distinct(), Is.EquivalentTo(new[] { "c" }));
        Assert.That(failures.Values.Select(f => ((PrometheusException)f).Failure).Distinct(), Is.EqualTo(new[] { PrometheusFailure.Unauthorized }));

        void AssertTruth(string service, string job)
        {
            var month = Scenario.Truth(job, Duration.FromDays(30));
            var availability = ledgers.Book.Measure(set.Find(service, "availability")!, at);
            var latency = ledgers.Book.Measure(set.Find(service, "latency")!, at);
            Assert.That(availability.Window.Total, Is.EqualTo((double)month.Requests).Within(1).Percent, $"{service} total");
            Assert.That(availability.Window.Bad, Is.EqualTo((double)month.Errors).Within(1).Percent, $"{service} errors");
            Assert.That(latency.Window.Bad, Is.EqualTo((double)month.Slow).Within(1).Percent, $"{service} slow");
        }

        Assert.Multiple(() =>
        {
            AssertTruth("a", "burst");
            AssertTruth("b", "slowdown");
        });

        // The token is rotated to one vmauth does not know, then back: each sync reads the file as it is then.
        var b = set.FindService("b")!.Objectives;
        await File.WriteAllTextAsync(_tokenFile, WrongToken);
        failures = await ledgers.Book.SyncAsync(set.Objectives, at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
        Assert.That(failures.Keys.Select(k => k.Service).Distinct(), Is.EquivalentTo(new[] { "b", "c" }), "the rotated token is sent at once");
        await File.WriteAllTextAsync(_tokenFile, TokenB + "\n");
        failures = await ledgers.Book.SyncAsync(set.Objectives, at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
        Assert.That(failures.Keys.Select(k => k.Service).Distinct(), Is.EquivalentTo(new[] { "c" }));
        Assert.That(b, Has.Count.EqualTo(2));
    }

    [Test]
    public async Task Serve_RealSources_NoSecretInAnyLogLineErrorOrPage()
    {
        var definitions = Path.Combine(_directory, "serve-definitions");
        Directory.CreateDirectory(definitions);
        await File.WriteAllTextAsync(Path.Combine(definitions, "sources.yaml"), string.Join("\n---\n",
            Service("plain", "burst", null), Service("secured", "burst", "secured"), Service("wrong", "burst", "wrong-password"),
            Service("missing", "burst", "no-credentials"), Service("a", "steady", "team-a"), Service("b", "slowdown", "team-b"), Service("c", "steady", "team-c")));
        var settings = SecuredSources().Concat(VmAuthSources()).Select(s => $"--{s.Key}={s.Value}").Concat(
        [
            $"--Prometheus:Url={IntegrationEnvironment.Prometheus.Url}",
            $"--Definitions:Path={definitions}",
            $"--Storage:ConnectionString=Data Source={Path.Combine(_directory, "serve.db")}",
            "--Evaluation:Interval=2s",
            // Every log line the service and its libraries write, the HTTP client's included.
            "--Logging:LogLevel:Default=Trace",
        ]).ToArray();
        await using var slo = await SloProcess.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = slo.Url, Timeout = TimeSpan.FromSeconds(30) };

        // Until the first cycle has measured the eight objectives on working sources and failed the six on broken ones.
        JsonElement[] objectives = [];
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v1/objectives"));
            objectives = doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
            if (objectives.Count(o => o.GetProperty("state").GetString() == "ok") == 8
                && objectives.Count(o => o.TryGetProperty("message", out var m) && m.GetString()?.Contains("unauthorized", StringComparison.Ordinal) == true) == 6)
                break;
            await Task.Delay(500);
        }

        var byId = objectives.ToDictionary(o => o.GetProperty("id").GetString()!);
        Assert.Multiple(() =>
        {
            foreach (var name in new[] { "availability", "latency" })
            {
                Assert.That(byId[$"secured/{name}"].GetProperty("state").GetString(), Is.EqualTo("ok"));
                Assert.That(byId[$"secured/{name}"].GetProperty("events").GetRawText(), Is.EqualTo(byId[$"plain/{name}"].GetProperty("events").GetRawText()));
                foreach (var service in new[] { "a", "b" })
                    Assert.That(byId[$"{service}/{name}"].GetProperty("state").GetString(), Is.EqualTo("ok"), $"{service}/{name}");
                foreach (var (service, source) in new[] { ("wrong", "wrong-password"), ("missing", "no-credentials"), ("c", "team-c") })
                {
                    var status = byId[$"{service}/{name}"];
                    Assert.That(status.GetProperty("state").GetString(), Is.AnyOf("stale", "error"), $"{service}/{name}");
                    Assert.That(status.GetProperty("message").GetString(), Does.Contain("unauthorized").And.Contain($"'{source}'"), $"{service}/{name}");
                    Assert.That(status.TryGetProperty("sli", out var sli) && sli.ValueKind == JsonValueKind.Number, Is.False, $"{service}/{name}: no figure, never 100%");
                }
            }
        });

        var pages = new List<string>
        {
            "", "api/v1/objectives", "api/v1/alerts", "metrics", "health/live", "health/ready", "openapi/v1.json",
        };
        foreach (var id in byId.Keys)
        {
            pages.Add($"objectives/{id}");
            pages.Add($"api/v1/objectives/{id}");
            pages.Add($"api/v1/objectives/{id}/history");
            pages.Add($"api/v1/services/{id.Split('/')[0]}");
            pages.Add($"api/v1/services/{id.Split('/')[0]}/gate");
        }

        var bodies = new Dictionary<string, string>();
        foreach (var page in pages.Distinct())
        {
            using var response = await http.GetAsync(page);
            bodies[page] = await response.Content.ReadAsStringAsync();
        }

        Assert.That(bodies["metrics"], Does.Contain("unauthorized"), "/metrics counts the failures by kind");
        Assert.That(bodies["objectives/wrong/availability"], Does.Contain("unauthorized"), "the objective's page shows why");
        await slo.DisposeAsync();
        var output = slo.Output;
        Assert.That(output, Does.Contain("unauthorized"), "the log says why");
        Assert.Multiple(() =>
        {
            foreach (var secret in Secrets)
            {
                Assert.That(output, Does.Not.Contain(secret), "log");
                foreach (var (page, body) in bodies)
                    Assert.That(body, Does.Not.Contain(secret), $"/{page}");
            }
        });
    }

    [Test]
    public async Task Serve_PasswordInTheUrl_RefusesToStartWithoutShowingIt()
    {
        var (exit, stdout, stderr) = await SloProcess.RunAsync("serve", $"--urls=http://127.0.0.1:{PrometheusServer.FreePort()}",
            $"--Prometheus:Sources:legacy:Url=http://{User}:{UrlPassword}@127.0.0.1:9/", "--Logging:LogLevel:Default=Trace",
            $"--Definitions:Path={Path.Combine(_directory, "none")}");
        Assert.That(exit, Is.EqualTo(1), stderr);
        Assert.That(stderr, Does.Contain("Prometheus:Sources:legacy:Url 'http://127.0.0.1:9/' holds a user name or password"));
        Assert.That(stdout + stderr, Does.Not.Contain(UrlPassword));
    }
}
