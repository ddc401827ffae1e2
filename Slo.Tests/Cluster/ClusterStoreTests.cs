using Slo.Api.Cluster;
using Slo.Api.Storage;
using Slo.Tests.Api;

namespace Slo.Tests.Cluster;

/// <summary>Leases, shared statuses and delivery claims in SQL on every provider: SQLite always, SQL Server when
/// SLO_TEST_SQLSERVER holds a connection string (otherwise reported as skipped, never as passed).</summary>
[TestFixture("sqlite")]
[TestFixture("sqlserver")]
public class ClusterStoreTests(string provider)
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 26, 12, 0);
    private static readonly Duration Lease = Duration.FromSeconds(30);
    private ProviderDatabase? _provider;
    private LeaseStore _leases = null!;
    private DeliveryClaims _claims = null!;

    [SetUp]
    public async Task CreateDatabase()
    {
        _provider = await ProviderDatabase.CreateAsync(provider, "cluster", Now);
        _leases = new LeaseStore(_provider.Database);
        _claims = new DeliveryClaims(_provider.Database);
    }

    [TearDown]
    public void DeleteFile() => _provider?.Delete();

    [Test]
    public async Task Lease_HeldByOne_TakenOnlyWhenFreeOrExpired()
    {
        var a = await _leases.BalanceAsync("a", 4, [], [0, 1, 2, 3], Now, Now + Lease, CancellationToken.None);
        var b = await _leases.BalanceAsync("b", 4, [], [0, 1, 2, 3], Now + Duration.FromSeconds(1), Now + Duration.FromSeconds(1) + Lease, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.EquivalentTo(new[] { 0, 1, 2, 3 }));
            Assert.That(b, Is.Empty, "a live lease is never taken");
        });

        // a gives two up at once; b takes them at once. The other two wait until a's leases run out.
        await _leases.BalanceAsync("a", 4, [2, 3], [], Now + Duration.FromSeconds(2), Now + Duration.FromSeconds(2) + Lease, CancellationToken.None);
        b = await _leases.BalanceAsync("b", 4, [], [0, 1, 2, 3], Now + Duration.FromSeconds(3), Now + Duration.FromSeconds(3) + Lease, CancellationToken.None);
        Assert.That(b, Is.EquivalentTo(new[] { 2, 3 }));
        var later = Now + Duration.FromSeconds(2) + Lease + Duration.FromSeconds(1);
        Assert.That(await _leases.RenewAsync("a", later, later + Lease, CancellationToken.None), Is.Empty, "an expired lease is not renewed");
        b = await _leases.BalanceAsync("b", 4, [], [0, 1], later, later + Lease, CancellationToken.None);
        Assert.That(b, Is.EquivalentTo(new[] { 0, 1, 2, 3 }), "expired leases are taken over; b's own are renewed");
        var rows = await _leases.LeasesAsync(CancellationToken.None);
        Assert.That(rows.Select(r => r.Holder), Has.All.EqualTo("b"));
        Assert.That(rows.Single(r => r.Shard == 0).Generation, Is.EqualTo(2), "each hand-over counts");
    }

    [Test]
    public async Task Leave_FreesEveryShardAndForgetsTheReplica()
    {
        await _leases.HeartbeatAsync("a", Now, "http://a", Now, CancellationToken.None);
        await _leases.HeartbeatAsync("b", Now, "", Now, CancellationToken.None);
        await _leases.BalanceAsync("a", 2, [], [0, 1], Now, Now + Lease, CancellationToken.None);
        await _leases.LeaveAsync("a", CancellationToken.None);
        Assert.Multiple(async () =>
        {
            Assert.That((await _leases.ReplicasAsync(CancellationToken.None)).Select(r => r.ReplicaId), Is.EqualTo(new[] { "b" }));
            Assert.That(await _leases.BalanceAsync("b", 2, [], [0, 1], Now + Duration.FromSeconds(1), Now + Lease, CancellationToken.None), Is.EquivalentTo(new[] { 0, 1 }));
        });
    }

    [Test]
    public async Task Delivery_ClaimedOnce_AbandonedClaimTakenAgain()
    {
        var delivery = new DeliveryClaims.Delivery("flare/availability", "page-1h-5m", Now, "resolved", "webhook0");
        var first = await _claims.ClaimAsync([delivery], "a", Now, CancellationToken.None);
        var second = await _claims.ClaimAsync([delivery], "b", Now + Duration.FromSeconds(5), CancellationToken.None);
        var again = await _claims.ClaimAsync([delivery], "a", Now + Duration.FromSeconds(6), CancellationToken.None);
        // a claimed again at +6 s and died before sending: b may take it once that claim is old.
        var early = await _claims.ClaimAsync([delivery], "b", Now + DeliveryClaims.Abandoned, CancellationToken.None);
        var abandoned = await _claims.ClaimAsync([delivery], "b", Now + Duration.FromSeconds(7) + DeliveryClaims.Abandoned, CancellationToken.None);
        await _claims.MarkSentAsync(abandoned, Now + Duration.FromSeconds(8) + DeliveryClaims.Abandoned, CancellationToken.None);
        var sent = await _claims.ClaimAsync([delivery], "b", Now + DeliveryClaims.Abandoned * 3, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(first, Has.Count.EqualTo(1));
            Assert.That(second, Is.Empty, "another replica's fresh claim stands");
            Assert.That(again, Has.Count.EqualTo(1), "the claimer may try again after a failed send");
            Assert.That(early, Is.Empty, "a claim renewed by its replica is not old yet");
            Assert.That(abandoned, Has.Count.EqualTo(1), "a claim never marked sent is taken over once old");
            Assert.That(sent, Is.Empty, "a sent delivery is never sent again");
        });
    }

    [Test]
    public async Task Statuses_WrittenByOne_ReadByAnother()
    {
        var store = new StatusStore(_provider!.Database);
        var objective = SharedStatusTests.Objective();
        var status = SharedStatusTests.Status(objective, Now);
        await store.WriteAsync([status], "a", Now, CancellationToken.None);
        await store.WriteAsync([status with { State = Slo.Engine.Evaluation.ObjectiveState.Stale, Message = "later" }], "a", Now + Duration.FromSeconds(30), CancellationToken.None);
        var changed = await store.ChangedSinceAsync(Now + Duration.FromSeconds(1), "b", CancellationToken.None);
        Assert.That(changed, Is.EqualTo(new[] { ("checkout/availability", Now + Duration.FromSeconds(30)) }));
        Assert.That(await store.ChangedSinceAsync(Now, "a", CancellationToken.None), Is.Empty, "a replica skips its own rows");
        var row = (await store.ReadAsync(["checkout/availability"], CancellationToken.None)).Single();
        Assert.That(SharedStatus.Read(objective, row.Body).Message, Is.EqualTo("later"));
    }
}
