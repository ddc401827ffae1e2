using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Slo.Tests.Integration;

/// <summary>
/// The real process with its SQLite database under real faults: the folder moved away while it runs, and a disk
/// that fills. Neither may stop the service, and neither may cost a write the service acknowledged.
/// </summary>
[TestFixture]
[NonParallelizable]
public class StorageFaultTests
{
    private const string Token = "storage-token";

    [Test]
    public async Task DatabaseFolderMovedAway_ReadinessFails_WritesAreRefused_AndNothingAcknowledgedIsLost()
    {
        var dir = NewDirectory("moved");
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        await using var slo = await StartAsync(dir, Path.Combine(data, "slo.db"));
        using var http = new HttpClient { BaseAddress = slo.Url };

        var acknowledged = new List<string> { await PostOverrideAsync(http, HttpStatusCode.Created) };
        var away = Path.Combine(dir, "data-moved");
        Directory.Move(data, away);

        var ready = await WaitForReadinessAsync(http, HttpStatusCode.ServiceUnavailable);
        Assert.That(ready, Does.Contain("storage_failing").And.Contain("moved or deleted"));
        using (var refused = await PostAsync(http))
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), await refused.Content.ReadAsStringAsync());
            Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("nothing was stored"));
        }

        Assert.That(slo.Output, Does.Contain("fail:").And.Contain("moved or deleted"), "the failure must be logged as an error");
        Assert.That(await MetricAsync(http, "slo_storage_failing"), Is.EqualTo(1));
        Assert.That(await MetricAsync(http, "slo_storage_write_errors_total"), Is.GreaterThan(0));
        Assert.That(slo.HasExited, Is.False);

        // Put back, the database takes writes again without a restart.
        Directory.Move(away, data);
        await WaitForReadinessAsync(http, HttpStatusCode.OK);
        acknowledged.Add(await PostOverrideAsync(http, HttpStatusCode.Created));
        Assert.That(await MetricAsync(http, "slo_storage_failing"), Is.EqualTo(0));

        await slo.DisposeAsync();
        Assert.That(await StoredOverridesAsync(Path.Combine(data, "slo.db")), Is.EquivalentTo(acknowledged));
    }

    [Test]
    public async Task DiskFills_ServiceKeepsRunning_ReadinessSaysWhy_AndEveryAcknowledgedWriteIsStored()
    {
        var dir = NewDirectory("full");
        var disk = Path.Combine(dir, "disk");
        Directory.CreateDirectory(disk);
        if (!await Tools.TryMountTmpfsAsync(disk, "24m"))
            Assert.Ignore("a small tmpfs cannot be mounted here (needs root and mount rights); the full-disk test did not run");
        try
        {
            await using var slo = await StartAsync(dir, Path.Combine(disk, "slo.db"));
            using var http = new HttpClient { BaseAddress = slo.Url };
            var acknowledged = new List<string> { await PostOverrideAsync(http, HttpStatusCode.Created) };

            var filler = Path.Combine(disk, "filler");
            FillDisk(filler);
            var ready = await WaitForReadinessAsync(http, HttpStatusCode.ServiceUnavailable);
            Assert.That(ready, Does.Contain("storage_failing").And.Contain("full"));

            // Whatever the service answers while the disk is full, a 201 must mean the override is stored.
            for (var i = 0; i < 5; i++)
            {
                using var response = await PostAsync(http);
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created).Or.EqualTo(HttpStatusCode.ServiceUnavailable));
                if (response.StatusCode == HttpStatusCode.Created)
                    acknowledged.Add(await IdAsync(response));
            }

            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.That(slo.HasExited, Is.False, slo.Output);
            Assert.That((await http.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

            File.Delete(filler);
            await WaitForReadinessAsync(http, HttpStatusCode.OK);
            acknowledged.Add(await PostOverrideAsync(http, HttpStatusCode.Created));
            await slo.DisposeAsync();
            Assert.That(await StoredOverridesAsync(Path.Combine(disk, "slo.db")), Is.EquivalentTo(acknowledged));
        }
        finally
        {
            await Tools.UnmountAsync(disk);
        }
    }

    private static string NewDirectory(string name)
    {
        var dir = Path.Combine(IntegrationEnvironment.WorkDirectory, $"{name}-{Guid.NewGuid():N}"[..16]);
        Directory.CreateDirectory(Path.Combine(dir, "definitions"));
        File.WriteAllText(Path.Combine(dir, "definitions", "scenario.yaml"), TestScenario.Definitions);
        return dir;
    }

    private static Task<SloProcess> StartAsync(string dir, string database) => SloProcess.StartAsync(
        $"--Prometheus:Url={IntegrationEnvironment.Prometheus.Url}",
        $"--Definitions:Path={Path.Combine(dir, "definitions")}",
        $"--Storage:ConnectionString=Data Source={database}",
        $"--Api:Token={Token}",
        "--Evaluation:Interval=1s");

    private static void FillDisk(string path)
    {
        var block = new byte[1 << 20];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.WriteThrough);
        try
        {
            while (true)
                file.Write(block);
        }
        catch (IOException)
        {
            // No space left: the disk is full.
        }
    }

    private static async Task<string> WaitForReadinessAsync(HttpClient http, HttpStatusCode expected)
    {
        var timer = Stopwatch.StartNew();
        while (true)
        {
            using var response = await http.GetAsync("/health/ready");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == expected)
                return body;
            if (timer.Elapsed > TimeSpan.FromSeconds(60))
                Assert.Fail($"/health/ready stayed {(int)response.StatusCode} for a minute, expected {(int)expected}: {body}");
            await Task.Delay(250);
        }
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http)
    {
        var expires = NodaTime.Text.InstantPattern.ExtendedIso.Format(NodaTime.SystemClock.Instance.GetCurrentInstant() + Duration.FromHours(1));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/services/steady/gate/overrides")
        {
            Content = new StringContent($$"""{"reason":"storage fault","createdBy":"ci","expiresAt":"{{expires}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(request);
    }

    private static async Task<string> PostOverrideAsync(HttpClient http, HttpStatusCode expected)
    {
        using var response = await PostAsync(http);
        Assert.That(response.StatusCode, Is.EqualTo(expected), await response.Content.ReadAsStringAsync());
        return await IdAsync(response);
    }

    private static async Task<string> IdAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<double> MetricAsync(HttpClient http, string name)
    {
        var text = await http.GetStringAsync("/metrics");
        return text.Split('\n')
            .Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length > name.Length && l[name.Length] is ' ' or '{'))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task<IReadOnlyList<string>> StoredOverridesAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        return (await connection.QueryAsync<string>("SELECT id FROM gate_overrides")).AsList();
    }
}
