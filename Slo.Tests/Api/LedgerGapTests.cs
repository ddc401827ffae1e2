using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Slo.Api.Ledger;
using Slo.Api.Prometheus;
using Slo.Api.Storage;
using Slo.Engine.Definitions;
using Slo.Engine.Ledger;

namespace Slo.Tests.Api;

/// <summary>
/// How the ledger book tells a scrape gap (buckets without samples) from buckets that merely counted nothing, against a
/// scripted server whose answers follow a rule per bucket. The accuracy of bridging itself is shown against real
/// Prometheus (the "gappy" job of the integration scenario); these pin which requests a sync sends.
/// </summary>
[TestFixture]
public class LedgerGapTests
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 24, 8, 0);

    /// <summary>Range answers: per bucket (by its end) 1 event a second, or none where <c>absent</c> says no samples
    /// existed, or 0 where <c>idle</c> says nothing happened; instant answers (the bridges) count 5,000 events.</summary>
    private sealed class RuleServer(Func<Instant, bool> absent, Func<Instant, bool> idle) : HttpMessageHandler
    {
        public int Bridges;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = (await request.Content!.ReadAsStringAsync(cancellationToken)).Split('&')
                .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1].Replace('+', ' ')));
            string result;
            if (request.RequestUri!.AbsolutePath.EndsWith("query_range", StringComparison.Ordinal))
            {
                var (start, end, step) = (Seconds(form["start"]), Seconds(form["end"]), Seconds(form["step"]));
                var (total, bad) = (new List<string>(), new List<string>());
                for (var t = start; t <= end; t += step)
                {
                    var bucketEnd = Instant.FromUnixTimeSeconds(t);
                    if (absent(bucketEnd))
                        continue;
                    total.Add($"[{t},\"{(idle(bucketEnd) ? 0 : step)}\"]");
                    bad.Add($"[{t},\"0\"]");
                }

                result = $$"""{"resultType":"matrix","result":[{"metric":{"slo_series":"0|total"},"values":[{{string.Join(",", total)}}]},{"metric":{"slo_series":"0|bad"},"values":[{{string.Join(",", bad)}}]}]}""";
            }
            else
            {
                Interlocked.Increment(ref Bridges);
                result = $$"""{"resultType":"vector","result":[{"metric":{"slo_series":"0|total"},"value":[{{form["time"]}},"5000"]}]}""";
            }

            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent($$"""{"status":"success","data":{{result}}}""", Encoding.UTF8, "application/json") };
        }

        private static long Seconds(string text) => (long)double.Parse(text, CultureInfo.InvariantCulture);
    }

    private static readonly Objective Objective = DefinitionLoader.LoadText("""
        apiVersion: slo/v1
        kind: ServiceObjectives
        service: s
        objectives:
          - { name: a, target: 99, window: 30d, indicator: { ratio: { bad: 'e_total', total: 'r_total' } } }
        """, "s.yaml").Objectives.Single();

    private static async Task<LedgerBook> Book(RuleServer server)
    {
        var directory = Path.Combine(Path.GetTempPath(), "slo-gaps-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var database = SqlDatabase.Sqlite($"Data Source={Path.Combine(directory, "slo.db")};Pooling=False");
        await new MigrationRunner(database, SystemClock.Instance, NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        var client = new PrometheusClient(new HttpClient(server) { BaseAddress = new Uri("http://127.0.0.1:9/") }, new PrometheusCost());
        return new LedgerBook(PrometheusSources.Single(client), new LedgerStore(database, SystemClock.Instance), Options.Create(new LedgerOptions { FineBucket = "1m" }),
            Options.Create(new PrometheusOptions()), NullLogger<LedgerBook>.Instance);
    }

    private static async Task Sync(LedgerBook book, Instant at)
    {
        var failures = await book.SyncAsync([Objective], at, o => LedgerMeasurement.NeedFrom(o, at), CancellationToken.None);
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task Sync_BucketsThatCountedNothing_AreNotTakenForGaps()
    {
        // Every third minute and every fourth hour counted no events, but samples were there: nothing to bridge.
        var server = new RuleServer(_ => false, end => end.ToUnixTimeSeconds() / 60 % 3 == 0 || end.ToUnixTimeSeconds() / 3600 % 4 == 0);
        var book = await Book(server);
        await Sync(book, At);
        for (var minute = 1; minute <= 6; minute++)
            await Sync(book, At + Duration.FromMinutes(minute));
        Assert.That(server.Bridges, Is.Zero);
    }

    [Test]
    public async Task Sync_GapWhoseNextBucketIsReadAgain_IsBridgedAgainAndCountedOnce()
    {
        // No samples from 20 to 3 minutes before At: the 5,000 events across the gap show only in one increase over it.
        var gapFrom = At - Duration.FromMinutes(20);
        var gapTo = At - Duration.FromMinutes(3);
        var server = new RuleServer(end => end > gapFrom && end <= gapTo, _ => false);
        var book = await Book(server);
        await Sync(book, At);
        var first = book.Measure(Objective, At).Window.Total;
        Assert.That(first, Is.EqualTo(30 * 86_400 - 17 * 60 + (5_000 - 2 * 60)).Within(1),
            "30 days at one event a second, without the 17 minutes of the gap, with what the bridge over it found beyond the two minutes held");
        Assert.That(server.Bridges, Is.EqualTo(1));

        // A minute on, the minute right after the gap is read again (it may still change) and overwritten: the events
        // across the gap must be added to it again, not lost and not doubled.
        await Sync(book, At + Duration.FromMinutes(1));
        Assert.That(server.Bridges, Is.EqualTo(2));
        Assert.That(book.Measure(Objective, At + Duration.FromMinutes(1)).Window.Total, Is.EqualTo(first).Within(1),
            "the window moved by a minute of 60 events at either end; the bridged events count once");

        // Once that minute is settled, nothing is bridged any more and the count stays.
        for (var minute = 2; minute <= 8; minute++)
            await Sync(book, At + Duration.FromMinutes(minute));
        Assert.That(server.Bridges, Is.EqualTo(3), "bridged while the minute after the gap was read again (it starts 3 minutes before At)");
        Assert.That(book.Measure(Objective, At + Duration.FromMinutes(8)).Window.Total, Is.EqualTo(first).Within(1));
    }
}
