using System.Collections.Frozen;
using Microsoft.Extensions.Options;
using Slo.Api.Definitions;
using Slo.Api.Evaluation;
using Slo.Api.Hosting;
using Slo.Engine.Definitions;

namespace Slo.Api.Cluster;

/// <summary>The shards this replica gained and gave up at one balance.</summary>
public sealed record ShardChange(IReadOnlySet<int> Owned, IReadOnlySet<int> Acquired, IReadOnlySet<int> Released);

/// <summary>
/// This replica's place among the replicas sharing the database. With <c>Cluster:Enabled</c> off it owns every objective
/// and touches no lease. On, the replicas alive (by heartbeat) are sorted by id and shard <c>s</c> belongs to replica
/// <c>s mod n</c>: an even split that every replica computes alike from the same rows. A replica gives up what is no
/// longer its share and takes what is, when free or expired, at the start of each cycle; between cycles it renews its
/// leases three times per lease length, so a replica that dies loses its shards within one lease length and they are
/// evaluated again by the next cycle of their new holder: within two intervals.
/// </summary>
public sealed class ClusterMembership(
    LeaseStore store,
    DefinitionCatalog catalog,
    IClock clock,
    IOptions<ClusterOptions> options,
    IOptions<EvaluationOptions> evaluation,
    ILogger<ClusterMembership> logger) : BackgroundService
{
    private readonly ClusterOptions _options = options.Value;
    private volatile FrozenSet<int> _owned = FrozenSet<int>.Empty;
    private Instant _startedAt;
    private FrozenSet<int>? _every;

    public bool Enabled => _options.Enabled;

    public string ReplicaId { get; } = options.Value.GetReplicaId();

    public int Shards => _options.Shards;

    /// <summary>How long a lease lasts unless renewed: one evaluation interval, and at least 3 seconds.</summary>
    public Duration LeaseDuration => Duration.Max(evaluation.Value.GetInterval(), Duration.FromSeconds(3));

    /// <summary>The shards held now (every shard when clustering is off).</summary>
    public IReadOnlySet<int> Owned => Enabled ? _owned : _every ??= Enumerable.Range(0, Shards).ToFrozenSet();

    public int ShardOf(ObjectiveId id) => ShardMap.ShardOf(catalog.Current, id, Shards);

    /// <summary>True when this replica evaluates <paramref name="id"/> (always, with clustering off).</summary>
    public bool Owns(ObjectiveId id) => !Enabled || _owned.Contains(ShardOf(id));

    /// <summary>The same for an id as stored (<c>service/name</c>), also of an objective no longer defined.</summary>
    public bool Owns(string id) => !Enabled || _owned.Contains(ShardMap.ShardOf(catalog.Current, id, Shards));

    /// <summary>Said alive before the first cycle, so that replicas started together see each other at once.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Enabled)
        {
            _startedAt = clock.Now();
            await store.HeartbeatAsync(ReplicaId, _startedAt, _options.Address, _startedAt, cancellationToken);
            logger.LogInformation("Replica {Replica} joins the cluster ({Shards} shards, leases of {Lease})", ReplicaId, Shards, LeaseDuration);
        }

        await base.StartAsync(cancellationToken);
    }

    /// <summary>At the start of a cycle: gives up what is no longer this replica's share, takes what is.</summary>
    public async Task<ShardChange> BalanceAsync(CancellationToken cancellationToken)
    {
        var before = _owned;
        if (!Enabled)
            return new ShardChange(Owned, FrozenSet<int>.Empty, FrozenSet<int>.Empty);
        var now = clock.Now();
        await store.HeartbeatAsync(ReplicaId, _startedAt, _options.Address, now, cancellationToken);
        var live = (await store.ReplicasAsync(cancellationToken))
            .Where(r => r.HeartbeatAt >= now - LeaseDuration || r.ReplicaId == ReplicaId)
            .Select(r => r.ReplicaId)
            .Order(StringComparer.Ordinal)
            .ToArray();
        var me = Array.IndexOf(live, ReplicaId);
        var share = Enumerable.Range(0, Shards).Where(s => s % live.Length == me).ToHashSet();
        var release = before.Where(s => !share.Contains(s)).ToArray();
        var owned = (await store.BalanceAsync(ReplicaId, Shards, release, share.Where(s => !before.Contains(s)).ToArray(), now, now + LeaseDuration, cancellationToken)).ToFrozenSet();
        _owned = owned;
        var change = new ShardChange(owned, owned.Where(s => !before.Contains(s)).ToHashSet(), before.Where(s => !owned.Contains(s)).ToHashSet());
        if (change.Acquired.Count > 0 || change.Released.Count > 0)
        {
            logger.LogInformation("Replica {Replica} of {Replicas} holds {Owned} shards (took {Acquired}, gave up {Released})",
                ReplicaId, live.Length, owned.Count, change.Acquired.Count, change.Released.Count);
        }

        return change;
    }

    /// <summary>Before publishing a cycle: renews and returns the shards still held, so a replica that lost a lease
    /// meanwhile (paused longer than a lease) writes nothing for it.</summary>
    public async Task<IReadOnlySet<int>> ConfirmAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
            return Owned;
        var now = clock.Now();
        var held = await store.RenewAsync(ReplicaId, now, now + LeaseDuration, cancellationToken);
        _owned = _owned.Where(held.Contains).ToFrozenSet();
        return _owned;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
            return;
        var every = (LeaseDuration / 3).ToTimeSpan();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, stoppingToken);
                var now = clock.Now();
                await store.HeartbeatAsync(ReplicaId, _startedAt, _options.Address, now, stoppingToken);
                if (_owned.Count > 0)
                    await ConfirmAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The next renewal may succeed before the leases run out; if not, another replica takes them over.
                logger.LogWarning("Renewing the leases of replica {Replica} failed: {Error}", ReplicaId, e.Message);
            }
        }
    }

    /// <summary>An orderly stop hands every shard over at once instead of after the lease runs out.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!Enabled)
            return;
        try
        {
            await store.LeaveAsync(ReplicaId, cancellationToken);
            _owned = FrozenSet<int>.Empty;
            logger.LogInformation("Replica {Replica} left the cluster and freed its shards", ReplicaId);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Replica {Replica} could not free its shards ({Error}); they are taken over when the leases run out", ReplicaId, e.Message);
        }
    }
}
