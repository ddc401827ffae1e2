using Microsoft.Extensions.Logging.Abstractions;
using NodaTime.Testing;
using Slo.Api.Storage;
using Slo.Engine.Definitions;

namespace Slo.Tests.Api;

/// <summary>
/// The same repository tests on every provider: SQLite always, SQL Server when SLO_TEST_SQLSERVER holds a connection
/// string (otherwise those cases are reported as skipped, never as passed).
/// </summary>
[TestFixture("sqlite")]
[TestFixture("sqlserver")]
public class EvaluationHistoryTests(string provider)
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 24, 8, 0);
    private ProviderDatabase? _provider;
    private SqlDatabase _database = null!;
    private EvaluationHistory _history = null!;
    private ObjectiveId _id;

    [OneTimeSetUp]
    public async Task CreateDatabase()
    {
        _provider = await ProviderDatabase.CreateAsync(provider, "history", At);
        _database = _provider.Database;
        _history = new EvaluationHistory(_database);
    }

    [OneTimeTearDown]
    public void DeleteFile() => _provider?.Delete();

    // A fresh objective id per test keeps tests apart on a shared SQL Server database.
    [SetUp]
    public void NewObjective() => _id = new ObjectiveId("svc-" + Guid.NewGuid().ToString("N")[..12], "availability");

    private HistoryRecord Record(Instant at, double? remaining = 0.5, string state = "ok") => new()
    {
        ObjectiveId = _id.ToString(),
        EvaluatedAt = at,
        State = state,
        Sli = remaining is null ? null : 0.9995,
        Good = remaining is null ? null : 99_950,
        Bad = remaining is null ? null : 50,
        Total = remaining is null ? null : 100_000,
        BudgetConsumed = remaining is null ? null : 1 - remaining,
        BudgetRemaining = remaining,
        RemainingEvents = remaining is null ? null : 50,
        BurnRates = remaining is null ? null : """{"1h":0.5}""",
        Message = remaining is null ? "Prometheus unreachable" : null,
    };

    [Test]
    public async Task Migrate_AgainOnMigratedDatabase_AppliesNothing()
    {
        var applied = await new MigrationRunner(_database, new FakeClock(At), NullLogger<MigrationRunner>.Instance).MigrateAsync(CancellationToken.None);
        Assert.That(applied, Is.Empty);
    }

    [Test]
    public async Task ReadAsync_AfterRecord_RoundTripsInstantsNumbersAndNulls()
    {
        await _history.RecordAsync([Record(At - Duration.FromMinutes(1)), Record(At, remaining: null, state: "stale")], CancellationToken.None);
        var rows = await _history.ReadAsync(_id, At - Duration.FromHours(1), At, CancellationToken.None);
        Assert.That(rows, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            Assert.That(rows[0].EvaluatedAt, Is.EqualTo(At - Duration.FromMinutes(1)));
            Assert.That(rows[0].BudgetRemaining, Is.EqualTo(0.5));
            Assert.That(rows[0].BurnRates, Is.EqualTo("""{"1h":0.5}"""));
            Assert.That(rows[1].State, Is.EqualTo("stale"));
            Assert.That(rows[1].Sli, Is.Null);
            Assert.That(rows[1].Message, Is.EqualTo("Prometheus unreachable"));
        });
    }

    [Test]
    public async Task RecordAsync_SameInstantTwice_KeepsTheFirst()
    {
        await _history.RecordAsync([Record(At, remaining: 0.5)], CancellationToken.None);
        await _history.RecordAsync([Record(At, remaining: 0.1)], CancellationToken.None);
        var rows = await _history.ReadAsync(_id, At, At, CancellationToken.None);
        Assert.That(rows.Single().BudgetRemaining, Is.EqualTo(0.5));
    }

    [Test]
    public async Task ReadAsync_Range_IncludesBothEndsOnly()
    {
        await _history.RecordAsync([Record(At - Duration.FromHours(2)), Record(At - Duration.FromHours(1)), Record(At)], CancellationToken.None);
        var rows = await _history.ReadAsync(_id, At - Duration.FromHours(1), At, CancellationToken.None);
        Assert.That(rows.Select(r => r.EvaluatedAt), Is.EqualTo(new[] { At - Duration.FromHours(1), At }));
        Assert.That(await _history.InstantsAsync(_id, At - Duration.FromHours(3), At, CancellationToken.None), Has.Count.EqualTo(3));
    }

    [Test]
    public async Task PruneAsync_OlderThanFullResolution_KeepsOnlyHourlyRecords()
    {
        var old = At - Duration.FromDays(3);
        HistoryRecord[] records =
        [
            Record(old), Record(old + Duration.FromSeconds(30)), Record(old + Duration.FromMinutes(1)),
            Record(At - Duration.FromMinutes(1)), Record(At),
        ];
        foreach (var (r, i) in records.Select((r, i) => (r, i)))
            r.Hourly = i is 0 or 3;
        await _history.RecordAsync(records, CancellationToken.None);
        var deleted = await _history.PruneAsync(At - Duration.FromDays(400), At - Duration.FromDays(2), CancellationToken.None);
        var kept = await _history.ReadAsync(_id, old - Duration.FromHours(1), At, CancellationToken.None);
        Assert.That(deleted, Is.GreaterThanOrEqualTo(2));
        Assert.That(kept.Select(r => r.EvaluatedAt), Is.EqualTo(new[] { old, At - Duration.FromMinutes(1), At }), "recent records all stay; old ones only hourly");
    }

    [Test]
    public async Task PruneAsync_DeletesOnlyOlderRecords()
    {
        await _history.RecordAsync([Record(At - Duration.FromDays(500)), Record(At)], CancellationToken.None);
        var deleted = await _history.PruneAsync(At - Duration.FromDays(400), At - Duration.FromDays(400), CancellationToken.None);
        Assert.That(deleted, Is.GreaterThanOrEqualTo(1));
        Assert.That((await _history.ReadAsync(_id, At - Duration.FromDays(600), At, CancellationToken.None)).Select(r => r.EvaluatedAt), Is.EqualTo(new[] { At }));
    }
}

[TestFixture]
public class MigrationRunnerTests
{
    [Test]
    public void Discover_BothProviders_HaveTheSameVersionsInOrder()
    {
        var sqlite = MigrationRunner.Discover("sqlite").Select(m => m.Version).ToArray();
        var sqlServer = MigrationRunner.Discover("sqlserver").Select(m => m.Version).ToArray();
        Assert.That(sqlite, Is.Not.Empty);
        Assert.That(sqlServer, Is.EqualTo(sqlite));
        Assert.That(sqlite, Is.EqualTo(Enumerable.Range(1, sqlite.Length)), "versions run 1, 2, 3 ... without gaps");
    }
}
