using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Slo.Tests.Integration;

/// <summary>The real <c>slo serve</c> process over the real Prometheus, and the <c>slo gate</c> verb against it.</summary>
[TestFixture]
public class ProcessTests
{
    private const string Token = "process-token";
    private SloProcess _slo = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var dir = Path.Combine(IntegrationEnvironment.WorkDirectory, "process-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, "definitions"));
        await File.WriteAllTextAsync(Path.Combine(dir, "definitions", "scenario.yaml"), TestScenario.Definitions);
        _slo = await SloProcess.StartAsync(
            $"--Prometheus:Url={IntegrationEnvironment.Prometheus.Url}",
            $"--Definitions:Path={Path.Combine(dir, "definitions")}",
            $"--Storage:ConnectionString=Data Source={Path.Combine(dir, "slo.db")}",
            $"--Api:Token={Token}",
            "--Evaluation:Interval=1h");
        _http = new HttpClient { BaseAddress = _slo.Url };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _slo.DisposeAsync();
    }

    // The process runs on the real clock, a few minutes after the generated data ends: the 30-day figures hold,
    // the 5-minute windows are empty. leaky has overspent its budget; steady has not; idle has no data at all.
    [TestCase("/health/live", HttpStatusCode.OK)]
    [TestCase("/health/ready", HttpStatusCode.OK)]
    [TestCase("/", HttpStatusCode.OK)]
    [TestCase("/metrics", HttpStatusCode.OK)]
    [TestCase("/openapi/v1.json", HttpStatusCode.OK)]
    [TestCase("/api/v1/objectives", HttpStatusCode.OK)]
    [TestCase("/api/v1/objectives/steady/availability", HttpStatusCode.OK)]
    [TestCase("/api/v1/objectives/steady/missing", HttpStatusCode.NotFound)]
    [TestCase("/api/v1/objectives/steady/availability?at=2026-13-01", HttpStatusCode.BadRequest)]
    [TestCase("/api/v1/objectives/steady/availability/history", HttpStatusCode.OK)]
    [TestCase("/api/v1/objectives/steady/availability/history?to=later", HttpStatusCode.BadRequest)]
    [TestCase("/api/v1/objectives/missing/availability/history", HttpStatusCode.NotFound)]
    [TestCase("/api/v1/services/steady", HttpStatusCode.OK)]
    [TestCase("/api/v1/services/missing", HttpStatusCode.NotFound)]
    [TestCase("/api/v1/services/steady/gate", HttpStatusCode.OK)]
    [TestCase("/api/v1/services/leaky/gate", HttpStatusCode.Conflict)]
    [TestCase("/api/v1/services/idle/gate", HttpStatusCode.ServiceUnavailable)]
    [TestCase("/api/v1/services/missing/gate", HttpStatusCode.NotFound)]
    [TestCase("/api/v1/alerts", HttpStatusCode.OK)]
    public async Task Get_Endpoint_AnswersWithContractStatus(string path, HttpStatusCode expected)
    {
        var response = await _http.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task Get_ObjectiveAtPastInstant_Backtests()
    {
        var at = NodaTime.Text.InstantPattern.ExtendedIso.Format(IntegrationEnvironment.Scenario.MidBurst);
        var body = await _http.GetStringAsync($"/api/v1/objectives/burst/availability?at={at}");
        Assert.That(body, Does.Contain($"\"evaluatedAt\":\"{at}\""));
    }

    [TestCase(null, HttpStatusCode.Unauthorized)]
    [TestCase("wrong", HttpStatusCode.Unauthorized)]
    [TestCase(Token, HttpStatusCode.Created)]
    public async Task PostOverride_Token_DecidesAccess(string? token, HttpStatusCode expected)
    {
        var expires = NodaTime.Text.InstantPattern.ExtendedIso.Format(NodaTime.SystemClock.Instance.GetCurrentInstant() + Duration.FromMinutes(10));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/steady/gate/overrides")
        {
            Content = new StringContent($$"""{"reason":"process test","createdBy":"ci","expiresAt":"{{expires}}"}""", Encoding.UTF8, "application/json"),
        };
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.That((await _http.SendAsync(request)).StatusCode, Is.EqualTo(expected));
    }

    [Test]
    public async Task PostOverride_Anonymous_IsRefusedWithoutReadingItsBody()
    {
        // A chunked body that is never finished: a service that read (or buffered) it before checking the token would
        // never answer. Raw HTTP/1.1, because HttpClient gives up its response once the server stops taking the body.
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(_slo.Url.Host, _slo.Url.Port);
        var stream = client.GetStream();
        var head = "POST /api/v1/services/steady/gate/overrides HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   + "Transfer-Encoding: chunked\r\n\r\n1000\r\n" + new string(' ', 4096) + "\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[512];
        var read = await stream.ReadAsync(buffer, timeout.Token);
        Assert.That(Encoding.ASCII.GetString(buffer, 0, read), Does.StartWith("HTTP/1.1 401"));
    }

    [Test]
    public async Task PostOverride_FloodOfAnonymous25MBBodies_KeepsMemoryBounded()
    {
        // The audit's flood: 40 anonymous 25 MB bodies at once took the service from 199 to 1,384 MB when bodies were read
        // before the token was checked. Now each is refused unread; whatever the client manages to send is discarded.
        var body = new byte[25 << 20];
        Array.Fill(body, (byte)'x');
        using var flood = new HttpClient { BaseAddress = _slo.Url, Timeout = TimeSpan.FromSeconds(60) };

        async Task<string[]> FloodAsync() => await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            try
            {
                using var response = await flood.PostAsync("/api/v1/services/steady/gate/overrides", content);
                return response.StatusCode.ToString();
            }
            catch (HttpRequestException)
            {
                return "closed"; // the server may close the connection rather than take 25 MB it will not read
            }
        }));

        // 1,000 MB are offered each round. The first round may grow the server's connection buffers; the second must
        // find them sized, so memory levels off instead of following what anonymous clients send.
        var before = _slo.ResidentBytes();
        var first = await FloodAsync();
        var afterFirst = _slo.ResidentBytes();
        var second = await FloodAsync();
        var afterSecond = _slo.ResidentBytes();
        TestContext.Progress.WriteLine($"resident: {before >> 20} MB, {afterFirst >> 20} MB after 40 x 25 MB, {afterSecond >> 20} MB after 40 more");

        Assert.That(first.Concat(second), Has.All.EqualTo(nameof(HttpStatusCode.Unauthorized)).Or.EqualTo("closed"));
        Assert.That((afterFirst - before) >> 20, Is.LessThan(128), "one flood of 1,000 MB");
        Assert.That((afterSecond - afterFirst) >> 20, Is.LessThan(32), "a second flood on top of the first");
        Assert.That((await _http.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase(true)]
    [TestCase(false)]
    public async Task PostOverride_BodyOver64KiB_Is413(bool announced)
    {
        var expires = NodaTime.Text.InstantPattern.ExtendedIso.Format(NodaTime.SystemClock.Instance.GetCurrentInstant() + Duration.FromMinutes(10));
        var json = $$"""{"reason":"{{new string('x', 100_000)}}","createdBy":"ci","expiresAt":"{{expires}}"}""";
        // Announced: Content-Length says it up front; otherwise it comes chunked and the limit stops the reading.
        HttpContent content = announced
            ? new StringContent(json, Encoding.UTF8, "application/json")
            : new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (!announced)
            content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/steady/gate/overrides") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        if (!announced)
            request.Headers.TransferEncodingChunked = true;
        using var response = await _http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge), await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task PostOverride_PastExpiry_Is400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/steady/gate/overrides")
        {
            Content = new StringContent("""{"reason":"x","createdBy":"ci","expiresAt":"2020-01-01T00:00:00Z"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.That((await _http.SendAsync(request)).StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [TestCase("steady", 0, "PASS")]
    [TestCase("leaky", 1, "FAIL")]
    [TestCase("idle", 2, "UNKNOWN")]
    public async Task GateCommand_Service_ExitsWithDecision(string service, int exit, string shown)
    {
        var (code, stdout, stderr) = await SloProcess.RunAsync("gate", service, "--url", _slo.Url.ToString());
        Assert.That(code, Is.EqualTo(exit), stdout + stderr);
        Assert.That(stdout, Does.Contain($"release gate for {service}: {shown}"));
        Assert.That(stdout, Does.Contain("minBudgetRemaining").Or.Contain("freshData"));
    }

    [Test]
    public async Task GateCommand_Json_PrintsTheApiAnswer()
    {
        var (code, stdout, _) = await SloProcess.RunAsync("gate", "leaky", "--url", _slo.Url.ToString(), "--json");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stdout, Does.StartWith("{\"service\":\"leaky\",\"decision\":\"fail\""));
    }

    [Test]
    public async Task GateCommand_UnknownService_ExitsTwo()
    {
        var (code, _, stderr) = await SloProcess.RunAsync("gate", "missing", "--url", _slo.Url.ToString());
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("knows no service 'missing'"));
    }

    [Test]
    public async Task GateCommand_ServiceUnreachable_ExitsTwo()
    {
        var (code, _, stderr) = await SloProcess.RunAsync("gate", "steady", "--url", $"http://127.0.0.1:{PrometheusServer.FreePort()}");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(stderr, Does.Contain("cannot reach the SLO service"));
    }

    [Test]
    public async Task Serve_InvalidDefinitions_StopsWithTheErrors()
    {
        var dir = Path.Combine(IntegrationEnvironment.WorkDirectory, "broken-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "bad.yaml"), "apiVersion: slo/v1\nkind: ServiceObjectives\nservice: x\nobjectives:\n  - { name: a, target: 120, window: 30d, indicator: { ratio: { bad: e_total, total: r_total } } }\n");
        var (code, stdout, stderr) = await SloProcess.RunAsync("serve", $"--urls=http://127.0.0.1:{PrometheusServer.FreePort()}", $"--Definitions:Path={dir}", $"--Storage:ConnectionString=Data Source={Path.Combine(dir, "slo.db")}");
        Assert.That(code, Is.Not.Zero);
        Assert.That(stdout + stderr, Does.Contain("bad.yaml:5:").And.Contain("120 is out of range"));
    }

    [Test]
    public async Task Serve_BadSetting_StopsNamingTheSetting()
    {
        var (code, stdout, stderr) = await SloProcess.RunAsync("serve", $"--urls=http://127.0.0.1:{PrometheusServer.FreePort()}", "--Storage:Provider=oracle");
        Assert.That(code, Is.Not.Zero);
        Assert.That(stdout + stderr, Does.Contain("Storage:Provider must be 'sqlite' or 'sqlserver'"));
    }
}
