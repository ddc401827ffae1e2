using Microsoft.Extensions.Logging.Abstractions;
using NodaTime.Testing;
using Slo.Api.Ledger;
using Slo.Api.Storage;
using Slo.Engine.Budgets;
using Slo.Engine.Ledger;
using Slo.Tests.Engine;

namespace Slo.Tests.Api;

/// <summary>The ledger's SQL storage on every provider: SQLite always, SQL Server when SLO_TEST_SQLSERVER holds a
/// connection string (otherwise reported as skipped, never as passed).</summary>
[TestFixture("sqlite")]
[TestFixture("sqlserver")]
public class LedgerStoreTests(string provider)
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 26, 12, 0);
    private static readonly LedgerLayout Layout = LedgerLayout.For(TestObjectives.Availability(), Duration.FromMinutes(1), Now);
    private ProviderDatabase? _provider;
    private SqlDatabase _database = null!;
    private LedgerStore _store = null!;
    private string _id = "";

    [OneTimeSetUp]
    public async Task CreateDatabase()
    {
        _provider = await ProviderDatabase.CreateAsync(provider, "ledger", Now);
        _database = _provider.Database;
        _store = new LedgerStore(_database, new FakeClock(Now));
    }

    [OneTimeTearDown]
    public void DeleteFile() => _provider?.Delete();

    [SetUp]
    public void NewObjective() => _id = "svc-" + Guid.NewGuid().ToString("N")[..12] + "/availability";

    private static EventLedger Filled(Instant at, int seed)
    {
        var ledger = new EventLedger(Layout);
        ledger.PrepareFor(at, at - Duration.FromDays(30));
        foreach (var range in ledger.Plan(at - Duration.FromDays(30), at, at))
            ledger.Write(range, Enumerable.Range(0, range.Buckets).Select(i => EventCounts.FromTotalAndBad(100 + (i + seed) % 17, (i + seed) % 5)).ToArray());
        return ledger;
    }

    private LedgerChanges Changes(EventLedger ledger, bool replace)
    {
        var shrunk = ledger.Shrunk;
        return new LedgerChanges(_id, "fp", Layout, replace, ledger.TakeDirtyChunks(), shrunk ? ledger.HeldRanges() : null);
    }

    private async Task<EventLedger?> Reload(Instant? from = null)
    {
        var head = (await _store.LoadHeadsAsync(CancellationToken.None)).Single(s => s.ObjectiveId == _id);
        Assert.That(head.Buckets, Is.EqualTo(Layout.Describe()));
        var chunks = await _store.LoadChunksAsync([_id, "other/absent"], from?.ToUnixTimeMilliseconds() ?? long.MinValue, CancellationToken.None);
        Assert.That(chunks.Keys, Is.EqualTo(new[] { _id }));
        return EventLedger.Restore(Layout, chunks[_id]);
    }

    [Test]
    public async Task Load_AfterSave_RestoresTheSameCounts()
    {
        var ledger = Filled(Now, 0);
        await _store.SaveAsync([Changes(ledger, replace: true)], CancellationToken.None);
        var restored = await Reload();
        Assert.That(restored, Is.Not.Null);
        Assert.That(restored!.Sum(Now - Duration.FromDays(30), Now), Is.EqualTo(ledger.Sum(Now - Duration.FromDays(30), Now)));
        Assert.That(restored.Sum(Now - Duration.FromMinutes(7), Now), Is.EqualTo(ledger.Sum(Now - Duration.FromMinutes(7), Now)));
    }

    [Test]
    public async Task LoadHeadsAsync_OfSomeIds_ReadsOnlyThoseStored()
    {
        var ledger = Filled(Now, 1);
        await _store.SaveAsync([Changes(ledger, replace: true)], CancellationToken.None);
        var other = _id;
        NewObjective();
        await _store.SaveAsync([Changes(Filled(Now, 2), replace: true)], CancellationToken.None);
        // More ids than one IN list takes: the query is split and every part is read.
        var asked = Enumerable.Range(0, LedgerStore.MaxLoad).Select(i => $"absent/o{i}").Append(_id).ToArray();
        var heads = await _store.LoadHeadsAsync(asked, CancellationToken.None);
        Assert.That(heads.Select(h => h.ObjectiveId), Is.EqualTo(new[] { _id }), $"{other} was not asked for");
        Assert.That(heads.Single().Buckets, Is.EqualTo(Layout.Describe()));
        Assert.That(await _store.LoadHeadsAsync([], CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task SaveAsync_AfterCompactionAndTrim_StaysContiguous_AndKeepsTheCoarsestPartBeforeAsTheArchive()
    {
        var ledger = Filled(Now, 0);
        var original = Filled(Now, 0);
        await _store.SaveAsync([Changes(ledger, replace: true)], CancellationToken.None);
        var later = Now + Duration.FromHours(10);
        ledger.PrepareFor(later, later - Duration.FromDays(20));
        foreach (var range in ledger.Plan(later - Duration.FromDays(20), later, later))
            ledger.Write(range, Enumerable.Range(0, range.Buckets).Select(_ => EventCounts.FromTotalAndBad(50, 1)).ToArray());
        await _store.SaveAsync([Changes(ledger, replace: false)], CancellationToken.None);

        // What the ledger keeps reads back as one contiguous ledger (from the chunk holding its first bucket on), whatever
        // lies before it.
        var chunkMs = LedgerLayout.ChunkBuckets * (long)Layout.Buckets[0].TotalMilliseconds;
        var restored = await Reload(later - Duration.FromDays(20) - Duration.FromMilliseconds(chunkMs));
        Assert.That(restored, Is.Not.Null, "no chunk of a dropped or merged bucket survived in what is loaded");
        Assert.That(restored!.KnownFrom, Is.LessThanOrEqualTo(ledger.KnownFrom!.Value));
        Assert.That(restored.Sum(later - Duration.FromDays(20), later), Is.EqualTo(ledger.Sum(later - Duration.FromDays(20), later)));

        // What it let go is still in SQL, the buckets of the chunk cut in two included, with the counts first stored.
        var from = Now - Duration.FromDays(30);
        var archive = EventLedger.Restore(Layout, await _store.LoadArchiveAsync(_id, from.ToUnixTimeMilliseconds(), ledger.KnownFrom!.Value.ToUnixTimeMilliseconds(), chunkMs, CancellationToken.None));
        Assert.That(archive, Is.Not.Null);
        Assert.That(archive!.KnownFrom, Is.LessThanOrEqualTo(from));
        Assert.That(archive.KnownTo, Is.GreaterThanOrEqualTo(ledger.KnownFrom!.Value));
        Assert.That(archive.Sum(from, ledger.KnownFrom!.Value), Is.EqualTo(original.Sum(from, ledger.KnownFrom!.Value)));

        Assert.That(await _store.PruneArchiveAsync(Now.ToUnixTimeMilliseconds(), chunkMs, CancellationToken.None), Is.GreaterThan(0));
        Assert.That(await _store.LoadArchiveAsync(_id, from.ToUnixTimeMilliseconds(), (Now - Duration.FromDays(5)).ToUnixTimeMilliseconds(), chunkMs, CancellationToken.None),
            Is.Empty, "older than the retention: pruned");
    }

    [Test]
    public async Task SaveAsync_Replace_ForgetsTheOldChunks()
    {
        await _store.SaveAsync([Changes(Filled(Now, 0), replace: true)], CancellationToken.None);
        var fresh = Filled(Now - Duration.FromDays(3), 3);
        await _store.SaveAsync([Changes(fresh, replace: true)], CancellationToken.None);
        var restored = await Reload();
        Assert.That(restored!.KnownTo, Is.EqualTo(Now - Duration.FromDays(3)));
        Assert.That(restored.Sum(Now - Duration.FromDays(20), Now), Is.EqualTo(fresh.Sum(Now - Duration.FromDays(20), Now)));
    }
}
