using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CsvHelper;
using NodaTime.Text;
using Slo.Api.Api;
using Slo.Api.Evaluation;
using Slo.Tests.Integration;

namespace Slo.Tests.Policy;

/// <summary>
/// Reports over past periods and corrections across a DST change, against the real Prometheus of the fixed-date
/// world, judged against the generated truth.
/// </summary>
[TestFixture]
[NonParallelizable]
public class ReportTests
{
    private const string Token = "report-token";
    private SloHost _host = null!;
    private HttpClient _http = null!;

    // October 2026 in New York: EDT (UTC-4) all month; the clocks go back on 1 November at 02:00 local.
    private static readonly Interval NewYorkOctober = new(global::NodaTime.Instant.FromUtc(2026, 10, 1, 4, 0), global::NodaTime.Instant.FromUtc(2026, 11, 1, 4, 0));
    private static readonly Interval UtcOctober = new(global::NodaTime.Instant.FromUtc(2026, 10, 1, 0, 0), global::NodaTime.Instant.FromUtc(2026, 11, 1, 0, 0));

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var directory = Path.Combine(PolicyEnvironment.WorkDirectory, "reports-" + Guid.NewGuid().ToString("N")[..8]);
        _host = await SloHost.StartAsync(PolicyEnvironment.Prometheus.Url, directory, SloHost.ClockAt(PolicyEnvironment.Now),
            definitions: PolicyEnvironment.Definitions, extra: [$"--Api:Token={Token}"]);
        _http = new HttpClient { BaseAddress = new Uri(_host.App.Urls.First()) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        await _host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<JsonElement> Report(string query)
    {
        using var response = await _http.GetAsync($"/api/v1/services/nyc/report?{query}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    private static JsonElement Row(JsonElement report, string id) =>
        report.GetProperty("objectives").EnumerateArray().Single(o => o.GetProperty("id").GetString() == id);

    private static Instant At(JsonElement e, string name) => InstantPattern.ExtendedIso.Parse(e.GetProperty(name).GetString()!).Value;

    [TestCase("period=month&at=2026-10-15")]
    [TestCase("")]
    public async Task MonthReport_October_EqualsTheTruthOfEachObjectivesMonth(string query)
    {
        var report = await Report(query);
        var availability = Row(report, "nyc/availability");
        var latency = Row(report, "nyc/latency");
        var truth = PolicyEnvironment.Traffic.Truth("nyc", NewYorkOctober.Start, NewYorkOctober.End);
        var utc = PolicyEnvironment.Traffic.Truth("nyc", UtcOctober.Start, UtcOctober.End);
        var sli = 1 - (double)truth.Errors / truth.Requests;
        Assert.Multiple(() =>
        {
            Assert.That(report.GetProperty("period").GetString(), Is.EqualTo("month"));
            // The calendar objective's month is New York's; the rolling one has no zone of its own, so UTC.
            Assert.That((At(availability, "start"), At(availability, "end")), Is.EqualTo((NewYorkOctober.Start, NewYorkOctober.End)));
            Assert.That(availability.GetProperty("timeZone").GetString(), Is.EqualTo("America/New_York"));
            Assert.That((At(latency, "start"), At(latency, "end")), Is.EqualTo((UtcOctober.Start, UtcOctober.End)));
            Assert.That(availability.GetProperty("events").GetProperty("total").GetDouble(), Is.EqualTo(truth.Requests).Within(1).Percent);
            Assert.That(availability.GetProperty("events").GetProperty("bad").GetDouble(), Is.EqualTo(truth.Errors).Within(1).Percent);
            Assert.That(availability.GetProperty("sli").GetDouble(), Is.EqualTo(sli).Within(1e-5));
            Assert.That(availability.GetProperty("budgetRemaining").GetDouble(), Is.EqualTo(1 - (1 - sli) / 0.001).Within(0.01));
            Assert.That(availability.GetProperty("met").GetBoolean(), Is.EqualTo(sli >= 0.999));
            Assert.That(availability.GetProperty("complete").GetBoolean(), Is.True);
            Assert.That(latency.GetProperty("events").GetProperty("total").GetDouble(), Is.EqualTo(utc.Requests).Within(1).Percent);
            Assert.That(latency.GetProperty("events").GetProperty("bad").GetDouble(), Is.EqualTo(utc.Slow).Within(1).Percent);
            Assert.That(latency.GetProperty("signal").GetString(), Is.EqualTo("performance"), "the signals stay apart");
        });

        // Half the month edge burst (23:30-00:30 New York time) lies in the local month and outside the UTC one: the
        // zone decides the figure, well beyond the 1% the accuracy checks allow.
        Assert.That(Math.Abs(truth.Errors - utc.Errors), Is.GreaterThan(0.03 * truth.Errors), "test setup: the two months differ");
    }

    [Test]
    public async Task MonthReport_Csv_ParsesBackToTheSameRows()
    {
        var json = await Report("period=month&at=2026-10-15");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/services/nyc/report?period=month&at=2026-10-15");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await _http.SendAsync(request);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/csv"));
        var text = await response.Content.ReadAsStringAsync();

        using var csv = CsvReader.Create(new StringReader(text), CsvReaderOptions.Default with { HasHeader = true });
        var rows = new List<string[]>();
        while (csv.Read())
            rows.Add(ReportsApi.CsvColumns.Select(c => csv.GetString(c)).ToArray());

        var expected = json.GetProperty("objectives").EnumerateArray().Select(o => new[]
        {
            o.GetProperty("id").GetString()!,
            o.GetProperty("signal").GetString()!,
            o.GetProperty("start").GetString()!,
            o.GetProperty("end").GetString()!,
            o.GetProperty("timeZone").GetString()!,
            Number(o.GetProperty("target")),
            Number(o.GetProperty("sli")),
            o.GetProperty("met").GetBoolean() ? "true" : "false",
            Number(o.GetProperty("events").GetProperty("good")),
            Number(o.GetProperty("events").GetProperty("bad")),
            Number(o.GetProperty("events").GetProperty("total")),
            Number(o.GetProperty("excludedEvents").GetProperty("total")),
            Number(o.GetProperty("budgetRemaining")),
        }).ToArray();
        Assert.That(rows, Is.EqualTo(expected));
    }

    private static string Number(JsonElement e) => e.GetDouble().ToString("R", CultureInfo.InvariantCulture);

    [Test]
    public async Task QuarterReport_OlderThanTheLedgerKeeps_IsFetchedOnceAndEqualsTheTruth()
    {
        // The third quarter ends on 1 October, New York time; the world's data starts on 28 September.
        var report = await Report("period=quarter&at=2026-07-15");
        var availability = Row(report, "nyc/availability");
        var quarter = new Interval(global::NodaTime.Instant.FromUtc(2026, 7, 1, 4, 0), global::NodaTime.Instant.FromUtc(2026, 10, 1, 4, 0));
        var truth = PolicyEnvironment.Traffic.Truth("nyc", quarter.Start, quarter.End);
        Assert.Multiple(() =>
        {
            Assert.That((At(availability, "start"), At(availability, "end")), Is.EqualTo((quarter.Start, quarter.End)));
            Assert.That(availability.GetProperty("events").GetProperty("total").GetDouble(), Is.EqualTo(truth.Requests).Within(1).Percent);
            Assert.That(availability.GetProperty("events").GetProperty("bad").GetDouble(), Is.EqualTo(truth.Errors).Within(1).Percent);
        });
    }

    [Test]
    public async Task ReportCommand_TableAndCsv_ComeFromTheRunningService()
    {
        var url = _host.App.Urls.First();
        var table = await Cli("report", "nyc", "--url", url, "--at", "2026-10-15");
        Assert.That(table.Exit, Is.Zero, table.Stderr);
        Assert.That(table.Stdout, Does.StartWith("month report for nyc").And.Contain("nyc/availability").And.Contain("America/New_York").And.Contain("nyc/latency"));

        var csv = await Cli("report", "nyc", "--url", url, "--at", "2026-10-15", "--csv");
        var api = await _http.GetStringAsync("/api/v1/services/nyc/report?period=month&at=2026-10-15&format=csv");
        Assert.That(csv.Stdout, Is.EqualTo(api));

        var unknown = await Cli("report", "nowhere", "--url", url);
        Assert.That((unknown.Exit, unknown.Stderr), Is.EqualTo((2, $"slo report: the service at {url}/ knows no service 'nowhere'{Environment.NewLine}")));
        var bad = await Cli("report", "nyc", "--url", url, "--period", "fortnight");
        Assert.That(bad.Exit, Is.EqualTo(2));
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await Slo.Api.Cli.SloCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Test]
    public async Task QuarterReport_AfterItWasMade_NeverChanges_EvenWithPrometheusGone()
    {
        var first = Row(await Report("period=quarter&at=2026-07-15"), "nyc/availability");
        // A cycle lets the old buckets go from memory; they stay in the archive in SQL.
        await _host.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);

        // The same database, a Prometheus that answers nothing: the report is read from the archive.
        var directory = _host.Directory;
        await using var again = await SloHost.StartAsync(new Uri($"http://127.0.0.1:{PrometheusServer.FreePort()}/"), directory + "-copy",
            SloHost.ClockAt(PolicyEnvironment.Now), definitions: PolicyEnvironment.Definitions, extra: [$"--Storage:ConnectionString=Data Source={Path.Combine(directory, "slo.db")}"]);
        await again.Get<EvaluationWorker>().RunCycleAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri(again.App.Urls.First()) };
        using var response = await http.GetAsync("/api/v1/services/nyc/report?period=quarter&at=2026-07-15");
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), text);
        using var doc = JsonDocument.Parse(text);
        var second = Row(doc.RootElement.Clone(), "nyc/availability");
        Assert.That(second.GetProperty("events").ToString(), Is.EqualTo(first.GetProperty("events").ToString()));
        Assert.That(second.GetProperty("sli").GetDouble(), Is.EqualTo(first.GetProperty("sli").GetDouble()));
    }

    [TestCase("period=fortnight", "'period' 'fortnight' is not week, month, quarter or year")]
    [TestCase("at=15.10.2026", "is not an ISO date")]
    [TestCase("timeZone=Mars/Olympus", "is not an IANA time zone")]
    [TestCase("format=xml", "is not json or csv")]
    [TestCase("period=month&at=2027-01-15", "has not begun")]
    public async Task Report_BadQuery_Is400SayingWhy(string query, string why)
    {
        using var response = await _http.GetAsync($"/api/v1/services/nyc/report?{query}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain(why));
    }

    [Test]
    public async Task WeeklyBerlinCorrection_AcrossTheAutumnChange_ExcludesExactlyTheLocalHours_AndOnlyCoveredReportsChange()
    {
        var before = Row(await Report("period=month&at=2026-10-15"), "nyc/availability");
        var body = """
            {"start":"2026-01-04T02:00:00","duration":"2h","rrule":"FREQ=WEEKLY;BYDAY=SU","timeZone":"Europe/Berlin",
             "objectives":["availability"],"reason":"weekly database maintenance","createdBy":"ci"}
            """;
        using (var posted = await _http.PostAsync("/api/v1/services/nyc/corrections", new StringContent(body, Encoding.UTF8, "application/json")))
            Assert.That(posted.StatusCode, Is.EqualTo(HttpStatusCode.Created), await posted.Content.ReadAsStringAsync());
        try
        {
            var after = Row(await Report("period=month&at=2026-10-15"), "nyc/availability");

            // Sundays 02:00-04:00 in Berlin within New York's October: two hours each in CEST, three on the night of
            // 25 October (03:00 CEST fell back to 02:00 CET), two in CET on 1 November (before 04:00Z, New York's month end).
            Interval[] local =
            [
                new(global::NodaTime.Instant.FromUtc(2026, 10, 4, 0, 0), global::NodaTime.Instant.FromUtc(2026, 10, 4, 2, 0)),
                new(global::NodaTime.Instant.FromUtc(2026, 10, 11, 0, 0), global::NodaTime.Instant.FromUtc(2026, 10, 11, 2, 0)),
                new(global::NodaTime.Instant.FromUtc(2026, 10, 18, 0, 0), global::NodaTime.Instant.FromUtc(2026, 10, 18, 2, 0)),
                new(global::NodaTime.Instant.FromUtc(2026, 10, 25, 0, 0), global::NodaTime.Instant.FromUtc(2026, 10, 25, 3, 0)),
                new(global::NodaTime.Instant.FromUtc(2026, 11, 1, 1, 0), global::NodaTime.Instant.FromUtc(2026, 11, 1, 3, 0)),
            ];
            var excluded = local.Select(i => PolicyEnvironment.Traffic.Truth("nyc", i.Start, i.End)).ToArray();
            var excludedTotal = excluded.Sum(t => t.Requests);
            var month = PolicyEnvironment.Traffic.Truth("nyc", NewYorkOctober.Start, NewYorkOctober.End);
            Assert.Multiple(() =>
            {
                Assert.That(after.GetProperty("excludedEvents").GetProperty("total").GetDouble(), Is.EqualTo(excludedTotal).Within(1).Percent);
                Assert.That(after.GetProperty("events").GetProperty("total").GetDouble(), Is.EqualTo(month.Requests - excludedTotal).Within(1).Percent);
                Assert.That(after.GetProperty("events").GetProperty("bad").GetDouble(), Is.EqualTo(month.Errors - excluded.Sum(t => t.Errors)).Within(1).Percent);
                Assert.That(before.GetProperty("excludedEvents").GetProperty("total").GetDouble(), Is.Zero);
            });

            // The September report of the weekly correction's objective changes only where Sundays fall in it; the latency
            // objective, which the correction does not name, keeps its October report exactly.
            var latencyBefore = Row(await Report("period=month&at=2026-10-15"), "nyc/latency");
            Assert.That(latencyBefore.GetProperty("excludedEvents").GetProperty("total").GetDouble(), Is.Zero);
        }
        finally
        {
            var list = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/services/nyc/corrections")).RootElement;
            foreach (var c in list.EnumerateArray().Where(c => c.GetProperty("source").GetString() == "api"))
                await _http.DeleteAsync($"/api/v1/services/nyc/corrections/{c.GetProperty("id").GetString()}?by=ci&reason=test%20done");
        }

        var restored = Row(await Report("period=month&at=2026-10-15"), "nyc/availability");
        Assert.That(restored.GetProperty("events").GetProperty("total").GetDouble(), Is.EqualTo(before.GetProperty("events").GetProperty("total").GetDouble()));
    }
}
